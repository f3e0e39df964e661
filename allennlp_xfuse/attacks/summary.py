"""
Robustness figures of an adversarial split, per language, with TextAttack's definitions
(`textattack.metrics.attack_metrics`):

- original accuracy = (examples - skipped) / examples; skipped = already misclassified;
- accuracy under attack = failed / examples;
- attack success rate = succeeded / (succeeded + failed);
- average perturbed word % = mean over successful attacks of changed words / words (x100),
  zero ratios left out; for model-agnostic splits, over the perturbed examples. Changed words
  are counted as a word-level edit distance (see `runner.attack_one`), which equals
  TextAttack's position-by-position count unless an edit changes the number of words;
- average queries = mean model queries over the examples not skipped.

Percentages are rounded to 2 decimals as TextAttack prints them.

Pure Python: importing this module must not import TextAttack.
"""
from collections import OrderedDict
from typing import Any, Dict, List, Optional

from allennlp_xfuse.atomic_files import atomic_write_json

Record = Dict[str, Any]

#: Columns of the printed table: (summary key, header).
TABLE_COLUMNS = (
    ("examples", "examples"),
    ("original_accuracy", "orig acc %"),
    ("accuracy_under_attack", "attacked acc %"),
    ("attack_success_rate", "success %"),
    ("skipped", "skipped"),
    ("avg_perturbed_word_percent", "perturbed words %"),
    ("avg_num_queries", "avg queries"),
)


def _mean(values: List[float]) -> Optional[float]:
    return round(sum(values) / len(values), 2) if values else None


def _percent(part: int, whole: int) -> Optional[float]:
    return round(100.0 * part / whole, 2) if whole else None


def split_metrics(records: List[Record]) -> Dict[str, Any]:
    """The figures of one group of records (see the module docstring)."""
    counts = {status: 0 for status in ("succeeded", "failed", "skipped", "perturbed")}
    for record in records:
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    total = len(records)
    attacked = counts["succeeded"] + counts["failed"]
    model_agnostic = counts["perturbed"] == total and total > 0
    ratio_status = "perturbed" if model_agnostic else "succeeded"
    ratios = [
        100.0 * float(record["perturbed_word_ratio"])
        for record in records
        if record["status"] == ratio_status and record.get("perturbed_word_ratio")
    ]
    queries = [
        float(record["num_queries"])
        for record in records
        if record["status"] != "skipped" and record.get("num_queries") is not None
    ]
    return OrderedDict(
        examples=total,
        succeeded=counts["succeeded"],
        failed=counts["failed"],
        skipped=counts["skipped"],
        perturbed=counts["perturbed"],
        original_accuracy=None if model_agnostic else _percent(total - counts["skipped"], total),
        accuracy_under_attack=None if model_agnostic else _percent(counts["failed"], total),
        attack_success_rate=None
        if model_agnostic
        else (_percent(counts["succeeded"], attacked) if attacked else 0.0),
        avg_perturbed_word_percent=_mean(ratios),
        avg_num_queries=_mean(queries),
    )


def summarize(records: List[Record], **run_info: Any) -> Dict[str, Any]:
    """
    `run_info` (recipe, input, ...) plus the figures of every language (in order of first
    appearance) and of all records together under "all".
    """
    by_language: Dict[str, List[Record]] = OrderedDict()
    for record in records:
        by_language.setdefault(str(record.get("language")), []).append(record)
    return OrderedDict(
        **run_info,
        languages=OrderedDict(
            (language, split_metrics(group)) for language, group in by_language.items()
        ),
        all=split_metrics(records),
    )


def write_summary(path: str, summary: Dict[str, Any]) -> None:
    """Writes `summary` as JSON to `path` atomically (a temporary file renamed over it)."""
    atomic_write_json(path, summary)


def format_table(summary: Dict[str, Any]) -> str:
    """The summary as a plain-text table, one row per language and an "all" row."""
    rows = [("language",) + tuple(header for _, header in TABLE_COLUMNS)]
    groups = list(summary["languages"].items())
    if len(groups) != 1:
        groups.append(("all", summary["all"]))
    for language, metrics in groups:
        rows.append(
            (language,)
            + tuple("-" if metrics[key] is None else str(metrics[key]) for key, _ in TABLE_COLUMNS)
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if column == 0 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
