"""Charts of a report as PNG and SVG: real files written by matplotlib, read back."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import AREA_TEMPLATE, ROOT
from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL
from fileexam.domain.cases import BadValue
from fileexam.formats.report_charts import (NO_CASES, TOO_FEW, by_area, by_measure, by_strand, change, interval,
                                            percent, question_shares, safe_name, write_charts)

WORKBOOKS = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def make_master(path: Path, workbooks: list[Path], name: str):
    from fileexam.services.merge import merge_workbooks
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    f = InspectionFile.create(path, AREA_TEMPLATE, name, "TL")
    assert import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL").imported
    assert not merge_workbooks(f, workbooks, "TL").refused
    return f


@pytest.fixture(scope="module")
def compared(tmp_path_factory):
    """The example master (three inspectors merged) reported against the report workbook of an earlier
    state of it (two inspectors merged)."""
    from fileexam.formats.report_workbook import write_report
    from fileexam.services.merge import master_coverage
    from fileexam.services.report import build_report

    folder = tmp_path_factory.mktemp("charts")
    with make_master(folder / "earlier.fileexam", WORKBOOKS[:2], "Area inspection 2024") as earlier:
        write_report(folder / "baseline.xlsx", build_report(earlier), earlier.merges(), master_coverage(earlier))
    with make_master(folder / "master.fileexam", WORKBOOKS, "Area inspection 2026") as master:
        return build_report(master, folder / "baseline.xlsx")


def svg_text(path: Path) -> str:
    root = ET.parse(path).getroot()  # parses, or the test fails
    assert root.tag.endswith("svg")
    return " ".join(t.strip() for t in root.itertext() if t.strip())


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_write_charts__png_and_svg_by_area_for_each_measure_and_strand_and_baseline_per_measure(compared, tmp_path):
    report = replace(compared, measures=["pre-charge", "ptph_preparation"])  # two measures keep it quick
    files = write_charts(report, tmp_path / "charts")
    names = sorted(p.name for p in files)
    stems = ["01-pre-charge-all-strands-by-area", "01-pre-charge-magistrates-courts-by-area",
             "01-pre-charge-crown-court-by-area", "01-pre-charge-baseline",
             # PTPH preparation is Crown Court only: no chart of the magistrates' courts, where it has no cases
             "02-ptph-preparation-all-strands-by-area", "02-ptph-preparation-crown-court-by-area",
             "02-ptph-preparation-baseline"]
    assert names == sorted(f"{s}.{ext}" for s in stems for ext in ("png", "svg"))
    assert all(p.parent == tmp_path / "charts" and p.stat().st_size > 0 for p in files)
    for p in files:
        if p.suffix == ".png":
            w, h = png_size(p)
            assert w > 600 and h > 200
            from PIL import Image  # matplotlib's own dependency: the PNG decodes whole
            with Image.open(p) as im:
                im.load()
    for strand in [ALL_STRANDS] + report.strands:
        path = tmp_path / "charts" / f"01-pre-charge-{safe_name(strand)}-by-area.svg"
        text = svg_text(path)
        assert all(a in text for a in report.areas)
        assert f"{report.label('pre-charge')} by Area — {strand}" in text
        national = report.figure("pre-charge", strand)
        assert f"National {percent(national.value)}" in text
        spread = report.spread("pre-charge", strand)
        assert spread.no_cases  # the examples leave some Areas with none: written, not drawn as 0%
        assert text.count(NO_CASES) == len(spread.no_cases)
        assert not re.search(r"(?<![\d.])0\.0%", text)  # no 0% bar for an Area without cases
        for a in report.areas:
            f = report.figure("pre-charge", strand, a)
            if f is not None:  # each Area's bar says its value and cases, and too few where so
                words = f"{percent(f.value)} · {len(f.cases)} case{'s' if len(f.cases) != 1 else ''}"
                assert words + (f" · {TOO_FEW}" if f.few else "") in text
    baseline = svg_text(tmp_path / "charts" / "01-pre-charge-baseline.svg")
    tr = report.figure("pre-charge").travel
    assert f"{percent(tr.baseline)} baseline" in baseline and f"{change(tr.change_pp)} {tr.words}" in baseline
    assert "Baseline (baseline.xlsx)" in baseline and "Follow-up (Area inspection 2026)" in baseline


def test_write_charts__for_one_area__picked_out_and_named_first(compared, tmp_path):
    report = replace(compared, measures=["grip"])
    files = write_charts(report, tmp_path, area="Wessex")
    assert files and all(p.name.startswith("wessex-06-grip-") or p.name.startswith("wessex-01-grip-")
                         for p in files)
    baseline = next(p for p in files if p.name.endswith("baseline.svg"))
    text = svg_text(baseline)
    assert "Grip: baseline and follow-up — Wessex" in text
    tr = report.figure("grip", ALL_STRANDS, "Wessex").travel
    assert f"{percent(tr.baseline)} baseline" in text
    with pytest.raises(BadValue, match="'Wesex' is not an Area of this report"):
        write_charts(report, tmp_path, area="Wesex")


def test_write_charts__without_a_baseline__no_baseline_charts(compared, tmp_path):
    report = replace(compared, measures=["disclosure"], baseline_name=None)
    names = [p.name for p in write_charts(report, tmp_path)]
    assert len(names) == 6 and not any("baseline" in n for n in names)


@pytest.mark.parametrize("text, name", [
    ("Magistrates' courts", "magistrates-courts"),
    ("All strands", "all-strands"),
    ("Ynys Môn / Anglesey: *?<>|\"", "ynys-mon-anglesey"),
    ("CON", "con-"), ("nul", "nul-"), ("COM1", "com1-"),
    ("...", "chart"),
    ("x" * 200, "x" * 60),
])
def test_safe_name__windows_takes_it(text, name):
    assert safe_name(text) == name
    assert re.fullmatch(r"[a-z0-9-]+", safe_name(text))


def test_number_format__one_decimal_place_everywhere():
    assert percent(0.728) == "72.8%" and percent(1.0) == "100.0%" and percent(None) == ""
    assert interval((0.6821, 0.8093)) == "68.2–80.9%"
    assert change(3.25) == "+3.2pp" and change(-1.46) == "-1.5pp" and change(-0.04) == "0.0pp" and change(None) == ""
    # just under the threshold: a second decimal, so 'static' never stands beside '+1.0pp'
    assert change(0.96, 1.0) == "+0.96pp" and change(-0.951, 1.0) == "-0.95pp"
    assert change(0.94, 1.0) == "+0.9pp" and change(1.04, 1.0) == "+1.0pp" and change(0.96) == "+1.0pp"


def test_bars__no_cases_has_no_bar_and_too_few_is_kept_and_marked(compared):
    r = compared
    chart = by_area(r, "pre-charge", ALL_STRANDS, highlight="Wessex")
    assert [b.label for b in chart.bars] == r.areas and chart.reference == (NATIONAL, r.figure("pre-charge").value)
    none = [b for b in chart.bars if b.note == NO_CASES]
    assert [b.label for b in none] == r.spread("pre-charge").no_cases
    assert all(b.value is None and b.text == NO_CASES for b in none)
    few = [b for b in chart.bars if b.note == TOO_FEW]
    assert few and all(b.value is not None and b.text.endswith(TOO_FEW) for b in few)
    assert [b.label for b in chart.bars if b.highlight] == ["Wessex"]
    assert all(b.baseline is not None for b in chart.bars if b.value is not None and b.travel)
    strands = by_strand(r, "grip", NATIONAL)
    assert [b.label for b in strands.bars] == [ALL_STRANDS] + r.strands
    measures = by_measure(r, "Crown Court", "Wessex")
    assert [b.label for b in measures.bars] == [r.label(m) for m in r.measures]
    shares = question_shares(r, "disclosure")
    assert shares.bars and all(b.label.startswith("DI") for b in shares.bars)
    for b in shares.bars:
        if b.note != NO_CASES:
            assert sum(s for _, s, _ in b.segments) == pytest.approx(1.0)
            assert "95%" not in b.text and b.text.split(" ")[0].isdigit()


def test_charts_module__matplotlib_is_not_imported_until_charts_are_written():
    code = ("import sys; import fileexam.formats.report_charts, fileexam.qt.results_view, fileexam.qt.main_window, "
            "fileexam.cli; print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
