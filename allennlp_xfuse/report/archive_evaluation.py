"""
Evaluating one archive on split after split the way `allennlp evaluate` does (the archive's
validation dataset reader and data loader config, AllenNLP's `Evaluator`), loading the archive
once, with the fusion weights collected on the side.
"""
import logging
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import torch
from allennlp.common.util import prepare_environment
from allennlp.data import DataLoader
from allennlp.evaluation import Evaluator
from allennlp.models.archival import load_archive

from allennlp_xfuse.report.fusion_weight_collector import FusionWeightCollector
from allennlp_xfuse.report.records import FusionWeightStats

logger = logging.getLogger(__name__)


@dataclass
class EvaluationResult:
    """
    # Parameters

    metrics : `Dict[str, Any]`
        What AllenNLP's evaluator returned (`accuracy`, `loss`, ...).
    num_examples : `int`
    fusion_weights : `Dict[str, List[FusionWeightStats]]`
        Language -> `1 - W` statistics per AIF step (empty for models without AIF).
    """

    metrics: Dict[str, Any]
    num_examples: int
    fusion_weights: Dict[str, List[FusionWeightStats]] = field(default_factory=dict)


class ArchiveEvaluation:
    """
    An archive loaded for evaluation on several data paths.

    # Parameters

    archive_file : `str`
    cuda_device : `int`, optional (default = `-1`)
    batch_size : `int`, optional
        Overrides the evaluation data loader's batch size, as `allennlp evaluate --batch-size`.
    step_labels : `Sequence[str]`, optional
        Labels of the AIF steps, for the collected fusion weights.
    overrides : `str`, optional
        Config overrides applied when loading the archive, as `allennlp evaluate --overrides`.
    """

    def __init__(
        self,
        archive_file: str,
        cuda_device: int = -1,
        batch_size: Optional[int] = None,
        step_labels: Optional[Sequence[str]] = None,
        overrides: str = "",
    ) -> None:
        self.archive = load_archive(archive_file, cuda_device=cuda_device, overrides=overrides)
        config = deepcopy(self.archive.config)
        prepare_environment(config)
        self.model = self.archive.model
        self.model.eval()
        evaluator_params = config.pop("evaluation", {})
        evaluator_params["cuda_device"] = cuda_device
        self.evaluator = Evaluator.from_params(evaluator_params)
        self.batch_size = batch_size
        self.collector = FusionWeightCollector(self.model, step_labels)
        self._num_examples = 0
        self._counter = self.model.register_forward_pre_hook(self._count, with_kwargs=True)

    def _count(self, module: Any, args: Any, kwargs: Dict[str, Any]) -> None:
        tokens = kwargs.get("tokens")
        tensor = _first_tensor(tokens if tokens is not None else kwargs)
        if tensor is not None:
            self._num_examples += int(tensor.size(0))

    def evaluate(self, data_path: str, language: Optional[str] = None) -> EvaluationResult:
        """
        Evaluates the model on `data_path` (anything the archive's reader accepts); instances
        whose metadata has no language count as `language` in the fusion weights.
        """
        config = deepcopy(self.archive.config)
        data_loader_params = config.get("validation_data_loader", None)
        if data_loader_params is None:
            data_loader_params = config.get("data_loader")
        if self.batch_size:
            data_loader_params["batch_size"] = self.batch_size
        data_loader = DataLoader.from_params(
            params=data_loader_params,
            reader=self.archive.validation_dataset_reader,
            data_path=data_path,
        )
        data_loader.index_with(self.model.vocab)
        self.collector.reset(language)
        self._num_examples = 0
        metrics = self.evaluator(self.model, data_loader)
        return EvaluationResult(
            metrics=dict(metrics),
            num_examples=self._num_examples,
            fusion_weights=self.collector.results(),
        )

    def close(self) -> None:
        """Removes the hooks and lets the model go."""
        self.collector.remove()
        self._counter.remove()
        del self.model
        del self.archive


def _first_tensor(value: Any) -> Optional[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, dict):
        for child in value.values():
            found = _first_tensor(child)
            if found is not None:
                return found
    return None
