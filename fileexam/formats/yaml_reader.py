"""Typed access to one YAML mapping, collecting a located problem for every fault."""

from __future__ import annotations

import math
import re
from datetime import date

from fileexam.domain.problems import Problem, did_you_mean, problem
from fileexam.domain.source import Source
from fileexam.formats.yaml_source import YList, YMap, describe_type, short  # describe_type: also used from here

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_MISSING = object()


def number_range(low: float, high: float, above_low: bool = False, whole: bool = False) -> str:
    """The allowed range in words: 'a number from 0 to 1000'."""
    kind = "a whole number" if whole else "a number"
    if above_low:
        return f"{kind} greater than {low} and at most {high}"
    return f"{kind} from {low} to {high}"


def quote_hint(value, raw) -> str:
    """': write it in quotes, "1.10"' for a scalar YAML read as something other than text."""
    if raw is not None and isinstance(value, (bool, int, float, date)):
        return f": write it in quotes, \"{short(raw)}\""
    return ""


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class Reader:
    """Reads keys of one mapping; every fault becomes a problem with file and line."""

    def __init__(self, data: YMap, path: str, problems: list[Problem], what: str,
                 question: str | None = None):
        self.data, self.path, self.problems, self.what, self.question = data, path, problems, what, question

    @classmethod
    def of(cls, data, path: str, problems: list[Problem], what: str, line: int | None = None,
           question: str | None = None) -> "Reader | None":
        if not isinstance(data, YMap):
            problems.append(problem("not-a-mapping", path, getattr(data, "line", line), question,
                                    what=what, got=describe_type(data)))
            return None
        return cls(data, path, problems, what, question)

    @property
    def line(self) -> int:
        return self.data.line

    def source(self, key: str | None = None) -> Source:
        return Source(self.path, self.data.line_of(key) if key else self.data.line)

    def add(self, code: str, at_key: str | None = None, line: int | None = None, **params) -> None:
        at = line if line is not None else (self.data.line_of(at_key) if at_key else self.data.line)
        self.problems.append(problem(code, self.path, at, self.question, **params))

    def has(self, key: str) -> bool:
        return key in self.data

    def allow_only(self, keys: set[str]) -> None:
        for key in self.data:
            if key not in keys:
                self.add("unknown-key", key, key=short(str(key)), what=self.what, hint=did_you_mean(key, sorted(keys)))

    def _get(self, key: str, required: bool):
        if key not in self.data or self.data[key] is None:
            if required:
                self.add("missing-key", key=key, what=self.what)
            return _MISSING
        return self.data[key]

    def text(self, key: str, required: bool = False, default: str = "") -> str:
        value = self._get(key, required)
        if value is _MISSING:
            return default
        if isinstance(value, str):
            return value.strip() if "\n" not in value else value.strip("\n")
        raw = self.data.raw.get(key)
        hint = quote_hint(value, raw)
        self.add("wrong-type", key, key=key, expected="text", got=describe_type(value), hint=hint)
        return str(raw) if hint else default

    def ident(self, key: str, required: bool = True) -> str:
        value = self.text(key, required)
        if value and not ID_RE.match(value):
            self.add("bad-id", key, id=value)
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self._get(key, False)
        if value is _MISSING:
            return default
        if isinstance(value, bool):
            return value
        self.add("wrong-type", key, key=key, expected="true or false", got=describe_type(value), hint="")
        return default

    def number(self, key: str, default: float | None = None, *, low: float, high: float,
               above_low: bool = False, whole: bool = False, code: str = "number-out-of-range") -> float | None:
        """A finite number from low to high (above low when `above_low`); else a problem and the default."""
        value = self._get(key, False)
        if value is _MISSING:
            return default
        wanted = number_range(low, high, above_low, whole)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            got, hint = describe_type(value), ""
            if isinstance(value, str):
                got += f" ('{short(value)}')"
                if _reads_as_number(value):  # 1e400, 1e3: YAML 1.1 wants a dot in a float
                    hint = ": YAML reads this as text; write the number in plain digits"
            self.add("wrong-type", key, key=key, expected=wanted, got=got, hint=hint)
            return default
        fits = math.isfinite(value) and (low < value if above_low else low <= value) and value <= high
        if not fits or (whole and not float(value).is_integer()):
            shown = self.data.raw.get(key) or repr(value)
            self.add(code, key, key=key, range=wanted, value=short(shown))
            return default
        return int(value) if whole else value

    def items(self, key: str, required: bool = False) -> list[tuple[object, int]]:
        """A list's items with their lines; [] when absent or wrong."""
        value = self._get(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, YList):
            self.add("not-a-list", key, key=key, got=describe_type(value))
            return []
        if required and not value:
            self.add("empty-list", key, key=key)
        return [(item, value.line_of(i)) for i, item in enumerate(value)]

    def text_list(self, key: str) -> list[tuple[str, int]]:
        """A list of text items (a single text is taken as a list of one)."""
        value = self._get(key, False)
        if value is _MISSING:
            return []
        if isinstance(value, str):
            return [(value, self.data.line_of(key))]
        out = []
        for i, (item, line) in enumerate(self.items(key)):
            if isinstance(item, str):
                out.append((item, line))
            else:
                raw = self.data[key].raw[i]
                hint = quote_hint(item, raw)
                self.add("wrong-type", line=line, key=key, expected="text", got=describe_type(item), hint=hint)
                if hint:
                    out.append((str(raw), line))
        return out

    def sub(self, key: str, what: str, required: bool = False) -> "Reader | None":
        value = self._get(key, required)
        if value is _MISSING:
            return None
        return Reader.of(value, self.path, self.problems, what, self.data.line_of(key), self.question)
