"""
Evaluating archives on splits for `allennlp xfuse-report` and `xfuse-inspect`: one archive loaded
once and evaluated on split after split the way `allennlp evaluate` does (`ArchiveEvaluation`:
the archive's validation dataset reader and data loader config, AllenNLP's `Evaluator`, fusion
weights collected on the side), the on-disk `EvaluationCache` of results, and `evaluate_pairs`,
which runs a plan with both so that each (archive, split) pair is evaluated once.
"""
import hashlib
import json
import logging
import os
import re
from collections import OrderedDict
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

import torch
from allennlp.common import Params
from allennlp.common.tqdm import Tqdm
from allennlp.common.util import prepare_environment
from allennlp.data import DataLoader
from allennlp.data.data_loaders.multiprocess_data_loader import WorkerError
from allennlp.evaluation import Evaluator
from allennlp.models.archival import load_archive

from allennlp_xfuse.atomic_files import atomic_write_json
from allennlp_xfuse.report.discovery import EvaluationPair, Run
from allennlp_xfuse.report.fusion_weights import FusionWeightCollector, initial_fusion_encoder
from allennlp_xfuse.report.predictions import ExamplePrediction, unique_ids
from allennlp_xfuse.report.records import FusionWeightStats
from allennlp_xfuse.stock_command_errors import user_error_from_worker

logger = logging.getLogger(__name__)

# Part of every cache key: bump it when a cached result would no longer be what a fresh
# evaluation returns.
CACHE_VERSION = 3

# An evaluation reads its split this many batches at a time (see `one_pass_loading`).
STREAMED_BATCHES = 32


def one_pass_loading(loader_params: Params) -> None:
    """
    Sets how a data loader reads a split it goes through once, where the archive's config leaves
    it open: AllenNLP's default keeps a whole split in memory, which is right for training (it
    reads its data every epoch), and is what `allennlp evaluate` does.

    Here the split is read `STREAMED_BATCHES` batches at a time (`max_instances_in_memory`).
    The instances of a chunk are freed once batched, so memory stays bounded and Python's
    garbage collector has fewer live objects to walk: on the real PAWS-X dev sets (one CPU core)
    the loader then took 8.2 s instead of 9.7 s (median of 5 alternating runs; 14,000 pairs).
    A multiple of the batch size, so the batches, and the loss (a mean over batches), stay
    those of `allennlp evaluate`. Left alone with a `batch_sampler` (no fixed batch size).

    No worker processes (`num_workers`) unless the config asks for them: forked data-loader
    workers were seen to hang inside the fast tokenizer's thread pool (README: "Data-loader
    workers").

    # Parameters

    loader_params : `Params`
        The data loader's parameters, changed in place.
    """
    batch_size = loader_params.get("batch_size", None)
    if "max_instances_in_memory" not in loader_params and batch_size:
        loader_params["max_instances_in_memory"] = STREAMED_BATCHES * batch_size


@dataclass
class EvaluationResult:
    """
    What evaluating one archive on one split gives.

    # Parameters

    metrics : `Dict[str, Any]`
        What AllenNLP's evaluator returned (`accuracy`, `loss`, ...).
    num_examples : `int`
        How many examples the model saw.
    fusion_weights : `Dict[str, List[FusionWeightStats]]`, optional (default = `{}`)
        Language -> `1 - W` statistics per AIF step (empty for models without AIF).
    predictions : `List[ExamplePrediction]`, optional (default = `[]`)
        What the model predicted on each example, in the split's order.
    """

    metrics: Dict[str, Any]
    num_examples: int
    fusion_weights: Dict[str, List[FusionWeightStats]] = field(default_factory=dict)
    predictions: List[ExamplePrediction] = field(default_factory=list)


