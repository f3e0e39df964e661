"""
The report's tables per task and the summary across tasks, built from metrics records alone
(`MetricsRecord.task` says a record's task, `task_score` its metric):

- one table per task and split (clean test data, or each perturbed copy): rows = models, columns
  = the task's languages present in the records (in the task's order), then `avg` / `enf` /
  `non-enf` as `language_groups` defines them over those languages; each cell the task's metric
  in %, mean ± sample std over seeds. Averages are taken per run first and only when the run has
  every language of the group, as in the PAWS-X tables. Tasks whose evaluations keep
  per-example outcomes (classifiers: PAWS-X, XNLI) get 95 % bootstrap confidence intervals;
  tagging cells (NER span F1, POS accuracy) are seed means without one: span F1 is not a mean of
  per-example scores. Those tables are followed by their difference vs baseline (every row saw
  the same examples): points, paired test, Holm's adjustment, as for PAWS-X.
- "across tasks": rows = models, columns = each task's clean `avg` (PAWS-X accuracy, XNLI
  accuracy, NER span F1, POS accuracy) and their `mean`, like the feature-aggregation paper's
  main table; the mean is given only for a model with every task's average.
"""
import dataclasses
import logging
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

from allennlp_xfuse.data.languages import LANGUAGE_FAMILIES, language_groups
from allennlp_xfuse.report.records import ADVERSARIAL, CLEAN, MetricsRecord
from allennlp_xfuse.report.statistics import (
    PairedTest,
    align,
    bootstrap_ci,
    mcnemar_exact,
    paired_bootstrap,
)
from allennlp_xfuse.report.tables import (
    ACROSS_TASKS,
    Row,
    Summary,
    Table,
    difference_table,
    mean_of_all,
    records_correctness,
    row_sort_key,
    seed_average,
    summarize,
)
from allennlp_xfuse.report.tasks import PAWSX, TASKS, ReportTask, task_score

logger = logging.getLogger(__name__)

#: The across-tasks summary's last column: the mean of the tasks' averages.
MEAN_COLUMN = "mean"
#: `Table.task` of the across-tasks summary.
ALL_TASKS = "all"


def summary_column(task: ReportTask) -> str:
    """The across-tasks summary's column of `task`, e.g. `"NER span F1"`."""
    return f"{task.display_name.split(' ')[0]} {task.metric_name}"


def task_languages(task: ReportTask, records: Sequence[MetricsRecord]) -> Tuple[str, ...]:
    """
    The languages of `records`, in the task's order; codes outside the task's set (but with a
    known family) follow, sorted.

    # Parameters

    task : `ReportTask`
    records : `Sequence[MetricsRecord]`
    """
    present = {record.language for record in records}
    others = sorted(
        language for language in present
        if language not in task.languages and language in LANGUAGE_FAMILIES
    )
    return tuple(language for language in task.languages if language in present) + tuple(others)


def build_task_tables(
    records: Sequence[MetricsRecord], skip: Sequence[str] = (PAWSX,)
) -> List[Table]:
    """
    Every task's tables (`build_task_table`) from `records`, task by task in `TASKS` order: the
    clean test data first, then each perturbed split by name. Records of the tasks in `skip`
    (PAWS-X by default: the PAWS-X tables have their own sections) are ignored, and so are the
    English dev records the fusion layer is chosen on.

    # Parameters

    records : `Sequence[MetricsRecord]`
    skip : `Sequence[str]`, optional (default = `("pawsx",)`)
    """
    tables: List[Table] = []
    for task in TASKS.values():
        if task.name in skip:
            continue
        of_task = [record for record in records if record.task == task.name]
        adversarial = [record for record in of_task if record.kind == ADVERSARIAL]
        for split in [None] + sorted({str(record.recipe) for record in adversarial}):
            of_split = [record for record in of_task if record.kind == CLEAN] if split is None \
                else [record for record in adversarial if str(record.recipe) == split]
            table = build_task_table(of_split, task, split)
            if table is None:
                continue
            tables.append(table)
            difference = build_task_difference_table(table, of_split) if task.per_example \
                else None
            if difference is not None:
                tables.append(difference)
    return tables


