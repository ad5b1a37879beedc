"""Not examinable…: mark a sampled case not examinable, with a reason from the template's list (issue 18).

The dialog says which case, its stratum, and what will happen: the next reserve of the stratum takes its
place (allocated to the same inspector), or no reserve is left. ExclusionActions is the mixin of MainWindow
that offers it on the scoring page (the case shown) and on the team lead home (the case chosen there)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from fileexam.domain.cases import BadValue
from fileexam.qt import plain
from fileexam.store import sample_records as records
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import sqlite3


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


class ExclusionActions:
    """Case → Not examinable… (Ctrl+Shift+X), on the scoring page and the team lead home. Uses: self.ui,
    inspection, user, page, home, session, the messages, refuse_write, damage_found, _reload_cases."""

    def _init_exclusion(self) -> None:
        action = QAction("Not e&xaminable…", self)
        action.setObjectName("actionNotExaminable")
        action.setShortcut(QKeySequence("Ctrl+Shift+X"))
        action.setToolTip("Mark the case not examinable, with a reason: the next reserve of its stratum takes its "
                          "place")
        action.triggered.connect(self.mark_not_examinable)
        self.ui.actionNotExaminable = action
        menu = self.ui.menuCase
        after = self.ui.actionReopen
        actions = menu.actions()
        at = actions.index(after) + 1 if after in actions else len(actions)
        if at < len(actions):
            menu.insertAction(actions[at], action)
        else:
            menu.addAction(action)
        self.last_exclusion = None

    def _case_for_exclusion(self) -> str | None:
        if self.page == "home":
            return self.home.current_case()
        return self.session.reference if self.session is not None else None

    def mark_not_examinable(self) -> None:
        if self.inspection is None or self.refuse_write():
            return
        reference = self._case_for_exclusion()
        if reference is None:
            self.ui.statusbar.showMessage("Choose a case first", 4000)
            return
        held = records.exclusions(self.inspection).get(reference)
        if held is not None:
            from fileexam.services.sample_exclusion import reason_label
            self.inform("Already not examinable", f"Case {reference} is already marked not examinable "
                        f"({reason_label(self.inspection.template, held.reason)})"
                        + (f"; {held.replaced_by} took its place." if held.replaced_by else "."))
            return
        try:
            dialog = ExcludeDialog(self.inspection, reference, self)
        except (StoreError, sqlite3.Error) as exc:
            self.warn("Cannot mark the case", plain.words(exc) or str(exc))
            return
        self.exclude_dialog = dialog
        dialog.accepted.connect(lambda: self.exclude_case(reference, dialog.reason(), dialog.note_text()))
        dialog.open()

    def exclude_case(self, reference: str, reason: str, note: str = "") -> bool:
        """Exclude the case and promote the next reserve (one transaction); the lists follow."""
        try:
            ex = records.exclude(self.inspection, reference, reason, self.user, note)
        except (BadValue, StoreError, sqlite3.Error, OSError) as exc:
            if plain.is_damage(exc):
                self.damage_found(exc)
            else:
                self.warn("Not marked", plain.words(exc) or str(exc))
            return False
        self.last_exclusion = ex
        from fileexam.services.sample_exclusion import reason_label
        said = f"Case {reference} is not examinable ({reason_label(self.inspection.template, ex.reason)})"
        if ex.replaced_by:
            inspector = self.inspection.case(ex.replaced_by).inspector
            said += f"; reserve {ex.replaced_by} takes its place, allocated to {inspector or 'nobody yet'}"
        else:
            said += "; no reserve replaces it"
        self._reload_cases_keep() if self.page == "scoring" and self.session is not None else self._reload_cases()
        if self.page == "home":
            self.refresh_home()
        elif self.session is not None and self.session.reference == reference:
            self._show_case_state()
        self.ui.statusbar.showMessage(said, 10000)
        self.saved_label.setText(said.split(";")[0] + ", saved")
        return True
