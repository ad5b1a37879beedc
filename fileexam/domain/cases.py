"""Cases and their field values: checking a raw value against a case field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from fileexam.domain.case_status import BadValue, Status  # noqa: F401 - both named from here too
from fileexam.domain.problems import did_you_mean
from fileexam.domain.template import CaseField, FieldType


@dataclass
class Case:
    """A sampled case: its reference, its field values, and the inspector it is allocated to."""
    reference: str
    fields: dict = field(default_factory=dict)
    inspector: str | None = None


# Control characters and the non-characters U+FFFE, U+FFFF: no workbook cell can hold them as they are
# (XML cannot), and nobody means to type them.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
CELL_LIMIT = 32_767  # Excel's limit for one cell, in UTF-16 code units (what Excel counts)


def utf16_length(text: str) -> int:
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def clean_text(text: str, what: str = "the text") -> str:
    """Text as typed, less control characters (a workbook cannot hold them and nobody means them).

    Line ends become \n: a workbook's XML turns a lone \r into \n, so storing \n keeps round trips exact.
    Text that no workbook cell could carry whole is refused here, so that every stored text exports
    and merges back exactly: over Excel's 32,767 characters, or bytes that are not text at all.
    """
    if _SURROGATE.search(text):
        raise BadValue(f"{what} holds bytes that are not text (not UTF-8): type it again")
    cleaned = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if len(cleaned) > CELL_LIMIT // 2 and utf16_length(cleaned) > CELL_LIMIT:
        raise BadValue(f"{what} is {utf16_length(cleaned):,} characters long; a workbook cell holds at most "
                       f"{CELL_LIMIT:,} (Excel's limit): shorten it, or split it")
    return cleaned


_UK_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def parse_date(raw) -> str:
    """An ISO date text from a date, an ISO text or a UK day/month/year text."""
    if isinstance(raw, datetime):
        return raw.date().isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    text = str(raw).strip()
    try:
        return date.fromisoformat(text[:10] if len(text) > 10 and text[10] in "T " else text).isoformat()
    except ValueError:
        pass
    m = _UK_DATE.match(text)
    if m:
        try:
            return date(int(m[3]), int(m[2]), int(m[1])).isoformat()
        except ValueError:
            pass
    raise BadValue(f"'{text}' is not a date: write it as 2026-05-01 or 01/05/2026")


def parse_number(raw, integer: bool = False) -> float | int:
    if isinstance(raw, bool):
        raise BadValue(f"'{raw}' is not a number")
    if isinstance(raw, (int, float)):
        number = raw
    else:
        text = str(raw).strip().replace(",", "")
        try:
            number = float(text)
        except ValueError:
            raise BadValue(f"'{raw}' is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise BadValue(f"'{raw}' is not a number")
    if integer or float(number).is_integer():
        if integer and not float(number).is_integer():
            raise BadValue(f"'{raw}' is not a whole number")
        return int(number)
    return float(number)


def number_text(number: float | int) -> str:
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _match_value(f: CaseField, text: str) -> str:
    for o in f.values:
        if text == o.value:
            return o.value
    lowered = text.casefold()
    for o in f.values:
        if lowered in (o.value.casefold(), o.label.casefold()):
            return o.value
    raise BadValue(f"'{text}' is not a value of {f.label}"
                   + did_you_mean(text, [o.label for o in f.values]))


def field_value(f: CaseField, raw) -> str | list[str] | None:
    """The stored form of a raw field value, or None when empty; BadValue when it does not fit."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    match f.type:
        case FieldType.TEXT:
            return clean_text(str(raw).strip(), f.label) if not isinstance(raw, float) else number_text(raw)
        case FieldType.CHOICE:
            return _match_value(f, str(raw).strip())
        case FieldType.CHOICES:
            items = raw if isinstance(raw, (list, tuple)) else re.split(r"[;,]", str(raw))
            out = []
            for item in items:
                if str(item).strip():
                    value = _match_value(f, str(item).strip())
                    if value not in out:
                        out.append(value)
            return out or None
        case FieldType.DATE:
            return parse_date(raw)
        case FieldType.NUMBER:
            return number_text(parse_number(raw))
    raise BadValue(f"unknown field type {f.type}")
