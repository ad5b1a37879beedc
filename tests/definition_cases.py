"""Fixtures for the question-set loader and the JSON Schemas: broken files and what they must report.

Each case is a set of files; the file named first is the one validated. The line
a problem must be reported on is marked in the text with `# <-`, so the
expectation cannot drift from the fixture. `schema` says whether the JSON
Schema can see the fault (True), or the fault needs the loader (False:
references, order, cycles, cross-file checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

HEAD = "kind: question-set\nid: demo\ntitle: Demo\nversion: \"1.0\"\n"


def qset(body: str, head: str = HEAD) -> str:
    return head + body


GOOD_SET = qset("""\
scales:
  three:
    label: Three points
    options:
      - {value: good, label: Good, points: 2, key: G}
      - {value: fair, label: Fair, points: 1, key: F}
      - {value: poor, label: Poor, points: 0, key: P}
      - {value: na, label: Not applicable, key: A}
sections:
  - id: s1
    title: First
    questions:
      - id: Q1
        text: Was it done?
        answer: yes_no
        guidance: Yes when it was done.
      - id: Q2
        text: How well?
        answer: three
        scores: [theme, grip]
        applies_when: {answer: Q1, is: "yes"}
        guidance: Good, fair or poor.
      - id: Q3
        text: Days taken
        answer: {type: number, minimum: 0, maximum: 365, integer: true}
        guidance: Count calendar days.
  - id: s2
    title: Crown Court only
    applies_when: {field: strand, is: crown_court}
    questions:
      - id: Q4
        text: Ready for the first hearing?
        answer: fully_partially_not
        weight: 2
        guidance: Fully when every document was served.
      - id: Q5
        text: Orders made
        answer:
          type: choices
          options: [{value: ro, label: Restraining order}, {value: none, label: None}]
        required: false
        guidance: Tick each.
