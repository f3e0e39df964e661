"""
The report's PNG figures, drawn from its tables: the accuracy heatmap (fusion layer x language,
clean and under each attack), grouped bars of baseline vs fusion models (clean vs adversarial),
the robustness drop per language, and the interpretability figures (mean 1 − W per AIF step and
language: a heatmap for the report, bars for `xfuse-inspect`). `write_plots` draws every report
figure that has data.

matplotlib (Agg backend, object API) is imported inside the functions that draw, so importing
this module does not import it.
"""
import math
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

from allennlp_xfuse.atomic_files import atomic_path
from allennlp_xfuse.data.languages import PAWSX_LANGUAGES, in_pawsx_order
from allennlp_xfuse.report.records import FusionWeightStats
from allennlp_xfuse.report.tables import LAYER_SWEEP_FAMILY, Row, Table

#: The columns the figures show: every language, then their average.
PLOT_COLUMNS = PAWSX_LANGUAGES + ("avg",)


def write_plots(
    tables: List[Table], fusion_table: Optional[Table], output_dir: str
) -> Dict[str, str]:
    """
    Writes the report's figures into `output_dir` and returns name -> path for those that had
    data (a report without adversarial splits has no drop figure, without fusion models no
    interpretability figure).
    """
    makers = {
        "accuracy_heatmap": lambda path: plot_accuracy_heatmap(tables, path),
        "accuracy_bars": lambda path: plot_accuracy_bars(tables, path),
        "robustness_drop": lambda path: plot_robustness_drop(tables, path),
        "fusion_weights": lambda path: plot_fusion_weight_heatmap(fusion_table, path),
    }
    written = {}
    for name, make in makers.items():
        path = make(os.path.join(output_dir, f"{name}.png"))
        if path is not None:
            written[name] = path
    return written


# -- the figures --------------------------------------------------------------------------------


def plot_accuracy_heatmap(tables: List[Table], path: str) -> Optional[str]:
    """
    One panel for clean accuracy and one per adversarial recipe, rows = models in table order
    (baseline, dlfa by fusion layer, aif), columns = languages and avg, one shared colour scale so
    the panels compare by colour. Returns `path`, or `None` when there is no accuracy table.
    """
    panels = [table for table in tables if table.quantity == "accuracy"]
    if not panels:
        return None
    models: List[str] = []
    for table in panels:
        models.extend(row.model for row in table.rows if row.model not in models)
    matrices = [
        [means(find_row(table, model), PLOT_COLUMNS) for model in models] for table in panels
    ]
    vmin, vmax = value_range(matrices)
    figure, axes = new_figure(
        len(panels), width=1.0 + 0.7 * len(PLOT_COLUMNS), height=1.5 + 0.45 * len(models)
    )
    image = None
    for panel, table, matrix in zip(axes, panels, matrices):
        title = "clean" if table.recipe is None else f"adversarial: {table.recipe}"
        image = draw_heatmap(panel, matrix, models, PLOT_COLUMNS, title, vmin, vmax)
        panel.set_xlabel("language")
    axes[0].set_ylabel("model (dlfa@k: fusion layer k)")
    figure.colorbar(image, ax=axes, label="accuracy (%)", shrink=0.9)
    figure.suptitle("PAWS-X accuracy by fusion layer and language")
    return save_png(figure, path)


