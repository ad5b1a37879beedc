"""Read a YAML file safely into plain data that remembers the line of every key and item.

Safe loading only; duplicate keys, aliases, several documents, keys that are not
text and deep nesting are refused; size is capped before parsing. Scalars keep their
source text so a checker can say "write it in quotes" when YAML 1.1 turned `yes` into
a boolean. No input raises: a scalar that cannot be built is a located problem.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from fileexam.domain.problems import Problem, problem

MAX_BYTES = 1_000_000  # a question set is tens of kilobytes; this refuses accidents and bombs
MAX_DEPTH = 100  # a question set nests about 10 deep; this keeps every recursive reader far from the stack limit
MAX_INT_BITS = 1000  # beyond a float's range: such an integer is read as infinity, like 1.0e+400
_TAG = "tag:yaml.org,2002:"
_DECIMAL = re.compile(r"[-+]?[0-9][0-9_]*")
_RESOLVER = yaml.resolver.Resolver()
_TAG_MEANS = {"int": "a whole number", "float": "a number", "bool": "true or false",
              "timestamp": "a date", "binary": "base64 binary data", "null": "empty"}


class YMap(dict):
    """A mapping with the line of the mapping, of each key, and the source text of scalar values."""

    line: int
    key_lines: dict
    raw: dict

    def line_of(self, key) -> int:
        return self.key_lines.get(key, self.line)


class YList(list):
    line: int
    item_lines: list
    raw: list

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if index < len(self.item_lines) else self.line


class _NoAliasLoader(yaml.SafeLoader):
    """The safe loader, refusing aliases (the billion-laughs route) and deep nesting as it composes."""

    depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.start_mark.line + 1)
        if not self.check_event(yaml.CollectionStartEvent):
            return super().compose_node(parent, index)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _AliasFound(Exception):
    def __init__(self, line: int):
        self.line = line


class _TooDeep(Exception):
    def __init__(self, line: int):
        self.line = line


def describe_type(value) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (date, datetime)):
        return "a date"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "empty"
    if isinstance(value, bytes):
        return "binary data"
    return "text"


def short(text: str, limit: int = 60) -> str:
    """Source text cut to fit a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_yaml(path: Path | str, what: str = "YAML document",
              display: str | None = None) -> tuple[object | None, list[Problem]]:
    """Return (data, problems); data is None when the file cannot be read at all."""
    path = Path(path)
    shown = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return None, [problem("file-too-large", shown, None, size=size, limit=MAX_BYTES)]
        with path.open("rb") as fh:  # closed at once: no lock left on Windows
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        return None, [problem("file-unreadable", shown, None, reason=exc.strerror or str(exc))]
    return parse_yaml_bytes(data, shown, what)


