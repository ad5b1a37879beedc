"""Parse a question-set YAML file into a QuestionSet, with every problem located."""

from __future__ import annotations

from fileexam.domain.applicability import AllOf, AnswerIs, AnyOf, Condition, FieldIs, Not
from fileexam.domain.problems import Problem, did_you_mean, problem
from fileexam.domain.questions import THEME, AnswerSpec, AnswerType, Question, QuestionSet, Section
from fileexam.domain.scales import BUILTIN_SCALES, Option, Scale
from fileexam.domain.source import Source
from fileexam.formats.yaml_reader import Reader, describe_type, quote_hint
from fileexam.formats.yaml_source import YList, YMap

SET_KEYS = {"kind", "id", "title", "version", "description", "scales", "sections"}
SECTION_KEYS = {"id", "title", "description", "applies_when", "questions"}
QUESTION_KEYS = {"id", "text", "guidance", "answer", "required", "comment", "scores", "weight", "applies_when"}
ANSWER_KEYS = {"type", "scale", "minimum", "maximum", "integer", "options"}
SCALE_KEYS = {"label", "options"}
OPTION_KEYS = {"value", "label", "points", "key"}
OPEN_TYPES = {"number": AnswerType.NUMBER, "date": AnswerType.DATE, "text": AnswerType.TEXT}
# Ranges of the numeric settings: finite, and wide enough for any real scale or answer.
MAX_POINTS = 1000
MAX_WEIGHT = 1000
NUMBER_BOUND = 10**12  # |minimum|, |maximum| of a number answer


def parse_question_set(data, path: str) -> tuple[QuestionSet | None, list[Problem], set[str]]:
    """(set, problems, every question id written in the file, parsed or not)."""
    problems: list[Problem] = []
    written_ids: set[str] = set()
    top = Reader.of(data, path, problems, "a question set")
    if top is None:
        return None, problems, written_ids
    top.allow_only(SET_KEYS)
    set_id = top.ident("id")
    title = top.text("title", required=True)
    version = top.text("version", required=True)
    description = top.text("description")

    scales = dict(BUILTIN_SCALES)
    scale_lines: dict[str, int] = {}
    scales_r = top.sub("scales", "'scales'")
    if scales_r is not None:
        for sid in scales_r.data:
            line = scales_r.data.line_of(sid)
            if sid in BUILTIN_SCALES:
                scales_r.add("reserved-name", sid, name=sid, what="scale")
                continue
            scale = _parse_scale(scales_r.data[sid], str(sid), path, problems, line)
            if scale is not None:
                scales[str(sid)] = scale
                scale_lines[str(sid)] = line

    sections: list[Section] = []
    section_lines: dict[str, int] = {}
    for item, line in top.items("sections", required=True):
        sec = _parse_section(item, line, path, problems, scales, set_id, written_ids)
        if sec is None:
            continue
        if sec.id in section_lines:
            problems.append(problem("duplicate-section", path, sec.source.line, section=sec.id,
                                    first=section_lines[sec.id]))
        section_lines.setdefault(sec.id, sec.source.line)
        sections.append(sec)

    seen: dict[str, Question] = {}
    for sec in sections:
        for q in sec.questions:
            if q.id in seen:
                problems.append(problem("duplicate-question", path, q.source.line, q.id, question=q.id,
                                        first=str(seen[q.id].source)))
            else:
                seen[q.id] = q

    # Returned even when there are errors, so the whole-set checks can still run;
    # the caller refuses a set with any error.
    qs = QuestionSet(set_id, title, version, tuple(sections), description, Source(path, top.line))
    return qs, problems, written_ids


def _parse_scale(data, sid: str, path: str, problems: list[Problem], line: int) -> Scale | None:
    r = Reader.of(data, path, problems, f"scale '{sid}'", line)
    if r is None:
        return None
    r.allow_only(SCALE_KEYS)
    options = parse_options(r, "options", f"scale '{sid}'", require_points=True)
    if not options:
        return None
    scale = Scale(sid, r.text("label") or sid, tuple(options), Source(path, line))
    if not scale.scored:
        problems.append(problem("scale-no-points", path, line, scale=sid))
    return scale


