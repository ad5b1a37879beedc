"""The report's tables (the annual report's follow-up tables and the rest) on a real inspection and its
baseline, read back from the workbook and the JSON and compared with figures worked out by hand here.

Points: Q1 yes/no 1 | 0 of 1; Q2 good/fair/poor 2 | 1 | 0 of 2 (applies when Q1 is yes; n/a counts in
neither); Q4 fully/partially/not met 2 | 1 | 0 of 2, weight 2, Crown Court only. Measures: demo = Q1 + Q2
+ Q4 (the set's theme), grip = Q2, added_value = Q4. few_cases is 2.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from fractions import Fraction as F

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from definition_cases import GOOD_SET
from fileexam.cli import main
from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL
from fileexam.domain.cases import Case
from fileexam.domain.report_tables import NO_CASES
from fileexam.formats.report_workbook import write_report
from fileexam.services.merge import master_coverage
from fileexam.services.report import build_report, report_json
from fileexam.store.answer_rows import write_answers
from fileexam.store.inspection_file import InspectionFile
from test_report import sumifs

SET = GOOD_SET.replace("""      - id: Q3
        text: Days taken""", """      - id: Q6
        text: Date of the first hearing
        answer: date
        required: false
        guidance: As on the file.
      - id: Q3
        text: Days taken""")
TEMPLATE = """\
kind: inspection-template
id: demo-inspection
title: Demo inspection
version: "1.0"
question_sets: [demo.yaml]
case_fields:
  - id: strand
    label: Strand
    type: choice
    required: true
    values:
      - {value: magistrates, label: Magistrates' courts}
      - {value: crown_court, label: Crown Court}
  - id: area
    type: choice
    values: [North, South, West, East]
  - id: flags
    type: choices
    values: [domestic_abuse, stalking]
composites:
  - id: grip
    label: Grip
  - id: added_value
    label: Added value
    questions: [Q4]
reporting:
  area_field: area
  strand_field: strand
  double_mark_share: 10%
  few_cases: 2
  breakdowns: [flags]
  combined_shares:
    - {label: Good or fair, values: [good, fair]}
    - {label: Fully or partially, values: [fully, partially]}
"""
CC, MC = "crown_court", "magistrates"
CROWN, MAGS = "Crown Court", "Magistrates' courts"
# case: (area, strand, answers, flags); every marking complete, by AK
FOLLOW = {
    "N1": ("North", CC, {"Q1": "yes", "Q2": "good", "Q4": "fully", "Q3": "10", "Q5": '["ro"]', "Q6": "2025-03-01"},
           ["domestic_abuse"]),                                                     # demo 7/7
    "N2": ("North", CC, {"Q1": "yes", "Q2": "fair", "Q4": "partially", "Q3": "20", "Q5": '["none"]'}, []),  # 4/7
    "N3": ("North", MC, {"Q1": "yes", "Q2": "good"}, []),                           # 3/3
    "N4": ("North", MC, {"Q1": "no"}, []),                                          # 0/1
    "S1": ("South", CC, {"Q1": "yes", "Q2": "poor", "Q4": "not_met", "Q3": "30", "Q5": '["ro", "none"]'},
           ["domestic_abuse", "stalking"]),                                         # 1/7
    "S2": ("South", CC, {"Q1": "yes", "Q2": "good", "Q4": "fully", "Q3": "40", "Q6": "2025-05-20"}, []),  # 7/7
    "S3": ("South", MC, {"Q1": "yes", "Q2": "fair"}, ["stalking"]),                 # 2/3
    "S4": ("South", MC, {"Q1": "yes", "Q2": "na"}, []),                             # 1/1
    "W1": ("West", MC, {"Q1": "yes", "Q2": "good"}, []),                            # 3/3
}
BASE = {
    "N1b": ("North", CC, {"Q1": "yes", "Q2": "fair", "Q4": "partially"}, []),      # 4/7
    "N2b": ("North", CC, {"Q1": "yes", "Q2": "fair", "Q4": "partially"}, []),      # 4/7
    "N3b": ("North", MC, {"Q1": "yes", "Q2": "good"}, []),                          # 3/3
    "N4b": ("North", MC, {"Q1": "no"}, []),                                         # 0/1
    "S1b": ("South", CC, {"Q1": "yes", "Q2": "good", "Q4": "fully"}, []),          # 7/7
    "S2b": ("South", CC, {"Q1": "yes", "Q2": "good", "Q4": "fully"}, []),          # 7/7
    "S3b": ("South", MC, {"Q1": "yes", "Q2": "fair"}, []),                          # 2/3
    "S4b": ("South", MC, {"Q1": "no"}, []),                                         # 0/1
    "W1b": ("West", MC, {"Q1": "yes", "Q2": "fair"}, []),                           # 2/3
}


def make_inspection(folder, cases, name="Demo follow-up"):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "demo.yaml").write_text(SET)
    (folder / "t.yaml").write_text(TEMPLATE)
    f = InspectionFile.create(folder / "master.fileexam", folder / "t.yaml", name, "TL")
    f.add_cases([Case(ref, {"area": a, "strand": s, **({"flags": fl} if fl else {})}, "AK")
                 for ref, (a, s, _, fl) in cases.items()], "t", "TL")
    for ref, (_, _, answers, _) in cases.items():
        for qid, value in answers.items():
            write_answers(f.conn, [(ref, qid, "AK", value, "", "demo", "x", "2026-01-01", 1)])
        f.conn.execute("INSERT INTO markings VALUES (?,?,?,?)", [ref, "AK", "complete", "2026-01-01"])
    return f


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """The baseline's report workbook, and the follow-up's report against it (national and North's)."""
    root = tmp_path_factory.mktemp("inspection")
    base = make_inspection(root / "base", BASE, "Demo baseline")
    write_report(root / "base.xlsx", build_report(base))
    base.close()
    f = make_inspection(root / "follow", FOLLOW)
    r = build_report(f, root / "base.xlsx")
    write_report(root / "report.xlsx", r)
    write_report(root / "north.xlsx", r, f.merges(), master_coverage(f), area="North")
    yield r, root, f
    f.close()


def table(ws) -> list[dict]:
    """The sheet's table as dicts by heading ('group heading' under a group row)."""
    ref = next(iter(ws.tables.values())).ref if ws.tables else ws.auto_filter.ref
    c1, r1, c2, r2 = range_boundaries(ref)
    groups = {}
    if not ws.tables:  # grouped headings: the row above, some merged
        for c in range(c1, c2 + 1):
            if ws.cell(r1 - 1, c).value:
                groups[c] = ws.cell(r1 - 1, c).value
        for m in ws.merged_cells.ranges:
            if m.min_row == r1 - 1:
                for c in range(m.min_col, m.max_col + 1):
                    groups[c] = ws.cell(r1 - 1, m.min_col).value
    keys = [((groups[c] + " ") if c in groups else "") + str(ws.cell(r1, c).value) for c in range(c1, c2 + 1)]
    return [dict(zip(keys, (ws.cell(r, c).value for c in range(c1, c2 + 1)))) for r in range(r1 + 1, r2 + 1)]


def filled(rows: list[dict], key: str) -> list[dict]:
    """Rows with a value shown once over a run (the measure) filled down."""
    last = None
    for row in rows:
        last = row[key] = row[key] if row[key] is not None else last
    return rows


def approx(x: F):
    return pytest.approx(float(x), abs=1e-9)


# ---- the seed's tables -------------------------------------------------------------------------------
def test_themes_table__per_strand__equals_hand_figures(made):
    r, root, _ = made
    wb = load_workbook(root / "report.xlsx")
    assert {"Themes - Crown Court", "Themes - Magistrates courts"} <= set(wb.sheetnames)
    crown = {row["Measure"]: row for row in table(wb["Themes - Crown Court"])}
    assert list(crown) == ["Demo", "Grip", "Added value"]
    demo = crown["Demo"]  # baseline 22/28, follow-up 19/28; North 11/14 strongest, South 8/14 weakest
    assert demo["Baseline assessment"] == approx(F(22, 28)) and demo["Follow-up score"] == approx(F(19, 28))
    assert demo["Change (pp)"] == approx(F(19 - 22, 28) * 100)
    assert demo["Direction of travel"] == r.figure("demo", CROWN).travel.words
    assert demo["Direction of travel"].startswith("▼ declined")
    assert (demo["Strongest Area"], demo["Strongest Area score"]) == ("North", approx(F(11, 14)))
    assert (demo["Weakest Area"], demo["Weakest Area score"]) == ("South", approx(F(8, 14)))
    assert demo["Cases"] == 4 and demo["Areas ranked"] == 2
    assert demo["95% low"] <= demo["Follow-up score"] <= demo["95% high"]
    grip = crown["Grip"]  # Q2 in Crown Court: baseline 1+1+2+2 = 6/8; now 2+1+0+2 = 5/8
    assert (grip["Baseline assessment"], grip["Follow-up score"]) == (approx(F(6, 8)), approx(F(5, 8)))
    av = crown["Added value"]  # Q4 x 2: baseline 2+2+4+4 = 12/16, now 4+2+0+4 = 10/16; North 6/8, South 4/8
    assert (av["Baseline assessment"], av["Follow-up score"]) == (approx(F(12, 16)), approx(F(10, 16)))
    assert (av["Strongest Area"], av["Strongest Area score"], av["Weakest Area score"]) == \
        ("North", approx(F(6, 8)), approx(F(4, 8)))
    mags = {row["Measure"]: row for row in table(wb["Themes - Magistrates courts"])}
    demo = mags["Demo"]  # 5/8 + West 2/3 = 7/11 -> 6/8 + 3/3 = 9/11; North and South tie at 3/4, West has 1 case
    assert (demo["Baseline assessment"], demo["Follow-up score"]) == (approx(F(7, 11)), approx(F(9, 11)))
    assert demo["Direction of travel"].startswith("▲ improved")
    assert demo["Strongest Area"] == demo["Weakest Area"] == "North, South (tied)"
    assert demo["Strongest Area score"] == approx(F(3, 4)) and demo["Areas ranked"] == 2
    assert mags["Added value"]["Follow-up score"] == NO_CASES  # Crown Court only: said, not left blank


def test_national_table__every_measure_by_strand(made):
    _, root, _ = made
    rows = filled(table(load_workbook(root / "report.xlsx")["National"]), "Measure")
    got = {(row["Measure"], row["Strand"]): row for row in rows}
    for (measure, strand), (base, now, cases) in {
            ("Demo", ALL_STRANDS): (F(29, 39), F(28, 39), 9), ("Demo", CROWN): (F(22, 28), F(19, 28), 4),
            ("Demo", MAGS): (F(7, 11), F(9, 11), 5), ("Grip", ALL_STRANDS): (F(10, 14), F(10, 14), 7),
            ("Added value", CROWN): (F(12, 16), F(10, 16), 4)}.items():
        row = got[(measure, strand)]
        assert (row["Baseline"], row["Follow-up"], row["Cases"]) == (approx(base), approx(now), cases)
        assert all(isinstance(row[k], (int, float)) for k in ("95% low", "95% high"))  # 100% reads back as 1
    assert got[("Grip", ALL_STRANDS)]["Direction of travel"] == "▶ static"  # 0 pp
    assert got[("Added value", MAGS)]["Follow-up"] == NO_CASES and got[("Added value", MAGS)]["Note"] == NO_CASES


def test_area_range_table__highest_lowest_variance_and_baseline_variance(made):
    _, root, _ = made
    rows = filled(filled(table(load_workbook(root / "report.xlsx")["Area range"]), "Measure"), "Strand")
    demo = [row for row in rows if row["Measure"] == "Demo" and row["Strand"] == ALL_STRANDS]
    # now: North 14/18, South 11/18 (West: 1 case, not ranked; East: none); baseline North 11/18, South 16/18
    assert [(row["Position"], row["Area"], row["Cases"]) for row in demo] == [("Highest", "North", 4),
                                                                              ("Lowest", "South", 4)]
    assert demo[0]["Score"] == approx(F(14, 18)) and demo[1]["Score"] == approx(F(11, 18))
    assert demo[0]["Variance (pp)"] == approx(F(3, 18) * 100)
    assert demo[0]["Variance at baseline (pp)"] == approx(F(5, 18) * 100)
    assert demo[0]["Change in variance (pp)"] == approx(F(-2, 18) * 100)
    assert demo[0]["Areas ranked"] == 2 and demo[0]["Not ranked"] == "fewer than 2 cases: West; no cases: East"
    assert all(row["95% low"] <= row["Score"] <= row["95% high"] for row in demo)
    tie = [row for row in rows if row["Measure"] == "Demo" and row["Strand"] == MAGS]
    assert [(row["Position"], row["Area"]) for row in tie] == [("Highest", "North"), ("Highest", "South"),
                                                               ("Lowest", "North"), ("Lowest", "South")]
    assert tie[0]["Variance (pp)"] == 0


def test_areas_improved_table__counts_and_sentence(made):
    r, root, _ = made
    rows = filled(table(load_workbook(root / "report.xlsx")["Areas improved"]), "Measure")
    got = {(row["Measure"], row["Strand"]): row for row in rows}
    # All strands: North 11/18 -> 14/18, West 2/3 -> 3/3 improved; South 16/18 -> 11/18 declined; East none
    demo = got[("Demo", ALL_STRANDS)]
    assert (demo["Improved"], demo["Static"], demo["Declined"], demo["Not compared"]) == (2, 0, 1, 1)
    assert demo["In words"].startswith("2 out of 3 Areas had improved, 0 were static and 1 had declined")
    mags = got[("Demo", MAGS)]  # North 3/4 -> 3/4 static; South 2/4 -> 3/4 and West 2/3 -> 3/3 improved
    assert (mags["Improved"], mags["Static"], mags["Declined"]) == (2, 1, 0)
    change = next(c for c in r.area_changes if c.measure == "demo" and c.strand == MAGS)
    assert change.static == ["North"] and sorted(change.improved) == ["South", "West"]


def test_json__holds_the_same_tables(made):
    r, root, _ = made
    data = json.loads(json.dumps(report_json(r)))
    tables = {t["key"]: t for t in data["tables"]}
    assert {"national", "themes/Crown Court", "themes/Magistrates' courts", "area_range", "area_changes",
            "breakdown/flags", "numbers", "choices", "dates"} <= set(tables)
    demo = next(row for row in tables["themes/Crown Court"]["rows"] if row["measure"] == "Demo")
    assert demo["score"] == approx(F(19, 28)) and demo["baseline"] == approx(F(22, 28))
    assert demo["direction"] == r.figure("demo", CROWN).travel.words and demo["strongest_area"] == "North"
    av = next(row for row in tables["themes/Magistrates' courts"]["rows"] if row["measure"] == "Added value")
    assert av["score"] is None and av["no_cases"] is True
    assert data["area_changes"] and any(c["sentence"].startswith("2 out of 3") for c in data["area_changes"])
    assert next(m for m in data["measures"] if m["measure"] == "demo" and m["strand"] == ALL_STRANDS
                and m["area"] == NATIONAL)["direction_words"] == r.figure("demo").travel.words
    assert data["breakdowns"]["flags"] and data["numbers"] and data["choices"] and data["dates"]


def test_cli_summary__says_what_the_json_says(made, capsys):
    r, root, f = made
    assert main(["report", str(f.path), str(root / "cli.xlsx"), "--baseline", str(root / "base.xlsx")]) == 0
    out = capsys.readouterr().out
    for m in r.measures:
        fig = r.figure(m)
        line = next(line for line in out.splitlines() if line.strip().startswith(r.label(m)))
        assert fig.travel.words in line and f"{len(fig.cases)} cases" in line
    assert "[fewer than 2 cases]" not in out  # every national figure rests on 2 or more


# ---- breakdowns and questions by type ----------------------------------------------------------------
def test_breakdown_sheet__by_flags_equals_hand_figures(made):
    _, root, _ = made
    rows = filled(table(load_workbook(root / "report.xlsx")["By flags"]), "Measure")
    got = {row["flags"]: row for row in rows if row["Measure"] == "Demo"}
    # domestic abuse: N1 7/7 + S1 1/7; stalking: S1 1/7 + S3 2/3; none: N2 N3 N4 S2 S4 W1 = 18/22
    assert got["domestic_abuse"]["All strands Score"] == approx(F(8, 14))
    assert got["stalking"]["All strands Score"] == approx(F(3, 10)) and got["stalking"]["All strands Cases"] == 2
    assert got["(none)"]["All strands Score"] == approx(F(18, 22)) and got["(none)"]["All strands Cases"] == 6
    assert got["domestic_abuse"]["Magistrates' courts Score"] == NO_CASES
    assert got["stalking"]["Magistrates' courts Score"] == approx(F(2, 3))


def test_questions_sheet__each_answer_under_its_own_label_with_combined_shares(made):
    _, root, _ = made
    ws = load_workbook(root / "report.xlsx")["Questions - All strands"]
    rows = [row for row in table(ws) if row["Question"] == "Q2"]
    # Q2 applies to the 8 cases answering Q1 yes: good 4 (N1 N3 S2 W1), fair 2, poor 1, n/a 1
    assert [(row["Answer"], row["Cases"], row["Out of"]) for row in rows] == [
        ("Good", 4, 7), ("Fair", 2, 7), ("Poor", 1, 7), ("Good or fair (combined)", 6, 7),
        ("Not applicable (left out of the shares)", 1, None)]
    assert rows[3]["Share"] == approx(F(6, 7)) and rows[3]["95% low"] < rows[3]["Share"] < rows[3]["95% high"]
    assert rows[0]["Question text"] == "How well?" and rows[1]["Question text"] is None  # once per question
    q4 = [row["Answer"] for row in table(ws) if row["Question"] == "Q4"]
    assert "Fully or partially (combined)" in q4 and "Fully meets the standard" in q4
    assert not any(str(c.value).startswith("Option") for row in ws.iter_rows(max_row=4) for c in row)
    mags = {row["Question"]: row for row in table(load_workbook(root / "report.xlsx")["Questions - Magistrates courts"])}
    assert mags["Q4"]["Answer"] == NO_CASES  # Crown Court only


def test_numbers_choices_and_dates_sheets(made):
    _, root, _ = made
    wb = load_workbook(root / "report.xlsx")
    numbers = {(row["Question"], row["Strand"], row["Area"]): row for row in table(wb["Numbers"])}
    q3 = numbers[("Q3", ALL_STRANDS, NATIONAL)]  # 10, 20, 30, 40
    assert [q3[k] for k in ("Cases", "Minimum", "Lower quartile", "Median", "Upper quartile", "Maximum", "Mean")] \
        == [4, 10, 17.5, 25, 32.5, 40, 25]
    assert numbers[("Q3", ALL_STRANDS, "East")]["Minimum"] == NO_CASES
    choices = [row for row in table(wb["Choices"]) if row["Strand"] == ALL_STRANDS]
    assert [(row["Option"], row["Cases"], row["Out of"]) for row in choices] == [("Restraining order", 2, 3),
                                                                                  ("None", 2, 3)]
    dates = {(row["Strand"], row["Area"]): row for row in table(wb["Dates"])}
    row = dates[(ALL_STRANDS, NATIONAL)]
    assert (row["Cases"], row["Earliest"], row["Latest"]) == (2, datetime(2025, 3, 1), datetime(2025, 5, 20))
    assert wb["Dates"].cell(4, 6).number_format == "d mmm yyyy"


# ---- honest figures ----------------------------------------------------------------------------------
def test_no_cases__written_in_tables_and_no_bar_in_charts(made):
    _, root, _ = made
    wb = load_workbook(root / "report.xlsx")
    east = [row for row in filled(table(wb["By Area - All strands"]), "Measure") if row["Area"] == "East"]
    assert east and all(row["Follow-up"] == NO_CASES and row["Cases"] == 0 for row in east)
    data = wb["Chart data"]
    labels = [data.cell(i, 1).value for i in range(2, 6)]
    assert labels == ["North (n=4)", "South (n=4)", "West (n=1)", f"East: {NO_CASES}"]
    assert data.cell(5, 2).value is None and data.sheet_state == "hidden"  # a gap, not a 0
    assert len(wb["Charts"]._charts) == len(made[0].measures)


def test_numbers_stay_numbers__intervals_counts_and_times(made):
    r, root, _ = made
    wb = load_workbook(root / "report.xlsx")
    ws = wb["National"]
    c1, r1, c2, _ = range_boundaries(next(iter(ws.tables.values())).ref)
    heads = {ws.cell(r1, c).value: c for c in range(c1, c2 + 1)}
    first = ws.cell(r1 + 1, heads["95% low"])
    assert isinstance(first.value, float) and first.number_format == "0.0%"
    assert isinstance(ws.cell(r1 + 1, heads["Cases"]).value, int)
    about = {row[0]: row[1] for row in wb["About"].iter_rows(min_row=3, values_only=True) if row[0]}
    assert isinstance(about["Made"], datetime) and about["Cases counted"] == len(r.counted)


def test_no_baseline__no_baseline_or_follow_up_headings(tmp_path):
    f = make_inspection(tmp_path / "x", FOLLOW)
    r = build_report(f)
    write_report(tmp_path / "r.xlsx", r)
    f.close()
    wb = load_workbook(tmp_path / "r.xlsx")
    assert "Areas improved" not in wb.sheetnames
    for name in ("National", "Themes - Crown Court", "By Area - All strands", "Area range"):
        ws = wb[name]
        headings = [c.value for row in ws.iter_rows(min_row=3, max_row=4) for c in row if c.value]
        assert not any(h in ("Baseline", "Follow-up", "Baseline assessment", "Follow-up score",
                             "Direction of travel") for h in headings), name
        assert "no baseline" in ws["A1"].value


# ---- the report for one Area -------------------------------------------------------------------------
def test_area_report__beside_national__own_cases_only_in_check_and_trace(made):
    r, root, _ = made
    wb = load_workbook(root / "north.xlsx")
    assert wb["Summary"]["A1"].value.startswith("North: every measure by strand")
    rows = filled(table(wb["Summary"]), "Measure")
    demo = next(row for row in rows if row["Measure"] == "Demo" and row["Strand"] == ALL_STRANDS)
    assert demo["North Follow-up"] == approx(F(14, 18)) and demo["North Baseline"] == approx(F(11, 18))
    assert demo["National Score"] == approx(F(28, 39)) and demo["North Direction of travel"].startswith("▲")
    check = wb["Check"]
    cases = {row[0] for row in check.iter_rows(min_row=2, max_col=6, values_only=True) if row[0]}
    assert cases == {"N1", "N2", "N3", "N4"}
    checked = 0
    for row in check.iter_rows(min_row=2):
        if row[10].value and str(row[10].value).startswith("=SUMIFS"):
            assert sumifs(check, row[10].value) == pytest.approx(row[9].value)
            checked += 1
    assert checked == len([f for (m, s, a), f in r.figures.items() if a == "North"])
    trace = {row[2] for row in wb["Trace"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert trace == {"North"}
    assert {row["Case"] for row in table(wb["Cases"])} == {"N1", "N2", "N3", "N4"}
    flags = filled(table(wb["By flags"]), "Measure")
    da = next(row for row in flags if row["Measure"] == "Demo" and row["flags"] == "domestic_abuse")
    assert da["All strands Score"] == approx(F(7, 7)) and da["All strands National"] == approx(F(8, 14))


def test_cli__area_per_area_and_charts(made, tmp_path, capsys, monkeypatch):
    import importlib.machinery
    import sys
    import types

    _, root, f = made
    master = str(f.path)
    assert main(["report", master, str(tmp_path / "x.xlsx"), "--area", "Nort"]) == 1
    assert "did you mean 'North'" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()
    assert main(["report", master, str(tmp_path / "x.xlsx"), "--area", "east"]) == 1
    assert "nothing to report" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()
    with monkeypatch.context() as m:  # an installation without the chart writer
        m.setitem(sys.modules, "fileexam.formats.report_charts", None)
        assert main(["report", master, str(tmp_path / "x.xlsx"), "--charts", str(tmp_path / "c")]) == 1
    assert "no chart writer" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()

    calls = []

    def write_charts(report, folder, area=None):
        calls.append((folder.name, area))
        return [folder / f"{m}.png" for m in report.measures[:1]]

    fake = types.ModuleType("fileexam.formats.report_charts")
    fake.__spec__ = importlib.machinery.ModuleSpec(fake.__name__, None)
    fake.write_charts = write_charts
    monkeypatch.setitem(sys.modules, fake.__name__, fake)
    assert main(["report", master, str(tmp_path / "all.xlsx"), "--per-area", str(tmp_path / "areas"),
                 "--charts", str(tmp_path / "c")]) == 0
    out = capsys.readouterr().out
    assert sorted(p.name for p in (tmp_path / "areas").iterdir()) == ["all - North.xlsx", "all - South.xlsx",
                                                                      "all - West.xlsx"]
    assert "none for East (no complete case)" in out and f"Wrote {tmp_path / 'c' / 'demo.png'}" in out
    assert calls == [("c", None), ("North", "North"), ("South", "South"), ("West", "West")]
    assert main(["report", master, str(tmp_path / "w.xlsx"), "--area", "West", "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert data["area"] == "West" and "the report for West: 1 of its cases" in captured.err
    assert load_workbook(tmp_path / "w.xlsx")["About"]["A1"].value.endswith("report for West")


def test_cli__empty_master_is_refused(tmp_path, capsys):
    f = make_inspection(tmp_path / "e", {})
    path = f.path
    f.close()
    assert main(["report", str(path), str(tmp_path / "e.xlsx")]) == 1
    assert "nothing to report" in capsys.readouterr().err and not (tmp_path / "e.xlsx").exists()


def test_area_lookup__label_or_value_any_case(made):
    from fileexam.domain.report_tables import find_area
    assert find_area(made[0].template, " west ") == "West"


def test_dates_in_json_are_iso_text(made):
    data = report_json(made[0])
    dates = next(t for t in data["tables"] if t["key"] == "dates")
    assert dates["rows"][0]["earliest"] == date(2025, 3, 1).isoformat()