def parse_yaml_bytes(data: bytes, shown: str, what: str = "YAML document") -> tuple[object | None, list[Problem]]:
    if len(data) > MAX_BYTES:
        return None, [problem("file-too-large", shown, None, size=len(data), limit=MAX_BYTES)]
    if b"\x00" in data:
        return None, [problem("file-binary", shown, None)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [problem("file-not-utf8", shown, line, byte=exc.start)]
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        return None, [problem("file-empty", shown, None, what=what)]

    try:
        node = _compose(text)
    except _AliasFound as exc:
        return None, [problem("yaml-alias", shown, exc.line)]
    except _TooDeep as exc:
        return None, [problem("yaml-too-deep", shown, exc.line, limit=MAX_DEPTH)]
    except yaml.composer.ComposerError as exc:
        if "single document" in str(exc):
            mark = exc.problem_mark
            return None, [problem("yaml-multiple-documents", shown, mark.line + 1 if mark else None)]
        return None, [_syntax(exc, shown)]
    except yaml.YAMLError as exc:
        return None, [_syntax(exc, shown)]
    if node is None:
        return None, [problem("file-empty", shown, None, what=what)]

    problems: list[Problem] = []
    constructor = yaml.constructor.SafeConstructor()
    value = _convert(node, constructor, shown, problems)
    if value is None:  # a bare '---' or '~'
        return None, [problem("file-empty", shown, None, what=what)]
    return value, problems


def _compose(text: str):
    """The node tree, refusing aliases. LibYAML (about 9x faster) when PyYAML was built with it."""
    c_loader = getattr(yaml, "CSafeLoader", None)
    if c_loader is None:
        loader = _NoAliasLoader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    depth = 0
    for event in yaml.parse(text, Loader=c_loader):  # a first pass over events: aliases are refused unexpanded
        if isinstance(event, yaml.AliasEvent):
            raise _AliasFound(event.start_mark.line + 1)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooDeep(event.start_mark.line + 1)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return yaml.compose(text, Loader=c_loader)


def _syntax(exc: yaml.YAMLError, shown: str) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    reason = getattr(exc, "problem", None) or str(exc)
    line = mark.line + 1 if mark is not None else None
    return problem("yaml-syntax", shown, line, reason=reason)


def _convert(node, constructor, shown: str, problems: list[Problem]):
    if isinstance(node, MappingNode):
        out = YMap()
        out.line, out.key_lines, out.raw = node.start_mark.line + 1, {}, {}
        for key_node, value_node in node.value:
            key_line = key_node.start_mark.line + 1
            if not isinstance(key_node, ScalarNode):  # `? [a, b]`, `{[a]: b}`: the entry is left out
                got = "a mapping" if isinstance(key_node, MappingNode) else "a list"
                problems.append(problem("complex-key", shown, key_line, got=got))
                continue
            key = _scalar(key_node, constructor, shown, problems)
            if not isinstance(key, str):  # `1:`, `yes:`, `~:`: reported, then read as the text written
                problems.append(problem("key-not-text", shown, key_line, key=short(key_node.value),
                                        got=describe_type(key)))
                key = key_node.value
            if key in out.key_lines:
                problems.append(problem("yaml-duplicate-key", shown, key_line, key=key,
                                        first=out.key_lines[key]))
                continue
            out.key_lines[key] = key_line
            out[key] = _convert(value_node, constructor, shown, problems)
            if isinstance(value_node, ScalarNode):
                out.raw[key] = value_node.value
        return out
    if isinstance(node, SequenceNode):
        out = YList()
        out.line, out.item_lines, out.raw = node.start_mark.line + 1, [], []
        for item in node.value:
            out.item_lines.append(item.start_mark.line + 1)
            out.append(_convert(item, constructor, shown, problems))
            out.raw.append(item.value if isinstance(item, ScalarNode) else None)
        return out
    return _scalar(node, constructor, shown, problems)


def _scalar(node: ScalarNode, constructor, shown: str, problems: list[Problem]):
    """A scalar's value; its source text, with a problem, when it cannot be built."""
    if node.tag in (_TAG + "merge", _TAG + "value"):  # `<<` and `=`: plain text here, no merging
        return node.value
    try:
        value = constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:  # an unknown tag such as !foo
        problems.append(_syntax(exc, shown))
        return node.value
    except Exception as exc:  # PyYAML's constructors raise ValueError, KeyError... on `2026-13-45`, `!!int abc`
        if node.tag == _TAG + "int" and _DECIMAL.fullmatch(node.value):  # too many digits for Python to read
            return float("-inf") if node.value.startswith("-") else float("inf")
        problems.append(_bad_scalar(node, exc, shown))
        return node.value
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        return float("inf") if value > 0 else float("-inf")
    return value


def _bad_scalar(node: ScalarNode, exc: Exception, shown: str) -> Problem:
    name = node.tag.removeprefix(_TAG)
    implied = _RESOLVER.resolve(ScalarNode, node.value, (True, False)) if not node.style else _TAG + "str"
    fix = f"remove the tag !!{name}" if implied != node.tag else "write it in quotes to keep it as text"
    reason = f" ({exc})" if name == "timestamp" and isinstance(exc, ValueError) else ""
    return problem("bad-scalar", shown, node.start_mark.line + 1, text=short(node.value),
                   what=_TAG_MEANS.get(name, f"a value tagged {node.tag}"), reason=reason, fix=fix)


def line_of(data, default: int | None = None) -> int | None:
    return getattr(data, "line", default)
