"""Export an inspector's work (or the whole inspection) as the exchange workbook."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fileexam import __version__
from fileexam.domain.answers import answer_label
from fileexam.domain.cases import Status
from fileexam.domain.questions import AnswerType, Question
from fileexam.domain.template import CaseField, InspectionTemplate
from fileexam.formats.exchange_workbook import FORMAT_ID, FORMAT_VERSION, ExchangeData, write_exchange
from fileexam.progress import Progress, no_progress
from fileexam.store.inspection_file import InspectionFile, now


@dataclass
class ExportResult:
    path: Path
    cases: int
    answers: int
    encrypted: bool = False


def field_text(f: CaseField, value) -> str | None:
    if value is None:
        return None
    return "; ".join(value) if isinstance(value, list) else str(value)


def build_exchange(inspection: InspectionFile, marker: str | None = None) -> ExchangeData:
    t = inspection.template
    meta = inspection.meta()
    exported = [f for f in t.case_fields if f.export]  # personal data marked export: false stays here
    statuses = inspection.statuses()
    cases = inspection.cases()
    answered = {}
    for ref, m in inspection.answered_markings(marker):
        answered.setdefault(ref, set()).add(m)
    for (ref, m), _ in statuses.items():
        if marker is None or m == marker:
            answered.setdefault(ref, set()).add(m)

    case_rows, pairs = [], []
    for c in cases:
        markers = sorted(answered.get(c.reference, ()))
        if marker is not None:
            if c.inspector != marker and marker not in markers:
                continue
            markers = [marker]
        for m in markers or [None]:
            status = statuses.get((c.reference, m), Status.NOT_STARTED) if m else Status.NOT_STARTED
            case_rows.append([c.reference, m, status.value, c.inspector]
                             + [field_text(f, c.fields.get(f.id)) for f in exported])
            pairs.append((c.reference, m))

    refs = {c.reference for c in cases}
    by_pair: dict[tuple, dict] = {}

    def answer_rows():
        # Streamed from the database; the grid below is built from what passed through.
        for ref, qid, m, value, comment, set_id, answered_at, revision in inspection.all_answers(marker):
            if ref not in refs:
                continue
            by_pair.setdefault((ref, m), {})[qid] = value
            yield [ref, m, set_id, qid, value, _points(t.question_by_id.get(qid), value), comment or None,
                   answered_at, revision]

    questions = list(t.questions)
    grid_headers = ["reference", "marker", "status"] + [_grid_header(q) for q in questions]

    def grid_rows():
        for row in case_rows:
            values = by_pair.get((row[0], row[1]), {})
            yield row[:3] + [_label(q, values.get(q.id)) for q in questions]

    about = {
        "format": FORMAT_ID, "format_version": str(FORMAT_VERSION),
        "inspection_id": meta.get("inspection_id", ""), "inspection_name": meta.get("name", ""),
        "template_id": t.id, "template_version": t.version, "template_fingerprint": t.fingerprint,
    }
    for qs in t.question_sets:
        about[f"set.{qs.id}.version"] = qs.version
        about[f"set.{qs.id}.fingerprint"] = qs.fingerprint
    about.update({"marker": marker or "(all markers)", "fileexam_version": __version__, "exported_at": now()})
    return ExchangeData(about, [f.id for f in exported], case_rows, answer_rows(), grid_headers, grid_rows(),
                        questions=_question_rows(t), answer_count=inspection.count_answers(marker),
                        definitions=inspection.definitions(), merges=inspection.merges() if marker is None else [],
                        exclusions=exclusion_rows(inspection, marker), feedback=feedback_rows(inspection, marker))


def feedback_rows(inspection: InspectionFile, marker: str | None = None) -> list[list]:
    from fileexam.services.feedback_merge import feedback_rows as rows
    return rows(inspection, marker)


def exclusion_rows(inspection: InspectionFile, marker: str | None = None) -> list[list]:
    """The cases marked not examinable (EXCLUSIONS_HEADERS rows): in a marker's workbook, those the marker
    excluded; in everyone's, all. Each says which reserve took its place."""
    from fileexam.store import sample_records
    from fileexam.formats.sample_design_yaml import stratum_label

    held = sample_records.exclusions(inspection)
    if not held:
        return []
    strata = sample_records.case_strata(inspection)
    design = sample_records.design(inspection)
    rows = []
    for ex in held.values():
        if marker is not None and ex.who != marker:
            continue
        key = strata.get(ex.reference)
        label = stratum_label(inspection.template, design, key[0]) if key and design else ""
        rows.append([ex.reference, label or None, ex.reason, ex.note or None, ex.who, ex.at, ex.replaced_by])
    return rows


def export_workbook(inspection: InspectionFile, out: Path | str, marker: str | None = None,
                    progress: Progress = no_progress, password: str | None = None) -> ExportResult:
    """With a password the workbook is encrypted (exports/FORMAT.md, "Encrypted workbooks")."""
    out = Path(out)
    data = build_exchange(inspection, marker)
    n_cases, n_answers = write_exchange(out, data, progress, password)
    return ExportResult(out, n_cases, n_answers, encrypted=bool(password))


def _points(q: Question | None, value: str | None):
    if q is None or value is None or q.answer.type is not AnswerType.SCALE:
        return None
    option = q.answer.option(value)
    return option.points if option is not None else None


def _label(q: Question, value: str | None):
    return answer_label(q, value)


def _grid_header(q: Question) -> str:
    text = " ".join(q.text.split())
    return f"{q.id} {text[:40]}{'…' if len(text) > 40 else ''}"


def _question_rows(t: InspectionTemplate) -> list[list]:
    rows = []
    for qs in t.question_sets:
        for section in qs.sections:
            for q in section.questions:
                spec = q.answer
                if spec.type is AnswerType.SCALE:
                    options = "; ".join(f"{o.value} = {o.label}" + (f" ({o.points:g})" if o.points is not None else "")
                                        for o in spec.scale.options)
                elif spec.type is AnswerType.CHOICES:
                    options = "; ".join(f"{o.value} = {o.label}" for o in spec.options)
                elif spec.type is AnswerType.NUMBER:
                    options = f"{spec.minimum if spec.minimum is not None else ''} to {spec.maximum if spec.maximum is not None else ''}"
                else:
                    options = ""
                cond = [c for c in (section.applies_when, q.applies_when) if c is not None]
                applies = " and ".join(t.describe_condition(c) for c in cond) or "always"
                rows.append([qs.id, section.title, q.id, q.text, spec.type.value, options,
                             "yes" if q.required else "no", ", ".join(q.scores), applies])
    return rows
