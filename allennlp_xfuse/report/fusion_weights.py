"""
The AIF weights of fusion models: `FusionWeightCollector` gathers them while a model runs, and
`inspect_fusion_weights` is what `allennlp xfuse-inspect` does with one archive.

After every forward pass of a fusion encoder, its `fusion_weights()` (the `W` of each AIF step,
`(batch_size, num_tokens, hidden_dim)`) are reduced to `1 - W` statistics over the real tokens,
per language, with forward hooks: the model's own forward and AllenNLP's evaluation loop stay
untouched. `1 - W` is the share each step takes from its lower layer (`Z = W * X + (1 - W) * Y`).
"""
import logging
import math
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.atomic_files import atomic_write_json
from allennlp_xfuse.data.languages import in_pawsx_order
from allennlp_xfuse.report.discovery import find_clean_splits
from allennlp_xfuse.report.model_identity import identify_model
from allennlp_xfuse.report.plots import plot_fusion_weight_bars
from allennlp_xfuse.report.records import FusionWeightStats

logger = logging.getLogger(__name__)


@dataclass
class Inspection:
    """
    What `inspect_fusion_weights` found.

    # Parameters

    archive : `str`
        The inspected `model.tar.gz`, as given.
    stats : `Dict[str, List[FusionWeightStats]]`
        Language -> statistics of every AIF step (top step first), languages in PAWS-X order.
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
    clean split of every language is evaluated. With `output_dir`, writes
    `fusion_weights.json` and the bar plot `fusion_weights.png` there.
    """
    # imported here: the evaluation module builds on this module's collector
    from allennlp_xfuse.report.evaluation import ArchiveEvaluation

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


# -- collecting ---------------------------------------------------------------------------------


def fusion_encoders(model: torch.nn.Module) -> List[Tuple[str, torch.nn.Module]]:
    """
    The outermost submodules of `model` that expose `fusion_weights()` (the `dlfa` / `aif`
    encoders; their inner fusion modules have the method too and are skipped).
    """
    found: List[Tuple[str, torch.nn.Module]] = []
    for name, module in model.named_modules():
        if not callable(getattr(module, "fusion_weights", None)):
            continue
        if any(name.startswith(f"{outer}.") for outer, _ in found):
            continue
        found.append((name, module))
    return found


class _Moments:
    """Running count, sum and sum of squares (float64) of per-token values."""

    def __init__(self) -> None:
        self.count = 0
        self.total = 0.0
        self.squares = 0.0

    def add(self, values: torch.Tensor) -> None:
        values = values.double()
        self.count += int(values.numel())
        self.total += float(values.sum())
        self.squares += float((values * values).sum())

    def mean(self) -> float:
        return self.total / self.count

    def std(self) -> Optional[float]:
        if self.count < 2:
            return None
        variance = (self.squares - self.total * self.total / self.count) / (self.count - 1)
        return math.sqrt(max(variance, 0.0))


class FusionWeightCollector:
    """
    Accumulates, per language and per AIF step, the mean and spread of `1 - W` over the real
    (non-padding) tokens a model's fusion encoder sees.

    The mask is the one the encoder receives with the batch (the text field's mask, the one `W`
    was computed under), and the language of each instance comes from the batch's `metadata`
    (the `pawsx` reader puts it there), else from `default_language`.

    # Parameters

    model : `torch.nn.Module`
        Hooks are added to it and to its first fusion encoder; `remove()` takes them off.
    step_labels : `Optional[Sequence[str]]`, optional (default = `None`)
        Labels of the steps, top step first (`ModelIdentity.step_labels`); `step1`, ... if not
        given or of the wrong length.
    """

    def __init__(self, model: torch.nn.Module, step_labels: Optional[Sequence[str]] = None) -> None:
        self.step_labels = list(step_labels) if step_labels else None
        self.default_language: Optional[str] = None
        self._languages: List[Optional[str]] = []
        self._moments: Dict[str, Dict[int, _Moments]] = defaultdict(lambda: defaultdict(_Moments))
        self._handles: List[Any] = []
        encoders = fusion_encoders(model)
        if len(encoders) > 1:
            logger.warning(
                "Several fusion encoders (%s); collecting the weights of %s only.",
                ", ".join(name for name, _ in encoders), encoders[0][0],
            )
        self.encoder = encoders[0][1] if encoders else None
        if self.encoder is not None:
            self._handles.append(
                model.register_forward_pre_hook(self._remember_languages, with_kwargs=True)
            )
            self._handles.append(
                self.encoder.register_forward_hook(self._collect, with_kwargs=True)
            )

    @property
    def active(self) -> bool:
        """Whether the model has a fusion encoder to collect from."""
        return self.encoder is not None

    def reset(self, default_language: Optional[str] = None) -> None:
        """Forgets what was collected; rows without a language in their metadata count as
        `default_language` from now on."""
        self.default_language = default_language
        self._moments.clear()

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def _remember_languages(self, module: Any, args: Tuple, kwargs: Dict[str, Any]) -> None:
        metadata = kwargs.get("metadata")
        self._languages = (
            [item.get("language") if isinstance(item, dict) else None for item in metadata]
            if isinstance(metadata, (list, tuple)) else []
        )

    def _collect(self, module: Any, args: Tuple, kwargs: Dict[str, Any], output: Any) -> None:
        weights = module.fusion_weights()
        if not weights:
            return
        mask = kwargs.get("mask", args[1] if len(args) > 1 else None)
        for step, weight in enumerate(weights):
            # the share of the lower layer, averaged over channels: one value per token
            share = (1.0 - weight.detach().float()).mean(dim=-1)
            real = (
                torch.ones_like(share, dtype=torch.bool) if mask is None
                else mask.to(share.device).bool()
            )
            for language, rows in self._rows_by_language(share.size(0)).items():
                row_index = torch.tensor(rows, device=share.device)
                values = share.index_select(0, row_index)[real.index_select(0, row_index)]
                self._moments[language][step].add(values)

    def _rows_by_language(self, batch_size: int) -> Dict[str, List[int]]:
        languages = self._languages if len(self._languages) == batch_size else []
        rows: Dict[str, List[int]] = defaultdict(list)
        for row in range(batch_size):
            language = (languages[row] if languages else None) or self.default_language
            rows[language or "unknown"].append(row)
        return rows

    def results(self) -> Dict[str, List[FusionWeightStats]]:
        """Language -> statistics of every step (top step first) collected since `reset`."""
        results: Dict[str, List[FusionWeightStats]] = {}
        for language, steps in self._moments.items():
            labels = self.step_labels
            if labels is None or len(labels) != len(steps):
                labels = [f"step{index + 1}" for index in range(len(steps))]
            results[language] = [
                FusionWeightStats(
                    step=labels[step], mean=moments.mean(), std=moments.std(),
                    num_tokens=moments.count, lower_layer=_layer_of(labels[step]),
                )
                for step, moments in sorted(steps.items())
                if moments.count
            ]
        return results


def _layer_of(label: str) -> Optional[int]:
    try:
        return int(label[1:]) if label.startswith("L") else None
    except ValueError:
        return None
