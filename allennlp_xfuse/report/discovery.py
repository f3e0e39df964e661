"""
What `allennlp xfuse-report` evaluates, and on what: the trained archives under run directories
(`Run`), the clean split of every language, the adversarial splits (`AdversarialSplit`: what a
split made by `xfuse-attack` / `xfuse-perturb` says about itself, one per language), which run
an attack was produced against, and the plan that pairs them (`EvaluationPair`).

Reading the split format itself (records, summaries, outcome counts) belongs to
`allennlp_xfuse.data.adversarial_split`; this module only decides what a split means for the
report.
"""
import glob
import json
import logging
import os
import tarfile
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.archive_safety import reading_archive
from allennlp_xfuse.atomic_files import atomic_write_text
from allennlp_xfuse.data.adversarial_split import (
    Record,
    SplitOutcome,
    read_split,
    read_summary,
)
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES, infer_language
from allennlp_xfuse.data.pair_files import read_pair_file
from allennlp_xfuse.report.model_identity import ModelIdentity, identify_model
from allennlp_xfuse.report.records import (
    ADVERSARIAL,
    CLEAN,
    OWN_TARGET,
    SELECTION,
    SHARED_TARGET,
    UNION_TARGET,
)
from allennlp_xfuse.report.tasks import PAWSX, READER_TASKS, task_of_config

logger = logging.getLogger(__name__)

ARCHIVE_NAME = "model.tar.gz"

# Clean split file names per language, most preferred first: the official release / the bundled
# sample, XTREME's test files, then dev sets (e.g. XTREME dev files when test has no labels).
CLEAN_SPLIT_PATTERNS = (
    "{lang}/test_2k.tsv",
    "test-{lang}.tsv",
    "{lang}/dev_2k.tsv",
    "dev-{lang}.tsv",
)

# The English dev split the dlfa fusion layer is chosen on, most preferred first.
SELECTION_SPLIT_PATTERNS = ("en/dev_2k.tsv", "dev-en.tsv")

# Directories (relative to the adversarial root) whose splits count as model-agnostic when their
# records carry no status to tell.
SHARED_DIRECTORIES = ("", "shared")


# -- what is left out ---------------------------------------------------------------------------


@dataclass
class LeftOut:
    """
    Something found under the report's inputs that it does not evaluate, and why: a report
    must say what it leaves out, or a missing run reads as a run that was never made.

    # Parameters

    path : `str`
        The run directory or split.
    reason : `str`
        Why it is left out, and what would bring it in.
    """

    path: str
    reason: str


def _leave_out(left_out: Optional[List[LeftOut]], path: str, reason: str) -> None:
    logger.warning("%s: left out: %s", path, reason)
    if left_out is not None:
        left_out.append(LeftOut(path, reason))


# -- runs ---------------------------------------------------------------------------------------

# What `allennlp train` writes while a run is in progress; AllenNLP keeps the last checkpoints
# until the end, and writes metrics.json after model.tar.gz.
_CHECKPOINT_PATTERNS = ("model_state_*.th", "training_state_*.th")


def _has_checkpoints(directory: str) -> bool:
    return any(
        glob.glob(os.path.join(glob.escape(directory), pattern))
        for pattern in _CHECKPOINT_PATTERNS
    )


def _unfinished_run_dirs(root: str) -> List[str]:
    """
    Directories under `root` (itself included) that `allennlp train` started, by its
    `config.json` or checkpoints, and that hold no `model.tar.gz`: runs still training or
    interrupted.
    """
    found = []
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(d for d in subdirectories if d != "vocabulary")
        if ARCHIVE_NAME in files:
            continue
        if "config.json" in files and (_has_checkpoints(directory) or "out.log" in files):
            found.append(os.path.abspath(directory))
    return found


@dataclass
class Run:
    """
    A trained model to evaluate.

    # Parameters

    run_dir : `str`
        The directory holding the archive (absolute).
    archive : `str`
        Its `model.tar.gz` (absolute).
    name : `str`
        The run directory's name (adversarial splits produced against it live in
        `ADV_DIR/<name>/`).
    identity : `ModelIdentity`
        Which table row the run belongs to, its seed and fusion layers, from its config.
    task : `str`, optional (default = `"pawsx"`)
        The run's task, from its config's dataset reader (`allennlp_xfuse.report.tasks`).
    """

    run_dir: str
    archive: str
    name: str
    identity: ModelIdentity
    task: str = PAWSX


