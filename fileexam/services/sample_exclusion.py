"""Mark a sampled case not examinable, with a reason from the template's list; the next reserve of its
stratum takes its place (issue 18). Used by `fileexam sample exclude` and the app's Not examinable… dialog."""

from __future__ import annotations

from fileexam.domain.cases import BadValue
from fileexam.domain.problems import did_you_mean
from fileexam.domain.template import InspectionTemplate
from fileexam.store import sample_records as records
from fileexam.store.inspection_file import InspectionFile


def resolve_reason(t: InspectionTemplate, text: str) -> str:
    """A reason as typed (its value or its label, in any case) as stored: its value."""
    wanted = (text or "").strip().casefold()
    for o in t.exclusion_reasons:
        if wanted in (o.value.casefold(), o.label.casefold()):
            return o.value
    hint = did_you_mean(text or "", [o.value for o in t.exclusion_reasons])
    if "did you mean" not in hint:
        hint = ": use one of " + ", ".join(f"'{o.value}' ({o.label})" for o in t.exclusion_reasons)
    raise BadValue(f"'{text}' is not a reason a case may be excluded for in this inspection{hint}")


def exclude_case(inspection: InspectionFile, reference: str, reason: str, who: str,
                 note: str = "") -> records.Exclusion:
    """Exclude the case and promote the next reserve of its stratum, in one transaction with audit rows."""
    return records.exclude(inspection, reference, resolve_reason(inspection.template, reason), who, note)


def reason_label(t: InspectionTemplate, value: str) -> str:
    return next((o.label for o in t.exclusion_reasons if o.value == value), value)
