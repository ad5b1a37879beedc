"""Read a YAML file safely into plain data that remembers the line of every key and item.

Safe loading only; duplicate keys, aliases and several documents are refused;
size is capped before parsing. Scalars keep their source text so a checker can
say "write it in quotes" when YAML 1.1 turned `yes` into a boolean.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from fileexam.domain.problems import Problem, problem

MAX_BYTES = 1_000_000  # a question set is tens of kilobytes; this refuses accidents and bombs


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
    """The safe loader, refusing aliases (the billion-laughs route) as it composes."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _AliasFound(event.start_mark.line + 1)
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    def __init__(self, line: int):
        self.line = line


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
    for event in yaml.parse(text, Loader=c_loader):  # a first pass over events: aliases are refused unexpanded
        if isinstance(event, yaml.AliasEvent):
            raise _AliasFound(event.start_mark.line + 1)
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
            key = _convert(key_node, constructor, shown, problems)
            if isinstance(key, (YMap, YList)):
                problems.append(problem("wrong-type", shown, key_node.start_mark.line + 1,
                                        key="(a key)", expected="text", got="a collection"))
                continue
            key_line = key_node.start_mark.line + 1
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
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:  # e.g. a timestamp that is not a real date
        problems.append(_syntax(exc, shown))
        return node.value


def line_of(data, default: int | None = None) -> int | None:
    return getattr(data, "line", default)
