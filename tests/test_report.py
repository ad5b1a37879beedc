"""Aggregation and the report workbook: every figure against a hand-computed fixture."""

from __future__ import annotations

import json
import re

import pytest
from openpyxl import load_workbook

from conftest import ROOT
from definition_cases import GOOD_SET, GOOD_TEMPLATE
from fileexam.cli import main
from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL, rank_areas
from fileexam.domain.cases import Case
from fileexam.domain.statistics import direction_of_travel, ratio_interval, wilson
from fileexam.formats.report_workbook import read_report_data, write_report
from fileexam.services.report import build_report
from fileexam.store.answer_rows import write_answers
from fileexam.store.inspection_file import InspectionFile

ROOT_EXAMPLES = ROOT / "exports/examples"

# case: (area, strand, marker, answers, complete)
CASES = {
    "C1": ("North", "crown_court", "AK", {"Q1": "yes", "Q2": "fair", "Q4": "partially"}, True),
    "C2": ("North", "magistrates", "AK", {"Q1": "no", "Q2": "poor"}, True),   # Q2 does not apply: left out
    "C3": ("South", "crown_court", "BE", {"Q1": "yes", "Q2": "good", "Q4": "fully"}, True),
    "C4": ("South", "magistrates", "BE", {"Q1": "yes", "Q2": "na"}, True),
    "C5": ("South", "magistrates", "BE", {"Q1": "no"}, False),                # not complete: left out
}


def make_master(tmp_path, cases=CASES, name="master"):
    (tmp_path / "demo.yaml").write_text(GOOD_SET)
    (tmp_path / "t.yaml").write_text(GOOD_TEMPLATE)
    f = InspectionFile.create(tmp_path / f"{name}.fileexam", tmp_path / "t.yaml", "Demo", "TL")
    f.add_cases([Case(ref, {"area": a, "strand": s}, m) for ref, (a, s, m, _, _) in cases.items()], "t", "TL")
    for ref, (_, _, marker, answers, complete) in cases.items():
        for qid, value in answers.items():
            write_answers(f.conn, [(ref, qid, marker, value, "", "demo", "x", "2026-01-01", 1)])  # as a merge
            # would leave them, stale answers included
        f.conn.execute("INSERT INTO markings VALUES (?,?,?,?)",
                       [ref, marker, "complete" if complete else "in progress", "2026-01-01"])
    return f


@pytest.fixture
def report(tmp_path):
    f = make_master(tmp_path)
    r = build_report(f)
    yield r
    f.close()


@pytest.mark.parametrize("measure, strand, area, achieved, available", [
    ("demo", ALL_STRANDS, NATIONAL, 12, 16),
    ("demo", "Crown Court", NATIONAL, 11, 14),
    ("demo", "Magistrates' courts", NATIONAL, 1, 2),
    ("demo", ALL_STRANDS, "North", 4, 8),
    ("demo", ALL_STRANDS, "South", 8, 8),
    ("demo", "Crown Court", "North", 4, 7),
    ("grip", ALL_STRANDS, NATIONAL, 3, 4),
    ("added_value", ALL_STRANDS, NATIONAL, 6, 8),
    ("added_value", "Crown Court", "South", 4, 4),
])
def test_measure__equals_hand_computed(report, measure, strand, area, achieved, available):
    f = report.figure(measure, strand, area)
    assert (f.achieved, f.available) == (achieved, available)
    assert f.value == pytest.approx(achieved / available)


def test_cases_counted__incomplete_left_out(report):
    assert sorted(report.counted) == ["C1", "C2", "C3", "C4"] and report.excluded == 1
    assert sorted(report.figure("demo").cases) == ["C1", "C2", "C3", "C4"]
    assert report.figure("demo").few  # 4 cases < 10


def test_per_question__shares_among_applicable_and_na_apart(report):
    q1 = report.questions[("Q1", ALL_STRANDS, NATIONAL)]
    assert (q1.counts, q1.base, q1.share("yes")) == ({"yes": 3, "no": 1}, 4, 0.75)
    q2 = report.questions[("Q2", ALL_STRANDS, NATIONAL)]
    # C2's "poor" is stale (Q2 does not apply when Q1 is no); C4 answered not applicable
    assert (q2.counts, q2.not_counted, q2.base) == ({"fair": 1, "good": 1}, 1, 2)
    assert q2.share_ci("good") == pytest.approx(wilson(1, 2))


