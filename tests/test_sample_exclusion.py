"""Importing a drawn sample with its design and reserves; eligibility at import; cases marked not examinable
with a reason and replaced by the next reserve, audited; exclusions carried in the exchange workbook (format
version 3) and applied by the merge (issue 18)."""

from __future__ import annotations

import random

import pytest

from conftest import AREA_TEMPLATE, ROOT
from fileexam.cli import main
from fileexam.services.sample import import_sample
from fileexam.store import sample_records
from fileexam.store.inspection_file import InspectionFile
from sample_helpers import HEAD, INSPECTORS, allocate, area_template, row, write_csv, write_design

SMALL = HEAD + """\
strata: [area, strand, stage]
quotas:
  - {cases: 2, reserves: 2}
eligibility:
  - id: no-rasso
    field: flags
    not_in: [rasso]
  - id: commenced
    column: Date commenced
    from: "2023-06-01"
"""


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """112 cases (2 in each of 56 strata) and 112 reserves from a generated list, allocated round robin."""
    from fileexam.services.demo_case_list import write_case_list
    from fileexam.services.sample_draw import draw_sample

    folder = tmp_path_factory.mktemp("drawn")
    design = write_design(folder, SMALL)
    caselist = write_case_list(folder / "list.csv", area_template(), 6000, seed=9)
    report = draw_sample(design, caselist, folder / "sample.xlsx")
    assert report.written and report.drawn == 112 and report.reserves == 112
    return folder, design, allocate(folder / "sample.xlsx", folder / "allocated.xlsx")


def new_file(path, sample, who="TL") -> InspectionFile:
    f = InspectionFile.create(path, AREA_TEMPLATE, "Follow-up", who)
    report = import_sample(f, sample, who)
    assert report.imported, [p.format() for p in report.errors]
    return f


def stratum_of(f, ref):
    return sample_records.case_strata(f)[ref][0]


# ---- import --------------------------------------------------------------------------------------------------
def test_import__design_strata_and_reserves_stored__reserves_not_listed_until_promoted(drawn, tmp_path, capsys):
    _folder, _design, sample = drawn
    path = tmp_path / "m.fileexam"
    assert main(["new", str(path), "--template", str(AREA_TEMPLATE), "--name", "M", "--as", "TL"]) == 0
    assert main(["sample", "import", str(path), str(sample), "--as", "TL"]) == 0
    out = capsys.readouterr().out
    assert "Imported 112 new case(s)" in out and "112 reserve case(s) kept" in out and "stored with the cases" in out
    with InspectionFile.open(path) as f:
        assert len(f.cases()) == 112 and len(sample_records.reserves(f)) == 112
        assert len(sample_records.strata(f)) == 56 and sample_records.stored_design(f)["id"] == "test-design"
        assert {c.inspector for c in f.cases()} == set(INSPECTORS)
    assert main(["sample", "import", str(path), str(sample), "--as", "TL"]) == 0  # again: nothing changes
    out = capsys.readouterr().out
    assert "Imported 0 new case(s); 112 already present and unchanged" in out and "already stored" in out


def test_import__with_a_design__each_ineligible_row_listed_with_its_rule_and_reason(tmp_path, capsys):
    design = write_design(tmp_path, SMALL)
    rows = [row("OK1"), row("R1", flags="Rape and serious sexual offences"), row("C1", commenced="2023-01-05")]
    sample = write_csv(tmp_path / "elsewhere.csv", rows)
    path = tmp_path / "m.fileexam"
    main(["new", str(path), "--template", str(AREA_TEMPLATE), "--name", "M", "--as", "TL"])
    assert main(["sample", "import", str(path), str(sample), "--design", str(design), "--as", "TL"]) == 1
    out = capsys.readouterr()
    assert ("elsewhere.csv, row 3, column 'Flags': error[ineligible-case]: case R1 is not eligible under the design's "
            "rule 'no-rasso': Flags is Rape and serious sexual offences") in out.out
    assert ("row 4, column 'Date commenced': error[ineligible-case]: case C1 is not eligible under the design's rule "
            "'commenced': Date commenced 2023-01-05 is before 2023-06-01") in out.out
    assert "2 ineligible under the design's rules" in out.err
    with InspectionFile.open(path) as f:
        assert f.cases() == []  # all or nothing


