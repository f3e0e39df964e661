"""The XNLI configs: XTREME's recipe in the shipped values, AllenNLP's train/save/load checks on
the tiny model for each, and `allennlp train` + `evaluate` through the CLI on another language.
"""
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict

import pytest
from allennlp.common import Params
from allennlp.common.testing import ModelTestCase
from allennlp.models.archival import load_archive

from allennlp_xfuse.data.sample_paths import xnli_sample_dir
from allennlp_xfuse.training.augmented_data import trains_on_augmented_data
from allennlp_xfuse.training.overrides import LAYERS_KEY, model_and_data_overrides
from allennlp_xfuse.training.selection_schedule import selection_schedule
from tests.helpers import CONFIG_DIR, REPO_ROOT

CONFIGS = ("xnli_baseline", "xnli_dlfa", "xnli_aif")
ALLENNLP = str(Path(sys.executable).parent / "allennlp")

# English MultiNLI's training pairs (all labeled), as XNLI-MT-1.0 and MultiNLI 1.0 ship them.
MULTINLI_TRAIN_PAIRS = 392_702

# The transformer's own pooler is unused (the head is a separate `bert_pooler`): no gradient.
POOLER = {
    f"_text_field_embedder.token_embedder_tokens.transformer_model.pooler.dense.{p}"
    for p in ("weight", "bias")
}


def tiny_xnli_overrides(config_name: str, model_dir: str) -> Dict[str, Any]:
    """
    Runs an XNLI config on the tiny model and the bundled XNLI sample for one short epoch on
    the CPU. (`tiny_overrides` and `model_and_data_overrides` count training pairs with the
    PAWS-X reader, so the data and the schedule are set here.)
    """
    overrides = model_and_data_overrides(str(CONFIG_DIR / f"{config_name}.jsonnet"), model_dir)
    overrides.update({
        "train_data_path": str(xnli_sample_dir() / "train-en.tsv"),
        "validation_data_path": str(xnli_sample_dir() / "dev-en.tsv"),
        "data_loader.batches_per_epoch": None,
        "data_loader.batch_size": 16,
        "trainer.num_epochs": 1,
        "trainer.optimizer.lr": 1e-3,
        "trainer.cuda_device": -1,
    })
    return overrides


@pytest.mark.parametrize("config_name", CONFIGS)
def test_configs_follow_xtremes_xnli_recipe(config_name):
    config = Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet")).as_dict()
    reader = config["dataset_reader"]
    assert reader["type"] == "xnli" and reader["max_length"] == 128
    # select on English dev: the English rows of XNLI-1.0's multilingual dev file
    assert reader["languages"] == ["en"]
    # XTREME's training file: English MultiNLI as XNLI-MT-1.0 ships it (a TSV: a .jsonl
    # train_data_path would mark the run as robust training)
    assert config["train_data_path"] == (
        "https://dl.fbaipublicfiles.com/XNLI/XNLI-MT-1.0.zip!XNLI-MT-1.0/multinli/"
        "multinli.train.en.tsv")
    assert not trains_on_augmented_data(config)
    assert config["validation_data_path"] == (
        "https://dl.fbaipublicfiles.com/XNLI/XNLI-1.0.zip!XNLI-1.0/xnli.dev.tsv")
    trainer = config["trainer"]
    assert trainer["optimizer"]["lr"] == 2e-5 and trainer["validation_metric"] == "+accuracy"
    assert config["data_loader"]["batch_size"] == 32
    # 5 passes over MultiNLI train, English dev every 100 steps (train_xnli.sh --save_steps 100)
    schedule = selection_schedule(MULTINLI_TRAIN_PAIRS, 32, passes=5,
                                  steps_between_validations=100)
    assert (config["data_loader"]["batches_per_epoch"], trainer["num_epochs"]) == (
        schedule.batches_per_epoch, schedule.num_epochs)
    assert config["model"]["type"] == "basic_classifier"
    head = config["model"]["seq2vec_encoder"]
    assert (head if config_name == "xnli_baseline" else head["pooler"])["type"] == "bert_pooler"


@pytest.mark.parametrize("config_name", CONFIGS)
def test_fusion_choices_are_the_pawsx_ones(config_name):
    # Same embedder, fusion encoder and optimizer groups as the PAWS-X config of the same name.
    xnli = Params.from_file(str(CONFIG_DIR / f"{config_name}.jsonnet")).as_dict()
    pawsx = Params.from_file(
        str(CONFIG_DIR / f"{config_name.replace('xnli', 'pawsx')}.jsonnet")).as_dict()
    assert xnli["model"] == pawsx["model"]
    assert xnli["trainer"]["optimizer"] == pawsx["trainer"]["optimizer"]


class TestXnliModels(ModelTestCase):
    @pytest.fixture(autouse=True)
    def _tiny_model(self, tiny_model_dir):
        self.tiny_model_dir = tiny_model_dir

    @pytest.mark.parametrize("config_name", CONFIGS)
    def test_classifier_trains_saves_and_reloads(self, config_name):
        overrides = tiny_xnli_overrides(config_name, self.tiny_model_dir)
        if config_name == "xnli_aif":
            assert overrides.get(LAYERS_KEY) is None  # the tiny model has mBERT's 12 layers
        model, _ = self.ensure_model_can_train_save_and_load(
            CONFIG_DIR / f"{config_name}.jsonnet",
            overrides=json.dumps(overrides),
            gradients_to_ignore=POOLER,
            tolerance=1e-5,
        )
        assert model.vocab.get_token_to_index_vocabulary("labels").keys() == {
            "entailment", "neutral", "contradiction"}


def run_allennlp(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    result = subprocess.run([ALLENNLP, *args, "--include-package", "allennlp_xfuse"],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"allennlp {args[0]} failed:\n{result.stderr[-4000:]}"
    return result


def test_train_dlfa_then_evaluate_zero_shot_through_the_cli(tiny_model_dir, tmp_path):
    run_dir = tmp_path / "run"
    run_allennlp("train", str(CONFIG_DIR / "xnli_dlfa.jsonnet"), "-s", str(run_dir),
                 "--overrides", json.dumps(tiny_xnli_overrides("xnli_dlfa", tiny_model_dir)))
    archive = run_dir / "model.tar.gz"
    assert archive.is_file()
    metrics_file = tmp_path / "ru_metrics.json"
    run_allennlp("evaluate", str(archive), str(xnli_sample_dir() / "test-ru.tsv"),
                 "--output-file", str(metrics_file))
    metrics = json.loads(metrics_file.read_text())
    assert 0.0 <= metrics["accuracy"] <= 1.0
    # 3 classes over the 21 Russian pairs: accuracy is a multiple of 1/21
    assert abs(metrics["accuracy"] * 21 - round(metrics["accuracy"] * 21)) < 1e-6
    with open(run_dir / "vocabulary" / "labels.txt", encoding="utf-8") as labels:
        assert sorted(labels.read().split()) == ["contradiction", "entailment", "neutral"]
    # The archived reader keeps the English rows of multilingual files; the README's override
    # (what `allennlp evaluate --overrides` applies) selects another language of the official
    # test file.
    overridden = load_archive(str(archive), overrides=json.dumps(
        {"dataset_reader.languages": ["de"]}))
    official = str(REPO_ROOT / "tests" / "fixtures" / "xnli" / "xnli.dev.tsv")
    assert [i["metadata"]["language"]
            for i in overridden.validation_dataset_reader.read(official)] == ["de", "de"]
    assert [i["metadata"]["language"]
            for i in load_archive(str(archive)).validation_dataset_reader.read(official)] == [
        "en", "en"]
