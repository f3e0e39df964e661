"""The NER (PAN-X) and POS (UD) configs: what they default to, AllenNLP's train/save/load checks
on the tiny model, and `allennlp train` + `evaluate` through the CLI on a non-English file."""
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import allennlp_models.tagging  # noqa: F401  (registers crf_tagger, as the CLI's plugins do)
import pytest
from allennlp.common import Params
from allennlp.common.testing import ModelTestCase

from allennlp_xfuse.data.sample_paths import panx_sample_dir, udpos_sample_dir
from tests.helpers import CONFIG_DIR, REPO_ROOT

TASKS = ("ner", "pos")
VARIANTS = ("baseline", "dlfa", "aif")
EMBEDDER = "model.text_field_embedder.token_embedders.tokens"

# BERT's pooler is never used by a tagger, so it gets no gradient.
POOLER = {
    f"text_field_embedder.token_embedder_tokens._matched_embedder.transformer_model.pooler.dense.{p}"
    for p in ("weight", "bias")
}


def sample_data(task: str) -> Dict[str, str]:
    if task == "ner":
        return {"train_data_path": str(panx_sample_dir() / "en-train"),
                "validation_data_path": str(panx_sample_dir() / "en-dev")}
    english = udpos_sample_dir() / "UD_English-Sample"
    return {"train_data_path": str(english / "en_sample-ud-train.conllu"),
            "validation_data_path": str(english / "en_sample-ud-dev.conllu")}


def tiny_tagging_overrides(config_name: str, model_dir: str) -> Dict[str, Any]:
    """Overrides that train `config_name` on the tiny model and the bundled sample, one epoch, on
    the CPU: the model name everywhere, the fusion encoder's width, the data (its first 24
    sentences: these tests check plumbing, not learning), a fast schedule."""
    with open(os.path.join(model_dir, "config.json"), encoding="utf-8") as config_file:
        hidden = json.load(config_file)["hidden_size"]
    config = Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet")).as_flat_dict()
    overrides: Dict[str, Any] = {
        "dataset_reader.token_indexers.tokens.model_name": model_dir,
        f"{EMBEDDER}.model_name": model_dir,
        "model.encoder.input_dim": hidden * len(config.get(f"{EMBEDDER}.layers", [None])),
        **sample_data(config_name.split("_")[0]),
        "dataset_reader.max_instances": 24,
        "trainer.num_epochs": 1,
        "trainer.optimizer.lr": 1e-3,
        "trainer.cuda_device": -1,
        "data_loader.batch_size": 12,
    }
    return overrides


@pytest.mark.parametrize("task", TASKS)
@pytest.mark.parametrize("variant", VARIANTS)
def test_configs_default_to_the_real_data_and_the_task_head(task, variant):
    config = Params.from_file(str(CONFIG_DIR / f"{task}_{variant}.jsonnet")).as_dict()
    reader, model, trainer = config["dataset_reader"], config["model"], config["trainer"]
    assert reader["token_indexers"]["tokens"]["type"] == "pretrained_transformer_mismatched"
    embedder = model["text_field_embedder"]["token_embedders"]["tokens"]
    assert embedder["model_name"] == "bert-base-multilingual-cased"
    # one window size for indexer and embedder: long sentences are folded, not truncated
    assert embedder["max_length"] == reader["token_indexers"]["tokens"]["max_length"] == 128
    assert trainer["optimizer"]["lr"] == 2e-5 and trainer["num_epochs"] == 10
    assert config["data_loader"]["batch_size"] == 32
    if task == "ner":
        assert reader["type"] == "panx" and model["type"] == "crf_tagger"
        assert model["label_encoding"] == "BIO" and model["calculate_span_f1"] is True
        assert trainer["validation_metric"] == "+f1-measure-overall"
        assert config["train_data_path"] == "panx_dataset/en.tar.gz!train"
    else:
        assert reader["type"] == "ud_pos" and model["type"] == "simple_tagger"
        assert trainer["validation_metric"] == "+accuracy"
        train_files = config["train_data_path"].split(",")
        assert all(path.startswith("https://lindat.mff.cuni.cz/") for path in train_files)
        assert "ud-treebanks-v2.5/UD_English-EWT/en_ewt-ud-train.conllu" in train_files[0]
    if variant == "baseline":
        assert embedder["type"] == "pretrained_transformer_mismatched"
        assert model["encoder"] == {"type": "pass_through", "input_dim": 768}
    else:
        assert embedder["type"] == "multilayer_pretrained_transformer_mismatched"
        assert model["encoder"]["type"] == variant
        assert model["encoder"]["input_dim"] == 768 * len(embedder["layers"])
        assert embedder["layers"][-1] == -1


@pytest.mark.parametrize("task", TASKS)
def test_baseline_and_fusion_differ_only_in_embedder_encoder_and_fusion_lr(task):
    def without_fusion(name):
        config = Params.from_file(str(CONFIG_DIR / f"{task}_{name}.jsonnet")).as_flat_dict()
        return {key: value for key, value in config.items()
                if not key.startswith((EMBEDDER, "model.encoder",
                                       "trainer.optimizer.parameter_groups"))}

    assert without_fusion("baseline") == without_fusion("dlfa") == without_fusion("aif")


