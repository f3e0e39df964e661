"""
The benchmarks' `--device` and `--amp` (benchmarks/bench_device.py): a missing GPU is refused
with one line and status 2, and autocast runs on the CPU at tiny sizes (bf16 through AllenNLP's
evaluation loop and the Hugging Face loop; fp16 with loss scaling through training steps).
"""
import json
import os
import subprocess
import sys

import pytest
import torch

from tests.helpers import REPO_ROOT

BENCHMARK_DIR = REPO_ROOT / "benchmarks"
BENCHMARKS = ["fusion_overhead.py", "evaluate_throughput.py", "attack_throughput.py"]


def _run(script: str, *arguments: str, timeout: float = 600) -> subprocess.CompletedProcess:
    # one thread: the benchmarks' own setting, and no OpenMP contention on a shared machine
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               TOKENIZERS_PARALLELISM="false", OMP_NUM_THREADS="1")
    return subprocess.run([sys.executable, str(BENCHMARK_DIR / script), *arguments],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a CUDA GPU")
@pytest.mark.parametrize("script", BENCHMARKS)
def test_cuda_without_a_gpu_is_refused_with_one_line(script, tmp_path):
    result = _run(script, "--device", "cuda", "--amp", "bf16", "--work-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [f"{script}: --device cuda, but no CUDA GPU is visible "
                     "(torch.cuda.is_available() is False); run with --device cpu"]
    assert list(tmp_path.iterdir()) == []  # refused before building anything


@pytest.mark.parametrize("script", BENCHMARKS)
def test_the_flags_are_documented(script):
    result = _run(script, "--help", timeout=120)
    assert result.returncode == 0
    assert "--device {cpu,cuda}" in result.stdout
    assert "--amp {none,bf16,fp16}" in result.stdout


def test_evaluate_throughput_under_bf16_autocast_on_the_cpu(tmp_path):
    result = _run("evaluate_throughput.py", "--amp", "bf16", "--skip-bert-base", "--rounds", "1",
                  "--work-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.strip().splitlines()
    assert "device CPU, AMP bf16" in lines[0]
    figures = json.loads(lines[-1])
    assert figures["args"]["device"] == "cpu" and figures["args"]["amp"] == "bf16"
    (tiny,) = figures["results"]
    assert tiny["model"] == "tiny" and tiny["pairs"] == 420
    # the three loops ran the same (untrained) model on the same pairs
    assert all(0.0 <= accuracy <= 1.0 for accuracy in tiny["accuracy"].values())
    assert all(rate > 0 for rate in tiny["pairs_per_s"].values())


def test_fusion_overhead_worker_under_fp16_autocast_with_loss_scaling(tmp_path, tiny_model_dir):
    # one variant through the worker (what the benchmark runs per variant), at tiny sizes
    result = _run("fusion_overhead.py", "--worker", "aif", "--model-dir", tiny_model_dir,
                  "--amp", "fp16", "--batch-size", "2", "--seq-len", "16", "--reps", "1",
                  "--train-reps", "1", "--head-reps", "2")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert figures["variant"] == "aif"
    assert figures["device"] == "cpu" and figures["amp"] == "fp16"
    assert figures["fusion_params"] > 0
    assert figures["train_step_s"] > 0 and figures["head_train_s"] > 0
    # the head was profiled too: the backward pass adds kernels to the forward's
    assert 0 < figures["head_inference_ops"] < figures["head_train_ops"]
    assert figures["head_train_cuda_kernels"] is None  # no GPU, nothing to count there


def test_kernel_counts_follow_what_runs_a_kernel():
    sys.path.insert(0, str(BENCHMARK_DIR))
    try:
        import bench_device
    finally:
        sys.path.remove(str(BENCHMARK_DIR))
    cpu = torch.device("cpu")
    layer = torch.nn.Linear(4, 4)
    inputs = torch.randn(2, 3, 4)
    # linear -> matmul -> mm counts once; views and reshapes count nothing; relu one kernel
    counts = bench_device.count_kernels(lambda: layer(inputs.view(6, 4)).relu(), cpu)
    assert counts == {"ops": 2, "cuda_kernels": None}
    assert bench_device.count_kernels(lambda: inputs.view(3, 2, 4).transpose(0, 1), cpu)["ops"] == 0
    # a cast is a copy kernel; a `to` of the dtype a tensor already has is none
    assert bench_device.count_kernels(lambda: inputs.to(torch.float64), cpu)["ops"] == 1
    assert bench_device.count_kernels(lambda: inputs.to(torch.float32), cpu)["ops"] == 0


def test_fusion_overhead_rejects_an_unknown_implementation():
    result = _run("fusion_overhead.py", "--implementations", "eager,triton", timeout=120)
    assert result.returncode == 2
    assert "--implementations: unknown triton; choose from eager, compiled" in result.stderr


def test_autocast_and_scaler_follow_the_amp_flag():
    sys.path.insert(0, str(BENCHMARK_DIR))
    try:
        import bench_device
    finally:
        sys.path.remove(str(BENCHMARK_DIR))
    cpu = torch.device("cpu")
    layer = torch.nn.Linear(4, 4)
    with bench_device.autocast(cpu, "none"):
        assert layer(torch.randn(2, 4)).dtype == torch.float32
    with bench_device.autocast(cpu, "bf16"):
        assert layer(torch.randn(2, 4)).dtype == torch.bfloat16
    assert bench_device.grad_scaler(cpu, "bf16") is None
    assert bench_device.grad_scaler(cpu, "fp16") is not None
    assert bench_device.cuda_index(cpu) == -1
    assert bench_device.cuda_index(torch.device("cuda", 0)) == 0
    assert bench_device.describe(cpu, "none") == "CPU, float32"
    assert bench_device.describe(cpu, "fp16") == "CPU, AMP fp16"


def test_evaluate_throughput_checks_both_pipelines_agree_on_given_data(tmp_path):
    # two languages of the sample given as `--data` instead of the default seven
    sample = REPO_ROOT / "allennlp_xfuse" / "data" / "sample" / "pawsx"
    result = _run("evaluate_throughput.py", "--skip-bert-base", "--rounds", "1",
                  "--data", str(sample / "de" / "test_2k.tsv"), str(sample / "ja" / "test_2k.tsv"),
                  "--work-dir", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    # the AllenNLP evaluator and the exported Hugging Face classifier computed the same logits
    assert "# check tiny: same prediction on 120/120 pairs" in result.stdout
    (tiny,) = json.loads(result.stdout.strip().splitlines()[-1])["results"]
    assert tiny["pairs"] == 120
    assert len(set(tiny["accuracy"].values())) == 1


def test_evaluate_throughput_refuses_data_that_matches_nothing(tmp_path):
    result = _run("evaluate_throughput.py", "--skip-bert-base",
                  "--data", str(tmp_path / "missing" / "*.tsv"), "--work-dir", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        f"evaluate_throughput.py: --data {tmp_path / 'missing' / '*.tsv'}: no such file (give "
        "PAWS-X files or a glob, e.g. '/data/pawsx/*/dev-*.tsv')"
    ]


def test_a_work_directory_the_benchmarks_did_not_write_is_kept(tmp_path):
    # the evaluate benchmark replaces its archive directory on a rerun, never someone else's
    theirs = tmp_path / "archive_tiny"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("keep me")
    result = _run("evaluate_throughput.py", "--skip-bert-base", "--rounds", "1",
                  "--work-dir", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"{theirs}: exists and was not written by a benchmark; give another --work-dir or "
        "remove it")
    assert (theirs / "notes.txt").read_text() == "keep me"
