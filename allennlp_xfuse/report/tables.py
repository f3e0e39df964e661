"""
The results tables, built from metrics records alone: rows = models, columns = the seven PAWS-X
languages and the averages of `LANGUAGE_GROUPS` (avg / enf / non-enf); one `Table` per quantity
(clean accuracy, and per recipe: adversarial accuracy, drop, attack success rate), mean ± sample
std over the seeds of a model. Also the transfer tables (accuracy on examples produced against
another model, and on the union of a recipe's attacks) and the interpretability table (mean
`1 - W` per AIF step and language).

Where the records carry per-example predictions (`MetricsRecord.predictions`), every accuracy
cell also gets a 95 % bootstrap confidence interval, and every table whose rows saw identical
inputs (clean splits, model-agnostic splits, transfer and union splits) a "difference vs
baseline" table: the accuracy difference in points, its paired test's p-value (McNemar's exact
test for single runs, a paired bootstrap of seed-averaged correctness otherwise) and a mark
where the Holm-adjusted p-value over that table's comparisons is below 0.05
(`allennlp_xfuse.report.statistics`).

Averages are taken per run first (then over seeds), so their ± is the spread of the runs' averages,
and an average is only given when the run has every language it averages: an average over a
different set of languages would not be comparable across rows.
"""
import dataclasses
import logging
import math
import re
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple

from allennlp_xfuse.data.languages import LANGUAGE_GROUPS, PAWSX_LANGUAGES
from allennlp_xfuse.report.predictions import correctness
from allennlp_xfuse.report.records import (
    ADVERSARIAL,
    CLEAN,
    OWN_TARGET,
    SHARED_TARGET,
    UNION_TARGET,
    MetricsRecord,
)
from allennlp_xfuse.report.statistics import (
    ALPHA,
    PairedTest,
    align,
    bootstrap_ci,
    holm,
    mcnemar_exact,
    paired_bootstrap,
)

logger = logging.getLogger(__name__)

#: Every column of a results table, in order: the languages, then their groups' averages.
COLUMNS: Tuple[str, ...] = PAWSX_LANGUAGES + tuple(LANGUAGE_GROUPS)

FAMILY_ORDER = ("baseline", "dlfa", "aif")
# The family whose rows differ only by fusion layer: "best fusion layer" is chosen among them.
LAYER_SWEEP_FAMILY = "dlfa"
TRANSFER_FAMILY = "transfer"

# Adversarial records that describe a row's own robustness (not transfer from another model).
_ROW_TARGETS = (None, OWN_TARGET, SHARED_TARGET)

# The groups of report.md, in order (`Table.group`).
IDENTICAL_INPUTS = "Comparisons on identical inputs"
PER_MODEL_ATTACKS = "Per-model attacks (a second view: different inputs per model)"
EXPLORATORY = "Exploratory"
INTERPRETABILITY = "Fusion weights"
ROBUST_TRAINING = "Standard vs robust training"
ACROSS_TASKS = "Across tasks"
GROUP_ORDER = (ACROSS_TASKS, IDENTICAL_INPUTS, ROBUST_TRAINING, PER_MODEL_ATTACKS, EXPLORATORY,
               INTERPRETABILITY)


@dataclass(frozen=True)
class Summary:
    """
    The mean of some values and, when there are at least two, their sample standard deviation.

    # Parameters

    mean : `float`
        The mean of the values.
    std : `Optional[float]`
        Sample standard deviation (ddof = 1); `None` for a single value, where it is undefined.
    n : `int`
        How many values were summarised.
    ci_low : `Optional[float]`, optional (default = `None`)
        Lower end of the 95 % bootstrap confidence interval (same unit as `mean`), where the
        records carry per-example predictions.
    ci_high : `Optional[float]`, optional (default = `None`)
        Its upper end.
    p_value : `Optional[float]`, optional (default = `None`)
        Difference tables: the paired test's two-sided p-value.
    p_adjusted : `Optional[float]`, optional (default = `None`)
        Difference tables: the Holm-adjusted p-value over the table's comparisons.
    test : `Optional[str]`, optional (default = `None`)
        Difference tables: `"mcnemar_exact"` or `"paired_bootstrap"`.
    """

    mean: float
    std: Optional[float]
    n: int
    ci_low: Optional[float] = None
    ci_high: Optional[float] = None
    p_value: Optional[float] = None
    p_adjusted: Optional[float] = None
    test: Optional[str] = None


