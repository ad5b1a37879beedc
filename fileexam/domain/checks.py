"""Checks across a definition: ids, references, applicability order and cycles, scores.

Parsing (formats/) checks each piece on its own; these checks need the whole:
a question set on its own, then a template with all its sets.
"""

from __future__ import annotations

from fileexam.domain.applicability import AnswerIs, Condition, FieldIs, leaves
from fileexam.domain.problems import Problem, did_you_mean, problem
from fileexam.domain.questions import THEME, Question, QuestionSet
from fileexam.domain.source import NOWHERE, Source
from fileexam.domain.template import FieldType, InspectionTemplate


def _at(code: str, source: Source, at_question: str | None = None, **params) -> Problem:
    return problem(code, source.path, source.line, at_question, **params)


def _condition_source(cond: Condition, fallback: Source) -> Source:
    return cond.source if cond.source.line is not None else fallback


def check_question_set(qs: QuestionSet, written_ids: set[str] = frozenset()) -> list[Problem]:
    """`written_ids`: ids in the file whose question failed to parse (already reported)."""
    problems: list[Problem] = []
    order = {q.id: i for i, q in enumerate(qs.questions)}
    by_id = qs.by_id

    # Each question depends on the questions named by its own and its section's conditions.
    deps: dict[str, list[tuple[str, AnswerIs, str]]] = {}
    for section in qs.sections:
        for q in section.questions:
            entries = []
            for owner, cond in (("section " + section.id, section.applies_when),
                                ("question " + q.id, q.applies_when)):
                for leaf in leaves(cond):
                    if isinstance(leaf, AnswerIs):
                        entries.append((leaf.question, leaf, owner))
            deps[q.id] = entries

    reported: set[tuple[str, int | None]] = set()
    for section in qs.sections:
        conds = [(section.applies_when, section.source, None)]
        conds += [(q.applies_when, q.source, q.id) for q in section.questions]
        for cond, src, qid in conds:
            for leaf in leaves(cond):
                if not isinstance(leaf, AnswerIs):
                    continue
                where = _condition_source(leaf, src)
                key = (leaf.question, where.line)
                target = by_id.get(leaf.question)
                if target is None:
                    if leaf.question in written_ids:
                        continue
                    if key not in reported:
                        reported.add(key)
                        problems.append(_at("unknown-question", where, qid, question=leaf.question,
                                            hint=did_you_mean(leaf.question, by_id)))
                    continue
                values = target.answer.values
                if values is None:
                    problems.append(_at("condition-on-text", where, qid, question=target.id,
                                        type=target.answer.type.value))
                    continue
                for v in leaf.values:
                    if v not in values:
                        problems.append(_at("unknown-value", where, qid, value=v,
                                            subject=f"question {target.id}",
                                            hint=did_you_mean(v, values)))

    cycles = _cycles({q: [d for d, _, _ in e if d in by_id] for q, e in deps.items()})
    in_cycle = set()
    for cycle in cycles:
        in_cycle.update(cycle)
        first = by_id[cycle[0]]
        problems.append(_at("condition-cycle", first.source, first.id,
                            cycle=" → ".join(cycle + [cycle[0]])))
    for qid, entries in deps.items():
        q = by_id[qid]
        for dep, leaf, owner in entries:
            if dep in by_id and dep not in in_cycle and order[dep] > order[qid]:
                problems.append(_at("forward-reference", _condition_source(leaf, q.source), qid,
                                    subject=owner, question=dep))
    # A section condition repeats for each of its questions: report each place once.
    return _unique(problems)


def _cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """Each elementary cycle found by depth-first search, reported once."""
    found: list[list[str]] = []
    seen_sets: set[frozenset] = set()
    state: dict[str, int] = {}  # 1 on stack, 2 done

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):]
                key = frozenset(cycle)
                if key not in seen_sets:
                    seen_sets.add(key)
                    found.append(list(cycle))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [])
    return found


