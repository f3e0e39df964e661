"""Grouped bar charts: one group of bars per column, one bar per series in each group."""
from typing import Any, List, Optional, Sequence

from allennlp_xfuse.report.plots.table_data import means, stds
from allennlp_xfuse.report.table import Row


def bar_offsets(position: int, width: float, num_groups: int) -> List[float]:
    """
    The x positions of the `position`-th bar (of bars `width` wide) in each of `num_groups`
    groups, group `i` spanning 0.8 around `i`.
    """
    return [index - 0.4 + width * (position + 0.5) for index in range(num_groups)]


def draw_row_bars(
    axes: Any,
    row: Optional[Row],
    columns: Sequence[str],
    position: int,
    width: float,
    **style: Any,
) -> None:
    """
    Draws the cell means of `row` in `columns` as the `position`-th bar of each column's group,
    with ± std error bars; `style` goes to matplotlib's `bar` (colour, label, hatch ...).
    """
    offsets = bar_offsets(position, width, len(columns))
    axes.bar(offsets, means(row, columns), width, yerr=stds(row, columns), capsize=2, **style)
