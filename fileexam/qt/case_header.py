"""The case's fields above the scoring form, editable where the template allows; each change saved at once.

Each field is its label over its editor, in as many columns as the width allows: every label and every
choice is read whole (a choice box is as wide as its longest value), on a laptop screen or a wide one."""

from __future__ import annotations

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QSizePolicy, QWidget

from fileexam.domain.cases import Case
from fileexam.domain.template import CaseField, FieldType, InspectionTemplate


class CaseHeader(QWidget):
    fieldEdited = Signal(str, object)  # field id, raw value

    SPACING = 10

    def __init__(self, template: InspectionTemplate, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("caseFields")
        self.template = template
        self.editors: dict[str, QWidget] = {}
        self.labels: list[QLabel] = []
        self._loading = False
        self._columns = 0
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(self.SPACING)
        self.grid.setVerticalSpacing(1)
        for f in template.case_fields:
            editor = self._editor(f)
            editor.setAccessibleName(f.label)
            editor.setToolTip(f.description or ("Kept on this laptop: never exported" if not f.export else ""))
            label = QLabel(f.label + ("" if f.export else " (not exported)"))
            label.setBuddy(editor)
            self.labels.append(label)
            self.editors[f.id] = editor
        # As narrow as its widest field; as many columns as its width allows (resizeEvent).
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self._reflow(min(4, len(self.labels)) or 1)

    def _cells(self) -> list[int]:
        def need(w: QWidget) -> int:
            return max(w.sizeHint().width(), w.minimumSizeHint().width(), w.minimumWidth())
        return [max(need(lab), need(e)) for lab, e in zip(self.labels, self.editors.values())]

    def widths(self, columns: int) -> list[int]:
        """Each column's width with the fields laid out in `columns` columns: its widest label or editor."""
        cells = self._cells()
        return [max(cells[i::columns], default=0) for i in range(columns)]

    def columns_for(self, width: int) -> int:
        """As many columns as fit the width (at least one)."""
        for columns in range(len(self.labels), 1, -1):
            if sum(self.widths(columns)) + self.SPACING * (columns - 1) <= width:
                return columns
        return 1

    def _reflow(self, columns: int) -> None:
        if columns == self._columns:
            return
        self._columns = columns
        for w in self.labels + list(self.editors.values()):
            self.grid.removeWidget(w)
        for i, (label, editor) in enumerate(zip(self.labels, self.editors.values())):
            row, col = divmod(i, columns)
            self.grid.addWidget(label, 2 * row, col)
            self.grid.addWidget(editor, 2 * row + 1, col)
        widths = self.widths(columns)
        for col in range(len(self.labels)):
            self.grid.setColumnStretch(col, widths[col] if col < columns else 0)
            self.grid.setColumnMinimumWidth(col, widths[col] if col < columns else 0)
        self.updateGeometry()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._reflow(self.columns_for(event.size().width()))

    def minimumSizeHint(self) -> QSize:
        rows = -(-len(self.labels) // max(self._columns, 1))
        per_row = (max([lab.sizeHint().height() for lab in self.labels] or [0])
                   + max([e.sizeHint().height() for e in self.editors.values()] or [0]) + 2)
        return QSize(max(self._cells() or [0]), rows * per_row)

    def sizeHint(self) -> QSize:
        widths = self.widths(self._columns)
        return QSize(sum(widths) + self.SPACING * (len(widths) - 1), self.minimumSizeHint().height())

    def set_shown(self, shown: bool) -> None:
        self.setVisible(shown)

    def _editor(self, f: CaseField) -> QWidget:
        if f.type is FieldType.CHOICE and f.editable:
            combo = QComboBox()
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            if not f.required:
                combo.addItem("", None)
            for o in f.values:
                combo.addItem(o.label, o.value)
            combo.activated.connect(lambda _i, fid=f.id, c=combo: self._emit(fid, c.currentData()))
            return combo
        edit = QLineEdit()
        edit.setMinimumWidth(90)
        edit.setReadOnly(not f.editable)
        if f.type is FieldType.CHOICES:
            edit.setPlaceholderText("; ".join(o.label for o in f.values[:2]) + "; …")
            edit.setToolTip((f.description + "\n" if f.description else "") + "Several, separated by “;”: "
                            + "; ".join(o.label for o in f.values))
        elif f.type is FieldType.DATE:
            edit.setPlaceholderText("YYYY-MM-DD")
        if edit.placeholderText():
            edit.setMinimumWidth(edit.fontMetrics().horizontalAdvance(edit.placeholderText()) + 16)
        edit.editingFinished.connect(lambda fid=f.id, e=edit: self._emit(fid, e.text()) if e.isModified() else None)
        return edit

    def _emit(self, field_id: str, value) -> None:
        if not self._loading:
            self.fieldEdited.emit(field_id, value)

    def load(self, case: Case) -> None:
        self._loading = True
        for f in self.template.case_fields:
            editor = self.editors[f.id]
            value = case.fields.get(f.id)
            if isinstance(editor, QComboBox):
                editor.setCurrentIndex(max(0, editor.findData(value)) if value is not None else 0)
            else:
                if isinstance(value, list):
                    text = "; ".join(f.value_label(v) for v in value)
                else:
                    text = f.value_label(value) if value is not None else ""
                editor.setText(text)
                editor.setCursorPosition(0)
                editor.setModified(False)
        self._loading = False
