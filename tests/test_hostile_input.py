"""Hostile and broken input: never a traceback, never a half-changed file; user text never becomes a formula."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from conftest import AREA_TEMPLATE, ROOT
from definition_cases import GOOD_SET
from fileexam.formats.definitions import load_file
from fileexam.formats.exchange_workbook import read_exchange
from fileexam.services.sample import import_sample
from fileexam.store.inspection_file import InspectionFile

EXAMPLE = ROOT / "exports/examples/work-a-khan.xlsx"
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                       HealthCheck.too_slow])
NASTY_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["=1+1", "+44 1", "-3", "@SUM(A1)", "\tx", "\rx", "שלום עולם", "مرحبا", "🙂👍", "x" * 100_000,
                     "2026-13-45", "01/02/2026", "yes", "NO", "1.10", "\x00\x07", "Crown Court", "Wessex"]))


# ---- YAML --------------------------------------------------------------------
@FAST
@given(st.binary(max_size=2000))
def test_yaml__random_bytes__problems_never_a_traceback(tmp_path_factory, data):
    f = tmp_path_factory.mktemp("y") / "x.yaml"
    f.write_bytes(data)
    loaded = load_file(f)
    assert loaded.definition is None or not any(p.is_error for p in loaded.problems)


@FAST
@given(st.lists(st.tuples(st.integers(0, 60), st.sampled_from(["drop", "dup", "swap", "junk"]), NASTY_TEXT),
                max_size=6))
def test_yaml__mutated_question_set__loads_or_says_where(tmp_path_factory, edits):
    lines = GOOD_SET.splitlines()
    for at, kind, text in edits:
        i = at % len(lines)
        if kind == "drop":
            lines.pop(i)
        elif kind == "dup":
            lines.insert(i, lines[i])
        elif kind == "swap":
            lines[i], lines[-1] = lines[-1], lines[i]
        else:
            lines[i] = lines[i][: len(lines[i]) // 2] + text[:200]
        if not lines:
            lines = ["x"]
    f = tmp_path_factory.mktemp("y") / "demo.yaml"
    f.write_bytes("\n".join(lines).encode("utf-8", "replace"))
    loaded = load_file(f)
    for p in loaded.problems:
        assert p.format()  # every problem renders as a message with its place


def test_yaml__billion_laughs_refused(tmp_path):
    text = "kind: question-set\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    (tmp_path / "bomb.yaml").write_text(text)
    assert [p.code for p in load_file(tmp_path / "bomb.yaml").problems] == ["yaml-alias"]


# ---- case samples ---------------------------------------------------------------
@pytest.fixture(scope="module")
def empty_inspection(tmp_path_factory):
    f = InspectionFile.create(tmp_path_factory.mktemp("i") / "i.fileexam", AREA_TEMPLATE, "X", "TL")
    yield f
    f.close()


HEADERS = st.lists(st.sampled_from(["URN", "Area", "Strand", "Finalised or live", "Charging decision by", "Flags",
                                    "Date charged", "Inspector", "urn", "Colour", "", "Area"]), min_size=1, max_size=9)


@FAST
@given(HEADERS, st.lists(st.lists(st.one_of(NASTY_TEXT, st.integers(), st.floats(allow_nan=True), st.none()),
                                  max_size=9), max_size=6), st.booleans())
def test_sample__random_tables__imported_whole_or_not_at_all(tmp_path_factory, empty_inspection, header, rows, merged):
    path = tmp_path_factory.mktemp("s") / "s.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([_cell(v) for v in r])
    if merged and rows:
        ws.merge_cells("A2:B2")
    wb.create_sheet("Extra").append(["=1+1"])
    wb.save(path)
    before = len(empty_inspection.cases())
    report = import_sample(empty_inspection, path, "TL")
    after = len(empty_inspection.cases())
    if report.errors:
        assert after == before  # nothing written
    for p in report.problems:
        assert p.format()


# ---- exchange workbooks --------------------------------------------------------
@FAST
@given(st.lists(st.tuples(st.sampled_from(["About", "Cases", "Answers"]), st.integers(1, 40), st.integers(1, 10),
                          st.one_of(NASTY_TEXT, st.integers(), st.none())), min_size=1, max_size=5),
       st.booleans())
def test_exchange__random_edits__read_or_refused_with_a_message(tmp_path_factory, edits, drop_sheet):
    path = tmp_path_factory.mktemp("w") / "w.xlsx"
    wb = load_workbook(EXAMPLE)
    for sheet, row, col, value in edits:
        wb[sheet].cell(row, col).value = _cell(value)
    if drop_sheet:
        del wb["Definitions"]
    wb.save(path)
    data = read_exchange(path)
    for p in data.problems:
        assert p.format()


def _cell(v):
    """What a real workbook can hold: control characters cannot be stored in a cell at all."""
    return ILLEGAL_CHARACTERS_RE.sub("", v)[:30000] if isinstance(v, str) else v


def _zip_with(entries: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            z.writestr(name, content)
    return buf.getvalue()


def broken_corpus(tmp_path: Path) -> dict[str, Path]:
    good = EXAMPLE.read_bytes()
    files = {
        "truncated.xlsx": good[: len(good) // 3],
        "empty.xlsx": b"",
        "not-a-zip.xlsx": b"URN,Area\n1,Wessex\n",
        "zip-not-workbook.xlsx": _zip_with({"hello.txt": b"hi"}),
        "zip-bomb.xlsx": _zip_with({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b"0" * 60_000_000}),
    }
    with zipfile.ZipFile(EXAMPLE) as z:  # an XML bomb: entities in the shared strings
        entries = {n: z.read(n) for n in z.namelist()}
    bomb = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' +
            b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i else b"&lol;") * 10) for i in range(1, 9)) +
            b']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol8;</t></si></sst>')
    entries["xl/sharedStrings.xml"] = bomb
    files["xml-bomb.xlsx"] = _zip_with(entries)
    out = {}
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
        out[name] = tmp_path / name
    return out


def test_broken_corpus__each_refused_with_a_message_not_a_traceback(tmp_path, empty_inspection):
    for name, path in broken_corpus(tmp_path).items():
        data = read_exchange(path)
        assert data.problems and data.problems[0].code in ("table-unreadable", "exchange-sheet-missing",
                                                            "exchange-not-ours"), name
        report = import_sample(empty_inspection, path, "TL")
        assert report.errors, name


def test_about_sheet_lying_about_its_rows__refused(tmp_path):
    wb = load_workbook(EXAMPLE)
    about = wb["About"]
    for row in about.iter_rows(min_row=2):
        if row[0].value == "answers":
            row[1].value = str(int(row[1].value) + 5)
    wb.save(tmp_path / "lies.xlsx")
    codes = [p.code for p in read_exchange(tmp_path / "lies.xlsx").problems]
    assert "exchange-count" in codes


# ---- formula injection, on every writer ------------------------------------------
INJECT = "=HYPERLINK(\"http://evil\",\"click\")"


def _formula_free(path: Path, expect: str) -> None:
    wb = load_workbook(path)
    found = False
    for ws in wb:
        for row in ws.iter_rows():
            for c in row:
                if c.value == expect:
                    found = True
                    assert c.data_type == "s", (ws.title, c.coordinate)
    assert found, f"{expect!r} was not written to {path.name}"


def test_formula_injection__every_writer_writes_text(tmp_path):
    from fileexam.domain.cases import Case
    from fileexam.formats.moderation_workbook import write_moderation
    from fileexam.formats.report_workbook import write_report
    from fileexam.formats.sample_workbook import write_sample
    from fileexam.services.export import export_workbook
    from fileexam.services.merge import master_coverage
    from fileexam.services.moderation import agreement_report, marker_profiles
    from fileexam.services.report import build_report

    f = InspectionFile.create(tmp_path / "i.fileexam", AREA_TEMPLATE, "X", "TL")
    fields = {"area": "Wessex", "strand": "crown_court", "stage": "live", "charging_decision_by": "area",
              "offence": INJECT}
    f.add_cases([Case(INJECT, fields, "AK"), Case("C2", fields, "BE")], "t", "TL")
    f.set_answer(INJECT, "DI01", "AK", "fully", comment=INJECT)
    f.set_answer(INJECT, "DI01", "BE", "not_met", comment=INJECT)
    f.conn.execute("UPDATE markings SET status='complete' WHERE case_ref=?", [INJECT])
    f.allocate_double([(INJECT, "BE")], "TL")
    f.settle(INJECT, "DI01", "partially", INJECT, "TL")

    export_workbook(f, tmp_path / "exchange.xlsx", "AK")
    _formula_free(tmp_path / "exchange.xlsx", INJECT)
    write_sample(tmp_path / "sample.xlsx", f.template, f.cases())
    _formula_free(tmp_path / "sample.xlsx", INJECT)
    write_report(tmp_path / "report.xlsx", build_report(f), [{"at": "t", "who": INJECT, "file_name": INJECT,
                 "marker": INJECT, "outcome": "merged", "new": 1, "updated": 0, "unchanged": 0, "older": 0,
                 "conflicts": 0, "detail": INJECT}], master_coverage(f))
    _formula_free(tmp_path / "report.xlsx", INJECT)
    write_moderation(tmp_path / "moderation.xlsx", f.template, [(INJECT, "AK", "BE")], agreement_report(f),
                     marker_profiles(f))
    _formula_free(tmp_path / "moderation.xlsx", INJECT)
    f.close()
