"""
`allennlp xfuse-report` end to end: find runs and splits, evaluate each (archive, split) pair once
(cached), build the tables, draw the plots, write report.md / results.csv / results.json.
"""
import logging
import os
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from allennlp.common.tqdm import Tqdm

from allennlp_xfuse.report.archive_evaluation import ArchiveEvaluation, EvaluationResult
from allennlp_xfuse.report.discovery import (
    Run,
    find_adversarial_splits,
    find_clean_splits,
    find_runs,
)
from allennlp_xfuse.report.evaluation_cache import EvaluationCache
from allennlp_xfuse.report.evaluation_plan import EvaluationPair, plan_evaluations
from allennlp_xfuse.report.fusion_table import build_fusion_weight_table
from allennlp_xfuse.report.records import MetricsRecord
from allennlp_xfuse.report.results_files import write_results
from allennlp_xfuse.report.table import build_tables
from allennlp_xfuse.report.transfer_table import build_transfer_tables

logger = logging.getLogger(__name__)


@dataclass
class ReportOutput:
    """
    # Parameters

    files : `Dict[str, str]`
        `report`, `csv`, `json` -> path.
    plots : `Dict[str, str]`
        Figure name -> PNG path.
    records : `List[MetricsRecord]`
    evaluated : `int`
        Pairs evaluated in this call (the others came from the cache).
    cached : `int`
    """

    files: Dict[str, str]
    plots: Dict[str, str]
    records: List[MetricsRecord]
    evaluated: int = 0
    cached: int = 0
    markdown: str = field(default="", repr=False)


def to_record(pair: EvaluationPair, result: EvaluationResult) -> MetricsRecord:
    """The metrics record of an evaluated pair."""
    identity = pair.run.identity
    accuracy = result.metrics.get("accuracy")
    adversarial = pair.adversarial
    own = adversarial is not None and pair.target == "own"
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


def _sources_section(runs: Sequence[Run], clean: Dict[str, str], pairs) -> str:
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
    Everything `allennlp xfuse-report` does; see the subcommand for the parameters.
    """
    runs = find_runs(run_dirs, name_from_run=name_from_run)
    if not runs:
        raise FileNotFoundError(f"No model.tar.gz under {', '.join(run_dirs)}")
    clean = find_clean_splits(clean_dir) if clean_dir else {}
    adversarial = (
        find_adversarial_splits(adversarial_dir, os.path.join(output_dir, "splits"))
        if adversarial_dir else []
    )
    if clean_dir and not clean:
        logger.warning("No clean split found under %s.", clean_dir)
    pairs = plan_evaluations(runs, clean, adversarial, transfer=transfer)
    cache = EvaluationCache(os.path.join(output_dir, "cache"))
    cached = [cache.load(pair.run.archive, pair.split) is not None for pair in pairs]
    results = evaluate_pairs(pairs, cache, cuda_device=cuda_device, batch_size=batch_size)
    records = [to_record(pair, result) for pair, result in zip(pairs, results)]

    tables = build_tables(records)
    fusion_table = build_fusion_weight_table(records)
    all_tables = tables + ([fusion_table] if fusion_table else []) + build_transfer_tables(records)
    written_plots: Dict[str, str] = {}
    if plots:
        from allennlp_xfuse.report.plots.all_plots import write_plots

        written_plots = write_plots(tables, fusion_table, os.path.join(output_dir, "plots"))
    sections = [_sources_section(runs, clean, pairs), _plots_section(written_plots, output_dir)]
    files = write_results(
        output_dir, all_tables, records, sections=[s for s in sections if s],
        extra={"plots": written_plots, "clean_splits": clean},
    )
    with open(files["report"], encoding="utf-8") as report_file:
        markdown = report_file.read()
    return ReportOutput(files=files, plots=written_plots, records=records,
                        evaluated=cached.count(False), cached=cached.count(True),
                        markdown=markdown)
