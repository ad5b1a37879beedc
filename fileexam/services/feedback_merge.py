"""Feedback receipts on their way back (issue 17): the exchange workbook's Feedback sheet written from an
inspector's file, and merged into the master. A query the marker answered becomes "answered" in the master,
with the reply and the answer change, audited as a response to the query; read receipts and replies are
kept per marker and item, so the moderation window can show who has read what.

Each row is checked against the master before anything is written (code exchange-feedback); any fault
refuses the whole workbook, as for every other sheet. Merging a workbook twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from fileexam.domain.answers import answer_text
from fileexam.domain.cases import BadValue
from fileexam.domain.problems import Problem, cell_problem
from fileexam.formats.exchange_workbook import ALL_MARKERS, ExchangeData
from fileexam.store import query_records as records
from fileexam.store.inspection_file import InspectionFile, now


def feedback_rows(f: InspectionFile, marker: str | None = None) -> list[list]:
    """FEEDBACK_HEADERS rows: in a marker's workbook, what that marker did with their feedback here; in
    everyone's, every receipt the file holds."""
    rows = []
    for r in records.receipts(f, marker).values():
        if marker is not None and r.source is not None:
            continue  # merged from elsewhere: not this laptop's to send
        if r.read_at is None and r.replied_at is None:
            continue
        rows.append([r.kind, str(r.query) if r.kind == records.QUERY else None, r.case, r.question, r.marker,
                     r.read_at, r.reply, r.replied_at,
                     r.answer_before if r.answer_changed else None, r.answer_after if r.answer_changed else None])
    return rows


@dataclass
class FeedbackAction:
    receipt: records.Receipt            # as it will be stored in the master (source set when applied)
    answers_query: bool                 # a query's answer to record (state answered)


def plan(master: InspectionFile, data: ExchangeData) -> tuple[list[FeedbackAction], list[Problem]]:
    """What the Feedback sheet asks of the master, checked, nothing written."""
    if not data.feedback:
        return [], []
    t = master.template
    shown = data.path
    marker_of_book = data.about.get("marker", "")
    cases = {c.reference: c for c in master.cases()}
    double = master.double_marked()
    held = records.receipts(master)
    problems: list[Problem] = []
    actions: list[FeedbackAction] = []

    def bad(i, col, reason):
        problems.append(cell_problem("exchange-feedback", shown, "Feedback", i, col, reason=reason))

    for i, row in zip(data.row_numbers.get("Feedback", []), data.feedback):
        kind, number, ref, qid, marker, read_at, reply, replied_at, before, after = row
        if marker_of_book != ALL_MARKERS and marker != marker_of_book:
            continue  # said by the reader (exchange-wrong-marker)
        if ref not in cases:
            problems.append(cell_problem("exchange-case-outside", shown, "Feedback", i, "reference", reference=ref))
            continue
        q = t.question_by_id.get(qid)
        if q is None:
            problems.append(cell_problem("exchange-unknown-question", shown, "Feedback", i, "question_id",
                                         question=qid))
            continue
        n = int(number) if kind == records.QUERY else 0
        if kind == records.DISAGREEMENT:
            markers = {cases[ref].inspector} | {m for r, m in double if r == ref}
            if (ref, marker) not in double and cases[ref].inspector != marker or len(markers) < 2:
                bad(i, "reference", f"case {ref} is not double-marked with {marker} in the master: there is no "
                                    "disagreement of theirs on it to have read")
                continue
        else:
            try:
                held_q = records.query(master, n)
            except Exception:  # noqa: BLE001 - StoreError: no such query
                bad(i, "query", f"there is no query {n} in the master: the feedback it answers was not written "
                                "from this master")
                continue
            if (held_q.case, held_q.question, held_q.marker) != (ref, qid, marker):
                bad(i, "query", f"query {n} in the master is on {held_q.marker}'s answer to {held_q.question} of "
                                f"case {held_q.case}, not on {marker}'s answer to {qid} of case {ref}")
                continue
        changed = bool(before or after)
        try:
            before = answer_text(q, before) if before else None
            after = answer_text(q, after) if after else None
        except BadValue as exc:
            bad(i, "answer_after", str(exc))
            continue
        if changed and kind != records.QUERY:
            bad(i, "answer_after", "an answer change is recorded only in answer to a query")
            continue
        receipt = records.Receipt(kind, ref, qid, n, marker, read_at or None, reply or None, replied_at or None,
                                  before, after, changed, now())
        old = held.get(receipt.key)
        if old is not None and _same(old, receipt):
            continue
        if old is not None and (old.replied_at or old.read_at or "") > (receipt.replied_at or receipt.read_at or ""):
            continue  # the master holds a later word from the same marker: kept
        actions.append(FeedbackAction(receipt, kind == records.QUERY and replied_at is not None))
    return actions, problems


def _same(a: records.Receipt, b: records.Receipt) -> bool:
    return (a.read_at, a.reply, a.replied_at, a.answer_before, a.answer_after, a.answer_changed) == \
        (b.read_at, b.reply, b.replied_at, b.answer_before, b.answer_after, b.answer_changed)


def apply(master: InspectionFile, actions: list[FeedbackAction], source: str, who: str) -> list[str]:
    """Inside the merge's write transaction: each receipt stored, each query answer recorded (audited as a
    response to the query). Returns what happened, in words."""
    from dataclasses import replace

    said = []
    read = replied = 0
    for a in actions:
        r = replace(a.receipt, source=source)
        records.save_receipt(master, r)
        read += r.read_at is not None
        replied += r.reply is not None and r.kind == records.DISAGREEMENT
        if a.answers_query:
            line = records.record_answer(master, r.query, r.marker, r.reply, r.replied_at, r.answer_before,
                                         r.answer_after, r.answer_changed, source)
            if line:
                said.append(line)
    if actions:
        markers = ", ".join(sorted({a.receipt.marker for a in actions}))
        text = f"feedback from {markers}: {read} item(s) read, {replied} reply(ies) to disagreements"
        master._audit(master.conn, who, "feedback merged", reason=f"{text} (merged from {source})")
        said.insert(0, text)
    return said