@dataclass
class Row:
    """
    One model's line in a table.

    # Parameters

    model : `str`
        The row's name (`MetricsRecord.model`).
    family : `str`
        `"baseline"`, `"dlfa"`, `"aif"` or `"transfer"`.
    fusion_layer : `Optional[int]`
        The dlfa fusion layer, for the row order.
    runs : `List[str]`
        The runs (seeds) averaged in this row.
    seeds : `List[Optional[int]]`
        Their seeds, in the same order.
    cells : `Dict[str, Optional[Summary]]`
        Column name -> summary over runs, `None` where no run has a value.
    best : `Set[str]`, optional (default = `set()`)
        Columns where this row is the best fusion layer.
    step : `Optional[str]`, optional (default = `None`)
        The AIF step, for fusion-weight tables (several rows per model).
    significant : `Set[str]`, optional (default = `set()`)
        Difference tables: columns where the difference is significant (Holm-adjusted p below
        0.05).
    """

    model: str
    family: str
    fusion_layer: Optional[int]
    runs: List[str]
    seeds: List[Optional[int]]
    cells: Dict[str, Optional[Summary]]
    best: Set[str] = field(default_factory=set)
    step: Optional[str] = None
    significant: Set[str] = field(default_factory=set)


@dataclass
class Table:
    """
    A table of one quantity.

    # Parameters

    name : `str`
        Machine name, e.g. `"adversarial_accuracy/deepwordbug"`.
    title : `str`
        Human title.
    quantity : `str`
        `"accuracy"`, `"drop"`, `"success_rate"`, `"difference"` (vs baseline) or
        `"fusion_weight"`.
    kind : `str`
        `"clean"` or `"adversarial"`.
    recipe : `Optional[str]`
        The adversarial recipe, `None` for clean and fusion-weight tables.
    higher_is_better : `Optional[bool]`
        Direction for "best"; `None` marks nothing.
    unit : `str`
        `"%"`, `"pp"` (percentage points) or `""`.
    decimals : `int`
        Decimals shown in report.md.
    rows : `List[Row]`
        In `row_sort_key` order.
    group : `str`, optional (default = `""`)
        The report.md section (one of `GROUP_ORDER`).
    note : `str`, optional (default = `""`)
        A sentence report.md prints under the title.
    identical_inputs : `bool`, optional (default = `False`)
        Whether every row was evaluated on the same examples (what a paired test needs).
    columns : `Optional[Tuple[str, ...]]`, optional (default = `None`)
        The table's columns, in order, where they are not the PAWS-X ones (`COLUMNS`): another
        task's languages and averages, the across-tasks summary's tasks.
    task : `str`, optional (default = `"pawsx"`)
        The task the table is about (`allennlp_xfuse.report.tasks`); `"all"` for the
        across-tasks summary.
    """

    name: str
    title: str
    quantity: str
    kind: str
    recipe: Optional[str]
    higher_is_better: Optional[bool]
    unit: str
    decimals: int
    rows: List[Row]
    group: str = ""
    note: str = ""
    identical_inputs: bool = False
    columns: Optional[Tuple[str, ...]] = None
    task: str = "pawsx"

    @property
    def column_names(self) -> Tuple[str, ...]:
        """`columns`, else the PAWS-X ones (`COLUMNS`)."""
        return self.columns if self.columns is not None else COLUMNS


# -- building the tables ------------------------------------------------------------------------


