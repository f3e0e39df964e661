"""
Planning a layer sweep: which runs (fusion layer x seed, plus joined configs x seed), where they
go, with which overrides, and what state each run directory is in.
"""
import copy
import glob
import os
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple

# Where the dlfa configs put the embedder's layers: `[k, -1]` fuses hidden_states[k] with the top.
DEFAULT_LAYERS_KEY = "model.text_field_embedder.token_embedders.tokens.layers"
SEED_KEYS = ("random_seed", "numpy_seed", "pytorch_seed")

NEW = "new"
FINISHED = "finished"
INTERRUPTED = "interrupted"  # has a checkpoint: recover from it
INCOMPLETE = "incomplete"  # exists, but no checkpoint to recover from: start over


@dataclass
class SweepRun:
    """
    One training run of a sweep.

    # Parameters

    name : `str`
        The run directory's name, e.g. `dlfa_L9_s1`.
    config_file : `str`
    serialization_dir : `str`
    overrides : `Dict[str, Any]`
        The `--overrides` of this run (the sweep's own keys merged into the user's).
    seed : `int`
    fusion_layer : `Optional[int]`
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


def config_run_name(config_file: str) -> str:
    """`training_configs/pawsx_baseline.jsonnet` -> `baseline` (the shipped configs' task prefix
    is dropped: every run of a sweep is PAWS-X)."""
    stem = os.path.basename(config_file).split(".")[0]
    return stem[len("pawsx_"):] if stem.startswith("pawsx_") and len(stem) > 6 else stem


def parse_named_config(spec: str) -> Tuple[str, str]:
    """`NAME=PATH` or `PATH` -> `(name, path)`."""
    name, separator, path = spec.partition("=")
    if separator and name and not os.path.exists(spec):
        return name, path
    return config_run_name(spec), spec


def merge_overrides(user: Dict[str, Any], ours: Dict[str, Any]) -> Dict[str, Any]:
    """
    `user` overrides plus `ours` (dotted keys, which win). AllenNLP rejects a dotted key under a
    key that is also given whole (`{"model": {...}, "model.x": 1}`), so when the user gave a
    nested value above one of our keys, ours is written into that nested value instead.
    """
    merged = copy.deepcopy(user)
    for key, value in ours.items():
        parent = next((u for u in merged if key.startswith(f"{u}.")), None)
        if parent is None or not isinstance(merged[parent], dict):
            merged[key] = copy.deepcopy(value)
            continue
        _set_dotted(merged[parent], key[len(parent) + 1:], value)
    return merged


def _set_dotted(target: Dict[str, Any], key: str, value: Any) -> None:
    if key in target or "." not in key:
        target[key] = copy.deepcopy(value)
        return
    head, rest = key.split(".", 1)
    if isinstance(target.get(head), dict):
        _set_dotted(target[head], rest, value)
    else:
        target[key] = copy.deepcopy(value)


def seed_overrides(seed: int) -> Dict[str, int]:
    """The same seed for Python's, NumPy's and PyTorch's generators."""
    return {key: seed for key in SEED_KEYS}


def plan_sweep(
    config_file: str,
    layers: Sequence[int],
    seeds: Sequence[int],
    serialization_dir: str,
    overrides: Optional[Dict[str, Any]] = None,
    include_configs: Sequence[Tuple[str, str]] = (),
    config_overrides: Optional[Dict[str, Dict[str, Any]]] = None,
    layers_key: str = DEFAULT_LAYERS_KEY,
    name: Optional[str] = None,
) -> List[SweepRun]:
    """
    The runs of a sweep: `config_file` once per (fusion layer `k`, seed) at
    `<serialization_dir>/<name>_L<k>_s<seed>` with `layers_key` set to `[k, -1]`, then every
    `include_configs` entry `(name, path)` once per seed at `<serialization_dir>/<name>_s<seed>`.

    # Parameters

    overrides : `Dict[str, Any]`, optional
        Applied to every run.
    config_overrides : `Dict[str, Dict[str, Any]]`, optional
        Run-name prefix (the sweep's `name` or an included config's) -> overrides for those runs
        only (e.g. the layers of an `aif` config on a small model), applied after `overrides`.
    """
    overrides = overrides or {}
    config_overrides = config_overrides or {}
    name = name or config_run_name(config_file)
    runs: List[SweepRun] = []

    def add(run_name: str, prefix: str, path: str, seed: int, extra: Dict[str, Any],
            layer: Optional[int]) -> None:
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
            add(f"{name}_L{layer}_s{seed}", name, config_file, seed, {layers_key: [layer, -1]},
                layer)
    for included_name, path in include_configs:
        for seed in seeds:
            add(f"{included_name}_s{seed}", included_name, path, seed, {}, None)
    names = [run.name for run in runs]
    duplicates = sorted({run_name for run_name in names if names.count(run_name) > 1})
    if duplicates:
        raise ValueError(f"Two runs would share a directory: {', '.join(duplicates)}")
    return runs


def run_state(serialization_dir: str) -> str:
    """
    `"finished"` (model.tar.gz and metrics.json), `"interrupted"` (a training checkpoint to
    recover from), `"incomplete"` (a directory without a checkpoint) or `"new"`.
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
    return INCOMPLETE