def plot_accuracy_bars(tables: List[Table], path: str) -> Optional[str]:
    """
    One panel per adversarial recipe (or a single clean-only panel): for each language, a solid
    bar (clean) and a hatched bar (adversarial) per model — the baseline, the best fusion layer
    and the other fusion models — with ± std error bars. Returns `path` or `None`.
    """
    clean = next((table for table in tables if table.name == "clean_accuracy"), None)
    if not representative_models(clean):
        return None
    adversarial = [table for table in tables if table.name.startswith("adversarial_accuracy/")]
    panels: List[Optional[Table]] = list(adversarial) or [None]
    figure, axes = new_figure(len(panels), width=1.5 + 0.9 * len(PLOT_COLUMNS), height=4.2)
    for panel, adversarial_table in zip(axes, panels):
        models = representative_models(clean, shown=adversarial_table)
        colors = [model_color(clean, model) for model in models]
        width = 0.8 / (len(models) * (2 if adversarial else 1))
        position = 0
        for model, color in zip(models, colors):
            series = [("clean", clean, None)]
            if adversarial_table is not None:
                series.append(("adversarial", adversarial_table, "//"))
            for kind, table, hatch in series:
                draw_row_bars(panel, find_row(table, model), PLOT_COLUMNS, position, width,
                              color=color, hatch=hatch, edgecolor="white" if hatch else color,
                              alpha=0.6 if hatch else 1.0, label=f"{model} ({kind})")
                position += 1
        panel.set_xticks(range(len(PLOT_COLUMNS)), labels=list(PLOT_COLUMNS))
        panel.set_xlabel("language")
        panel.set_ylabel("accuracy (%)")
        panel.set_ylim(0, 100)
        recipe = "" if adversarial_table is None else f" vs {adversarial_table.recipe}"
        panel.set_title(f"clean{recipe}")
        panel.legend(fontsize=7, ncol=len(models), loc="upper center", bbox_to_anchor=(0.5, -0.14))
    figure.suptitle("Baseline vs fusion, clean vs adversarial")
    return save_png(figure, path)


def plot_robustness_drop(tables: List[Table], path: str) -> Optional[str]:
    """
    One panel per recipe: for each language, the accuracy drop of the baseline, the best fusion
    layer and the other fusion models (± std error bars). Lower is more robust.
    Returns `path`, or `None` without adversarial results.
    """
    drops = [table for table in tables if table.quantity == "drop"]
    clean = next((table for table in tables if table.name == "clean_accuracy"), None)
    if not drops:
        return None
    figure, axes = new_figure(len(drops), width=1.5 + 0.8 * len(PLOT_COLUMNS), height=4.0)
    for panel, table in zip(axes, drops):
        models = representative_models(clean, shown=table) or [row.model for row in table.rows]
        width = 0.8 / len(models)
        for position, model in enumerate(models):
            draw_row_bars(panel, find_row(table, model), PLOT_COLUMNS, position, width,
                          color=model_color(clean, model), label=model)
        panel.axhline(0.0, color="black", linewidth=0.8)
        panel.set_xticks(range(len(PLOT_COLUMNS)), labels=list(PLOT_COLUMNS))
        panel.set_xlabel("language")
        panel.set_ylabel("accuracy drop (percentage points)")
        panel.set_title(f"{table.recipe}: clean − adversarial (lower = more robust)")
        panel.legend(fontsize=8, ncol=len(models), loc="upper center", bbox_to_anchor=(0.5, -0.14))
    figure.suptitle("Robustness drop per language")
    return save_png(figure, path)


def plot_fusion_weight_heatmap(table: Optional[Table], path: str) -> Optional[str]:
    """
    Heatmap of mean 1 − W (over real tokens and seeds) with rows = fusion model and AIF step,
    columns = languages: the report's interpretability figure. Returns `path` or `None`.
    """
    if table is None or not table.rows:
        return None
    labels = [row_label(row) for row in table.rows]
    matrix = [means(row, PLOT_COLUMNS) for row in table.rows]
    figure, axes = new_figure(
        1, width=2.0 + 0.7 * len(PLOT_COLUMNS), height=1.6 + 0.4 * len(labels)
    )
    image = draw_heatmap(axes[0], matrix, labels, PLOT_COLUMNS,
                         "share taken from the lower layer: mean 1 − W over real tokens",
                         decimals=3, cmap="magma")
    axes[0].set_xlabel("language")
    axes[0].set_ylabel("model, AIF step (lower layer)")
    figure.colorbar(image, ax=axes, label="mean 1 − W")
    return save_png(figure, path)