def build_tables(records: List[MetricsRecord]) -> List[Table]:
    """
    Builds every results table from `records`: clean accuracy, then for each adversarial recipe
    (alphabetically) the accuracy under attack, the drop from clean accuracy and, when the records
    have it, the attack success rate. Values are in percent (percentage points for the drop).
    Accuracy cells carry their confidence interval where the records have per-example
    predictions, and an accuracy table on identical inputs is followed by its difference vs
    baseline table (`build_difference_table`) when it has one.

    The drop of a run on a language is its accuracy on the same examples before the attack
    (`original_accuracy`, recorded by model-in-the-loop attacks against that run) minus its
    accuracy under attack; without it, its clean accuracy on that language's clean split.
    """
    index = _RunIndex(records)
    tables: List[Table] = []

    def clean_values(run: str) -> Dict[str, Optional[float]]:
        return index.values(run, lambda record, _: _percent(record.accuracy), CLEAN, None)

    clean_rows = _aggregate(index, clean_values)
    if clean_rows:
        mark_best(clean_rows, higher_is_better=True)
        clean_table = Table("clean_accuracy", "Clean accuracy", "accuracy", CLEAN, None, True,
                            "%", 1, clean_rows, group=IDENTICAL_INPUTS, identical_inputs=True)
        _with_statistics(tables, clean_table, index)

    for recipe in index.recipes():
        shared = index.recipe_target(recipe) == SHARED_TARGET
        how = "perturbation shared by all models" if shared else "attack against each model"

        def adversarial_values(run: str, recipe: str = recipe) -> Dict[str, Optional[float]]:
            return index.values(
                run, lambda record, _: _percent(record.accuracy), ADVERSARIAL, recipe
            )

        def drop(record: MetricsRecord, run: str) -> Optional[float]:
            reference = record.original_accuracy
            if reference is None:
                reference = index.clean_accuracy(run, record.language)
            if reference is None or record.accuracy is None:
                return None
            return 100.0 * (reference - record.accuracy)

        def drop_values(run: str, recipe: str = recipe) -> Dict[str, Optional[float]]:
            return index.values(run, drop, ADVERSARIAL, recipe)

        def success_values(run: str, recipe: str = recipe) -> Dict[str, Optional[float]]:
            return index.values(
                run, lambda record, _: _percent(record.success_rate), ADVERSARIAL, recipe
            )

        for quantity, title, per_run, higher, unit in (
            ("accuracy", "Adversarial accuracy", adversarial_values, True, "%"),
            ("drop", "Accuracy drop (clean − adversarial)", drop_values, False, "pp"),
            ("success_rate", "Attack success rate", success_values, False, "%"),
        ):
            rows = _aggregate(index, per_run)
            if not rows:
                continue
            mark_best(rows, higher_is_better=higher)
            name = {"accuracy": "adversarial_accuracy"}.get(quantity, quantity)
            table = Table(f"{name}/{recipe}", f"{title} — {recipe} ({how})", quantity,
                          ADVERSARIAL, recipe, higher, unit, 1, rows,
                          group=IDENTICAL_INPUTS if shared else PER_MODEL_ATTACKS,
                          identical_inputs=shared)
            _with_statistics(tables, table, index)
    return tables


def _with_statistics(tables: List[Table], table: Table, index: "_RunIndex") -> None:
    """
    Appends `table` to `tables`, with confidence intervals on its accuracy cells and, for an
    accuracy table on identical inputs, followed by its difference vs baseline table.
    """
    tables.append(table)
    if table.quantity != "accuracy":
        return
    attach_intervals(table, index)
    if table.identical_inputs:
        difference = build_difference_table(table, index)
        if difference is not None:
            tables.append(difference)


