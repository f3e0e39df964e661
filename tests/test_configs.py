"""The shipped configs' choices: the device, mixed precision, XTREME's head and the fusion's
learning rate.

Built on the tiny model (whose checkpoint carries BERT's pooler, as mBERT's does), offline.
"""
import json

import pytest
import torch
from allennlp.common import Params
from allennlp.data import Vocabulary
from allennlp.models import Model
from allennlp.models.archival import load_archive
from allennlp.modules.seq2vec_encoders import BertPooler, ClsPooler
from allennlp.training.optimizers import Optimizer
from transformers import AutoModel

from allennlp_xfuse.training.overrides import merge_overrides, model_and_data_overrides
from tests.helpers import CONFIG_DIR, tiny_training_overrides

SHIPPED_CONFIGS = sorted(CONFIG_DIR.glob("*.jsonnet"))
FUSION_CONFIGS = ("pawsx_dlfa", "pawsx_aif")

# The switches back to the raw [CLS] head that the libsonnet and README document.
RAW_CLS_HEAD = {
    "pawsx_baseline": {"model.seq2vec_encoder": {"type": "cls_pooler", "embedding_dim": 768}},
    "pawsx_dlfa": {"model.seq2vec_encoder.pooler": None},
    "pawsx_aif": {"model.seq2vec_encoder.pooler": None},
}


def config_params(config_name: str, overrides: dict) -> Params:
    return Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet"), json.dumps(overrides))


def build_model(config_name: str, overrides: dict) -> Model:
    """The config's model, untrained, with a two-label vocabulary."""
    import allennlp_xfuse  # noqa: F401  (registers the components)

    vocab = Vocabulary()
    vocab.add_tokens_to_namespace(["0", "1"], namespace="labels")
    params = config_params(config_name, overrides)
    return Model.from_params(vocab=vocab, params=params.pop("model"))


def pretrained_pooler(model_dir: str) -> dict:
    """The pooler weights of the checkpoint in `model_dir`, loaded afresh."""
    transformer = AutoModel.from_pretrained(model_dir)
    return {name: tensor.clone() for name, tensor in transformer.pooler.state_dict().items()}


def assert_same_weights(module: torch.nn.Module, expected: dict) -> None:
    state = module.state_dict()
    assert set(state) == set(expected)
    for name, tensor in expected.items():
        assert torch.equal(state[name].cpu(), tensor), name


def test_configs_leave_the_device_to_allennlp_and_amp_off():
    assert {"pawsx_baseline", "pawsx_dlfa", "pawsx_aif"} <= {path.stem for path in SHIPPED_CONFIGS}
    for path in SHIPPED_CONFIGS:
        params = Params.from_file(str(path)).as_dict()
        # no key: AllenNLP's trainer takes GPU 0 when there is one, the CPU otherwise
        assert "cuda_device" not in params["trainer"], path.name
        assert "distributed" not in params, path.name
        # AllenNLP refuses AMP on the CPU, so it is off unless switched on for a GPU run
        assert params["trainer"]["use_amp"] is False, path.name
        amp = Params.from_file(str(path), json.dumps({"trainer.use_amp": True}))
        assert amp["trainer"]["use_amp"] is True


def test_the_tiny_model_carries_a_pooler(tiny_model_dir):
    transformer, info = AutoModel.from_pretrained(tiny_model_dir, output_loading_info=True)
    assert info["missing_keys"] == []
    # the same weights at every load, not a random pooler drawn each time
    assert_same_weights(transformer.pooler, pretrained_pooler(tiny_model_dir))