def find_runs(
    run_dirs: Sequence[str],
    name_from_run: bool = False,
    left_out: Optional[List[LeftOut]] = None,
) -> List[Run]:
    """
    Every finished `model.tar.gz` under `run_dirs` (a directory holding one is a run;
    otherwise its subdirectories are searched recursively; a path to an archive is taken as
    is), sorted by path, each identified from its config (table row, seed, and task from its
    dataset reader; a reader of no task leaves the run out). Training runs without an archive,
    and archives of runs whose training has not finished (checkpoints but no `metrics.json`:
    AllenNLP may still be writing the archive), are left out: appended to `left_out` and
    logged.

    # Parameters

    run_dirs : `Sequence[str]`
        Run directories, directories of runs, or archives.
    name_from_run : `bool`, optional (default = `False`)
        Name table rows after run directories (see `identify_model`).
    left_out : `List[LeftOut]`, optional (default = `None`)
        Where to append what is left out and why.
    """
    archives: List[str] = []
    for run_dir in run_dirs:
        if os.path.isfile(run_dir):
            archives.append(run_dir)
            continue
        if not os.path.isdir(run_dir):
            raise FileNotFoundError(f"Run directory not found: {run_dir}")
        if os.path.isfile(os.path.join(run_dir, ARCHIVE_NAME)):
            archives.append(os.path.join(run_dir, ARCHIVE_NAME))
        else:
            archives.extend(
                glob.glob(os.path.join(glob.escape(run_dir), "**", ARCHIVE_NAME), recursive=True)
            )
        for unfinished in _unfinished_run_dirs(run_dir):
            _leave_out(
                left_out, unfinished,
                "no model.tar.gz: training has not finished or was interrupted "
                "(allennlp train --recover, or xfuse-sweep, finishes it)",
            )
    explicit = {os.path.abspath(path) for path in run_dirs if os.path.isfile(path)}
    runs = []
    for archive in sorted({os.path.abspath(path) for path in archives}):
        run_dir = os.path.dirname(archive)
        if (archive not in explicit and _has_checkpoints(run_dir)
                and not os.path.isfile(os.path.join(run_dir, "metrics.json"))):
            _leave_out(
                left_out, run_dir,
                "training has not finished: checkpoints but no metrics.json, which allennlp "
                "train writes after model.tar.gz (the archive may be incomplete); report again "
                "once it has finished",
            )
            continue
        name = os.path.basename(run_dir)
        config = read_run_config(run_dir, archive)
        task = task_of_config(config)
        if task is None:
            reader = (config.get("dataset_reader") or {}).get("type")
            _leave_out(
                left_out, run_dir,
                f"its dataset reader {reader!r} is none of the report's tasks (readers: "
                f"{', '.join(sorted(READER_TASKS))})",
            )
            continue
        identity = identify_model(config, name, name_from_run)
        runs.append(Run(run_dir=run_dir, archive=archive, name=name, identity=identity,
                        task=task))
    return runs


def read_run_config(run_dir: str, archive: str) -> Dict:
    """
    The run's training config: `config.json` beside the archive, else the one inside it (a
    truncated or damaged archive is a `ConfigurationError` that names it).

    # Parameters

    run_dir : `str`
        The directory holding the archive.
    archive : `str`
        The `model.tar.gz`.
    """
    config_path = os.path.join(run_dir, "config.json")
    if os.path.isfile(config_path):
        with open(config_path, encoding="utf-8") as config_file:
            return json.load(config_file)
    with reading_archive(archive), tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("config.json")
        if member is None:
            raise ValueError(f"{archive} has no config.json")
        return json.loads(member.read().decode("utf-8"))


# -- clean splits -------------------------------------------------------------------------------


def find_clean_splits(data_dir: str) -> Dict[str, str]:
    """
    Language -> clean evaluation file under `data_dir` (searched recursively), trying
    `CLEAN_SPLIT_PATTERNS` in order; when a pattern matches several files the one nearest to
    `data_dir` wins. A file without labels (XTREME distributes some test files without them)
    cannot be scored, so the next pattern is tried instead (e.g. the language's dev file).
    """
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(f"Clean data directory not found: {data_dir}")
    splits: Dict[str, str] = {}
    for language in PAWSX_LANGUAGES:
        found = _first_labeled(data_dir, [p.format(lang=language) for p in CLEAN_SPLIT_PATTERNS])
        if found:
            splits[language] = found
    return splits


def find_selection_split(data_dir: str) -> Optional[str]:
    """
    The English dev split under `data_dir` (`SELECTION_SPLIT_PATTERNS`, searched recursively,
    the one nearest to `data_dir` first), which the dlfa fusion layer is chosen on; `None` if
    there is none with labels.

    # Parameters

    data_dir : `str`
        The clean data directory.
    """
    return _first_labeled(data_dir, SELECTION_SPLIT_PATTERNS)