def parse_options(r: Reader, key: str, where: str, require_points: bool) -> list[Option]:
    options: list[Option] = []
    values: set[str] = set()
    keys: set[str] = set()
    for item, line in r.items(key, required=True):
        o = Reader.of(item, r.path, r.problems, f"an option of {where}", line, r.question)
        if o is None:
            continue
        o.allow_only(OPTION_KEYS if require_points else {"value", "label"})
        value = o.text("value", required=True)
        label = o.text("label") or value
        points = o.number("points", low=0, high=MAX_POINTS) if require_points else None
        kb = o.text("key") if require_points else ""
        if kb:
            if len(kb) != 1 or not kb.isalnum():
                o.add("bad-key-binding", "key", key=kb)
            elif kb.lower() in keys:
                o.add("duplicate-key-binding", "key", key=kb, where=where)
            keys.add(kb.lower())
        if value in values:
            o.add("duplicate-option", "value", value=value, where=where)
            continue
        if value:
            values.add(value)
            options.append(Option(value, label, points, kb or None))
    return options


def _parse_section(data, line: int, path: str, problems: list[Problem],
                   scales: dict[str, Scale], set_id: str, written_ids: set[str]) -> Section | None:
    r = Reader.of(data, path, problems, "a section", line)
    if r is None:
        return None
    r.allow_only(SECTION_KEYS)
    sid = r.ident("id")
    title = r.text("title", required=True)
    cond = parse_condition_key(r, "applies_when")
    questions = []
    for item, qline in r.items("questions", required=True):
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            written_ids.add(item["id"])
        q = _parse_question(item, qline, path, problems, scales, set_id, sid)
        if q is not None:
            questions.append(q)
    return Section(sid, title, tuple(questions), r.text("description"), cond, Source(path, line))


def _parse_question(data, line: int, path: str, problems: list[Problem], scales: dict[str, Scale],
                    set_id: str, section_id: str) -> Question | None:
    r = Reader.of(data, path, problems, "a question", line)
    if r is None:
        return None
    qid = r.ident("id")
    r.question = qid or None
    if qid:
        r.what = f"question {qid}"  # so that a message about it names it, not only its line
    r.allow_only(QUESTION_KEYS)
    text = r.text("text", required=True)
    guidance = r.text("guidance")
    answer = _parse_answer(r, scales)
    required = r.boolean("required", True)
    comment = r.boolean("comment", True)
    weight = r.number("weight", 1.0, low=0, above_low=True, high=MAX_WEIGHT, code="bad-weight")
    if r.has("scores"):
        scores = tuple(s for s, _ in r.text_list("scores"))
    else:
        scores = (THEME,) if answer is not None and answer.scored else ()
    if scores and answer is not None and not answer.scored:
        r.add("scores-without-points", "scores", question=qid, scores=", ".join(scores),
              type=answer.type.value)
    cond = parse_condition_key(r, "applies_when")
    if not guidance and qid:
        r.add("no-guidance", question=qid)
    if answer is None:
        return None
    return Question(qid, text, answer, guidance, required, comment, scores, float(weight or 1.0),
                    cond, set_id, section_id, Source(path, line), dict(r.data.key_lines))