def test_strongest_weakest_and_spread(report):
    # The template's minimum is 10 cases: two Areas of two cases each are not ranked, and say why.
    s = next(x for x in report.spreads if x.measure == "demo" and x.strand == ALL_STRANDS)
    assert (s.strongest, s.weakest, s.spread_pp, s.too_few, s.minimum) == ([], [], None, ["North", "South"], 10)
    s = rank_areas(report.figures, "demo", ALL_STRANDS, ["North", "South", "East"], minimum=2)
    assert [(a.area, a.value, a.cases) for a in s.strongest] == [("South", 1.0, 2)]
    assert [(a.area, a.value, a.cases) for a in s.weakest] == [("North", 0.5, 2)]
    assert s.spread_pp == pytest.approx(50.0) and s.no_cases == ["East"]


def test_strongest_weakest__ties_are_all_named():
    from fileexam.domain.aggregate import Figure
    figures = {("m", ALL_STRANDS, a): Figure("m", ALL_STRANDS, a, achieved=v, available=10, cases=["c"] * 12)
               for a, v in (("A", 8), ("B", 8), ("C", 5), ("D", 5), ("E", 6))}
    s = rank_areas(figures, "m", ALL_STRANDS, ["A", "B", "C", "D", "E"], minimum=10)
    assert [a.area for a in s.strongest] == ["A", "B"] and [a.area for a in s.weakest] == ["C", "D"]
    assert s.spread_pp == pytest.approx(30.0)


@pytest.mark.parametrize("change_pp, direction", [(0.9, "static"), (1.0, "improved"), (1.1, "improved"),
                                                   (-0.9, "static"), (-1.0, "declined"), (-1.1, "declined")])
def test_direction_of_travel__threshold_one_point(change_pp, direction):
    assert direction_of_travel(0.70, 0.70 + change_pp / 100, 1.0).direction == direction


def test_direction_of_travel__within_noise_mark():
    assert direction_of_travel(0.70, 0.72, 1.0, (0.65, 0.79)).within_noise
    assert not direction_of_travel(0.50, 0.72, 1.0, (0.70, 0.74)).within_noise


def test_wilson__published_example():
    # Newcombe (1998), Statistics in Medicine 17:857, example: 81 of 263 -> 0.2553 to 0.3662
    lo, hi = wilson(81, 263)
    assert (round(lo, 4), round(hi, 4)) == (0.2553, 0.3662)
    assert wilson(0, 10)[0] == 0 and wilson(0, 0) is None


def test_bootstrap__reproducible_and_sensible():
    achieved, available = [1, 2, 0, 2, 1, 2, 2, 0, 1, 2], [2] * 10
    a, b = ratio_interval(achieved, available), ratio_interval(achieved, available)
    assert a == b and a[0] < 13 / 20 < a[1]
    assert ratio_interval([2, 2, 2], [2, 2, 2]) == (1.0, 1.0)


def sumifs(ws, formula: str) -> float:
    """Evaluate our '=SUMIFS(...)/SUMIFS(...)' against the sheet's cells, as Excel would."""
    def one(call: str) -> float:
        args = [a.strip() for a in re.findall(r'(\$[A-Z]\$\d+:\$[A-Z]\$\d+|"[^"]*")', call)]
        def column(ref):
            col, first, last = re.match(r"\$([A-Z])\$(\d+):\$[A-Z]\$(\d+)", ref).groups()
            return [ws[f"{col}{i}"].value for i in range(int(first), int(last) + 1)]
        total = column(args[0])
        keep = [True] * len(total)
        for rng, crit in zip(args[1::2], args[2::2]):
            keep = [k and v == crit.strip('"') for k, v in zip(keep, column(rng))]
        return sum(v for v, k in zip(total, keep) if k and v is not None)
    num, den = formula[1:].split(")/")
    return one(num) / one(den)


def test_report_workbook__check_formulas_recompute_the_figures(report, tmp_path):
    out = tmp_path / "report.xlsx"
    write_report(out, report)
    ws = load_workbook(out)["Check"]
    checked = 0
    for row in ws.iter_rows(min_row=2):
        if row[10].value and str(row[10].value).startswith("=SUMIFS"):
            assert sumifs(ws, row[10].value) == pytest.approx(row[9].value)
            checked += 1
    national = [f for f in report.figures.values() if f.area == NATIONAL and f.value is not None]
    assert checked == len(national) == 7  # demo x 3; grip and added value: all strands and Crown Court
    cached = load_workbook(out, data_only=True)["Check"]
    assert cached["K2"].value == pytest.approx(cached["J2"].value)