def _first_labeled(data_dir: str, names: Sequence[str]) -> Optional[str]:
    """The labeled file of the first of `names` found under `data_dir`, nearest first."""
    root = glob.escape(data_dir)
    for name in names:
        matches = glob.glob(os.path.join(root, name)) + glob.glob(
            os.path.join(root, "**", name), recursive=True
        )
        labeled = [path for path in matches if _has_labels(path)]
        if labeled:
            return min(labeled, key=lambda path: (path.count(os.sep), path))
    return None


def _has_labels(path: str) -> bool:
    """
    Whether the first pair of `path` has a label (the readers require them for evaluation).

    # Parameters

    path : `str`
    """
    try:
        next(read_pair_file(path, verbose=False, require_labels=True), None)
    except ConfigurationError:
        return False
    return True


# -- adversarial splits -------------------------------------------------------------------------


@dataclass
class AdversarialSplit:
    """
    One language of an adversarial split, as the report sees it.

    # Parameters

    path : `str`
        The file to evaluate: the split itself, or its one-language part when the split holds
        several languages.
    language : `Optional[str]`
        From the records, else from the file's path; `None` when neither tells.
    recipe : `str`
        The attack / perturbation recipe (the most common in the records, else from a
        `<lang>.<recipe>.jsonl` name).
    target : `str`
        The directory of the split relative to the adversarial root (`"aif"`,
        `"sweep/dlfa_L9_s1"`): the run it was produced against; `""` or `"shared"` (or
        `"perturbed"` records) for a model-agnostic split.
    shared : `bool`
        Whether the split is model-agnostic (same text for every model).
    num_examples : `int`
        Records of this language.
    statuses : `Dict[str, int]`
        Status -> number of records of this language with it.
    original_accuracy : `Optional[float]`
        Accuracy of the attacked model before the attack, as a fraction (model-in-the-loop
        splits only).
    success_rate : `Optional[float]`
        TextAttack's attack success rate, succeeded / (succeeded + failed), as a fraction
        (model-in-the-loop splits only).
    archive : `Optional[str]`, optional (default = `None`)
        The attacked archive, if the split's summary names it.
    source : `Optional[str]`, optional (default = `None`)
        The file the split comes from, when `path` is its one-language part.
    """

    path: str
    language: Optional[str]
    recipe: str
    target: str
    shared: bool
    num_examples: int
    statuses: Dict[str, int]
    original_accuracy: Optional[float]
    success_rate: Optional[float]
    archive: Optional[str] = None
    source: Optional[str] = None


def find_adversarial_splits(
    adversarial_dir: str, split_dir: str, left_out: Optional[List[LeftOut]] = None
) -> List[AdversarialSplit]:
    """
    Every non-empty `*.jsonl` under `adversarial_dir`, described per language (sorted by
    path); files with several languages are divided into one file per language under
    `split_dir`.

    # Parameters

    adversarial_dir : `str`
        The adversarial root directory.
    split_dir : `str`
        Where one-language parts of multi-language splits are written.
    left_out : `List[LeftOut]`, optional (default = `None`)
        Where to append the splits left out (empty ones) and why.
    """
    if not os.path.isdir(adversarial_dir):
        raise FileNotFoundError(f"Adversarial directory not found: {adversarial_dir}")
    paths = sorted(
        glob.glob(os.path.join(glob.escape(adversarial_dir), "**", "*.jsonl"), recursive=True)
    )
    splits = []
    for path in paths:
        described = describe_adversarial_split(path, adversarial_dir, split_dir)
        if not described:
            _leave_out(left_out, path, "no records (an attack that has not written any yet?)")
        splits.extend(described)
    return splits