def test_import__a_rule_on_a_column_the_sample_lacks_is_said_not_checked(tmp_path, capsys):
    design = write_design(tmp_path, SMALL)
    header = [h for h in __import__("sample_helpers").HEADER if h != "Date commenced"]
    sample = write_csv(tmp_path / "s.csv", [[v for h, v in zip(__import__("sample_helpers").HEADER, row("A1"))
                                             if h != "Date commenced"]], header)
    path = tmp_path / "m.fileexam"
    main(["new", str(path), "--template", str(AREA_TEMPLATE), "--name", "M", "--as", "TL"])
    assert main(["sample", "import", str(path), str(sample), "--design", str(design), "--as", "TL"]) == 0
    assert "warning[rule-not-checked]" in capsys.readouterr().out


def test_import__another_design_than_the_one_drawn_with__refused(drawn, tmp_path, capsys):
    folder, _design, sample = drawn
    other = write_design(tmp_path, SMALL.replace("seed: 7", "seed: 8"))
    path = tmp_path / "m.fileexam"
    main(["new", str(path), "--template", str(AREA_TEMPLATE), "--name", "M", "--as", "TL"])
    assert main(["sample", "import", str(path), str(sample), "--design", str(other), "--as", "TL"]) == 1
    assert "error[design-mismatch]" in capsys.readouterr().out
    # an inspection that holds one design takes no sample of another
    elsewhere = write_csv(tmp_path / "e.csv", [row("Z1")])
    assert main(["sample", "import", str(path), str(sample), "--as", "TL"]) == 0
    assert main(["sample", "import", str(path), str(elsewhere), "--design", str(other), "--as", "TL"]) == 1
    assert "error[design-conflict]" in capsys.readouterr().out


def test_import__a_design_file_edited_after_the_draw__refused(drawn, tmp_path):
    from openpyxl import load_workbook

    _folder, _design, sample = drawn
    wb = load_workbook(sample)
    ws = wb["Design file"]
    ws.cell(2, 4, ws.cell(2, 4).value.replace("cases: 2", "cases: 3"))
    wb.save(tmp_path / "edited.xlsx")
    with InspectionFile.create(tmp_path / "m.fileexam", AREA_TEMPLATE, "M", "TL") as f:
        report = import_sample(f, tmp_path / "edited.xlsx", "TL")
        assert "design-sheet" in {p.code for p in report.errors} and f.cases() == []


def test_import__reserves_without_their_design__refused(drawn, tmp_path):
    from openpyxl import load_workbook

    _folder, _design, sample = drawn
    wb = load_workbook(sample)
    del wb["Design file"]
    wb.save(tmp_path / "no-design.xlsx")
    with InspectionFile.create(tmp_path / "m.fileexam", AREA_TEMPLATE, "M", "TL") as f:
        report = import_sample(f, tmp_path / "no-design.xlsx", "TL")
        assert [p.code for p in report.errors] == ["reserves-without-design"]


def test_draw__a_list_wrong_everywhere_lists_the_first_problems_and_says_how_many_more(tmp_path, capsys):
    design = write_design(tmp_path, SMALL)
    caselist = write_csv(tmp_path / "bad.csv", [row(f"B{i}", area="Nowhere") for i in range(1200)])
    assert main(["sample", "draw", str(caselist), "--design", str(design), "--out", str(tmp_path / "s.xlsx")]) == 1
    out = capsys.readouterr().out
    assert out.count("error[bad-value]") == 1000 and "error[more-problems]: 200 more problem(s) not listed" in out