def _parse_answer(r: Reader, scales: dict[str, Scale]) -> AnswerSpec | None:
    value = r.data.get("answer")
    if value is None:
        r.add("missing-key", key="answer", what=r.what)
        return None
    line = r.data.line_of("answer")
    if not isinstance(value, (str, YMap)):
        r.add("wrong-type", "answer", key="answer", expected="a scale id, number, date, text or a mapping",
              got=describe_type(value), hint="")
        return None
    if isinstance(value, str):
        if value in OPEN_TYPES:
            return AnswerSpec(OPEN_TYPES[value])
        if value in scales:
            return AnswerSpec(AnswerType.SCALE, scales[value])
        r.add("unknown-scale", "answer", scale=value,
              hint=did_you_mean(value, list(scales) + list(OPEN_TYPES)))
        return None
    a = Reader.of(value, r.path, r.problems, "'answer'", line, r.question)
    if a is None:
        return None
    a.allow_only(ANSWER_KEYS)
    if a.has("scale") and not a.has("type"):
        kind = "scale"
    else:
        kind = a.text("type", required=True)
    if kind == "scale":
        sid = a.text("scale", required=True)
        if sid not in scales:
            if sid:
                a.add("unknown-scale", "scale", scale=sid, hint=did_you_mean(sid, scales))
            return None
        return AnswerSpec(AnswerType.SCALE, scales[sid])
    if kind == "number":
        lo = a.number("minimum", low=-NUMBER_BOUND, high=NUMBER_BOUND)
        hi = a.number("maximum", low=-NUMBER_BOUND, high=NUMBER_BOUND)
        if lo is not None and hi is not None and lo > hi:
            a.add("bad-range", "minimum", minimum=lo, maximum=hi)
        return AnswerSpec(AnswerType.NUMBER, minimum=lo, maximum=hi, integer=a.boolean("integer", False))
    if kind in ("date", "text"):
        return AnswerSpec(OPEN_TYPES[kind])
    if kind == "choices":
        options = parse_options(a, "options", f"question {r.question}", require_points=False)
        return AnswerSpec(AnswerType.CHOICES, options=tuple(options)) if options else None
    if kind:
        a.add("unknown-answer-type", "type", type=kind,
              hint=did_you_mean(kind, [t.value for t in AnswerType]))
    return None


CONDITION_KEYS = {"field", "answer", "all", "any", "not"}


def parse_condition_key(r: Reader, key: str) -> Condition | None:
    if not r.has(key) or r.data[key] is None:
        return None
    return parse_condition(r.data[key], r.data.line_of(key), r.path, r.problems, r.question)


def parse_condition(data, line: int, path: str, problems: list[Problem],
                    question: str | None = None) -> Condition | None:
    r = Reader.of(data, path, problems, "a condition", line, question)
    if r is None:
        return None
    heads = [k for k in r.data if k in CONDITION_KEYS]
    if len(heads) != 1:
        r.add("bad-condition", found=", ".join(str(k) for k in r.data) or "nothing")
        return None
    head = heads[0]
    src = Source(path, r.data.line_of(head))
    if head in ("field", "answer"):
        r.allow_only({head, "is", "in"})
        subject = r.text(head, required=True)
        values: list[str] = []
        if r.has("is"):
            v = r.data["is"]
            if isinstance(v, str):
                values = [v]
            else:
                raw = r.data.raw.get("is")
                hint = quote_hint(v, raw)
                r.add("wrong-type", "is", key="is", expected="text", got=describe_type(v), hint=hint)
                if hint:
                    values = [str(raw)]
        if r.has("in"):
            values += [v for v, _ in r.text_list("in")]
        if not r.has("is") and not r.has("in"):
            r.add("condition-needs-values", subject=subject)
        if not subject:
            return None
        if head == "field":
            return FieldIs(subject, tuple(values), src)
        return AnswerIs(subject, tuple(values), src)
    r.allow_only({head})
    if head == "not":
        inner = parse_condition(r.data["not"], src.line, path, problems, question)
        return Not(inner, src) if inner is not None else None
    parts = []
    value = r.data[head]
    if not isinstance(value, YList):
        r.add("not-a-list", head, key=head, got=describe_type(value))
        return None
    for i, item in enumerate(value):
        c = parse_condition(item, value.line_of(i), path, problems, question)
        if c is not None:
            parts.append(c)
    if not value:
        r.add("empty-list", head, key=head)
    return (AllOf if head == "all" else AnyOf)(tuple(parts), src)


def is_mapping(data) -> bool:
    return isinstance(data, YMap)
