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
    UNKNOWN,
    SweepRun,
    foreign_files,
    run_state,
)

logger = logging.getLogger(__name__)

SWEEP_FILE = "sweep.json"
TRAINED = "trained"
RECOVERED = "recovered"
SKIPPED = "skipped (finished)"
NOT_OURS = "skipped (not the sweep's)"
STARTED = "started"  # recorded before training, so a crash leaves the run known as the sweep's
FAILED = "failed"

# AllenNLP's recovery restores the model, optimizer, scheduler and epoch from the last
# checkpoint and replays the data loader through the finished epochs (so the data order is the
# same), but it does not restore the random state that dropout draws from: a recovered run is
# not bit-identical to the uninterrupted run of its seed (measured: other losses), and says so.
RECOVERED_NOTE = (
    "recovered from its last checkpoint: model, optimizer, scheduler and data order restored, "
    "but not the random state dropout draws from, so its metrics are not bit-identical to an "
    "uninterrupted run of the same seed"
)


class SweepError(Exception):
    """
    Runs of a sweep that failed or were left alone, each named with its directory and why; the
    others are done and recorded.

    # Parameters

    problems : `List[str]`
        One line per run: `<name> (<directory>): <what happened and what to do>`.
    entries : `List[Dict[str, Any]]`
        The `sweep.json` entry of every run the sweep went through.
    """

    def __init__(self, problems: List[str], entries: List[Dict[str, Any]]) -> None:
        super().__init__(f"{len(problems)} sweep run(s) not done: " + "; ".join(problems))
        self.problems = problems
        self.entries = entries


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


def _entry(run: SweepRun, status: str, seconds: float,
           error: Optional[str] = None, note: Optional[str] = None) -> Dict[str, Any]:
    """
    The run's `sweep.json` entry.

    # Parameters

    run : `SweepRun`
    status : `str`
        One of `STARTED`, `TRAINED`, `RECOVERED`, `SKIPPED`, `NOT_OURS`, `FAILED`.
    seconds : `float`
        How long the run took in this sweep.
    error : `str`, optional (default = `None`)
        The failure, for a failed run (or why a run was left alone).
    note : `str`, optional (default = `None`)
        What a user should know about a finished run (e.g. `RECOVERED_NOTE`).
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
    if note:
        entry["note"] = note
    return entry


def _record(sweep_file: str, run: SweepRun, status: str, seconds: float,
            error: Optional[str] = None, note: Optional[str] = None) -> Dict[str, Any]:
    """
    Updates the run's entry in `sweep.json` (written atomically after every run, so an
    interrupted sweep still lists what it did) and returns it.

    # Parameters

    sweep_file : `str`
        The sweep's `sweep.json`.
    run : `SweepRun`
    status : `str`
        One of `STARTED`, `TRAINED`, `RECOVERED`, `SKIPPED`, `NOT_OURS`, `FAILED`.
    seconds : `float`
        How long the run took in this sweep.
    error : `str`, optional (default = `None`)
        The failure, for a failed run (or why a run was left alone).
    note : `str`, optional (default = `None`)
        What a user should know about a finished run (e.g. `RECOVERED_NOTE`).
    """
    entry = _entry(run, status, seconds, error, note)
    sweep = _read_json(sweep_file) or {}
    runs = sweep.get("runs", {})
    runs[run.name] = entry
    atomic_write_json(sweep_file, {"runs": dict(sorted(runs.items()))})
    return entry


def started_runs(sweep_dir: str) -> Dict[str, str]:
    """
    Run name -> run directory (absolute) of every run `sweep.json` in `sweep_dir` records: the
    runs this sweep started, whose directories it may start over.

    # Parameters

    sweep_dir : `str`
        The sweep directory.
    """
    runs = (_read_json(os.path.join(sweep_dir, SWEEP_FILE)) or {}).get("runs", {})
    return {
        name: str(entry.get("serialization_dir"))
        for name, entry in runs.items() if isinstance(entry, dict)
    }


def _started_by_sweep(started: Dict[str, str], run: SweepRun) -> bool:
    return started.get(run.name) == os.path.abspath(run.serialization_dir)


def _not_ours(run: SweepRun) -> str:
    """Why the run's directory is left alone, and what to do."""
    foreign = foreign_files(run.serialization_dir)
    if foreign:
        more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
        shown = ", ".join(foreign[:5]) + more
        why = f"it holds files that allennlp train does not write ({shown})"
    else:
        why = "the sweep did not start it (no entry in its sweep.json)"
    return (
        f"{run.name} ({run.serialization_dir}): not trained, {why}, and a sweep never deletes "
        "what it did not write. Move those files away, or delete the directory, then run the "
        "sweep again."
    )


def _failure(run: SweepRun, state: str, error: BaseException) -> str:
    """A failed run's line: where, the error with its message, and what to do."""
    message = " ".join(str(error).split()) or "(no message)"
    line = f"{run.name} ({run.serialization_dir}): {type(error).__name__}: {message}"
    if state == INTERRUPTED:
        line += (
            ". Recovering from its last checkpoint failed: if that checkpoint is torn (a run "
            "killed while saving), delete the newest model_state_*.th and training_state_*.th "
            "in the directory and run the sweep again; the log above has the traceback"
        )
    return line


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
        A failing run is recorded and the sweep goes on; `False` stops at the first failure.
        Either way a `SweepError` names every failed run and every run directory left alone
        (one with files the sweep did not write), after the others are done.
    """
    from allennlp.commands.train import train_model_from_file

    os.makedirs(sweep_dir, exist_ok=True)
    sweep_file = os.path.join(sweep_dir, SWEEP_FILE)
    entries: List[Dict[str, Any]] = []
    failures: List[str] = []
    started = started_runs(sweep_dir)
    progress = Tqdm.tqdm(runs, desc="xfuse-sweep", unit="run")
    for run in progress:
        ours = _started_by_sweep(started, run)
        state = run_state(run.serialization_dir, started_by_sweep=ours)
        progress.set_postfix_str(f"{run.name} ({state})")
        if state == FINISHED:
            entries.append(_record(sweep_file, run, SKIPPED, 0.0))
            continue
        if state == UNKNOWN:
            problem = _not_ours(run)
            logger.warning(problem)
            failures.append(problem)
            # not recorded as the sweep's: sweep.json must not make the directory look started
            entries.append(_entry(run, NOT_OURS, 0.0, problem))
            continue
        # recorded first: a run that crashes before its first checkpoint is known as the sweep's
        _record(sweep_file, run, STARTED, 0.0)
        logger.info(
            "%s: %s", run.name,
            "recovering from its last checkpoint" if state == INTERRUPTED else "training",
        )
        begun = time.time()
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
            logger.exception("%s failed", run.name)
            problem = _failure(run, state, error)
            failures.append(problem)
            entries.append(_record(sweep_file, run, FAILED, time.time() - begun, problem))
            if not keep_going:
                raise SweepError(failures, entries) from error
            continue
        finally:
            gc.collect()  # the finished run's model and data can go before the next one starts
        status = RECOVERED if state == INTERRUPTED else TRAINED
        note = RECOVERED_NOTE if status == RECOVERED else None
        entries.append(_record(sweep_file, run, status, time.time() - begun, note=note))
    if failures:
        raise SweepError(failures, entries)
    return entries