def build_transfer_tables(records: List[MetricsRecord]) -> List[Table]:
    """
    The transfer matrix, from the adversarial records of model-in-the-loop recipes evaluated on
    runs other than the attacked one (`allennlp xfuse-report`, unless `--no-transfer`): per
    recipe, the accuracy of every model on the union of the recipe's attacks against every run
    (target `"union"`), then one table per attacked run with every other model's accuracy on
    the examples produced against it. Each comes with its difference vs baseline table: the
    rows of a table saw identical inputs.
    """
    union = [record for record in records
             if record.kind == ADVERSARIAL and record.target == UNION_TARGET]
    transfer = [
        record for record in records
        if record.kind == ADVERSARIAL
        and record.target not in (None, OWN_TARGET, SHARED_TARGET, UNION_TARGET)
    ]
    tables: List[Table] = []
    for recipe in sorted({str(record.recipe) for record in union + transfer}):
        of_recipe = [r for r in union if r.recipe == recipe]
        if of_recipe:
            tables += _identical_input_tables(
                of_recipe, f"union_accuracy/{recipe}",
                f"Union — {recipe}: accuracy on the examples its attacks produced against every "
                "run, pooled (every model on the same inputs)", recipe,
            )
        by_attacked: Dict[str, List[MetricsRecord]] = OrderedDict()
        for record in transfer:
            if record.recipe == recipe:
                by_attacked.setdefault(record.attacked or str(record.target), []).append(record)
        for attacked in sorted(by_attacked):
            tables += _identical_input_tables(
                by_attacked[attacked], f"transfer_accuracy/{recipe}/{attacked}",
                f"Transfer — {recipe}: accuracy on the examples produced against {attacked} "
                "(every other model)", recipe,
            )
    return tables


def _identical_input_tables(
    records: List[MetricsRecord], name: str, title: str, recipe: str
) -> List[Table]:
    """The accuracy table (and its difference table) of records on one split per language."""
    shared = [
        dataclasses.replace(record, target=SHARED_TARGET, original_accuracy=None,
                            success_rate=None)
        for record in records
    ]
    built = [table for table in build_tables(shared) if table.recipe is not None
             and table.quantity in ("accuracy", "difference")]
    for table in built:
        if table.quantity == "accuracy":
            table.name, table.title = name, title
        else:
            table.name, table.title = f"difference/{name}", f"Δ vs baseline — {title}"
        table.recipe = recipe
    return built


# -- confidence intervals and paired tests ------------------------------------------------------


def _column_languages(column: str) -> Tuple[str, ...]:
    return tuple(LANGUAGE_GROUPS[column]) if column in LANGUAGE_GROUPS else (column,)


def _run_scores(
    index: "_RunIndex", runs: Sequence[str], kind: str, recipe: Optional[str], language: str
) -> Optional[List[Dict[str, float]]]:
    """Each run's example id -> correctness on one language, or `None` if one run has none."""
    return records_correctness(index.by_key[run].get((kind, recipe, language)) for run in runs)


def records_correctness(
    records: Iterable[Optional[MetricsRecord]],
) -> Optional[List[Dict[str, float]]]:
    """
    Each record's example id -> correctness (1.0 right, 0.0 wrong), in order; `None` when one
    record is missing or has no predictions to read, since a paired comparison needs them all.

    # Parameters

    records : `Iterable[Optional[MetricsRecord]]`
        One per run, `None` where a run has no record.
    """
    scores = []
    for record in records:
        if record is None or not record.predictions:
            return None
        values = correctness(record.predictions)
        if not values:
            return None
        scores.append(values)
    return scores


def seed_average(scores: List[Dict[str, float]]) -> Optional[Dict[str, float]]:
    """
    Per-example correctness averaged over runs, `None` unless all saw the same examples.

    # Parameters

    scores : `List[Dict[str, float]]`
        Each run's example id -> correctness.
    """
    if any(run.keys() != scores[0].keys() for run in scores):
        return None
    return {key: math.fsum(run[key] for run in scores) / len(scores) for key in scores[0]}


