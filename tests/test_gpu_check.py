"""
`scripts/gpu_check.py` (`make gpu-check`): the no-GPU line, the `--cpu` run of real steps, the
PASS/FAIL/SKIP lines and exit codes, and the commands a GPU run would give (checked without a
GPU: the plan is built, not run).
"""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.helpers import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "gpu_check.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("gpu_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gpu_check = _load_script()


def _run(*arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    # one thread per step: on a busy 2-core machine, torch's default of one thread per core
    # made a tiny model's training batches 20 times slower (OpenMP threads waiting on each other)
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
def test_without_a_gpu_it_says_so_and_checks_nothing(tmp_path):
    out = tmp_path / "out"
    result = _run("--output-dir", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == gpu_check.NO_GPU_LINE
    assert "PASS" not in result.stdout
    assert not out.exists()  # nothing written


def test_cpu_run_passes_its_steps_and_skips_amp(tmp_path):
    # a subset of the steps (each starts AllenNLP, tens of seconds on a shared machine); the
    # commands of all of them are checked by the plan tests below
    out = tmp_path / "out"
    steps = "tiny-model,train-aif,train-aif-amp-fp16,evaluate-aif"
    result = _run("--cpu", "--output-dir", str(out), "--steps", steps, "--batches-per-epoch", "2")
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert lines[0].startswith("gpu-check: --cpu: the steps on the CPU")
    for name in ("tiny-model", "train-aif", "evaluate-aif"):
        assert any(line.startswith(f"PASS {name} (") and line.endswith("s)") for line in lines), (
            name, result.stdout)
    assert "SKIP train-aif-amp-fp16: AMP step: --cpu runs without AMP" in lines
    assert lines[-1].startswith("gpu-check: 3 passed, 0 failed, 1 skipped")
    # what the steps wrote, and the log of each
    assert (out / "runs" / "aif" / "model.tar.gz").is_file()
    assert "accuracy" in json.loads((out / "evaluate" / "aif_de.json").read_text())
    assert (out / "logs" / "train-aif.log").read_text().startswith("$ ")
    recorded = json.loads((out / gpu_check.MARKER).read_text())["results"]
    assert recorded["train-aif"]["status"] == "pass"
    assert recorded["train-aif-amp-fp16"]["status"] == "skip"
    # the model trained on the CPU, as asked, for the batches asked
    config = json.loads((out / "runs" / "aif" / "config.json").read_text())
    assert config["trainer"]["cuda_device"] == -1
    assert config["data_loader"]["batches_per_epoch"] == 2
    assert config["trainer"]["num_epochs"] == 1


def test_failed_steps_are_reported_and_the_check_goes_on(tmp_path):
    # no trained archive: both steps fail without running; the second still runs
    result = _run("--cpu", "--output-dir", str(tmp_path), "--steps", "evaluate-dlfa,attack-aif")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1].startswith("FAIL evaluate-dlfa: needs ")
    assert "runs/dlfa/model.tar.gz" in lines[1]
    assert lines[2].startswith("FAIL attack-aif: needs ")
    assert lines[-1].startswith("gpu-check: 0 passed, 2 failed, 0 skipped")


def test_a_failing_command_reports_the_last_line_of_its_stderr(tmp_path):
    code = "import sys; print('some output'); print('Traceback...', file=sys.stderr); " \
           "print('ValueError: broken', file=sys.stderr); sys.exit(3)"
    step = gpu_check.Step("broken", lambda: [sys.executable, "-c", code])
    assert gpu_check.run_step(step, tmp_path, dict(os.environ), 60) == "ValueError: broken"
    log = (tmp_path / "logs" / "broken.log").read_text()
    assert "some output" in log and "ValueError: broken" in log

    slow = gpu_check.Step("slow", lambda: [sys.executable, "-c", "import time; time.sleep(30)"])
    assert gpu_check.run_step(slow, tmp_path, dict(os.environ), 1) == "timed out after 1 s"

    wrong = gpu_check.Step("wrong", lambda: [sys.executable, "-c", "pass"],
                           check=lambda: "no output file")
    assert gpu_check.run_step(wrong, tmp_path, dict(os.environ), 60) == "no output file"


def test_a_foreign_output_directory_is_refused_and_left_alone(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = _run("--cpu", "--output-dir", str(tmp_path), "--steps", "tiny-model")
    assert result.returncode == 2
    assert "not a gpu-check output directory" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_unknown_steps_are_refused():
    result = _run("--cpu", "--steps", "tiny-model,train-everything")
    assert result.returncode == 2
    assert "unknown step(s) train-everything" in result.stderr


def _commands(on_gpu: bool, out: Path, tiny_model_dir: str):
    # the training overrides read the tiny model's configuration, where the tiny-model step
    # would have written it
    shutil.copytree(tiny_model_dir, out / "tiny_model")
    return {step.name: step for step in gpu_check.build_plan(out, on_gpu=on_gpu)}


def _overrides(argv):
    return json.loads(argv[argv.index("--overrides") + 1])


def test_the_gpu_plan_puts_every_step_on_the_gpu(tmp_path, tiny_model_dir):
    steps = _commands(True, tmp_path, tiny_model_dir)
    assert not any(name.endswith("-fp32") for name in steps)
    for variant in ("baseline", "dlfa", "aif"):
        argv = steps[f"train-{variant}"].argv()
        assert argv[:4] == [sys.executable, "-m", "allennlp", "train"]
        assert argv[4].endswith(f"pawsx_{variant}.jsonnet")
        overrides = _overrides(argv)
        assert overrides["trainer.cuda_device"] == 0
        assert "trainer.use_amp" not in overrides
        assert overrides["trainer.num_epochs"] == 1
        # pointed at the tiny model and the sample
        assert all(str(tmp_path / "tiny_model") == overrides[key]
                   for key in overrides if key.endswith("model_name"))
        assert overrides["train_data_path"].endswith("en/train.tsv")
        assert steps[f"evaluate-{variant}"].argv()[3:4] == ["evaluate"]
    amp = _overrides(steps["train-aif-amp-fp16"].argv())
    assert amp["trainer.use_amp"] is True and amp["trainer.cuda_device"] == 0
    assert steps["train-aif-amp-fp16"].skip is None
    assert "fp16 only" in steps["train-aif-amp-bf16"].skip
    for name in ("evaluate-baseline", "evaluate-dlfa", "evaluate-aif", "predict-aif",
                 "attack-aif"):
        argv = steps[name].argv()
        assert argv[argv.index("--cuda-device") + 1] == "0", name
    for bench in ("fusion-overhead", "evaluate-throughput", "attack-throughput"):
        for amp_name in ("bf16", "fp16"):
            step = steps[f"bench-{bench}-{amp_name}"]
            argv = step.argv()
            assert step.skip is None
            assert argv[argv.index("--device") + 1] == "cuda"
            assert argv[argv.index("--amp") + 1] == amp_name
            assert argv[1].endswith(bench.replace("-", "_") + ".py")


def test_the_cpu_plan_stays_on_the_cpu_without_amp(tmp_path, tiny_model_dir):
    steps = _commands(False, tmp_path, tiny_model_dir)
    assert _overrides(steps["train-dlfa"].argv())["trainer.cuda_device"] == -1
    argv = steps["attack-aif"].argv()
    assert argv[argv.index("--cuda-device") + 1] == "-1"
    assert steps["train-aif-amp-fp16"].skip and steps["bench-fusion-overhead-bf16"].skip
    argv = steps["bench-fusion-overhead-fp32"].argv()
    assert steps["bench-fusion-overhead-fp32"].skip is None
    assert argv[argv.index("--device") + 1] == "cpu"
    assert argv[argv.index("--amp") + 1] == "none"


def test_a_gpu_training_step_passes_only_if_the_gpu_held_memory(tmp_path):
    (tmp_path / "model.tar.gz").write_bytes(b"")
    metrics = {"training_loss": 0.69, "peak_worker_0_memory_MB": 900.0}
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    assert gpu_check.check_training(tmp_path, on_gpu=False) is None
    assert "no GPU memory" in gpu_check.check_training(tmp_path, on_gpu=True)
    # what AllenNLP's trainer records when the model trained on GPU 0
    metrics.update({"peak_gpu_0_memory_MB": 312.5, "training_gpu_0_memory_MB": 312.5})
    (tmp_path / "metrics.json").write_text(json.dumps(metrics))
    assert gpu_check.check_training(tmp_path, on_gpu=True) is None
    (tmp_path / "model.tar.gz").unlink()
    assert gpu_check.check_training(tmp_path, on_gpu=True).startswith("no archive")