""")

GOOD_TEMPLATE = """\
kind: inspection-template
id: demo-inspection
title: Demo inspection
version: "1.0"
question_sets: [demo.yaml]
case_fields:
  - id: strand
    label: Strand
    type: choice
    required: true
    values:
      - {value: magistrates, label: Magistrates' courts}
      - {value: crown_court, label: Crown Court}
  - id: area
    type: choice
    values: [North, South]
  - id: flags
    type: choices
    values: [domestic_abuse, stalking]
composites:
  - id: grip
    label: Grip
  - id: added_value
    label: Added value
    questions: [Q4]
reporting:
  area_field: area
  strand_field: strand
  double_mark_share: 10%
"""


@dataclass
class Case:
    name: str
    files: dict[str, str]
    code: str | None  # None: the file is valid
    schema: bool = True  # the schema can see this fault
    extra: dict = field(default_factory=dict)

    @property
    def main(self) -> str:
        return next(iter(self.files))

    @property
    def marked(self) -> str:
        """The file holding the `# <-` mark (the main file when nothing is marked)."""
        return next((n for n, t in self.files.items() if "# <-" in t), self.main)

    @property
    def line(self) -> int | None:
        for i, text in enumerate(self.files[self.marked].splitlines(), start=1):
            if "# <-" in text:
                return i
        return None


def one(name, text, code, schema=True):
    return Case(name, {"demo.yaml": text}, code, schema)


def tmpl(name, text, code, schema=True, set_text=GOOD_SET):
    return Case(name, {"template.yaml": text, "demo.yaml": set_text}, code, schema)


SECTION = "sections:\n  - id: s1\n    title: S\n    questions:\n"


def q(body: str) -> str:
    return qset(SECTION + body)


CASES: list[Case] = [
    one("valid set", GOOD_SET, None),
    tmpl("valid template", GOOD_TEMPLATE, None),
    # Reading
    one("yaml syntax", HEAD + "sections: [\n  - id: s1   # <-\n", "yaml-syntax"),
    one("alias", HEAD + "x: &a {}\nsections: *a   # <-\n", "yaml-alias", schema=False),
    one("duplicate key", HEAD + "title: Again   # <-\n" + SECTION + "      - {id: Q1, text: T, answer: yes_no, guidance: g}\n",
        "yaml-duplicate-key", schema=False),
    one("two documents", GOOD_SET + "---   # <-\nkind: question-set\n", "yaml-multiple-documents", schema=False),
    one("top is a list", "- kind: question-set   # <-\n", "not-a-mapping"),
    one("no kind", "id: demo   # <-\ntitle: Demo\n", "missing-key"),
    one("unknown kind", "kind: questionset   # <-\nid: demo\n", "unknown-kind"),
    # Shape of a set
    one("version as number", "kind: question-set\nid: demo\ntitle: Demo\nversion: 1.10   # <-\n" + SECTION
        + "      - {id: Q1, text: T, answer: yes_no, guidance: g}\n", "wrong-type"),
    one("missing title", "kind: question-set   # <-\nid: demo\nversion: \"1\"\n" + SECTION
        + "      - {id: Q1, text: T, answer: yes_no, guidance: g}\n", "missing-key"),
    one("sections not a list", HEAD + "sections: {a: 1}   # <-\n", "not-a-list"),
    one("sections empty", HEAD + "sections: []   # <-\n", "empty-list"),
    one("unknown key in question", q("      - id: Q1\n        text: T\n        answer: yes_no\n        guidance: g\n"
                                     "        colour: red   # <-\n"), "unknown-key"),
    one("bad id", q("      - id: 'Q 1'   # <-\n        text: T\n        answer: yes_no\n        guidance: g\n"), "bad-id"),
    one("question not a mapping", q("      - just text   # <-\n"), "not-a-mapping"),
    one("required not boolean", q("      - id: Q1\n        text: T\n        answer: yes_no\n        guidance: g\n"
                                  "        required: sometimes   # <-\n"), "wrong-type"),
    # Scales and answers
    one("unknown scale", q("      - id: Q1\n        text: T\n        answer: fpn   # <-\n        guidance: g\n"), "unknown-scale", schema=False),
    one("unknown scale in mapping", q("      - id: Q1\n        text: T\n        answer: {scale: tree}   # <-\n        guidance: g\n"),
        "unknown-scale", schema=False),
    one("unknown answer type", q("      - id: Q1\n        text: T\n        answer: {type: slider}   # <-\n        guidance: g\n"),
        "unknown-answer-type"),
    one("missing answer", q("      - id: Q1   # <-\n        text: T\n        guidance: g\n"), "missing-key"),
    one("bad range", q("      - id: Q1\n        text: T\n        answer: {type: number, minimum: 9, maximum: 1}   # <-\n"
                       "        guidance: g\n"), "bad-range", schema=False),
    one("scores on a number", q("      - id: Q1\n        text: T\n        answer: number\n        scores: [theme]   # <-\n"
                                "        guidance: g\n"), "scores-without-points", schema=False),
    one("zero weight", q("      - id: Q1\n        text: T\n        answer: yes_no\n        weight: 0   # <-\n        guidance: g\n"),
        "bad-weight"),
    one("no guidance", q("      - id: Q1   # <-\n        text: T\n        answer: yes_no\n"), "no-guidance", schema=False),
    one("duplicate option", HEAD + "scales:\n  s:\n    options:\n      - {value: a, points: 1}\n"
        "      - {value: a, points: 0}   # <-\n" + SECTION + "      - {id: Q1, text: T, answer: s, guidance: g}\n",
        "duplicate-option", schema=False),
    one("duplicate key binding", HEAD + "scales:\n  s:\n    options:\n      - {value: a, points: 1, key: A}\n"
        "      - {value: b, points: 0, key: a}   # <-\n" + SECTION + "      - {id: Q1, text: T, answer: s, guidance: g}\n",
        "duplicate-key-binding", schema=False),
    one("bad key binding", HEAD + "scales:\n  s:\n    options:\n      - {value: a, points: 1, key: F1}   # <-\n"
        + SECTION + "      - {id: Q1, text: T, answer: s, guidance: g}\n", "bad-key-binding"),
    one("scale without points", HEAD + "scales:\n  s:   # <-\n    options:\n      - {value: a}\n"
        + SECTION + "      - {id: Q1, text: T, answer: s, scores: [], guidance: g}\n", "scale-no-points", schema=False),
    one("builtin scale redefined", HEAD + "scales:\n  yes_no:   # <-\n    options:\n      - {value: a, points: 1}\n"
        + SECTION + "      - {id: Q1, text: T, answer: yes_no, guidance: g}\n", "reserved-name"),
    # Structure
    one("duplicate question", q("      - {id: Q1, text: T, answer: yes_no, guidance: g}\n"
                                "      - {id: Q1, text: U, answer: yes_no, guidance: g}   # <-\n"), "duplicate-question", schema=False),
    one("duplicate section", HEAD + "sections:\n  - id: s1\n    title: S\n    questions:\n"
        "      - {id: Q1, text: T, answer: yes_no, guidance: g}\n  - id: s1   # <-\n    title: S\n    questions:\n"
        "      - {id: Q2, text: T, answer: yes_no, guidance: g}\n", "duplicate-section", schema=False),
    # Applicability
    one("condition with two heads", q("      - {id: Q1, text: T, answer: yes_no, guidance: g}\n"
                                      "      - {id: Q2, text: T, answer: yes_no, guidance: g,\n"
                                      "         applies_when: {field: strand, answer: Q1, is: a}}   # <-\n"), "bad-condition"),
    one("condition without values", q("      - {id: Q1, text: T, answer: yes_no, guidance: g}\n"
                                      "      - {id: Q2, text: T, answer: yes_no, guidance: g,\n"
                                      "         applies_when: {answer: Q1}}   # <-\n"), "condition-needs-values"),
    one("condition value boolean", q("      - {id: Q1, text: T, answer: yes_no, guidance: g}\n"
                                     "      - {id: Q2, text: T, answer: yes_no, guidance: g,\n"
                                     "         applies_when: {answer: Q1, is: yes}}   # <-\n"), "wrong-type"),
    one("unknown question", q("      - {id: Q1, text: T, answer: yes_no, guidance: g}\n"
                              "      - {id: Q2, text: T, answer: yes_no, guidance: g,\n"
                              "         applies_when: {answer: Q9, is: 'yes'}}   # <-\n"), "unknown-question", schema=False),
    one("value not on scale", q("      - {id: Q1, text: T, answer: yes_no, guidance: g}\n"
                                "      - {id: Q2, text: T, answer: yes_no, guidance: g,\n"
                                "         applies_when: {answer: Q1, is: 'maybe'}}   # <-\n"), "unknown-value", schema=False),
    one("forward reference", q("      - {id: Q1, text: T, answer: yes_no, guidance: g,\n"
                               "         applies_when: {answer: Q2, is: 'yes'}}   # <-\n"
                               "      - {id: Q2, text: T, answer: yes_no, guidance: g}\n"), "forward-reference", schema=False),
    one("self reference", q("      - id: Q1   # <-\n        text: T\n        answer: yes_no\n        guidance: g\n"
                            "        applies_when: {answer: Q1, is: 'yes'}\n"), "condition-cycle", schema=False),
    one("section depends on its own question", HEAD + "sections:\n  - id: s1\n    title: S\n"
        "    applies_when: {answer: Q1, is: 'yes'}\n    questions:\n"
        "      - {id: Q1, text: T, answer: yes_no, guidance: g}   # <-\n", "condition-cycle", schema=False),
    one("condition on text answer", q("      - {id: Q1, text: T, answer: text, guidance: g}\n"
                                      "      - {id: Q2, text: T, answer: yes_no, guidance: g,\n"
                                      "         applies_when: {answer: Q1, is: 'x'}}   # <-\n"), "condition-on-text", schema=False),
    one("nested condition not a list", q("      - {id: Q1, text: T, answer: yes_no, guidance: g,\n"
                                         "         applies_when: {all: {field: a, is: b}}}   # <-\n"), "not-a-list"),
    # Templates
    tmpl("unknown field in condition", GOOD_TEMPLATE, "unknown-field", schema=False,
         set_text=GOOD_SET.replace("{field: strand, is: crown_court}", "{field: strnad, is: crown_court}   # <-")),
    tmpl("unknown field value in condition", GOOD_TEMPLATE, "unknown-value", schema=False,
         set_text=GOOD_SET.replace("{field: strand, is: crown_court}", "{field: strand, is: crown}   # <-")),
    tmpl("unknown field type", GOOD_TEMPLATE.replace("    type: choices\n", "    type: flags   # <-\n"), "unknown-field-type"),
    tmpl("field needs values", GOOD_TEMPLATE.replace("  - id: area\n    type: choice\n    values: [North, South]\n",
                                                     "  - id: area\n    type: choice   # <-\n"), "field-needs-values"),
    tmpl("duplicate field", GOOD_TEMPLATE.replace("  - id: flags\n", "  - id: area   # <-\n"), "duplicate-field", schema=False),
    tmpl("reserved field", GOOD_TEMPLATE.replace("  - id: flags\n", "  - id: status   # <-\n"), "reserved-name"),
    tmpl("missing set file", GOOD_TEMPLATE.replace("question_sets: [demo.yaml]", "question_sets: [nothere.yaml]   # <-"),
         "question-set-missing", schema=False),
    tmpl("invalid set file", GOOD_TEMPLATE.replace("question_sets: [demo.yaml]", "question_sets: [demo.yaml]   # <-"),
         "question-set-invalid", schema=False, set_text=HEAD + "sections: []\n"),
    tmpl("set file is a template", GOOD_TEMPLATE.replace("question_sets: [demo.yaml]", "question_sets: [template.yaml]   # <-"),
         "not-a-question-set", schema=False),
    tmpl("set used twice", GOOD_TEMPLATE.replace("question_sets: [demo.yaml]", "question_sets: [demo.yaml, demo]   # <-"),
         "duplicate-set", schema=False),
    tmpl("unknown composite", GOOD_TEMPLATE, "unknown-composite", schema=False,
         set_text=GOOD_SET.replace("        scores: [theme, grip]\n", "        scores: [theme, gripp]   # <-\n")),
    tmpl("composite names unknown question", GOOD_TEMPLATE.replace("  - id: added_value\n", "  - id: added_value   # <-\n")
         .replace("questions: [Q4]", "questions: [Q44]"), "unknown-question", schema=False),
    tmpl("empty composite", GOOD_TEMPLATE.replace("composites:\n", "composites:\n  - id: unused   # <-\n"), "empty-composite",
         schema=False),
    tmpl("duplicate composite", GOOD_TEMPLATE.replace("  - id: added_value\n    label: Added value\n",
                                                      "  - id: grip   # <-\n    label: Added value\n"), "duplicate-composite",
         schema=False),
    tmpl("bad share", GOOD_TEMPLATE.replace("double_mark_share: 10%", "double_mark_share: 150%   # <-"), "bad-share"),
    tmpl("unknown reporting field", GOOD_TEMPLATE.replace("kind: inspection-template", "kind: inspection-template   # <-")
         .replace("area_field: area", "area_field: region"), "unknown-reporting-field", schema=False),
    tmpl("breakdown by a field that is not a choice",
         GOOD_TEMPLATE.replace("  - id: flags\n", "  - id: offence\n    type: text\n  - id: flags\n")
         .replace("reporting:\n", "reporting:\n  breakdowns: [offence]   # <-\n"), "breakdown-not-choice", schema=False),
    tmpl("interval between fields that are not dates",
         GOOD_TEMPLATE.replace("reporting:\n", "reporting:\n  intervals: [{id: days, label: Days, from: area, to: "
                                                "strand}]   # <-\n"), "interval-not-date", schema=False),
]

# Template rule: question ids unique across every set a template uses.
_SECOND = GOOD_SET.replace("id: demo\n", "id: other\n").replace("      - id: Q3\n", "      - id: Q3   # <-\n")
CASES.append(Case("question id repeated across sets",
                  {"template.yaml": GOOD_TEMPLATE.replace("[demo.yaml]", "[demo.yaml, other.yaml]"),
                   "demo.yaml": GOOD_SET, "other.yaml": _SECOND}, "duplicate-question", schema=False))

# Numbers: every numeric setting is a finite number in its range; the fixtures name the
# examples of the issue (1e400 is text to YAML 1.1; .nan and .inf are floats).
SCALE_S = HEAD + "scales:\n  s:\n    options:\n      - {value: a, points: 1}\n"
ON_S = SECTION + "      - {id: Q1, text: T, answer: s, guidance: g}\n"


def points(value: str) -> str:
    return SCALE_S + f"      - {{value: b, points: {value}}}   # <-\n" + ON_S


def weight(value: str) -> str:
    return q(f"      - id: Q1\n        text: T\n        answer: yes_no\n        weight: {value}   # <-\n        guidance: g\n")


def number_answer(bounds: str) -> str:
    return q(f"      - id: Q1\n        text: T\n        answer: {{type: number, {bounds}}}   # <-\n        guidance: g\n")


def reporting(line: str) -> str:
    return GOOD_TEMPLATE.replace("reporting:\n", f"reporting:\n  {line}   # <-\n")


CASES += [
    one("points written 1e400", points("1e400"), "wrong-type"),
    one("points .nan", points(".nan"), "number-out-of-range", schema=False),  # JSON Schema cannot see NaN
    one("points .inf", points(".inf"), "number-out-of-range"),
    one("points -.inf", points("-.inf"), "number-out-of-range"),
    one("points negative", points("-1"), "number-out-of-range"),
    one("points huge integer", points("1" + "0" * 400), "number-out-of-range"),
    one("points true", points("true"), "wrong-type"),
    one("weight .nan", weight(".nan"), "bad-weight", schema=False),
    one("weight .inf", weight(".inf"), "bad-weight"),
    one("weight -.inf", weight("-.inf"), "bad-weight"),
    one("weight too large", weight("5000"), "bad-weight"),
    one("weight written 1e400", weight("1e400"), "wrong-type"),
    one("minimum .nan", number_answer("minimum: .nan"), "number-out-of-range", schema=False),
    one("maximum .inf", number_answer("maximum: .inf"), "number-out-of-range"),
    one("minimum -.inf", number_answer("minimum: -.inf"), "number-out-of-range"),
    one("maximum as a list", number_answer("maximum: [1]"), "wrong-type"),
    one("answer is a number", q("      - id: Q1\n        text: T\n        answer: 1   # <-\n        guidance: g\n"), "wrong-type"),
    # Keys: plain text only
    one("complex key in a question", q("      - id: Q1\n        text: T\n        answer: yes_no\n        guidance: g\n"
                                       "        ? [a, b]   # <-\n        : 1\n"), "complex-key", schema=False),
    one("complex key at the top", HEAD + "? {a: 1}   # <-\n: x\n" + ON_S.replace("answer: s", "answer: yes_no"),
        "complex-key", schema=False),
    one("complex key as a scale id", HEAD + "scales:\n  ? [a, b]   # <-\n  : {options: [{value: a, points: 1}]}\n"
        + ON_S.replace("answer: s", "answer: yes_no"), "complex-key", schema=False),
    one("complex key in a flow condition", q("      - {id: Q1, text: T, answer: yes_no, guidance: g}\n"
                                             "      - {id: Q2, text: T, answer: yes_no, guidance: g,\n"
                                             "         applies_when: {[a, b]: c}}   # <-\n"), "complex-key", schema=False),
    one("number as a key", q("      - id: Q1\n        text: T\n        answer: yes_no\n        guidance: g\n"
                             "        1: x   # <-\n"), "key-not-text"),
    one("true as a scale id", HEAD + "scales:\n  yes:   # <-\n    options: [{value: a, points: 1}]\n"
        + ON_S.replace("answer: s", "answer: yes_no"), "key-not-text", schema=False),
    one("nested too deep", HEAD + "description: " + "[" * 120 + "]" * 120 + "   # <-\n"
        + ON_S.replace("answer: s", "answer: yes_no"), "yaml-too-deep"),
    # Templates
    tmpl("threshold .nan", reporting("direction_threshold_pp: .nan"), "number-out-of-range", schema=False),
    tmpl("threshold .inf", reporting("direction_threshold_pp: .inf"), "number-out-of-range"),
    tmpl("threshold negative", reporting("direction_threshold_pp: -1"), "number-out-of-range"),
    tmpl("few cases .inf", reporting("few_cases: .inf"), "number-out-of-range"),
    tmpl("few cases not whole", reporting("few_cases: 2.5"), "number-out-of-range"),
    tmpl("few cases written 1e400", reporting("few_cases: 1e400"), "wrong-type"),
    tmpl("share .nan", GOOD_TEMPLATE.replace("double_mark_share: 10%", "double_mark_share: .nan   # <-"), "bad-share",
         schema=False),
    tmpl("share .inf", GOOD_TEMPLATE.replace("double_mark_share: 10%", "double_mark_share: .inf   # <-"), "bad-share"),
    tmpl("complex key in a template", GOOD_TEMPLATE.replace("reporting:\n", "? [a, b]   # <-\n: x\nreporting:\n"),
         "complex-key", schema=False),
    tmpl("number as a key in a case field", GOOD_TEMPLATE.replace("  - id: flags\n", "  - id: flags\n    7: x   # <-\n"),
         "key-not-text"),
    tmpl("set file name is a folder", GOOD_TEMPLATE.replace("question_sets: [demo.yaml]", "question_sets: ['/']   # <-"),
         "bad-file-name", schema=False),
    tmpl("set file name too long", GOOD_TEMPLATE.replace("question_sets: [demo.yaml]",
                                                         f"question_sets: [{'a' * 300}]   # <-"),
         "bad-file-name", schema=False),
]

# Faults that make plain yaml.safe_load raise (not a YAMLError), so the schema test cannot read them;
# the loader must still report them.
LOADER_ONLY_CASES: list[Case] = [
    one("not a real date", HEAD + "description: 2026-13-45   # <-\n" + ON_S.replace("answer: s", "answer: yes_no"),
        "bad-scalar", schema=False),
    one("tag that does not fit", points("!!int abc"), "bad-scalar", schema=False),
    one("bool tag that does not fit", weight("!!bool maybe"), "bad-scalar", schema=False),
    one("integer too long to read", points("9" * 5000), "number-out-of-range", schema=False),
    tmpl("few cases too long to read", reporting("few_cases: " + "9" * 5000), "number-out-of-range", schema=False),
]

# ---- Sample designs (kind: sample-design, issue 18): checked against the template they name ------------
DESIGN_HEAD = ('kind: sample-design\nid: demo-design\ntitle: Demo design\nversion: "1.0"\ntemplate: template.yaml\n'
               'seed: 1\n')
GOOD_DESIGN = DESIGN_HEAD + """\
strata: [area, strand]
quotas:
  - where: {area: North}
    cases: 10
    reserves: 2
  - where: {area: South}
    total: 15
    allocation: equal
    reserves: 1
eligibility:
  - id: no-stalking
    label: Stalking cases left out
    field: flags
    not_in: [stalking]
  - id: window
    applies_to: {strand: crown_court}
    column: Date finalised
    from: "2024-01-01"
    to: "2024-12-31"
  - id: hearings
    column: Hearings
    at_least: 1
"""


def design(name, text, code, schema=True, template=GOOD_TEMPLATE):
    return Case(name, {"design.yaml": text, "template.yaml": template, "demo.yaml": GOOD_SET}, code, schema)


def _quota(old: str, new: str) -> str:
    assert old in GOOD_DESIGN
    return GOOD_DESIGN.replace(old, new)


CASES += [
    design("valid design", GOOD_DESIGN, None),
    design("design names no template file", GOOD_DESIGN.replace("template: template.yaml",
                                                                "template: nothere.yaml   # <-"),
           "design-template-missing", schema=False),
    design("design's template has errors", GOOD_DESIGN.replace("template: template.yaml", "template: template.yaml   # <-"),
           "design-template-invalid", schema=False, template=GOOD_TEMPLATE.replace("title: Demo inspection\n", "")),
    design("design names a question set as its template",
           GOOD_DESIGN.replace("template: template.yaml", "template: demo.yaml   # <-"), "not-a-template", schema=False),
    design("stratum on a field of several values", _quota("strata: [area, strand]", "strata: [area, flags]   # <-"),
           "stratum-field-not-choice", schema=False),
    design("stratum on an unknown field", _quota("strata: [area, strand]", "strata: [area, strnad]   # <-"),
           "unknown-field", schema=False),
    design("quota with both cases and total", _quota("  - where: {area: North}\n    cases: 10\n",
                                                     "  - where: {area: North}   # <-\n    cases: 10\n    total: 5\n"),
           "quota-needs-size"),
    design("quota with neither cases nor total", _quota("  - where: {area: North}\n    cases: 10\n",
                                                        "  - where: {area: North}   # <-\n"), "quota-needs-size"),
    design("two quotas claim one stratum", _quota("  - where: {area: South}\n", "  - where: {strand: crown_court}   # <-\n"),
           "quota-overlap", schema=False),
    design("quota that matches no stratum", _quota("  - where: {area: South}\n", "  - where: {area: []}   # <-\n"),
           "quota-matches-nothing", schema=False),
    design("quota on a field that is not a stratum",
           _quota("  - where: {area: South}\n", "  - where: {area: South, flags: stalking}   # <-\n"),
           "quota-where-not-stratum", schema=False),
    design("quota on an unknown value", _quota("  - where: {area: South}\n", "  - where: {area: Sooth}   # <-\n"),
           "unknown-value", schema=False),
    design("unknown allocation", _quota("    allocation: equal\n", "    allocation: fair   # <-\n"), "unknown-value"),
    design("rule reads neither a field nor a column",
           _quota("  - id: hearings\n    column: Hearings\n", "  - id: hearings   # <-\n"), "rule-field-or-column"),
    design("rule reads a field and a column",
           _quota("  - id: hearings\n    column: Hearings\n", "  - id: hearings   # <-\n    column: Hearings\n"
                                                            "    field: area\n"), "rule-field-or-column"),
    design("rule without a test", _quota("  - id: hearings\n    column: Hearings\n    at_least: 1\n",
                                         "  - id: hearings   # <-\n    column: Hearings\n"), "rule-needs-test"),
    design("rule with two tests", _quota("    at_least: 1\n", "    at_least: 1\n    in: [x]\n")
           .replace("  - id: hearings\n", "  - id: hearings   # <-\n"), "rule-needs-test"),
    design("date window on a choice field", _quota("  - id: hearings\n    column: Hearings\n    at_least: 1\n",
                                                   "  - id: hearings   # <-\n    field: area\n    from: \"2024-01-01\"\n"),
           "rule-test-mismatch", schema=False),
    design("rule id twice", _quota("  - id: hearings\n", "  - id: window   # <-\n"), "duplicate-rule", schema=False),
    design("rule value not on the field", _quota("    not_in: [stalking]\n", "    not_in: [stalkng]   # <-\n"),
           "unknown-value", schema=False),
    design("design without a seed", GOOD_DESIGN.replace("seed: 1\n", "").replace("kind: sample-design",
                                                                                 "kind: sample-design   # <-"),
           "missing-key"),
    design("seed written as text", GOOD_DESIGN.replace("seed: 1", "seed: one   # <-"), "wrong-type"),
    design("date that is not a date", _quota('    from: "2024-01-01"\n', '    from: "2024-13-01"   # <-\n'), "bad-value",
           schema=False),
    design("window the wrong way round", _quota('    from: "2024-01-01"\n    to: "2024-12-31"\n',
                                                '    from: "2024-12-31"   # <-\n    to: "2024-01-01"\n'),
           "bad-range", schema=False),
]
