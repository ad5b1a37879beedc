"""File → Open feedback… (Ctrl+Shift+F), the mixin of MainWindow that adds the action and opens the feedback
panel (qt/feedback_panel.py). The panel and the reading of feedback workbooks are imported when first
asked for, not at start-up."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence

from fileexam.qt import plain


class FeedbackActions:
    """File → Open feedback… for MainWindow. Uses: self.ui, inspection, user, warn, refuse_write,
    _last_folder, _reload_cases_keep."""

    def _init_feedback(self) -> None:
        action = QAction("Open &feedback…", self)
        action.setObjectName("actionOpenFeedback")
        action.setShortcut(QKeySequence("Ctrl+Shift+F"))
        action.setToolTip("Open the feedback workbook your moderator sent you: disagreements, queries, your figures")
        action.triggered.connect(lambda: self.open_feedback())
        self.ui.actionOpenFeedback = action
        menu = self.ui.menuFile
        actions = menu.actions()
        after = self.ui.actionExport
        at = actions.index(after) + 1 if after in actions else len(actions)
        if at < len(actions):
            menu.insertAction(actions[at], action)
        else:
            menu.addAction(action)
        self.feedback_panel = None  # the FeedbackPanel open, if any
        self.feedback_problems = None

    def open_feedback(self, path: str | None = None):
        """Read, check and show a feedback workbook; a refusal in plain words (nothing shown, nothing saved)."""
        if self.inspection is None:
            return None
        if not path:
            from PySide6.QtWidgets import QFileDialog  # its class and enums are built when first used
            path, _ = QFileDialog.getOpenFileName(self, "Open feedback", self._last_folder(),
                                                  "Feedback workbooks (*.xlsx);;All files (*)")
            if not path:
                return None
        from fileexam.domain.problems import ProblemsFound
        from fileexam.qt.feedback_panel import FeedbackPanel
        from fileexam.services import feedback_inspector as fi
        try:
            opened = fi.open_feedback(self.inspection, Path(path), self.user)
        except ProblemsFound as exc:
            problems = exc.problems
            if len(problems) == 1 and problems[0].sheet in (None, "About"):
                self.warn("Feedback not opened", f"{Path(path).name}: {problems[0].message}. Nothing was saved.")
            else:
                from fileexam.qt.problems_dialog import ProblemsDialog
                self.feedback_problems = ProblemsDialog(
                    "Feedback not opened", f"<b>{html.escape(Path(path).name)} cannot be opened</b>: it was changed "
                    "after your moderator wrote it, is damaged, or is not for this inspection. Nothing was saved. Ask "
                    "your moderator to write it again.", problems, self)
                self.feedback_problems.open()
            return None
        except Exception as exc:  # noqa: BLE001 - e.g. the inspection file cannot be read
            self.warn("Feedback not opened", plain.words(exc) or str(exc))
            return None
        if self.feedback_panel is not None:
            self.feedback_panel.close()
        self.feedback_panel = FeedbackPanel(self.inspection, self.user, opened, self)
        self.feedback_panel.answerChanged.connect(lambda _case: self._reload_cases_keep_and_form())
        self.feedback_panel.show()
        return self.feedback_panel

    def _reload_cases_keep_and_form(self) -> None:
        """A query's answer changed an answer: the case list and the form show it."""
        reference = self.session.reference if self.session else None
        self._reload_cases_keep()
        if reference:
            self._load_case(reference)
