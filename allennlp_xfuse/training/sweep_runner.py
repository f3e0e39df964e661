"""
Running a sweep with AllenNLP's own training, one run after the other in this process: finished
runs are skipped, interrupted ones recovered from their checkpoint, and `sweep.json` in the
sweep directory records every run's config file, overrides, state and final metrics.
"""
import gc
import json
import logging
import os
import time
from typing import Any, Dict, List, Optional, Sequence

from allennlp.common.tqdm import Tqdm

from allennlp_xfuse.atomic_files import atomic_write_json
from allennlp_xfuse.training.sweep_plan import (
    FINISHED,
    INCOMPLETE,
    INTERRUPTED,
    SweepRun,
    run_state,
)

logger = logging.getLogger(__name__)

SWEEP_FILE = "sweep.json"
TRAINED = "trained"
RECOVERED = "recovered"
SKIPPED = "skipped (finished)"
FAILED = "failed"


def _read_json(path: str) -> Optional[Dict[str, Any]]:
    """
    The JSON object in `path`, or `None` if it is missing, unreadable or not an object: a run's
    `metrics.json` or `sweep.json` may not be written yet.

    # Parameters

    path : `str`
    """
    try:
        with open(path, encoding="utf-8") as json_file:
            data = json.load(json_file)
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _record(sweep_file: str, run: SweepRun, status: str, seconds: float,
            error: Optional[str] = None) -> Dict[str, Any]:
    """
    Updates the run's entry in `sweep.json` (written atomically after every run, so an
    interrupted sweep still lists what it did) and returns it.

    # Parameters

    sweep_file : `str`
        The sweep's `sweep.json`.
    run : `SweepRun`
    status : `str`
        One of `TRAINED`, `RECOVERED`, `SKIPPED`, `FAILED`.
    seconds : `float`
        How long the run took in this sweep.
    error : `str`, optional (default = `None`)
        The failure, for a failed run.
    """
    entry = {
        "name": run.name,
        "config_file": os.path.abspath(run.config_file),
        "serialization_dir": os.path.abspath(run.serialization_dir),
        "seed": run.seed,
        "fusion_layer": run.fusion_layer,
        "overrides": run.overrides,
        "status": status,
        "seconds": round(seconds, 1),
        "metrics": _read_json(os.path.join(run.serialization_dir, "metrics.json")),
    }
    if error:
        entry["error"] = error
    sweep = _read_json(sweep_file) or {}
    runs = sweep.get("runs", {})
    runs[run.name] = entry
    atomic_write_json(sweep_file, {"runs": dict(sorted(runs.items()))})
    return entry


def run_sweep(
    runs: Sequence[SweepRun],
    sweep_dir: str,
    include_package: Sequence[str] = ("allennlp_xfuse",),
    file_friendly_logging: bool = False,
    keep_going: bool = True,
) -> List[Dict[str, Any]]:
    """
    Trains every run that is not finished, through `allennlp.commands.train.train_model_from_file`
    (so distributed training, checkpointing, archiving and `config.json` / `metrics.json` are
    AllenNLP's). Returns the `sweep.json` entry of each run.

    # Parameters

    runs : `Sequence[SweepRun]`
        In the order to train them (see `sweep_plan.plan_sweep`).
    sweep_dir : `str`
        Where `sweep.json` goes.
    include_package : `Sequence[str]`, optional (default = `("allennlp_xfuse",)`)
        Packages distributed workers import (they start as fresh processes).
    file_friendly_logging : `bool`, optional (default = `False`)
        As `allennlp train --file-friendly-logging`.
    keep_going : `bool`, optional (default = `True`)
        A failing run is recorded and the sweep goes on (the error is raised at the end);
        `False` stops at the first failure.
    """
    from allennlp.commands.train import train_model_from_file

    os.makedirs(sweep_dir, exist_ok=True)
    sweep_file = os.path.join(sweep_dir, SWEEP_FILE)
    entries: List[Dict[str, Any]] = []
    failures: List[str] = []
    progress = Tqdm.tqdm(runs, desc="xfuse-sweep", unit="run")
    for run in progress:
        state = run_state(run.serialization_dir)
        progress.set_postfix_str(f"{run.name} ({state})")
        if state == FINISHED:
            entries.append(_record(sweep_file, run, SKIPPED, 0.0))
            continue
        logger.info(
            "%s: %s", run.name,
            "recovering from its last checkpoint" if state == INTERRUPTED else "training",
        )
        started = time.time()
        try:
            train_model_from_file(
                run.config_file,
                run.serialization_dir,
                overrides=json.dumps(run.overrides),
                recover=state == INTERRUPTED,
                # nothing to keep in a directory without a checkpoint: start it over
                force=state == INCOMPLETE,
                include_package=list(include_package),
                file_friendly_logging=file_friendly_logging,
                return_model=False,
            )
        except Exception as error:  # recorded, and raised at the end of the sweep
            if not keep_going:
                _record(sweep_file, run, FAILED, time.time() - started, repr(error))
                raise
            logger.exception("%s failed", run.name)
            failures.append(f"{run.name}: {error!r}")
            entries.append(_record(sweep_file, run, FAILED, time.time() - started, repr(error)))
            continue
        finally:
            gc.collect()  # the finished run's model and data can go before the next one starts
        status = RECOVERED if state == INTERRUPTED else TRAINED
        entries.append(_record(sweep_file, run, status, time.time() - started))
    if failures:
        raise RuntimeError(f"{len(failures)} sweep run(s) failed: " + "; ".join(failures))
    return entries
