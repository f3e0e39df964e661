"""
Planning a layer sweep: which runs (fusion layer x seed, plus joined configs x seed), where they
go, with which overrides, and what state each run directory is in.
"""
import fnmatch
import glob
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

from allennlp_xfuse.training.overrides import LAYERS_KEY, merge_overrides, seed_overrides
from allennlp_xfuse.training.run_names import build_run_name, config_run_name

NEW = "new"
FINISHED = "finished"
INTERRUPTED = "interrupted"  # has a checkpoint: recover from it
INCOMPLETE = "incomplete"  # the sweep's own start, no checkpoint to recover from: start over
UNKNOWN = "unknown"  # holds files the sweep did not write: never deleted, left alone

#: What `allennlp train` writes into a serialization directory (file name patterns). Starting a
#: run over deletes its directory, so it is only done when everything in it matches these.
TRAINING_FILES = (
    "config.json", "meta.json", "out.log", "out_worker*.log", "vocabulary", "log",
    "metrics.json", "metrics_epoch_*.json", "model_state_*.th", "training_state_*.th",
    "best.th", "best_w*.th", "weights.th", "model.tar.gz",
)


@dataclass
class SweepRun:
    """
    One training run of a sweep.

    # Parameters

    name : `str`
        The run directory's name, e.g. `dlfa_L9_s1` (see `run_names.build_run_name`).
    config_file : `str`
        The config `allennlp train` reads.
    serialization_dir : `str`
        The run directory.
    overrides : `Dict[str, Any]`, optional (default = `{}`)
        The `--overrides` of this run (the sweep's own keys merged into the user's).
    seed : `int`, optional (default = `None`)
    fusion_layer : `int`, optional (default = `None`)
        The swept hidden_states index; `None` for configs trained once per seed.
    """

    name: str
    config_file: str
    serialization_dir: str
    overrides: Dict[str, Any] = field(default_factory=dict)
    seed: Optional[int] = None
    fusion_layer: Optional[int] = None


def parse_int_list(text: str) -> List[int]:
    """
    `"1-11"`, `"1,3,5"`, `"1-4,8"`, `"-2"` -> the integers in order, without repeats. A range
    `a-b` needs `a <= b`; a lone negative number is a single (from-the-end) layer index.

    # Parameters

    text : `str`
        Comma-separated numbers and ranges, as `--layers` and `--seeds` take them.
    """
    values: List[int] = []
    for piece in (piece.strip() for piece in str(text).split(",")):
        if not piece:
            continue
        single = re.fullmatch(r"-?\d+", piece)
        span = re.fullmatch(r"(\d+)\s*-\s*(\d+)", piece)
        if single:
            numbers = [int(piece)]
        elif span and int(span.group(1)) <= int(span.group(2)):
            numbers = list(range(int(span.group(1)), int(span.group(2)) + 1))
        else:
            raise ValueError(f"Not a number or a range a-b (a <= b): {piece!r} in {text!r}")
        values.extend(number for number in numbers if number not in values)
    if not values:
        raise ValueError(f"No numbers in {text!r}")
    return values


