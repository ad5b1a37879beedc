"""Queries on one marker's answer, and the read receipts and replies on feedback items (issue 17).

Functions over an open InspectionFile (tables of migration m008_queries_feedback). A query is raised in the
master (open), answered by the marker through their next export (answered), and closed by the moderator
(closed); each step keeps who and when, with its audit row in the same transaction.

A receipt is what an inspector did with one feedback item: read it, replied, answered a query (changing
their answer or not). The inspector's file keeps their own (source NULL); the master keeps what the
inspectors' exports brought (source: the workbook)."""

from __future__ import annotations

from dataclasses import dataclass

from fileexam.domain.cases import BadValue, clean_text
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile, now

OPEN, ANSWERED, CLOSED = "open", "answered", "closed"
STATES = (OPEN, ANSWERED, CLOSED)
DISAGREEMENT, QUERY = "disagreement", "query"
TEXT_LIMIT = 4_000  # a query or a reply: a paragraph, not a file (it travels in a workbook cell)


@dataclass(frozen=True)
class Query:
    id: int
    case: str
    question: str
    marker: str
    text: str
    state: str
    raised_by: str
    raised_at: str
    answered_by: str | None = None
    answered_at: str | None = None
    reply: str | None = None
    answer_before: str | None = None
    answer_after: str | None = None
    answer_changed: bool = False
    answer_source: str | None = None
    closed_by: str | None = None
    closed_at: str | None = None
    close_note: str | None = None


@dataclass(frozen=True)
class Receipt:
    kind: str               # disagreement, query
    case: str
    question: str
    query: int              # the query's number; 0 for a disagreement
    marker: str
    read_at: str | None
    reply: str | None
    replied_at: str | None
    answer_before: str | None
    answer_after: str | None
    answer_changed: bool
    updated_at: str
    source: str | None = None

    @property
    def key(self) -> tuple:
        return (self.kind, self.case, self.question, self.query, self.marker)


_QUERY_COLUMNS = ("id, case_ref, question_id, marker, text, state, raised_by, raised_at, answered_by, answered_at,"
                  " reply, answer_before, answer_after, answer_changed, answer_source, closed_by, closed_at,"
                  " close_note")
_RECEIPT_COLUMNS = ("kind, case_ref, question_id, query_id, marker, read_at, reply, replied_at, answer_before,"
                    " answer_after, answer_changed, updated_at, source")


def _query(row) -> Query:
    return Query(*row[:13], bool(row[13]), *row[14:])


def _receipt(row) -> Receipt:
    return Receipt(*row[:10], bool(row[10]), *row[11:])


def short_text(text: str | None, what: str, required: bool = True, hint: str = "write it first") -> str:
    """A query's or a reply's text, checked: present (when required), one cell long at most, no control
    characters."""
    text = clean_text(text or "", what).strip()
    if required and not text:
        raise BadValue(f"{what} is empty: {hint}")
    if len(text) > TEXT_LIMIT:
        raise BadValue(f"{what} is {len(text):,} characters long: keep it under {TEXT_LIMIT:,}")
    return text


# ---- queries --------------------------------------------------------------------------------------------
def queries(f: InspectionFile, state: str | None = None, marker: str | None = None) -> list[Query]:
    sql = f"SELECT {_QUERY_COLUMNS} FROM moderation_queries"
    where, params = [], []
    if state is not None:
        where.append("state = ?")
        params.append(state)
    if marker is not None:
        where.append("marker = ?")
        params.append(marker)
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [_query(r) for r in f.conn.execute(sql + " ORDER BY id", params)]


def query(f: InspectionFile, number: int) -> Query:
    row = f.conn.execute(f"SELECT {_QUERY_COLUMNS} FROM moderation_queries WHERE id=?", [number]).fetchone()
    if row is None:
        raise StoreError(f"no query {number} in this inspection ('fileexam moderation queries' lists them)")
    return _query(row)


def count_open(f: InspectionFile) -> int:
    return f.conn.execute("SELECT count(*) FROM moderation_queries WHERE state=?", [OPEN]).fetchone()[0]