# ---- exclusion and replacement -----------------------------------------------------------------------------
def test_exclude__reason_from_the_template__next_reserve_promoted__audited(drawn, tmp_path, capsys):
    _folder, _design, sample = drawn
    f = new_file(tmp_path / "m.fileexam", sample)
    case = f.cases()[0]
    key = stratum_of(f, case.reference)
    first = sample_records.next_reserve(f, key)
    f.close()
    path = str(tmp_path / "m.fileexam")
    assert main(["sample", "exclude", path, case.reference, "--reason", "Wrong case type", "--note", "a RASSO case",
                 "--as", "A. Khan"]) == 0
    out = capsys.readouterr().out
    assert f"Reserve {first.reference} (reserve 1 of its stratum) takes its place, allocated to {case.inspector}" in out
    assert main(["sample", "exclude", path, case.reference, "--reason", "file_deleted", "--as", "TL"]) == 1
    assert "already marked not examinable (Wrong case type" in capsys.readouterr().err
    assert main(["sample", "exclude", path, f"{case.reference}", "--reason", "file delted", "--as", "TL"]) == 1
    assert "did you mean 'file_deleted'?" in capsys.readouterr().err
    with InspectionFile.open(path) as f:
        ex = sample_records.exclusions(f)[case.reference]
        assert (ex.reason, ex.note, ex.who, ex.replaced_by) == ("wrong_case_type", "a RASSO case", "A. Khan",
                                                                first.reference)
        promoted = f.case(first.reference)
        assert promoted.inspector == case.inspector and promoted.fields == first.fields
        assert sample_records.case_strata(f)[first.reference] == (key, "reserve")
        log = [(a["action"], a["case_ref"]) for a in f.audit()][-2:]
        assert log == [("not examinable", case.reference), ("reserve promoted", first.reference)]


def test_exclude__a_case_not_examinable_is_not_answered_or_completed_from_the_command_line(drawn, tmp_path, capsys):
    _folder, _design, sample = drawn
    f = new_file(tmp_path / "m.fileexam", sample)
    case = f.cases()[0]
    question = next(iter(f.template.questions)).id
    f.close()
    path = str(tmp_path / "m.fileexam")
    assert main(["sample", "exclude", path, case.reference, "--reason", "file_deleted", "--as", "A. Khan"]) == 0
    capsys.readouterr()
    for argv, doing in ((["answer", path, case.reference.lower(), question, "Y"], "nothing to answer"),
                        (["complete", path, case.reference], "nothing to mark complete")):
        assert main(argv + ["--as", case.inspector]) == 1
        err = capsys.readouterr().err
        assert f"case {case.reference} is marked not examinable (File deleted)" in err and doing in err
    with InspectionFile.open(path) as f:
        assert f.answers(case.reference, case.inspector) == {}
        assert f.status(case.reference, case.inspector).value == "not started"


def test_exclude__exclusion_and_promotion_are_one_transaction(drawn, tmp_path, monkeypatch):
    _folder, _design, sample = drawn
    f = new_file(tmp_path / "m.fileexam", sample)
    case = f.cases()[0]
    audit = InspectionFile._audit

    def failing(conn, who, action, *args, **kwargs):
        if action == "reserve promoted":
            raise OSError("disk full")
        return audit(conn, who, action, *args, **kwargs)

    monkeypatch.setattr(InspectionFile, "_audit", staticmethod(failing))
    with pytest.raises(OSError):
        sample_records.exclude(f, case.reference, "file_unavailable", "TL")
    assert sample_records.exclusions(f) == {} and len(f.cases()) == 112
    assert all(r.replaces is None for r in sample_records.reserves(f))
    f.close()


def test_exclude__without_a_design__recorded_with_no_replacement(area_file, capsys):
    ref = area_file.cases()[0].reference
    path = str(area_file.path)
    area_file.close()
    assert main(["sample", "exclude", path, ref, "--reason", "file_unavailable", "--as", "TL"]) == 0
    assert "no sample design, so no reserve replaces it" in capsys.readouterr().err


# ---- through export and merge ------------------------------------------------------------------------------
def _score(f, refs, who, seed=1):
    from fileexam.services.demo import demo_answers
    rng = random.Random(seed)
    for ref in refs:
        c = f.case(ref)
        for q, v in demo_answers(f.template, c, rng).items():
            f.set_answer(ref, q, who, v)
        f.mark_complete(ref, who)


