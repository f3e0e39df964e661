"""The interpretability figures: how much each AIF step takes from its lower layer (1 − W)."""
import math
from typing import Dict, List, Optional, Sequence

from allennlp_xfuse.data.languages import in_pawsx_order
from allennlp_xfuse.report.plots.figure_files import new_figure, save_png
from allennlp_xfuse.report.plots.grouped_bars import bar_offsets
from allennlp_xfuse.report.plots.heatmap import draw_heatmap
from allennlp_xfuse.report.plots.table_data import PLOT_COLUMNS, means, row_label
from allennlp_xfuse.report.records import FusionWeightStats
from allennlp_xfuse.report.table import Table


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
    Bars of mean 1 − W per language, one bar per AIF step, with the spread over tokens (± std)
    as error bars: `allennlp xfuse-inspect`'s figure for one model.

    # Parameters

    stats : `Dict[str, List[FusionWeightStats]]`
        Language -> the statistics of every step, top step first.
    path : `str`
    title : `str`
    languages : `Sequence[str]`, optional
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
    for position, step in enumerate(steps):
        values, errors = [], []
        for language in languages:
            item = next((s for s in stats[language] if s.step == step), None)
            values.append(math.nan if item is None else item.mean)
            errors.append(0.0 if item is None or item.std is None else item.std)
        axes[0].bar(bar_offsets(position, width, len(languages)), values, width, yerr=errors,
                    capsize=2, color=f"C{position}", label=f"step {step}")
    axes[0].set_xticks(range(len(languages)), labels=list(languages))
    axes[0].set_ylim(0, 1)
    axes[0].set_xlabel("language")
    axes[0].set_ylabel("1 − W (mean ± std over tokens)")
    axes[0].set_title(title)
    axes[0].legend(fontsize=8)
    return save_png(figure, path)
