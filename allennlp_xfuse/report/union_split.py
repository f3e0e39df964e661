"""
The union split of a model-in-the-loop recipe in one language: every example that recipe's
attacks produced against any of the runs, pooled into one file that `allennlp xfuse-report`
writes into its output directory and evaluates every model on. Each model then faces the same
inputs, most of them made against other models, so the union compares robustness like for like.

Each example keeps its source in its id, `<attacked run>/<original id>`, so ids stay unique
across the pooled splits (and an `attacked_run` field says the same in the record); the other
fields are the adversarial split format's (`allennlp_xfuse.data.adversarial_split`).
"""
import json
import logging
import os
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

from allennlp_xfuse.atomic_files import atomic_write_text
from allennlp_xfuse.data.adversarial_split import Record, read_split
from allennlp_xfuse.report.discovery import AdversarialSplit
from allennlp_xfuse.report.records import UNION_TARGET

logger = logging.getLogger(__name__)

#: Where under the report's output directory the union splits are written.
UNION_DIRECTORY = os.path.join("splits", UNION_TARGET)


def union_records(parts: Sequence[Tuple[str, str]]) -> List[Record]:
    """
    The records of every `(source name, split path)` in `parts`, in order, each with its id
    prefixed by its source name. Two sources with the same name, or a source repeating an id,
    are a `ValueError` naming the file: the pooled ids must stay unique.

    # Parameters

    parts : `Sequence[Tuple[str, str]]`
        The attacked run's name (the id prefix) and its split (one language).
    """
    pooled: List[Record] = []
    seen_sources: Dict[str, str] = {}
    for source, path in parts:
        if source in seen_sources:
            raise ValueError(
                f"two splits produced against {source!r} for the same recipe and language: "
                f"{seen_sources[source]} and {path}; keep one of them under the adversarial "
                "directory"
            )
        seen_sources[source] = path
        ids = set()
        for record in read_split(path, strict=False):
            original_id = str(record.get("id"))
            if original_id in ids:
                raise ValueError(
                    f"{path}: id {original_id!r} appears twice; a split needs one record per "
                    "example to be pooled into a union split"
                )
            ids.add(original_id)
            pooled.append({**record, "id": f"{source}/{original_id}", "attacked_run": source})
    return pooled


def write_union_splits(
    splits: Sequence[AdversarialSplit], output_dir: str, names: Dict[str, str]
) -> List[AdversarialSplit]:
    """
    Writes, for every (recipe, language) with model-in-the-loop splits against at least two
    runs, their union to `<output_dir>/splits/union/<language>.<recipe>.jsonl` (atomically, and
    only when its content changed: the evaluation cache keys on modification times), and
    returns the union splits as the report sees them (target `"union"`).

    # Parameters

    splits : `Sequence[AdversarialSplit]`
        The report's adversarial splits; model-agnostic ones and those without a language are
        not pooled.
    output_dir : `str`
        The report's output directory.
    names : `Dict[str, str]`
        Split path -> the name of the run it was produced against (its `target` directory
        where no run matched).
    """
    groups: Dict[Tuple[str, str], List[AdversarialSplit]] = OrderedDict()
    for split in splits:
        if split.shared or split.language is None:
            continue
        groups.setdefault((split.recipe, split.language), []).append(split)
    unions = []
    for (recipe, language), members in groups.items():
        if len(members) < 2:
            continue
        parts = [(names.get(split.path) or split.target or "root", split.path)
                 for split in members]
        records = union_records(parts)
        path = os.path.join(output_dir, UNION_DIRECTORY, f"{language}.{recipe}.jsonl")
        text = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records)
        if not (os.path.isfile(path) and _read(path) == text):
            atomic_write_text(path, text)
        logger.info("Union of %d %s splits in %s: %s (%d examples)", len(members), recipe,
                    language, path, len(records))
        unions.append(
            AdversarialSplit(
                path=path, language=language, recipe=recipe, target=UNION_TARGET, shared=False,
                num_examples=len(records), statuses={}, original_accuracy=None,
                success_rate=None, source=path,
            )
        )
    return unions


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as existing:
        return existing.read()