class ArchiveEvaluation:
    """
    An archive loaded for evaluation on several data paths.

    # Parameters

    archive_file : `str`
        The `model.tar.gz` to load.
    cuda_device : `int`, optional (default = `-1`)
        GPU id, -1 for CPU.
    batch_size : `Optional[int]`, optional (default = `None`)
        Overrides the evaluation data loader's batch size, as `allennlp evaluate --batch-size`.
    step_labels : `Optional[Sequence[str]]`, optional (default = `None`)
        Labels of the AIF steps, for the collected fusion weights.
    """

    def __init__(
        self,
        archive_file: str,
        cuda_device: int = -1,
        batch_size: Optional[int] = None,
        step_labels: Optional[Sequence[str]] = None,
    ) -> None:
        self.archive = load_archive(archive_file, cuda_device=cuda_device)
        config = deepcopy(self.archive.config)
        prepare_environment(config)
        self.model = self.archive.model
        self.model.eval()
        evaluator_params = config.pop("evaluation", {})
        evaluator_params["cuda_device"] = cuda_device
        self.evaluator = Evaluator.from_params(evaluator_params)
        self.batch_size = batch_size
        self.collector = FusionWeightCollector(self.model, step_labels)
        self.collector.compare_with_initialization(
            initial_fusion_encoder(self.archive.config.as_dict(quiet=True))
        )
        self._num_examples = 0
        self._counter = self.model.register_forward_pre_hook(self._count, with_kwargs=True)
        # Per-example outcomes come from the model's own forward pass (a hook), so AllenNLP's
        # Evaluator runs unchanged and the accuracy is exactly the metric it reports.
        self._outcomes: List[Dict[str, Any]] = []
        self._recorder = self.model.register_forward_hook(self._record, with_kwargs=True)
        self._label_namespace = getattr(self.model, "_label_namespace", "labels")

    def _count(self, module: Any, args: Any, kwargs: Dict[str, Any]) -> None:
        tokens = kwargs.get("tokens")
        tensor = _first_tensor(tokens if tokens is not None else kwargs)
        if tensor is not None:
            self._num_examples += int(tensor.size(0))

    def _record(self, module: Any, args: Any, kwargs: Dict[str, Any], output: Any) -> None:
        if not isinstance(output, dict):
            return
        scores = output.get("probs", output.get("logits"))
        # one label per example (classifiers: PAWS-X, XNLI); a tagger's scores are
        # (batch_size, num_words, num_tags) and give no per-example outcome: nothing recorded
        if not isinstance(scores, torch.Tensor) or scores.dim() != 2:
            return
        predicted = scores.detach().argmax(dim=-1).tolist()
        gold = kwargs.get("label")
        gold_list = gold.detach().view(-1).tolist() if isinstance(gold, torch.Tensor) else None
        metadata = kwargs.get("metadata") or [{}] * len(predicted)
        for position, index in enumerate(predicted):
            self._outcomes.append({
                "id": (metadata[position] or {}).get("id"),
                "label": None if gold_list is None else gold_list[position],
                "predicted": index,
            })

    def _predictions(self) -> List[ExamplePrediction]:
        vocab = self.model.vocab

        def token(index: Optional[int]) -> Optional[str]:
            if index is None:
                return None
            return str(vocab.get_token_from_index(int(index), self._label_namespace))

        ids = unique_ids([outcome["id"] for outcome in self._outcomes])
        return [
            ExamplePrediction(
                id=example_id,
                label=token(outcome["label"]),
                predicted=str(token(outcome["predicted"])),
                correct=None if outcome["label"] is None
                else int(outcome["label"]) == int(outcome["predicted"]),
            )
            for example_id, outcome in zip(ids, self._outcomes)
        ]

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
        one_pass_loading(data_loader_params)
        data_loader = DataLoader.from_params(
            params=data_loader_params,
            reader=self.archive.validation_dataset_reader,
            data_path=data_path,
        )
        data_loader.index_with(self.model.vocab)
        self.collector.reset(language)
        self._num_examples = 0
        self._outcomes = []
        try:
            metrics = self.evaluator(self.model, data_loader)
        except WorkerError as error:
            # a bad file read by a worker (a config with `num_workers`): its reader's message
            # (file:line, the fix), not a traceback from another process
            user_error = user_error_from_worker(error)
            if user_error is None:
                raise
            raise user_error from error
        return EvaluationResult(
            metrics=dict(metrics),
            num_examples=self._num_examples,
            fusion_weights=self.collector.channel_results(),
            predictions=self._predictions(),
        )

    def close(self) -> None:
        """Removes the hooks and lets the model go."""
        self.collector.remove()
        self._counter.remove()
        self._recorder.remove()
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


# -- the cache ----------------------------------------------------------------------------------


def file_signature(path: str) -> Dict[str, Any]:
    """Absolute path, size and modification time (ns) of `path`."""
    status = os.stat(path)
    return {"path": os.path.abspath(path), "size": status.st_size, "mtime_ns": status.st_mtime_ns}


def split_files(split: str) -> List[str]:
    """
    The files of a split: a comma list (several treebanks of one language, evaluated together
    as AllenNLP readers take them) gives each, anything else itself.

    # Parameters

    split : `str`
    """
    return [part for part in split.split(",") if part] if "," in split else [split]


