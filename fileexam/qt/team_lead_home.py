"""The team lead's home: where a team lead (or a moderator) lands on opening a master inspection.

Coverage per inspector and per Area (services.merge.master_coverage, as `fileexam merge` prints it), the
merges so far, the cases with no complete marking, and the way to merge, see the results, moderate and
write the report. No scoring form: a stray key here records nothing. To score a case themselves the
team lead chooses it and says so (Mark this case, Ctrl+K)."""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSizePolicy, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget)

if TYPE_CHECKING:  # annotations only: not imported at start-up
    from fileexam.domain.coverage import Coverage, GroupCoverage
    from fileexam.store.inspection_file import InspectionFile

COVERAGE_COLUMNS = ["Cases", "Complete", "In progress", "Missing"]
CASE_COLUMNS = ["URN", "Area", "Strand", "Inspector", "Marking"]
SHOW = [("missing", "Missing: no complete marking"), ("progress", "In progress"), ("all", "All cases")]
SAMPLE_COLUMNS = ["Stratum", "Designed", "Drawn", "Examined", "Excluded", "Replaced", "Missing", "Cannot reach"]
SAMPLE_TIPS = ["Area, strand, finalised or live (the design's strata)", "The design's quota", "Cases drawn into the sample",
               "Complete, not excluded", "Marked not examinable (hover a number for the reasons and cases)",
               "Reserves promoted into the sample", "Neither excluded nor complete",
               "Designed cases the stratum can no longer reach: no reserve left, or too few eligible cases"]


def action_button(action: QAction) -> QPushButton:
    """A button that does what the action does, says so in the action's words with its shortcut, and is
    enabled when the action is (a read-only file turns the merge off here too)."""
    text = re.sub(r"&(.)", r"\1", action.text().partition("\t")[0])
    keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
    button = QPushButton(f"{text}  {keys}" if keys else text)
    button.setObjectName(f"home_{action.objectName()}")
    button.setAccessibleName(text.rstrip("…"))
    button.setToolTip(action.toolTip())
    button.setAutoDefault(False)
    button.clicked.connect(action.trigger)
    action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
    button.setEnabled(action.isEnabled())
    return button


