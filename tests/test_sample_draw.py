"""`fileexam sample draw` (issue 18): every row checked, eligibility per rule, a reproducible draw, quotas
met (the seed's 840 finalised + 300 live across the 14 Areas), reserves drawn in order."""

from __future__ import annotations

import csv
import random

import pytest

from fileexam.cli import main
from fileexam.domain.sample_design import Allocation, allocate, draw
from sample_helpers import (DESIGN, HEAD, allocate as allocate_sample, area_template, design_rules, design_strata,
                            row, sheet_rows, write_csv, write_design)

RULES = """\
strata: [area, stage]
quotas:
  - {cases: 50, reserves: 0}
eligibility:
  - id: window
    label: Finalised in the window
    applies_to: {stage: finalised}
    field: finalised_on
    from: "2023-12-01"
    to: "2024-09-30"
  - id: commenced
    column: Date commenced
    from: "2023-06-01"
  - id: no-rasso
    field: flags
    not_in: [rasso]
  - id: ongoing
    applies_to: {stage: live}
    field: outcome
    in: [ongoing]
  - id: hearings
    applies_to: {stage: live}
    column: Hearings held
    at_least: 1
"""

HAND_ROWS = [
    row("F1"),                                                       # eligible
    row("F2", finalised="2023-11-30"),                               # window: before it
    row("F3", finalised="01/10/2024"),                               # window: after it (a UK date)
    row("F4", finalised=""),                                         # window: no date
    row("F5", commenced="2023-05-31"),                               # commenced before the baseline
    row("F6", flags="Domestic abuse; Rape and serious sexual offences"),   # RASSO
    row("F7", finalised="2025-01-01", flags="Rape and serious sexual offences"),  # window first, RASSO too
    row("L1", stage="Live", outcome="Not yet concluded", finalised="", hearings=2),   # eligible
    row("L2", stage="Live", outcome="Guilty plea", finalised="", hearings=2),         # concluded
    row("L3", stage="Live", outcome="Not yet concluded", finalised="", hearings=0),   # no hearing yet
    row("L4", stage="Live", outcome="Not yet concluded", finalised="2022-01-01", hearings=1),  # window: not for live
]


@pytest.fixture
def hand(tmp_path):
    design = write_design(tmp_path, HEAD + RULES)
    return design, write_csv(tmp_path / "list.csv", HAND_ROWS)


def drawn_refs(path) -> list[str]:
    return [r[0] for r in sheet_rows(path, "Sample")[1:]]


def test_eligibility__each_rule_excludes_its_rows_and_the_design_sheet_counts_them(hand, tmp_path, capsys):
    design, caselist = hand
    out = tmp_path / "sample.xlsx"
    assert main(["sample", "draw", str(caselist), "--design", str(design), "--out", str(out)]) == 0
    assert sorted(drawn_refs(out)) == ["F1", "L1", "L4"]
    # excluded by: the first rule each row fails; failing: every rule it fails
    assert design_rules(out) == {"window": (4, 4), "commenced": (1, 1), "no-rasso": (1, 2), "ongoing": (1, 1),
                                 "hearings": (1, 1)}
    strata = design_strata(out)
    assert strata["Wessex · Finalised"] == {"population": 7, "eligible": 1, "quota": 50, "drawn": 1, "reserves": 0,
                                            "fraction": 1.0}
    assert strata["Wessex · Live"]["population"] == 4 and strata["Wessex · Live"]["eligible"] == 2
    printed = capsys.readouterr()
    assert "3 case(s) drawn and 0 reserve(s)" in printed.out and "from 11 row(s)" in printed.out
    assert "4 row(s) excluded by window" in printed.out
    assert "warning[stratum-short]" in printed.out  # 50 wanted, 1 eligible: said, and drawn anyway


def test_eligibility__the_drawn_rows_carry_the_columns_the_rules_read(hand, tmp_path):
    design, caselist = hand
    out = tmp_path / "sample.xlsx"
    assert main(["sample", "draw", str(caselist), "--design", str(design), "--out", str(out)]) == 0
    header = sheet_rows(out, "Sample")[0]
    assert header[-3:] == ["Stratum", "Date commenced", "Hearings held"]
    assert "Inspector" in header


def test_every_row_is_checked__a_bad_value_anywhere_writes_nothing(tmp_path, capsys):
    design = write_design(tmp_path, HEAD + RULES)
    rows = HAND_ROWS + [row("B1", area="Wesex"), row("B2", commenced="31/02/2024"), row("F1")]
    caselist = write_csv(tmp_path / "list.csv", rows)
    out = tmp_path / "sample.xlsx"
    assert main(["sample", "draw", str(caselist), "--design", str(design), "--out", str(out)]) == 1
    printed = capsys.readouterr()
    assert "row 13, column 'Area': error[bad-value]: 'Wesex' is not a value of Area — did you mean 'Wessex'?" in printed.out
    assert "row 14, column 'Date commenced': error[bad-value]" in printed.out
    assert "row 15, column 'URN': error[duplicate-reference]" in printed.out
    assert "Nothing written" in printed.err and not out.exists()


