"""Write a case-sample workbook: the columns a template needs, with drop-down lists for choice fields."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from fileexam.domain.cases import Case
from fileexam.domain.template import FieldType, InspectionTemplate


def sample_rows(t: InspectionTemplate, cases: list[Case], exported_only: bool = False) -> tuple[list[str], list[list]]:
    """The header and rows of a sample, with labels as a person would type them."""
    fields = [f for f in t.case_fields if f.export or not exported_only]
    headers = [t.reference_label] + [f.label for f in fields] + ["Inspector"]
    rows = []
    for c in cases:
        row = [c.reference]
        for f in fields:
            v = c.fields.get(f.id)
            if isinstance(v, list):
                row.append("; ".join(f.value_label(x) for x in v))
            elif v is not None and f.type is FieldType.CHOICE:
                row.append(f.value_label(v))
            else:
                row.append(v)
        row.append(c.inspector)
        rows.append(row)
    return headers, rows


# The password sample workbooks written in this context are encrypted with (see `encrypted_samples`).
_SAMPLE_PASSWORD: ContextVar[str | None] = ContextVar("sample_password", default=None)


@contextmanager
def encrypted_samples(password: str | None):
    """Every sample workbook written inside is encrypted with `password` (None: plain), e.g. the blind
    samples `moderation allocate` writes through services.moderation.write_blind_samples."""
    token = _SAMPLE_PASSWORD.set(password or None)
    try:
        yield
    finally:
        _SAMPLE_PASSWORD.reset(token)


def write_sample(path: Path, t: InspectionTemplate, cases: list[Case], exported_only: bool = False,
                 password: str | None = None) -> None:
    """A sample workbook with drop-down lists for choice fields (kept on a hidden Lists sheet).
    exported_only: leave out fields the template keeps on the laptop (a sample that travels).
    password: encrypt it (as Excel does); by default, the password of an `encrypted_samples` context."""
    from fileexam.formats.xlsx_writing import BookWriter

    headers, rows = sample_rows(t, cases, exported_only)
    fields = [f for f in t.case_fields if f.export or not exported_only]
    book = BookWriter(path, password=password or _SAMPLE_PASSWORD.get())
    try:
        widths = [18] + [max(14, min(28, len(f.label) + 4)) for f in fields] + [16]
        sheet = book.sheet("Sample", headers, widths)
        for row in rows:
            sheet.append(row)
        sheet.finish()
        lists = book.wb.add_worksheet("Lists")
        for col, f in enumerate(fields, start=1):
            if f.type is not FieldType.CHOICE:
                continue
            lists.write_string(0, col, f.label, book.bold)
            for j, o in enumerate(f.values, start=1):
                lists.write_string(j, col, o.label)
            letter = _letter(col)
            sheet.ws.data_validation(1, col, 4999, col, {
                "validate": "list", "source": f"=Lists!${letter}$2:${letter}${len(f.values) + 1}",
                "ignore_blank": not f.required, "error_title": f.label,
                "error_message": f"Choose a value from the list for {f.label}."})
        lists.hide()
        book.close()
    except BaseException:
        book.abandon()
        raise


def _letter(col: int) -> str:
    """0-based column index to its letters (0 -> A)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out
