"""Accuracy heatmap, model (fusion layer) x language: clean and under attack side by side."""
from typing import List, Optional

from allennlp_xfuse.report.plots.figure_files import new_figure, save_png
from allennlp_xfuse.report.plots.heatmap import draw_heatmap, value_range
from allennlp_xfuse.report.plots.table_data import PLOT_COLUMNS, find_row, means
from allennlp_xfuse.report.table import Table


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