def _pair_in_one_stratum(f):
    """Two cases of one stratum, one A. Khan's and one B. Evans's."""
    by_stratum: dict = {}
    for c in f.cases():
        by_stratum.setdefault(stratum_of(f, c.reference), {})[c.inspector] = c.reference
    return next(v for v in by_stratum.values() if "A. Khan" in v and "B. Evans" in v)


def test_export_and_merge__the_exclusion_and_its_reserve_travel(drawn, tmp_path, capsys):
    from fileexam.formats.exchange_workbook import read_exchange
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks

    _folder, _design, sample = drawn
    master = new_file(tmp_path / "master.fileexam", sample)
    ak = new_file(tmp_path / "ak.fileexam", sample, "A. Khan")
    mine = [c.reference for c in ak.cases() if c.inspector == "A. Khan"]
    ex = sample_records.exclude(ak, mine[0], "file_deleted", "A. Khan", "deleted under the retention policy")
    _score(ak, [ex.replaced_by] + mine[1:3], "A. Khan")
    export_workbook(ak, tmp_path / "ak.xlsx", "A. Khan")
    data = read_exchange(tmp_path / "ak.xlsx")
    assert data.problems == [] and data.about["format_version"] == "4" and data.about["exclusions"] == "1"
    assert data.exclusions[0][0] == mine[0] and data.exclusions[0][2:5] == [
        "file_deleted", "deleted under the retention policy", "A. Khan"]
    assert data.exclusions[0][6] == ex.replaced_by

    report = merge_workbooks(master, [tmp_path / "ak.xlsx"], "TL")
    [w] = report.workbooks
    assert w.outcome == "merged" and w.new == 3 and w.exclusions == [
        f"case {mine[0]} not examinable (File deleted), {ex.replaced_by} takes its place"]
    held = sample_records.exclusions(master)[mine[0]]
    assert (held.reason, held.replaced_by, held.who, held.source) == ("file_deleted", ex.replaced_by, "A. Khan", "ak.xlsx")
    assert master.case(ex.replaced_by).inspector == "A. Khan"
    assert master.statuses()[(ex.replaced_by, "A. Khan")].value == "complete"
    assert report.coverage.excluded[0].reference == mine[0]
    assert mine[0] not in {c.reference for c in report.coverage.missing}
    again = merge_workbooks(master, [tmp_path / "ak.xlsx"], "TL")
    assert again.workbooks[0].outcome == "unchanged" and again.workbooks[0].exclusions == []
    master.close()
    ak.close()


def test_exclusions_sheet__covered_by_the_hash(drawn, tmp_path):
    from openpyxl import load_workbook

    from fileexam.formats.exchange_workbook import read_exchange
    from fileexam.services.export import export_workbook

    _folder, _design, sample = drawn
    ak = new_file(tmp_path / "ak.fileexam", sample, "A. Khan")
    ref = next(c.reference for c in ak.cases() if c.inspector == "A. Khan")
    sample_records.exclude(ak, ref, "file_deleted", "A. Khan")
    export_workbook(ak, tmp_path / "ak.xlsx", "A. Khan")
    wb = load_workbook(tmp_path / "ak.xlsx")
    wb["Exclusions"]["C2"] = "not_progressed"
    wb.save(tmp_path / "edited.xlsx")
    data = read_exchange(tmp_path / "edited.xlsx")
    assert [p.code for p in data.problems] == ["exchange-hash"] and data.changed_rows == {"Exclusions": [2]}
    ak.close()