def test_a_column_a_rule_reads_must_be_there(tmp_path, capsys):
    design = write_design(tmp_path, HEAD + RULES)
    header = [h for h in __import__("sample_helpers").HEADER if h != "Hearings held"]
    caselist = write_csv(tmp_path / "list.csv", [r[:-1] for r in HAND_ROWS], header)
    assert main(["sample", "draw", str(caselist), "--design", str(design), "--out", str(tmp_path / "s.xlsx")]) == 1
    assert "error[rule-column-missing]: the case list has no column 'Hearings held', which eligibility rule " \
           "'hearings' reads" in capsys.readouterr().out


# ---- the worked example: 840 finalised + 300 live across the 14 Areas ------------------------------------
@pytest.fixture(scope="module")
def worked(tmp_path_factory):
    from fileexam.services.demo_case_list import write_case_list
    from fileexam.services.sample_draw import draw_sample

    folder = tmp_path_factory.mktemp("worked")
    caselist = write_case_list(folder / "case-list.csv", area_template(), 12_000, seed=3)
    report = draw_sample(DESIGN, caselist, folder / "sample.xlsx")
    assert report.written, [p.format() for p in report.errors]
    return folder, caselist, report


def test_worked_example__840_finalised_and_300_live_with_their_reserves(worked):
    folder, _caselist, report = worked
    t = area_template()
    areas = [o.label for o in t.fields_by_id["area"].values]
    strata = design_strata(folder / "sample.xlsx")
    assert len(strata) == 56
    finalised = {k: v for k, v in strata.items() if k.endswith("Finalised")}
    live = [strata[f"{a} · {s} · Live"] for a in areas for s in ("Magistrates' courts", "Crown Court")]
    assert {(v["quota"], v["drawn"], v["reserves"]) for v in finalised.values()} == {(30, 30, 5)}
    # 300 shared equally by 28 live strata: 10 each and the 20 left over one each to the first 20 in order
    # (the Areas in the template's order, magistrates' courts then Crown Court): Areas 1-10 get 11, 11-14 get 10
    assert [v["quota"] for v in live] == [11] * 20 + [10] * 8
    assert [v["drawn"] for v in live] == [v["quota"] for v in live] and {v["reserves"] for v in live} == {4}
    assert sum(v["drawn"] for v in finalised.values()) == 840 and sum(v["drawn"] for v in live) == 300
    assert report.drawn == 1140 and report.reserves == 28 * 5 + 28 * 4
    sample = sheet_rows(folder / "sample.xlsx", "Sample")
    reserves = sheet_rows(folder / "sample.xlsx", "Reserves")
    assert len(sample) - 1 == 1140 and len(reserves) - 1 == 252
    assert not {r[0] for r in sample[1:]} & {r[0] for r in reserves[1:]}
    # every sampled row meets every rule: no RASSO, finalised ones in the window
    header = sample[0]
    flags, stage, fin = header.index("Flags"), header.index("Finalised or live"), header.index("Date finalised")
    assert not any("Rape" in (r[flags] or "") for r in sample[1:])
    assert all("2023-12-01" <= r[fin] <= "2024-09-30" for r in sample[1:] if r[stage] == "Finalised")


def test_worked_example__fractions_differ_between_areas_of_different_sizes(worked):
    folder, _caselist, _report = worked
    fractions = [v["fraction"] for v in design_strata(folder / "sample.xlsx").values()]
    assert max(fractions) > 2 * min(fractions)  # hence weighted national figures (test_sample_accounting)


def test_draw__reproducible_from_the_seed_whatever_the_row_order(worked, tmp_path):
    from fileexam.services.sample_draw import draw_sample

    folder, caselist, _report = worked
    again = draw_sample(DESIGN, caselist, tmp_path / "again.xlsx")
    assert again.written
    with caselist.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    body = rows[1:]
    random.Random(5).shuffle(body)
    shuffled = tmp_path / "shuffled.csv"
    with shuffled.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([rows[0]] + body)
    assert draw_sample(DESIGN, shuffled, tmp_path / "shuffled.xlsx").written
    first = sheet_rows(folder / "sample.xlsx", "Sample"), sheet_rows(folder / "sample.xlsx", "Reserves")
    for other in ("again.xlsx", "shuffled.xlsx"):
        assert (sheet_rows(tmp_path / other, "Sample"), sheet_rows(tmp_path / other, "Reserves")) == first
    # another seed, another sample
    text = DESIGN.read_text().replace("seed: 20250301", "seed: 20250302").replace("../area-inspection.yaml",
                                                                                  "area-inspection.yaml")
    other = write_design(tmp_path, text, "other-seed.yaml")
    assert draw_sample(other, caselist, tmp_path / "other.xlsx").written
    assert drawn_refs(tmp_path / "other.xlsx") != drawn_refs(folder / "sample.xlsx")


