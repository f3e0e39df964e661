"""
Standard vs robust training (Huang et al., EMNLP 2021): for every model trained both ways (the
row `dlfa@9` and its robust counterpart `dlfa@9+robust`, see `model_identity`), its accuracy
under each training and the robust-minus-standard difference, on the clean splits, on each
model-agnostic perturbation (the same inputs for every model) and on each recipe's transferred
splits (attacks produced against other runs).

Rows and cells follow the results tables (`tables`): per run, every language and the averages
of `LANGUAGE_GROUPS` (an average only when the run has all its languages), then mean ± sample
std over seeds. A difference cell is the robust row's mean minus the standard row's mean, in
percentage points; its spread over seeds is that of the two accuracy rows (no std of its own:
seeds of different training data are not paired draws).

On transferred splits each run's value in a language is its mean accuracy over the attacked
runs that every run of both rows was evaluated on: the two rows then see the same examples, and
an attack produced against one of them (its own split, not a transfer) is in neither.
"""
import math
from collections import OrderedDict
from typing import Callable, Dict, List, Optional, Set, Tuple

from allennlp_xfuse.data.languages import PAWSX_LANGUAGES
from allennlp_xfuse.report.model_identity import is_robust_model, standard_model_name
from allennlp_xfuse.report.records import (
    ADVERSARIAL,
    CLEAN,
    OWN_TARGET,
    SHARED_TARGET,
    UNION_TARGET,
    MetricsRecord,
)
from allennlp_xfuse.report.tables import (
    COLUMNS,
    Row,
    Summary,
    Table,
    row_sort_key,
    summarize,
    with_averages,
)

#: The kinds of split compared, in table order: (group name, title).
SPLIT_GROUPS = (
    ("clean", "clean splits"),
    ("shared", "perturbation shared by all models"),
    ("union", "the union of every run's attacks (identical inputs)"),
    ("transfer", "attacks transferred from other runs"),
)

# One run's value per language (None: not evaluated there).
_RunValues = Dict[str, Optional[float]]


def build_robust_training_tables(records: List[MetricsRecord]) -> List[Table]:
    """
    The standard-vs-robust tables: for the clean splits, then per recipe for the shared
    perturbations and for the transferred attacks, an accuracy table (for each model trained
    both ways, its standard row then its robust row, in %) and a difference table (robust −
    standard, in pp). Tables with no model evaluated both ways are left out; no record of a
    robust model gives no table at all.

    # Parameters

    records : `List[MetricsRecord]`
        The report's records (those of `build_tables` and the transfer records).
    """
    pairs = _model_pairs(records)
    if not pairs:
        return []
    tables: List[Table] = []
    for group, how in SPLIT_GROUPS:
        for recipe in _recipes(records, group):
            accuracy_rows: List[Row] = []
            difference_rows: List[Row] = []
            for standard, robust in pairs:
                values = _pair_values(records, group, recipe, standard, robust)
                if values is None:
                    continue
                standard_row = _row(records, standard, values[standard])
                robust_row = _row(records, robust, values[robust])
                accuracy_rows += [standard_row, robust_row]
                difference_rows.append(_difference_row(standard_row, robust_row))
            if not accuracy_rows:
                continue
            kind = CLEAN if group == "clean" else ADVERSARIAL
            suffix = "" if recipe is None else f"/{recipe}"
            what = how if recipe is None else f"{recipe} ({how})"
            tables.append(
                Table(f"robust_training/{group}_accuracy{suffix}",
                      f"Standard vs robust training — accuracy, {what}", "accuracy", kind,
                      recipe, True, "%", 1, accuracy_rows)
            )
            tables.append(
                Table(f"robust_training/{group}_difference{suffix}",
                      f"Robust − standard training — accuracy difference, {what}",
                      "difference", kind, recipe, True, "pp", 1, difference_rows)
            )
    return tables


def _model_pairs(records: List[MetricsRecord]) -> List[Tuple[str, str]]:
    """`(standard, robust)` row names of every model with records under both trainings."""
    models = {record.model: record for record in records}
    pairs = [
        (standard_model_name(model), model)
        for model in models
        if is_robust_model(model) and standard_model_name(model) in models
    ]
    return sorted(
        pairs,
        key=lambda pair: row_sort_key(
            pair[0], models[pair[0]].family, models[pair[0]].fusion_layer
        ),
    )


