"""
`allennlp xfuse-report` end to end (`build_report`): find the runs and splits, plan and evaluate
each (archive, split) pair once (cached), turn the results into metrics records, build the
tables, draw the plots, and write report.md / results.csv / results.json.
"""
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from allennlp_xfuse.archive_safety import check_archive
from allennlp_xfuse.report.discovery import (
    EvaluationPair,
    LeftOut,
    Run,
    find_adversarial_splits,
    find_clean_splits,
    find_runs,
    plan_evaluations,
)
from allennlp_xfuse.report.evaluation import EvaluationCache, EvaluationResult, evaluate_pairs
from allennlp_xfuse.report.label_audit import audit_report_sections
from allennlp_xfuse.report.plots import write_plots
from allennlp_xfuse.report.records import OWN_TARGET, MetricsRecord
from allennlp_xfuse.report.results_files import render_tables, write_results
from allennlp_xfuse.report.tables import (
    build_fusion_channel_tables,
    build_fusion_weight_table,
    build_tables,
    build_transfer_tables,
)

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
    transfer: bool = False,
    name_from_run: bool = False,
    plots: bool = True,
) -> ReportOutput:
    """
    Everything `allennlp xfuse-report` does; see the subcommand for the parameters. Every
    archive with something left to evaluate is read through first (`check_archive`), so a
    truncated or unsafe one stops the report with its name before any evaluation.
    """
    left_out: List[LeftOut] = []
    runs = find_runs(run_dirs, name_from_run=name_from_run, left_out=left_out)
    if not runs:
        found = "".join(f"; {item.path}: {item.reason}" for item in left_out)
        raise FileNotFoundError(f"No finished model.tar.gz under {', '.join(run_dirs)}{found}")
    clean = find_clean_splits(clean_dir) if clean_dir else {}
    adversarial = (
        find_adversarial_splits(adversarial_dir, os.path.join(output_dir, "splits"), left_out)
        if adversarial_dir else []
    )
    if clean_dir and not clean:
        logger.warning("No clean split found under %s.", clean_dir)
    pairs = plan_evaluations(runs, clean, adversarial, transfer=transfer, left_out=left_out)

    cache = EvaluationCache(os.path.join(output_dir, "cache"))
    cached = [cache.load(pair.run.archive, pair.split) is not None for pair in pairs]
    for archive in sorted({pair.run.archive for pair, hit in zip(pairs, cached) if not hit}):
        check_archive(archive)
    results = evaluate_pairs(pairs, cache, cuda_device=cuda_device, batch_size=batch_size)
    records = [to_record(pair, result) for pair, result in zip(pairs, results)]

    tables = build_tables(records)
    fusion_table = build_fusion_weight_table(records)
    all_tables = (
        tables + ([fusion_table] if fusion_table else []) + build_fusion_channel_tables(records)
        + build_transfer_tables(records)
    )
    written_plots: Dict[str, str] = {}
    if plots:
        written_plots = write_plots(tables, fusion_table, os.path.join(output_dir, "plots"))
    # what the recipes changed and, where a person audited it, whether the labels still hold
    audit_markdown, audit_data = audit_report_sections(
        list(OrderedDict.fromkeys(split.source or split.path for split in adversarial))
    )
    sections = [
        audit_markdown,
        _left_out_section(left_out),
        _sources_section(runs, clean, pairs),
        _plots_section(written_plots, output_dir),
    ]
    files = write_results(
        output_dir, all_tables, records, sections=[s for s in sections if s],
        extra={"plots": written_plots, "clean_splits": clean,
               "left_out": [vars(item) for item in left_out], **audit_data},
    )
    tables_markdown = render_tables(all_tables)
    if audit_markdown:
        tables_markdown = tables_markdown.rstrip("\n") + "\n\n" + audit_markdown
    return ReportOutput(files=files, plots=written_plots,
                        tables_markdown=tables_markdown,
                        evaluated=cached.count(False), cached=cached.count(True),
                        left_out=left_out)


def to_record(pair: EvaluationPair, result: EvaluationResult) -> MetricsRecord:
    """The metrics record of an evaluated pair."""
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
        # the attack's own bookkeeping applies to the attacked run only
        success_rate=adversarial.success_rate if own else None,  # type: ignore[union-attr]
        original_accuracy=adversarial.original_accuracy if own else None,  # type: ignore
        num_examples=result.num_examples,
        split=os.path.abspath(pair.split),
        archive=pair.run.archive,
        metrics=result.metrics,
        fusion_weights=result.fusion_weights.get(pair.language)
        or next(iter(result.fusion_weights.values()), []),
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
    runs: Sequence[Run], clean: Dict[str, str], pairs: Sequence[EvaluationPair]
) -> str:
    lines = ["## Data and runs\n", "| run | model | seed | archive |", "| :-- | :-- | --: | :-- |"]
    for run in runs:
        seed = "" if run.identity.seed is None else str(run.identity.seed)
        lines.append(f"| {run.name} | {run.identity.model} | {seed} | `{run.archive}` |")
    lines += ["", "Clean splits: " + (", ".join(
        f"{language} `{path}`" for language, path in clean.items()) or "none") + "."]
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
