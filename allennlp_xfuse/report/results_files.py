"""
Writing a report's results files: `report.md` (the tables rendered as Markdown, then extra
sections), `results.csv` (one line per table cell) and `results.json` (the tables, every record
they were built from, and whatever the caller adds), each written atomically.
"""
import csv
import io
import os
from typing import Any, Dict, List, Optional, Sequence

from allennlp_xfuse.atomic_files import atomic_write_json, atomic_write_text
from allennlp_xfuse.data.languages import LANGUAGE_GROUPS
from allennlp_xfuse.report.records import MetricsRecord
from allennlp_xfuse.report.statistics import ALPHA, CONFIDENCE, RESAMPLES
from allennlp_xfuse.report.tables import (
    ACROSS_TASKS,
    COLUMNS,
    GROUP_ORDER,
    PER_MODEL_ATTACKS,
    ROBUST_TRAINING,
    Summary,
    Table,
)

MISSING = "–"

CSV_FIELDS = (
    "table", "quantity", "kind", "recipe", "unit", "model", "step", "family", "fusion_layer",
    "seeds", "column", "mean", "std", "n", "best", "ci_low", "ci_high", "p_value", "p_adjusted",
    "test", "significant", "task",
)

# What report.md says under a group's heading.
GROUP_INTROS = {
    ACROSS_TASKS: (
        "The paper's four tasks, each on its own languages: PAWS-X and XNLI accuracy, NER "
        "(PAN-X) span F1, POS (UD) accuracy, in %. Columns: the task's languages found, then "
        "avg (every language present, English included), enf (the languages of English's "
        "family, Indo-European, without English) and non-enf (every other family), as Glottolog "
        "classifies them (`LANGUAGE_FAMILIES` in allennlp_xfuse/data/languages.py); each table "
        "says which languages its groups hold. The PAWS-X sections below keep their own tables."
    ),
    PER_MODEL_ATTACKS: (
        "Each model here is attacked on its own: a model-in-the-loop attack builds different "
        "examples against each model, so these rows saw different inputs and their differences "
        "mix robustness with how hard each attack happened to be. They are not a like-for-like "
        "comparison (no paired tests); the transfer and union tables above are."
    ),
    ROBUST_TRAINING: (
        "Each model trained on the English data alone (standard) and on it plus a perturbed "
        "copy (robust, `+robust`), on the same splits; differences are plain differences of "
        "the seed means, without a paired test."
    ),
}

STATISTICS_LEGEND = (
    f"[lo, hi] = {CONFIDENCE:.0%} percentile bootstrap confidence interval ({RESAMPLES:,} "
    "resamples of the examples; with several seeds, of the seed-averaged per-example "
    "correctness; an average resamples each language on its own). "
    "Δ tables: accuracy minus the baseline's on the same examples, p = paired two-sided test "
    "(McNemar's exact test for one run each, else a paired bootstrap), * = significant at "
    f"{ALPHA} after Holm's adjustment over the table's comparisons.\n"
)


def write_results(
    output_dir: str,
    tables: List[Table],
    records: Sequence[MetricsRecord] = (),
    sections: Sequence[str] = (),
    extra: Optional[Dict[str, Any]] = None,
) -> Dict[str, str]:
    """
    Writes `report.md`, `results.csv` and `results.json` into `output_dir`, each atomically.
    `results.json` also holds every record the tables were built from and `extra` (data sources,
    plot paths). Returns the written paths by name.
    """
    paths = {
        "report": os.path.join(output_dir, "report.md"),
        "csv": os.path.join(output_dir, "results.csv"),
        "json": os.path.join(output_dir, "results.json"),
    }
    atomic_write_text(paths["report"], render_report(tables, sections=sections))
    atomic_write_text(paths["csv"], tables_to_csv(tables))
    document: Dict[str, Any] = {
        "columns": list(COLUMNS),
        "averages": {name: list(languages) for name, languages in LANGUAGE_GROUPS.items()},
        "std": "sample standard deviation over seeds (ddof = 1); null for a single seed",
        "statistics": STATISTICS_LEGEND.strip(),
        "tables": tables_to_json(tables),
        "records": [record.to_dict() for record in records],
    }
    document.update(extra or {})
    atomic_write_json(paths["json"], document)
    return paths


