"""
`allennlp xfuse-report` end to end (`build_report`): find the runs and splits, plan and evaluate
each (archive, split) pair once (cached), turn the results into metrics records, build the
tables, draw the plots, and write report.md / results.csv / results.json.
"""
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

from allennlp.common.checks import ConfigurationError

from allennlp_xfuse.archive_safety import check_archive
from allennlp_xfuse.report.attack_settings import attack_settings_section
from allennlp_xfuse.report.discovery import (
    EvaluationPair,
    LeftOut,
    Run,
    attacked_name,
    find_adversarial_splits,
    find_clean_splits,
    find_runs,
    find_selection_split,
    plan_evaluations,
)
from allennlp_xfuse.report.evaluation import (
    EvaluationCache,
    EvaluationResult,
    absolute_split,
    evaluate_pairs,
)
from allennlp_xfuse.report.label_audit import audit_report_sections
from allennlp_xfuse.report.layer_selection import (
    choose_fusion_layers,
    exploratory_tables,
    no_choice_note,
    records_for_tables,
)
from allennlp_xfuse.report.plots import write_plots
from allennlp_xfuse.report.predictions import write_predictions
from allennlp_xfuse.report.records import (
    ADVERSARIAL,
    CLEAN,
    OWN_TARGET,
    SHARED_TARGET,
    UNION_TARGET,
    MetricsRecord,
)
from allennlp_xfuse.report.results_files import render_tables, write_results
from allennlp_xfuse.report.robust_training import build_robust_training_tables
from allennlp_xfuse.report.tables import (
    INTERPRETABILITY,
    ROBUST_TRAINING,
    build_fusion_channel_tables,
    build_fusion_weight_table,
    build_tables,
    build_transfer_tables,
)
from allennlp_xfuse.report.task_splits import EXPECTED_FILES, TaskData, find_task_splits
from allennlp_xfuse.report.task_tables import build_across_tasks_table, build_task_tables
from allennlp_xfuse.report.tasks import PAWSX, TASKS
from allennlp_xfuse.report.union_split import write_union_splits

logger = logging.getLogger(__name__)


@dataclass
class ReportOutput:
    """
    What `build_report` wrote.

    # Parameters

    files : `Dict[str, str]`
        `report`, `csv`, `json` -> path.
    plots : `Dict[str, str]`
        Figure name -> PNG path.
    tables_markdown : `str`
        The tables part of report.md (title, legend, every table, then the label-audit and
        perturbation-budget tables), without the data-sources and plots sections.
    evaluated : `int`, optional (default = `0`)
        Pairs evaluated in this call.
    cached : `int`, optional (default = `0`)
        Pairs whose results came from the cache.
    left_out : `List[LeftOut]`, optional (default = `None`)
        Runs and splits found but not evaluated, and why (also in report.md and results.json).
    """

    files: Dict[str, str]
    plots: Dict[str, str]
    tables_markdown: str
    evaluated: int = 0
    cached: int = 0
    left_out: Optional[List[LeftOut]] = None