def build_task_table(
    records: Sequence[MetricsRecord], task: ReportTask, split: Optional[str] = None
) -> Optional[Table]:
    """
    The table of one task on one split (see the module's docstring), or `None` without a record
    that has the task's metric.

    # Parameters

    records : `Sequence[MetricsRecord]`
        The records of that task and split, one per (run, language).
    task : `ReportTask`
    split : `Optional[str]`, optional (default = `None`)
        The perturbed split's name, `None` for the clean test data.
    """
    records = [record for record in records if task_score(record) is not None]
    if not records:
        return None
    languages = task_languages(task, records)
    groups = language_groups(languages)
    columns = languages + tuple(groups)

    by_run = _by_run(records)
    by_model: Dict[str, List[str]] = OrderedDict()
    for run, of_run in by_run.items():
        by_model.setdefault(next(iter(of_run.values())).model, []).append(run)

    rows = []
    for model, runs in by_model.items():
        run_values = []
        for run in runs:
            values: Dict[str, Optional[float]] = {
                language: _percent(task_score(by_run[run][language]))
                if language in by_run[run] else None
                for language in languages
            }
            for name, members in groups.items():
                values[name] = mean_of_all([values[language] for language in members])
            run_values.append(values)
        cells = {
            column: summarize([v[column] for v in run_values if v[column] is not None])
            for column in columns
        }
        if task.per_example:
            for column in columns:
                members = groups.get(column, (column,))
                cells[column] = _with_interval(cells[column], [by_run[run] for run in runs],
                                               members)
        first = next(iter(by_run[runs[0]].values()))
        rows.append(Row(model=model, family=first.family, fusion_layer=first.fusion_layer,
                        runs=list(runs), seeds=[next(iter(by_run[r].values())).seed
                                                for r in runs], cells=cells))
    rows.sort(key=lambda row: row_sort_key(row.model, row.family, row.fusion_layer))

    data = "test data" if split is None else f"perturbed split {split!r}"
    name = f"{task.name}/{'clean' if split is None else split}"
    legend = "; ".join(
        f"{group} = {', '.join(members) if members else 'none present'}"
        for group, members in groups.items()
    )
    statistics = (
        "[lo, hi] = 95 % bootstrap confidence interval over the examples."
        if task.per_example else
        "No confidence interval: cells are means over seeds (± sample std where several)."
    )
    return Table(
        name, f"{task.display_name} — {task.metric_name}, {data}", task.metric_name,
        CLEAN if split is None else ADVERSARIAL, split, True, "%", 1, rows, group=ACROSS_TASKS,
        note=f"Averages over the languages present: {legend} (enf: English's family, "
        f"Indo-European, without English; non-enf: every other family). {statistics}",
        identical_inputs=True, columns=columns, task=task.name,
    )


def _by_run(records: Sequence[MetricsRecord]) -> Dict[str, Dict[str, MetricsRecord]]:
    """Run -> language -> its record, in the records' order."""
    by_run: Dict[str, Dict[str, MetricsRecord]] = OrderedDict()
    for record in records:
        by_run.setdefault(record.run_id, {})[record.language] = record
    return by_run


def _run_correctness(
    runs: Sequence[Dict[str, MetricsRecord]], language: str
) -> Optional[List[Dict[str, float]]]:
    """Each run's example id -> correctness on `language`; `None` unless every run has some."""
    return records_correctness(of_run.get(language) for of_run in runs) or None


def _seed_averaged(
    runs: Sequence[Dict[str, MetricsRecord]], language: str
) -> Optional[Dict[str, float]]:
    """
    Example id -> correctness on `language` averaged over `runs`; `None` where a run has no
    per-example predictions there. Runs of one row evaluated on different examples are a
    `ValueError`.
    """
    scores = _run_correctness(runs, language)
    if scores is None:
        return None
    averaged = seed_average(scores)
    if averaged is None:
        raise ValueError("the runs of one row were evaluated on different examples")
    return averaged


def build_task_difference_table(
    table: Table, records: Sequence[MetricsRecord]
) -> Optional[Table]:
    """
    The difference vs baseline of a task table whose cells are accuracies with per-example
    predictions behind them (XNLI), as `tables.difference_table` makes it: each language's
    paired test (McNemar's exact test for one run each, else a paired bootstrap of the
    seed-averaged correctness), an average column's languages each resampled on their own.

    # Parameters

    table : `Table`
        From `build_task_table`.
    records : `Sequence[MetricsRecord]`
        The records it was built from.
    """
    by_run = _by_run(records)
    languages = [column for column in table.column_names if column not in ("avg", "enf",
                                                                          "non-enf")]
    groups = language_groups(languages)

    def paired_test(row: Row, baseline: Row, column: str) -> Optional[PairedTest]:
        members = groups.get(column, (column,))
        if not members:
            return None
        return _paired_test([by_run[run] for run in row.runs],
                            [by_run[run] for run in baseline.runs], members,
                            f"{row.model} vs {baseline.model}")

    return difference_table(table, paired_test)


