"""Case → Not examinable… (Ctrl+Shift+X), the mixin of MainWindow that offers it on the scoring page (the
case shown) and on the team lead home (the case chosen there). The dialog (qt/exclude_dialog.py) and the
sample's records are imported when first asked for, not at start-up."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence

from fileexam.qt import plain
from fileexam.store.errors import StoreError
from fileexam.store.sqlite import sqlite3


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
        from fileexam.store import sample_records as records
        held = records.exclusions(self.inspection).get(reference)
        if held is not None:
            from fileexam.services.sample_exclusion import reason_label
            self.inform("Already not examinable", f"Case {reference} is already marked not examinable "
                        f"({reason_label(self.inspection.template, held.reason)})"
                        + (f"; {held.replaced_by} took its place." if held.replaced_by else "."))
            return
        from fileexam.qt.exclude_dialog import ExcludeDialog
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
        from fileexam.domain.cases import BadValue
        from fileexam.store import sample_records as records
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
