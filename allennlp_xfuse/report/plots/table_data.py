"""Pulling plot-ready numbers out of results tables."""
import math
from typing import List, Optional, Sequence

from allennlp_xfuse.report.languages import LANGUAGES
from allennlp_xfuse.report.table import LAYER_SWEEP_FAMILY, Row, Table

#: The columns the figures show: every language, then their average.
PLOT_COLUMNS = LANGUAGES + ("avg",)


def row_label(row: Row) -> str:
    return row.model if row.step is None else f"{row.model} {row.step}"


def means(row: Optional[Row], columns: Sequence[str]) -> List[float]:
    """Cell means of `row` in `columns`, NaN where missing (matplotlib leaves those out)."""
    return [_value(row, column, "mean") for column in columns]


def stds(row: Optional[Row], columns: Sequence[str]) -> List[float]:
    """Cell sample stds (0 for a single seed or a missing cell), for error bars."""
    values = [_value(row, column, "std") for column in columns]
    return [0.0 if math.isnan(value) else value for value in values]


def _value(row: Optional[Row], column: str, attribute: str) -> float:
    if row is None or row.cells.get(column) is None:
        return math.nan
    value = getattr(row.cells[column], attribute)
    return math.nan if value is None else float(value)


def find_row(table: Optional[Table], model: str) -> Optional[Row]:
    if table is None:
        return None
    return next((row for row in table.rows if row.model == model), None)


def _overall(row: Row) -> float:
    """The row's avg, or the mean of whatever language means it has (partial evaluations)."""
    if row.cells.get("avg") is not None:
        return row.cells["avg"].mean  # type: ignore[union-attr]
    values = [cell.mean for cell in row.cells.values() if cell is not None]
    return sum(values) / len(values) if values else -math.inf


def representative_models(
    clean: Optional[Table], limit: int = 6, shown: Optional[Table] = None
) -> List[str]:
    """
    The models a comparison figure shows: the baseline(s), the best fusion layer (dlfa row with
    the best clean average) and the other fusion models (aif ...), at most `limit`. With
    `shown`, the best fusion layer is chosen among the dlfa rows that table has (an attack may
    have been run against some layers only).
    """
    if clean is None or not clean.rows:
        return []
    sweep = [row for row in clean.rows if row.family == LAYER_SWEEP_FAMILY]
    if shown is not None:
        present = {row.model for row in shown.rows}
        sweep = [row for row in sweep if row.model in present] or sweep
    best = max(sweep, key=_overall) if sweep else None
    chosen = [
        row.model
        for row in clean.rows
        if (row.family != LAYER_SWEEP_FAMILY) or row is best
    ]
    return chosen[:limit]


def model_color(clean: Optional[Table], model: str) -> str:
    """A colour per model that stays the same across panels and figures (its clean-table row)."""
    models = [row.model for row in clean.rows] if clean is not None else []
    return f"C{(models.index(model) if model in models else len(models)) % 10}"
