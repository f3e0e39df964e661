"""The robustness drop (clean minus adversarial accuracy) per language."""
from typing import List, Optional

from allennlp_xfuse.report.plots.figure_files import new_figure, save_png
from allennlp_xfuse.report.plots.grouped_bars import draw_row_bars
from allennlp_xfuse.report.plots.table_data import (
    PLOT_COLUMNS,
    find_row,
    model_color,
    representative_models,
)
from allennlp_xfuse.report.table import Table


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