def plot_fusion_weight_bars(
    stats: Dict[str, List[FusionWeightStats]],
    path: str,
    title: str = "AIF weights per language",
    languages: Optional[Sequence[str]] = None,
) -> Optional[str]:
    """
    Bars of mean 1 − W per language, one bar per AIF step: `allennlp xfuse-inspect`'s figure
    for one model. The error bars show the spread across channels (1 − W of the channels at the
    10 % and 90 % quantiles of the per-channel mean W) when the statistics carry it
    (`FusionWeightStats`), else ± the std over tokens, which is near 0 by construction under
    `norm: layer_norm` (the last LayerNorm centres the gate's input across channels).

    # Parameters

    stats : `Dict[str, List[FusionWeightStats]]`
        Language -> the statistics of every step, top step first.
    path : `str`
        Where to write the PNG.
    title : `str`, optional (default = `"AIF weights per language"`)
        The figure's title.
    languages : `Optional[Sequence[str]]`, optional (default = `None`)
        Order of the languages; PAWS-X order, then any others, by default.
    """
    if not stats:
        return None
    if languages is None:
        languages = in_pawsx_order(stats)
    steps: List[str] = []
    for language in languages:
        steps.extend(item.step for item in stats[language] if item.step not in steps)
    figure, axes = new_figure(1, width=1.5 + 0.9 * len(languages), height=4.0)
    width = 0.8 / max(1, len(steps))
    per_channel = all(
        getattr(item, "channel_q10", None) is not None for items in stats.values() for item in items
    )
    for position, step in enumerate(steps):
        values: List[float] = []
        # (below, above) each bar's value
        errors: Tuple[List[float], List[float]] = ([], [])
        for language in languages:
            item = next((s for s in stats[language] if s.step == step), None)
            values.append(math.nan if item is None else item.mean)
            if item is None:
                spread = (0.0, 0.0)
            elif per_channel:
                # 1 - W decreases with W: the channel at q90 of W bounds the bar from below
                spread = (max(item.mean - (1.0 - item.channel_q90), 0.0),  # type: ignore
                          max(1.0 - item.channel_q10 - item.mean, 0.0))  # type: ignore
            else:
                spread = (item.std or 0.0, item.std or 0.0)
            errors[0].append(spread[0])
            errors[1].append(spread[1])
        axes[0].bar(bar_offsets(position, width, len(languages)), values, width, yerr=errors,
                    capsize=2, color=f"C{position}", label=f"step {step}")
    axes[0].set_xticks(range(len(languages)), labels=list(languages))
    axes[0].set_ylim(0, 1)
    axes[0].set_xlabel("language")
    axes[0].set_ylabel(
        "1 − W: mean, bars q10–q90 across channels" if per_channel
        else "1 − W (mean ± std over tokens)"
    )
    axes[0].set_title(title)
    axes[0].legend(fontsize=8)
    return save_png(figure, path)


# -- drawing ------------------------------------------------------------------------------------


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


def bar_offsets(position: int, width: float, num_groups: int) -> List[float]:
    """
    The x positions of the `position`-th bar (of bars `width` wide) in each of `num_groups`
    groups, group `i` spanning 0.8 around `i`.
    """
    return [index - 0.4 + width * (position + 0.5) for index in range(num_groups)]


# -- numbers from tables ------------------------------------------------------------------------


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


def _overall(row: Row) -> float:
    """The row's avg, or the mean of whatever language means it has (partial evaluations)."""
    if row.cells.get("avg") is not None:
        return row.cells["avg"].mean  # type: ignore[union-attr]
    values = [cell.mean for cell in row.cells.values() if cell is not None]
    return sum(values) / len(values) if values else -math.inf


def model_color(clean: Optional[Table], model: str) -> str:
    """A colour per model that stays the same across panels and figures (its clean-table row)."""
    models = [row.model for row in clean.rows] if clean is not None else []
    return f"C{(models.index(model) if model in models else len(models)) % 10}"


# -- figure files -------------------------------------------------------------------------------


def new_figure(num_axes: int = 1, width: float = 6.0, height: float = 4.0, **kwargs: Any) -> Tuple:
    """
    Returns `(figure, axes)` with `num_axes` subplots side by side (`axes` is always a list).

    The Agg backend is selected explicitly, and through the object API (no pyplot global state),
    so plotting works without a display and from any thread.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * num_axes, height), layout="constrained")
    axes = figure.subplots(1, num_axes, squeeze=False, **kwargs)[0]
    return figure, list(axes)


def save_png(figure: Any, path: str, dpi: int = 130) -> str:
    """Saves `figure` to `path` as PNG atomically (see `allennlp_xfuse.atomic_files`)."""
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi)
    return path