def test_report_workbook__sheets_trace_charts_and_print_setup(report, tmp_path):
    out = tmp_path / "report.xlsx"
    write_report(out, report)
    wb = load_workbook(out)
    assert {"About", "National", "Themes - Magistrates courts", "Themes - Crown Court", "Area range",
            "By Area - All strands", "Charts", "Questions - All strands", "Questions - Magistrates courts",
            "Questions - Crown Court", "Numbers", "Choices", "Check", "Trace", "Data"} <= set(wb.sheetnames)
    assert wb.sheetnames[0] == "About" and "Areas improved" not in wb.sheetnames  # no baseline
    trace = {(r[0], r[1], r[2]): r[5] for r in wb["Trace"].iter_rows(min_row=2, values_only=True)}
    assert trace[("Demo", "All strands", "North")] == "C1, C2"
    assert len(wb["Charts"]._charts) == 3
    assert wb["National"].page_setup.orientation == "landscape" and wb["National"].freeze_panes == "A4"
    assert wb["Data"].sheet_state == "hidden"


def test_baseline__from_report_workbook_and_from_master(tmp_path):
    base_master = make_master(tmp_path, name="baseline")
    base = build_report(base_master)
    write_report(tmp_path / "base.xlsx", base)
    assert read_report_data(tmp_path / "base.xlsx")[("demo", ALL_STRANDS, NATIONAL)]["value"] == pytest.approx(0.75)
    follow = dict(CASES)
    follow["C2"] = ("North", "magistrates", "AK", {"Q1": "yes", "Q2": "good"}, True)  # 0/1 -> 3/3
    sub = tmp_path / "follow"
    sub.mkdir()
    f = make_master(sub, cases=follow)
    for baseline in (tmp_path / "base.xlsx", base_master.path):
        r = build_report(f, baseline)
        fig = r.figure("demo")
        assert fig.value == pytest.approx(15 / 18)
        assert fig.travel.baseline == pytest.approx(0.75)
        assert fig.travel.change_pp == pytest.approx((15 / 18 - 0.75) * 100)
        assert fig.travel.direction == "improved"


@pytest.mark.parametrize("damage", ["not a report", "no workbook", "share above 1", "text share"])
def test_baseline__hostile_workbook__refused_with_its_place(tmp_path, capsys, damage):
    base = make_master(tmp_path, name="baseline")
    write_report(tmp_path / "base.xlsx", build_report(base))
    bad = tmp_path / "bad.xlsx"
    if damage == "not a report":
        bad.write_bytes((ROOT_EXAMPLES / "area-sample.xlsx").read_bytes())
        expected = "no Data sheet"
    elif damage == "no workbook":
        bad.write_text("value,1\n")
        expected = "not an Excel workbook"
    else:
        wb = load_workbook(tmp_path / "base.xlsx")
        wb["Data"]["D2"].value = 7.5 if damage == "share above 1" else "lots"
        wb.save(bad)
        expected = "sheet 'Data', row 2, column 'value'"
    sub = tmp_path / "follow"
    sub.mkdir()
    f = make_master(sub)
    path = f.path
    f.close()
    assert main(["report", str(path), str(tmp_path / "r.xlsx"), "--baseline", str(bad)]) == 1
    err = capsys.readouterr().err
    assert expected in err and "Error" not in err and not (tmp_path / "r.xlsx").exists()


def test_cli_report__json_and_workbook(tmp_path, capsys):
    f = make_master(tmp_path)
    path = f.path
    f.close()
    assert main(["report", str(path), str(tmp_path / "r.xlsx"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    demo = next(m for m in data["measures"] if m["measure"] == "demo" and m["strand"] == ALL_STRANDS
                and m["area"] == NATIONAL)
    assert demo["value"] == pytest.approx(0.75) and demo["cases"] == 4 and demo["few_cases"]
    assert (tmp_path / "r.xlsx").exists()


def test_report_workbook__question_sheet_counts_and_shares(report, tmp_path):
    out = tmp_path / "report.xlsx"
    write_report(out, report)
    ws = load_workbook(out)["Questions - All strands"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]]
    # (answer, cases, out of, share): Q1 yes 3, no 1 of 4; Q2 good 1, fair 1, poor 0 of 2, one not applicable
    assert [(r[2], r[3], r[4], r[5]) for r in rows if r[0] == "Q1"] == [
        ("Yes", 3, 4, 0.75), ("No", 1, 4, 0.25), ("Not applicable (left out of the shares)", 0, None, None)]
    assert [(r[2], r[3], r[4]) for r in rows if r[0] == "Q2"] == [
        ("Good", 1, 2), ("Fair", 1, 2), ("Poor", 0, 2), ("Not applicable (left out of the shares)", 1, None)]
    assert all(r[0] != "Q3" for r in rows)  # a number: on the Numbers sheet