def plan_sweep(
    config_file: str,
    layers: Sequence[int],
    seeds: Sequence[int],
    serialization_dir: str,
    overrides: Optional[Dict[str, Any]] = None,
    include_configs: Sequence[Tuple[str, str]] = (),
    config_overrides: Optional[Dict[str, Dict[str, Any]]] = None,
    layers_key: str = LAYERS_KEY,
    name: Optional[str] = None,
) -> List[SweepRun]:
    """
    The runs of a sweep: `config_file` once per (fusion layer `k`, seed) at
    `<serialization_dir>/<name>_L<k>_s<seed>` with `layers_key` set to `[k, -1]`, then every
    `include_configs` entry `(name, path)` once per seed at `<serialization_dir>/<name>_s<seed>`
    (names by `run_names.build_run_name`). Every run's overrides set the three seed keys.

    # Parameters

    config_file : `str`
        The swept (dlfa) config.
    layers : `Sequence[int]`
        The fusion layers (hidden_states indices) to train `config_file` at.
    seeds : `Sequence[int]`
    serialization_dir : `str`
        The sweep directory; each run gets a subdirectory.
    overrides : `Dict[str, Any]`, optional (default = `None`)
        Applied to every run.
    include_configs : `Sequence[Tuple[str, str]]`, optional (default = `()`)
        `(name, path)` of other configs to train once per seed.
    config_overrides : `Dict[str, Dict[str, Any]]`, optional (default = `None`)
        Run-name prefix (the sweep's `name` or an included config's) -> overrides for those runs
        only (e.g. the layers of an `aif` config on a small model), applied after `overrides`.
    layers_key : `str`, optional (default = `LAYERS_KEY`)
        The config key that takes `[k, -1]`.
    name : `str`, optional (default = `config_run_name(config_file)`)
        The run-name prefix of `config_file`'s runs.
    """
    overrides = overrides or {}
    config_overrides = config_overrides or {}
    name = name or config_run_name(config_file)
    runs: List[SweepRun] = []

    def add(run_name: str, prefix: str, path: str, seed: int, extra: Dict[str, Any],
            layer: Optional[int]) -> None:
        """
        Appends one run: the sweep's and its config's overrides, then `extra` and the seeds.

        # Parameters

        run_name : `str`
        prefix : `str`
            The key of the run's config in `config_overrides`.
        path : `str`
            The run's config file.
        seed : `int`
        extra : `Dict[str, Any]`
            The sweep's own overrides of this run (the swept layers).
        layer : `Optional[int]`
            The fusion layer, for the runs of the swept config.
        """
        user = merge_overrides(overrides, config_overrides.get(prefix, {}))
        runs.append(
            SweepRun(
                name=run_name,
                config_file=path,
                serialization_dir=os.path.join(serialization_dir, run_name),
                overrides=merge_overrides(user, {**extra, **seed_overrides(seed)}),
                seed=seed,
                fusion_layer=layer,
            )
        )

    for layer in layers:
        for seed in seeds:
            add(build_run_name(name, seed, layer), name, config_file, seed,
                {layers_key: [layer, -1]}, layer)
    for included_name, path in include_configs:
        for seed in seeds:
            add(build_run_name(included_name, seed), included_name, path, seed, {}, None)
    names = [run.name for run in runs]
    duplicates = sorted({run_name for run_name in names if names.count(run_name) > 1})
    if duplicates:
        raise ValueError(f"Two runs would share a directory: {', '.join(duplicates)}")
    return runs


def foreign_files(serialization_dir: str) -> List[str]:
    """
    The names in `serialization_dir` that `allennlp train` does not write (`TRAINING_FILES`):
    a user's notes, an archive copied in, another tool's output. Sorted.

    # Parameters

    serialization_dir : `str`
        An existing run directory.
    """
    return sorted(
        name for name in os.listdir(serialization_dir)
        if not any(fnmatch.fnmatchcase(name, pattern) for pattern in TRAINING_FILES)
    )


def run_state(serialization_dir: str, started_by_sweep: bool = False) -> str:
    """
    `"finished"` (model.tar.gz and metrics.json), `"interrupted"` (a training checkpoint to
    recover from), `"incomplete"` (a directory the sweep started that holds nothing but
    `allennlp train`'s files and no checkpoint: safe to start over), `"unknown"` (any other
    non-empty directory: never deleted) or `"new"`.

    # Parameters

    serialization_dir : `str`
        A run directory, existing or not.
    started_by_sweep : `bool`, optional (default = `False`)
        Whether the sweep's own record (`sweep.json`) says it started this run: without it a
        directory without a checkpoint is someone else's.
    """
    if not os.path.isdir(serialization_dir) or not os.listdir(serialization_dir):
        return NEW
    if all(
        os.path.isfile(os.path.join(serialization_dir, name))
        for name in ("model.tar.gz", "metrics.json")
    ):
        return FINISHED
    checkpoints = glob.glob(os.path.join(glob.escape(serialization_dir), "training_state_*.th"))
    if checkpoints and os.path.isfile(os.path.join(serialization_dir, "config.json")):
        return INTERRUPTED
    if started_by_sweep and not foreign_files(serialization_dir):
        return INCOMPLETE
    return UNKNOWN
