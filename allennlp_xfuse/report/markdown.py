"""Rendering results tables as Markdown (report.md)."""
from typing import List, Optional, Sequence

from allennlp_xfuse.report.languages import COLUMNS
from allennlp_xfuse.report.statistics import Summary
from allennlp_xfuse.report.table import Table

MISSING = "–"


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


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def render_report(
    tables: List[Table],
    title: str = "allennlp-xfuse results",
    sections: Sequence[str] = (),
) -> str:
    """
    The whole report.md: a legend, every table under its title, then extra `sections`
    (already Markdown: data sources, plots).
    """
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
    parts.extend(section.rstrip("\n") + "\n" for section in sections)
    return "\n".join(parts)
