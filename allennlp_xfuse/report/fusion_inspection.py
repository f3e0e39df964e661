"""
`allennlp xfuse-inspect`: the AIF weights of one archive per language (and per AIF step): mean and
spread over real tokens of `1 - W`, the share each step takes from its lower layer.
"""
import os
from dataclasses import dataclass
from typing import Dict, List, Optional

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.atomic_files import atomic_write_json
from allennlp_xfuse.data.languages import in_pawsx_order
from allennlp_xfuse.report.archive_evaluation import ArchiveEvaluation
from allennlp_xfuse.report.discovery import find_clean_splits
from allennlp_xfuse.report.model_identity import identify_model
from allennlp_xfuse.report.records import FusionWeightStats


@dataclass
class Inspection:
    """
    # Parameters

    archive : `str`
    stats : `Dict[str, List[FusionWeightStats]]`
        Language -> statistics of every AIF step (top step first).
    metrics : `Dict[str, Dict]`
        Evaluated data path -> AllenNLP's metrics on it.
    files : `Dict[str, str]`
        `json` / `plot` -> written path (when an output directory was given).
    """

    archive: str
    stats: Dict[str, List[FusionWeightStats]]
    metrics: Dict[str, Dict]
    files: Dict[str, str]


def inspect_fusion_weights(
    archive_file: str,
    data_path: str,
    output_dir: Optional[str] = None,
    cuda_device: int = -1,
    batch_size: Optional[int] = None,
) -> Inspection:
    """
    Runs the archive's model over `data_path` with AllenNLP's evaluation and collects its AIF
    weights per language. `data_path` is anything the archive's reader accepts (a file, a
    comma-separated list, a glob; languages from the instances' metadata), or a directory, whose
    clean split of every language is evaluated.
    """
    evaluation = ArchiveEvaluation(archive_file, cuda_device=cuda_device, batch_size=batch_size)
    try:
        if not evaluation.collector.active:
            raise ConfigurationError(
                f"{archive_file}: the model has no fusion encoder (dlfa / aif), so no AIF weights."
            )
        identity = identify_model(
            evaluation.archive.config.as_dict(quiet=True),
            os.path.basename(os.path.dirname(os.path.abspath(archive_file))),
        )
        evaluation.collector.step_labels = identity.step_labels(
            len(identity.layers) - 1 if identity.layers else 0
        )
        splits = (
            find_clean_splits(data_path) if os.path.isdir(data_path) else {None: data_path}
        )
        if not splits:
            raise FileNotFoundError(f"No PAWS-X split found under {data_path}")
        stats: Dict[str, List[FusionWeightStats]] = {}
        metrics: Dict[str, Dict] = {}
        for language, path in splits.items():
            result = evaluation.evaluate(path, language=language)
            metrics[path] = result.metrics
            stats.update(result.fusion_weights)
    finally:
        evaluation.close()
    if not stats:
        raise ConfigurationError(
            f"{archive_file}: the fusion encoder kept no weights (fusion: {identity.fusion!r}; "
            "only \"aif\" fusion has attention weights)."
        )
    ordered = {language: stats[language] for language in in_pawsx_order(stats)}
    files: Dict[str, str] = {}
    if output_dir:
        from allennlp_xfuse.report.plots.fusion_weights import plot_fusion_weight_bars

        files["json"] = os.path.join(output_dir, "fusion_weights.json")
        atomic_write_json(
            files["json"],
            {
                "archive": os.path.abspath(archive_file),
                "data": data_path,
                "model": identity.model,
                "quantity": "1 - W over real tokens: mean, std over tokens of the "
                "channel-averaged value, number of tokens",
                "languages": {
                    language: [vars(item) for item in items] for language, items in ordered.items()
                },
                "metrics": metrics,
            },
        )
        plot = plot_fusion_weight_bars(
            ordered, os.path.join(output_dir, "fusion_weights.png"),
            title=f"{identity.model}: share taken from the lower layer (1 − W)",
        )
        if plot:
            files["plot"] = plot
    return Inspection(archive=archive_file, stats=ordered, metrics=metrics, files=files)



def format_inspection(stats: Dict[str, List[FusionWeightStats]]) -> str:
    """A plain-text table: language, step, mean and std of 1 − W, tokens."""
    rows = [("language", "step", "mean 1-W", "std", "tokens")]
    for language, items in stats.items():
        for item in items:
            std = "-" if item.std is None else f"{item.std:.4f}"
            rows.append((language, item.step, f"{item.mean:.4f}", std, str(item.num_tokens)))
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if column < 2 else cell.rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines)
