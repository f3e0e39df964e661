"""
The report's uncertainty and significance statistics, over per-example correctness (1 = the
model got the example right, 0 = wrong; a seed average gives values in between):

- `bootstrap_ci`: percentile bootstrap confidence interval of an accuracy, resampling the
  examples (each group of examples, e.g. each language of an average or each run of an attack
  made per run, resampled on its own);
- `mcnemar_exact`: McNemar's exact two-sided test of two models' correctness on the same
  examples (a binomial test on the discordant pairs);
- `paired_bootstrap`: the paired bootstrap of an accuracy difference on the same examples (for
  seed-averaged correctness, where McNemar's test does not apply), with a two-sided p-value;
- `holm`: the Holm-Bonferroni adjustment of the p-values of one table's comparisons;
- `align`: the correctness of two evaluations on the same examples, matched by example id.

Pure numpy; every resampling takes a seed, so a report is reproducible.
"""
import math
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import numpy

#: Default bootstrap resamples and confidence level.
RESAMPLES = 1000
CONFIDENCE = 0.95
SEED = 13
#: The significance level the report marks differences at (after Holm's adjustment).
ALPHA = 0.05


def _groups(scores: Sequence[Sequence[float]]) -> List[numpy.ndarray]:
    groups = [numpy.asarray(group, dtype=float) for group in scores]
    if not groups or any(group.ndim != 1 or group.size == 0 for group in groups):
        raise ValueError("bootstrap needs at least one non-empty group of per-example scores")
    return groups


def _resampled_means(
    groups: Sequence[numpy.ndarray], resamples: int, rng: numpy.random.Generator
) -> numpy.ndarray:
    """
    `(resamples,)`: for each resample, the mean over groups of each group's mean over its
    examples drawn with replacement (groups drawn independently).

    A resample's mean depends only on how many times each distinct value is drawn, and those
    counts are multinomial with the values' shares: drawing the counts gives the same
    distribution as drawing examples, in `resamples x distinct values` instead of
    `resamples x examples` (correctness takes 2 values, its average over k seeds k + 1).
    """
    total = numpy.zeros(resamples)
    for group in groups:
        values, counts = numpy.unique(group, return_counts=True)
        draws = rng.multinomial(group.size, counts / group.size, size=resamples)
        total += draws @ values / group.size
    return total / len(groups)


