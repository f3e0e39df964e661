"""
What an adversarial split (JSON lines written by `xfuse-attack` / `xfuse-perturb`) says about
itself: language, recipe, whether it is model-agnostic, and the attack outcome counts from
which TextAttack's success rate and the attacked model's original accuracy follow.
"""
import json
import logging
import os
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from allennlp_xfuse.atomic_files import atomic_write_text
from allennlp_xfuse.data.languages import infer_language

logger = logging.getLogger(__name__)

# A model-agnostic perturbation marks its records "perturbed"; attacks mark the outcome.
PERTURBED = "perturbed"
SHARED_DIRECTORIES = ("", "shared")


@dataclass
class AdversarialSplit:
    """
    # Parameters

    path : `str`
    language : `Optional[str]`
    recipe : `str`
    target : `str`
        The directory of the split relative to the adversarial root (`"aif"`,
        `"sweep/dlfa_L9_s1"`): the run it was produced against; `""` or `"shared"` (or
        `"perturbed"` records) for a model-agnostic split.
    shared : `bool`
        Whether the split is model-agnostic (same text for every model).
    num_examples : `int`
    statuses : `Dict[str, int]`
    original_accuracy : `Optional[float]`
        Accuracy of the attacked model before the attack, from `original_prediction` vs
        `label` (model-in-the-loop splits).
    success_rate : `Optional[float]`
        TextAttack's attack success rate: succeeded / (succeeded + failed).
    archive : `Optional[str]`
        The attacked archive, if the split's summary names it.
    source : `Optional[str]`
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


def read_json_lines(path: str) -> List[Dict[str, Any]]:
    """The JSON objects of a JSON-lines file; a truncated or bad line is skipped with a warning
    (an attack killed mid-write leaves one)."""
    records = []
    with open(path, encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                logger.warning("%s:%d is not a JSON object; skipped.", path, number)
                continue
            if isinstance(record, dict):
                records.append(record)
    return records


def _summary(path: str) -> Dict[str, Any]:
    summary_path = f"{path}.summary.json"
    if not os.path.isfile(summary_path):
        summary_path = os.path.splitext(path)[0] + ".summary.json"
    if not os.path.isfile(summary_path):
        return {}
    try:
        with open(summary_path, encoding="utf-8") as summary_file:
            summary = json.load(summary_file)
    except (OSError, json.JSONDecodeError):
        return {}
    return summary if isinstance(summary, dict) else {}


def _most_common(values: List[Any]) -> Optional[str]:
    values = [str(value) for value in values if value not in (None, "")]
    return Counter(values).most_common(1)[0][0] if values else None


def _attack_outcome(
    records: List[Dict[str, Any]], statuses: Counter, summary: Dict[str, Any]
) -> Tuple[Optional[float], Optional[float]]:
    """
    `(original accuracy, attack success rate)` of a model-in-the-loop split, with TextAttack's
    definitions: original accuracy = (examples - skipped) / examples (skipped = already wrong),
    success rate = succeeded / (succeeded + failed). Without statuses, the original accuracy
    falls back to `original_prediction` vs `label` and the success rate to the summary.
    """
    total = len(records)
    if statuses and set(statuses) <= {"succeeded", "failed", "skipped"}:
        attempted = statuses["succeeded"] + statuses["failed"]
        success_rate = statuses["succeeded"] / attempted if attempted else None
        return (total - statuses["skipped"]) / total, success_rate
    judged = [
        record for record in records
        if record.get("original_prediction") is not None and record.get("label") is not None
    ]
    original_accuracy = (
        sum(str(r["original_prediction"]) == str(r["label"]) for r in judged) / len(judged)
        if judged else None
    )
    # `<split>.summary.json` (xfuse-attack) gives percentages, as TextAttack prints them
    reported = (summary.get("all") or {}).get("attack_success_rate")
    success_rate = float(reported) / 100.0 if isinstance(reported, (int, float)) else None
    return original_accuracy, success_rate


def _language_file(records: List[Dict[str, Any]], path: str, target: str, language: str,
                   split_dir: str) -> str:
    """
    Writes the `language` records of a multi-language split to their own file under
    `split_dir` (only when its content changed: the evaluation cache keys on modification
    times) and returns its path.
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
    records = read_json_lines(path)
    if not records:
        logger.warning("Adversarial split %s has no records; skipped.", path)
        return []
    name_parts = os.path.basename(path).split(".")
    recipe = _most_common([record.get("recipe") for record in records]) or (
        name_parts[1] if len(name_parts) > 2 else "adversarial"
    )
    target = os.path.relpath(os.path.dirname(os.path.abspath(path)), os.path.abspath(root))
    target = "" if target == "." else target.replace(os.sep, "/")
    statuses = Counter(str(record.get("status")) for record in records if record.get("status"))
    # Model-agnostic: perturbed records, or a split in the shared directory; an attack's
    # records (succeeded/failed/skipped) are model-in-the-loop wherever they are.
    shared = (set(statuses) == {PERTURBED}) if statuses else target in SHARED_DIRECTORIES
    shared = shared or target == "shared"
    summary = _summary(path)
    archive = summary.get("archive") or summary.get("archive_file")

    by_language: Dict[Optional[str], List[Dict[str, Any]]] = {}
    path_language = infer_language(path)
    for record in records:
        language = record.get("language") or path_language
        by_language.setdefault(str(language) if language else None, []).append(record)
    if len(by_language) > 1 and split_dir is None:
        raise ValueError(f"{path} holds several languages; pass a directory to divide it into")

    splits = []
    for language, group in by_language.items():
        group_statuses = Counter(str(r.get("status")) for r in group if r.get("status"))
        original_accuracy, success_rate = None, None
        if not shared:
            language_summary = dict(summary)
            language_summary["all"] = (summary.get("languages") or {}).get(language) or (
                summary.get("all") if len(by_language) == 1 else None
            )
            original_accuracy, success_rate = _attack_outcome(
                group, group_statuses, language_summary
            )
        split_path = path
        if len(by_language) > 1 and language is not None:
            split_path = _language_file(group, path, target, language, split_dir)
        splits.append(
            AdversarialSplit(
                path=split_path, language=language, recipe=recipe, target=target,
                shared=shared, num_examples=len(group), statuses=dict(group_statuses),
                original_accuracy=original_accuracy, success_rate=success_rate,
                archive=str(archive) if archive else None, source=path,
            )
        )
    return splits