def describe_adversarial_split(
    path: str, root: str, split_dir: Optional[str] = None
) -> List[AdversarialSplit]:
    """
    Reads the split at `path` (under the adversarial root directory `root`): one
    `AdversarialSplit` per language in it (none for an empty file). Language and recipe come
    from the records, else from a `<lang>.<recipe>.jsonl` name. A split holding several
    languages (an attack run on several files at once) is divided into one file per language
    under `split_dir`, so each language is evaluated on its own.
    """
    # lenient: an attack may still be writing the split, or have been killed mid-line
    records = read_split(path, strict=False)
    if not records:
        return []
    name_parts = os.path.basename(path).split(".")
    recipe = _most_common([record.get("recipe") for record in records]) or (
        name_parts[1] if len(name_parts) > 2 else "adversarial"
    )
    target = os.path.relpath(os.path.dirname(os.path.abspath(path)), os.path.abspath(root))
    target = "" if target == "." else target.replace(os.sep, "/")
    outcome = SplitOutcome.of(records)
    # An attack's records (succeeded/failed/skipped) are model-in-the-loop wherever they are;
    # only records without statuses leave the decision to the directory.
    shared = outcome.model_agnostic if outcome.statuses else target in SHARED_DIRECTORIES
    shared = shared or target == "shared"
    summary = read_summary(path)
    archive = summary.get("archive") or summary.get("archive_file")

    by_language: Dict[Optional[str], List[Record]] = {}
    path_language = infer_language(path)
    for record in records:
        language = record.get("language") or path_language
        by_language.setdefault(str(language) if language else None, []).append(record)
    if len(by_language) > 1 and split_dir is None:
        raise ValueError(f"{path} holds several languages; pass a directory to divide it into")

    splits = []
    for language, group in by_language.items():
        group_outcome = SplitOutcome.of(group)
        original_accuracy, success_rate = None, None
        if not shared:
            language_summary = dict(summary)
            language_summary["all"] = (summary.get("languages") or {}).get(language) or (
                summary.get("all") if len(by_language) == 1 else None
            )
            original_accuracy, success_rate = _attack_outcome(
                group, group_outcome, language_summary
            )
        split_path = path
        if len(by_language) > 1 and language is not None:
            split_path = _language_file(group, path, target, language, split_dir)
        splits.append(
            AdversarialSplit(
                path=split_path, language=language, recipe=recipe, target=target,
                shared=shared, num_examples=len(group), statuses=dict(group_outcome.statuses),
                original_accuracy=original_accuracy, success_rate=success_rate,
                archive=str(archive) if archive else None, source=path,
            )
        )
    return splits


def _most_common(values: List[Any]) -> Optional[str]:
    values = [str(value) for value in values if value not in (None, "")]
    return Counter(values).most_common(1)[0][0] if values else None


def _attack_outcome(
    records: List[Record], outcome: SplitOutcome, summary: Dict[str, Any]
) -> Tuple[Optional[float], Optional[float]]:
    """
    `(original accuracy, attack success rate)` of a model-in-the-loop split, as fractions: from
    the records' attack statuses (`SplitOutcome`) when they carry them; otherwise the original
    accuracy falls back to `original_prediction` vs `label` and the success rate to the
    summary's.
    """
    if outcome.attacked:
        return outcome.original_accuracy, outcome.success_rate
    judged = [
        record for record in records
        if record.get("original_prediction") is not None and record.get("label") is not None
    ]
    original_accuracy = (
        sum(str(r["original_prediction"]) == str(r["label"]) for r in judged) / len(judged)
        if judged else None
    )
    # summaries give percentages, as TextAttack prints them
    reported = (summary.get("all") or {}).get("attack_success_rate")
    success_rate = float(reported) / 100.0 if isinstance(reported, (int, float)) else None
    return original_accuracy, success_rate


def _language_file(records: List[Record], path: str, target: str, language: str,
                   split_dir: str) -> str:
    """
    Writes the `language` records of a multi-language split to their own file under
    `split_dir` and returns its path. The file is only rewritten when its content changed: the
    evaluation cache keys on modification times.
    """
    name = os.path.basename(path)
    stem = name[: -len(".jsonl")] if name.endswith(".jsonl") else name
    derived = os.path.join(split_dir, target or "_root", f"{stem}.{language}.jsonl")
    text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
    if os.path.isfile(derived):
        with open(derived, encoding="utf-8") as existing:
            if existing.read() == text:
                return derived
    atomic_write_text(derived, text)
    return derived


def attacked_run(split: AdversarialSplit, runs: Sequence[Run]) -> Optional[Run]:
    """
    The run a model-in-the-loop split was produced against: the one its summary names, else the
    one whose directory path ends with the split's directory (`adv/aif/` -> `runs/aif`,
    `adv/sweep/dlfa_L9_s1/` -> `runs/sweep/dlfa_L9_s1`). `None` if none or several match.
    """
    if split.archive:
        for run in runs:
            if os.path.abspath(split.archive) in (run.archive, run.run_dir):
                return run
    parts = [part for part in split.target.split("/") if part]
    if not parts:
        return None
    matches = [
        run for run in runs
        if os.path.normpath(run.run_dir).split(os.sep)[-len(parts):] == parts
    ]
    if len(matches) > 1:
        logger.warning(
            "%s: its directory %r matches several runs (%s); name the run's full path under "
            "the adversarial directory.", split.path, split.target,
            ", ".join(run.run_dir for run in matches),
        )
    return matches[0] if len(matches) == 1 else None