def _paired_test(
    row_runs: List[Dict[str, MetricsRecord]], baseline_runs: List[Dict[str, MetricsRecord]],
    languages: Sequence[str], what: str,
) -> Optional[PairedTest]:
    row_groups, baseline_groups = [], []
    for language in languages:
        row_scores = _seed_averaged(row_runs, language)
        baseline_scores = _seed_averaged(baseline_runs, language)
        if row_scores is None or baseline_scores is None:
            return None
        a, b = align(row_scores, baseline_scores, f"{what} ({language})", language)
        row_groups.append(a)
        baseline_groups.append(b)
    if len(row_groups) == 1 and len(row_runs) == 1 and len(baseline_runs) == 1:
        return mcnemar_exact(row_groups[0], baseline_groups[0])
    return paired_bootstrap(row_groups, baseline_groups)


def _with_interval(
    summary: Optional[Summary], runs: List[Dict[str, MetricsRecord]], languages: Sequence[str]
) -> Optional[Summary]:
    """
    `summary` with its bootstrap confidence interval where every run has per-example
    predictions on every one of `languages`: over the seed-averaged correctness when the runs
    saw the same examples, else each run's examples resampled on their own; the languages of an
    average each on their own.
    """
    if summary is None or not languages:
        return summary
    groups: List[List[float]] = []
    for language in languages:
        scores = _run_correctness(runs, language)
        if scores is None:
            return summary
        averaged = seed_average(scores)
        if averaged is not None:
            groups.append([averaged[key] for key in sorted(averaged)])
        else:
            groups.extend([score[key] for key in sorted(score)] for score in scores)
    low, high = bootstrap_ci(groups)
    return dataclasses.replace(summary, ci_low=100.0 * low, ci_high=100.0 * high)


def build_across_tasks_table(
    records: Sequence[MetricsRecord], task_tables: Sequence[Table]
) -> Optional[Table]:
    """
    The across-tasks summary (see the module's docstring) from the clean task tables and, for
    PAWS-X, its clean `records` (tabulated here the same way; its own tables are the PAWS-X
    sections). `None` unless a task other than PAWS-X has a clean table.

    # Parameters

    records : `Sequence[MetricsRecord]`
        The report's records (only PAWS-X's clean ones are read).
    task_tables : `Sequence[Table]`
        `build_task_tables`'s tables.
    """
    clean = {table.task: table for table in task_tables
             if table.kind == CLEAN and table.quantity != "difference"}
    if not clean:
        return None
    pawsx = build_task_table(
        [record for record in records if record.task == PAWSX and record.kind == CLEAN],
        TASKS[PAWSX],
    )
    if pawsx is not None:
        clean[PAWSX] = pawsx
    tasks = [task for task in TASKS.values() if task.name in clean]
    columns = tuple(summary_column(task) for task in tasks) + (MEAN_COLUMN,)

    rows: Dict[str, Row] = OrderedDict()
    for task in tasks:
        for row in clean[task.name].rows:
            target = rows.setdefault(row.model, Row(
                model=row.model, family=row.family, fusion_layer=row.fusion_layer, runs=[],
                seeds=[], cells={column: None for column in columns},
            ))
            # a row holds one run per task and seed: it counts seeds, not runs
            target.seeds += [seed for seed in row.seeds if seed not in target.seeds]
            target.runs = [f"seed {seed}" for seed in target.seeds]
            target.cells[summary_column(task)] = row.cells.get("avg")
    for row in rows.values():
        averages = [row.cells[summary_column(task)] for task in tasks]
        mean = mean_of_all([None if cell is None else cell.mean for cell in averages])
        row.cells[MEAN_COLUMN] = None if mean is None else Summary(mean=mean, std=None,
                                                                   n=len(tasks))
    ordered = sorted(rows.values(),
                     key=lambda row: row_sort_key(row.model, row.family, row.fusion_layer))
    return Table(
        "across_tasks", "Across tasks — each task's average over its languages",
        "average", CLEAN, None, True, "%", 1, ordered, group=ACROSS_TASKS,
        note="Each cell is the model's avg column of that task's clean table (its metric: "
        + ", ".join(f"{task.display_name} {task.metric_name}" for task in tasks)
        + "), mean ± std over seeds; mean = the mean of the tasks' averages, given only for a "
        "model with every task's. seeds = the distinct seeds of the row's runs over the tasks.",
        identical_inputs=True, columns=columns, task=ALL_TASKS,
    )


def _percent(value: Optional[float]) -> Optional[float]:
    return None if value is None else 100.0 * value
