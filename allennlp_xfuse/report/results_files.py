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
from allennlp_xfuse.report.tables import COLUMNS, Summary, Table

MISSING = "–"

CSV_FIELDS = (
    "table", "quantity", "kind", "recipe", "unit", "model", "step", "family", "fusion_layer",
    "seeds", "column", "mean", "std", "n", "best",
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
    """The tables part of report.md: a title, a legend, and every table under its title."""
    parts = [
        f"# {title}\n",
        "Rows are models, columns the PAWS-X languages; avg = mean of the 7 languages, "
        "enf = mean of de, es, fr (English's family), non-enf = mean of ja, ko, zh. "
        "Accuracy and success rate in %, drop in percentage points; "
        "mean ± sample std (ddof = 1) over seeds when a model has several runs (seeds = number of "
        "runs). **Bold**: best fusion layer (dlfa) in that column — highest accuracy, lowest drop "
        "or success rate. An average is shown only when a run has all of its languages. "
        f"{MISSING} = not evaluated.\n",
    ]
    for table in tables:
        unit = {"%": " (%)", "pp": " (pp)"}.get(table.unit, "")
        parts.append(f"## {table.title}{unit}\n")
        parts.append(render_table(table))
    return "\n".join(parts)


def render_table(table: Table) -> str:
    """One Markdown table: model (and step), seeds, then every column; best cells in bold."""
    has_steps = any(row.step is not None for row in table.rows)
    header = ["model"] + (["step"] if has_steps else []) + ["seeds"] + list(COLUMNS)
    align = [":--"] + ([":--"] if has_steps else []) + ["--:"] * (1 + len(COLUMNS))
    lines = [_line(header), _line(align)]
    for row in table.rows:
        cells = [row.model] + ([row.step or ""] if has_steps else []) + [str(len(row.runs))]
        for column in COLUMNS:
            text = format_summary(row.cells[column], table.decimals)
            cells.append(f"**{text}**" if column in row.best else text)
        lines.append(_line(cells))
    return "\n".join(lines) + "\n"


def format_summary(summary: Optional[Summary], decimals: int) -> str:
    """`"85.7 ± 1.2"`, `"85.7"` for a single seed, `"–"` when missing."""
    if summary is None:
        return MISSING
    text = _format_number(summary.mean, decimals)
    if summary.std is not None:
        text += f" ± {_format_number(summary.std, decimals)}"
    return text


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
            for column in COLUMNS:
                summary = row.cells[column]
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
            "rows": [
                {
                    "model": row.model,
                    "step": row.step,
                    "family": row.family,
                    "fusion_layer": row.fusion_layer,
                    "runs": row.runs,
                    "seeds": row.seeds,
                    "cells": {
                        column: _cell(row.cells[column], column in row.best) for column in COLUMNS
                    },
                }
                for row in table.rows
            ],
        }
        for table in tables
    ]


def _cell(summary: Optional[Summary], best: bool) -> Optional[Dict[str, Any]]:
    if summary is None:
        return None
    return {"mean": summary.mean, "std": summary.std, "n": summary.n, "best": best}
