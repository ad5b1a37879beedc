"""No workbook can break a master, no genuine export is refused, no damaged or foreign file is used silently.

Every invalid cell is refused with its sheet, row and column, --accept-changed or not; the master is
left exactly as it was and stays usable.
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import time
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import load_workbook

from conftest import AREA_TEMPLATE, ROOT
from fileexam.cli import main
from fileexam.domain.cases import BadValue
from fileexam.formats.exchange_workbook import (DataHasher, hash_about, hash_definitions,
                                                read_exchange, row_blob, row_check)
from fileexam.services.export import export_workbook
from fileexam.services.merge import merge_workbooks
from fileexam.services.sample import import_sample
from fileexam.store.inspection_file import InspectionFile
from test_merge import export, inspector_file, snapshot

SAMPLE = ROOT / "exports/examples/area-sample.xlsx"


@pytest.fixture
def master(area_file):
    return area_file


@pytest.fixture
def workbook(tmp_path):
    return export(inspector_file(tmp_path, "A. Khan", complete=False), tmp_path, "A. Khan")


def edit(path, changes, resign=False):
    """Change cells as a person would in Excel: {(sheet, cell): value}. With resign, recompute the row
    checks and the SHA-256 as a deliberate forger would, so only the cell checks stand in the way."""
    wb = load_workbook(path)
    for (sheet, cell), value in changes.items():
        wb[sheet][cell].value = value
    if resign:
        _resign(wb)
    wb.save(path)


def _texts(row):
    from fileexam.formats.exchange_workbook import _canon
    return [None if v is None else _canon(v) for v in row]


def _resign(wb):
    hasher = DataHasher()
    for name in [n for n in ("Cases", "Answers", "Exclusions", "Feedback") if n in wb.sheetnames]:  # version 3, 4
        ws = wb[name]
        header = [c.value for c in ws[1]]
        hasher.sheet(name, header[:-1])
        for row in ws.iter_rows(min_row=2):
            values = _texts([c.value for c in row[:-1]])
            if all(v is None for v in values):
                continue
            row[-1].value = row_check(values)
            hasher.row(values, row_blob(values))
    defs = [[("" if v is None else str(v)) for v in r] for r in wb["Definitions"].iter_rows(min_row=2, values_only=True)]
    hash_definitions(hasher, [[_texts([v])[0] or "" for v in r] for r in defs])
    about = {str(r[0]): ("" if r[1] is None else str(r[1])) for r in wb["About"].iter_rows(min_row=2, values_only=True)
             if r[0] is not None}
    hash_about(hasher, about)
    for r in wb["About"].iter_rows(min_row=2):
        if r[0].value == "data_sha256":
            r[1].value = hasher.hexdigest()


def cell_of(path, sheet, column, predicate=lambda v: True):
    ws = load_workbook(path)[sheet]
    header = [c.value for c in ws[1]]
    col = header.index(column)
    for row in ws.iter_rows(min_row=2):
        if row[col].value is not None and predicate(row[col].value):
            return row[col].coordinate, row
    raise AssertionError(f"no {column} cell")


def refused(master, wb, accept_changed=True):
    before = snapshot(master.path)
    [w] = merge_workbooks(master, [wb], "TL", accept_changed=accept_changed).workbooks
    assert w.outcome == "refused", w.reasons
    assert snapshot(master.path)[:2] == before[:2]  # answers and markings untouched
    return " ".join(w.reasons)


@pytest.mark.parametrize("resign", [False, True])
def test_status_typed_complete__refused_with_its_place__master_still_usable(master, workbook, tmp_path, capsys, resign):
    coord, _ = cell_of(workbook, "Cases", "status", lambda v: v == "in progress")
    edit(workbook, {("Cases", coord): "Complete"}, resign=resign)
    text = refused(master, workbook)
    assert "sheet 'Cases'" in text and f"row {coord[1:]}" in text and "column 'status'" in text
    assert "did you mean 'complete'" in text
    merge_workbooks(master, sorted((ROOT / "exports/examples").glob("work-*.xlsx")), "TL")  # work to report on
    path = master.path
    master.close()
    for argv in (["status", str(path)], ["export", str(path), str(tmp_path / "m.xlsx")],
                 ["report", str(path), str(tmp_path / "r.xlsx")]):
        assert main(argv) == 0, argv
    assert main(["merge", str(path), str(workbook), "--as", "TL", "--accept-changed"]) == 1


@pytest.mark.parametrize("column, value, code, words", [
    ("answered_at", "zzz", "[exchange-bad-cell]", "is not a time"),
    ("answered_at", "2026-01-01T10:00:00", "[exchange-bad-cell]", "is not a time"),       # no time zone
    ("answered_at", "9999-12-31T00:00:00+00:00", "[exchange-bad-cell]", "later than now"),
    ("revision", "abc", "[exchange-bad-cell]", "is not a revision"),
    ("revision", "nan", "[exchange-bad-cell]", "is not a revision"),
    ("revision", 0, "[exchange-bad-cell]", "is not a revision"),
    ("revision", 1.5, "[exchange-bad-cell]", "is not a revision"),
    ("points", "lots", "[exchange-bad-cell]", "not a number of points"),
    ("question_set", "victims-witnesses", "[exchange-wrong-set]", "belongs to question set"),
    ("question_id", "ZZ99", "[exchange-unknown-question]", "is not a question of this inspection"),
    ("value", "sort of", "[exchange-bad-answer]", "is not on its scale"),
    ("marker", "B. Evans", "[exchange-wrong-marker]", "is not this workbook's marker"),
    ("reference", "NOT-A-CASE", "[exchange-bad-cell]", "has answers but no row in the Cases sheet"),
])
def test_answers_cell__invalid__refused_with_sheet_row_column(master, workbook, column, value, code, words):
    coord, _ = cell_of(workbook, "Answers", column)
    edit(workbook, {("Answers", coord): value}, resign=True)
    text = refused(master, workbook, accept_changed=False)
    assert code in text and words in text, text
    assert f"sheet 'Answers', row {coord[1:]}, column '{column}'" in text, text


def test_cases_reference_outside_the_sample__refused(master, workbook):
    status, row = cell_of(workbook, "Cases", "status", lambda v: v == "not started")  # a case with no answers
    coord = row[0].coordinate
    edit(workbook, {("Cases", coord): "NOT-A-CASE"}, resign=True)
    text = refused(master, workbook, accept_changed=False)
    assert "[exchange-case-outside]" in text and f"row {coord[1:]}" in text
    assert "case NOT-A-CASE is not in this inspection's sample" in text


def test_two_values_for_one_answer__refused(master, workbook):
    wb = load_workbook(workbook)
    ws = wb["Answers"]
    values = [c.value for c in ws[2]]
    values[4] = "not_met" if values[4] != "not_met" else "fully"
    ws.append(values)
    _resign(wb)
    for r in wb["About"].iter_rows(min_row=2):
        if r[0].value == "answers":
            r[1].value = str(int(r[1].value) + 1)
    _resign(wb)
    wb.save(workbook)
    text = refused(master, workbook, accept_changed=False)
    assert "[exchange-duplicate]" in text and "appears twice (also row 2)" in text


def test_about_unknown_key_and_missing_key__refused(master, workbook):
    wb = load_workbook(workbook)
    wb["About"].append(["owner", "someone"])
    _resign(wb)
    wb.save(workbook)
    text = refused(master, workbook, accept_changed=False)
    assert "[exchange-about-key]" in text and "'owner' is not a key of the exchange format" in text


def test_about_marker_edited__hash_covers_about(master, workbook):
    coord = next(r[1].coordinate for r in load_workbook(workbook)["About"].iter_rows(min_row=2)
                 if r[0].value == "marker")
    edit(workbook, {("About", coord): "B. Evans"})
    data = read_exchange(workbook)
    assert "exchange-hash" in [p.code for p in data.problems]
    # and with --accept-changed the rows' marker still does not match About's
    text = refused(master, workbook, accept_changed=True)
    assert "is not this workbook's marker 'B. Evans'" in text


def test_case_field_column_unknown_or_value_invalid__refused(master, workbook):
    wb = load_workbook(workbook)
    ws = wb["Cases"]
    header = [c.value for c in ws[1]]
    area = header.index("area") + 1
    ws.cell(2, area).value = "Atlantis"
    _resign(wb)
    wb.save(workbook)
    text = refused(master, workbook, accept_changed=False)
    assert "[exchange-bad-answer]" in text and "'Atlantis' is not a value of" in text and "column 'area'" in text
    wb = load_workbook(workbook)
    wb["Cases"].cell(1, area).value = "planet"
    _resign(wb)
    wb.save(workbook)
    assert "[exchange-unknown-field]" in refused(master, workbook, accept_changed=False)


def test_definitions_edited__hash_covers_definitions(workbook):
    wb = load_workbook(workbook)
    ws = wb["Definitions"]
    ws["G2"].value = ws["G2"].value + "\n# edited"
    wb.save(workbook)
    assert "exchange-hash" in [p.code for p in read_exchange(workbook).problems]


def test_version_1_workbook__still_read_and_merged(master, tmp_path):
    """A genuine export of the earlier format (its hash covers Cases and Answers only) merges, with a note."""
    v1 = ROOT / "tests/fixtures/exchange-v1-a-khan.xlsx"  # written by fileexam before format version 2
    data = read_exchange(v1)
    assert data.about["format_version"] == "1" and data.problems == []
    [w] = merge_workbooks(master, [v1], "TL").workbooks
    assert w.outcome == "merged" and "format version 1" in " ".join(w.reasons)


# ---- bounded reading -----------------------------------------------------------------
def _rezip(src, replace: dict[str, bytes], stored: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            w.writestr(info.filename, replace.get(info.filename, z.read(info.filename)))
        for name, data in (stored or {}).items():
            w.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _corner_cell(src) -> bytes:
    with zipfile.ZipFile(src) as z:
        xml = z.read("xl/worksheets/sheet2.xml")
    return xml.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')


def test_corner_cell__refused_in_milliseconds_not_a_native_abort(master, workbook, tmp_path):
    bad = tmp_path / "corner.xlsx"
    bad.write_bytes(_rezip(workbook, {"xl/worksheets/sheet2.xml": _corner_cell(workbook)}))
    start = time.perf_counter()
    text = refused(master, bad, accept_changed=True)
    assert time.perf_counter() - start < 5
    assert "beyond" in text or "at most" in text
    # the real command in its own process: a native abort would be exit 134
    path = master.path
    master.close()
    run = subprocess.run([sys.executable, "-m", "fileexam", "merge", str(path), str(bad), "--as", "TL"],
                         capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 1, run.stderr
    assert "REFUSED" in run.stdout


def test_stored_incompressible_member__bomb_refused_quickly(master, workbook, tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(workbook) as z:
        sheet = z.read("xl/worksheets/sheet3.xml")
    filler = b"<row><c><v>1</v></c></row>" * 4_000_000  # 104 MB of XML, deflated to almost nothing
    huge = sheet.replace(b"</sheetData>", filler + b"</sheetData>")
    bomb.write_bytes(_rezip(workbook, {"xl/worksheets/sheet3.xml": huge}, stored={"xl/media/noise.bin": os.urandom(900_000)}))
    start = time.perf_counter()
    text = refused(master, bomb)
    assert time.perf_counter() - start < 5 and "zip bomb" in text


def test_implicit_cells__read_exactly_not_laid_out(workbook, tmp_path):
    """Cells without their own reference (legal XML) go through the exact reader, which lays out only what is there."""
    with zipfile.ZipFile(workbook) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    import re
    stripped = re.sub(rb' r="[A-Z]+\d+"', b"", xml)
    odd = tmp_path / "implicit.xlsx"
    odd.write_bytes(_rezip(workbook, {"xl/worksheets/sheet1.xml": stripped}))
    assert read_exchange(odd).about == read_exchange(workbook).about


# ---- genuine text, round trip --------------------------------------------------------
ODD = ["_x005F_x0041_", "_x0041_", "_x005F_", "_xFFFE_", "\ufffe", "\uffff", "a_x005F_x005F_x0041_b", "_x",
       "]]>", "&amp;", "<c r='A1'/>", "\u2028", "🙂", "\U0001fffe", "  spaced  ", "=1+1", "-", "\t"]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pair")
    os.environ.setdefault("FILEEXAM_HOME", str(folder / "home"))
    ak = InspectionFile.create(folder / "ak.fileexam", AREA_TEMPLATE, "Area inspection 2026", "A. Khan")
    import_sample(ak, SAMPLE, "A. Khan")
    master = InspectionFile.create(folder / "master.fileexam", AREA_TEMPLATE, "Area inspection 2026", "TL")
    import_sample(master, SAMPLE, "TL")
    ref = [c for c in ak.cases() if c.inspector == "A. Khan"][0].reference
    yield ak, master, ref, folder
    ak.close()
    master.close()


def _round_trip(pair, text):
    ak, master, ref, folder = pair
    try:
        stored = ak.set_answer(ref, "DI01", "A. Khan", "fully", comment=text).comment
    except BadValue as exc:
        assert "32,767" in str(exc) or "not text" in str(exc)
        return
    out = folder / "ak.xlsx"
    export_workbook(ak, out, "A. Khan")
    [w] = merge_workbooks(master, [out], "TL").workbooks
    assert w.outcome in ("merged", "unchanged"), w.reasons
    assert master.answers(ref, "A. Khan")["DI01"].comment == stored


@pytest.mark.parametrize("text", ODD + ["".join(ODD), "x" * 32_767])
def test_round_trip__odd_text__exports_and_merges_back_identically(pair, text):
    _round_trip(pair, text)


def test_text_over_excels_cell_limit__refused_at_input_with_the_limit(area_file):
    ref = area_file.cases()[0].reference
    with pytest.raises(BadValue, match="32,767"):
        area_file.set_answer(ref, "DI01", "AK", "fully", comment="x" * 32_768)
    with pytest.raises(BadValue, match="32,767"):
        area_file.set_answer(ref, "DI01", "AK", "fully", comment="🙂" * 16_384)  # 32,768 UTF-16 units
    assert "DI01" not in area_file.answers(ref, "AK")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=60), st.sampled_from(ODD)), max_size=6).map("".join))
def test_round_trip__any_unicode_text(pair, text):
    _round_trip(pair, text)


# ---- merges serialised -----------------------------------------------------------------
MERGE = """
import sys
from pathlib import Path
from fileexam.services.merge import merge_workbooks
from fileexam.store.inspection_file import InspectionFile
master, go, wb = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
with InspectionFile.open(master) as f:
    while not go.exists():
        pass
    [w] = merge_workbooks(f, [wb], "TL").workbooks
    print(w.outcome, w.new, w.updated, w.older)
