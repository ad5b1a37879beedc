"""Feedback to each inspector (issue 17): one workbook per inspector with every disagreement on their cases
(both answers, the agreed answer and the moderator's reason), their open queries, their calibration results
and marker profile, and the gold-case and standardisation results when the inspection has them.

The figures are the ones fileexam publishes elsewhere, by the methods of docs/METHODS.md ("Marker profiles",
"Calibration cases"); a figure without a value says "undefined" and why."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fileexam import __version__
from fileexam.domain.agreement import Undefined
from fileexam.domain.answers import answer_label
from fileexam.domain.cases import Status
from fileexam.formats.feedback_workbook import FORMAT_ID, FORMAT_VERSION, FeedbackData, write_feedback
from fileexam.store import query_records
from fileexam.store.inspection_file import InspectionFile, now


@dataclass
class WrittenFeedback:
    inspector: str
    path: Path
    disagreements: int
    queries: int
    calibration: int


def inspectors(f: InspectionFile) -> list[str]:
    """Everyone with cases: an allocation, a second marking, or a marking of their own."""
    names = {c.inspector for c in f.cases() if c.inspector}
    names |= {m for _, m in f.double_marked()}
    names |= {m for _, m in f.answered_markings()}
    return sorted(n for n in names if n)


def file_name(inspector: str) -> str:
    """feedback-a-khan.xlsx: the name in lower case, letters and digits kept, the rest as single hyphens."""
    slug = re.sub(r"[^0-9a-z]+", "-", inspector.lower()).strip("-") or "inspector"
    return f"feedback-{slug}.xlsx"


def write_all(f: InspectionFile, folder: Path, who: str) -> list[WrittenFeedback]:
    """One feedback workbook per inspector into `folder` (made if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    context = _Context(f)
    out, used = [], set()
    for name in inspectors(f):
        path = folder / file_name(name)
        while path.name in used:  # two names that slug alike ('A. Khan', 'A Khan') keep apart
            path = path.with_name(path.stem + "-2.xlsx")
        used.add(path.name)
        data = build_feedback(f, name, who, context)
        write_feedback(path, data)
        out.append(WrittenFeedback(name, path, len(data.sheets["Disagreements"]), len(data.sheets["Queries"]),
                                   len(data.sheets["Calibration"])))
    return out


class _Context:
    """What every inspector's workbook reads from the master, read once."""

    def __init__(self, f: InspectionFile):
        from fileexam.services.moderation import calibration_results, collect_pairs, marker_profiles
        self.pairs = collect_pairs(f)
        self.decisions = f.decisions()
        self.calibration = calibration_results(f)
        self.profiles = {p.marker: p for p in marker_profiles(f)}


def build_feedback(f: InspectionFile, inspector: str, who: str, context: _Context | None = None) -> FeedbackData:
    t = f.template
    context = context or _Context(f)
    meta = f.meta()
    about = {"format": FORMAT_ID, "format_version": str(FORMAT_VERSION), "inspection_id": meta.get("inspection_id", ""),
             "inspection_name": meta.get("name", ""), "template_id": t.id, "template_version": t.version,
             "template_fingerprint": t.fingerprint, "inspector": inspector, "written_by": who, "written_at": now(),
             "fileexam_version": __version__}
    return FeedbackData(about, {
        "Disagreements": disagreement_rows(f, inspector, context),
        "Queries": query_rows(f, inspector),
        "Calibration": calibration_rows(f, inspector, context),
        "Profile": profile_rows(inspector, context),
        "Checks": gold_and_standardisation_rows(f, inspector),
    })


def label(q, value) -> str | None:
    """An answer as the inspector saw it in the app: the option's label."""
    return answer_label(q, value) if q is not None else value


def disagreement_rows(f: InspectionFile, inspector: str, context: _Context) -> list[list]:
    t = f.template
    rows = []
    for p in context.pairs:
        if p.agree or inspector not in (p.first, p.second):
            continue
        q = t.question_by_id[p.question]
        mine, other = (1, 2) if p.first == inspector else (2, 1)
        d = context.decisions.get((p.case, p.question))
        rows.append([p.case, p.question, q.text, label(q, getattr(p, f"value{mine}")),
                     getattr(p, f"comment{mine}") or None, p.second if mine == 1 else p.first,
                     label(q, getattr(p, f"value{other}")), getattr(p, f"comment{other}") or None,
                     label(q, d["value"]) if d else None,
                     d["reason"] if d else "not settled yet: the moderator has not recorded an agreed answer",
                     d["who"] if d else None, d["at"] if d else None])
    return rows


def query_rows(f: InspectionFile, inspector: str) -> list[list]:
    t = f.template
    rows = []
    for qr in query_records.queries(f, query_records.OPEN, marker=inspector):
        q = t.question_by_id.get(qr.question)
        current = f.answers(qr.case, inspector).get(qr.question)
        rows.append([qr.id, qr.case, qr.question, q.text if q else "", label(q, current.value) if q and current else
                     None, qr.text, qr.raised_by, qr.raised_at, qr.state])
    return rows


def calibration_rows(f: InspectionFile, inspector: str, context: _Context) -> list[list]:
    t = f.template
    rows = []
    for c in context.calibration:
        if c.marker != inspector:
            continue
        if c.agreement is None:
            share = "undefined: no question answered in both your marking and the reference marking"
        else:
            share = f"{c.agreement * 100:.0f}% ({c.compared - len(c.differences)} of {c.compared})"
        diffs = "; ".join(f"{qid}: yours {label(t.question_by_id[qid], mine)}, reference "
                          f"{label(t.question_by_id[qid], ref)}" for qid, mine, ref in c.differences)
        rows.append([c.case, c.reference_marker, c.compared, share, diffs or None])
    return rows


def _pct(share) -> str:
    return f"{share * 100:.0f}%"


def profile_rows(inspector: str, context: _Context) -> list[list]:
    """The inspector's marker profile (docs/METHODS.md, "Marker profiles"), a figure a row."""
    p = context.profiles.get(inspector)
    if p is None:
        return [["Marker profile", "undefined", "no scored answer of yours on a question with an ordered scale yet"]]
    rows = [["Scored answers on ordered questions", p.answers, None]]
    if p.best_share is None:
        rows.append(["Share of your answers giving the top mark", "undefined", "no scored answer"])
    else:
        ci = f" (95% CI {_pct(p.best_share_ci[0])} to {_pct(p.best_share_ci[1])})" if p.best_share_ci else ""
        rows.append(["Share of your answers giving the top mark", _pct(p.best_share) + ci, None])
    if p.team_best_share is None:
        rows.append(["The rest of the team's share, same questions", "undefined",
                     "nobody else answered the questions you answered"])
    else:
        ci = p.team_best_share_ci
        rows.append(["The rest of the team's share, same questions", _pct(p.team_best_share)
                     + (f" (95% CI {_pct(ci[0])} to {_pct(ci[1])})" if ci else ""), f"{p.team_answers} answers"])
    if p.mean_signed_difference is None:
        rows.append(["Mean difference from the agreed answers (points)", "undefined",
                     "none of your answers on an ordered scale has an agreed answer yet"])
    else:
        ci = p.difference_ci
        note = (f"95% CI {ci[0]:+.2f} to {ci[1]:+.2f}; " if isinstance(ci, tuple) else
                (f"{ci}; " if isinstance(ci, Undefined) else "")) + "+ more lenient, − more severe than agreed"
        rows.append(["Mean difference from the agreed answers (points)", f"{p.mean_signed_difference:+.2f}", note])
    rows.append(["Settled answers of yours", p.settled, "the mean difference's denominator"])
    rows += [["Flag", flag, None] for flag in p.flags] + [["Note", note, None] for note in p.notes]
    return rows


def gold_and_standardisation_rows(f: InspectionFile, inspector: str) -> list[list]:
    """The Checks sheet's rows for one inspector, [check, item, result, detail], all text: their
    standardisation result (overall, then each question compared) and their gold cases against the agreed
    answers (docs/METHODS.md, "Standardisation before live marking", "Gold cases"). A gold case appears only
    once their complete marking of it is back in the master: before that, naming it would tell them which
    of their cases is gold."""
    from fileexam.domain.standardisation import share_text
    from fileexam.services.gold_cases import gold_results
    from fileexam.services.standardisation import standardisation_results

    def differences(rows) -> str | None:
        said = "; ".join(rows)
        return (said[:3_900] + " …") if len(said) > 3_900 else (said or None)

    out: list[list] = []
    for r in standardisation_results(f):
        if r.marker != inspector:
            continue
        out.append(["standardisation", "overall", r.status, r.words()])
        for qid, tally in r.by_question.items():
            if tally.compared:
                out.append(["standardisation", qid,
                            f"{tally.exact} of {tally.compared} exactly equal ({share_text(tally.exact_share)})",
                            differences(f"case {c}: yours {theirs}, reference {ref}"
                                        for c, q, theirs, ref in r.differences if q == qid)])
    for g in gold_results(f):
        if g.marker != inspector:
            continue
        for c in g.cases:
            if c.status != Status.COMPLETE.value:
                continue  # not back yet: still blind
            t = c.tally
            out.append(["gold case", c.case,
                        f"{t.exact} of {t.compared} exactly equal ({share_text(t.exact_share)})",
                        differences(f"{q}: yours {theirs}, agreed {agreed}" for q, theirs, agreed in c.differences)])
    return out