def attach_intervals(table: Table, index: "_RunIndex") -> None:
    """
    Gives each accuracy cell of `table` its 95 % bootstrap confidence interval, where every run
    of the row has per-example predictions on every language of the column: over the
    seed-averaged per-example correctness when the runs saw the same examples, else (attacks
    made per run) each run's examples resampled on their own; an average column resamples each
    language on its own.
    """
    for row in table.rows:
        for column in COLUMNS:
            summary = row.cells[column]
            if summary is None:
                continue
            groups: List[List[float]] = []
            for language in _column_languages(column):
                scores = _run_scores(index, row.runs, table.kind, table.recipe, language)
                if scores is None:
                    groups = []
                    break
                averaged = seed_average(scores)
                if averaged is not None:
                    groups.append([averaged[key] for key in sorted(averaged)])
                else:
                    groups.extend([run[key] for key in sorted(run)] for run in scores)
            if groups:
                low, high = bootstrap_ci(groups)
                row.cells[column] = dataclasses.replace(
                    summary, ci_low=100.0 * low, ci_high=100.0 * high
                )


def build_difference_table(table: Table, index: "_RunIndex") -> Optional[Table]:
    """
    The difference vs baseline of a PAWS-X accuracy `table` whose rows saw identical inputs
    (`difference_table`, each cell's test from the runs' per-example predictions in `index`).
    """
    return difference_table(
        table, lambda row, baseline, column: _paired_test(index, table, row, baseline, column)
    )


def difference_table(
    table: Table, paired_test: Callable[[Row, Row, str], Optional[PairedTest]]
) -> Optional[Table]:
    """
    The difference vs baseline of an accuracy `table` whose rows saw identical inputs: for
    every other row and column, the accuracy difference (row − baseline, in points), its
    paired test and the Holm-adjusted p-value over every comparison of the table; `significant`
    marks the columns where the adjusted p < 0.05. `None` without a baseline row or without a
    single test (no per-example predictions).

    A single run on each side of one language is compared with McNemar's exact test; several
    seeds (per-example correctness averaged over seeds) or an average column (languages
    resampled on their own) with a paired bootstrap: what `paired_test` does. Runs evaluated on
    different examples than the baseline's are a `ValueError` (`statistics.align`) logged as a
    warning, and the cell is left out.

    # Parameters

    table : `Table`
        Accuracies, one row per model, a `"baseline"` family row among them.
    paired_test : `Callable[[Row, Row, str], Optional[PairedTest]]`
        The test of (row, baseline row, column); `None` where there is nothing to test.
    """
    baseline = next((row for row in table.rows if row.family == "baseline"), None)
    if baseline is None:
        return None
    rows: List[Row] = []
    tests: List[Tuple[Row, str, PairedTest]] = []
    for row in table.rows:
        if row is baseline:
            continue
        out = Row(model=row.model, family=row.family, fusion_layer=row.fusion_layer,
                  runs=list(row.runs), seeds=list(row.seeds),
                  cells={column: None for column in table.column_names})
        for column in table.column_names:
            if row.cells.get(column) is None or baseline.cells.get(column) is None:
                continue
            try:
                test = paired_test(row, baseline, column)
            except ValueError as error:
                logger.warning("%s, %s vs %s, %s: no paired test: %s", table.name, row.model,
                               baseline.model, column, error)
                continue
            if test is None:
                continue
            out.cells[column] = Summary(mean=100.0 * test.difference, std=None,
                                        n=test.num_examples, p_value=test.p_value, test=test.test)
            tests.append((out, column, test))
        rows.append(out)
    if not tests:
        return None
    for (row, column, _), p_adjusted in zip(tests, holm([test.p_value for *_, test in tests])):
        row.cells[column] = dataclasses.replace(  # type: ignore[arg-type]
            row.cells[column], p_adjusted=p_adjusted
        )
        if p_adjusted < ALPHA:
            row.significant.add(column)
    return dataclasses.replace(
        table, name=f"difference/{table.name}", title=f"Δ vs baseline — {table.title}",
        quantity="difference", higher_is_better=None, unit="pp", decimals=1,
        rows=[row for row in rows if _has_value(row.cells)],
        note=f"Accuracy minus {baseline.model}'s on the same examples, in points; p = paired "
        "two-sided p-value (McNemar's exact test for one run each, else a paired bootstrap); "
        f"* = significant after Holm's adjustment over this table's {len(tests)} comparisons "
        f"(adjusted p < {ALPHA}).",
        identical_inputs=True,
    )


