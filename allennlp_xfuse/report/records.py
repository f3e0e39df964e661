"""
The report's unit of data: `MetricsRecord`, one evaluation of one trained model on one split with
what the results tables need to place it (model, seed, language, clean or adversarial, recipe,
target), the `FusionWeightStats` it carries for fusion models, and the kind / target values.

`allennlp xfuse-report` makes one record per (archive, split) pair and keeps them all in
`results.json`; the tables are built from records alone (`MetricsRecord.from_dict` reads one
back), so hand-made records work too.
"""
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

CLEAN = "clean"
ADVERSARIAL = "adversarial"
# The English dev split the dlfa fusion layer is chosen on (not a test table's data).
SELECTION = "selection"

# `target` of an adversarial record: the split was produced against this very run ("own"),
# perturbed without a model ("shared"), against another run (its name: a transfer record), or
# is the union of a recipe's attacks against every run ("union", which the report writes).
OWN_TARGET = "own"
SHARED_TARGET = "shared"
UNION_TARGET = "union"


@dataclass
class FusionWeightStats:
    """
    The share a fusion step takes from its lower layer, `1 - W`, over the real (non-padding)
    tokens of a split, and what carries information under `norm: layer_norm` (see
    `allennlp_xfuse.report.fusion_weights`): the distribution over channels of `W`, the share of
    saturated gates, and the shift from initialization. Those are statistics of `W` (not
    `1 - W`), so that they compare directly with `initial_top_weight`; `None` / 0 in records
    written before they existed.

    # Parameters

    step : `str`
        A label for the AIF step, e.g. `"L9"` for the step that fuses in hidden_states[9].
    mean : `float`
        Mean of `1 - W` over real tokens and channels.
    std : `Optional[float]`
        Standard deviation over real tokens of the per-token (channel-averaged) `1 - W`; near 0
        by construction under `norm: layer_norm`.
    num_tokens : `int`
        How many real tokens were seen.
    lower_layer : `Optional[int]`, optional (default = `None`)
        The hidden_states index of the lower layer of this step, when known.
    num_channels : `int`, optional (default = `0`)
        The number of channels `C` of `W`.
    channel_min : `Optional[float]`, optional (default = `None`)
        The smallest per-channel mean `W` (each channel's mean over real tokens).
    channel_q10 : `Optional[float]`, optional (default = `None`)
        The 10 % quantile across channels of the per-channel mean `W`.
    channel_q25 : `Optional[float]`, optional (default = `None`)
        Its 25 % quantile.
    channel_median : `Optional[float]`, optional (default = `None`)
        Its median.
    channel_q75 : `Optional[float]`, optional (default = `None`)
        Its 75 % quantile.
    channel_q90 : `Optional[float]`, optional (default = `None`)
        Its 90 % quantile.
    channel_max : `Optional[float]`, optional (default = `None`)
        The largest per-channel mean `W`.
    channel_std : `Optional[float]`, optional (default = `None`)
        The standard deviation (ddof 0) across channels of the per-channel mean `W`.
    saturated : `Optional[float]`, optional (default = `None`)
        The share of individual gate values (token x channel) with `W < 0.1` or `W > 0.9`.
    saturated_low : `Optional[float]`, optional (default = `None`)
        The share with `W < 0.1`: the lower layer dominates.
    saturated_high : `Optional[float]`, optional (default = `None`)
        The share with `W > 0.9`: the upper layer dominates (every gate, at the default
        initialization `initial_top_weight = 0.95`).
    initial_mean : `Optional[float]`, optional (default = `None`)
        Mean `W` of a freshly initialized copy of the fusion step on the same inputs; `None`
        when no copy was compared (see `FusionWeightCollector.compare_with_initialization`).
    initial_shift : `Optional[float]`, optional (default = `None`)
        The mean over channels of each channel's mean `|W - W_init|` over real tokens.
    moved_channels : `Optional[float]`, optional (default = `None`)
        The share of channels whose mean `W` differs from the fresh copy's by more than 0.1.
    """

    step: str
    mean: float
    std: Optional[float]
    num_tokens: int
    lower_layer: Optional[int] = None
    num_channels: int = 0
    channel_min: Optional[float] = None
    channel_q10: Optional[float] = None
    channel_q25: Optional[float] = None
    channel_median: Optional[float] = None
    channel_q75: Optional[float] = None
    channel_q90: Optional[float] = None
    channel_max: Optional[float] = None
    channel_std: Optional[float] = None
    saturated: Optional[float] = None
    saturated_low: Optional[float] = None
    saturated_high: Optional[float] = None
    initial_mean: Optional[float] = None
    initial_shift: Optional[float] = None
    moved_channels: Optional[float] = None


