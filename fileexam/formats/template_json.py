"""An inspection template (with its question sets) as JSON and back, for the parsed-template cache.

Decoding treats the text as hostile: only the classes in ALLOWED are built, each from exactly its
dataclass fields, every value checked against what SPEC says the field holds; enums by value from their own
class. Anything else raises BadCache. Tags: {"c": class, "f": fields}, {"e": enum, "v": value},
{"t": tuple items}, {"l": list items}, {"d": [[key, value], ...]} (keys need not be text), {"r": n}:
the n-th object finished before, met again (shared as the YAML shares it).
"""

from __future__ import annotations

import dataclasses
import json
from enum import Enum

from fileexam.domain.applicability import AllOf, AnswerIs, AnyOf, FieldIs, Not
from fileexam.domain.questions import AnswerSpec, AnswerType, Question, QuestionSet, Section
from fileexam.domain.scales import Option, Scale
from fileexam.domain.source import Source
from fileexam.domain.standardisation import AgreementTargets, ModerationSettings, PassRule, Standardisation
from fileexam.domain.template import (CaseField, CombinedShare, Composite, DateInterval, FieldType,
                                      InspectionTemplate, Reporting, Retention)

FORMAT = 2  # bump when the encoding, the domain classes' fields, or what the YAML reading makes of a text change

ALLOWED: dict[str, type] = {c.__name__: c for c in (
    InspectionTemplate, CaseField, FieldType, Composite, CombinedShare, DateInterval, Retention, Reporting,
    ModerationSettings, Standardisation, PassRule, AgreementTargets,
    QuestionSet, Section, Question, AnswerSpec, AnswerType, Scale, Option,
    FieldIs, AnswerIs, AllOf, AnyOf, Not, Source)}
_PLAIN = (str, int, float, bool, type(None))
# The objects the YAML path shares (a built-in scale under many questions, a source): only they are written
# once and referred to. A reference to anything else (a condition used twice inside itself, nested: 2^depth
# nodes for the fingerprint to walk) is refused, so a small hostile file cannot cost hours.
SHARED = (Scale, Source)


class BadCache(ValueError):
    """The text is not a template this codec wrote."""


# ---- encoding ------------------------------------------------------------------------------------------
def _enc(v, seen: dict[int, int]):
    """`seen`: id of each object already written -> its number (objects numbered as they are finished):
    an object met again (a built-in scale under many questions) is written as {"r": number}."""
    if isinstance(v, Enum):
        if ALLOWED.get(type(v).__name__) is not type(v):
            raise BadCache(f"not a class the cache holds: {type(v).__name__}")
        return {"e": type(v).__name__, "v": v.value}
    if isinstance(v, _PLAIN):
        return v
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        if id(v) in seen:
            return {"r": seen[id(v)]}
        name = type(v).__name__
        if ALLOWED.get(name) is not type(v):
            raise BadCache(f"not a class the cache holds: {name}")
        out = {"c": name, "f": {f.name: _enc(getattr(v, f.name), seen) for f in dataclasses.fields(v)}}
        if type(v) in SHARED:  # only these are referred to again (see SHARED)
            seen[id(v)] = len(seen)
        return out
    if isinstance(v, tuple):
        return {"t": [_enc(x, seen) for x in v]}
    if isinstance(v, list):
        return {"l": [_enc(x, seen) for x in v]}
    if isinstance(v, dict):
        return {"d": [[_enc(k, seen), _enc(x, seen)] for k, x in v.items()]}
    raise BadCache(f"cannot hold a {type(v).__name__}")


def encode(template: InspectionTemplate) -> str:
    return json.dumps({"format": FORMAT, "template": _enc(template, {})}, ensure_ascii=False,
                      separators=(",", ":"))


# ---- decoding ------------------------------------------------------------------------------------------
# What each field may hold, written out (not read from the annotations at run time: typing's evaluation of
# them costs more than the whole decode). tests/test_template_cache.py checks it names every field.
def _exactly(*kinds):
    return lambda v: type(v) in kinds


def _optional(check):
    return lambda v: v is None or check(v)


def _tuple_of(check):
    return lambda v: type(v) is tuple and all(check(x) for x in v)


STR, BOOL, INT, FLOAT = _exactly(str), _exactly(bool), _exactly(int), _exactly(int, float)  # YAML's 2 for 2.0
OPT_STR, OPT_INT, OPT_FLOAT = _optional(STR), _optional(INT), _optional(FLOAT)
STRS = _tuple_of(STR)
SRC = _exactly(Source)
COND = _exactly(FieldIs, AnswerIs, AllOf, AnyOf, Not)


def _of(cls):
    return _exactly(cls)


def _lines(v) -> bool:  # Question.key_lines: key -> line
    return type(v) is dict and all(type(k) is str and type(x) is int for k, x in v.items())