def _paired_test(
    index: "_RunIndex", table: Table, row: Row, baseline: Row, column: str
) -> Optional[PairedTest]:
    row_groups, baseline_groups = [], []
    for language in _column_languages(column):
        row_scores = _run_scores(index, row.runs, table.kind, table.recipe, language)
        baseline_scores = _run_scores(index, baseline.runs, table.kind, table.recipe, language)
        if row_scores is None or baseline_scores is None:
            return None
        row_average, baseline_average = seed_average(row_scores), seed_average(baseline_scores)
        if row_average is None or baseline_average is None:
            raise ValueError("the runs of one row were evaluated on different examples")
        a, b = align(row_average, baseline_average, f"{row.model} ({language})",
                     f"{baseline.model} ({language})")
        row_groups.append(a)
        baseline_groups.append(b)
    if len(row_groups) == 1 and len(row.runs) == 1 and len(baseline.runs) == 1:
        return mcnemar_exact(row_groups[0], baseline_groups[0])
    return paired_bootstrap(row_groups, baseline_groups)


def build_fusion_weight_table(records: List[MetricsRecord], kind: str = CLEAN) -> Optional[Table]:
    """
    Returns the fusion-weight table over the `kind` splits (clean by default: the weights a model
    uses on natural text), or `None` if no record carries fusion weights.

    Rows are (model, step) in the order the encoder reports its steps (top step first). Under
    `norm: layer_norm` this mean sits near 0.5 (AFF's reference initialization) or near
    `1 - initial_top_weight` by construction: the last LayerNorm centres the gate's input across
    channels, so the channel average moves only with the norms' biases. What the weights do
    channel by channel is in `build_fusion_channel_tables`.

    # Parameters

    records : `List[MetricsRecord]`
        The report's records; those of other kinds or without fusion weights are ignored.
    kind : `str`, optional (default = `"clean"`)
        `"clean"` or `"adversarial"`.
    """
    title = "Fusion weights: share taken from the lower layer, mean 1 − W over real tokens"
    return _fusion_statistic_table(records, kind, "fusion_weights", title, "mean")


#: The per-channel statistics of `FusionWeightStats` that the report tabulates: table name,
#: title, attribute.
FUSION_CHANNEL_STATISTICS = (
    ("fusion_median", "Fusion weights per channel: median across channels of each channel's "
     "mean W over real tokens", "channel_median"),
    ("fusion_channel_std", "Fusion weights per channel: std across channels of each channel's "
     "mean W", "channel_std"),
    ("fusion_saturated", "Fusion weights: share of saturated gates (W < 0.1 or W > 0.9, token × "
     "channel)", "saturated"),
    ("fusion_initial_shift", "Fusion weights: shift from initialization, mean |W − W_init| "
     "against a freshly initialized copy on the same inputs", "initial_shift"),
    ("fusion_moved_channels", "Fusion weights: share of channels whose mean W moved by more "
     "than 0.1 from initialization", "moved_channels"),
)


def build_fusion_channel_tables(records: List[MetricsRecord], kind: str = CLEAN) -> List[Table]:
    """
    One table per statistic of `FUSION_CHANNEL_STATISTICS` that the records' fusion weights
    carry (`FusionWeightStats`, from `FusionWeightCollector.channel_results`): rows (model,
    step), columns the languages, mean ± std over seeds. Empty when the records carry only the
    mean of `1 - W`.

    # Parameters

    records : `List[MetricsRecord]`
        The report's records; those of other kinds or without fusion weights are ignored.
    kind : `str`, optional (default = `"clean"`)
        `"clean"` or `"adversarial"`.
    """
    tables = [
        _fusion_statistic_table(records, kind, name, title, attribute)
        for name, title, attribute in FUSION_CHANNEL_STATISTICS
    ]
    return [table for table in tables if table is not None]


