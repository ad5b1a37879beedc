"""The case's fields above the scoring form, editable where the template allows; each change saved at once."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QLineEdit, QWidget

from fileexam.domain.cases import Case
from fileexam.domain.template import CaseField, FieldType, InspectionTemplate


class CaseHeader(QWidget):
    fieldEdited = Signal(str, object)  # field id, raw value

    PAIRS_PER_ROW = 3  # label/editor pairs side by side: the header stays short, the form gets the height

    def __init__(self, template: InspectionTemplate, layout: QGridLayout, parent: QWidget | None = None):
        super().__init__(parent)
        self.template = template
        self.editors: dict[str, QWidget] = {}
        self.labels: list[QLabel] = []
        self._loading = False
        for i, f in enumerate(template.case_fields):
            editor = self._editor(f)
            editor.setAccessibleName(f.label)
            editor.setToolTip(f.description or ("Kept on this laptop: never exported" if not f.export else ""))
            label = QLabel(f.label + ("" if f.export else " (not exported)"))
            label.setBuddy(editor)
            row, pair = divmod(i, self.PAIRS_PER_ROW)
            layout.addWidget(label, row, pair * 2)
            layout.addWidget(editor, row, pair * 2 + 1)
            for col in range(self.PAIRS_PER_ROW):
                layout.setColumnStretch(col * 2 + 1, 1)
            self.labels.append(label)
            self.editors[f.id] = editor

    def set_shown(self, shown: bool) -> None:
        for w in list(self.editors.values()) + self.labels:
            w.setVisible(shown)

    def _editor(self, f: CaseField) -> QWidget:
        if f.type is FieldType.CHOICE and f.editable:
            combo = QComboBox()
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(7)
            if not f.required:
                combo.addItem("", None)
            for o in f.values:
                combo.addItem(o.label, o.value)
            combo.activated.connect(lambda _i, fid=f.id, c=combo: self._emit(fid, c.currentData()))
            return combo
        edit = QLineEdit()
        edit.setMinimumWidth(70)
        edit.setReadOnly(not f.editable)
        if f.type is FieldType.CHOICES:
            edit.setPlaceholderText("; ".join(o.label for o in f.values[:3]) + "; …")
        elif f.type is FieldType.DATE:
            edit.setPlaceholderText("YYYY-MM-DD")
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
                editor.setModified(False)
        self._loading = False