def bootstrap_ci(
    scores: Sequence[Sequence[float]],
    resamples: int = RESAMPLES,
    confidence: float = CONFIDENCE,
    seed: int = SEED,
) -> Tuple[float, float]:
    """
    Percentile bootstrap confidence interval `(low, high)`, as fractions, of the mean over
    groups of each group's mean score. One group is one accuracy (`[correct]`); several are
    resampled independently: the languages of an average, or runs evaluated on different
    examples.

    # Parameters

    scores : `Sequence[Sequence[float]]`
        Groups of per-example scores (0/1 correctness, or its average over seeds).
    resamples : `int`, optional (default = `1000`)
    confidence : `float`, optional (default = `0.95`)
    seed : `int`, optional (default = `13`)
        Seed of the `numpy.random.Generator`.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be in (0, 1), not {confidence}")
    means = _resampled_means(_groups(scores), resamples, numpy.random.default_rng(seed))
    tail = (1.0 - confidence) / 2.0
    low, high = numpy.quantile(means, [tail, 1.0 - tail])
    return float(low), float(high)


@dataclass(frozen=True)
class PairedTest:
    """
    The outcome of a paired comparison of model A against model B on the same examples.

    # Parameters

    difference : `float`
        Accuracy of A minus accuracy of B, as a fraction.
    p_value : `float`
        Two-sided p-value, at most 1.
    test : `str`
        `"mcnemar_exact"` or `"paired_bootstrap"`.
    num_examples : `int`
        How many paired examples (summed over groups).
    a_only : `Optional[int]`, optional (default = `None`)
        McNemar: examples A got right and B wrong.
    b_only : `Optional[int]`, optional (default = `None`)
        McNemar: examples B got right and A wrong.
    """

    difference: float
    p_value: float
    test: str
    num_examples: int
    a_only: Optional[int] = None
    b_only: Optional[int] = None


def mcnemar_exact(a_correct: Sequence[float], b_correct: Sequence[float]) -> PairedTest:
    """
    McNemar's exact two-sided test: of the `n` discordant examples (one model right, the other
    wrong), `b` favour A; under the null each favours A with probability 1/2, so
    `p = min(1, 2 * P(Binomial(n, 1/2) <= min(b, n - b)))`. No discordant example gives p = 1.

    # Parameters

    a_correct : `Sequence[float]`
        Model A's 0/1 correctness per example.
    b_correct : `Sequence[float]`
        Model B's, on the same examples in the same order.
    """
    a = numpy.asarray(a_correct, dtype=float)
    b = numpy.asarray(b_correct, dtype=float)
    if a.shape != b.shape or a.ndim != 1 or a.size == 0:
        raise ValueError(f"McNemar's test needs two equally long, non-empty vectors: {a.shape} "
                         f"vs {b.shape}")
    if not (numpy.isin(a, (0.0, 1.0)).all() and numpy.isin(b, (0.0, 1.0)).all()):
        raise ValueError("McNemar's test needs 0/1 correctness (one run per model); use "
                         "paired_bootstrap for seed-averaged correctness")
    a_only = int(((a == 1) & (b == 0)).sum())
    b_only = int(((a == 0) & (b == 1)).sum())
    discordant = a_only + b_only
    if discordant == 0:
        p_value = 1.0
    else:
        smaller = min(a_only, b_only)
        tail = math.fsum(math.comb(discordant, k) for k in range(smaller + 1))
        p_value = min(1.0, 2.0 * tail / 2.0**discordant)
    return PairedTest(
        difference=float(a.mean() - b.mean()), p_value=p_value, test="mcnemar_exact",
        num_examples=int(a.size), a_only=a_only, b_only=b_only,
    )


def paired_bootstrap(
    a_scores: Sequence[Sequence[float]],
    b_scores: Sequence[Sequence[float]],
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> PairedTest:
    """
    Paired bootstrap of the difference of accuracies, A - B (mean over groups of each group's
    mean): the same resampled examples for both models, groups resampled independently. The
    two-sided p-value is twice the share of resampled differences on the far side of zero
    (`min(1, 2 * min(P(d* <= 0), P(d* >= 0)))`); identical scores give p = 1.

    # Parameters

    a_scores : `Sequence[Sequence[float]]`
        Groups (e.g. languages) of model A's per-example scores.
    b_scores : `Sequence[Sequence[float]]`
        Model B's, the same groups and examples in the same order.
    resamples : `int`, optional (default = `1000`)
    seed : `int`, optional (default = `13`)
    """
    a_groups, b_groups = _groups(a_scores), _groups(b_scores)
    if [g.shape for g in a_groups] != [g.shape for g in b_groups]:
        raise ValueError("paired bootstrap needs the same examples for both models")
    differences = [a - b for a, b in zip(a_groups, b_groups)]
    observed = float(numpy.mean([d.mean() for d in differences]))
    if all(not d.any() for d in differences):
        p_value = 1.0
    else:
        means = _resampled_means(differences, resamples, numpy.random.default_rng(seed))
        p_value = min(1.0, 2.0 * min(float((means <= 0).mean()), float((means >= 0).mean())))
    return PairedTest(difference=observed, p_value=p_value, test="paired_bootstrap",
                      num_examples=sum(d.size for d in differences))


def holm(p_values: Sequence[float]) -> List[float]:
    """
    Holm-Bonferroni adjusted p-values, in the input order: sorted ascending, the i-th
    (0-based) of m is multiplied by m - i, made non-decreasing, capped at 1. Rejecting where
    the adjusted p < alpha controls the family-wise error rate at alpha.
    """
    m = len(p_values)
    order = sorted(range(m), key=lambda index: p_values[index])
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * float(p_values[index])))
        adjusted[index] = running
    return adjusted


def align(
    a: Dict[str, float], b: Dict[str, float], what_a: str = "A", what_b: str = "B"
) -> Tuple[List[float], List[float]]:
    """
    The scores of `a` and `b` (example id -> score) on the same examples, in one order. Two
    evaluations pair only on the same examples: different ids are a `ValueError` naming some.

    # Parameters

    a : `Dict[str, float]`
    b : `Dict[str, float]`
    what_a : `str`, optional (default = `"A"`)
        How to name `a` in the error (its predictions file).
    what_b : `str`, optional (default = `"B"`)
    """
    if a.keys() != b.keys():
        only_a = sorted(set(a) - set(b))
        only_b = sorted(set(b) - set(a))
        raise ValueError(
            f"cannot pair {what_a} with {what_b}: their example ids differ ({len(only_a)} only "
            f"in the first, e.g. {only_a[:3]}; {len(only_b)} only in the second, e.g. "
            f"{only_b[:3]}); paired statistics need both models evaluated on the same split"
        )
    ids = sorted(a)
    return [a[i] for i in ids], [b[i] for i in ids]
