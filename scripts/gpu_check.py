"""
`make gpu-check`: a smoke check of the package on a CUDA GPU, one PASS/FAIL line per step.

On a machine with a CUDA GPU it builds the tiny local BERT, trains the three shipped configs
(`training_configs/pawsx_{baseline,dlfa,aif}.jsonnet`) on it and the bundled sample with the GPU
(and once with `trainer.use_amp`), evaluates and predicts with `--cuda-device 0`, attacks a few
pairs on the GPU, and runs the benchmarks with `--device cuda` under bf16 and fp16 autocast at
small sizes. Every step is a subprocess (the stock `allennlp` commands and the benchmark
scripts, run from the repository root so `.allennlp_plugins` is found); the check goes on after
a failure and exits 1 if any step failed.

Without a CUDA GPU it prints one line saying so and exits 0: nothing is checked, and nothing
pretends to be. `--cpu` runs the same steps on the CPU instead (the AMP steps are skipped, as
AllenNLP and a GPU check need CUDA for them): a test of this script, not of a GPU.

    python scripts/gpu_check.py [--output-dir DIR] [--steps train-aif,evaluate-aif] [--cpu]
    python scripts/gpu_check.py --list

Outputs and one log per step (`logs/<step>.log`, stdout and stderr) go to `--output-dir`
(default: a new temporary directory, kept). The check deletes nothing; a directory it did not
create is refused unless empty, and `allennlp train` refuses a run directory that exists.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO_ROOT / "training_configs"
SAMPLE_DIR = REPO_ROOT / "allennlp_xfuse" / "data" / "sample" / "pawsx"
BENCHMARK_DIR = REPO_ROOT / "benchmarks"
VARIANTS = ("baseline", "dlfa", "aif")

# Written into the output directory: marks it as this script's, so a rerun may use it.
MARKER = "gpu_check.json"

NO_GPU_LINE = (
    "gpu-check: no CUDA GPU visible (torch.cuda.is_available() is False): nothing checked"
)

# The same offline settings as `make test`: the tiny model and the sample are local, and
# nothing here may reach a model hub.
OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}

# Why `allennlp train` gets no bf16 step: AllenNLP 2.10.1's trainer enters
# `torch.cuda.amp.autocast(use_amp)`, whose dtype is float16, and the plugin adds no trainer.
BF16_TRAIN_NOTE = (
    "AllenNLP 2.10.1's trainer.use_amp is fp16 only (torch.cuda.amp.autocast, float16) and the "
    "plugin has no bf16 trainer; bf16 training steps of all three models run in "
    "bench-fusion-overhead-bf16"
)

# Two pairs for `allennlp predict` (the paraphrase and the swapped one of scripts/demo.sh).
PREDICT_PAIRS = [
    {"sentence1": "In 1996, Emma Turner moved from Leeds to Bristol.",
     "sentence2": "Emma Turner moved from Leeds to Bristol in 1996."},
    {"sentence1": "In 1996, Emma Turner moved from Leeds to Bristol.",
     "sentence2": "In 1996, Emma Turner moved from Bristol to Leeds."},
]


@dataclass
class Step:
    """
    One checked step: a subprocess, the files it needs, and a check of what it wrote.

    # Parameters

    name : `str`
        What PASS/FAIL lines and `--steps` call it.
    argv : `Callable[[], List[str]]`
        Builds the command when the step runs (training overrides read the tiny model's
        `config.json`, which an earlier step writes).
    needs : `Sequence[Path]`, optional (default = `()`)
        Files an earlier step writes; a step whose files are missing fails without running.
    check : `Callable[[], Optional[str]]`, optional (default = `None`)
        After a zero exit status: a failure message, or `None` when the outputs are right.
    prepare : `Callable[[], None]`, optional (default = `None`)
        Writes the step's inputs before it runs.
    skip : `str`, optional (default = `None`)
        Why this mode does not run the step; it is then listed as SKIP.
    """

    name: str
    argv: Callable[[], List[str]]
    needs: Sequence[Path] = field(default_factory=tuple)
    check: Optional[Callable[[], Optional[str]]] = None
    prepare: Optional[Callable[[], None]] = None
    skip: Optional[str] = None


def allennlp(*arguments: str) -> List[str]:
    """
    The `allennlp` command line in this interpreter (`python -m allennlp`), so the check uses
    the environment it runs in, whatever is first on PATH.

    # Parameters

    *arguments : `str`
        The subcommand and its arguments.
    """
    return [sys.executable, "-m", "allennlp", *arguments]


def benchmark(script: str, *arguments: str) -> List[str]:
    """
    A benchmark's command line.

    # Parameters

    script : `str`
        A file in `benchmarks/`.
    *arguments : `str`
    """
    return [sys.executable, str(BENCHMARK_DIR / script), *arguments]


def training_overrides(
    config_file: Path,
    tiny_dir: Path,
    on_gpu: bool,
    epochs: int,
    use_amp: bool = False,
    batches_per_epoch: Optional[int] = None,
) -> Dict[str, object]:
    """
    The `--overrides` that train `config_file` on the tiny model and the bundled sample:
    `tiny_overrides` plus the demo's small-run choices (batch 16, lr 1e-3) and the device.

    # Parameters

    config_file : `Path`
        A shipped config.
    tiny_dir : `Path`
        The tiny model (its `config.json` gives the hidden size the encoder is resized to).
    on_gpu : `bool`
        `trainer.cuda_device` 0, else -1. Explicit, although AllenNLP's trainer takes GPU 0 by
        itself: a trainer that quietly fell back to the CPU would pass a GPU check.
    epochs : `int`
        `trainer.num_epochs`.
    use_amp : `bool`, optional (default = `False`)
        `trainer.use_amp` (fp16 autocast and gradient scaling; CUDA only).
    batches_per_epoch : `int`, optional (default = `None`)
        `data_loader.batches_per_epoch`: fewer batches than the sample's 45 for a quicker run.
        By default the whole sample once per epoch.
    """
    sys.path.insert(0, str(REPO_ROOT))  # a checkout without an install imports too
    from allennlp_xfuse.training.overrides import tiny_overrides

    overrides: Dict[str, object] = dict(tiny_overrides(tiny_dir, config_file=str(config_file)))
    overrides.update({
        "trainer.num_epochs": epochs,
        "trainer.optimizer.lr": 1e-3,
        "data_loader.batch_size": 16,
        "trainer.cuda_device": 0 if on_gpu else -1,
    })
    if use_amp:
        overrides["trainer.use_amp"] = True
    if batches_per_epoch is not None:
        overrides["data_loader.batches_per_epoch"] = batches_per_epoch
    return overrides


def check_training(run_dir: Path, on_gpu: bool) -> Optional[str]:
    """
    A failure message unless `run_dir` holds an archive and a `metrics.json` with a training
    loss, and, on the GPU, GPU memory in use (AllenNLP records `peak_gpu_<i>_memory_MB` when
    CUDA is available; it stays 0 for a model that never left the CPU).

    # Parameters

    run_dir : `Path`
        The serialization directory.
    on_gpu : `bool`
    """
    if not (run_dir / "model.tar.gz").is_file():
        return f"no archive in {run_dir}"
    metrics_file = run_dir / "metrics.json"
    if not metrics_file.is_file():
        return f"no {metrics_file}"
    metrics = json.loads(metrics_file.read_text(encoding="utf-8"))
    if "training_loss" not in metrics:
        return f"{metrics_file} has no training_loss"
    if on_gpu:
        gpu_memory = [value for key, value in metrics.items()
                      if key.startswith("peak_gpu_") and key.endswith("_memory_MB")]
        if not gpu_memory or max(gpu_memory) <= 0:
            return f"{metrics_file} records no GPU memory in use: the model did not train on it"
    return None


def check_json_lines(path: Path, count: int, key: str) -> Optional[str]:
    """
    A failure message unless `path` has `count` JSON lines, each with `key`.

    # Parameters

    path : `Path`
    count : `int`
    key : `str`
    """
    if not path.is_file():
        return f"no {path}"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
               if line.strip()]
    if len(records) != count or any(key not in record for record in records):
        return f"{path}: expected {count} lines with {key!r}, found {len(records)}"
    return None


def check_metrics(path: Path) -> Optional[str]:
    """
    A failure message unless `path` is `allennlp evaluate`'s output with an accuracy.

    # Parameters

    path : `Path`
    """
    if not path.is_file():
        return f"no {path}"
    if "accuracy" not in json.loads(path.read_text(encoding="utf-8")):
        return f"{path} has no accuracy"
    return None


def build_plan(
    out: Path,
    on_gpu: bool,
    epochs: int = 1,
    num_examples: int = 3,
    batches_per_epoch: Optional[int] = None,
) -> List[Step]:
    """
    Every step, in order, for a GPU run (`on_gpu`) or a `--cpu` run, writing under `out`.

    # Parameters

    out : `Path`
        The output directory.
    on_gpu : `bool`
        GPU: `--cuda-device 0`, `--device cuda` and the AMP steps. CPU: -1, `--device cpu`,
        float32 benchmarks, and the AMP steps listed as skipped.
    epochs : `int`, optional (default = `1`)
        Training epochs of each model.
    num_examples : `int`, optional (default = `3`)
        Pairs the attack step attacks.
    batches_per_epoch : `int`, optional (default = `None`)
        Training batches per epoch (default: the whole sample).
    """
    tiny = out / "tiny_model"
    runs = out / "runs"
    cuda_device = "0" if on_gpu else "-1"
    german_test = str(SAMPLE_DIR / "de" / "test_2k.tsv")
    no_amp_on_cpu = None if on_gpu else "AMP step: --cpu runs without AMP"
    steps = [Step("tiny-model", lambda: allennlp("xfuse-tiny-model", str(tiny), "--seed", "13"),
                  check=lambda: None if (tiny / "config.json").is_file() else f"no {tiny}")]

    def train(name: str, variant: str, use_amp: bool = False, skip: Optional[str] = None) -> Step:
        config_file = CONFIG_DIR / f"pawsx_{variant}.jsonnet"
        run_dir = runs / name

        def argv() -> List[str]:
            overrides = training_overrides(config_file, tiny, on_gpu, epochs, use_amp,
                                           batches_per_epoch)
            return allennlp("train", str(config_file), "-s", str(run_dir),
                            "--include-package", "allennlp_xfuse", "--file-friendly-logging",
                            "--overrides", json.dumps(overrides))

        return Step(f"train-{name}", argv, needs=[tiny / "config.json"],
                    check=lambda: check_training(run_dir, on_gpu), skip=skip)

    steps += [train(variant, variant) for variant in VARIANTS]
    steps.append(train("aif-amp-fp16", "aif", use_amp=True, skip=no_amp_on_cpu))
    steps.append(Step("train-aif-amp-bf16", list, skip=BF16_TRAIN_NOTE))

    def make_directory(directory: Path) -> Callable[[], None]:
        # `allennlp evaluate --output-file` does not create the file's directory
        return lambda: directory.mkdir(parents=True, exist_ok=True)

    for variant in VARIANTS:
        archive = runs / variant / "model.tar.gz"
        metrics = out / "evaluate" / f"{variant}_de.json"
        steps.append(Step(
            f"evaluate-{variant}",
            lambda archive=archive, metrics=metrics: allennlp(
                "evaluate", str(archive), german_test, "--cuda-device", cuda_device,
                "--output-file", str(metrics), "--include-package", "allennlp_xfuse"),
            needs=[archive], prepare=make_directory(metrics.parent),
            check=lambda metrics=metrics: check_metrics(metrics)))

    archive = runs / "aif" / "model.tar.gz"
    pairs = out / "predict" / "pairs.jsonl"
    predictions = out / "predict" / "predictions.jsonl"

    def write_pairs() -> None:
        pairs.parent.mkdir(parents=True, exist_ok=True)
        pairs.write_text("".join(json.dumps(pair) + "\n" for pair in PREDICT_PAIRS),
                         encoding="utf-8")

    steps.append(Step(
        "predict-aif",
        lambda: allennlp("predict", str(archive), str(pairs), "--predictor", "pawsx",
                         "--cuda-device", cuda_device, "--output-file", str(predictions),
                         "--silent", "--include-package", "allennlp_xfuse"),
        needs=[archive], prepare=write_pairs,
        check=lambda: check_json_lines(predictions, len(PREDICT_PAIRS), "label")))

    attacked = out / "attack" / "aif.de.deepwordbug.jsonl"
    steps.append(Step(
        "attack-aif",
        lambda: allennlp("xfuse-attack", str(archive), german_test, "--recipe", "deepwordbug",
                         "--num-examples", str(num_examples), "--seed", "13",
                         "--output", str(attacked), "--cuda-device", cuda_device),
        needs=[archive], prepare=make_directory(attacked.parent),
        check=lambda: check_json_lines(attacked, num_examples, "status")))

    # Benchmarks at small sizes: the tiny encoder, a few repetitions. Each writes under its
    # own work directory (models it builds, the attack benchmark's trained baseline).
    bench_sizes = {
        "fusion_overhead.py": ["--encoder", "tiny", "--batch-size", "8", "--seq-len", "64",
                               "--reps", "3", "--train-reps", "2", "--head-reps", "5"],
        "evaluate_throughput.py": ["--skip-bert-base", "--rounds", "1"],
        "attack_throughput.py": ["--num-examples", "2", "--bert-base-queries", "0"],
    }
    device = "cuda" if on_gpu else "cpu"
    amps = ["bf16", "fp16"] if on_gpu else ["bf16", "fp16", "fp32"]
    for script, sizes in bench_sizes.items():
        name = script[:-len(".py")].replace("_", "-")
        for amp in amps:
            skip = no_amp_on_cpu if amp != "fp32" else None
            amp_flag = "none" if amp == "fp32" else amp
            steps.append(Step(
                f"bench-{name}-{amp}",
                lambda script=script, sizes=sizes, amp_flag=amp_flag: benchmark(
                    script, "--device", device, "--amp", amp_flag,
                    "--work-dir", str(out / "bench"), *sizes),
                skip=skip))
    return steps


def last_line(text: str) -> str:
    """
    The last non-empty line of `text`, stripped and cut to 300 characters.

    # Parameters

    text : `str`
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def run_step(step: Step, out: Path, env: Dict[str, str], timeout: float) -> Optional[str]:
    """
    Runs one step; returns `None` when it passed, else the reason (the last line of its
    stderr, or what its check found). Its stdout and stderr go to `out/logs/<name>.log`.

    # Parameters

    step : `Step`
    out : `Path`
        The output directory.
    env : `Dict[str, str]`
        The subprocess's environment.
    timeout : `float`
        Seconds before the step is killed and fails.
    """
    missing = [str(path) for path in step.needs if not path.exists()]
    if missing:
        return f"needs {', '.join(missing)} (from an earlier step)"
    try:
        if step.prepare is not None:
            step.prepare()
        argv = step.argv()
    except Exception as error:  # noqa: BLE001  (a broken step must not stop the others)
        return f"{type(error).__name__}: {error}"
    log_file = out / "logs" / f"{step.name}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        # from the repository root: AllenNLP finds the plugin's subcommands through the
        # `.allennlp_plugins` file in the working directory
        result = subprocess.run(argv, cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                                timeout=timeout, check=False)
        stdout, stderr, status = result.stdout, result.stderr, result.returncode
    except subprocess.TimeoutExpired as expired:
        stdout = expired.stdout or ""
        stderr = expired.stderr or ""
        if isinstance(stdout, bytes):
            stdout = stdout.decode(errors="replace")
        if isinstance(stderr, bytes):
            stderr = stderr.decode(errors="replace")
        status = None
    log_file.write_text(f"$ {' '.join(argv)}\n\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
                        encoding="utf-8")
    if status is None:
        return f"timed out after {timeout:.0f} s"
    if status != 0:
        return last_line(stderr) or last_line(stdout) or f"exit status {status}"
    return step.check() if step.check is not None else None


