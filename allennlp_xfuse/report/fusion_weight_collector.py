"""
Collecting the AIF weights while a model runs: after every forward pass of a fusion encoder, its
`fusion_weights()` (the `W` of each AIF step, `(batch_size, num_tokens, hidden_dim)`) are reduced
to `1 - W` statistics over the real tokens, per language, with forward hooks — the model's own
forward and AllenNLP's evaluation loop stay untouched.
"""
import logging
import math
from collections import defaultdict
from typing import Any, Dict, List, Optional, Sequence, Tuple

import torch

from allennlp_xfuse.report.records import FusionWeightStats

logger = logging.getLogger(__name__)


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
    step_labels : `Sequence[str]`, optional
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
