"""The sample's accounting for an inspection (issue 18): per stratum, designed, drawn, examined, excluded
by reason, replaced and missing, and the cases behind each (domain/sample_accounting.py)."""

from __future__ import annotations

from fileexam.domain.cases import Status
from fileexam.domain.sample_accounting import Accounting, account
from fileexam.store import sample_records as records
from fileexam.store.inspection_file import InspectionFile


def accounting_of(inspection: InspectionFile, statuses=None, cases=None) -> Accounting | None:
    """None when the inspection holds no sample design. A calibration case is not part of the sample's
    figures either way (it is counted like any other sampled case here: it was drawn)."""
    if records.stored_design(inspection) is None:
        return None
    design = records.design(inspection)
    t = inspection.template
    statuses = inspection.statuses() if statuses is None else statuses
    complete = {ref for (ref, _m), st in statuses.items() if st is Status.COMPLETE}
    in_progress = {ref for (ref, _m), st in statuses.items() if st is Status.IN_PROGRESS} - complete
    refs = [c.reference for c in (inspection.cases() if cases is None else cases)]
    from fileexam.formats.sample_design_yaml import stratum_label
    return account(records.strata(inspection), records.case_strata(inspection), refs, records.exclusions(inspection),
                   complete, in_progress, {o.value: o.label for o in t.exclusion_reasons},
                   lambda key: stratum_label(t, design, key))
