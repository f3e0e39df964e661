"""Grouped bars: baseline vs fusion models per language, clean vs adversarial accuracy."""
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
