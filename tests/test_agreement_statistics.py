"""Agreement statistics against published worked examples and against scikit-learn."""

from __future__ import annotations

import random

import pytest

from fileexam.domain.agreement import (bootstrap_interval, cohen_kappa, gwet_ac1, krippendorff_alpha,
                                       percent_agreement)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers, 12 units,
# values 1..5 with missing data. Published: nominal 0.743, ordinal 0.815.
K_OBSERVERS = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
K_UNITS = [list(u) for u in zip(*K_OBSERVERS)]


def test_krippendorff__published_example_c():
    assert krippendorff_alpha(K_UNITS, [1, 2, 3, 4, 5], "nominal") == pytest.approx(0.743, abs=0.0005)
    assert krippendorff_alpha(K_UNITS, [1, 2, 3, 4, 5], "ordinal") == pytest.approx(0.815, abs=0.0005)


def test_krippendorff__published_example_a_two_coders_binary():
    # Same paper, example A: two observers, ten units, binary data: alpha = 0.095
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    assert krippendorff_alpha(list(zip(a, b)), [0, 1]) == pytest.approx(0.095, abs=0.0005)


def test_cohen_kappa__textbook_two_by_two():
    # 50 cases: both yes 20, yes/no 5, no/yes 10, both no 15 -> po 0.70, pe 0.50, kappa 0.40
    a = ["y"] * 25 + ["n"] * 25
    b = ["y"] * 20 + ["n"] * 5 + ["y"] * 10 + ["n"] * 15
    assert percent_agreement(a, b) == pytest.approx(0.70)
    assert cohen_kappa(a, b, ["y", "n"]) == pytest.approx(0.40)


@pytest.mark.parametrize("seed", range(5))
def test_cohen_kappa__matches_scikit_learn_plain_and_linear(seed):
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = random.Random(seed)
    scale = ["fully", "partially", "not_met"]
    a = [rng.choice(scale) for _ in range(60)]
    b = [x if rng.random() < 0.6 else rng.choice(scale) for x in a]
    assert cohen_kappa(a, b, scale) == pytest.approx(sklearn.cohen_kappa_score(a, b, labels=scale))
    assert cohen_kappa(a, b, scale, "linear") == pytest.approx(
        sklearn.cohen_kappa_score(a, b, labels=scale, weights="linear"))


def test_weighted_kappa__unused_category_still_counts_in_the_distance():
    # 'partially' sits between 'fully' and 'not_met' even though nobody used it: ranks among the labels
    # seen would put 'fully' next to 'not_met' and change the result (the scikit-learn pitfall).
    scale = ["fully", "partially", "not_met", "none"]
    a = ["fully", "fully", "not_met", "none", "fully", "not_met", "none", "fully"]
    b = ["fully", "not_met", "none", "none", "not_met", "not_met", "fully", "fully"]
    full = cohen_kappa(a, b, scale, "linear")
    seen = cohen_kappa(a, b, ["fully", "not_met", "none"], "linear")
    assert full != pytest.approx(seen)
    sklearn = pytest.importorskip("sklearn.metrics")
    assert full == pytest.approx(sklearn.cohen_kappa_score(a, b, labels=scale, weights="linear"))


def test_gwet_ac1__hand_computed_and_the_kappa_paradox():
    # 100 cases, 95 agree on 'yes', 1 on 'no', 4 disagree: kappa collapses, AC1 does not.
    a = ["yes"] * 95 + ["no"] * 1 + ["yes"] * 2 + ["no"] * 2
    b = ["yes"] * 95 + ["no"] * 1 + ["no"] * 2 + ["yes"] * 2
    pa = 0.96
    pi_yes = (97 + 97) / 200
    pe = (pi_yes * (1 - pi_yes) + (1 - pi_yes) * pi_yes) / 1
    assert gwet_ac1(a, b, ["yes", "no"]) == pytest.approx((pa - pe) / (1 - pe))
    assert gwet_ac1(a, b, ["yes", "no"]) > 0.9 > 0.4 > cohen_kappa(a, b, ["yes", "no"])


def test_bootstrap_interval__reproducible_and_contains_estimate():
    rng = random.Random(3)
    pairs = [(x, x if rng.random() < 0.8 else "n") for x in [rng.choice("yn") for _ in range(80)]]
    stat = lambda s: percent_agreement([p[0] for p in s], [p[1] for p in s])  # noqa: E731
    ci = bootstrap_interval(pairs, stat)
    assert ci == bootstrap_interval(pairs, stat)
    assert ci[0] <= stat(pairs) <= ci[1]