def _fusion_statistic_table(
    records: List[MetricsRecord], kind: str, name: str, title: str, attribute: str
) -> Optional[Table]:
    """
    The table of one statistic (`attribute` of each record's fusion-weight statistics, skipped
    where missing or `None`), or `None` if no record has it.
    """
    # (model, step) -> run -> language -> value
    values: Dict[Tuple[str, str], Dict[str, Dict[str, float]]] = OrderedDict()
    info: Dict[str, MetricsRecord] = {}
    for record in records:
        if record.kind != kind or not record.fusion_weights:
            continue
        for stats in record.fusion_weights:
            value = getattr(stats, attribute, None)
            if value is None:
                continue
            info.setdefault(record.model, record)
            per_run = values.setdefault((record.model, stats.step), OrderedDict())
            per_run.setdefault(record.run_id, {})[record.language] = value
    if not values:
        return None

    rows = []
    for (model, step), per_run in values.items():
        run_columns = [with_averages(dict(languages)) for languages in per_run.values()]
        cells = {
            column: summarize([run[column] for run in run_columns if run[column] is not None])
            for column in COLUMNS
        }
        first = info[model]
        seeds = [
            next(r.seed for r in records if r.run_id == run) for run in per_run
        ]
        rows.append(
            Row(model=model, family=first.family, fusion_layer=first.fusion_layer,
                runs=list(per_run), seeds=seeds, cells=cells, step=step)
        )
    step_order = {key: position for position, key in enumerate(values)}
    rows.sort(
        key=lambda row: (row_sort_key(row.model, row.family, row.fusion_layer),
                         step_order[(row.model, row.step)])
    )
    if kind != CLEAN:
        title += f" ({kind} splits)"
    return Table(f"{name}/{kind}", title, "fusion_weight", kind, None, None, "", 3, rows)


# -- the pieces ---------------------------------------------------------------------------------


class _RunIndex:
    """The records of every run, indexed by (kind, recipe, language)."""

    def __init__(self, records: List[MetricsRecord]) -> None:
        self.info: Dict[str, MetricsRecord] = OrderedDict()
        self.by_key: Dict[str, Dict[Tuple[str, Optional[str], str], MetricsRecord]] = defaultdict(
            dict
        )
        for record in records:
            if record.kind == ADVERSARIAL and record.target not in _ROW_TARGETS:
                continue  # transfer records: another model's attack, not this row's robustness
            run = record.run_id
            self.info.setdefault(run, record)
            recipe = record.recipe if record.kind == ADVERSARIAL else None
            key = (record.kind, recipe, record.language)
            if key in self.by_key[run]:
                logger.warning(
                    "Two records for run %s, %s %s %s (%s and %s); using the latter.",
                    run, key[0], key[1] or "", key[2], self.by_key[run][key].split, record.split,
                )
            self.by_key[run][key] = record

    def recipes(self) -> List[str]:
        return sorted(
            {key[1] for runs in self.by_key.values() for key in runs if key[0] == ADVERSARIAL}
        )

    def recipe_target(self, recipe: str) -> str:
        """`"shared"` if every split of `recipe` is model-agnostic, else `"own"`."""
        targets = {
            record.target
            for runs in self.by_key.values()
            for key, record in runs.items()
            if key[0] == ADVERSARIAL and key[1] == recipe
        }
        return SHARED_TARGET if targets == {SHARED_TARGET} else OWN_TARGET

    def values(
        self, run: str, value_of: Callable[[MetricsRecord, str], Optional[float]], kind: str,
        recipe: Optional[str],
    ) -> Dict[str, Optional[float]]:
        per_language: Dict[str, Optional[float]] = {}
        for language in PAWSX_LANGUAGES:
            record = self.by_key[run].get((kind, recipe, language))
            per_language[language] = None if record is None else value_of(record, run)
        return with_averages(per_language)

    def clean_accuracy(self, run: str, language: str) -> Optional[float]:
        record = self.by_key[run].get((CLEAN, None, language))
        return None if record is None else record.accuracy