def test_draw__from_a_workbook_as_from_csv(worked, tmp_path):
    from fileexam.services.demo_case_list import write_case_list
    from fileexam.services.sample_draw import draw_sample

    folder, _caselist, _report = worked
    book = write_case_list(tmp_path / "case-list.xlsx", area_template(), 12_000, seed=3)
    assert draw_sample(DESIGN, book, tmp_path / "from-book.xlsx").written
    assert sheet_rows(tmp_path / "from-book.xlsx", "Reserves") == sheet_rows(folder / "sample.xlsx", "Reserves")


def test_reserves__take_the_places_in_their_order_until_none_is_left(worked, tmp_path):
    from fileexam.services.sample import import_sample
    from fileexam.store import sample_records
    from fileexam.store.inspection_file import InspectionFile
    from conftest import AREA_TEMPLATE

    folder, _caselist, _report = worked
    sample = allocate_sample(folder / "sample.xlsx", tmp_path / "allocated.xlsx")
    with InspectionFile.create(tmp_path / "m.fileexam", AREA_TEMPLATE, "M", "TL") as f:
        report = import_sample(f, sample, "TL")
        assert report.imported and report.added == 1140 and report.reserves_added == 252
        assert len(f.cases()) == 1140  # reserves are kept apart: neither listed nor allocated
        label = "Wessex · Crown Court · Live"
        rows = sheet_rows(folder / "sample.xlsx", "Reserves")
        at, rank = rows[0].index("Stratum"), rows[0].index("Reserve order")
        order = [r[0] for r in sorted((r for r in rows[1:] if r[at] == label), key=lambda r: r[rank])]
        assert len(order) == 4
        drawn = sheet_rows(sample, "Sample")
        in_stratum = [r[0] for r in drawn[1:] if r[drawn[0].index("Stratum")] == label]
        promoted = []
        for ref in in_stratum[:5]:
            ex = sample_records.exclude(f, ref, "file_deleted", "TL")
            promoted.append(ex.replaced_by)
            if ex.replaced_by:
                assert f.case(ex.replaced_by).inspector == f.case(ref).inspector
        assert promoted == order + [None]
        assert len(f.cases()) == 1144


def test_allocation__proportional_by_largest_remainder_and_equal_with_the_remainder_first():
    from fileexam.domain.sample_design import Quota, SampleDesign, Where

    strata = [("a",), ("b",), ("c",)]
    prop = SampleDesign("d", "D", "1", "t", 1, ("f",), (Quota(Where(), total=10, allocation="proportional",
                                                                  reserves=2),))
    # 10 x (50, 30, 20)/100 = 5, 3, 2 exactly; 7 x (50, 30, 20)/100 = 3.5, 2.1, 1.4 -> 3+1, 2, 1
    assert [allocate(prop, strata, {("a",): 50, ("b",): 30, ("c",): 20})[k].quota for k in strata] == [5, 3, 2]
    seven = SampleDesign("d", "D", "1", "t", 1, ("f",), (Quota(Where(), total=7, allocation="proportional"),))
    assert [allocate(seven, strata, {("a",): 50, ("b",): 30, ("c",): 20})[k].quota for k in strata] == [4, 2, 1]
    equal = SampleDesign("d", "D", "1", "t", 1, ("f",), (Quota(Where(), total=7),))
    assert [allocate(equal, strata)[k] for k in strata] == [Allocation(3, 0), Allocation(2, 0), Allocation(2, 0)]


def test_draw__simple_random_without_replacement_in_each_stratum():
    eligible = {("a",): [f"A{i}" for i in range(100)], ("b",): [f"B{i}" for i in range(3)]}
    d = draw(11, {("a",): Allocation(10, 5), ("b",): Allocation(5, 2)}, eligible)
    assert len(set(d.sample[("a",)] + d.reserves[("a",)])) == 15
    assert sorted(d.sample[("b",)]) == ["B0", "B1", "B2"] and d.reserves[("b",)] == []
    # a stratum's draw does not depend on the others'
    alone = draw(11, {("a",): Allocation(10, 5)}, {("a",): eligible[("a",)]})
    assert alone.sample[("a",)] == d.sample[("a",)]