def build_report(
    run_dirs: Sequence[str],
    output_dir: str,
    clean_dir: Optional[str] = None,
    adversarial_dir: Optional[str] = None,
    cuda_device: int = -1,
    batch_size: Optional[int] = None,
    transfer: bool = True,
    name_from_run: bool = False,
    plots: bool = True,
    selection_split: Optional[str] = None,
    task_data: Sequence[TaskData] = (),
) -> ReportOutput:
    """
    Everything `allennlp xfuse-report` does; see the subcommand for the parameters
    (`task_data`: the parsed `--task-data` options). Every run is of one task, from its
    config's dataset reader: PAWS-X runs go through the PAWS-X pipeline (clean, adversarial,
    transfer and union splits, layer selection), the runs of XNLI, NER and POS are evaluated on
    their task's `task_data` (`evaluate_task_data`) and tabulated per task and across tasks
    (`allennlp_xfuse.report.task_tables`). Every
    archive with something left to evaluate is read through first (`check_archive`), so a
    truncated or unsafe one stops the report with its name before any evaluation. With
    `transfer`, the union of each model-in-the-loop recipe's attacks is written per language
    under `<output_dir>/splits/union/` and evaluated on every model too. The dlfa layer the
    tables report is chosen on `selection_split`, else on the English dev split found under
    `clean_dir` (`en/dev_2k.tsv`, `dev-en.tsv`).
    """
    left_out: List[LeftOut] = []
    all_runs = find_runs(run_dirs, name_from_run=name_from_run, left_out=left_out)
    if not all_runs:
        found = "".join(f"; {item.path}: {item.reason}" for item in left_out)
        raise FileNotFoundError(f"No finished model.tar.gz under {', '.join(run_dirs)}{found}")
    clean_dir, task_data = _pawsx_synonym(clean_dir, task_data)
    # the PAWS-X pipeline sees PAWS-X runs only: a tagger cannot read PAWS-X files
    runs = [run for run in all_runs if run.task == PAWSX]
    # (a PAWS-X-only report without data stays as it always was: tables-less, not "left out")
    if runs and len(runs) < len(all_runs) and not clean_dir and not adversarial_dir:
        for run in runs:
            _leave_out_run(left_out, run, "no --clean PAWSX_DIR (or --task-data pawsx=DIR)")
    clean = find_clean_splits(clean_dir) if clean_dir else {}
    adversarial = (
        find_adversarial_splits(adversarial_dir, os.path.join(output_dir, "splits"), left_out)
        if adversarial_dir else []
    )
    if clean_dir and not clean:
        logger.warning("No clean split found under %s.", clean_dir)
    if selection_split is not None and not os.path.isfile(selection_split):
        raise FileNotFoundError(
            f"--selection-split {selection_split}: no such file (give the English dev split, "
            "e.g. x-final/en/dev_2k.tsv or XTREME's dev-en.tsv)"
        )
    if selection_split is None and clean_dir:
        selection_split = find_selection_split(clean_dir)
    unions = []
    if transfer:
        names = {split.path: attacked_name(split, runs) for split in adversarial}
        unions = write_union_splits(adversarial, output_dir, names)
    pairs = plan_evaluations(runs, clean, adversarial, transfer=transfer, left_out=left_out,
                             union_splits=unions, selection_split=selection_split)
    task_pairs, task_splits = plan_task_evaluations(all_runs, task_data, output_dir, left_out)
    pairs += task_pairs

    cache = EvaluationCache(os.path.join(output_dir, "cache"))
    cached = [cache.load(pair.run.archive, pair.split) is not None for pair in pairs]
    for archive in sorted({pair.run.archive for pair, hit in zip(pairs, cached) if not hit}):
        check_archive(archive)
    results = evaluate_pairs(pairs, cache, cuda_device=cuda_device, batch_size=batch_size)
    records = [
        to_record(pair, result, _predictions_file(pair, result, cache, output_dir))
        for pair, result in zip(pairs, results)
    ]

    # the other tasks' tables, per task and split, and the summary across tasks
    task_tables = build_task_tables(records)
    across = build_across_tasks_table(records, task_tables)
    task_tables = ([across] if across is not None else []) + task_tables
    all_records, records = records, [record for record in records if record.task == PAWSX]

    # the test tables show the dlfa layer chosen on English dev; the sweep itself is exploratory
    choices = choose_fusion_layers(records)
    table_records = records_for_tables(records, choices)
    tables = build_tables(table_records)
    if not choices and tables and tables[0].name == "clean_accuracy":
        tables[0].note = no_choice_note(any(r.family == "dlfa" for r in records)).strip()
    fusion_table = build_fusion_weight_table(records)
    fusion_tables = ([fusion_table] if fusion_table else []) + build_fusion_channel_tables(
        records
    )
    for table in fusion_tables:
        table.group = INTERPRETABILITY
    # report.md leads with the comparisons on identical inputs (render_tables groups them)
    # standard vs robust training of each model: from every record, since the tables' records
    # rename the chosen dlfa rows and the pairing goes by row name
    robust_tables = build_robust_training_tables(records)
    for table in robust_tables:
        table.group = ROBUST_TRAINING
    all_tables = (
        task_tables + tables + build_transfer_tables(table_records) + robust_tables
        + exploratory_tables(records, choices) + fusion_tables
    )
    written_plots: Dict[str, str] = {}
    if plots:
        # the figures show the whole layer sweep (the heatmap is fusion layer x language)
        sweep_tables = build_tables(records) if choices else tables
        written_plots = write_plots(sweep_tables, fusion_table,
                                    os.path.join(output_dir, "plots"))
    # what the recipes changed and, where a person audited it, whether the labels still hold
    audit_markdown, audit_data = audit_report_sections(
        list(OrderedDict.fromkeys(split.source or split.path for split in adversarial))
    )
    settings_markdown, settings_data = attack_settings_section(adversarial)
    # a comparison across models under attacks made with different settings says so where read
    for recipe in settings_data.get("attack_settings_warnings", {}):
        for table in all_tables:
            name = table.name[len("difference/"):] if table.name.startswith("difference/") \
                else table.name
            if table.recipe == recipe and name.startswith(("union_accuracy/",
                                                           "transfer_accuracy/")):
                table.note = (f"{table.note} **Warning**: the {recipe} splits compared here "
                              "were made with different settings (see Attack settings).").strip()
    sections = [
        settings_markdown,
        audit_markdown,
        _left_out_section(left_out),
        _sources_section(all_runs, clean, pairs, task_splits),
        _plots_section(written_plots, output_dir),
    ]
    files = write_results(
        output_dir, all_tables, all_records, sections=[s for s in sections if s],
        extra={"plots": written_plots, "clean_splits": clean, "task_splits": task_splits,
               "selection_split": selection_split,
               "chosen_layers": [vars(choice) for choice in choices],
               "left_out": [vars(item) for item in left_out], **settings_data, **audit_data},
    )
    tables_markdown = render_tables(all_tables)
    if audit_markdown:
        tables_markdown = tables_markdown.rstrip("\n") + "\n\n" + audit_markdown
    return ReportOutput(files=files, plots=written_plots,
                        tables_markdown=tables_markdown,
                        evaluated=cached.count(False), cached=cached.count(True),
                        left_out=left_out)