@dataclass
class MetricsRecord:
    """
    One evaluation result.

    # Parameters

    model : `str`
        The results-table row: runs of the same model with different seeds share it, e.g.
        `"baseline"`, `"dlfa@9"`, `"aif"`.
    language : `str`
        Language code of the split (one of its task's languages).
    kind : `str`
        `"clean"`, `"adversarial"`, or `"selection"` (the English dev split the fusion layer is
        chosen on).
    accuracy : `Optional[float]`
        Accuracy in [0, 1] (AllenNLP's metric), `None` when the split had no labels.
    family : `str`, optional (default = `"baseline"`)
        `"baseline"`, `"dlfa"` or `"aif"`: which rows compete for "best fusion layer".
    fusion_layer : `Optional[int]`, optional
        The hidden_states index fused with the top layer (dlfa).
    seed : `Optional[int]`, optional
        The run's random seed.
    run : `Optional[str]`, optional
        Identifies the trained model (its run directory); defaults to `model` + seed.
    recipe : `Optional[str]`, optional
        Attack / perturbation recipe of an adversarial split.
    target : `Optional[str]`, optional
        For adversarial splits: `"own"`, `"shared"`, `"union"`, or the name of the run the
        split was produced against (transfer).
    attacked : `Optional[str]`, optional
        For model-in-the-loop splits (own and transfer records): the name of the run the split
        was produced against.
    success_rate : `Optional[float]`, optional
        Attack success rate in [0, 1] (TextAttack's: succeeded / (succeeded + failed)).
    original_accuracy : `Optional[float]`, optional
        Accuracy of this model on the same examples before the attack, when the split records
        it (model-in-the-loop attacks against this run); the drop is measured from it.
    num_examples : `Optional[int]`, optional
        How many examples the evaluation saw.
    split : `Optional[str]`, optional
        Path of the evaluated file.
    archive : `Optional[str]`, optional
        Path of the evaluated `model.tar.gz`.
    metrics : `Dict[str, Any]`, optional
        Every metric AllenNLP returned.
    fusion_weights : `List[FusionWeightStats]`, optional
        `1 - W` statistics per AIF step, for fusion models.
    predictions : `Optional[str]`, optional
        The file of per-example predictions of this evaluation
        (`allennlp_xfuse.report.predictions`), which the confidence intervals and paired tests
        are computed from; `None` where there is none (no interval, no test).
    task : `str`, optional (default = `"pawsx"`)
        The task of the run and split (`allennlp_xfuse.report.tasks`): `"pawsx"`, `"xnli"`,
        `"ner"` or `"pos"`. Its metric is `metrics[<the task's metric>]` (`task_score`);
        `accuracy` holds AllenNLP's `accuracy` whatever the task (token accuracy for NER).
    """

    model: str
    language: str
    kind: str
    accuracy: Optional[float]
    family: str = "baseline"
    fusion_layer: Optional[int] = None
    seed: Optional[int] = None
    run: Optional[str] = None
    recipe: Optional[str] = None
    target: Optional[str] = None
    attacked: Optional[str] = None
    success_rate: Optional[float] = None
    original_accuracy: Optional[float] = None
    num_examples: Optional[int] = None
    split: Optional[str] = None
    archive: Optional[str] = None
    metrics: Dict[str, Any] = field(default_factory=dict)
    fusion_weights: List[FusionWeightStats] = field(default_factory=list)
    predictions: Optional[str] = None
    task: str = "pawsx"

    def __post_init__(self) -> None:
        if self.kind not in (CLEAN, ADVERSARIAL, SELECTION):
            raise ValueError(f"record kind must be {CLEAN!r}, {ADVERSARIAL!r} or {SELECTION!r}, "
                             f"not {self.kind!r}")
        if self.run is None:
            self.run = self.model if self.seed is None else f"{self.model}/s{self.seed}"
        self.fusion_weights = [
            stats if isinstance(stats, FusionWeightStats) else FusionWeightStats(**stats)
            for stats in self.fusion_weights
        ]

    @property
    def run_id(self) -> str:
        """`run`, never `None` (it is filled in at construction)."""
        return str(self.run)

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any]) -> "MetricsRecord":
        known = set(cls.__dataclass_fields__)
        # Unknown keys are ignored so newer record files stay readable by older code.
        return cls(**{key: value for key, value in data.items() if key in known})
