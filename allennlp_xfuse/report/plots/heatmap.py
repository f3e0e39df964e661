"""An annotated heatmap on a matplotlib axes (missing cells left blank)."""
import math
from typing import Any, List, Optional, Sequence


def draw_heatmap(
    axes: Any,
    matrix: Sequence[Sequence[float]],
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    title: str,
    vmin: Optional[float] = None,
    vmax: Optional[float] = None,
    decimals: int = 1,
    cmap: str = "viridis",
) -> Any:
    """
    Draws `matrix` (rows x columns, NaN = missing) with every value written in its cell, and
    returns the image (for a colorbar). Pass the same `vmin`/`vmax` to panels that must be
    comparable by colour.
    """
    import matplotlib
    import numpy

    data = numpy.ma.masked_invalid(numpy.asarray(matrix, dtype=float))
    colormap = matplotlib.colormaps[cmap].with_extremes(bad="#dddddd")  # missing cells: grey
    image = axes.imshow(data, cmap=colormap, vmin=vmin, vmax=vmax, aspect="auto")
    axes.set_xticks(range(len(column_labels)), labels=list(column_labels))
    axes.set_yticks(range(len(row_labels)), labels=list(row_labels))
    axes.set_title(title)
    low, high = image.get_clim()
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            if value is None or math.isnan(value):
                continue
            # dark text on the bright end of the colour map, light text on the dark end
            bright = high > low and (value - low) / (high - low) > 0.6
            axes.text(j, i, f"{value:.{decimals}f}", ha="center", va="center", fontsize=8,
                      color="black" if bright else "white")
    return image


def value_range(matrices: Sequence[Sequence[Sequence[float]]]) -> List[Optional[float]]:
    """`[min, max]` over every non-missing value of `matrices` (`[None, None]` if none)."""
    values = [
        value for matrix in matrices for row in matrix for value in row
        if value is not None and not math.isnan(value)
    ]
    if not values:
        return [None, None]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        # one value everywhere: an explicit range around it, so every panel colours it alike
        low, high = low - 1.0, high + 1.0
    return [low, high]