def _predictions_file(
    pair: EvaluationPair, result: EvaluationResult, cache: EvaluationCache, output_dir: str
) -> Optional[str]:
    """
    Writes the pair's per-example predictions to `<output_dir>/predictions/`, named as its
    cache entry, and returns the path (`None` when the evaluation kept none).
    """
    if not result.predictions:
        return None
    name = os.path.basename(cache.path(pair.run.archive, pair.split))
    path = os.path.join(output_dir, "predictions", os.path.splitext(name)[0] + ".jsonl")
    return os.path.abspath(write_predictions(path, result.predictions))


def to_record(
    pair: EvaluationPair, result: EvaluationResult, predictions: Optional[str] = None
) -> MetricsRecord:
    """
    The metrics record of an evaluated pair.

    # Parameters

    pair : `EvaluationPair`
    result : `EvaluationResult`
    predictions : `Optional[str]`, optional (default = `None`)
        The file of its per-example predictions.
    """
    identity = pair.run.identity
    accuracy = result.metrics.get("accuracy")
    adversarial = pair.adversarial
    own = adversarial is not None and pair.target == OWN_TARGET
    return MetricsRecord(
        model=identity.model,
        family=identity.family,
        fusion_layer=identity.fusion_layer,
        seed=identity.seed,
        run=pair.run.run_dir,
        language=pair.language,
        kind=pair.kind,
        accuracy=None if accuracy is None else float(accuracy),
        recipe=pair.recipe,
        target=pair.target,
        attacked=pair.attacked,
        # the attack's own bookkeeping applies to the attacked run only
        success_rate=adversarial.success_rate if own else None,  # type: ignore[union-attr]
        original_accuracy=adversarial.original_accuracy if own else None,  # type: ignore
        num_examples=result.num_examples,
        split=absolute_split(pair.split),
        archive=pair.run.archive,
        metrics=result.metrics,
        fusion_weights=result.fusion_weights.get(pair.language)
        or next(iter(result.fusion_weights.values()), []),
        predictions=predictions,
        task=pair.run.task,
    )