def prepare_output_dir(path: Optional[str]) -> Path:
    """
    The output directory: a new temporary one, or `path` when it is new, empty or an earlier
    check's (it holds `MARKER`). Exits with status 2 for any other directory: the check writes
    fixed names there and must not mix its files with someone else's.

    # Parameters

    path : `str`, optional
        `--output-dir`.
    """
    if path is None:
        return Path(tempfile.mkdtemp(prefix="xfuse-gpu-check-"))
    out = Path(path).resolve()
    if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
        print(f"gpu-check: {out} is not empty and not a gpu-check output directory "
              f"(no {MARKER}); give a new or empty --output-dir", file=sys.stderr)
        sys.exit(2)
    out.mkdir(parents=True, exist_ok=True)
    return out


def describe_device(on_gpu: bool) -> str:
    """
    The header's words for the device: the GPU's name, torch's and CUDA's versions.

    # Parameters

    on_gpu : `bool`
    """
    import torch

    if not on_gpu:
        return (f"--cpu: the steps on the CPU, AMP steps skipped (a check of this script, not of "
                f"a GPU); torch {torch.__version__}")
    return (f"cuda:0 = {torch.cuda.get_device_name(0)}, torch {torch.__version__}, "
            f"CUDA {torch.version.cuda}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    """
    Runs the check; returns the exit status (0: all passed or no GPU, 1: a step failed, 2: a
    wrong argument).

    # Parameters

    argv : `Sequence[str]`, optional (default = `sys.argv[1:]`)
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output-dir", default=None,
                        help="where outputs and logs go (default: a new temporary directory)")
    parser.add_argument("--cpu", action="store_true",
                        help="run the steps on the CPU (no AMP steps): tests this script")
    parser.add_argument("--steps", default=None,
                        help="comma list of steps to run (default: all; see --list)")
    parser.add_argument("--list", action="store_true", help="print the steps and exit")
    parser.add_argument("--epochs", type=int, default=1, help="training epochs (default 1)")
    parser.add_argument("--batches-per-epoch", type=int, default=None,
                        help="training batches per epoch (default: the whole sample, 45)")
    parser.add_argument("--num-examples", type=int, default=3,
                        help="pairs the attack step attacks (default 3)")
    parser.add_argument("--step-timeout", type=float, default=1200,
                        help="seconds before a step is killed and fails (default 1200)")
    args = parser.parse_args(argv)

    import torch

    on_gpu = not args.cpu
    names = [step.name for step in build_plan(Path("."), on_gpu)]
    if args.list:
        print("\n".join(names))
        return 0
    selected = names if args.steps is None else [name.strip() for name in args.steps.split(",")
                                                  if name.strip()]
    unknown = sorted(set(selected) - set(names))
    if unknown:
        print(f"gpu-check: unknown step(s) {', '.join(unknown)}; the steps are: "
              f"{', '.join(names)}", file=sys.stderr)
        return 2
    if on_gpu and not torch.cuda.is_available():
        print(NO_GPU_LINE)
        return 0

    out = prepare_output_dir(args.output_dir)
    plan = [step for step in build_plan(out, on_gpu, args.epochs, args.num_examples,
                                        args.batches_per_epoch)
            if step.name in selected]
    env = {**os.environ}
    for key, value in OFFLINE_ENV.items():
        env.setdefault(key, value)
    print(f"gpu-check: {describe_device(on_gpu)}; output and logs in {out}", flush=True)

    results: Dict[str, Dict[str, object]] = {}
    marker = out / MARKER

    def record() -> None:
        marker.write_text(json.dumps({"on_gpu": on_gpu, "results": results}, indent=2),
                          encoding="utf-8")

    record()
    for step in plan:
        if step.skip is not None:
            print(f"SKIP {step.name}: {step.skip}", flush=True)
            results[step.name] = {"status": "skip", "reason": step.skip}
            continue
        started = time.perf_counter()
        failure = run_step(step, out, env, args.step_timeout)
        seconds = time.perf_counter() - started
        if failure is None:
            print(f"PASS {step.name} ({seconds:.1f}s)", flush=True)
            results[step.name] = {"status": "pass", "seconds": seconds}
        else:
            print(f"FAIL {step.name}: {failure}", flush=True)
            results[step.name] = {"status": "fail", "seconds": seconds, "reason": failure}
        record()
    counts = {status: sum(r["status"] == status for r in results.values())
              for status in ("pass", "fail", "skip")}
    print(f"gpu-check: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped"
          f" (logs: {out / 'logs'})")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
