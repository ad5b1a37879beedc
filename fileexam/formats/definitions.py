"""Load question sets and inspection templates from YAML files, with every check applied."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.checks import check_question_set, check_template
from fileexam.domain.problems import Problem, did_you_mean, problem
from fileexam.domain.questions import QuestionSet
from fileexam.domain.template import InspectionTemplate
from fileexam.formats.question_set_yaml import parse_question_set
from fileexam.formats.template_yaml import parse_template
from fileexam.formats.yaml_reader import describe_type
from fileexam.formats.yaml_source import YMap, parse_yaml_bytes, read_yaml

KINDS = ("question-set", "inspection-template", "sample-design")


@dataclass
class Loaded:
    path: Path
    kind: str | None = None
    definition: QuestionSet | InspectionTemplate | None = None
    problems: list[Problem] = field(default_factory=list)
    text: str = ""  # the file as read: stored in an inspection so it never depends on the file again

    @property
    def ok(self) -> bool:
        return self.definition is not None and not any(p.is_error for p in self.problems)


def _kind_of(data, shown: str, problems: list[Problem]) -> str | None:
    if not isinstance(data, YMap):
        return None
    kind = data.get("kind")
    if kind is None:
        problems.append(problem("missing-key", shown, data.line, key="kind",
                                what="the file (use 'question-set', 'inspection-template' or 'sample-design')"))
        return None
    if kind not in KINDS:
        problems.append(problem("unknown-kind", shown, data.line_of("kind"),
                                kind=f"{kind}'{did_you_mean(kind, KINDS)}".rstrip("'")))
        return None
    return kind


def load_file(path: Path | str, display: str | None = None, as_set: bool = False) -> Loaded:
    """Load one file of either kind; a template loads its sets from paths relative to itself.

    `as_set`: loading on behalf of a template, which only wants question sets:
    a template found there is not parsed (so a template naming itself cannot recurse).
    """
    path = Path(path)
    shown = display or str(path)
    data, problems = read_yaml(path, "question set or inspection template", shown)
    loaded = Loaded(path, problems=problems)
    if data is None:
        return loaded
    try:
        loaded.text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        pass
    return _finish(loaded, data, shown, as_set)


def load_text(text: str, shown: str, resolve_set=None) -> Loaded:
    """Load from text already in hand (a stored definition); sets come from `resolve_set(name)`."""
    data, problems = parse_yaml_bytes(text.encode("utf-8"), shown)
    loaded = Loaded(Path(shown), problems=problems, text=text)
    if data is None:
        return loaded
    return _finish(loaded, data, shown, False, resolve_set)


def _finish(loaded: Loaded, data, shown: str, as_set: bool, resolve_set=None) -> Loaded:
    problems = loaded.problems
    kind = loaded.kind = _kind_of(data, shown, problems)
    if kind is None:
        if not isinstance(data, YMap):
            problems.append(problem("not-a-mapping", shown, getattr(data, "line", 1),
                                    what="the file", got=describe_type(data)))
        return loaded
    if kind == "question-set":
        qs, more, written_ids = parse_question_set(data, shown)
        problems += more
        if qs is not None:
            problems += check_question_set(qs, written_ids)
        loaded.definition = qs if not any(p.is_error for p in problems) else None
        return loaded
    if as_set:
        return loaded
    if kind == "sample-design":
        return _finish_design(loaded, data, shown)

    base = loaded.path.parent
    loaded_sets: dict[str, Loaded] = {}

    def load_set(name: str):
        if resolve_set is not None:
            sub = resolve_set(name)
        else:
            target = (base / name)
            if not target.suffix:
                target = target.with_suffix(".yaml")
            if not target.is_file():
                return None, [], None
            sub = load_file(target, as_set=True)
        loaded_sets[name] = sub
        return (sub.definition if sub.kind == "question-set" else None), sub.problems, sub.kind

    t, more = parse_template(data, shown, load_set)
    problems += more
    if t is not None:
        problems += check_template(t)
    loaded.definition = t if not any(p.is_error for p in problems) else None
    loaded.sets = loaded_sets  # type: ignore[attr-defined]
    return loaded


def _finish_design(loaded: Loaded, data, shown: str) -> Loaded:
    """A sample design: parsed and checked against the template it names (relative to the design)."""
    from fileexam.formats.sample_design_yaml import parse_design

    def load_design_template(name: str):
        target = loaded.path.parent / name
        if not target.suffix:
            target = target.with_suffix(".yaml")
        if not target.is_file():
            return None, [], None
        sub = load_file(target)
        loaded.template_loaded = sub  # type: ignore[attr-defined]
        return (sub.definition if sub.kind == "inspection-template" else None), sub.problems, sub.kind

    design, more, template = parse_design(data, shown, load_design_template)
    loaded.problems += more
    loaded.definition = design if not any(p.is_error for p in loaded.problems) else None
    loaded.template = template  # type: ignore[attr-defined]
    return loaded


def load_design(path: Path | str) -> Loaded:
    """A sample design file, or a Loaded whose problems say why it is not one."""
    loaded = load_file(path)
    if loaded.kind not in (None, "sample-design") and loaded.definition is not None:
        loaded.definition = None
        loaded.problems.append(problem("unknown-kind", str(path), 1,
                                       kind=f"{loaded.kind}' (a sample design is needed here)"))
    return loaded


def design_from_text(text: str, shown: str, template: InspectionTemplate) -> Loaded:
    """A design stored in an inspection (or carried by a sample workbook), read against the given template
    (its own `template` file is not looked for)."""
    from fileexam.formats.sample_design_yaml import check_against, parse_design

    data, problems = parse_yaml_bytes(text.encode("utf-8"), shown)
    loaded = Loaded(Path(shown), problems=problems, text=text)
    if data is None:
        return loaded
    kind = loaded.kind = _kind_of(data, shown, problems)
    if kind != "sample-design":
        if kind is not None:
            problems.append(problem("unknown-kind", shown, 1, kind=f"{kind}' (a sample design is needed here)"))
        return loaded
    design, more, _ = parse_design(data, shown, lambda _name: (template, [], "inspection-template"))
    problems += more
    if design is not None:
        problems += check_against(design, template, shown)
    loaded.definition = design if not any(p.is_error for p in problems) else None
    loaded.template = template  # type: ignore[attr-defined]
    return loaded


def load_template(path: Path | str) -> Loaded:
    loaded = load_file(path)
    if loaded.kind not in (None, "inspection-template") and loaded.definition is not None:
        loaded.definition = None
        loaded.problems.append(problem("unknown-kind", str(path), 1,
                                       kind=f"{loaded.kind}' (an inspection template is needed here)"))
    return loaded


def yaml_files(paths: list[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders into their .yaml/.yml files (schema folders left out), in a stable order."""
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            found = sorted(x for x in p.rglob("*") if x.suffix in (".yaml", ".yml") and x.is_file()
                           and "schema" not in x.relative_to(p).parts)
            if not found:
                problems.append(problem("no-yaml-files", str(p)))
            files += found
        elif p.exists():
            files.append(p)
        else:
            problems.append(problem("path-missing", str(p)))
    return files, problems