def test_merge__an_exclusion_of_another_inspectors_case__refused_with_the_reason(drawn, tmp_path):
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks

    _folder, _design, sample = drawn
    master = new_file(tmp_path / "master.fileexam", sample)
    be = new_file(tmp_path / "be.fileexam", sample, "B. Evans")
    theirs = next(c.reference for c in be.cases() if c.inspector == "A. Khan")
    sample_records.exclude(be, theirs, "file_deleted", "B. Evans")
    export_workbook(be, tmp_path / "be.xlsx", "B. Evans")
    [w] = merge_workbooks(master, [tmp_path / "be.xlsx"], "TL").workbooks
    assert w.outcome == "refused"
    assert any("error[exchange-exclusion]" in r and f"case {theirs} is allocated to A. Khan in the master" in r
               for r in w.reasons)
    assert sample_records.exclusions(master) == {}
    master.close()
    be.close()


def test_merge__a_reason_the_template_does_not_have__refused(drawn, tmp_path):
    from fileexam.formats.exchange_workbook import write_exchange
    from fileexam.services.export import build_exchange
    from fileexam.services.merge import merge_workbooks

    _folder, _design, sample = drawn
    master = new_file(tmp_path / "master.fileexam", sample)
    ak = new_file(tmp_path / "ak.fileexam", sample, "A. Khan")
    ref = next(c.reference for c in ak.cases() if c.inspector == "A. Khan")
    sample_records.exclude(ak, ref, "file_deleted", "A. Khan")
    data = build_exchange(ak, "A. Khan")
    data.exclusions[0][2] = "lost_in_the_post"
    write_exchange(tmp_path / "ak.xlsx", data)
    [w] = merge_workbooks(master, [tmp_path / "ak.xlsx"], "TL").workbooks
    assert w.outcome == "refused" and any("'lost_in_the_post' is not an exclusion reason" in r for r in w.reasons)
    master.close()
    ak.close()


def test_merge__two_inspectors_meet_one_reserve__refused_then_settled_in_the_master(drawn, tmp_path, capsys):
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import merge_workbooks

    _folder, _design, sample = drawn
    master = new_file(tmp_path / "master.fileexam", sample)
    pair = _pair_in_one_stratum(master)
    key = stratum_of(master, pair["A. Khan"])
    reserves = sorted((r for r in sample_records.reserves(master) if r.key == key), key=lambda r: r.rank)
    files = {}
    for who in ("A. Khan", "B. Evans"):
        f = files[who] = new_file(tmp_path / f"{who[0]}.fileexam", sample, who)
        ex = sample_records.exclude(f, pair[who], "file_unavailable", who)
        assert ex.replaced_by == reserves[0].reference  # each laptop took the stratum's first reserve
        _score(f, [ex.replaced_by], who)
        export_workbook(f, tmp_path / f"{who[0]}.xlsx", who)
    first = merge_workbooks(master, [tmp_path / "A.xlsx"], "TL").workbooks[0]
    assert first.outcome == "merged"
    [clash] = merge_workbooks(master, [tmp_path / "B.xlsx"], "TL").workbooks
    assert clash.outcome == "refused"
    assert any(f"already takes the place of case {pair['A. Khan']}" in r and "fileexam sample exclude MASTER" in r
               for r in clash.reasons)
    # settled as the message says: the team lead excludes B. Evans's case in the master (the next reserve
    # replaces it), then merges the workbook again
    ex = sample_records.exclude(master, pair["B. Evans"], "file_unavailable", "TL")
    assert ex.replaced_by == reserves[1].reference and master.case(ex.replaced_by).inspector == "B. Evans"
    [w] = merge_workbooks(master, [tmp_path / "B.xlsx"], "TL").workbooks
    assert w.outcome == "merged" and any("kept the master's" in line for line in w.exclusions)
    assert w.conflicts and w.conflicts[0][0] == reserves[0].reference  # B. Evans's marking of A. Khan's case
    for f in (master, *files.values()):
        f.close()


def test_merge__older_exchange_workbooks_still_merge(merged_file):
    from fileexam.formats.exchange_workbook import read_exchange

    assert read_exchange(ROOT / "exports/examples/work-a-khan.xlsx").about["format_version"] == "2"
    assert read_exchange(ROOT / "tests/fixtures/exchange-v1-a-khan.xlsx").about["format_version"] == "1"
    assert len(merged_file.merges()) == 3  # the three version-2 workbooks merged (conftest)