class TeamLeadHome(QWidget):
    markRequested = Signal()  # Enter or a double-click on a case: as Mark this case

    def __init__(self, actions: list[QAction], mark: QAction, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("teamLeadHome")
        self.setAccessibleName("Team lead home")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 6)
        self.title = QLabel()
        self.title.setObjectName("homeTitle")
        self.title.setWordWrap(True)
        layout.addWidget(self.title)
        self.summary = QLabel()
        self.summary.setObjectName("homeSummary")
        self.summary.setAccessibleName("Coverage")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.standardisation = QLabel()  # issue 17: inspectors who have not passed the standardisation exercise
        self.standardisation.setAccessibleName("Standardisation")
        self.standardisation.setWordWrap(True)
        self.standardisation.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.standardisation.setStyleSheet("QLabel { background: #fdf0d5; color: #744210; padding: 3px; }")
        self.standardisation.hide()
        layout.addWidget(self.standardisation)
        row = QHBoxLayout()
        self.buttons = [action_button(a) for a in actions]
        for b in self.buttons:
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)

        body = QHBoxLayout()
        left = QVBoxLayout()
        self.by_inspector = self._coverage_table("Inspector", "Coverage by inspector")
        self.by_area = self._coverage_table("Area", "Coverage by Area")
        for caption, table in (("Coverage by inspector", self.by_inspector), ("Coverage by Area", self.by_area)):
            left.addWidget(QLabel(f"<b>{caption}</b>"))
            left.addWidget(table, 1)  # each as tall as its rows (its maximum), or shares what there is
            left.addSpacing(6)
        left.addStretch(0)  # room left over below the tables
        body.addLayout(left, 0)
        body.addSpacing(8)

        right = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Cases</b>"))
        show_label = QLabel("Sho&w")
        self.show_choice = QComboBox()
        self.show_choice.setAccessibleName("Cases shown")
        self.show_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for key, text in SHOW:
            self.show_choice.addItem(text, key)
        show_label.setBuddy(self.show_choice)
        self.show_choice.currentIndexChanged.connect(lambda _i: self._fill_cases())
        top.addSpacing(12)
        top.addWidget(show_label)
        top.addWidget(self.show_choice)
        top.addStretch(1)
        self.mark_button = action_button(mark)
        top.addWidget(self.mark_button)
        right.addLayout(top)
        self.cases = QTableWidget(0, len(CASE_COLUMNS))
        self.cases.setObjectName("homeCases")
        self.cases.setAccessibleName("Cases")
        self.cases.setAccessibleDescription("Choose a case; Enter or Mark this case (Ctrl+K) opens it to score it")
        self.cases.setHorizontalHeaderLabels(CASE_COLUMNS)
        self._table_look(self.cases)
        self.cases.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.cases.setSortingEnabled(True)
        self.cases.horizontalHeader().setStretchLastSection(True)
        self.cases.itemActivated.connect(lambda _item: self.markRequested.emit())
        right.addWidget(self.cases, 1)
        # The sample against its design (issue 18), beside the cases: a tab shown only when there is a design.
        self.tabs = QTabWidget()
        self.tabs.setObjectName("homeTabs")
        self.tabs.setDocumentMode(True)
        cases_page = QWidget()
        right.setContentsMargins(0, 0, 0, 0)
        cases_page.setLayout(right)
        self.tabs.addTab(cases_page, "&Cases")
        sample_page = QWidget()
        sample_layout = QVBoxLayout(sample_page)
        sample_layout.setContentsMargins(0, 4, 0, 0)
        self.sample_summary = QLabel()
        self.sample_summary.setObjectName("homeSampleSummary")
        self.sample_summary.setWordWrap(True)
        self.sample_summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        sample_layout.addWidget(self.sample_summary)
        self.sample = QTableWidget(0, len(SAMPLE_COLUMNS))
        self.sample.setObjectName("homeSample")
        self.sample.setAccessibleName("Sample by stratum")
        self.sample.setHorizontalHeaderLabels(SAMPLE_COLUMNS)
        for j, tip in enumerate(SAMPLE_TIPS):
            self.sample.horizontalHeaderItem(j).setToolTip(tip)
        self._table_look(self.sample)
        self.sample.horizontalHeader().setStretchLastSection(True)
        sample_layout.addWidget(self.sample, 1)
        self.tabs.addTab(sample_page, "&Sample by stratum")
        self.tabs.tabBar().setVisible(False)
        body.addWidget(self.tabs, 1)
        layout.addLayout(body, 1)
        self.accounting = None
        self.coverage: Coverage | None = None
        self._rows: list[tuple[str, str, str, str, str]] = []

    # ---- building ----------------------------------------------------------------------------
    def _table_look(self, table: QTableWidget) -> None:
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setWordWrap(False)
        table.setAlternatingRowColors(True)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setDefaultSectionSize(QFontMetrics(table.font()).height() + 6)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

    def _coverage_table(self, first: str, name: str) -> QTableWidget:
        table = QTableWidget(0, 1 + len(COVERAGE_COLUMNS))
        table.setObjectName(name.replace(" ", "_"))
        table.setAccessibleName(name)
        table.setHorizontalHeaderLabels([first] + COVERAGE_COLUMNS)
        self._table_look(table)
        table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # widths set on filling
        table.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        return table

    # ---- showing an inspection -----------------------------------------------------------------
    def show_inspection(self, inspection: InspectionFile, user: str) -> None:
        """Read the coverage, the merges and the cases of the open master again."""
        from fileexam.domain.progress import UNALLOCATED
        from fileexam.services.merge import master_coverage

        t = inspection.template
        cov = self.coverage = master_coverage(inspection)
        mine = any(c.inspector == user for c in cov.cases)
        self.title.setText(f"<h2>{html.escape(inspection.name)}</h2>")
        merges = [m for m in inspection.merges() if m.get("outcome") == "merged"]
        merged = (f"{len(merges)} workbook(s) merged, the last on {merges[-1]['at'][:16].replace('T', ' at ')}."
                  if merges else "No workbook merged yet: Merge workbooks takes the ones your inspectors export.")
        role = ("Your own allocation is here too: choose one of your cases and Mark this case to score it."
                if mine else "Nothing here records an answer: to score a case yourself, choose it and Mark this case.")
        expected = len(cov.expected)
        complete = expected - len(cov.missing)
        excluded = f" {len(cov.excluded)} not examinable." if cov.excluded else ""
        from fileexam.services.merge import query_counts
        q = query_counts(inspection)  # issue 17: queries to answer or to close
        if q["open"] or q["answered"]:
            excluded += f" Queries: {q['open']} open, {q['answered']} answered, to close (Moderation)."
        self.summary.setText(
            f"Team lead home for <b>{html.escape(user)}</b>. {html.escape(role)}<br>"
            f"<b>{complete} of {expected}</b> sampled case(s) back complete; <b>{len(cov.missing)}</b> missing; "
            f"{len(cov.twice)} complete twice.{excluded} {html.escape(merged)}")
        self._fill_coverage(self.by_inspector, cov.by_inspector)
        self._fill_coverage(self.by_area, cov.by_area)
        from fileexam.services.standardisation import not_passed
        flagged = not_passed(inspection)
        self.standardisation.setText("⚑ <b>Not passed the standardisation exercise</b> (they should not mark live "
                                     "cases yet): " + "; ".join(f"<b>{html.escape(r.marker)}</b>, "
                                                                f"{html.escape(r.words())}" for r in flagged))
        self.standardisation.setVisible(bool(flagged))
        # One above the other, as wide as each other: the narrower one's first column takes the difference.
        tables = (self.by_inspector, self.by_area)
        width = max(t.width() for t in tables)
        for table in tables:
            table.setColumnWidth(0, table.columnWidth(0) + width - table.width())
            table.setFixedWidth(width)
        strand = t.fields_by_id.get(t.reporting.strand_field or "")
        by_ref = {c.reference: c for c in inspection.cases()}
        self._rows = []
        for c in cov.cases:
            case = by_ref.get(c.reference)
            value = case.fields.get(strand.id) if case is not None and strand is not None else None
            marking = ("not examinable: " + c.excluded if c.excluded is not None else
                       "complete: " + ", ".join(c.complete_by) if c.complete_by else
                       "in progress: " + ", ".join(c.in_progress_by) if c.in_progress_by else "not started")
            self._rows.append((c.reference, c.area, strand.value_label(value) if value else "",
                               c.inspector or UNALLOCATED, marking))
        self._fill_cases()
        from fileexam.services.sample_accounting import accounting_of
        self._fill_sample(accounting_of(inspection, cases=list(by_ref.values())))

    def _fill_coverage(self, table: QTableWidget, groups: list[GroupCoverage]) -> None:
        table.setRowCount(len(groups))
        for i, g in enumerate(groups):
            for j, value in enumerate([g.group, g.expected, g.complete, g.in_progress, g.missing]):
                item = QTableWidgetItem(str(value))
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(i, j, item)
        table.resizeColumnsToContents()
        width = sum(table.columnWidth(c) for c in range(table.columnCount())) + 2 * table.frameWidth()
        table.setFixedWidth(width + table.verticalScrollBar().sizeHint().width())
        rows = table.verticalHeader().defaultSectionSize() * len(groups)
        table.setMaximumHeight(rows + table.horizontalHeader().sizeHint().height() + 2 * table.frameWidth() + 2)

    def _fill_cases(self) -> None:
        show = self.show_choice.currentData()
        keep = self.current_case()
        rows = [r for r in self._rows if show == "all" or show == "missing" and not r[4].startswith(
                ("complete", "not examinable")) or show == "progress" and r[4].startswith("in progress")]
        t = self.cases
        t.setSortingEnabled(False)
        t.setRowCount(len(rows))
        for i, values in enumerate(rows):
            for j, value in enumerate(values):
                item = QTableWidgetItem(value)
                if j == 0:
                    item.setData(Qt.ItemDataRole.UserRole, value)
                t.setItem(i, j, item)
        t.setSortingEnabled(True)
        header = t.horizontalHeader()
        t.sortItems(max(header.sortIndicatorSection(), 0), header.sortIndicatorOrder())  # as the user sorted it
        t.resizeColumnsToContents()
        if rows:
            at = next((i for i in range(t.rowCount()) if t.item(i, 0).text() == keep), 0)
            t.setCurrentCell(at, 0)

    def _fill_sample(self, acc) -> None:
        """The sample's accounting per stratum; the tab is shown only when the inspection has a design."""
        self.accounting = acc
        self.tabs.tabBar().setVisible(acc is not None)
        if acc is None:
            self.tabs.setCurrentIndex(0)
            self.sample.setRowCount(0)
            return
        total = acc.total()
        reasons = "; ".join(f"{acc.reasons.get(k, k)} {len(v)}" for k, v in total.excluded.items() if v)
        unreachable = [s for s in acc.strata if s.key is not None and s.unreachable]
        self.sample_summary.setText(
            f"Designed <b>{total.designed}</b>, drawn {len(total.drawn)}, examined <b>{len(total.examined)}</b>, "
            f"not examinable {total.excluded_total}" + (f" ({html.escape(reasons)})" if reasons else "")
            + f", replaced by reserves {len(total.replaced)}, missing {len(total.missing)}. "
            + (f"<b>{len(unreachable)}</b> stratum(s) can no longer reach the design (no reserve left, or too few "
               "eligible cases)." if unreachable else "Every stratum can still reach its design: "
               f"{len(acc.short)} still wait for cases to come back."))
        rows = [s for s in acc.strata if s.designed or s.drawn or s.replaced] + [total]
        t = self.sample
        t.setRowCount(len(rows))
        for i, s in enumerate(rows):
            values = [s.label, s.designed, len(s.drawn), len(s.examined), s.excluded_total, len(s.replaced),
                      len(s.missing), s.unreachable]
            for j, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if s.excluded and j == 4:
                    item.setToolTip("; ".join(f"{acc.reasons.get(k, k)}: {', '.join(v)}" for k, v in s.excluded.items()))
                t.setItem(i, j, item)
        t.resizeColumnsToContents()

    def show_sample(self) -> None:
        """The Sample by stratum tab (a test, or a link from elsewhere)."""
        if self.accounting is not None:
            self.tabs.setCurrentIndex(1)

    def current_case(self) -> str | None:
        row = self.cases.currentRow()
        item = self.cases.item(row, 0) if row >= 0 else None
        return item.text() if item is not None else None

    def choose_case(self, reference: str) -> bool:
        """Show every case and select this one (a test, or a link from elsewhere)."""
        self.tabs.setCurrentIndex(0)
        self.show_choice.setCurrentIndex(self.show_choice.findData("all"))
        for i in range(self.cases.rowCount()):
            if self.cases.item(i, 0).text() == reference:
                self.cases.setCurrentCell(i, 0)
                return True
        return False
