"""Agreement statistics against published worked examples and against scikit-learn; undefined figures.

The method is docs/METHODS.md, "Agreement between markers": the tests below name its sections."""

from __future__ import annotations

import random

import pytest

from fileexam.domain.agreement import (NO_PAIRS, NO_UNITS, Undefined, ac1_from_table, add_tables,
                                       agreement_from_table, alpha_from_table, batch_ac1, batch_agreement,
                                       batch_alpha, batch_kappa, bootstrap_interval, bootstrap_tables, cohen_kappa,
                                       defined, fleiss_kappa, gwet_ac1, kappa_from_table, krippendorff_alpha,
                                       mean_pairwise_agreement, number, percent_agreement, reason)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example C: 4 observers, 12 units,
# values 1..5 with missing data. Published: nominal 0.743, ordinal 0.815, interval 0.849.
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


# ---- issue 11: published worked examples for every statistic (docs/METHODS.md, "The statistics") ----------
def _from_table(table, categories):
    """Two markings whose table of (first, second) answers is `table` (counts)."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [categories[i]] * int(round(count))
            b += [categories[j]] * int(round(count))
    return a, b


# Cohen (1960), Table 2: two judges, 200 units, three categories, as proportions. Published: po = .70,
# pc = .41, kappa = .492. Cohen (1968) weighs the same table's disagreements 1 (1-2), 3 (1-3), 6 (2-3):
# weighted kappa .348; with the asymmetric weights below, .353.
COHEN_1960 = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]  # .44 .07 .09 / .05 .20 .05 / .01 .03 .06 of 200
COHEN_1968_WEIGHTS = [[0, 1, 3], [1, 0, 6], [3, 6, 0]]
COHEN_1968_ASYMMETRIC = [[0, 1, 4], [1, 0, 6], [2, 2, 0]]


def test_cohen_1960__published_example():
    a, b = _from_table(COHEN_1960, [1, 2, 3])
    assert len(a) == 200
    assert percent_agreement(a, b) == pytest.approx(0.70)
    assert cohen_kappa(a, b, [1, 2, 3]) == pytest.approx(0.492, abs=0.0005)


def test_cohen_1968__weighted_kappa_published_example():
    a, b = _from_table(COHEN_1960, [1, 2, 3])
    assert cohen_kappa(a, b, [1, 2, 3], COHEN_1968_WEIGHTS) == pytest.approx(0.348, abs=0.0005)
    assert cohen_kappa(a, b, [1, 2, 3], COHEN_1968_ASYMMETRIC) == pytest.approx(0.353, abs=0.0005)


# Gwet (2014), Handbook of Inter-Rater Reliability, 4th ed.: two abstractors classify 100 pregnancies as
# ectopic, AIU or NIU (irrCAC's cont3x3abstractors). Gwet's irrCAC reports: percent agreement 0.89, Cohen's
# kappa 0.7964094, AC1 0.8493305, Krippendorff's alpha 0.7972585; kappa with linear weights 0.843 and with
# quadratic weights 0.892.
GWET_ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
GWET_CATEGORIES = ["ectopic", "aiu", "niu"]


def test_gwet_2014__abstractors_published_example():
    a, b = _from_table(GWET_ABSTRACTORS, GWET_CATEGORIES)
    assert percent_agreement(a, b) == pytest.approx(0.89)
    assert cohen_kappa(a, b, GWET_CATEGORIES) == pytest.approx(0.7964094, abs=1e-7)
    assert gwet_ac1(a, b, GWET_CATEGORIES) == pytest.approx(0.8493305, abs=1e-7)
    assert krippendorff_alpha(list(zip(a, b)), GWET_CATEGORIES) == pytest.approx(0.7972585, abs=1e-7)
    assert cohen_kappa(a, b, GWET_CATEGORIES, "linear") == pytest.approx(0.843, abs=0.0005)
    assert cohen_kappa(a, b, GWET_CATEGORIES, "quadratic") == pytest.approx(0.892, abs=0.0005)


def test_krippendorff_2011__interval_on_example_c():
    # the same paper and data as example C above: interval alpha 0.849 (the categories are the numbers)
    assert krippendorff_alpha(K_UNITS, [1, 2, 3, 4, 5], "interval") == pytest.approx(0.849, abs=0.0005)
    # interval distances come from the values given, not from the order of the categories
    named = [[None if v is None else "abcde"[v - 1] for v in u] for u in K_UNITS]
    assert krippendorff_alpha(named, list("abcde"), "interval", dict(zip("abcde", [1, 2, 3, 4, 5]))) == \
        pytest.approx(0.849, abs=0.0005)


# Fleiss (1971), Table 1: 30 patients, each diagnosed by 6 psychiatrists (not the same 6) into depression (1),
# personality disorder (2), schizophrenia (3), neurosis (4), other (5). Published: P-bar = .5556, kappa = .430.
FLEISS_1971 = """4 4 4 4 4 4|2 2 2 5 5 5|2 3 3 3 3 5|5 5 5 5 5 5|2 2 2 4 4 4|1 1 3 3 3 3|3 3 3 3 5 5|1 1 3 3 3 4
1 1 4 4 4 4|5 5 5 5 5 5|1 4 4 4 4 4|1 2 4 4 4 4|2 2 2 3 3 3|1 4 4 4 4 4|2 2 4 4 4 5|3 3 3 3 3 5|1 1 1 4 5 5
1 1 1 1 1 2|2 2 4 4 4 4|1 3 3 5 5 5|5 5 5 5 5 5|2 4 4 4 4 4|2 2 4 5 5 5|1 1 4 4 4 4|1 4 4 4 4 5|2 2 2 2 2 4
1 1 1 1 5 5|2 2 4 4 4 4|1 3 3 3 3 3|5 5 5 5 5 5"""
FLEISS_UNITS = [[int(x) for x in unit.split()] for unit in FLEISS_1971.replace("\n", "|").split("|")]


def test_fleiss_1971__published_example():
    assert len(FLEISS_UNITS) == 30 and all(len(u) == 6 for u in FLEISS_UNITS)
    assert mean_pairwise_agreement(FLEISS_UNITS, [1, 2, 3, 4, 5]) == pytest.approx(0.5556, abs=0.00005)
    assert fleiss_kappa(FLEISS_UNITS, [1, 2, 3, 4, 5]) == pytest.approx(0.430, abs=0.0005)


def test_fleiss__needs_the_same_number_of_markers_and_undefined_without_variation():
    with pytest.raises(ValueError, match="same number of markers"):
        fleiss_kappa([[1, 1, 2], [1, 2]], [1, 2])
    u = fleiss_kappa([["yes"] * 4] * 8, ["yes", "no", "na"])
    assert u == Undefined("no variation: every marking was 'yes'")
    assert fleiss_kappa([], [1, 2]) == Undefined(NO_UNITS)


@pytest.mark.parametrize("seed", range(3))
def test_quadratic_kappa__matches_scikit_learn(seed):
    sklearn = pytest.importorskip("sklearn.metrics")
    rng = random.Random(seed)
    scale = ["fully", "partially", "not_met"]
    a = [rng.choice(scale) for _ in range(60)]
    b = [x if rng.random() < 0.6 else rng.choice(scale) for x in a]
    assert cohen_kappa(a, b, scale, "quadratic") == pytest.approx(
        sklearn.cohen_kappa_score(a, b, labels=scale, weights="quadratic"))


# ---- issue 11: undefined statistics are not 1.0 (docs/METHODS.md, "Undefined figures") -------------------
def test_undefined__twelve_yes_pairs_no_kappa_no_alpha():
    a = b = ["yes"] * 12
    scale = ["yes", "no", "na"]
    no_variation = Undefined("no variation: every marking was 'yes'")
    for weights in (None, "linear", "quadratic"):
        assert cohen_kappa(a, b, scale, weights) == no_variation  # 0/0; was 1.0
    for level in ("nominal", "ordinal"):
        assert krippendorff_alpha(list(zip(a, b)), scale, level) == no_variation
    assert krippendorff_alpha(list(zip(a, b)), scale, "interval", {"yes": 1, "no": 0, "na": 0}) == no_variation
    assert percent_agreement(a, b) == 1.0
    # AC1 is defined (Gwet's chance agreement is 0 here): it equals the percentage agreement
    assert gwet_ac1(a, b, scale) == 1.0


def test_undefined__a_single_pair():
    assert cohen_kappa(["yes"], ["yes"], ["yes", "no"]) == Undefined("no variation: every marking was 'yes'")
    assert krippendorff_alpha([("yes", "yes")], ["yes", "no"]) == Undefined("no variation: every marking was 'yes'")
    assert percent_agreement(["yes"], ["yes"]) == 1.0
    # one pair that differs is not 0/0: kappa 0 (no agreement, none expected), alpha 0
    assert cohen_kappa(["yes"], ["no"], ["yes", "no"]) == pytest.approx(0.0)
    assert krippendorff_alpha([("yes", "no")], ["yes", "no"]) == pytest.approx(0.0)


def test_undefined__no_pairs_and_how_it_prints():
    for v in (percent_agreement([], []), cohen_kappa([], [], ["y", "n"]), gwet_ac1([], [], ["y", "n"])):
        assert v == Undefined(NO_PAIRS) and not defined(v)
    assert krippendorff_alpha([("y", None)], ["y", "n"]) == Undefined(NO_UNITS)
    u = Undefined("no variation: every marking was 'yes'")
    # whatever the format, an undefined figure prints as its words, never as a number
    assert f"{u:.2f}" == f"{u:5.2f}" == str(u) == "undefined (no variation: every marking was 'yes')"
    assert number(u) is None and reason(u) == "no variation: every marking was 'yes'"
    assert number(0.5) == 0.5 and reason(0.5) is None and not defined(None) and not defined(float("nan"))


def test_interval_alpha__equal_points_is_no_variation():
    assert krippendorff_alpha([("a", "b"), ("b", "a")], ["a", "b"], "interval", {"a": 1, "b": 1}) == \
        Undefined("no variation: every marking was worth the same")


def test_categories_outside_the_scale__refused():
    with pytest.raises(ValueError, match="not one of the categories"):
        cohen_kappa(["yes", "maybe"], ["yes", "no"], ["yes", "no"])
    with pytest.raises(ValueError, match="not among the categories"):
        krippendorff_alpha([("yes", "maybe")], ["yes", "no"])


def test_ac1__counts_the_scales_categories_not_those_observed():
    # Issue 11: AC1's q is the number of the scale's categories (docs/METHODS.md, "The statistics")
    a = ["yes"] * 8 + ["no"] * 2
    b = ["yes"] * 7 + ["no"] * 3
    pa = 0.9
    pi = {"yes": 15 / 20, "no": 5 / 20, "na": 0.0}
    pe3 = sum(p * (1 - p) for p in pi.values()) / 2
    assert gwet_ac1(a, b, ["yes", "no", "na"]) == pytest.approx((pa - pe3) / (1 - pe3))
    assert gwet_ac1(a, b, ["yes", "no", "na"]) != pytest.approx(gwet_ac1(a, b, ["yes", "no"]))


# ---- intervals with undefined resamples (docs/METHODS.md, "Intervals for agreement") ---------------------
def test_bootstrap_interval__withheld_when_too_many_resamples_are_undefined():
    # 11 cases all 'yes', one case 'yes'/'no': about 1 resample in 3 leaves that case out, and kappa is 0/0
    pairs = [("yes", "yes")] * 11 + [("yes", "no")]
    stat = lambda s: cohen_kappa([p[0] for p in s], [p[1] for p in s], ["yes", "no"])  # noqa: E731
    ci = bootstrap_interval(pairs, stat)
    assert isinstance(ci, Undefined) and "resamples undefined (more than 5%)" in ci.reason
    assert bootstrap_interval(pairs[:1], stat) == Undefined("fewer than two cases to resample")
    # AC1 stays defined on every resample: an interval
    ac1 = bootstrap_interval(pairs, lambda s: gwet_ac1([p[0] for p in s], [p[1] for p in s], ["yes", "no"]))
    assert isinstance(ac1, tuple) and ac1[0] <= ac1[1]


def test_bootstrap_tables__every_figure_at_once_reproducible():
    rng = random.Random(5)
    cats = ["fully", "partially", "not_met"]
    tables = []
    for _ in range(30):  # one table per case, 3 answers each
        t = [[0.0] * 3 for _ in cats]
        for _ in range(3):
            x = rng.randrange(3)
            t[x][x if rng.random() < 0.7 else rng.randrange(3)] += 1
        tables.append(t)

    def figures(T):
        return {"agreement": batch_agreement(T), "kappa": batch_kappa(T), "qkappa": batch_kappa(T, "quadratic")}
    cis = bootstrap_tables(tables, figures, ["agreement", "kappa", "qkappa"])
    assert cis == bootstrap_tables(tables, figures, ["agreement", "kappa", "qkappa"])
    total = add_tables(tables, 3)
    assert cis["agreement"][0] <= agreement_from_table(total) <= cis["agreement"][1]
    assert cis["kappa"][0] <= kappa_from_table(total, cats) <= cis["kappa"][1]
    assert bootstrap_tables(tables[:1], figures, ["kappa"]) == {"kappa": Undefined("fewer than two cases to resample")}


@pytest.mark.parametrize("seed", range(4))
def test_batch_figures__equal_the_exact_ones_undefined_included(seed):
    np = pytest.importorskip("numpy")
    rng = np.random.default_rng(seed)
    k = 4
    T = rng.integers(0, 3, size=(60, k, k)).astype(float)
    T[0] = 0                 # no pairs
    T[1] = 0
    T[1][2][2] = 4           # no variation
    T[2] = 0
    T[2][0][1] = 1           # one pair, disagreeing
    cats = ["a", "b", "c", "d"]
    points = [3.0, 2.0, 0.5, 0.0]
    batch = {"agreement": batch_agreement(T), "kappa": batch_kappa(T), "linear": batch_kappa(T, "linear"),
             "quadratic": batch_kappa(T, "quadratic"), "ac1": batch_ac1(T), "nominal": batch_alpha(T, "nominal"),
             "ordinal": batch_alpha(T, "ordinal"), "interval": batch_alpha(T, "interval", points)}
    for r in range(len(T)):
        t = T[r].tolist()
        exact = {"agreement": agreement_from_table(t), "kappa": kappa_from_table(t, cats),
                 "linear": kappa_from_table(t, cats, "linear"), "quadratic": kappa_from_table(t, cats, "quadratic"),
                 "ac1": ac1_from_table(t, cats), "nominal": alpha_from_table(t, cats, "nominal"),
                 "ordinal": alpha_from_table(t, cats, "ordinal"),
                 "interval": alpha_from_table(t, cats, "interval", dict(zip(cats, points)))}
        for name, v in exact.items():
            got = batch[name][r]
            assert (not defined(v) and np.isnan(got)) or got == pytest.approx(v), (r, name, v, got)