def split_signature(split: str) -> Any:
    """`file_signature` of a one-file split, the list of its files' signatures otherwise."""
    files = split_files(split)
    if len(files) == 1:
        return file_signature(files[0])
    return [file_signature(path) for path in files]


def absolute_split(split: str) -> str:
    """The split with every file's path made absolute (comma lists stay comma lists)."""
    return ",".join(os.path.abspath(path) for path in split_files(split))


class EvaluationCache:
    """
    One JSON file per (archive, split) pair, keyed by both files' path, size and modification
    time, so a re-run evaluates only new or changed pairs (a retrained archive or a regenerated
    split has a new mtime).

    # Parameters

    directory : `str`
        Where the cache files live (created when first written).
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    @staticmethod
    def key(archive: str, split: str) -> Dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "archive": file_signature(archive),
            "split": split_signature(split),
        }

    def path(self, archive: str, split: str) -> str:
        """A readable, unique file name: run, split, and a hash of the absolute paths."""
        run = os.path.basename(os.path.dirname(os.path.abspath(archive)))
        files = split_files(split)
        stem = os.path.basename(files[0]) + (f"+{len(files) - 1}" if len(files) > 1 else "")
        digest = hashlib.sha1(
            f"{os.path.abspath(archive)}\n{absolute_split(split)}".encode()
        ).hexdigest()[:12]
        name = re.sub(r"[^A-Za-z0-9_.@-]+", "_", f"{run}__{stem}")
        return os.path.join(self.directory, f"{name}__{digest}.json")

    def load(self, archive: str, split: str) -> Optional[EvaluationResult]:
        """The cached result of the pair, or `None` if absent or stale (either file changed)."""
        path = self.path(archive, split)
        if not os.path.isfile(path):
            return None
        try:
            with open(path, encoding="utf-8") as cache_file:
                entry = json.load(cache_file)
        except (OSError, json.JSONDecodeError):
            return None
        if entry.get("key") != self.key(archive, split):
            return None
        result = entry["result"]
        return EvaluationResult(
            metrics=result["metrics"],
            num_examples=result["num_examples"],
            fusion_weights={
                language: [FusionWeightStats(**stats) for stats in steps]
                for language, steps in result["fusion_weights"].items()
            },
            predictions=[ExamplePrediction(**p) for p in result.get("predictions", [])],
        )

    def save(self, archive: str, split: str, result: EvaluationResult) -> str:
        path = self.path(archive, split)
        atomic_write_json(
            path,
            {
                "key": self.key(archive, split),
                "result": {
                    "metrics": result.metrics,
                    "num_examples": result.num_examples,
                    "fusion_weights": {
                        language: [vars(stats) for stats in steps]
                        for language, steps in result.fusion_weights.items()
                    },
                    "predictions": [vars(p) for p in result.predictions],
                },
            },
        )
        return path


# -- evaluating a plan --------------------------------------------------------------------------


def evaluate_pairs(
    pairs: Sequence[EvaluationPair],
    cache: EvaluationCache,
    cuda_device: int = -1,
    batch_size: Optional[int] = None,
) -> List[EvaluationResult]:
    """
    Results of every pair, in order: from the cache when the archive and split are unchanged,
    otherwise evaluated (each archive loaded once for all its new pairs) and cached.
    """
    results: List[Optional[EvaluationResult]] = [cache.load(p.run.archive, p.split) for p in pairs]
    todo: Dict[str, List[int]] = OrderedDict()
    for index, (pair, result) in enumerate(zip(pairs, results)):
        if result is None:
            todo.setdefault(pair.run.archive, []).append(index)
    total = sum(len(indices) for indices in todo.values())
    logger.info("%d of %d evaluations cached; evaluating %d.", len(pairs) - total, len(pairs),
                total)
    progress = Tqdm.tqdm(total=total, desc="xfuse-report evaluations") if total else None
    for archive, indices in todo.items():
        run: Run = pairs[indices[0]].run
        evaluation = ArchiveEvaluation(
            archive, cuda_device=cuda_device, batch_size=batch_size,
            step_labels=run.identity.step_labels(_num_steps(run)),
        )
        try:
            for index in indices:
                pair = pairs[index]
                logger.info("Evaluating %s on %s", run.name, pair.split)
                result = evaluation.evaluate(pair.split, language=pair.language)
                cache.save(archive, pair.split, result)
                results[index] = result
                if progress is not None:
                    progress.update(1)
        finally:
            evaluation.close()
    if progress is not None:
        progress.close()
    return results  # type: ignore[return-value]


def _num_steps(run: Run) -> int:
    layers = run.identity.layers
    return len(layers) - 1 if layers else 0
