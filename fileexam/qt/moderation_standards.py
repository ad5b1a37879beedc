"""The moderation window's Standardisation, Gold cases and Targets tabs (issue 17): each inspector's
standardisation against the reference marking, per question and overall, with the template's pass rule; the
gold cases seeded blind into inspectors' allocations against their agreed answers (seed, remove, write the
inspector's blind sample); the agreement targets, with every question, theme and marker below them and the
lowest-agreement questions beside their guidance. Figures follow docs/METHODS.md; an undefined one says so."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout,
                               QHBoxLayout, QHeaderView, QLabel, QPushButton, QSplitter, QTableWidget,
                               QTableWidgetItem, QTabWidget, QTextBrowser, QVBoxLayout, QWidget)

from fileexam.domain.agreement import FIGURE_LABELS
from fileexam.domain.cases import BadValue
from fileexam.domain.standardisation import PASSED, REFERENCE, share_text
from fileexam.qt.moderation_dialogs import ReasonDialog
from fileexam.qt.moderation_figures import AMBER_BG, GREEN_BG, escape
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile

MESSAGE_STYLE = "QLabel { background: #fff5f5; color: #742a2a; border: 1px solid #feb2b2; padding: 4px; }"
DONE_STYLE = "QLabel { background: #f0fff4; color: #22543d; border: 1px solid #9ae6b4; padding: 4px; }"
INTRO_STYLE = "QLabel { color: #4a5568; }"


def _table(name: str, columns: list[str], stretch: int) -> QTableWidget:
    t = QTableWidget(0, len(columns))
    t.setAccessibleName(name)
    t.setHorizontalHeaderLabels(columns)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    t.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    t.verticalHeader().setVisible(False)
    t.resizeColumnsToContents()  # empty: every heading whole
    t.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return t


def _set_row(table: QTableWidget, row: int, values: list[str], background: str | None = None) -> None:
    for j, v in enumerate(values):
        item = QTableWidgetItem(v)
        item.setToolTip(v)
        if background:
            item.setBackground(QBrush(background))
        table.setItem(row, j, item)


def _label(text: str = "", name: str = "", style: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setAccessibleName(name)
    if style:
        label.setStyleSheet(style)
    return label


class StandardisationPane(QWidget):
    """Each inspector's result (passed, not passed, not yet taken) and, for the one chosen, per question."""

    COLUMNS = ["Inspector", "Result", "Cases back complete", "Exactly equal", "Within one point", "Answers compared"]
    QUESTION_COLUMNS = ["Question", "Text", "Answers compared", "Exactly equal", "Within one point"]

    def __init__(self, inspection: InspectionFile, parent=None):
        super().__init__(parent)
        self.inspection = inspection
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.rule = _label(name="Pass rule", style=INTRO_STYLE)
        layout.addWidget(self.rule)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = _table("Standardisation by inspector", self.COLUMNS, 1)
        self.table.currentCellChanged.connect(lambda row, *_: self.show_inspector(row))
        split.addWidget(self.table)
        lower = QWidget()
        ll = QVBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        self.detail_title = _label(name="Chosen inspector")
        ll.addWidget(self.detail_title)
        self.questions = _table("Standardisation by question", self.QUESTION_COLUMNS, 1)
        ll.addWidget(self.questions)
        split.addWidget(lower)
        layout.addWidget(split, 1)
        self.results: list = []

    def fill(self) -> None:
        from fileexam.services.standardisation import exercise, standardisation_results

        m = self.inspection.template.moderation
        if m is None or m.standardisation is None:
            self.rule.setText("The template sets no standardisation exercise. Add <tt>moderation: standardisation:</tt> "
                              "with its pass rule to the template (question_sets/README.md) to check every inspector "
                              "on the calibration cases before live marking.")
            self.results = []
        else:
            cases, notes = exercise(self.inspection)
            self.rule.setText(f"Standardisation before live marking: every inspector marks the {len(cases)} "
                              f"standardisation case(s) ({escape(', '.join(cases)) or 'none yet: make calibration cases'}"
                              f"). Pass rule: {escape(m.standardisation.rule.words())}. Within one point counts on "
                              "ordered scales only; not applicable against a scored answer is never within one."
                              + "".join(f"<br>⚠ {escape(n)}" for n in notes))
            self.results = standardisation_results(self.inspection)
        self.table.setRowCount(len(self.results))
        for i, r in enumerate(self.results):
            colour = GREEN_BG if r.status in (PASSED, REFERENCE) else AMBER_BG
            _set_row(self.table, i, [r.marker, ("✓ " if r.passed else "⚑ ") + r.words(),
                                     f"{len(r.cases_done)} of {len(r.cases_required)}",
                                     share_text(r.exact_share) if r.total.compared else "—",
                                     share_text(r.within_share) if r.total.compared else "—",
                                     str(r.total.compared)], colour)
            self.table.item(i, 1).setToolTip(r.words())
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.show_inspector(self.table.currentRow() if self.results else -1)

    def show_inspector(self, row: int) -> None:
        if not (0 <= row < len(self.results)):
            self.detail_title.setText("Choose an inspector to see their result question by question.")
            self.questions.setRowCount(0)
            return
        r = self.results[row]
        self.detail_title.setText(f"<b>{escape(r.marker)}</b>: {escape(r.words())}")
        qs = self.inspection.template.question_by_id
        self.questions.setRowCount(len(r.by_question))
        for i, (qid, t) in enumerate(r.by_question.items()):
            missed = t.exact < t.compared
            _set_row(self.questions, i, [qid, qs[qid].text if qid in qs else "", str(t.compared),
                                         share_text(t.exact_share), share_text(t.within_share)],
                     AMBER_BG if missed else None)
        self.questions.resizeColumnsToContents()
        self.questions.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)


