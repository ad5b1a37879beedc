"""Import a case sample into an inspection: every row checked, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.problems import Problem, cell_problem
from fileexam.domain.sample import check_sample, describe_difference
from fileexam.formats.tables import TableError, read_table
from fileexam.progress import Progress, no_progress
from fileexam.store.inspection_file import InspectionFile


@dataclass
class SampleReport:
    added: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def imported(self) -> bool:
        return not self.errors


def import_sample(inspection: InspectionFile, path: Path | str, who: str, sheet: str | None = None,
                  progress: Progress = no_progress, password=None) -> SampleReport:
    """password: for an encrypted sample workbook (a blind sample, say), a text or a
    fileexam.passwords.Passwords."""
    path = Path(path)
    progress(0, 3, f"reading {path.name}")
    try:
        table = read_table(path, sheet, password)
    except TableError as exc:
        return SampleReport(problems=[exc.problem])
    progress(1, 3, "checking rows")
    t = inspection.template
    result = check_sample(t, table)
    problems = list(result.problems)
    existing = {c.reference: c for c in inspection.cases()}
    for c in result.cases:
        old = existing.get(c.reference)
        if old is not None and (old.fields != c.fields or old.inspector != c.inspector):
            problems.append(cell_problem("case-conflict", table.path, table.sheet, result.rows.get(c.reference), None,
                                         reference=c.reference, detail=describe_difference(t, old, c)))
    report = SampleReport(problems=problems)
    if report.errors:
        return report  # all or nothing: nothing is written
    progress(2, 3, "saving cases")
    report.added, report.unchanged = inspection.add_cases(result.cases, path.name, who)
    progress(3, 3, "done")
    return report