# -- report.md ----------------------------------------------------------------------------------


def render_report(
    tables: List[Table],
    title: str = "allennlp-xfuse results",
    sections: Sequence[str] = (),
) -> str:
    """
    The whole report.md: `render_tables`, then extra `sections` (already Markdown: data
    sources, plots).
    """
    return "\n".join(
        [render_tables(tables, title)] + [section.rstrip("\n") + "\n" for section in sections]
    )


def render_tables(tables: List[Table], title: str = "allennlp-xfuse results") -> str:
    """
    The tables part of report.md: a title, a legend, and every table under its title, grouped
    under the heading of its `group` (tables without one keep their order, after the groups).
    """
    ranked = sorted(
        tables,
        key=lambda t: GROUP_ORDER.index(t.group) if t.group in GROUP_ORDER else len(GROUP_ORDER),
    )
    # with other tasks' tables, say which tables this legend is about (theirs say their own)
    scope = "In the PAWS-X tables, r" if any(t.task != "pawsx" for t in tables) else "R"
    parts = [
        f"# {title}\n",
        f"{scope}ows are models, columns the PAWS-X languages; avg = mean of the 7 languages, "
        "enf = mean of de, es, fr (English's family), non-enf = mean of ja, ko, zh. "
        "Accuracy and success rate in %, drop in percentage points; "
        "mean ± sample std (ddof = 1) over seeds when a model has several runs (seeds = number of "
        "runs). **Bold**: best fusion layer (dlfa) in that column — highest accuracy, lowest drop "
        "or success rate — chosen on that column's own data, hence exploratory (the layer chosen "
        "on English dev is named as such). An average is shown only when a run has all of its "
        "languages. "
        f"{MISSING} = not evaluated.\n",
    ]
    if any(_has_statistics(table) for table in tables):
        parts.append(STATISTICS_LEGEND)
    group = None
    for table in ranked:
        if table.group and table.group != group:
            group = table.group
            parts.append(f"## {group}\n")
            if group in GROUP_INTROS:
                parts.append(GROUP_INTROS[group] + "\n")
        unit = {"%": " (%)", "pp": " (pp)"}.get(table.unit, "")
        parts.append(f"{'###' if table.group else '##'} {table.title}{unit}\n")
        if table.note:
            parts.append(table.note + "\n")
        parts.append(render_table(table))
    return "\n".join(parts)


def _has_statistics(table: Table) -> bool:
    return any(
        cell is not None and (cell.ci_low is not None or cell.p_value is not None)
        for row in table.rows for cell in row.cells.values()
    )


def render_table(table: Table) -> str:
    """One Markdown table: model (and step), seeds, then every column; best cells in bold."""
    has_steps = any(row.step is not None for row in table.rows)
    columns = table.column_names
    header = ["model"] + (["step"] if has_steps else []) + ["seeds"] + list(columns)
    align = [":--"] + ([":--"] if has_steps else []) + ["--:"] * (1 + len(columns))
    lines = [_line(header), _line(align)]
    for row in table.rows:
        cells = [row.model] + ([row.step or ""] if has_steps else []) + [
            str(len(row.runs))
        ]
        for column in columns:
            summary = row.cells[column]
            if table.quantity == "difference":
                text = format_difference(summary, table.decimals, column in row.significant)
            else:
                text = format_summary(summary, table.decimals)
            cells.append(f"**{text}**" if column in row.best else text)
        lines.append(_line(cells))
    return "\n".join(lines) + "\n"


