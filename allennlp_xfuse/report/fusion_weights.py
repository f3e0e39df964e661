"""
The AIF weights of fusion models: `FusionWeightCollector` gathers them while a model runs, and
`inspect_fusion_weights` is what `allennlp xfuse-inspect` does with one archive.

After every forward pass of a fusion encoder, its `fusion_weights()` (the `W` of each AIF step,
`(batch_size, num_tokens, hidden_dim)`) are reduced to statistics over the real tokens, per
language, with forward hooks: the model's own forward and AllenNLP's evaluation loop stay
untouched. `W` is the weight on the upper layer and `1 - W` the share each step takes from its
lower layer (`Z = W * X + (1 - W) * Y`).

Why per channel: with the default `norm: layer_norm`, the last LayerNorm of each attention
branch subtracts the per-token mean over channels of its input, so the channel mean of the
gate's input, `L(S) + G(S)`, is set by the norms' learned biases (and gains), not by the token.
The channel-averaged `W` of a token is therefore close to the same value for every token and
language: about 0.5 under AFF's reference initialization (biases 0), about `initial_top_weight`
at the start with the default initialization, moving only as far as training moves those biases.
Its spread over tokens is near 0 by construction. What depends on the input is which channels
take from which layer, so the statistics below describe the per-channel distribution of `W`,
how many gates are saturated, and how far `W` moved from a freshly initialized copy.
"""
import inspect
import logging
import math
import os
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from allennlp.common.checks import ConfigurationError
from allennlp.modules.seq2seq_encoders import Seq2SeqEncoder
from allennlp.modules.seq2vec_encoders import Seq2VecEncoder

from allennlp_xfuse.atomic_files import atomic_write_json
from allennlp_xfuse.data.languages import in_pawsx_order
from allennlp_xfuse.modules.layer_fusion_encoder import LayerFusionEncoder
from allennlp_xfuse.report.discovery import find_clean_splits
from allennlp_xfuse.report.model_identity import identify_model
from allennlp_xfuse.report.plots import plot_fusion_weight_bars
from allennlp_xfuse.report.records import FusionWeightStats

logger = logging.getLogger(__name__)

#: A gate is saturated when `W < SATURATION` (the step takes over 90 % from the lower layer)
#: or `W > 1 - SATURATION` (over 90 % from the upper one).
SATURATION = 0.1
#: A channel "moved" when its mean `W` over real tokens differs from that of a freshly
#: initialized copy by more than this.
MOVED_CHANNEL_THRESHOLD = 0.1
#: The quantiles of the per-channel mean `W` that `FusionWeightStats` reports.
CHANNEL_QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
# Seeds the fresh copy's random initialization: the same archive gives the same reference.
_INITIALIZATION_SEED = 0