def _left_out_section(left_out: Sequence[LeftOut]) -> str:
    """
    report.md's list of the runs and splits found but not in the tables, and why.

    # Parameters

    left_out : `Sequence[LeftOut]`
    """
    if not left_out:
        return ""
    lines = [
        "## Left out\n",
        "Found under the report's inputs but not evaluated, so not in the tables above:\n",
        "| path | why |", "| :-- | :-- |",
    ]
    lines += [f"| `{item.path}` | {item.reason} |" for item in left_out]
    return "\n".join(lines) + "\n"


def _sources_section(
    runs: Sequence[Run], clean: Dict[str, str], pairs: Sequence[EvaluationPair],
    task_splits: Optional[Dict[str, Dict[str, Dict[str, str]]]] = None,
) -> str:
    tasks = {run.task for run in runs} != {PAWSX}
    lines = ["## Data and runs\n",
             "| run | model | seed | archive |" if not tasks
             else "| run | task | model | seed | archive |",
             "| :-- | :-- | --: | :-- |" if not tasks else "| :-- | :-- | :-- | --: | :-- |"]
    for run in runs:
        seed = "" if run.identity.seed is None else str(run.identity.seed)
        task = f" {run.task} |" if tasks else ""
        lines.append(f"| {run.name} |{task} {run.identity.model} | {seed} | `{run.archive}` |")
    lines += ["", ("PAWS-X clean splits: " if tasks else "Clean splits: ") + (", ".join(
        f"{language} `{path}`" for language, path in clean.items()) or "none") + "."]
    if task_splits:
        lines += ["", "| task | split | language | file(s) |", "| :-- | :-- | :-- | :-- |"]
        for task, by_split in task_splits.items():
            for split, files in by_split.items():
                for language, path in files.items():
                    lines.append(f"| {task} | {split} | {language} | `{path}` |")
    adversarial = OrderedDict(
        (pair.split, pair) for pair in pairs if pair.adversarial is not None
    )
    if adversarial:
        lines += ["", "| adversarial split | language | recipe | produced against |",
                  "| :-- | :-- | :-- | :-- |"]
        for path, pair in adversarial.items():
            against = "shared (model-agnostic)" if pair.adversarial.shared else (
                pair.adversarial.target or "?"
            )
            if pair.target == UNION_TARGET:
                against = "every attacked run (union written by this report)"
            source = pair.adversarial.source or path
            lines.append(f"| `{source}` | {pair.language} | {pair.recipe} | {against} |")
    return "\n".join(lines) + "\n"


def _plots_section(plots: Dict[str, str], output_dir: str) -> str:
    if not plots:
        return ""
    lines = ["## Plots\n"]
    for name, path in plots.items():
        relative = os.path.relpath(path, output_dir)
        lines.append(f"![{name.replace('_', ' ')}]({relative})\n")
    return "\n".join(lines)


# -- the other tasks ----------------------------------------------------------------------------

#: The split name of a task's clean test data in `plan_task_evaluations`'s listing.
CLEAN_SPLIT = "clean"


