"""
Finding what `allennlp xfuse-report` evaluates: trained archives under run directories, the clean
test split of every language, and adversarial splits; and pairing them.
"""
import glob
import json
import logging
import os
import tarfile
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from allennlp_xfuse.report.adversarial_splits import AdversarialSplit, describe_adversarial_split
from allennlp_xfuse.report.languages import LANGUAGES
from allennlp_xfuse.report.model_identity import ModelIdentity, identify_model

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


@dataclass
class Run:
    """
    A trained model to evaluate.

    # Parameters

    run_dir : `str`
    archive : `str`
        Its `model.tar.gz`.
    name : `str`
        The run directory's name (adversarial splits produced against it live in
        `ADV_DIR/<name>/`).
    identity : `ModelIdentity`
    """

    run_dir: str
    archive: str
    name: str
    identity: ModelIdentity


def read_run_config(run_dir: str, archive: str) -> Dict:
    """The run's training config: `config.json` beside the archive, else the one inside it."""
    config_path = os.path.join(run_dir, "config.json")
    if os.path.isfile(config_path):
        with open(config_path, encoding="utf-8") as config_file:
            return json.load(config_file)
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("config.json")
        if member is None:
            raise ValueError(f"{archive} has no config.json")
        return json.loads(member.read().decode("utf-8"))


def find_runs(run_dirs: Sequence[str], name_from_run: bool = False) -> List[Run]:
    """
    Every `model.tar.gz` under `run_dirs` (a directory holding one is a run; otherwise its
    subdirectories are searched recursively; a path to an archive is taken as is), sorted by
    path, each identified from its config.
    """
    archives: List[str] = []
    for run_dir in run_dirs:
        if os.path.isfile(run_dir):
            archives.append(run_dir)
        elif os.path.isfile(os.path.join(run_dir, ARCHIVE_NAME)):
            archives.append(os.path.join(run_dir, ARCHIVE_NAME))
        elif os.path.isdir(run_dir):
            archives.extend(
                glob.glob(os.path.join(glob.escape(run_dir), "**", ARCHIVE_NAME), recursive=True)
            )
        else:
            raise FileNotFoundError(f"Run directory not found: {run_dir}")
    runs = []
    for archive in sorted({os.path.abspath(path) for path in archives}):
        run_dir = os.path.dirname(archive)
        name = os.path.basename(run_dir)
        identity = identify_model(read_run_config(run_dir, archive), name, name_from_run)
        runs.append(Run(run_dir=run_dir, archive=archive, name=name, identity=identity))
    return runs


def find_clean_splits(data_dir: str) -> Dict[str, str]:
    """
    Language -> clean evaluation file under `data_dir` (searched recursively), trying
    `CLEAN_SPLIT_PATTERNS` in order; when a pattern matches several files the one nearest to
    `data_dir` wins.
    """
    if not os.path.isdir(data_dir):
        raise FileNotFoundError(f"Clean data directory not found: {data_dir}")
    splits: Dict[str, str] = {}
    root = glob.escape(data_dir)
    for language in LANGUAGES:
        for pattern in CLEAN_SPLIT_PATTERNS:
            name = pattern.format(lang=language)
            matches = glob.glob(os.path.join(root, name)) + glob.glob(
                os.path.join(root, "**", name), recursive=True
            )
            if matches:
                splits[language] = min(matches, key=lambda path: (path.count(os.sep), path))
                break
    return splits


def find_adversarial_splits(adversarial_dir: str, split_dir: str) -> List[AdversarialSplit]:
    """
    Every non-empty `*.jsonl` under `adversarial_dir`, described per language (sorted by
    path); files with several languages are divided into one file per language under
    `split_dir`.
    """
    if not os.path.isdir(adversarial_dir):
        raise FileNotFoundError(f"Adversarial directory not found: {adversarial_dir}")
    paths = sorted(
        glob.glob(os.path.join(glob.escape(adversarial_dir), "**", "*.jsonl"), recursive=True)
    )
    return [
        split
        for path in paths
        for split in describe_adversarial_split(path, adversarial_dir, split_dir)
    ]


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