#: What each field of `FusionWeightStats` means: written into `fusion_weights.json`.
FIELD_DESCRIPTIONS = {
    "step": "the AIF step, labelled by its lower layer (L9 fuses in hidden_states[9])",
    "mean": "mean of 1 - W over real tokens and channels (the overall share of the lower layer)",
    "std": "std over real tokens of the channel-averaged 1 - W; near 0 by construction under "
    "norm: layer_norm (the last LayerNorm centres the gate input over channels)",
    "num_tokens": "real (unpadded) tokens seen",
    "lower_layer": "hidden_states index of the step's lower layer, when known",
    "num_channels": "channels C of W",
    **{
        f"channel_{name}": f"{what} across channels of each channel's mean W over real tokens"
        for name, what in (
            ("min", "minimum"), ("q10", "10 % quantile"), ("q25", "25 % quantile"),
            ("median", "median"), ("q75", "75 % quantile"), ("q90", "90 % quantile"),
            ("max", "maximum"),
        )
    },
    "channel_std": "standard deviation across channels (ddof 0) of each channel's mean W",
    "saturated": f"share of gate values (token x channel) with W < {SATURATION} or "
    f"W > {1 - SATURATION}",
    "saturated_low": f"share of gate values with W < {SATURATION} (lower layer dominates)",
    "saturated_high": f"share of gate values with W > {1 - SATURATION} (upper layer dominates)",
    "initial_mean": "mean W of a freshly initialized copy of the step (same config) on the same "
    "inputs",
    "initial_shift": "mean over channels of each channel's mean |W - W_init| over real tokens",
    "moved_channels": "share of channels whose mean W differs from the fresh copy's by more "
    f"than {MOVED_CHANNEL_THRESHOLD}",
}


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
    weights per language, with a freshly initialized copy of the fusion encoder (built from the
    archive's config) run on the same inputs as the reference for the shift from initialization.

    # Parameters

    archive_file : `str`
        The `model.tar.gz` of a model with a `dlfa` / `aif` encoder.
    data_path : `str`
        Anything the archive's reader accepts (a file, a comma-separated list, a glob; languages
        from the instances' metadata), or a directory, whose clean split of every language is
        evaluated.
    output_dir : `Optional[str]`, optional (default = `None`)
        Where to write `fusion_weights.json` and the bar plot `fusion_weights.png`.
    cuda_device : `int`, optional (default = `-1`)
        GPU id, -1 for CPU.
    batch_size : `Optional[int]`, optional (default = `None`)
        Overrides the evaluation data loader's batch size.
    """
    # imported here: the evaluation module builds on this module's collector
    from allennlp_xfuse.report.evaluation import ArchiveEvaluation

    evaluation = ArchiveEvaluation(archive_file, cuda_device=cuda_device, batch_size=batch_size)
    try:
        if not evaluation.collector.active:
            raise ConfigurationError(
                f"{archive_file}: the model has no fusion encoder (dlfa / aif), so no AIF weights."
            )
        config = evaluation.archive.config.as_dict(quiet=True)
        identity = identify_model(
            config, os.path.basename(os.path.dirname(os.path.abspath(archive_file)))
        )
        evaluation.collector.step_labels = identity.step_labels(
            len(identity.layers) - 1 if identity.layers else 0
        )
        initial = initial_fusion_encoder(config)
        if initial is None:
            logger.warning("%s: no fusion encoder in the config; no shift from initialization.",
                           archive_file)
        else:
            evaluation.collector.compare_with_initialization(initial)
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
            # read before the next split resets the collector
            stats.update(evaluation.collector.channel_results())
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
                "quantity": "W of every AIF step over real tokens (1 - W: the share taken from "
                "the lower layer): mean of 1 - W, its std over tokens of the channel-averaged "
                "value, number of tokens; the distribution across channels of each channel's "
                "mean W, saturated gates, shift from a freshly initialized copy (see fields)",
                "fields": FIELD_DESCRIPTIONS,
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


# -- the reference: a freshly initialized fusion encoder ----------------------------------------


def initial_fusion_encoder(config: Dict[str, Any]) -> Optional[LayerFusionEncoder]:
    """
    A freshly initialized fusion encoder built from the first `dlfa` / `aif` encoder in a
    training config (`archive.config.as_dict()`), in evaluation mode, or `None` if the config
    has none.

    Only the fusion keys are used (`input_dim`, `num_layers`, `reduction_ratio`, `iterative`,
    `norm`, `dropout`, `fusion`, `initial_top_weight`, the constructor's defaults for missing
    ones): a `pooler` would load pretrained weights and plays no part in `W`. The random
    initialization is seeded, so an archive always gets the same reference; with
    `initial_top_weight: null` (AFF's reference initialization) `W_init` is one random draw
    around 0.5, not the draw the model was trained from, so the shift includes the difference
    between two draws.

    # Parameters

    config : `Dict[str, Any]`
        A training config as a plain dict.
    """
    found = _find_fusion_encoder_config(config)
    if found is None:
        return None
    encoder_class, params = found
    names = set(inspect.signature(LayerFusionEncoder.__init__).parameters) - {"self"}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(_INITIALIZATION_SEED)
        encoder = encoder_class(**{key: value for key, value in params.items() if key in names})
    return encoder.eval()


def _find_fusion_encoder_config(
    value: Any,
) -> Optional[Tuple[type, Dict[str, Any]]]:
    if isinstance(value, dict):
        name = value.get("type")
        if isinstance(name, str):
            # The Seq2Vec and Seq2Seq forms of a name share their fusion, hence their W.
            for base in (Seq2VecEncoder, Seq2SeqEncoder):
                if name in base.list_available():
                    registered = base.by_name(name)
                    if isinstance(registered, type) and issubclass(registered,
                                                                   LayerFusionEncoder):
                        return registered, value
        children: Iterator[Any] = iter(value.values())
    elif isinstance(value, (list, tuple)):
        children = iter(value)
    else:
        return None
    for child in children:
        found = _find_fusion_encoder_config(child)
        if found is not None:
            return found
    return None


# -- collecting ---------------------------------------------------------------------------------


def fusion_encoders(model: torch.nn.Module) -> List[Tuple[str, torch.nn.Module]]:
    """
    The outermost submodules of `model` that expose `fusion_weights()` (the `dlfa` / `aif`
    encoders; their inner fusion modules have the method too and are skipped).

    # Parameters

    model : `torch.nn.Module`
        The model to search.
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


class _StepAccumulator:
    """
    What one AIF step's weights on one language's real tokens add up to: the moments of the
    channel-averaged `1 - W`, per-channel sums (float64) of `W`, of the fresh copy's `W_init`
    and of `|W - W_init|`, and the counts of saturated gates.
    """

    def __init__(self) -> None:
        self.moments = _Moments()
        self.weight_sums: Optional[torch.Tensor] = None
        self.initial_sums: Optional[torch.Tensor] = None
        self.shift_sums: Optional[torch.Tensor] = None
        self.saturated_low = 0
        self.saturated_high = 0

    def add(self, weights: torch.Tensor, initial: Optional[torch.Tensor]) -> None:
        """
        # Parameters

        weights : `torch.Tensor`
            `W` at real tokens only, shape: `(num_real_tokens, num_channels)`.
        initial : `Optional[torch.Tensor]`
            The fresh copy's `W` at the same tokens, same shape, or `None`.
        """
        weights = weights.double()
        self.moments.add(1.0 - weights.mean(dim=-1))
        self.saturated_low += int((weights < SATURATION).sum())
        self.saturated_high += int((weights > 1.0 - SATURATION).sum())
        self.weight_sums = _plus(self.weight_sums, weights.sum(dim=0))
        if initial is not None:
            initial = initial.double()
            self.initial_sums = _plus(self.initial_sums, initial.sum(dim=0))
            self.shift_sums = _plus(self.shift_sums, (weights - initial).abs().sum(dim=0))

    def stats(self, step: str) -> FusionWeightStats:
        """The statistics of the step labelled `step`; needs at least one token."""
        count = self.moments.count
        assert self.weight_sums is not None and count
        channel_means = (self.weight_sums / count).cpu()
        quantiles = torch.quantile(
            channel_means, torch.tensor(CHANNEL_QUANTILES, dtype=channel_means.dtype)
        ).tolist()
        num_gates = count * channel_means.numel()
        initial_mean = initial_shift = moved = None
        if self.initial_sums is not None and self.shift_sums is not None:
            initial_means = (self.initial_sums / count).cpu()
            initial_mean = float(initial_means.mean())
            initial_shift = float((self.shift_sums / count).mean())
            moved = float(
                ((channel_means - initial_means).abs() > MOVED_CHANNEL_THRESHOLD).double().mean()
            )
        return FusionWeightStats(
            step=step,
            mean=self.moments.mean(),
            std=self.moments.std(),
            num_tokens=count,
            lower_layer=_layer_of(step),
            num_channels=int(channel_means.numel()),
            channel_min=float(channel_means.min()),
            channel_q10=quantiles[0],
            channel_q25=quantiles[1],
            channel_median=quantiles[2],
            channel_q75=quantiles[3],
            channel_q90=quantiles[4],
            channel_max=float(channel_means.max()),
            channel_std=float(channel_means.std(unbiased=False)),
            saturated=(self.saturated_low + self.saturated_high) / num_gates,
            saturated_low=self.saturated_low / num_gates,
            saturated_high=self.saturated_high / num_gates,
            initial_mean=initial_mean,
            initial_shift=initial_shift,
            moved_channels=moved,
        )


def _plus(total: Optional[torch.Tensor], values: torch.Tensor) -> torch.Tensor:
    return values if total is None else total + values


class FusionWeightCollector:
    """
    Accumulates, per language and per AIF step, statistics of `W` over the real (non-padding)
    tokens a model's fusion encoder sees: the mean and spread of the channel-averaged `1 - W`
    (`results`), and the per-channel distribution of `W`, the share of saturated gates and,
    with `compare_with_initialization`, the shift from a freshly initialized encoder run on the
    same inputs (`channel_results`).

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
        self._steps: Dict[str, Dict[int, _StepAccumulator]] = defaultdict(
            lambda: defaultdict(_StepAccumulator)
        )
        self._initial: Optional[torch.nn.Module] = None
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

    def compare_with_initialization(self, initial: Optional[torch.nn.Module]) -> None:
        """
        From now on, runs `initial` on every batch the model's fusion encoder sees and records
        the shift of `W` from its weights (`FusionWeightStats.initial_*`, `moved_channels`).

        # Parameters

        initial : `Optional[torch.nn.Module]`
            A freshly initialized fusion encoder of the same configuration
            (`initial_fusion_encoder`), called as `initial(inputs, mask)` in evaluation mode; it
            must not carry this collector's hooks (a `copy.deepcopy` of the hooked encoder
            would). `None` stops comparing.
        """
        self._initial = None if initial is None else initial.eval()

    def reset(self, default_language: Optional[str] = None) -> None:
        """
        Forgets what was collected.

        # Parameters

        default_language : `Optional[str]`, optional (default = `None`)
            Rows without a language in their metadata count as this language from now on.
        """
        self.default_language = default_language
        self._steps.clear()

    def remove(self) -> None:
        """Takes the hooks off the model."""
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
        initial_weights = self._initial_weights(
            args[0] if args else kwargs.get("inputs"), mask, len(weights)
        )
        for step, weight in enumerate(weights):
            weight = weight.detach().float()
            real = (
                torch.ones(weight.shape[:-1], dtype=torch.bool, device=weight.device)
                if mask is None else mask.to(weight.device).bool()
            )
            initial = None if initial_weights is None else initial_weights[step]
            for language, rows in self._rows_by_language(weight.size(0)).items():
                row_index = torch.tensor(rows, device=weight.device)
                # Shape: (num_real_tokens, num_channels): padding never reaches the statistics.
                selected = real.index_select(0, row_index)
                self._steps[language][step].add(
                    weight.index_select(0, row_index)[selected],
                    None if initial is None
                    else initial.to(weight.device).float().index_select(0, row_index)[selected],
                )

    def _initial_weights(
        self, inputs: Optional[torch.Tensor], mask: Optional[torch.Tensor], num_steps: int
    ) -> Optional[List[torch.Tensor]]:
        if self._initial is None or not isinstance(inputs, torch.Tensor):
            return None
        initial = self._initial.to(inputs.device)
        with torch.no_grad():
            initial(inputs, mask)
        weights = initial.fusion_weights()
        if len(weights) != num_steps:
            logger.warning(
                "The fresh fusion encoder has %d steps, the model's %d: no shift from "
                "initialization.", len(weights), num_steps,
            )
            self._initial = None
            return None
        return weights

    def _rows_by_language(self, batch_size: int) -> Dict[str, List[int]]:
        languages = self._languages if len(self._languages) == batch_size else []
        rows: Dict[str, List[int]] = defaultdict(list)
        for row in range(batch_size):
            language = (languages[row] if languages else None) or self.default_language
            rows[language or "unknown"].append(row)
        return rows

    def channel_results(self) -> Dict[str, List[FusionWeightStats]]:
        """
        Language -> the full statistics of every step (top step first) collected since `reset`.
        """
        results: Dict[str, List[FusionWeightStats]] = {}
        for language, steps in self._steps.items():
            labels = self.step_labels
            if labels is None or len(labels) != len(steps):
                labels = [f"step{index + 1}" for index in range(len(steps))]
            results[language] = [
                accumulator.stats(labels[step])
                for step, accumulator in sorted(steps.items())
                if accumulator.moments.count
            ]
        return results


def _layer_of(label: str) -> Optional[int]:
    try:
        return int(label[1:]) if label.startswith("L") else None
    except ValueError:
        return None
