"""Agreement figures of an inspection (issue 11): undefined figures with their reason, not applicable kept off
the ordered scales, pooling only within a scale, few cases, calibration cases, and how the command line and the
moderation workbook show them. Each test names the section of docs/METHODS.md it holds the code to."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook

from conftest import AREA_TEMPLATE
from fileexam.cli import main
from fileexam.domain.agreement import Undefined, cohen_kappa, defined, fleiss_kappa, gwet_ac1, krippendorff_alpha
from fileexam.domain.cases import Case
from fileexam.formats.moderation_workbook import write_moderation
from fileexam.services.moderation import Stats, agreement_report, marker_profiles
from fileexam.store.inspection_file import InspectionFile

FIELDS = {"area": "Wessex", "strand": "crown_court", "stage": "live", "charging_decision_by": "area",
          "offence": "Theft"}
NO_VARIATION_YES = "no variation: every marking was 'yes'"
FPN = ["fully", "partially", "not_met", "na"]


def double_marked(tmp_path, answers: dict[str, list[tuple[str, str]]], name="i") -> InspectionFile:
    """An inspection whose cases C00, C01, ... are marked by AK and, blind, by BE: answers[question][i] is
    (AK's answer, BE's answer) on case i."""
    f = InspectionFile.create(tmp_path / f"{name}.fileexam", AREA_TEMPLATE, "Agreement", "TL")
    cases = max(len(v) for v in answers.values())
    refs = [f"C{i:02d}" for i in range(cases)]
    f.add_cases([Case(r, FIELDS, "AK") for r in refs], "test", "TL")
    for qid, pairs in answers.items():
        for ref, (v1, v2) in zip(refs, pairs):
            f.set_answer(ref, qid, "AK", v1)
            f.set_answer(ref, qid, "BE", v2)
    f.allocate_double([(r, "BE") for r in refs], "TL")
    return f


def row(rows: list[Stats], group: str) -> Stats:
    return next(s for s in rows if s.group == group)


# ---- "Undefined figures" ---------------------------------------------------------------------------------
def test_twelve_cases_all_yes__kappa_and_alpha_undefined_with_the_reason(tmp_path):
    with double_marked(tmp_path, {"DI05": [("yes", "yes")] * 12}) as f:
        s = row(agreement_report(f).by_question, "DI05")
    assert s.agreement == 1.0 and s.n == 12 and s.cases == 12
    assert s.kappa == Undefined(NO_VARIATION_YES)          # was 1.0
    assert s.alpha_nominal == Undefined(NO_VARIATION_YES)  # was 1.0
    assert s.ac1 == 1.0  # Gwet's chance agreement is 0: AC1 is defined and equals the agreement
    assert s.intervals["kappa"] == Undefined("the figure itself is undefined")
    assert s.undefined()["kappa"] == NO_VARIATION_YES


def test_a_single_pair__every_chance_corrected_figure_but_ac1_undefined(tmp_path):
    with double_marked(tmp_path, {"DI01": [("fully", "fully")]}) as f:
        s = row(agreement_report(f).by_question, "DI01")
    assert s.agreement == 1.0 and s.n == 1
    every_fully = Undefined("no variation: every marking was 'fully'")
    for name in ("kappa", "weighted_kappa", "quadratic_kappa", "alpha_nominal", "alpha_ordinal", "alpha_interval"):
        assert s.figure(name) == every_fully, name
    # "Few cases": flagged, and no interval under the template's few_cases (10)
    assert s.few and s.intervals["agreement"] == Undefined("fewer than 10 cases: no interval")


# ---- "Not applicable" --------------------------------------------------------------------------------------
NA_PAIRS = ([("fully", "fully")] * 5 + [("partially", "partially")] * 3 + [("not_met", "partially")] * 2
            + [("fully", "na")] * 3 + [("na", "na")] * 2)


def test_not_applicable__not_a_point_after_not_met(tmp_path):
    with double_marked(tmp_path, {"DI01": NA_PAIRS}) as f:
        s = row(agreement_report(f).by_question, "DI01")
    a, b = [x for x, _ in NA_PAIRS], [y for _, y in NA_PAIRS]
    scored = [(x, y) for x, y in NA_PAIRS if x != "na" and y != "na"]
    sa, sb = [x for x, _ in scored], [y for _, y in scored]
    points = {"fully": 2, "partially": 1, "not_met": 0}
    # ordered statistics: on the scored options only, in the scale's order, over pairs where both scored
    assert s.scored == len(scored) == 10
    assert s.weighted_kappa == pytest.approx(cohen_kappa(sa, sb, ["fully", "partially", "not_met"], "linear"))
    assert s.quadratic_kappa == pytest.approx(cohen_kappa(sa, sb, ["fully", "partially", "not_met"], "quadratic"))
    assert s.alpha_ordinal == pytest.approx(krippendorff_alpha(scored, ["fully", "partially", "not_met"], "ordinal"))
    assert s.alpha_interval == pytest.approx(
        krippendorff_alpha(scored, ["fully", "partially", "not_met"], "interval", points))
    # ... never with N/A as the point after 'not met' (the old figure)
    assert s.weighted_kappa != pytest.approx(cohen_kappa(a, b, FPN, "linear"))
    # nominal statistics: on every option, N/A one category among them
    assert s.kappa == pytest.approx(cohen_kappa(a, b, FPN))
    assert s.ac1 == pytest.approx(gwet_ac1(a, b, FPN))
    # agreement on applicability, its own figure: both N/A or both scored
    assert s.applicability == pytest.approx(12 / 15)
    assert s.agreement == pytest.approx(10 / 15)


def test_not_applicable__every_pair_holds_one__ordered_figures_undefined(tmp_path):
    with double_marked(tmp_path, {"DI01": [("na", "na")] * 4 + [("fully", "na")] * 8}) as f:
        s = row(agreement_report(f).by_question, "DI01")
    assert s.scored == 0 and s.applicability == pytest.approx(4 / 12)
    assert isinstance(s.weighted_kappa, Undefined) and "both markers gave a scored answer" in s.weighted_kappa.reason
    assert defined(s.kappa)


# ---- "Pooling" -----------------------------------------------------------------------------------------------
def test_pooling__within_a_scale_in_its_order__across_scales_only_agreement(tmp_path):
    fpn = [("fully", "fully"), ("partially", "fully"), ("not_met", "not_met"), ("fully", "partially")] * 3
    yn = [("yes", "yes"), ("yes", "no"), ("no", "no"), ("yes", "yes")] * 3
    with double_marked(tmp_path, {"DI01": fpn, "DI02": fpn[::-1], "DI05": yn}) as f:
        r = agreement_report(f)
    disclosure = row(r.by_set, "disclosure")  # DI01, DI02 (fully/partially/not met) and DI05 (yes/no)
    assert disclosure.agreement == pytest.approx((6 + 6 + 9) / 36)
    for name in ("kappa", "ac1", "alpha_nominal", "weighted_kappa", "quadratic_kappa"):
        v = disclosure.figure(name)
        assert isinstance(v, Undefined) and v.reason.startswith("not pooled across scales"), name
    parts = {p.scale.split(" /")[0]: p for p in disclosure.parts}  # in the order the template first uses each scale
    fp, yes_no = parts["Fully"], parts["Yes"]
    assert len(parts) == 2 and fp.group == "disclosure — Fully / partially / not met / not applicable"
    both = fpn + fpn[::-1]
    assert fp.kappa == pytest.approx(cohen_kappa([x for x, _ in both], [y for _, y in both], FPN))
    assert fp.weighted_kappa == pytest.approx(cohen_kappa([x for x, _ in both], [y for _, y in both],
                                                          ["fully", "partially", "not_met"], "linear"))
    # AC1 counts the scale's categories (yes, no, not applicable), not the two observed
    assert yes_no.ac1 == pytest.approx(gwet_ac1([x for x, _ in yn], [y for _, y in yn], ["yes", "no", "na"]))
    assert [s.group for s in r.by_scale] == [p.group for p in r.overall.parts]
    assert isinstance(r.overall.kappa, Undefined)


# ---- "Few cases" and "Intervals for agreement" ---------------------------------------------------------------
def test_intervals__withheld_under_few_cases_given_from_ten(tmp_path):
    pairs = [("fully", "fully"), ("partially", "fully"), ("not_met", "not_met"), ("fully", "partially"),
             ("partially", "partially")] * 4
    with double_marked(tmp_path, {"DI01": pairs[:5]}, "five") as f:
        few = row(agreement_report(f).by_question, "DI01")
    assert few.few and all(ci == Undefined("fewer than 10 cases: no interval") for ci in few.intervals.values())
    assert set(few.intervals) == {"agreement", "applicability", "kappa", "weighted_kappa", "quadratic_kappa", "ac1",
                                  "alpha_nominal", "alpha_ordinal", "alpha_interval"}
    with double_marked(tmp_path, {"DI01": pairs}, "twenty") as f:
        enough = row(agreement_report(f).by_question, "DI01")
    assert not enough.few
    for name, ci in enough.intervals.items():
        assert isinstance(ci, tuple) and ci[0] <= enough.figure(name) <= ci[1], name


# ---- how the figures are shown: never a number for an undefined one ------------------------------------------
def test_cli__text_and_json_say_undefined_with_the_reason(tmp_path, capsys):
    f = double_marked(tmp_path, {"DI05": [("yes", "yes")] * 12, "DI01": NA_PAIRS[:12]})
    path = f.path
    f.close()
    assert main(["agreement", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    di05 = next(s for s in data["by_question"] if s["group"] == "DI05")
    assert di05["kappa"] is None and di05["undefined"]["kappa"] == NO_VARIATION_YES
    assert di05["alpha_nominal"] is None and di05["undefined"]["alpha_nominal"] == NO_VARIATION_YES
    assert di05["agreement"] == 1.0 and di05["weighted_kappa"] is None and "weighted_kappa" not in di05["undefined"]
    assert data["overall"]["kappa"] is None and data["overall"]["undefined"]["kappa"].startswith("not pooled")
    assert [p["scale"] for p in data["overall"]["parts"]] == [s["scale"] for s in data["by_scale"]]
    assert main(["agreement", str(path)]) == 0
    out = capsys.readouterr().out
    assert "undef(" in out and "undefined (not pooled across scales" in out
    assert "1.00" not in out.split("Lowest agreement")[0].splitlines()[2]  # the overall row: no kappa shown as 1


def test_workbook__undefined_figures_written_as_words(tmp_path):
    with double_marked(tmp_path, {"DI05": [("yes", "yes")] * 12}) as f:
        write_moderation(tmp_path / "m.xlsx", f.template, [], agreement_report(f), marker_profiles(f))
    ws = load_workbook(tmp_path / "m.xlsx")["Statistics"]
    headers = [c.value for c in ws[1]]
    di05 = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == "DI05")
    assert di05[headers.index("Cohen's kappa")] == f"undefined ({NO_VARIATION_YES})"
    assert di05[headers.index("Krippendorff's alpha (nominal)")] == f"undefined ({NO_VARIATION_YES})"
    assert di05[headers.index("Agreement")] == 1
    assert di05[headers.index("Weighted kappa (linear)")] is None  # not computed: yes/no is not an ordered scale


def test_stats__the_moderation_window_reads_the_same_names():
    """fileexam/qt/moderation_view.py reads these; an undefined figure formats as its words."""
    s = Stats("DI05", 12, 12, 1.0, Undefined(NO_VARIATION_YES), None, 1.0, Undefined(NO_VARIATION_YES), None)
    for name in ("group", "n", "cases", "agreement", "kappa", "weighted_kappa", "ac1", "alpha_nominal",
                 "alpha_ordinal", "few"):
        assert hasattr(s, name)
    assert f"{s.kappa:.2f}" == f"undefined ({NO_VARIATION_YES})"


# ---- "Calibration cases" ------------------------------------------------------------------------------------
def test_calibration__fleiss_kappa_over_everyone_who_marked(tmp_path):
    f = InspectionFile.create(tmp_path / "cal.fileexam", AREA_TEMPLATE, "Calibration", "TL")
    f.add_cases([Case("K1", FIELDS, "AK"), Case("K2", FIELDS, "AK")], "test", "TL")
    marks = {  # question -> the answers of AK, BE, CM, DO
        "DI01": ["fully", "fully", "partially", "fully"], "DI02": ["not_met", "not_met", "not_met", "partially"],
        "DI03": ["partially", "partially", "partially", "partially"], "PO02": ["fully", "na", "fully", "fully"],
        "DI05": ["yes", "yes", "no", "yes"], "PO01": ["no", "no", "no", "no"],
    }
    for ref in ("K1", "K2"):
        for qid, values in marks.items():
            for marker, v in zip(("AK", "BE", "CM", "DO"), values):
                f.set_answer(ref, qid, marker, v)
        f.set_calibration(ref, "AK", "TL")
    rows = {s.group: s for s in agreement_report(f, with_intervals=False).calibration}
    f.close()
    k1 = rows["K1 — Fully / partially / not met / not applicable"]
    units = [marks[q] for q in ("DI01", "DI02", "DI03", "PO02")]
    assert k1.markers == 4 and k1.n == 4
    assert k1.fleiss_kappa == pytest.approx(fleiss_kappa(units, FPN))
    assert k1.alpha_nominal == pytest.approx(krippendorff_alpha(units, FPN))
    scored = [[v if v != "na" else None for v in u] for u in units]
    assert k1.alpha_ordinal == pytest.approx(krippendorff_alpha(scored, FPN[:3], "ordinal"))
    both = rows["all calibration cases — Fully / partially / not met / not applicable"]
    assert both.cases == 2 and both.n == 8 and both.fleiss_kappa == pytest.approx(fleiss_kappa(units * 2, FPN))
    yes_no = rows["K1 — Yes / no / not applicable"]
    assert yes_no.fleiss_kappa == pytest.approx(fleiss_kappa([marks["DI05"], marks["PO01"]], ["yes", "no", "na"]))
    assert yes_no.kappa is None and yes_no.weighted_kappa is None  # two-marker statistics: not for calibration


def test_alpha_all_markers__not_applicable_left_out_of_ordinal_and_interval(tmp_path):
    with double_marked(tmp_path, {"DI01": NA_PAIRS}) as f:
        alphas = agreement_report(f, with_intervals=False).alpha_all_markers["DI01"]
    scored = [(x, y) for x, y in NA_PAIRS if x != "na" and y != "na"]
    assert alphas["nominal"] == pytest.approx(krippendorff_alpha(NA_PAIRS, FPN))
    assert alphas["ordinal"] == pytest.approx(krippendorff_alpha(scored, FPN[:3], "ordinal"))
    assert alphas["interval"] == pytest.approx(
        krippendorff_alpha(scored, FPN[:3], "interval", {"fully": 2, "partially": 1, "not_met": 0}))