def _group_of(record: MetricsRecord) -> Optional[str]:
    """The split group of a record (`SPLIT_GROUPS`), `None` for a model's own attack."""
    if record.kind == CLEAN:
        return "clean"
    if record.target == SHARED_TARGET:
        return "shared"
    if record.target == UNION_TARGET:
        return "union"
    if record.target not in (None, OWN_TARGET):
        return "transfer"
    return None


def _recipes(records: List[MetricsRecord], group: str) -> List[Optional[str]]:
    """The recipes of a split group, alphabetically (`[None]` for the clean splits)."""
    if group == "clean":
        return [None]
    return sorted({str(r.recipe) for r in records if _group_of(r) == group})


def _pair_values(
    records: List[MetricsRecord],
    group: str,
    recipe: Optional[str],
    standard: str,
    robust: str,
) -> Optional[Dict[str, Dict[str, _RunValues]]]:
    """
    model -> run -> per-language accuracy (%, with the averages) of the two rows on the splits
    of `group` and `recipe`, or `None` when either row has no value there.
    """
    selected = [
        r for r in records
        if r.model in (standard, robust) and _group_of(r) == group
        and (recipe is None or r.recipe == recipe) and r.accuracy is not None
    ]
    runs: Dict[str, Dict[str, List[MetricsRecord]]] = {standard: OrderedDict(),
                                                        robust: OrderedDict()}
    for record in selected:
        runs[record.model].setdefault(record.run_id, []).append(record)
    if not runs[standard] or not runs[robust]:
        return None
    value_of = _transfer_values(runs) if group == "transfer" else _split_values
    values = {
        model: OrderedDict((run, with_averages(value_of(run, run_records)))
                           for run, run_records in model_runs.items())
        for model, model_runs in runs.items()
    }
    if not all(any(v is not None for run in values[m].values() for v in run.values())
               for m in values):
        return None
    return values


def _split_values(run: str, run_records: List[MetricsRecord]) -> _RunValues:
    """A run's accuracy (%) per language, one split per language (the last record wins)."""
    per_language: _RunValues = {language: None for language in PAWSX_LANGUAGES}
    for record in run_records:
        per_language[record.language] = 100.0 * float(record.accuracy)  # type: ignore[arg-type]
    return per_language


def _transfer_values(
    runs: Dict[str, Dict[str, List[MetricsRecord]]]
) -> Callable[[str, List[MetricsRecord]], _RunValues]:
    """
    The per-run values on transferred splits: per language, the mean accuracy (%) over the
    attacked runs (targets) that every run of both rows was evaluated on in that language.
    """
    common: Dict[str, Set[str]] = {}
    for language in PAWSX_LANGUAGES:
        target_sets = [
            {r.target for r in run_records if r.language == language}
            for model_runs in runs.values() for run_records in model_runs.values()
        ]
        common[language] = set.intersection(*target_sets) if target_sets else set()  # type: ignore

    def values(run: str, run_records: List[MetricsRecord]) -> _RunValues:
        per_language: _RunValues = {}
        for language in PAWSX_LANGUAGES:
            accuracies = {
                r.target: 100.0 * float(r.accuracy)  # type: ignore[arg-type]
                for r in run_records if r.language == language and r.target in common[language]
            }
            per_language[language] = (
                math.fsum(accuracies.values()) / len(accuracies) if accuracies else None
            )
        return per_language

    return values


def _row(records: List[MetricsRecord], model: str, run_values: Dict[str, _RunValues]) -> Row:
    """The row of `model` over its runs' values (mean ± std over the runs that have a column)."""
    first = next(record for record in records if record.model == model)
    seeds = {record.run_id: record.seed for record in records if record.model == model}
    cells = {
        column: summarize([values[column] for values in run_values.values()
                           if values[column] is not None])
        for column in COLUMNS
    }
    return Row(model=model, family=first.family, fusion_layer=first.fusion_layer,
               runs=list(run_values), seeds=[seeds[run] for run in run_values], cells=cells)


def _difference_row(standard: Row, robust: Row) -> Row:
    """`robust` − `standard` per column (pp), where both rows have a value."""
    cells: Dict[str, Optional[Summary]] = {}
    for column in COLUMNS:
        ours, theirs = robust.cells[column], standard.cells[column]
        cells[column] = (
            None if ours is None or theirs is None
            else Summary(mean=ours.mean - theirs.mean, std=None, n=min(ours.n, theirs.n))
        )
    return Row(model=f"{robust.model} − {standard.model}", family=standard.family,
               fusion_layer=standard.fusion_layer, runs=standard.runs + robust.runs,
               seeds=standard.seeds + robust.seeds, cells=cells)
