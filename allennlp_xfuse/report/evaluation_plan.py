"""Which (archive, split) pairs `allennlp xfuse-report` evaluates."""
import logging
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

from allennlp_xfuse.report.adversarial_splits import AdversarialSplit
from allennlp_xfuse.report.discovery import Run, attacked_run
from allennlp_xfuse.report.records import ADVERSARIAL, CLEAN, OWN_TARGET, SHARED_TARGET

logger = logging.getLogger(__name__)


@dataclass
class EvaluationPair:
    """
    One evaluation to run (or read from the cache).

    # Parameters

    run : `Run`
    split : `str`
        The data file.
    kind : `str`
        `"clean"` or `"adversarial"`.
    language : `str`
    recipe : `Optional[str]`
    target : `Optional[str]`
        Adversarial: `"own"` (attack against this run), `"shared"` (model-agnostic), or the name
        of the attacked run (transfer).
    adversarial : `Optional[AdversarialSplit]`
    """

    run: Run
    split: str
    kind: str
    language: str
    recipe: Optional[str] = None
    target: Optional[str] = None
    adversarial: Optional[AdversarialSplit] = None


def plan_evaluations(
    runs: Sequence[Run],
    clean_splits: Dict[str, str],
    adversarial_splits: Sequence[AdversarialSplit],
    transfer: bool = False,
) -> List[EvaluationPair]:
    """
    Every run on every clean split; every run on every model-agnostic adversarial split; each
    model-in-the-loop split on the run it was produced against and, with `transfer`, on every
    other run as well. Splits without a language, and attacks whose run is not among `runs`
    (without `transfer`), are skipped with a warning.
    """
    pairs: List[EvaluationPair] = []
    for run in runs:
        for language, path in clean_splits.items():
            pairs.append(EvaluationPair(run, path, CLEAN, language))
    for split in adversarial_splits:
        if split.language is None:
            logger.warning("%s: no language in its records or name; skipped.", split.path)
            continue
        if split.shared:
            for run in runs:
                pairs.append(
                    EvaluationPair(run, split.path, ADVERSARIAL, split.language, split.recipe,
                                   SHARED_TARGET, split)
                )
            continue
        attacked = attacked_run(split, runs)
        if attacked is None and not transfer:
            logger.warning(
                "%s: produced against %r, which is none of the runs; skipped (use --transfer to "
                "evaluate it on every run).", split.path, split.target,
            )
            continue
        for run in runs:
            if run is attacked:
                target = OWN_TARGET
            elif transfer:
                target = attacked.name if attacked is not None else split.target
            else:
                continue
            pairs.append(
                EvaluationPair(run, split.path, ADVERSARIAL, split.language, split.recipe,
                               target, split)
            )
    return pairs