class GoldDialog(QDialog):
    """Seed a gold case: an agreed case, and the inspector whose allocation it joins."""

    def __init__(self, parent: QWidget | None, cases: list[str], inspectors: list[str]):
        super().__init__(parent)
        self.setWindowTitle("Seed a gold case")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel("A gold case is a case whose answers are already agreed (a calibration case outside the "
                       "standardisation exercise, or a double-marked case with every disagreement settled). It reaches "
                       "the inspector in their blind sample as an ordinary case; their marking is compared with the "
                       "agreed answers and never counted in the scores, the coverage or the agreement figures.")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.case = QComboBox()
        self.case.setAccessibleName("Gold case")
        self.case.addItems(cases)
        self.inspector = QComboBox()
        self.inspector.setAccessibleName("Inspector")
        self.inspector.addItems(inspectors)
        form.addRow("&Case:", self.case)
        form.addRow("&Inspector:", self.inspector)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("&Seed gold case")
        self.ok_button.setEnabled(bool(cases) and bool(inspectors))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.case.setFocus()


class GoldPane(QWidget):
    """The gold cases, each inspector's marking of them against the agreed answers; seed, remove, and write
    an inspector's blind sample (second markings and gold cases alike)."""

    changed = Signal()
    COLUMNS = ["Inspector", "Case", "Status", "Exactly equal", "Within one point", "Answers compared", "Differs on"]

    def __init__(self, inspection: InspectionFile, user: str, parent=None):
        super().__init__(parent)
        self.inspection, self.user = inspection, user
        self.dialog: QDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(_label("A gold case is an already-agreed case seeded, blind, into an inspector's allocation: "
                                "their marking is compared with the agreed answers, and never counted in the scores, "
                                "the coverage or the agreement figures of the real sample.", style=INTRO_STYLE))
        buttons = QHBoxLayout()
        self.seed_button = QPushButton("S&eed a gold case…")
        self.seed_button.clicked.connect(self.ask_seed)
        self.remove_button = QPushButton("Remo&ve gold case…")
        self.remove_button.clicked.connect(self.ask_remove)
        self.write_button = QPushButton("&Write blind sample…")
        self.write_button.setToolTip("Write the chosen inspector's blind sample: their second markings and gold cases, "
                                     "alike")
        self.write_button.clicked.connect(lambda: self.write_sample())
        for b in (self.seed_button, self.remove_button, self.write_button):
            b.setAutoDefault(False)
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.message = _label(name="Gold case message")
        self.message.hide()
        layout.addWidget(self.message)
        self.table = _table("Gold cases", self.COLUMNS, 6)
        self.table.itemSelectionChanged.connect(self._enable)
        layout.addWidget(self.table, 1)
        self.rows: list[tuple[str, str]] = []   # (inspector, case) per table row

    def fill(self) -> None:
        from fileexam.services.gold_cases import gold_results

        results = gold_results(self.inspection)
        rows = []
        for g in results:
            rows.append((g.marker, "", [g.marker, "all gold cases", f"{g.back} of {len(g.cases)} back complete",
                                        share_text(g.exact_share) if g.total.compared else "—",
                                        share_text(g.within_share) if g.total.compared else "—",
                                        str(g.total.compared), ""]))
            for c in g.cases:
                rows.append((g.marker, c.case, ["", c.case, c.status,
                                                share_text(c.tally.exact_share) if c.tally.compared else "—",
                                                share_text(c.tally.within_share) if c.tally.compared else "—",
                                                str(c.tally.compared),
                                                "; ".join(f"{q}: {mine} against {agreed}"
                                                          for q, mine, agreed in c.differences)]))
        self.rows = [(m, ref) for m, ref, _ in rows]
        self.table.clearSpans()
        self.table.setRowCount(len(rows))
        for i, (_m, ref, values) in enumerate(rows):
            _set_row(self.table, i, values)
            if not ref:
                for j in range(len(values)):
                    font = self.table.item(i, j).font()
                    font.setBold(True)
                    self.table.item(i, j).setFont(font)
        if not rows:
            self.table.setRowCount(1)
            item = QTableWidgetItem("No gold case yet: Seed a gold case… to add one.")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(0, 0, item)
            self.table.setSpan(0, 0, 1, len(self.COLUMNS))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(6, QHeaderView.ResizeMode.Stretch)
        self._enable()

    def _chosen(self) -> tuple[str, str] | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) and self.table.selectedItems() else None

    def _enable(self) -> None:
        chosen = self._chosen()
        self.remove_button.setEnabled(bool(chosen and chosen[1]))
        self.write_button.setEnabled(chosen is not None)

    def say(self, text: str, done: bool = False) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(DONE_STYLE if done else MESSAGE_STYLE)
        self.message.show()

    def ask_seed(self) -> None:
        from fileexam.services.gold_cases import gold_candidates

        inspectors = sorted({c.inspector for c in self.inspection.cases() if c.inspector})
        self.dialog = GoldDialog(self, gold_candidates(self.inspection), inspectors)
        self.dialog.accepted.connect(self.seed)
        self.dialog.open()

    def seed(self) -> None:
        from fileexam.services.gold_cases import seed_gold

        ref, marker = self.dialog.case.currentText(), self.dialog.inspector.currentText()
        try:
            seed_gold(self.inspection, ref, marker, self.user)
        except (BadValue, StoreError) as exc:
            self.say(f"<b>Not seeded:</b> {escape(str(exc))}")
            return
        self.say(f"Case {escape(ref)} is a gold case for {escape(marker)}. Choose them and <b>Write blind sample…</b>: "
                 "it goes in their blind sample as an ordinary case.", done=True)
        self.changed.emit()

    def ask_remove(self) -> None:
        chosen = self._chosen()
        if not chosen or not chosen[1]:
            return
        marker, ref = chosen
        self.dialog = ReasonDialog(self, "Remove gold case",
                                   f"Case <b>{escape(ref)}</b> stops being a gold case for <b>{escape(marker)}</b> "
                                   "(only before their marking of it is merged). Say why: the reason is kept in the "
                                   "audit log.", "&Remove gold case")
        self.dialog.setProperty("gold", [marker, ref])
        self.dialog.accepted.connect(self.remove)
        self.dialog.open()

    def remove(self) -> None:
        from fileexam.services.gold_cases import remove_gold

        marker, ref = self.dialog.property("gold")
        try:
            remove_gold(self.inspection, ref, marker, self.user, self.dialog.reason_text())
        except (BadValue, StoreError) as exc:
            self.say(f"<b>Not removed:</b> {escape(str(exc))}")
            return
        self.say(f"Case {escape(ref)} is no longer a gold case for {escape(marker)}.", done=True)
        self.changed.emit()

    def write_sample(self, folder: str | None = None) -> None:
        """Write the chosen inspector's blind sample into `folder` (asked when not given)."""
        from fileexam.services.moderation import write_blind_samples

        chosen = self._chosen()
        if not chosen:
            return
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, "Folder for the blind sample")
            if not folder:
                return
        try:
            written = write_blind_samples(self.inspection, Path(folder), {chosen[0]})
        except OSError as exc:
            self.say(f"<b>Not written:</b> {escape(str(exc))}")
            return
        self.say("Wrote " + ", ".join(escape(str(p)) for p in written)
                 + " (cases and fields only: nothing in it tells a gold case from a second marking).", done=True)


