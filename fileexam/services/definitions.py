"""Validate and compare question-set and template files."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.diff import SetDiff, diff_sets
from fileexam.domain.problems import Problem, ProblemsFound, problem
from fileexam.formats.definitions import Loaded, load_file, yaml_files
from fileexam.progress import Progress, no_progress


@dataclass
class ValidationReport:
    files: list[Path] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


def validate(paths: list[Path], progress: Progress = no_progress) -> ValidationReport:
    files, problems = yaml_files(paths)
    report = ValidationReport(files, list(problems))
    seen = set()
    for i, path in enumerate(files):
        progress(i, len(files), str(path))
        loaded = load_file(path)
        for p in loaded.problems:
            # A template re-reads its sets: report each problem once.
            key = (p.code, p.path, p.line, p.question, p.message)
            if key not in seen:
                seen.add(key)
                report.problems.append(p)
    progress(len(files), len(files), "")
    order = {str(f): i for i, f in enumerate(files)}
    report.problems.sort(key=lambda p: (order.get(p.path, -1), p.line or 0))
    return report


def diff_files(old: Path, new: Path) -> tuple[SetDiff, list[Problem]]:
    """Raise ProblemsFound when either file is not a valid question set."""
    problems: list[Problem] = []
    loaded: list[Loaded] = []
    for path in (old, new):
        item = load_file(path)
        problems += item.problems
        if item.definition is not None and item.kind != "question-set":
            problems.append(problem("not-a-question-set", str(path), None, file=str(path), kind=item.kind))
        loaded.append(item)
    if any(p.is_error for p in problems):
        raise ProblemsFound(problems)
    a, b = loaded[0].definition, loaded[1].definition
    if a.id != b.id:
        raise ProblemsFound([problem("different-sets", str(new), None, old=a.id, new=b.id)])
    d = diff_sets(a, b)
    warnings = [p for p in problems if not p.is_error]
    if d.version_unchanged_warning:
        warnings.append(problem("version-unchanged", str(new), b.source.line, version=b.version))
    return d, warnings
