"""The inspector's side of feedback (issue 17): open a feedback workbook in their own inspection file,
checked like any workbook from outside, then mark items read, reply, and answer queries, changing the
answer or not. Everything is saved at once in the inspector's file, each with its audit row; it travels
back in their next export (the exchange workbook's Feedback sheet)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fileexam.domain.cases import BadValue, Status
from fileexam.domain.problems import Problem, ProblemsFound, cell_problem
from fileexam.formats.feedback_workbook import FeedbackData, read_feedback
from fileexam.store import query_records as records
from fileexam.store.inspection_file import InspectionFile, now

KEEP = object()  # answer_query: the answer stays as it is


@dataclass
class FeedbackItem:
    """One disagreement or query of the workbook, with what the inspector has done with it so far."""
    kind: str                 # disagreement, query
    case: str
    question: str
    query: int                # the query's number; 0 for a disagreement
    row: dict                 # the workbook's row, by header
    receipt: records.Receipt | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.case, self.question, self.query)

    @property
    def read(self) -> bool:
        return self.receipt is not None and self.receipt.read_at is not None

    @property
    def answered(self) -> bool:
        return self.receipt is not None and self.receipt.replied_at is not None

    def title(self) -> str:
        return (f"Query {self.query}" if self.kind == records.QUERY else "Disagreement") + \
            f" · {self.case} · {self.question}"


@dataclass
class OpenedFeedback:
    path: Path
    about: dict
    items: list[FeedbackItem]
    calibration: list[dict] = field(default_factory=list)
    profile: list[dict] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)

    @property
    def inspector(self) -> str:
        return self.about.get("inspector", "")


def open_feedback(f: InspectionFile, path: Path | str, user: str) -> OpenedFeedback:
    """Read and check a feedback workbook for `user` in their inspection file `f`. ProblemsFound (each with
    its sheet, row and column) when the workbook is damaged or edited, is not a feedback workbook, is for
    another inspection or another inspector, or names a case or question this file does not hold."""
    data = read_feedback(path)
    if data.problems:
        raise ProblemsFound(data.problems)
    problems = check_against(f, data, user)
    if problems:
        raise ProblemsFound(problems)
    held = records.receipts(f, user)
    items = []
    for kind, sheet in ((records.QUERY, "Queries"), (records.DISAGREEMENT, "Disagreements")):  # queries ask most
        for row in data.rows(sheet):
            number = int(row["query"]) if kind == records.QUERY else 0
            items.append(FeedbackItem(kind, row["reference"], row["question_id"], number, row,
                                      held.get((kind, row["reference"], row["question_id"], number, user))))
    return OpenedFeedback(Path(path), data.about, items, data.rows("Calibration"), data.rows("Profile"),
                          data.rows("Checks"))


def check_against(f: InspectionFile, data: FeedbackData, user: str) -> list[Problem]:
    """The workbook against this inspection file and this user: the same template, the user's own feedback,
    every case one of this file's, every question one of the template's, every answer one its question
    can take."""
    t = f.template
    shown = data.path
    about = data.about
    if about.get("template_fingerprint") != t.fingerprint:
        return [cell_problem("feedback-wrong-inspection", shown, "About", None, None, reason=(
            f"this feedback is for the inspection '{about.get('inspection_name', '?')[:80]}' (template "
            f"{about.get('template_id', '?')[:40]} {about.get('template_version', '?')[:20]}), not for this one "
            f"('{f.name}', template {t.id} {t.version}): open it in the inspection it was written for"))]
    if about.get("inspector") != user:
        return [cell_problem("feedback-wrong-inspector", shown, "About", None, None,
                             inspector=about.get("inspector", "?")[:80], user=user)]
    problems: list[Problem] = []
    cases = {c.reference for c in f.cases()}
    for sheet, answer_columns in (("Disagreements", ("your_answer", "other_answer", "agreed_answer")),
                                  ("Queries", ("your_answer",))):
        for i, row in zip(data.row_numbers[sheet], data.rows(sheet)):
            ref, qid = row["reference"], row["question_id"]
            if ref not in cases:
                problems.append(cell_problem("feedback-wrong-inspection", shown, sheet, i, "reference", reason=(
                    f"case {ref[:60]} is not in this inspection file: this feedback is for another inspection, "
                    "or the case was never imported here")))
                continue
            q = t.question_by_id.get(qid)
            if q is None:
                problems.append(cell_problem("feedback-bad-cell", shown, sheet, i, "question_id",
                                             reason=f"'{qid[:40]}' is not a question of this inspection"))
                continue
            labels = _labels(q)
            for col in answer_columns:
                v = row[col]
                if v is not None and labels is not None and v not in labels:
                    problems.append(cell_problem("feedback-bad-cell", shown, sheet, i, col, reason=(
                        f"'{v[:40]}' is not an answer question {qid} can take (" + ", ".join(sorted(labels)) + ")")))
            if len(problems) > 200:
                return problems
    return problems


def _labels(q) -> set[str] | None:
    """The labels an answer to q is written with in a feedback workbook; None: free text or a number."""
    from fileexam.domain.questions import AnswerType
    if q.answer.type is AnswerType.SCALE:
        return {o.label for o in q.answer.scale.options}
    return None


# ---- what the inspector does with an item ---------------------------------------------------------------------
def _receipt(f: InspectionFile, item: FeedbackItem, user: str) -> records.Receipt:
    held = records.receipts(f, user).get((item.kind, item.case, item.question, item.query, user))
    return held or records.Receipt(item.kind, item.case, item.question, item.query, user, None, None, None, None,
                                   None, False, now())


def _what(item: FeedbackItem) -> str:
    return f"query {item.query}" if item.kind == records.QUERY else f"the disagreement on {item.question}"


def mark_read(f: InspectionFile, item: FeedbackItem, user: str) -> records.Receipt:
    """Mark an item read (once: a later mark keeps the first time)."""
    with f.atomic():
        r = _receipt(f, item, user)
        if r.read_at is None:
            stamp = now()
            r = _replace(r, read_at=stamp, updated_at=stamp)
            records.save_receipt(f, r)
            f._audit(f.conn, user, "feedback read", item.case, item.question, user, None, None,
                     f"read the feedback on {_what(item)}", stamp)
    item.receipt = r
    return r


def reply(f: InspectionFile, item: FeedbackItem, user: str, text: str) -> records.Receipt:
    """Reply to a disagreement (or to a query without answering it: see answer_query). Read with it."""
    text = records.short_text(text, "the reply", hint="write it, or just mark the item read")
    with f.atomic():
        r = _receipt(f, item, user)
        stamp = now()
        r = _replace(r, read_at=r.read_at or stamp, reply=text, replied_at=stamp, updated_at=stamp)
        records.save_receipt(f, r)
        f._audit(f.conn, user, "feedback reply", item.case, item.question, user, None, None,
                 f"reply on {_what(item)}: {text}", stamp)
    item.receipt = r
    return r


def answer_query(f: InspectionFile, item: FeedbackItem, user: str, text: str, value=KEEP) -> records.Receipt:
    """Answer a query: a reply (required: say what you found), and the answer changed or kept. A change is
    saved as any answer is, audited as a response to the query; a case marked complete is reopened for it
    and marked complete again (each step audited), all in one transaction."""
    if item.kind != records.QUERY:
        raise BadValue("only a query is answered; reply to a disagreement instead")
    text = records.short_text(text, "the answer to the query", hint="say what you found")
    with f.atomic():
        current = f.answers(item.case, user).get(item.question)
        before = current.value if current else None
        changed = False
        after = before
        if value is not KEEP:
            from fileexam.domain.answers import answer_text
            q = f.template.find_question(item.question)
            after = answer_text(q, value)
            changed = after != before
        if changed:
            why = f"response to query {item.query}"
            was_complete = f.status(item.case, user) is Status.COMPLETE
            if was_complete:
                f.reopen(item.case, user, f"to answer query {item.query}")
            f.set_answer(item.case, item.question, user, after, reason=why)
            if was_complete:
                f.mark_complete(item.case, user)
        r = _receipt(f, item, user)
        if r.answer_changed:  # answered before with a change: the change runs from the first answer
            before = r.answer_before
            changed = before != after
        stamp = now()
        r = _replace(r, read_at=r.read_at or stamp, reply=text, replied_at=stamp, updated_at=stamp,
                     answer_before=before if changed else None, answer_after=after if changed else None,
                     answer_changed=changed)
        records.save_receipt(f, r)
        change = f"answer changed from {before or '(none)'} to {after or '(none)'}" if changed else \
            "answer not changed"
        f._audit(f.conn, user, "query answered", item.case, item.question, user, before if changed else None,
                 after if changed else None, f"response to query {item.query}: {change}; reply: {text}", stamp)
    item.receipt = r
    return r


def _replace(r: records.Receipt, **changes) -> records.Receipt:
    from dataclasses import replace
    return replace(r, **changes)
