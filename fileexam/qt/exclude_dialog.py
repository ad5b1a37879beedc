"""Not examinable…: mark a sampled case not examinable, with a reason from the template's list (issue 18).

The dialog says which case, its stratum, and what will happen: the next reserve of the stratum takes its
place (allocated to the same inspector), or no reserve is left. The mixin of MainWindow that offers it is
qt/exclusion_actions.py."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from fileexam.store import sample_records as records
from fileexam.store.inspection_file import InspectionFile


class ExcludeDialog(QDialog):
    def __init__(self, inspection: InspectionFile, reference: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("excludeDialog")
        self.setWindowTitle(f"Not examinable — {reference}")
        self.reference = reference
        t = inspection.template
        case = inspection.case(reference)
        layout = QVBoxLayout(self)
        held = records.case_strata(inspection).get(reference)
        design = records.design(inspection) if held else None
        stratum = ""
        if held and design is not None:
            from fileexam.formats.sample_design_yaml import stratum_label
            stratum = stratum_label(t, design, held[0])
        intro = QLabel(f"<b>Case {html.escape(reference)}</b>" + (f" ({html.escape(stratum)})" if stratum else "")
                       + " cannot be examined. Its answers will count in no figure, and the audit log keeps the "
                         "reason.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.reasons = QComboBox()
        self.reasons.setObjectName("excludeReason")
        self.reasons.setAccessibleName("Reason")
        for o in t.exclusion_reasons:
            self.reasons.addItem(o.label, o.value)
        label = QLabel("&Reason")
        label.setBuddy(self.reasons)
        form.addRow(label, self.reasons)
        self.note = QLineEdit()
        self.note.setObjectName("excludeNote")
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("What you found (optional)")
        note_label = QLabel("&Note")
        note_label.setBuddy(self.note)
        form.addRow(note_label, self.note)
        layout.addLayout(form)
        nxt = records.next_reserve(inspection, held[0]) if held else None
        if nxt is not None:
            what = (f"Reserve <b>{html.escape(nxt.reference)}</b> (reserve {nxt.rank} of its stratum) will take its "
                    f"place, allocated to {html.escape(case.inspector or 'nobody yet')}.")
        elif records.stored_design(inspection) is not None:
            what = "No reserve is left in its stratum: the sample will fall short of its design there."
        else:
            what = "This inspection has no sample design, so no reserve will take its place."
        self.what = QLabel(what)
        self.what.setObjectName("excludeWhat")
        self.what.setWordWrap(True)
        layout.addWidget(self.what)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Mark not examinable")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        layout.addWidget(buttons)
        self.reasons.setFocus(Qt.FocusReason.OtherFocusReason)
        self.setMinimumWidth(460)

    def reason(self) -> str:
        return self.reasons.currentData()

    def note_text(self) -> str:
        return self.note.text().strip()
