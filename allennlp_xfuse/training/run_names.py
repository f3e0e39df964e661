"""
The run-name rule of a sweep, built and parsed in this one place: a run directory is named
`<name>_L<fusion layer>_s<seed>` for a swept config (`dlfa_L9_s1`) and `<name>_s<seed>` for a
config trained once per seed (`baseline_s2`), `<name>` coming from the config's file name
(`pawsx_aif.jsonnet` -> `aif`) unless the user names it. The sweep builds names with these
functions and the report reads seeds back with them, so the two cannot drift apart.
"""
import os
import re
from typing import Optional, Tuple

# Seed suffix of a run directory name: `dlfa_L9_s1`, and, for run directories a user named by
# hand, `aif-seed2`, `baseline_seed_3`.
_SEED_SUFFIX = re.compile(r"(?:^|[_\-.])s(?:eed)?[_\-]?(\d+)$")

# The shipped configs' task prefix: every run of a sweep is PAWS-X, so it tells runs nothing.
_CONFIG_PREFIX = "pawsx_"


def config_run_name(config_file: str) -> str:
    """
    The run-name prefix of a config: its file name without extensions and without the shipped
    configs' `pawsx_` prefix (`training_configs/pawsx_baseline.jsonnet` -> `baseline`).

    # Parameters

    config_file : `str`
        The config's path.
    """
    stem = os.path.basename(config_file).split(".")[0]
    if stem.startswith(_CONFIG_PREFIX) and len(stem) > len(_CONFIG_PREFIX):
        return stem[len(_CONFIG_PREFIX):]
    return stem


def parse_named_config(spec: str) -> Tuple[str, str]:
    """
    `NAME=PATH` or `PATH` -> `(name, path)`, the name defaulting to `config_run_name(PATH)`.

    # Parameters

    spec : `str`
        A config as the user gave it. A path that exists is taken whole even if it contains
        `=`, so such files need no renaming.
    """
    name, separator, path = spec.partition("=")
    if separator and name and not os.path.exists(spec):
        return name, path
    return config_run_name(spec), spec


def build_run_name(name: str, seed: int, fusion_layer: Optional[int] = None) -> str:
    """
    The directory name of one run: `<name>_L<fusion_layer>_s<seed>` (`dlfa_L9_s1`), or
    `<name>_s<seed>` (`baseline_s2`) for a run without a swept fusion layer.

    # Parameters

    name : `str`
        The config's run-name prefix (see `config_run_name`).
    seed : `int`
    fusion_layer : `int`, optional (default = `None`)
        The swept hidden_states index, for the runs of a swept config.
    """
    if fusion_layer is None:
        return f"{name}_s{seed}"
    return f"{name}_L{fusion_layer}_s{seed}"


def seed_from_name(run_name: str) -> Optional[int]:
    """
    The seed in a run directory's name (`dlfa_L9_s1` -> `1`), or `None` if it names none.

    # Parameters

    run_name : `str`
        The run directory's name.
    """
    match = _SEED_SUFFIX.search(run_name)
    return int(match.group(1)) if match else None


def strip_seed(run_name: str) -> str:
    """
    `dlfa_L9_s1` -> `dlfa_L9`: the name runs of different seeds share. A name that is nothing
    but a seed suffix is returned whole, so no run is left without a name.

    # Parameters

    run_name : `str`
        The run directory's name.
    """
    return _SEED_SUFFIX.sub("", run_name) or run_name
