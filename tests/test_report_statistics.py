"""
The report's statistics on hand-made correctness vectors with answers known in advance:
McNemar's exact test computed by hand, the bootstrap interval's coverage on a seeded simulation,
the paired bootstrap, Holm's adjustment and pairing by example id.
"""
import numpy
import pytest

from allennlp_xfuse.report.statistics import (
    align,
    bootstrap_ci,
    holm,
    mcnemar_exact,
    paired_bootstrap,
)


def pairs(both: int, a_only: int, b_only: int, neither: int):
    a = [1] * both + [1] * a_only + [0] * b_only + [0] * neither
    b = [1] * both + [0] * a_only + [1] * b_only + [0] * neither
    return a, b


def test_mcnemar_by_hand():
    # 8 vs 2 discordant pairs: p = 2 * P(X <= 2), X ~ Binomial(10, 1/2)
    #   = 2 * (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 * (1 + 10 + 45) / 1024
    a, b = pairs(both=50, a_only=8, b_only=2, neither=40)
    result = mcnemar_exact(a, b)
    assert (result.a_only, result.b_only) == (8, 2)
    assert result.p_value == pytest.approx(2 * (1 + 10 + 45) / 1024) == pytest.approx(0.109375)
    assert result.difference == pytest.approx(0.06) and result.num_examples == 100
    # symmetric in the models
    assert mcnemar_exact(b, a).p_value == pytest.approx(0.109375)
    # one-sided extreme: 6 vs 0 -> 2 / 64
    a, b = pairs(both=3, a_only=6, b_only=0, neither=1)
    assert mcnemar_exact(a, b).p_value == pytest.approx(2 / 64)


def test_mcnemar_ties_and_no_discordant_pairs_give_one():
    a, b = pairs(both=20, a_only=0, b_only=0, neither=5)
    assert mcnemar_exact(a, b).p_value == 1.0
    # 5 vs 5: 2 * P(X <= 5) = 2 * 638 / 1024 > 1, capped
    a, b = pairs(both=0, a_only=5, b_only=5, neither=0)
    assert mcnemar_exact(a, b).p_value == 1.0


def test_mcnemar_refuses_what_it_cannot_test():
    with pytest.raises(ValueError, match="equally long"):
        mcnemar_exact([1, 0], [1])
    with pytest.raises(ValueError, match="paired_bootstrap"):
        mcnemar_exact([0.5, 1.0], [1.0, 0.0])


def test_bootstrap_interval_covers_the_true_accuracy_about_95_percent_of_the_time():
    true_accuracy, examples, repetitions = 0.8, 300, 100
    rng = numpy.random.default_rng(2026)
    covered = 0
    for repetition in range(repetitions):
        correct = (rng.random(examples) < true_accuracy).astype(float)
        low, high = bootstrap_ci([correct], seed=repetition)
        assert low <= correct.mean() <= high
        covered += low <= true_accuracy <= high
    assert 88 <= covered <= 99


def test_bootstrap_is_seeded_and_groups_are_averaged():
    correct = [1.0] * 70 + [0.0] * 30
    assert bootstrap_ci([correct], seed=3) == bootstrap_ci([correct], seed=3)
    low, high = bootstrap_ci([correct])
    assert low < 0.7 < high and high - low < 0.25
    # two groups: the statistic is the mean of the group means (0.5 and 1.0 -> 0.75)
    low, high = bootstrap_ci([[1.0, 0.0] * 50, [1.0] * 10])
    assert low < 0.75 < high
    assert bootstrap_ci([[1.0] * 5]) == (1.0, 1.0)
    with pytest.raises(ValueError):
        bootstrap_ci([[]])


def test_paired_bootstrap():
    a, b = pairs(both=40, a_only=0, b_only=0, neither=10)
    same = paired_bootstrap([a], [b])
    assert same.p_value == 1.0 and same.difference == 0.0
    a, b = pairs(both=40, a_only=30, b_only=0, neither=30)
    clear = paired_bootstrap([a], [b])
    assert clear.difference == pytest.approx(0.3) and clear.p_value < 0.01
    # seed-averaged correctness (two seeds: 0, 0.5, 1) and a small, noisy difference
    a = [1.0, 0.5, 0.0, 1.0, 0.5] * 20
    b = [0.5, 1.0, 0.0, 1.0, 0.5] * 20
    noisy = paired_bootstrap([a], [b])
    assert noisy.difference == pytest.approx(0.0) and noisy.p_value > 0.5
    assert noisy.test == "paired_bootstrap"
    with pytest.raises(ValueError, match="same examples"):
        paired_bootstrap([[1.0, 0.0]], [[1.0]])


def test_holm_on_a_hand_made_list():
    # sorted: 0.005 x 4 = 0.02, 0.01 x 3 = 0.03, 0.03 x 2 = 0.06, 0.04 x 1 = 0.04 -> 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    assert holm([]) == []


def test_align_pairs_by_id_and_refuses_different_examples():
    a, b = align({"x": 1.0, "y": 0.0}, {"y": 1.0, "x": 1.0})
    assert (a, b) == ([1.0, 0.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="ids differ.*'z'"):
        align({"x": 1.0, "z": 0.0}, {"x": 1.0, "y": 0.0}, "dlfa on de", "baseline on de")
