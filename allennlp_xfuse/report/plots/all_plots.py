"""Every report figure at once."""
import os
from typing import Dict, List, Optional

from allennlp_xfuse.report.plots.accuracy_bars import plot_accuracy_bars
from allennlp_xfuse.report.plots.accuracy_heatmap import plot_accuracy_heatmap
from allennlp_xfuse.report.plots.fusion_weights import plot_fusion_weight_heatmap
from allennlp_xfuse.report.plots.robustness_drop import plot_robustness_drop
from allennlp_xfuse.report.table import Table


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