class TargetsPane(QWidget):
    """Every question, theme and marker against the template's agreement targets; the lowest-agreement
    questions with their guidance beside them, to rewrite it."""

    COLUMNS = ["Kind", "Group", "Figure", "Value", "Target", "Result", "Pairs", "Cases"]
    SHOW = [("below", "Below target"), ("undefined", "Undefined"), ("all", "All")]

    def __init__(self, inspection: InspectionFile, parent=None):
        super().__init__(parent)
        self.inspection = inspection
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.summary = _label(name="Targets", style=INTRO_STYLE)
        top.addWidget(self.summary, 1)
        self.show_choice = QComboBox()
        self.show_choice.setAccessibleName("Show targets")
        for key, label in self.SHOW:
            self.show_choice.addItem(label, key)
        self.show_choice.currentIndexChanged.connect(lambda _i: self._fill_rows())
        show_label = QLabel("S&how:")
        show_label.setBuddy(self.show_choice)
        top.addWidget(show_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.show_choice, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(top)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = _table("Agreement against the targets", self.COLUMNS, 1)
        split.addWidget(self.table)
        lower = QWidget()
        ll = QHBoxLayout(lower)
        ll.setContentsMargins(0, 0, 0, 0)
        left = QVBoxLayout()
        left.addWidget(QLabel("<b>Lowest agreement</b> (choose one: its guidance is beside)"))
        self.lowest = _table("Lowest-agreement questions", ["Question", "Agreement", "Pairs", "Text"], 3)
        self.lowest.currentCellChanged.connect(lambda row, *_: self.show_guidance(row))
        left.addWidget(self.lowest)
        ll.addLayout(left, 3)
        self.guidance = QTextBrowser()
        self.guidance.setAccessibleName("Guidance of the chosen question")
        ll.addWidget(self.guidance, 2)
        split.addWidget(lower)
        layout.addWidget(split, 1)
        self.report = None
        self.shown: list = []

    def fill(self, agreement) -> None:
        """agreement: the AgreementReport the window holds."""
        from fileexam.services.agreement_targets import target_report

        self.report = target_report(self.inspection.template, agreement)
        if self.report is None:
            self.summary.setText("The template sets no agreement target. Add <tt>moderation: targets:</tt> (e.g. "
                                 "agreement: 80%) to the template (question_sets/README.md) to flag what falls below.")
        else:
            r = self.report
            self.summary.setText(
                f"Targets: {escape(r.targets.words())}. <b>{len(r.below)} below target</b>, {len(r.undefined)} "
                "undefined (neither below nor above: hover for why), "
                f"{len(r.rows) - len(r.below) - len(r.undefined)} meet it. Kappa is read beside percentage "
                "agreement: it falls when nearly every answer is the same (docs/METHODS.md, Agreement targets).")
        self._fill_rows()
        low = self.report.lowest if self.report else []
        self.lowest.setRowCount(len(low))
        for i, q in enumerate(low):
            _set_row(self.lowest, i, [q.question, f"{q.agreement * 100:.1f}%", str(q.pairs), q.text])
        self.lowest.resizeColumnsToContents()
        self.lowest.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        if low:
            self.lowest.setCurrentCell(0, 0)
        self.show_guidance(0 if low else -1)

    def _fill_rows(self) -> None:
        from fileexam.services.agreement_targets import BELOW, UNDEFINED

        key = self.show_choice.currentData()
        rows = self.report.rows if self.report else []
        self.shown = [r for r in rows if key == "all" or (key == "below" and r.status == BELOW)
                      or (key == "undefined" and r.status == UNDEFINED)]
        self.table.setRowCount(len(self.shown))
        for i, r in enumerate(self.shown):
            colour = AMBER_BG if r.status == BELOW else (GREEN_BG if r.status != UNDEFINED else None)
            _set_row(self.table, i, [r.kind, f"{r.group} — {r.label}" if r.label != r.group else r.group,
                                     FIGURE_LABELS[r.figure], r.value_text(), r.target_text(),
                                     ("⚑ " if r.status == BELOW else "") + r.status, str(r.pairs),
                                     str(r.cases) + (" (few)" if r.few else "")], colour)
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Interactive)
        self.table.setColumnWidth(3, min(self.table.columnWidth(3), 260))

    def show_guidance(self, row: int) -> None:
        low = self.report.lowest if self.report else []
        if not (0 <= row < len(low)):
            self.guidance.setHtml("<p>No question has agreement figures yet.</p>")
            return
        q = low[row]
        self.guidance.setHtml(f"<p><b>{escape(q.question)}</b> — {escape(q.text)}</p>"
                              f"<p>Agreement {q.agreement * 100:.1f}% over {q.pairs} pairs.</p>"
                              f"<p><b>Guidance</b> (rewrite it where markers differ):</p><p>{escape(q.guidance)}</p>")


class StandardsTabs:
    """The three tabs, added to the moderation window's tab widget; `fill(report)` on every refresh."""

    def __init__(self, tabs: QTabWidget, inspection: InspectionFile, user: str, on_change):
        self.standardisation = StandardisationPane(inspection)
        self.gold = GoldPane(inspection, user)
        self.gold.changed.connect(on_change)
        self.targets = TargetsPane(inspection)
        tabs.addTab(self.standardisation, "Sta&ndardisation")
        tabs.addTab(self.gold, "&Gold cases")
        tabs.addTab(self.targets, "&Targets")

    def fill(self, report) -> None:
        self.standardisation.fill()
        self.gold.fill()
        self.targets.fill(report)
