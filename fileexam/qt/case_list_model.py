"""The case list: a table model over the inspection's cases, and a proxy that searches and filters it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor, QFontMetrics

from fileexam.domain.case_status import Status

if TYPE_CHECKING:  # the template model is imported as a file opens, not with the window
    from fileexam.domain.cases import Case
    from fileexam.domain.template import InspectionTemplate


@dataclass
class CaseRow:
    """A case in the list, with its status and the time of its last change."""
    case: Case
    status: Status
    last_change: str


def widest_text(metrics: QFontMetrics, texts: set[str], exact: int = 48) -> int:
    """The advance of the widest of `texts`. Up to `exact` texts are each measured; beyond that (a column of
    1,200 references or times: measuring each is ~10 ms of a file's opening) each is estimated from its
    characters' advances (each measured eight in a row, for its fraction of a pixel), the `exact` widest by
    that estimate are measured, and the answer is the larger of their measure and the others' estimate
    rounded up: never narrower than a text (kerning only tightens letters and digits), a pixel or two wider."""
    if len(texts) <= exact:
        return max((metrics.horizontalAdvance(t) for t in texts), default=0)
    advance = {ch: metrics.horizontalAdvance(ch * 8) / 8 for ch in set().union(*texts)}
    get = advance.__getitem__
    ranked = sorted(texts, key=lambda t: sum(map(get, t)), reverse=True)
    rest = math.ceil(sum(map(get, ranked[exact]))) + 1 if len(ranked) > exact else 0
    return max(rest, max(metrics.horizontalAdvance(t) for t in ranked[:exact]))


class CaseListModel(QAbstractTableModel):
    COLUMNS = ("Reference", "Status", "Area", "Strand", "Flags", "Last change")  # status first: what an inspector scans for
    STATUS, AREA, STRAND = 1, 2, 3
    NEEDED = 4  # the reference, status, Area and strand are in view without sideways scrolling; the rest may not be
    ReferenceRole = Qt.ItemDataRole.UserRole + 1
    StatusRole = Qt.ItemDataRole.UserRole + 2
    InspectorRole = Qt.ItemDataRole.UserRole + 3
    FieldRole = Qt.ItemDataRole.UserRole + 4  # with a field id: the stored value
    SortRole = Qt.ItemDataRole.UserRole + 5
    # The status as a mark a row is scanned for (its word in the tooltip, to a screen reader and in the
    # status filter); dark enough to read at AA contrast on a light list.
    MARKS = {Status.COMPLETE: ("✓", QColor("#1d6b31")), Status.IN_PROGRESS: ("◐", QColor("#8a4b00")),
             Status.NOT_STARTED: ("○", QColor("#4a4a4a"))}
    RANK = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: 1, Status.COMPLETE: 2}
    NOT_EXAMINABLE = "not examinable"           # a case marked not examinable (issue 18): its own mark
    EXCLUDED_MARK = ("⊘", QColor("#6b1d1d"))

    _ROLES = frozenset(int(r) for r in (
        Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.AccessibleTextRole,
        SortRole, ReferenceRole, StatusRole, InspectorRole, FieldRole))  # the roles data() answers

    def __init__(self, template: InspectionTemplate, parent=None):
        super().__init__(parent)
        self.template = template
        self.rows: list[CaseRow] = []
        self._index: dict[str, int] = {}
        self.excluded: dict[str, str] = {}       # case -> the reason's label: not examinable

    def set_cases(self, cases: list[Case], statuses: dict, last_changes: dict[str, str]) -> None:
        from fileexam.domain.progress import case_status
        self.beginResetModel()
        self.rows = [CaseRow(c, case_status(c, statuses), last_changes.get(c.reference, "")) for c in cases]
        self._index = {r.case.reference: i for i, r in enumerate(self.rows)}
        self.endResetModel()

    def update_case(self, reference: str, status: Status, last_change: str) -> None:
        i = self._index.get(reference)
        if i is None:
            return
        self.rows[i].status, self.rows[i].last_change = status, last_change
        self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.COLUMNS) - 1))

    def row_of(self, reference: str) -> int | None:
        return self._index.get(reference)

    def column_widths(self, metrics: QFontMetrics, header: QFontMetrics, pad: int) -> list[int]:
        """Each column as wide as its widest text (and its heading, with room for the sort mark): measured
        with font metrics, which a 1,200-case list does in milliseconds (not by laying out every cell)."""
        widths = []
        text = self.text
        rep = self.template.reporting
        by_field = {self.AREA: rep.area_field, self.STRAND: rep.strand_field, 4: "flags"}
        for col in range(len(self.COLUMNS)):
            if col == 0:
                texts = {r.case.reference for r in self.rows}
            elif col == self.STATUS:  # a mark per status, or the excluded one: a handful of texts
                texts = {m[0] for m in self.MARKS.values()} | ({self.EXCLUDED_MARK[0]} if self.excluded else set())
            elif col == 5:  # as text() shows it, from each distinct stored time
                texts = {t[:16].replace("T", " ") for t in {r.last_change for r in self.rows}}
            elif col in by_field and by_field[col] in self.template.fields_by_id:
                # one row per distinct stored value (few: Areas, strands): the same texts, measured once each
                field_id, seen = by_field[col], {}
                for r in self.rows:
                    seen.setdefault(repr(r.case.fields.get(field_id)), r)
                texts = {text(r, col) for r in seen.values()}
            else:
                texts = {text(r, col) for r in self.rows}
            widest = widest_text(metrics, texts)
            heading = header.horizontalAdvance(str(self.headerData(col, Qt.Orientation.Horizontal))) + 14
            widths.append(max(widest, heading) + pad)
        return widths

    # ---- Qt model API ---------------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.COLUMNS):
            if section == 0:
                return self.template.reference_label
            return self.COLUMNS[section]
        return None

    def _field_text(self, case: Case, field_id: str | None) -> str:
        if not field_id:
            return ""
        f = self.template.fields_by_id.get(field_id)
        value = case.fields.get(field_id)
        if f is None or value is None:
            return ""
        if isinstance(value, list):
            return ", ".join(f.value_label(v) for v in value)
        return f.value_label(value)

    def text(self, row: CaseRow, col: int) -> str:
        c, rep = row.case, self.template.reporting
        if col == 0:
            return c.reference
        if col == self.STATUS:
            return self.EXCLUDED_MARK[0] if c.reference in self.excluded else self.MARKS[row.status][0]
        if col == self.AREA:
            return self._field_text(c, rep.area_field)
        if col == self.STRAND:
            return self._field_text(c, rep.strand_field)
        if col == 4:
            return self._field_text(c, "flags" if "flags" in self.template.fields_by_id else None)
        if col == 5:
            return row.last_change[:16].replace("T", " ")
        return ""

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role not in self._ROLES or not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None  # the view asks each cell for roles this model never gives (font, colour, size...)
        row = self.rows[index.row()]
        c = row.case
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(row, col)
        excluded = self.excluded.get(c.reference)
        if role == Qt.ItemDataRole.ToolTipRole:
            if col == self.STATUS:
                return f"{self.NOT_EXAMINABLE}: {excluded}" if excluded else row.status.value
            return self.text(row, col)
        if role == Qt.ItemDataRole.ForegroundRole and col == self.STATUS:
            return self.EXCLUDED_MARK[1] if excluded else self.MARKS[row.status][1]
        if role == Qt.ItemDataRole.TextAlignmentRole and col == self.STATUS:
            return Qt.AlignmentFlag.AlignCenter
        if role == self.SortRole:
            return self.RANK[row.status] if col == self.STATUS else self.text(row, col).casefold()
        if role == self.ReferenceRole:
            return c.reference
        if role == self.StatusRole:
            return self.NOT_EXAMINABLE if excluded else row.status.value
        if role == self.InspectorRole:
            return c.inspector or ""
        if role == Qt.ItemDataRole.AccessibleTextRole:
            said = f"{self.NOT_EXAMINABLE}: {excluded}" if excluded else row.status.value
            return f"{c.reference}, {said}" if col != self.STATUS else said
        return None


class CaseFilterProxy(QSortFilterProxyModel):
    """Search text over every shown column; exact filters on Area, strand, status and allocation."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.search = ""
        self.area = ""
        self.strand = ""
        self.status = ""
        self.inspector = ""  # empty: every case
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.setSortRole(CaseListModel.SortRole)

    def set_filters(self, **values) -> None:
        self.beginFilterChange()
        for key, value in values.items():
            setattr(self, key, value or "")
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row, source_parent) -> bool:
        model: CaseListModel = self.sourceModel()
        idx = lambda col: model.index(source_row, col, source_parent)  # noqa: E731
        # The allocation straight from the row (the data() it would give): run for every case as a file opens
        if self.inspector and (model.rows[source_row].case.inspector or "") != self.inspector:
            return False
        if self.area and model.data(idx(CaseListModel.AREA)) != self.area:
            return False
        if self.strand and model.data(idx(CaseListModel.STRAND)) != self.strand:
            return False
        if self.status and model.data(idx(0), CaseListModel.StatusRole) != self.status:
            return False
        if self.search:
            needle = self.search.casefold()
            texts = [model.data(idx(col)) for col in range(model.columnCount())]
            texts.append(model.data(idx(0), CaseListModel.StatusRole))  # the status's word, not its mark
            return any(needle in str(t or "").casefold() for t in texts)
        return True
