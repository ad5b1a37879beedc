"""The sample's accounting (per stratum: designed, drawn, examined, excluded by reason, replaced, missing) in
coverage, `fileexam merge`, the report and its About sheet; weighted national figures when the sampling
fractions differ. Every expected figure here is worked out by hand from the scenario (issue 18)."""

from __future__ import annotations

import random

import pytest

from conftest import AREA_TEMPLATE
from fileexam.domain.aggregate import ALL_STRANDS
from fileexam.services.sample import import_sample
from fileexam.store import sample_records
from fileexam.store.inspection_file import InspectionFile
from sample_helpers import HEAD, allocate, row, sheet_rows, write_csv, write_design

TWO_AREAS = HEAD + """\
strata: [area]
quotas:
  - where: {area: [Wessex, North East]}
    cases: 2
    reserves: 1
"""


def scenario(tmp_path, wessex: int = 20, north_east: int = 4):
    """Wessex: `wessex` eligible cases, North East `north_east`; 2 drawn and 1 reserve in each. In Wessex the
    first drawn case is excluded (file deleted: its reserve takes its place) after it was marked complete; the
    other and the reserve are examined (PC01 yes). In North East one case is examined (PC01 no) and the
    other is in progress."""
    from fileexam.services.demo import demo_answers
    from fileexam.services.sample_draw import draw_sample

    design = write_design(tmp_path, TWO_AREAS)
    rows = ([row(f"W{i:02d}", by="Area prosecutor") for i in range(wessex)]
            + [row(f"N{i:02d}", area="North East", by="Area prosecutor") for i in range(north_east)])
    caselist = write_csv(tmp_path / "list.csv", rows)
    report = draw_sample(design, caselist, tmp_path / "sample.xlsx")
    assert report.written
    sample = allocate(tmp_path / "sample.xlsx", tmp_path / "allocated.xlsx", ["A. Khan"])
    f = InspectionFile.create(tmp_path / "master.fileexam", AREA_TEMPLATE, "Follow-up", "TL")
    assert import_sample(f, sample, "TL").imported
    drawn = {r[0]: r for r in sheet_rows(sample, "Sample")[1:]}
    wessex_refs = sorted(r for r in drawn if r.startswith("W"))
    ne_refs = sorted(r for r in drawn if r.startswith("N"))
    base = demo_answers(f.template, f.case(wessex_refs[0]), random.Random(1))
    assert "PC01" in base

    def score(ref, pc01, complete=True):
        for q, v in {**base, "PC01": pc01}.items():
            f.set_answer(ref, q, "A. Khan", v)
        if complete:
            assert f.mark_complete(ref, "A. Khan").ok

    score(wessex_refs[0], "yes")   # examined, then found to be the wrong case: excluded all the same
    ex = sample_records.exclude(f, wessex_refs[0], "file_deleted", "TL", "deleted in 2024")
    score(wessex_refs[1], "yes")
    score(ex.replaced_by, "yes")
    score(ne_refs[0], "no")
    f.set_answer(ne_refs[1], "PC01", "A. Khan", "yes")  # in progress
    return f, wessex_refs, ne_refs, ex


def test_accounting__per_stratum_worked_out_by_hand(tmp_path):
    from fileexam.services.sample_accounting import accounting_of

    f, wessex, north_east, ex = scenario(tmp_path)
    acc = accounting_of(f)
    by = {s.label: s for s in acc.strata}
    w, n = by["Wessex"], by["North East"]
    assert (w.designed, w.eligible, w.population, w.reserves) == (2, 20, 20, 1)
    assert (sorted(w.drawn), w.replaced, w.excluded) == (wessex, [ex.replaced_by], {"file_deleted": [wessex[0]]})
    assert sorted(w.examined) == sorted([wessex[1], ex.replaced_by]) and w.missing == [] and w.shortfall == 0
    assert (n.designed, n.eligible, n.examined, n.in_progress, n.excluded, n.replaced) == (
        2, 4, [north_east[0]], [north_east[1]], {}, [])
    assert n.shortfall == 1 and n.fraction == 0.5 and w.fraction == 0.1
    # drawn + replaced = examined + excluded + missing, in every stratum
    for s in (w, n):
        assert len(s.drawn) + len(s.replaced) == len(s.examined) + s.excluded_total + len(s.missing)
    total = acc.total()
    assert (total.designed, len(total.drawn), len(total.examined), total.excluded_total, len(total.replaced),
            len(total.missing)) == (4, 4, 3, 1, 1, 1)
    assert [s.label for s in acc.short] == ["North East"] and acc.fractions_differ()
    assert acc.weights() == {("Wessex",): 20 / 2, ("North East",): 4 / 1}
    f.close()


def test_coverage__a_case_not_examinable_is_neither_expected_nor_missing(tmp_path):
    from fileexam.services.merge import master_coverage

    f, wessex, north_east, _ex = scenario(tmp_path)
    cov = master_coverage(f)
    assert [c.reference for c in cov.excluded] == [wessex[0]] and cov.excluded[0].excluded == "File deleted"
    assert [c.reference for c in cov.missing] == [north_east[1]]
    assert len(cov.expected) == 4
    [g] = cov.by_inspector
    assert (g.expected, g.complete, g.in_progress, g.missing, g.excluded) == (4, 3, 1, 1, 1)
    f.close()