# -- the plan -----------------------------------------------------------------------------------


@dataclass
class EvaluationPair:
    """
    One evaluation to run (or read from the cache).

    # Parameters

    run : `Run`
        The model to evaluate.
    split : `str`
        The data file.
    kind : `str`
        `"clean"` or `"adversarial"`.
    language : `str`
        The split's language.
    recipe : `Optional[str]`, optional (default = `None`)
        The adversarial split's recipe.
    target : `Optional[str]`, optional (default = `None`)
        Adversarial: `"own"` (attack against this run), `"shared"` (model-agnostic), `"union"`
        (the union of a recipe's attacks), or the name of the attacked run (transfer).
    adversarial : `Optional[AdversarialSplit]`, optional (default = `None`)
        The adversarial split's description (`None` for clean splits).
    attacked : `Optional[str]`, optional (default = `None`)
        Model-in-the-loop splits: the name of the run the split was produced against.
    """

    run: Run
    split: str
    kind: str
    language: str
    recipe: Optional[str] = None
    target: Optional[str] = None
    adversarial: Optional[AdversarialSplit] = None
    attacked: Optional[str] = None


def attacked_name(split: AdversarialSplit, runs: Sequence[Run]) -> str:
    """The name of the run `split` was produced against, else its directory (`target`)."""
    attacked = attacked_run(split, runs)
    return attacked.name if attacked is not None else (split.target or "?")


def plan_evaluations(
    runs: Sequence[Run],
    clean_splits: Dict[str, str],
    adversarial_splits: Sequence[AdversarialSplit],
    transfer: bool = False,
    left_out: Optional[List[LeftOut]] = None,
    union_splits: Sequence[AdversarialSplit] = (),
    selection_split: Optional[str] = None,
) -> List[EvaluationPair]:
    """
    Every run on every clean split; every run on every model-agnostic adversarial split; each
    model-in-the-loop split on the run it was produced against and, with `transfer`, on every
    other run as well; every run on every union split. Splits without a language, and attacks
    whose run is not among `runs` (without `transfer`), are left out: appended to `left_out`
    and logged.

    # Parameters

    runs : `Sequence[Run]`
    clean_splits : `Dict[str, str]`
        Language -> clean split.
    adversarial_splits : `Sequence[AdversarialSplit]`
    transfer : `bool`, optional (default = `False`)
        Evaluate attacks on every run, not only the one attacked.
    left_out : `List[LeftOut]`, optional (default = `None`)
        Where to append the splits left out and why.
    union_splits : `Sequence[AdversarialSplit]`, optional (default = `()`)
        The union splits (`allennlp_xfuse.report.union_split`), evaluated on every run.
    selection_split : `Optional[str]`, optional (default = `None`)
        The English dev split, evaluated on every dlfa run to choose the fusion layer.
    """
    pairs: List[EvaluationPair] = []
    if selection_split is not None:
        for run in runs:
            if run.identity.family == "dlfa":
                pairs.append(EvaluationPair(run, selection_split, SELECTION, "en"))
    for run in runs:
        for language, path in clean_splits.items():
            pairs.append(EvaluationPair(run, path, CLEAN, language))
    for split in adversarial_splits:
        if split.language is None:
            _leave_out(left_out, split.source or split.path,
                       "no language in its records or its name (<lang>.<recipe>.jsonl)")
            continue
        if split.shared:
            for run in runs:
                pairs.append(
                    EvaluationPair(run, split.path, ADVERSARIAL, split.language, split.recipe,
                                   SHARED_TARGET, split)
                )
            continue
        attacked = attacked_run(split, runs)
        if attacked is None and not transfer:
            _leave_out(
                left_out, split.source or split.path,
                f"{split.language}: produced against {split.target or '?'!r}, which is none of "
                "the runs (without --no-transfer it is evaluated on every run)",
            )
            continue
        for run in runs:
            if run is attacked:
                target = OWN_TARGET
            elif transfer:
                target = attacked.name if attacked is not None else split.target
            else:
                continue
            pairs.append(
                EvaluationPair(run, split.path, ADVERSARIAL, split.language, split.recipe,
                               target, split, attacked_name(split, runs))
            )
    for split in union_splits:
        for run in runs:
            pairs.append(
                EvaluationPair(run, split.path, ADVERSARIAL, str(split.language), split.recipe,
                               UNION_TARGET, split)
            )
    return pairs
