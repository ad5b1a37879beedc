"""A realistic demo inspection: cases across the 14 Areas and both strands, some scored by a few markers."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from fileexam.domain.answers import condition_value
from fileexam.domain.cases import Case
from fileexam.domain.questions import AnswerType
from fileexam.domain.template import FieldType, InspectionTemplate
from fileexam.progress import Progress, no_progress

if TYPE_CHECKING:
    from fileexam.store.inspection_file import InspectionFile

OFFENCES = {
    "magistrates": ["Assault by beating", "Criminal damage", "Theft from a shop", "Harassment",
                    "Drink driving", "Common assault (domestic)", "Breach of a restraining order"],
    "crown_court": ["Robbery", "Assault occasioning actual bodily harm", "Possession with intent to supply",
                    "Burglary (dwelling)", "Rape", "Stalking involving fear of violence", "Fraud by false representation"],
}
INSPECTORS = ["A. Khan", "B. Evans", "C. Murphy", "D. Okafor"]


def demo_cases(t: InspectionTemplate, per_area: int = 4, inspectors: list[str] = INSPECTORS,
               seed: int = 2026) -> list[Case]:
    """Cases for the Area template: `per_area` per Area, both strands, allocated round-robin."""
    rng = random.Random(seed)
    area_field = t.fields_by_id.get(t.reporting.area_field or "")
    areas = [o.value for o in area_field.values] if area_field else ["(none)"]
    cases = []
    n = 0
    for area_index, area in enumerate(areas):
        for i in range(per_area):
            n += 1
            strand = "crown_court" if i % 2 else "magistrates"
            charged = date(2025, 1, 6) + timedelta(days=rng.randrange(0, 300))
            fields = {}
            for f in t.case_fields:
                if f.id == t.reporting.area_field:
                    fields[f.id] = area
                elif f.id == t.reporting.strand_field:
                    fields[f.id] = strand
                elif f.id == "offence":
                    fields[f.id] = rng.choice(OFFENCES[strand])
                elif f.id == "charged_on":
                    fields[f.id] = charged.isoformat()
                elif f.id == "finalised_on":
                    fields[f.id] = (charged + timedelta(days=rng.randrange(30, 240))).isoformat()
                elif f.id == "defendant":
                    fields[f.id] = f"Defendant {n:03d}"
                elif f.type is FieldType.CHOICE:
                    weights = [5 if k == 0 else 2 for k in range(len(f.values))]
                    fields[f.id] = rng.choices([o.value for o in f.values], weights)[0]
                elif f.type is FieldType.CHOICES:
                    picked = [o.value for o in f.values if rng.random() < 0.2]
                    if picked:
                        fields[f.id] = picked
            # URN-like: police force code, station letters, serial number, year
            letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXY") for _ in range(2))
            reference = f"{rng.randrange(1, 63):02d}{letters}{rng.randrange(1000000):07d}25"
            # rotate by Area so that each inspector gets both strands and every kind of case
            cases.append(Case(reference, fields, inspectors[(i + area_index) % len(inspectors)]))
    return cases


def demo_answers(t: InspectionTemplate, case: Case, rng: random.Random, quality: float = 0.7) -> dict[str, str]:
    """Plausible answers for every question that applies, in order (so dependent ones apply as they would)."""
    answers: dict[str, str] = {}
    values: dict = {}
    for q in t.questions:
        if not t.which_apply(case.fields, values)[q.id]:
            continue
        spec = q.answer
        if spec.type is AnswerType.SCALE:
            opts = spec.scale.options
            counted = [o for o in opts if o.points is not None]
            best = max(o.points for o in counted)
            weights = [0.05 if o.points is None else (quality if o.points == best else (1 - quality) / 2)
                       for o in opts]
            value = rng.choices([o.value for o in opts], weights)[0]
        elif spec.type is AnswerType.NUMBER:
            lo = int(spec.minimum or 0)
            value = str(rng.randint(lo, lo + 120))
        elif spec.type is AnswerType.CHOICES:
            value = f'["{spec.options[0].value}"]' if rng.random() < 0.5 else f'["{spec.options[-1].value}"]'
        elif spec.type is AnswerType.DATE:
            value = "2025-06-01"
        else:
            continue
        answers[q.id] = value
        values[q.id] = condition_value(q, value)
    return answers


def shipped_question_sets() -> Path:
    """The question_sets folder that comes with fileexam: the checkout's, or the built app folder's."""
    from fileexam.resources import question_sets

    return question_sets()


def create_demo(path: Path, user: str, progress: Progress = no_progress) -> InspectionFile:
    """A new demo inspection at `path`: 56 cases across the 14 Areas and both strands, a quarter
    allocated to `user`, some already scored by the team and a few started by the user."""
    from fileexam.store.inspection_file import InspectionFile

    template = shipped_question_sets() / "area-inspection.yaml"
    f = InspectionFile.create(path, template, "Demo: Area inspection 2026", user)
    t = f.template
    team = [user] + INSPECTORS[1:]
    cases = demo_cases(t, per_area=4, inspectors=team)
    f.add_cases(cases, "demo sample", user)
    rng = random.Random(11)
    total = len(cases)
    for i, c in enumerate(cases):
        progress(i, total, "scoring demo cases")
        share = 0.25 if c.inspector == user else 0.6
        if rng.random() > share:
            continue
        answers = demo_answers(t, c, rng, quality=rng.choice([0.55, 0.7, 0.85]))
        if c.inspector == user:  # the user's own: started, not finished
            answers = dict(list(answers.items())[: rng.randrange(3, max(4, len(answers) // 2))])
        with f.atomic():  # one transaction per case: the demo is made quickly
            for qid, value in answers.items():
                f.set_answer(c.reference, qid, c.inspector, value)
        if c.inspector != user:
            f.mark_complete(c.reference, c.inspector)
    progress(total, total, "done")
    return f