"""


def _race(master_path, workbooks, tmp_path):
    go = tmp_path / "go"
    go.unlink(missing_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", MERGE, str(master_path), str(go), str(wb)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) for wb in workbooks]
    time.sleep(1.0)
    go.touch()
    outs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [o[1] for o in outs]
    return [o[0].split() for o in outs]


def test_concurrent_merges__same_workbook__merged_once(master, workbook, tmp_path):
    path = master.path
    master.close()
    results = _race(path, [workbook] * 3, tmp_path)
    assert sorted(r[0] for r in results) == ["merged", "unchanged", "unchanged"], results
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM merges WHERE outcome='merged'").fetchone()[0] == 1
    con.close()


def test_concurrent_merges__newer_and_older_export__newer_kept(master, tmp_path):
    ak = inspector_file(tmp_path, "A. Khan", complete=False)
    older, newer = tmp_path / "older.xlsx", tmp_path / "newer.xlsx"
    export_workbook(ak, older, "A. Khan")
    ref = [c for c in ak.cases() if c.inspector == "A. Khan"][0].reference
    new_value = "partially" if ak.answers(ref, "A. Khan")["DI01"].value != "partially" else "fully"
    ak.set_answer(ref, "DI01", "A. Khan", new_value)
    export_workbook(ak, newer, "A. Khan")
    path = master.path
    master.close()
    results = _race(path, [older, newer], tmp_path)
    with InspectionFile.open(path) as f:
        assert f.answers(ref, "A. Khan")["DI01"].value == new_value, results


def test_merge__backs_up_the_master_first(master, workbook, tmp_path):
    from fileexam.store.backups import list_backups
    root = tmp_path / "backups"
    merge_workbooks(master, [workbook], "TL", backup_root=root)
    [backup] = list_backups(master.path, root)
    with InspectionFile.open(backup) as b:
        assert b.count_answers() == 0  # the state before the merge


# ---- found by the fault runs (python -m fileexam.faults hostile-merge / damaged-open) ----------------
def test_sheet_stored_outside_worksheets__still_measured_and_refused(master, workbook, tmp_path):
    with zipfile.ZipFile(workbook) as z:
        rels = z.read("xl/_rels/workbook.xml.rels").replace(b"worksheets/sheet3.xml", b"data/sheet9.xml")
        xml = z.read("xl/worksheets/sheet3.xml").replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
    out = io.BytesIO()
    with zipfile.ZipFile(workbook) as z, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            if info.filename == "xl/worksheets/sheet3.xml":
                continue
            w.writestr(info.filename, rels if info.filename == "xl/_rels/workbook.xml.rels" else z.read(info.filename))
        w.writestr("xl/data/sheet9.xml", xml)
    bad = tmp_path / "elsewhere.xlsx"
    bad.write_bytes(out.getvalue())
    assert "beyond" in refused(master, bad) or "at most" in refused(master, bad)


@pytest.mark.parametrize("comment, words", [
    ("_xD83D__xDE42_ and _xD800_", None),               # escaped surrogates: a pair is one character
    ("🙂" * 16_384, "32,767"),                          # over Excel's limit in UTF-16 units
    ("bell\x07", "control characters"),
])
def test_comment_the_store_would_refuse__refused_by_merge_too(master, workbook, comment, words):
    wb = load_workbook(workbook)
    ws = wb["Answers"]
    header = [c.value for c in ws[1]]
    ws.cell(2, header.index("comment") + 1).value = comment.replace("\x07", "_x0007_")
    _resign(wb)
    wb.save(workbook)
    before = snapshot(master.path)
    # accepted as changed: the store's rules must hold whatever the checksum says
    [w] = merge_workbooks(master, [workbook], "TL", accept_changed=True).workbooks  # never an exception
    if words is None:
        assert w.outcome in ("merged", "refused")
    else:
        assert w.outcome == "refused" and words in " ".join(w.reasons)
        assert snapshot(master.path)[:2] == before[:2]


def test_answered_at_in_year_one__refused_not_raised(master, workbook):
    coord, _ = cell_of(workbook, "Answers", "answered_at")
    edit(workbook, {("Answers", coord): "0001-01-01T00:00:00+01:00"}, resign=True)
    assert "is not a time" in refused(master, workbook, accept_changed=False)


def test_markings_status_never_written__file_called_damaged(area_file, capsys):
    area_file.conn.execute("INSERT INTO markings VALUES (?, 'X', 'done', '2026-01-01')", [area_file.cases()[0].reference])
    path = area_file.path
    area_file.close()
    assert main(["status", str(path)]) == 1
    assert "damaged" in capsys.readouterr().err