def raise_query(f: InspectionFile, reference: str, question_id: str, marker: str, text: str, who: str) -> Query:
    """Raise a query on `marker`'s answer to a question of a case. The marker must have marked the case:
    a query on nobody's answer would wait for ever."""
    t = f.template
    q = t.find_question(question_id)
    reference = f.resolve_case(reference)
    text = short_text(text, "the query", hint="say what you want to know")
    marker = (marker or "").strip()
    if not marker:
        raise BadValue("say whose answer is queried: --marker NAME")
    with f.atomic():
        markers = {r[0] for r in f.conn.execute("SELECT marker FROM markings WHERE case_ref=? UNION "
                                                "SELECT marker FROM answers WHERE case_ref=?", [reference, reference])}
        if marker not in markers:
            held = ", ".join(sorted(markers)) or "nobody yet"
            raise StoreError(f"{marker} has not marked case {reference} (marked by: {held}): a query is on a marker's "
                             "own answer. Check the name, or merge their workbook first")
        stamp = now()
        cur = f.conn.execute("INSERT INTO moderation_queries (case_ref, question_id, marker, text, state, raised_by,"
                             " raised_at) VALUES (?,?,?,?,?,?,?)", [reference, q.id, marker, text, OPEN, who, stamp])
        number = cur.lastrowid
        f._audit(f.conn, who, "query raised", reference, q.id, marker, None, OPEN, f"query {number}: {text}", stamp)
    return query(f, number)


def close_query(f: InspectionFile, number: int, who: str, note: str | None = None) -> Query:
    """Close a query (open or answered); a query still open is closed unanswered, which the audit says."""
    note = short_text(note, "the note", required=False) or None
    with f.atomic():
        held = query(f, number)
        if held.state == CLOSED:
            raise StoreError(f"query {number} is already closed (by {held.closed_by} on {held.closed_at[:16]})")
        stamp = now()
        f.conn.execute("UPDATE moderation_queries SET state=?, closed_by=?, closed_at=?, close_note=? WHERE id=?",
                       [CLOSED, who, stamp, note, number])
        why = f"query {number} closed" + ("" if held.state == ANSWERED else " without an answer") \
            + (f": {note}" if note else "")
        f._audit(f.conn, who, "query closed", held.case, held.question, held.marker, held.state, CLOSED, why, stamp)
    return query(f, number)


def record_answer(f: InspectionFile, number: int, marker: str, reply: str | None, at: str,
                  before: str | None, after: str | None, changed: bool, source: str) -> str:
    """Inside a merge's transaction: the marker's answer to a query, as their export brought it. Returns
    what happened in words. An open query becomes answered; an answered one takes a later answer; a closed
    one stays closed (the reply is kept in the receipts)."""
    held = query(f, number)
    if held.state == CLOSED:
        return f"query {number} was already closed: the reply is kept with {marker}'s receipts"
    if held.state == ANSWERED and (held.answered_at or "") >= at:
        return ""
    f.conn.execute("UPDATE moderation_queries SET state=?, answered_by=?, answered_at=?, reply=?, answer_before=?,"
                   " answer_after=?, answer_changed=?, answer_source=? WHERE id=?",
                   [ANSWERED, marker, at, reply, before, after, int(changed), source, number])
    change = f"answer changed from {before or '(none)'} to {after or '(none)'}" if changed else "answer not changed"
    f._audit(f.conn, marker, "query answered", held.case, held.question, marker,
             before if changed else None, after if changed else None,
             f"response to query {number}: {change}" + (f"; reply: {reply}" if reply else "")
             + f" (merged from {source})", now())
    return f"query {number} answered by {marker}: {change}"


# ---- receipts ---------------------------------------------------------------------------------------------
def receipts(f: InspectionFile, marker: str | None = None) -> dict[tuple, Receipt]:
    sql = f"SELECT {_RECEIPT_COLUMNS} FROM feedback_receipts" + (" WHERE marker=?" if marker else "")
    out = {}
    for row in f.conn.execute(sql + " ORDER BY kind, case_ref, question_id, query_id", [marker] if marker else []):
        r = _receipt(row)
        out[r.key] = r
    return out


def save_receipt(f: InspectionFile, r: Receipt) -> None:
    """Insert or replace one receipt (the caller holds the transaction and writes the audit row)."""
    f.conn.execute(f"INSERT INTO feedback_receipts ({_RECEIPT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
                   " ON CONFLICT (kind, case_ref, question_id, query_id, marker) DO UPDATE SET"
                   " read_at=excluded.read_at, reply=excluded.reply, replied_at=excluded.replied_at,"
                   " answer_before=excluded.answer_before, answer_after=excluded.answer_after,"
                   " answer_changed=excluded.answer_changed, updated_at=excluded.updated_at, source=excluded.source",
                   [r.kind, r.case, r.question, r.query, r.marker, r.read_at, r.reply, r.replied_at, r.answer_before,
                    r.answer_after, int(r.answer_changed), r.updated_at, r.source])
