"""The user's path, through the real `allennlp` executable as subprocesses.

train (each shipped config, overridden to the tiny model and the bundled sample) -> evaluate
on another language's test split -> predict with `--predictor pawsx`, and the CLI's predictions
equal those of the archive loaded in this process.
"""

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CONFIG_DIR, REPO_ROOT, tiny_training_overrides

ALLENNLP = str(Path(sys.executable).parent / "allennlp")


def run_allennlp(*args: str, timeout: int = 900, **unset) -> subprocess.CompletedProcess:
    """
    `allennlp *args --include-package allennlp_xfuse`, without the variables in `unset`. Past
    `timeout` seconds the command and every process it started (data-loader workers) are killed.
    """
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", OMP_NUM_THREADS="1")
    for name in unset:
        env.pop(name, None)
    command = [ALLENNLP, *args, "--include-package", "allennlp_xfuse"]
    # its own process group: a hung worker must not outlive the test
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise AssertionError(f"allennlp {args[0]} did not finish in {timeout} s") from None
    result = subprocess.CompletedProcess(command, process.returncode, stdout, stderr)
    assert result.returncode == 0, f"allennlp {args[0]} failed:\n{result.stderr[-4000:]}"
    return result


@pytest.mark.parametrize("config_name", ["pawsx_baseline", "pawsx_dlfa", "pawsx_aif"])
def test_train_evaluate_predict_through_cli(config_name, tiny_model_dir, sample_dir, tmp_path):
    run_dir = tmp_path / "run"
    overrides = tiny_training_overrides(
        config_name, tiny_model_dir, num_epochs=1, train_split="dev_2k"
    )
    run_allennlp(
        "train",
        str(CONFIG_DIR / f"{config_name}.jsonnet"),
        "-s",
        str(run_dir),
        "--overrides",
        json.dumps(overrides),
    )
    archive = run_dir / "model.tar.gz"
    assert archive.is_file()

    # as the README evaluates: several test sets in one call (one archive load)
    metrics_files = [tmp_path / "de_metrics.json", tmp_path / "ja_metrics.json"]
    run_allennlp(
        "evaluate",
        str(archive),
        f"{sample_dir / 'de' / 'test_2k.tsv'},{sample_dir / 'ja' / 'test_2k.tsv'}",
        "--output-file",
        ",".join(str(path) for path in metrics_files),
    )
    for metrics_file in metrics_files:
        metrics = json.loads(metrics_file.read_text())
        assert 0.0 <= metrics["accuracy"] <= 1.0

    pairs = [
        {"sentence1": "The cat sat on the mat.", "sentence2": "On the mat sat the cat."},
        {"sentence1": "Der Hund jagt die Katze.", "sentence2": "Die Katze jagt den Hund."},
        {"sentence1": "猫はマットの上に座った。", "sentence2": "マットの上に猫が座った。"},
    ]
    input_file = tmp_path / "pairs.jsonl"
    input_file.write_text("".join(json.dumps(pair) + "\n" for pair in pairs), encoding="utf-8")
    output_file = tmp_path / "predictions.jsonl"
    run_allennlp(
        "predict",
        str(archive),
        str(input_file),
        "--predictor",
        "pawsx",
        "--output-file",
        str(output_file),
        "--silent",
        "--batch-size",
        "2",
    )
    cli_predictions = [json.loads(line) for line in output_file.read_text().splitlines()]
    assert len(cli_predictions) == len(pairs)

    from allennlp.models.archival import load_archive
    from allennlp.predictors import Predictor

    predictor = Predictor.from_archive(load_archive(str(archive)), predictor_name="pawsx")
    for pair, cli_prediction in zip(pairs, cli_predictions):
        in_process = predictor.predict(**pair)
        assert cli_prediction["label"] in ("0", "1")
        assert set(cli_prediction["label_probs"]) == {"0", "1"}
        assert cli_prediction["label"] == in_process["label"]
        assert cli_prediction["probs"] == pytest.approx(in_process["probs"], abs=1e-5)


def test_distributed_training_with_two_cpu_workers(tiny_model_dir, tmp_path):
    overrides = tiny_training_overrides(
        "pawsx_dlfa", tiny_model_dir, num_epochs=1, train_split="dev_2k"
    )
    overrides["distributed"] = {
        "cuda_devices": [-1, -1],
        # BERT's pooler is unused by the fusion encoder: DDP must not wait for its gradients
        "ddp_accelerator": {"type": "torch", "find_unused_parameters": True},
    }
    run_dir = tmp_path / "distributed"
    run_allennlp(
        "train",
        str(CONFIG_DIR / "pawsx_dlfa.jsonnet"),
        "-s",
        str(run_dir),
        "--overrides",
        json.dumps(overrides),
    )
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert "best_validation_accuracy" in metrics
    assert (run_dir / "model.tar.gz").is_file()


def test_evaluate_with_a_data_loader_worker_finishes_with_the_same_metrics(
    trained_archive, sample_dir, tmp_path
):
    # `--include-package` imports TextAttack, whose import sets TOKENIZERS_PARALLELISM=True; a
    # forked worker then waited forever in the fast tokenizer's thread pool. Run as a user
    # would, without the variable the test suite sets.
    data = str(sample_dir / "de" / "test_2k.tsv")
    metrics = {}
    for name, overrides in (
        ("in_process", {}),
        ("worker", {"validation_data_loader.num_workers": 1}),
        ("batch_worker", {"validation_data_loader.num_workers": 1,
                          "validation_data_loader.max_instances_in_memory": 64}),
    ):
        output = tmp_path / f"{name}.json"
        run_allennlp("evaluate", trained_archive, data, "--output-file", str(output),
                     "--overrides", json.dumps(overrides), timeout=300,
                     TOKENIZERS_PARALLELISM=None)
        metrics[name] = json.loads(output.read_text())
    assert metrics["worker"] == metrics["in_process"] == metrics["batch_worker"]
