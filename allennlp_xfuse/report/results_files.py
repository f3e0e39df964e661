"""Writing the results: report.md, results.csv (one line per table cell) and results.json."""
import csv
import io
import os
from typing import Any, Dict, List, Optional, Sequence

from allennlp_xfuse.atomic_files import atomic_write_json, atomic_write_text
from allennlp_xfuse.report.languages import AVERAGE_COLUMNS, COLUMNS
from allennlp_xfuse.report.markdown import render_report
from allennlp_xfuse.report.records import MetricsRecord
from allennlp_xfuse.report.statistics import Summary
from allennlp_xfuse.report.table import Table

CSV_FIELDS = (
    "table", "quantity", "kind", "recipe", "unit", "model", "step", "family", "fusion_layer",
    "seeds", "column", "mean", "std", "n", "best",
)


def _cell(summary: Optional[Summary], best: bool) -> Optional[Dict[str, Any]]:
    if summary is None:
        return None
    return {"mean": summary.mean, "std": summary.std, "n": summary.n, "best": best}


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
        "averages": {name: list(languages) for name, languages in AVERAGE_COLUMNS.items()},
        "std": "sample standard deviation over seeds (ddof = 1); null for a single seed",
        "tables": tables_to_json(tables),
        "records": [record.to_dict() for record in records],
    }
    document.update(extra or {})
    atomic_write_json(paths["json"], document)
    return paths