def format_summary(summary: Optional[Summary], decimals: int) -> str:
    """
    `"85.7 ± 1.2"`, `"85.7"` for a single seed, `"–"` when missing; followed by the confidence
    interval where there is one: `"85.2 [83.6, 86.7]"`.
    """
    if summary is None:
        return MISSING
    text = _format_number(summary.mean, decimals)
    if summary.std is not None:
        text += f" ± {_format_number(summary.std, decimals)}"
    if summary.ci_low is not None and summary.ci_high is not None:
        text += (f" [{_format_number(summary.ci_low, decimals)}, "
                 f"{_format_number(summary.ci_high, decimals)}]")
    return text


def format_difference(summary: Optional[Summary], decimals: int, significant: bool) -> str:
    """`"+2.5 (p 0.011) *"`: a difference in points, its p-value, `*` where significant."""
    if summary is None:
        return MISSING
    text = _format_number(summary.mean, decimals)
    if not text.startswith("-") and float(text) != 0.0:
        text = "+" + text
    if summary.p_value is not None:
        shown = "< 0.001" if summary.p_value < 0.001 else f"{summary.p_value:.3f}"
        text += f" (p {shown})"
    return text + (" *" if significant else "")


def _format_number(value: float, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    # "-0.0" reads like a (tiny) negative drop; it is a zero at this precision.
    if text.startswith("-") and float(text) == 0.0:
        text = text[1:]
    return text


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


# -- results.csv and results.json ---------------------------------------------------------------


def tables_to_csv(tables: List[Table]) -> str:
    """Long format, one line per (table, row, column) with a value: easy to load in pandas."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for table in tables:
        for row in table.rows:
            for column in table.column_names:
                summary = row.cells.get(column)
                if summary is None:
                    continue
                writer.writerow(
                    {
                        "table": table.name,
                        "quantity": table.quantity,
                        "kind": table.kind,
                        "recipe": table.recipe or "",
                        "unit": table.unit,
                        "model": row.model,
                        "step": row.step or "",
                        "family": row.family,
                        "fusion_layer": "" if row.fusion_layer is None else row.fusion_layer,
                        "seeds": len(row.runs),
                        "column": column,
                        "mean": repr(summary.mean),
                        "std": "" if summary.std is None else repr(summary.std),
                        "n": summary.n,
                        "best": int(column in row.best),
                        "ci_low": _optional(summary.ci_low),
                        "ci_high": _optional(summary.ci_high),
                        "p_value": _optional(summary.p_value),
                        "p_adjusted": _optional(summary.p_adjusted),
                        "test": summary.test or "",
                        "significant": int(column in row.significant),
                        "task": table.task,
                    }
                )
    return buffer.getvalue()


def tables_to_json(tables: List[Table]) -> List[Dict[str, Any]]:
    """Tables as JSON-able dicts; a cell is `{"mean", "std", "n", "best"}` or null."""
    return [
        {
            "name": table.name,
            "title": table.title,
            "quantity": table.quantity,
            "kind": table.kind,
            "recipe": table.recipe,
            "unit": table.unit,
            "higher_is_better": table.higher_is_better,
            "group": table.group,
            "identical_inputs": table.identical_inputs,
            "task": table.task,
            "columns": list(table.column_names),
            "rows": [
                {
                    "model": row.model,
                    "step": row.step,
                    "family": row.family,
                    "fusion_layer": row.fusion_layer,
                    "runs": row.runs,
                    "seeds": row.seeds,
                    "cells": {
                        column: _cell(row.cells.get(column), column in row.best,
                                      column in row.significant)
                        for column in table.column_names
                    },
                }
                for row in table.rows
            ],
        }
        for table in tables
    ]


def _cell(summary: Optional[Summary], best: bool, significant: bool) -> Optional[Dict[str, Any]]:
    if summary is None:
        return None
    return {"mean": summary.mean, "std": summary.std, "n": summary.n, "best": best,
            "ci_low": summary.ci_low, "ci_high": summary.ci_high, "p_value": summary.p_value,
            "p_adjusted": summary.p_adjusted, "test": summary.test, "significant": significant}


def _optional(value: Optional[float]) -> str:
    return "" if value is None else repr(value)