def test_baseline_archive_head_is_the_pretrained_pooler(tiny_model_dir, tmp_path):
    from allennlp.commands.train import train_model_from_file

    overrides = tiny_training_overrides(
        "pawsx_baseline", tiny_model_dir, num_epochs=1, train_split="dev_2k"
    )
    # lr 0: the archive holds the weights the model was initialized with
    overrides["trainer.optimizer.lr"] = 0.0
    assert config_params("pawsx_baseline", overrides)["model"]["seq2vec_encoder"].as_dict() == {
        "type": "bert_pooler", "pretrained_model": tiny_model_dir
    }
    train_model_from_file(
        str(CONFIG_DIR / "pawsx_baseline.jsonnet"), str(tmp_path / "run"),
        overrides=json.dumps(overrides),
    )
    model = load_archive(str(tmp_path / "run" / "model.tar.gz")).model
    assert isinstance(model._seq2vec_encoder, BertPooler)
    assert_same_weights(model._seq2vec_encoder.pooler, pretrained_pooler(tiny_model_dir))


@pytest.mark.parametrize("config_name", FUSION_CONFIGS)
def test_fusion_configs_pool_through_the_pretrained_pooler(config_name, tiny_model_dir):
    model = build_model(config_name, tiny_training_overrides(config_name, tiny_model_dir))
    encoder = model._seq2vec_encoder
    assert isinstance(encoder.pooler, BertPooler)
    assert_same_weights(encoder.pooler.pooler, pretrained_pooler(tiny_model_dir))
    assert encoder.get_output_dim() == 32  # the tiny model's hidden size


@pytest.mark.parametrize("config_name", FUSION_CONFIGS)
def test_fusion_parameters_and_only_them_train_at_fusion_lr(config_name, tiny_model_dir):
    # the shipped learning rates (no lr override, unlike tiny_training_overrides)
    overrides = model_and_data_overrides(str(CONFIG_DIR / f"{config_name}.jsonnet"), tiny_model_dir)
    model = build_model(config_name, overrides)
    optimizer_params = config_params(config_name, overrides)["trainer"]["optimizer"]
    assert optimizer_params["lr"] == 2e-5
    (_, fusion_options), = optimizer_params["parameter_groups"]
    assert fusion_options["lr"] == 1e-3  # the libsonnet's fusion_lr
    optimizer = Optimizer.from_params(
        model_parameters=[[n, p] for n, p in model.named_parameters() if p.requires_grad],
        params=optimizer_params,
    )
    fusion, default = optimizer.param_groups  # AllenNLP puts the default group last
    assert (fusion["lr"], default["lr"]) == (1e-3, 2e-5)
    names = {id(parameter): name for name, parameter in model.named_parameters()}
    fusion_names = {names[id(parameter)] for parameter in fusion["params"]}
    default_names = {names[id(parameter)] for parameter in default["params"]}
    assert fusion_names == {n for n in names.values() if n.startswith("_seq2vec_encoder.fusion.")}
    assert fusion_names  # the fusion has parameters, and they are found
    # the pretrained head keeps the encoder's lr
    assert {n for n in names.values() if n.startswith("_seq2vec_encoder.pooler.")} <= default_names
    assert fusion_names | default_names == set(names.values())


def test_baseline_has_no_fusion_group():
    params = Params.from_file(str(CONFIG_DIR / "pawsx_baseline.jsonnet"))
    assert "parameter_groups" not in params["trainer"]["optimizer"]


@pytest.mark.parametrize("config_name", sorted(RAW_CLS_HEAD))
def test_the_documented_override_switches_to_the_raw_cls(config_name, tiny_model_dir):
    # with mBERT the switch is the whole --overrides; on the tiny model, merged with its keys
    switch = RAW_CLS_HEAD[config_name]
    overrides = tiny_training_overrides(config_name, tiny_model_dir, user_overrides=switch)
    assert overrides == merge_overrides(switch, overrides)
    model = build_model(config_name, overrides)
    encoder = model._seq2vec_encoder
    if config_name == "pawsx_baseline":
        assert isinstance(encoder, ClsPooler) and encoder.get_output_dim() == 32
    else:
        assert encoder.pooler is None
        assert not any(".pooler." in name for name, _ in encoder.named_parameters())
    # the head named at mBERT without the switch is gone with it
    assert "bert-base-multilingual-cased" not in json.dumps(
        config_params(config_name, overrides).as_dict()
    )