SPEC: dict[str, dict] = {
    "Source": {"path": OPT_STR, "line": OPT_INT},
    "Option": {"value": STR, "label": STR, "points": OPT_FLOAT, "key": OPT_STR},
    "Scale": {"id": STR, "label": STR, "options": _tuple_of(_of(Option)), "source": SRC},
    "AnswerSpec": {"type": _of(AnswerType), "scale": _optional(_of(Scale)), "minimum": OPT_FLOAT,
                   "maximum": OPT_FLOAT, "integer": BOOL, "options": _tuple_of(_of(Option))},
    "FieldIs": {"field": STR, "values": STRS, "source": SRC},
    "AnswerIs": {"question": STR, "values": STRS, "source": SRC},
    "AllOf": {"conditions": _tuple_of(COND), "source": SRC},
    "AnyOf": {"conditions": _tuple_of(COND), "source": SRC},
    "Not": {"condition": COND, "source": SRC},
    "Question": {"id": STR, "text": STR, "answer": _of(AnswerSpec), "guidance": STR, "required": BOOL,
                 "comment": BOOL, "scores": STRS, "weight": FLOAT, "applies_when": _optional(COND),
                 "set_id": STR, "section_id": STR, "source": SRC, "key_lines": _lines},
    "Section": {"id": STR, "title": STR, "questions": _tuple_of(_of(Question)), "description": STR,
                "applies_when": _optional(COND), "source": SRC},
    "QuestionSet": {"id": STR, "title": STR, "version": STR, "sections": _tuple_of(_of(Section)),
                    "description": STR, "source": SRC},
    "CaseField": {"id": STR, "label": STR, "type": _of(FieldType), "values": _tuple_of(_of(Option)),
                  "required": BOOL, "export": BOOL, "editable": BOOL, "description": STR, "source": SRC},
    "Composite": {"id": STR, "label": STR, "description": STR, "questions": STRS, "source": SRC},
    "CombinedShare": {"label": STR, "values": STRS},
    "DateInterval": {"id": STR, "label": STR, "start": STR, "end": STR},
    "Retention": {"private_fields_days": OPT_INT, "answers_after_signoff_days": OPT_INT},
    "Reporting": {"direction_threshold_pp": FLOAT, "double_mark_share": FLOAT, "area_field": OPT_STR,
                  "strand_field": OPT_STR, "few_cases": INT, "breakdowns": STRS,
                  "combined_shares": _tuple_of(_of(CombinedShare)), "intervals": _tuple_of(_of(DateInterval)),
                  "source": SRC},
    "PassRule": {"exact": FLOAT, "within_one": OPT_FLOAT},
    "Standardisation": {"rule": _of(PassRule), "cases": STRS, "source": SRC},
    "AgreementTargets": {"agreement": OPT_FLOAT, "kappa": OPT_FLOAT, "lowest": INT, "source": SRC},
    "ModerationSettings": {"standardisation": _optional(_of(Standardisation)),
                           "targets": _optional(_of(AgreementTargets))},
    "InspectionTemplate": {"id": STR, "title": STR, "version": STR, "case_fields": _tuple_of(_of(CaseField)),
                           "question_sets": _tuple_of(_of(QuestionSet)), "composites": _tuple_of(_of(Composite)),
                           "reporting": _of(Reporting), "description": STR, "reference_label": STR,
                           "source": SRC, "retention": _optional(_of(Retention)),
                           "exclusion_reasons_given": _tuple_of(_of(Option)),
                           "moderation": _optional(_of(ModerationSettings))},
}


def _dec(v, made: list):
    """`made`: the objects built so far, in the order encode numbered them."""
    if isinstance(v, _PLAIN):
        return v
    if isinstance(v, list) or not isinstance(v, dict):
        raise BadCache("an untagged list or unknown value")
    keys = v.keys()
    if keys == {"t"} and isinstance(v["t"], list):
        return tuple(_dec(x, made) for x in v["t"])
    if keys == {"r"}:
        n = v["r"]
        if type(n) is not int or not 0 <= n < len(made):
            raise BadCache(f"a reference to no object: {n!r}")
        return made[n]  # (only SHARED objects are numbered: see _build)
    if keys == {"c", "f"} and isinstance(v["f"], dict):
        return _build(v["c"], v["f"], made)
    if keys == {"e", "v"}:
        cls = ALLOWED.get(v["e"]) if isinstance(v["e"], str) else None
        if not (isinstance(cls, type) and issubclass(cls, Enum)):
            raise BadCache(f"not an enum the cache holds: {v['e']!r}")
        return cls(v["v"])  # ValueError for a value the enum lacks
    if keys == {"l"} and isinstance(v["l"], list):
        return [_dec(x, made) for x in v["l"]]
    if keys == {"d"} and isinstance(v["d"], list):
        out = {}
        for pair in v["d"]:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise BadCache("a mapping entry that is not a pair")
            out[_dec(pair[0], made)] = _dec(pair[1], made)  # an unhashable key: TypeError, caught by the reader
        return out
    raise BadCache(f"unknown tag {sorted(keys)!r}")


def _build(name, raw: dict, made: list):
    spec = SPEC.get(name) if isinstance(name, str) else None
    if spec is None:
        raise BadCache(f"not a class the cache holds: {name!r}")
    if raw.keys() != spec.keys():
        raise BadCache(f"{name}: fields {sorted(raw)} are not {sorted(spec)}")
    values = {}
    for field_name, check in spec.items():
        value = values[field_name] = _dec(raw[field_name], made)
        if not check(value):
            raise BadCache(f"{name}.{field_name}: not what the field holds ({type(value).__name__})")
    # Every field set as it was encoded (init=False ones too), as pickle would, bypassing the frozen
    # __init__'s per-field object.__setattr__: half the decode. No class here has a __post_init__ (tested).
    obj = object.__new__(ALLOWED[name])
    obj.__dict__.update(values)
    if type(obj) in SHARED:  # numbered as encode numbers them: a reference can reach only these
        made.append(obj)
    return obj


def decode(text: str) -> InspectionTemplate:
    """The template encoded in `text`; BadCache (or the ValueError, TypeError or RecursionError of a
    malformed text) for anything that is not exactly what encode() writes."""
    data = json.loads(text)
    if not (isinstance(data, dict) and set(data) == {"format", "template"} and type(data["format"]) is int
            and data["format"] == FORMAT):
        raise BadCache("not a cached template of this format")
    t = _dec(data["template"], [])
    if type(t) is not InspectionTemplate:
        raise BadCache("does not hold an inspection template")
    return t