def _unique(problems: list[Problem]) -> list[Problem]:
    out, seen = [], set()
    for p in problems:
        key = (p.code, p.path, p.line, p.question, tuple(sorted(p.params.items())))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


def check_template(t: InspectionTemplate) -> list[Problem]:
    problems: list[Problem] = []
    src = t.source

    # Question ids unique across every set.
    first: dict[str, Question] = {}
    for q in t.questions:
        if q.id in first:
            problems.append(_at("duplicate-question", q.source, q.id, question=q.id,
                                first=str(first[q.id].source)))
        else:
            first[q.id] = q

    # Field conditions refer to the template's fields and their values.
    for qs in t.question_sets:
        for section in qs.sections:
            conds = [(section.applies_when, section.source, None)]
            conds += [(q.applies_when, q.source, q.id) for q in section.questions]
            for cond, where, qid in conds:
                for leaf in leaves(cond):
                    if isinstance(leaf, FieldIs):
                        problems += _check_field_leaf(t, leaf, _condition_source(leaf, where), qid)

    # Scores named by questions exist.
    composite_ids = {c.id for c in t.composites}
    for q in t.questions:
        for name in q.scores:
            if name != THEME and name not in composite_ids:
                problems.append(_at("unknown-composite", q.source_of("scores"), q.id, question=q.id, score=name,
                                    template=t.id, hint=did_you_mean(name, sorted(composite_ids))))
    for c in t.composites:
        for qid in c.questions:
            if qid not in t.question_by_id:
                problems.append(_at("unknown-question", c.source, question=qid,
                                    hint=did_you_mean(qid, t.question_by_id)))
        if not t.composite_members(c.id):
            problems.append(_at("empty-composite", c.source, composite=c.id))

    for key in ("area_field", "strand_field"):
        name = getattr(t.reporting, key)
        if name is not None and name not in t.fields_by_id:
            problems.append(_at("unknown-reporting-field", src, key=key, field=name,
                                hint=did_you_mean(name, t.fields_by_id)))
    rsrc = t.reporting.source if t.reporting.source is not NOWHERE else src
    for name in t.reporting.breakdowns:
        f = t.fields_by_id.get(name)
        if f is None:
            problems.append(_at("unknown-reporting-field", rsrc, key="breakdowns", field=name,
                                hint=did_you_mean(name, t.fields_by_id)))
        elif f.type not in (FieldType.CHOICE, FieldType.CHOICES):
            problems.append(_at("breakdown-not-choice", rsrc, field=name, type=f.type.value))
    scale_values = {o.value for q in t.questions if q.answer.scale for o in q.answer.scale.options}
    for c in t.reporting.combined_shares:
        for v in c.values:
            if v not in scale_values:
                problems.append(_at("unknown-value", rsrc, None, value=v, subject=f"combined share '{c.label}'",
                                    hint=did_you_mean(v, sorted(scale_values))))
    for i in t.reporting.intervals:
        for name in (i.start, i.end):
            f = t.fields_by_id.get(name)
            if f is None:
                problems.append(_at("unknown-reporting-field", rsrc, key=f"intervals.{i.id}", field=name,
                                    hint=did_you_mean(name, t.fields_by_id)))
            elif f.type is not FieldType.DATE:
                problems.append(_at("interval-not-date", rsrc, field=name, interval=i.id, type=f.type.value))
    return _unique(problems)


def _check_field_leaf(t: InspectionTemplate, leaf: FieldIs, where: Source, qid: str | None) -> list[Problem]:
    f = t.fields_by_id.get(leaf.field)
    if f is None:
        return [_at("unknown-field", where, qid, field=leaf.field,
                    hint=did_you_mean(leaf.field, t.fields_by_id))]
    out = []
    if f.type in (FieldType.CHOICE, FieldType.CHOICES):
        for v in leaf.values:
            if v not in f.value_ids:
                out.append(_at("unknown-value", where, qid, value=v, subject=f"case field '{f.id}'",
                               hint=did_you_mean(v, f.value_ids)))
    return out