def _pawsx_synonym(
    clean_dir: Optional[str], task_data: Sequence[TaskData]
) -> Tuple[Optional[str], List[TaskData]]:
    """
    `--task-data pawsx=DIR` is `--clean DIR`: returns the clean directory and the other
    options. Two different PAWS-X directories, or a named PAWS-X split (PAWS-X's perturbed
    splits go through `--adversarial`), are a `ConfigurationError`.
    """
    others = []
    for data in task_data:
        if data.task != PAWSX:
            others.append(data)
            continue
        if data.split is not None:
            raise ConfigurationError(
                f"--task-data pawsx:{data.split}={data.directory}: PAWS-X's perturbed splits "
                "are read from --adversarial ADV_DIR (adv/shared/<lang>.<recipe>.jsonl)"
            )
        if clean_dir and os.path.abspath(clean_dir) != os.path.abspath(data.directory):
            raise ConfigurationError(
                f"--task-data pawsx={data.directory} and --clean {clean_dir} name two PAWS-X "
                "directories; give one"
            )
        clean_dir = data.directory
    return clean_dir, others


def _leave_out_run(left_out: List[LeftOut], run: Run, reason: str) -> None:
    logger.warning("%s: left out: %s", run.run_dir, reason)
    left_out.append(LeftOut(run.run_dir, reason))


def plan_task_evaluations(
    runs: Sequence[Run],
    task_data: Sequence[TaskData],
    output_dir: str,
    left_out: List[LeftOut],
) -> Tuple[List[EvaluationPair], Dict[str, Dict[str, Dict[str, str]]]]:
    """
    Every XNLI, NER and POS run on every language's file of each of its task's `task_data`
    (clean pairs for the test data, adversarial pairs with the split's name as recipe and the
    `"shared"` target for a perturbed copy: the same text for every model). Runs whose task has
    no data, data without a file of the task or without a run of the task, and unusable files
    are left out (appended to `left_out`; runs are logged too).

    # Parameters

    runs : `Sequence[Run]`
        Every run (PAWS-X runs are ignored).
    task_data : `Sequence[TaskData]`
        The `--task-data` options other than PAWS-X's.
    output_dir : `str`
        The report's directory: files written for evaluation (the per-language parts of
        XNLI's official test file) go under `<output_dir>/splits/<task>/<split>/`.
    left_out : `List[LeftOut]`

    # Returns

    The pairs, and task -> split name (`"clean"` or the perturbed split's) -> language -> file.
    """
    pairs: List[EvaluationPair] = []
    listing: Dict[str, Dict[str, Dict[str, str]]] = OrderedDict()
    by_task: Dict[str, List[Run]] = OrderedDict()
    for run in runs:
        if run.task != PAWSX:
            by_task.setdefault(run.task, []).append(run)
    given = {data.task for data in task_data}
    for task, task_runs in by_task.items():
        if task not in given:
            for run in task_runs:
                _leave_out_run(left_out, run, f"a {TASKS[task].display_name} run: no "
                               f"--task-data {task}=DIR")
    for data in task_data:
        split_name = data.split or CLEAN_SPLIT
        work_dir = os.path.join(output_dir, "splits", data.task, split_name)
        splits, skipped = find_task_splits(data.task, data.directory, work_dir)
        for path, why in skipped:
            left_out.append(LeftOut(path, why))
        if not splits:
            left_out.append(LeftOut(
                data.directory, f"no {TASKS[data.task].display_name} test file found: "
                f"expected {EXPECTED_FILES[data.task]} (searched recursively)"
            ))
            continue
        listing.setdefault(data.task, OrderedDict())[split_name] = splits
        if data.task not in by_task:
            left_out.append(LeftOut(data.directory, f"no {TASKS[data.task].display_name} run "
                                    "among the run directories"))
        for run in by_task.get(data.task, []):
            for language, split in splits.items():
                if data.split is None:
                    pairs.append(EvaluationPair(run, split, CLEAN, language))
                else:
                    pairs.append(EvaluationPair(run, split, ADVERSARIAL, language, data.split,
                                                SHARED_TARGET))
    return pairs, listing