def test_report__weighted_national_figures_beside_the_unweighted__by_hand(tmp_path):
    from fileexam.services.report import build_report, report_json

    f, wessex, _north_east, ex = scenario(tmp_path)
    r = build_report(f)
    assert wessex[0] not in r.counted and len(r.counted) == 3 and r.not_examinable == 1
    # precharge_code is PC01 alone (yes 1 of 1, no 0 of 1): unweighted 2 of 3 cases yes;
    # weighted, each Wessex case stands for 20/2 = 10 eligible cases, the North East one for 4/1 = 4:
    # (10 + 10 + 0) / (10 + 10 + 4) = 5/6
    fig = r.figure("precharge_code")
    assert fig.value == pytest.approx(2 / 3)
    w = r.weighted[("precharge_code", ALL_STRANDS)]
    assert w.value == pytest.approx(5 / 6) and w.cases == 3 and w.strata == 2
    lo, hi = w.ci
    assert 0 <= lo <= 5 / 6 <= hi <= 1
    assert "fractions differ" in r.weights_note
    js = report_json(r)
    assert js["cases_not_examinable"] == 1 and js["sample"][-1]["designed"] == 4
    row_ = next(x for x in js["weighted"] if x["measure"] == "precharge_code" and x["strand"] == ALL_STRANDS)
    assert row_["value"] == pytest.approx(5 / 6)
    national = next(t for t in js["tables"] if t["key"] == "national")
    line = next(x for x in national["rows"] if x["measure"].startswith("Pre-charge decision-making Code")
                and x["strand"] == ALL_STRANDS)
    assert line["score"] == pytest.approx(2 / 3) and line["weighted"] == pytest.approx(5 / 6)
    f.close()


def test_report__no_weights_when_every_stratum_has_the_same_fraction(tmp_path):
    from fileexam.services.report import build_report

    f, *_ = scenario(tmp_path, wessex=4, north_east=4)
    r = build_report(f)
    assert r.weighted == {} and "need no weights" in r.weights_note
    national = __import__("fileexam.domain.report_tables", fromlist=["national_table"]).national_table(r)
    assert "weighted" not in {c.key for c in national.columns}
    f.close()


def test_report_workbook__about_states_the_accounting_and_the_shortfall__sample_sheets(tmp_path):
    from fileexam.formats.report_workbook import write_report
    from fileexam.services.merge import master_coverage
    from fileexam.services.report import build_report

    f, wessex, north_east, ex = scenario(tmp_path)
    r = build_report(f)
    write_report(tmp_path / "report.xlsx", r, f.merges(), master_coverage(f))
    about = {row_[0]: row_[1] for row_ in sheet_rows(tmp_path / "report.xlsx", "About") if row_[0]}
    assert about["Sampled cases not examinable (left out of every figure)"] == 1
    assert about["The sample against its design"].startswith(
        "designed 4, drawn 4, examined 3, not examinable 1 (File deleted 1), replaced by reserves 1, missing 1")
    assert about["Short of the design"] == "1 stratum(s), 1 case(s) in all: North East (1 of 2)"
    assert "weighted" in about["Weights"] and 'METHODS.md, "Weights"' in about["Weights"]
    sample = sheet_rows(tmp_path / "report.xlsx", "Sample")
    header = next(i for i, x in enumerate(sample) if x[0] == "Stratum")
    rows = {x[0]: x for x in sample[header + 1:] if x[0]}
    names = sample[header]
    ne = dict(zip(names, rows["North East"]))
    assert (ne["Designed"], ne["Eligible"], ne["Drawn"], ne["Examined"], ne["Missing"], ne["Short of the design"]) == (
        2, 4, 2, 1, 1, 1)
    wx = dict(zip(names, rows["Wessex"]))
    assert (wx["File deleted"], wx["Replaced by a reserve"], wx["Sampling fraction"]) == (1, 1, 0.1)
    cases = sheet_rows(tmp_path / "report.xlsx", "Sample cases")
    first = next(i for i, x in enumerate(cases) if x[0] == "Case")
    states = {x[0]: (x[2], x[3], x[4]) for x in cases[first + 1:] if x[0]}
    assert states[wessex[0]] == ("drawn", "not examinable: File deleted", ex.replaced_by)
    assert states[ex.replaced_by][:2] == (f"reserve, in place of {wessex[0]}", "examined")
    assert states[north_east[1]][1] == "missing: in progress"
    f.close()


def test_merge_prints_the_accounting(tmp_path, capsys):
    from fileexam.cli import main

    f, *_ = scenario(tmp_path)
    path = str(f.path)
    f.close()
    empty = tmp_path / "none.xlsx"
    assert main(["export", path, str(empty), "--marker", "A. Khan"]) == 0
    assert main(["merge", path, str(empty), "--as", "TL"]) == 0
    out = capsys.readouterr().out
    assert "Coverage: 3 of 4 sampled case(s) back complete; 1 missing; 0 complete twice; 1 not examinable" in out
    assert "Sample against its design: 3 of 4 designed case(s) examined in 2 strata; 0 stratum(s) can no longer " \
           "reach the design" in out
    assert "Not examinable, by reason: File deleted 1" in out
    wessex = [line for line in out.splitlines() if line.startswith("Wessex")][-1]  # after the coverage by Area
    assert wessex.split()[1:] == ["2", "2", "2", "1", "1", "0"]  # designed drawn examined excluded replaced missing
