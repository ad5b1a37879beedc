"""What changed between two versions of a question set, and whether old answers stay comparable.

Comparable means an answer given under OLD can be counted beside answers given
under NEW: the same question, the same values, the same population of cases,
scored the same way. Rewording and moving are comparable; a new scale, a
changed applicability or changed points are not.
"""

from __future__ import annotations

from dataclasses import dataclass

from fileexam.domain import applicability
from fileexam.domain.questions import Question, QuestionSet


@dataclass(frozen=True)
class Change:
    kind: str          # added, removed, reworded, guidance, moved, rescaled, relabelled, applicability, scoring, required
    question: str | None
    detail: str
    comparable: bool

    def format(self) -> str:
        verdict = "comparable" if self.comparable else "NOT comparable"
        who = self.question or "set"
        return f"{self.kind:<13} {who:<10} {verdict:<15} {self.detail}"


@dataclass(frozen=True)
class SetDiff:
    old: QuestionSet
    new: QuestionSet
    changes: tuple[Change, ...]

    @property
    def content_changed(self) -> bool:
        return self.old.fingerprint != self.new.fingerprint

    @property
    def version_unchanged_warning(self) -> bool:
        return self.content_changed and self.old.version == self.new.version

    @property
    def compatible(self) -> bool:
        """Answers given under OLD can be merged and reported beside those under NEW."""
        return all(c.comparable for c in self.changes)


def _position(qs: QuestionSet) -> dict[str, tuple[str, int]]:
    out = {}
    for s in qs.sections:
        for i, q in enumerate(s.questions):
            out[q.id] = (s.id, i)
    return out


def diff_sets(old: QuestionSet, new: QuestionSet) -> SetDiff:
    changes: list[Change] = []
    o, n = old.by_id, new.by_id
    for qid in n:
        if qid not in o:
            changes.append(Change("added", qid, _short(n[qid].text), True))
    for qid in o:
        if qid not in n:
            changes.append(Change("removed", qid, "answers given under the old version have no counterpart", False))

    old_pos, new_pos = _position(old), _position(new)
    old_common = [q for q in o if q in n]
    new_common = [q for q in n if q in o]
    for qid in new_common:
        a, b = o[qid], n[qid]
        changes += _question_changes(a, b)
        if old_pos[qid][0] != new_pos[qid][0]:
            changes.append(Change("moved", qid, f"from section {old_pos[qid][0]} to {new_pos[qid][0]}", True))
        elif old_common.index(qid) != new_common.index(qid):
            changes.append(Change("moved", qid, f"position {old_common.index(qid) + 1} → {new_common.index(qid) + 1}", True))

    old_sections = {s.id: s for s in old.sections}
    for s in new.sections:
        before = old_sections.get(s.id)
        if before is not None and applicability.canonical(before.applies_when) != applicability.canonical(s.applies_when):
            changes.append(Change("applicability", None, f"section {s.id}: when it applies changed; "
                                  "its questions now cover different cases", False))
    if (old.title, old.description) != (new.title, new.description):
        changes.append(Change("reworded", None, "title or description of the set", True))
    return SetDiff(old, new, tuple(changes))


def _question_changes(a: Question, b: Question) -> list[Change]:
    out: list[Change] = []
    if a.text != b.text:
        out.append(Change("reworded", a.id, f"'{_short(a.text)}' → '{_short(b.text)}' (check that the meaning is unchanged)", True))
    if a.guidance != b.guidance:
        out.append(Change("guidance", a.id, "guidance text changed", True))
    sa, sb = a.answer, b.answer
    if sa.type != sb.type:
        out.append(Change("rescaled", a.id, f"answer type {sa.type.value} → {sb.type.value}", False))
    elif sa.values != sb.values:
        gone = [v for v in (sa.values or ()) if v not in (sb.values or ())]
        new = [v for v in (sb.values or ()) if v not in (sa.values or ())]
        detail = "options " + ", ".join(filter(None, [
            f"removed {gone}" if gone else "", f"added {new}" if new else "",
            "reordered" if not gone and not new else ""]))
        out.append(Change("rescaled", a.id, detail, False))
    elif (sa.minimum, sa.maximum, sa.integer) != (sb.minimum, sb.maximum, sb.integer):
        out.append(Change("rescaled", a.id, f"range {sa.minimum}..{sa.maximum} → {sb.minimum}..{sb.maximum}", False))
    else:
        old_opts = {o.value: o for o in (sa.scale.options if sa.scale else sa.options)}
        new_opts = {o.value: o for o in (sb.scale.options if sb.scale else sb.options)}
        if any(old_opts[v].points != new_opts[v].points for v in old_opts):
            out.append(Change("scoring", a.id, "points per option changed", False))
        if any(old_opts[v].label != new_opts[v].label or old_opts[v].key != new_opts[v].key for v in old_opts):
            out.append(Change("relabelled", a.id, "option labels or keys changed", True))
    if applicability.canonical(a.applies_when) != applicability.canonical(b.applies_when):
        out.append(Change("applicability", a.id, "when it applies changed: it now covers different cases", False))
    if (a.scores, a.weight) != (b.scores, b.weight):
        out.append(Change("scoring", a.id, f"scores {list(a.scores)} weight {a.weight:g} → "
                          f"{list(b.scores)} weight {b.weight:g}", False))
    if a.comment != b.comment:
        out.append(Change("comment", a.id, f"comment box {'offered' if b.comment else 'removed'}", True))
    if a.required != b.required:
        out.append(Change("required", a.id, f"required {a.required} → {b.required}", True))
    return out


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