@pytest.mark.parametrize("config_name", ["ner_baseline", "ner_aif", "pos_dlfa"])
def test_new_parameter_groups_name_real_parameters(config_name, tiny_model_dir):
    # The fusion and CRF parameters train at their own learning rate: a regex that matched
    # nothing (a renamed module) would silently leave them at the encoder's 2e-5.
    import re

    from allennlp.data import Vocabulary
    from allennlp.models import Model

    params = Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet"),
                              json.dumps(tiny_tagging_overrides(config_name, tiny_model_dir)))
    vocab = Vocabulary(non_padded_namespaces=["labels"])
    labels = ["O", "B-PER", "I-PER"] if config_name.startswith("ner") else ["NOUN", "VERB"]
    vocab.add_tokens_to_namespace(labels, "labels")
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    names = [name for name, _ in model.named_parameters()]
    groups = params.pop("trainer").as_dict()["optimizer"].get("parameter_groups", [])
    regexes = [regex for group_regexes, _ in groups for regex in group_regexes]
    expected = {"ner_baseline": 1, "ner_aif": 2, "pos_dlfa": 1}[config_name]
    assert len(regexes) == expected
    for regex in regexes:
        assert any(re.search(regex, name) for name in names), (regex, names)


@pytest.mark.parametrize("config_name", ["ner_dlfa", "pos_baseline"])
def test_a_sentence_longer_than_the_encoder_window_is_tagged_word_for_word(
    config_name, tiny_model_dir
):
    # No word is dropped (evaluation counts every word): the configs' indexer and embedder fold
    # a sentence longer than max_length wordpieces into windows instead of truncating it.
    from allennlp.data import DatasetReader, Vocabulary
    from allennlp.models import Model

    params = Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet"),
                              json.dumps(tiny_tagging_overrides(config_name, tiny_model_dir)))
    reader = DatasetReader.from_params(params.pop("dataset_reader"))
    vocab = Vocabulary(non_padded_namespaces=["labels"])
    labels = ["O", "B-LOC", "I-LOC"] if config_name.startswith("ner") else ["NOUN", "PUNCT"]
    vocab.add_tokens_to_namespace(labels, "labels")
    model = Model.from_params(vocab=vocab, params=params.pop("model"))
    model.eval()
    words = ["Hamburg", "liegt", "an", "der", "Elbe", "und", "Kopenhagen", "am", "Meer", "."] * 40
    instance = reader.text_to_instance(words)
    reader.apply_token_indexers(instance)
    wordpieces = instance["tokens"].token_indexers["tokens"].tokens_to_indices(
        instance["tokens"].tokens, vocab)["token_ids"]
    assert len(wordpieces) > 3 * params_max_length(config_name)
    output = model.forward_on_instance(instance)
    assert len(output["tags"]) == len(words) == 400


def params_max_length(config_name: str) -> int:
    config = Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet")).as_dict()
    return config["dataset_reader"]["token_indexers"]["tokens"]["max_length"]


class TestTaggingConfigs(ModelTestCase):
    @pytest.fixture(autouse=True)
    def _tiny_model(self, tiny_model_dir):
        self.tiny_model_dir = tiny_model_dir

    # pos_baseline is left out for time: stock model and embedder over the reader pos_aif uses
    @pytest.mark.parametrize("config_name", ["ner_dlfa", "pos_aif", "ner_baseline"])
    def test_tagger_trains_saves_and_reloads(self, config_name):
        self.ensure_model_can_train_save_and_load(
            CONFIG_DIR / f"{config_name}.jsonnet",
            overrides=json.dumps(tiny_tagging_overrides(config_name, self.tiny_model_dir)),
            gradients_to_ignore=POOLER,
            tolerance=1e-5,
        )


ALLENNLP = str(Path(sys.executable).parent / "allennlp")


def run_allennlp(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    result = subprocess.run(
        [ALLENNLP, *args, "--include-package", "allennlp_xfuse"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, f"allennlp {args[0]} failed:\n{result.stderr[-4000:]}"
    return result


def test_ner_train_and_evaluate_span_f1_on_german_through_the_cli(tiny_model_dir, tmp_path):
    run_dir = tmp_path / "run"
    run_allennlp("train", str(CONFIG_DIR / "ner_dlfa.jsonnet"), "-s", str(run_dir),
                 "--overrides", json.dumps(tiny_tagging_overrides("ner_dlfa", tiny_model_dir)))
    archive = run_dir / "model.tar.gz"
    training_metrics = json.loads((run_dir / "metrics.json").read_text())
    assert "best_validation_f1-measure-overall" in training_metrics

    metrics_file = tmp_path / "de_metrics.json"
    result = run_allennlp("evaluate", str(archive), str(panx_sample_dir() / "de-test"),
                          "--output-file", str(metrics_file))
    metrics = json.loads(metrics_file.read_text())
    for name in ("precision-overall", "recall-overall", "f1-measure-overall", "accuracy"):
        assert 0.0 <= metrics[name] <= 1.0, (name, metrics)
    assert "f1-measure-overall" in result.stdout + result.stderr