def _aggregate(
    index: _RunIndex,
    per_run: Callable[[str], Dict[str, Optional[float]]],
) -> List[Row]:
    """Groups runs into model rows and summarises every column over the runs that have it."""
    groups: Dict[str, List[str]] = OrderedDict()
    for run, record in index.info.items():
        groups.setdefault(record.model, []).append(run)
    rows = []
    for model, runs in groups.items():
        # Only the runs with a value in this table count as its seeds.
        valued = [(run, per_run(run)) for run in runs]
        valued = [(run, values) for run, values in valued if _has_value(values)]
        if not valued:
            continue
        runs = [run for run, _ in valued]
        run_values = [values for _, values in valued]
        first = index.info[runs[0]]
        cells = {
            column: summarize(
                [values[column] for values in run_values if values[column] is not None]
            )
            for column in COLUMNS
        }
        rows.append(
            Row(
                model=model,
                family=first.family,
                fusion_layer=first.fusion_layer,
                runs=list(runs),
                seeds=[index.info[run].seed for run in runs],
                cells=cells,
            )
        )
    rows.sort(key=lambda row: row_sort_key(row.model, row.family, row.fusion_layer))
    return rows


def mark_best(rows: List[Row], higher_is_better: bool) -> None:
    """
    Marks, per column, the best row among the fusion-layer sweep (`dlfa` rows): the best fusion
    layer. Ties are all marked; with fewer than two candidates nothing is marked.
    """
    candidates = [row for row in rows if row.family == LAYER_SWEEP_FAMILY]
    for column in COLUMNS:
        scored = [(row, row.cells[column]) for row in candidates if row.cells[column] is not None]
        if len(scored) < 2:
            continue
        means = [summary.mean for _, summary in scored]  # type: ignore[union-attr]
        best = max(means) if higher_is_better else min(means)
        for row, summary in scored:
            if abs(summary.mean - best) <= 1e-9:  # type: ignore[union-attr]
                row.best.add(column)


def with_averages(values: Dict[str, Optional[float]]) -> Dict[str, Optional[float]]:
    """Adds the average columns to one run's per-language values."""
    columns = {language: values.get(language) for language in PAWSX_LANGUAGES}
    for name, languages in LANGUAGE_GROUPS.items():
        columns[name] = mean_of_all([columns[language] for language in languages])
    return columns


def row_sort_key(model: str, family: str, fusion_layer: Optional[int]) -> Tuple:
    """Baseline first, then dlfa by fusion layer, then aif, then anything else by name."""
    family_rank = FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER)
    layer = fusion_layer if fusion_layer is not None else -(10**6)
    return (family_rank, layer, _natural_key(model))


def _natural_key(text: str) -> Tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def _has_value(values: Dict[str, Optional[float]]) -> bool:
    return any(value is not None for value in values.values())


def _percent(value: Optional[float]) -> Optional[float]:
    return None if value is None else 100.0 * value


def summarize(values: Sequence[float]) -> Optional[Summary]:
    """
    Returns the `Summary` of `values`, or `None` when there are none.

    The standard deviation is the sample one (ddof = 1): seeds are a sample of the training
    randomness, and this is what papers report as "± std over seeds".
    """
    values = [float(value) for value in values]
    if not values:
        return None
    mean = math.fsum(values) / len(values)
    if len(values) < 2:
        return Summary(mean=mean, std=None, n=1)
    variance = math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1)
    return Summary(mean=mean, std=math.sqrt(variance), n=len(values))


def mean_of_all(values: Sequence[Optional[float]]) -> Optional[float]:
    """The mean of `values`, or `None` if any is missing (an average over a partial set of
    languages would not be comparable with the other rows)."""
    if not values or any(value is None for value in values):
        return None
    return math.fsum(values) / len(values)  # type: ignore[arg-type]
