"""One question on the scoring form: its id, text, answer choices, comment, and why it does not apply."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QFrame, QHBoxLayout, QLabel, QLineEdit, QSizePolicy,
                               QToolButton, QVBoxLayout, QWidget)

from fileexam.domain.answers import decode_choices
from fileexam.domain.questions import AnswerType, Question
from fileexam.qt.flow_layout import FlowLayout


class QuestionWidget(QFrame):
    """Keyboard first: the scale's keys (or 1..9, 0 for not applicable) answer; Up/Down move; Enter comments."""

    answered = Signal(str, object, bool)  # question id, value (None clears), by keyboard
    commentEdited = Signal(str, str)
    focused = Signal(str)
    moveRequested = Signal(str, int)  # question id, +1 / -1

    def __init__(self, question: Question, parent: QWidget | None = None):
        super().__init__(parent)
        self.question = question
        self.setObjectName(f"question_{question.id}")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setProperty("current", False)
        self.setAccessibleName(f"Question {question.id}: {question.text}")
        self.setAccessibleDescription("Press an answer's key to answer; Up and Down move; Enter adds a comment")

        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 6, 8, 6)
        outer.setSpacing(4)
        top = QHBoxLayout()
        self.id_label = QLabel(f"<b>{question.id}</b>")
        self.id_label.setMinimumWidth(44)
        self.text_label = QLabel(question.text + ("" if question.required else "  <i>(optional)</i>"))
        self.text_label.setWordWrap(True)
        self.text_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        top.addWidget(self.id_label, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.text_label, 1)
        outer.addLayout(top)

        self.answer_row = FlowLayout()  # the choices wrap when the form is narrow: no sideways scrolling
        self.answer_row.setContentsMargins(44, 0, 0, 0)
        self.buttons: dict[str, QToolButton] = {}
        self.checks: dict[str, QCheckBox] = {}
        self.editor: QLineEdit | None = None
        self._build_answer()
        outer.addLayout(self.answer_row)

        self.reason_label = QLabel()
        self.reason_label.setContentsMargins(44, 0, 0, 0)
        self.reason_label.setWordWrap(True)
        self.reason_label.setVisible(False)
        outer.addWidget(self.reason_label)

        self.comment_edit = QLineEdit()
        self.comment_edit.setPlaceholderText("Comment — Enter saves, Esc returns to the question")
        self.comment_edit.setAccessibleName(f"Comment on {question.id}")
        self.comment_edit.setContentsMargins(44, 0, 0, 0)
        self.comment_edit.setVisible(False)
        self.comment_edit.returnPressed.connect(self._comment_done)
        self.comment_edit.editingFinished.connect(self._comment_saved)
        self.comment_edit.installEventFilter(self)
        outer.addWidget(self.comment_edit)
        self._comment = ""
        self._value: str | None = None

    # ---- building -------------------------------------------------------------
    def _build_answer(self) -> None:
        spec = self.question.answer
        if spec.type is AnswerType.SCALE:
            self.group = QButtonGroup(self)
            self.group.setExclusive(False)  # a click on the chosen option clears it
            for i, option in enumerate(spec.scale.options, start=1):
                b = QToolButton()
                key = option.key or str(i)
                b.setText(f"{option.label}  [{key}]")
                b.setCheckable(True)
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus stays on the question: keys keep working
                b.setAccessibleName(f"{option.label}, key {key}")
                b.clicked.connect(lambda checked, v=option.value: self._clicked(v, checked))
                self.group.addButton(b)
                self.buttons[option.value] = b
                self.answer_row.addWidget(b)
        elif spec.type is AnswerType.CHOICES:
            for option in spec.options:
                c = QCheckBox(f"{option.label}  [{len(self.checks) + 1}]")
                c.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                c.setAccessibleName(option.label)
                c.clicked.connect(self._choices_changed)
                self.checks[option.value] = c
                self.answer_row.addWidget(c)
        else:
            self.editor = QLineEdit()
            hint = {AnswerType.NUMBER: "a number", AnswerType.DATE: "a date, e.g. 2026-05-01",
                    AnswerType.TEXT: "text"}[spec.type]
            if spec.type is AnswerType.NUMBER and (spec.minimum is not None or spec.maximum is not None):
                hint += f" from {spec.minimum:g} to {spec.maximum:g}" if spec.minimum is not None and spec.maximum is not None else ""
            self.editor.setPlaceholderText(f"Type {hint}, then Enter")
            self.editor.setAccessibleName(f"Answer to {self.question.id}")
            self.editor.setMaximumWidth(320)
            self.editor.returnPressed.connect(self._editor_done)
            self.editor.installEventFilter(self)
            self.answer_row.addWidget(self.editor)

    # ---- state ----------------------------------------------------------------
    def set_state(self, value: str | None, comment: str, reason: str | None) -> None:
        """Show the saved answer and comment; grey the question with the reason when it does not apply."""
        self._value, self._comment = value, comment
        spec = self.question.answer
        if spec.type is AnswerType.SCALE:
            for v, b in self.buttons.items():
                b.setChecked(v == value)
        elif spec.type is AnswerType.CHOICES:
            chosen = set(decode_choices(value)) if value else set()
            for v, c in self.checks.items():
                c.setChecked(v in chosen)
        elif self.editor is not None:
            self.editor.setText(value or "")
        if not self.comment_edit.hasFocus():
            self.comment_edit.setText(comment)
        self.comment_edit.setVisible(bool(comment) or self.comment_edit.hasFocus())
        applies = reason is None
        self.setEnabled(applies)
        self.reason_label.setVisible(not applies)
        self.reason_label.setText(f"<i>{reason}</i>" if reason else "")
        answered = "answered " + (self._value_label(value) if value else "") if value else "not answered"
        self.setAccessibleDescription(f"{answered}. " + (reason or "Press an answer's key to answer"))

    def _value_label(self, value: str) -> str:
        option = self.question.answer.option(value)
        return option.label if option else value

    def set_current(self, current: bool) -> None:
        if self.property("current") != current:
            self.setProperty("current", current)
            self.style().unpolish(self)
            self.style().polish(self)

    # ---- input ----------------------------------------------------------------
    def _clicked(self, value: str, checked: bool) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.answered.emit(self.question.id, value if checked else None, False)

    def _choices_changed(self) -> None:
        chosen = [v for v, c in self.checks.items() if c.isChecked()]
        self.answered.emit(self.question.id, json.dumps(chosen) if chosen else None, False)

    def _editor_done(self) -> None:
        text = self.editor.text().strip()
        self.answered.emit(self.question.id, text or None, False)
        if self._value == (text or None):  # saved: on to the next question, once the edit is done with Return
            QTimer.singleShot(0, lambda: self.moveRequested.emit(self.question.id, 1))

    def open_comment(self) -> None:
        if not self.question.comment and not self._comment:
            return
        self.comment_edit.setVisible(True)
        self.comment_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _comment_done(self) -> None:
        self._comment_saved()
        # After the line edit has finished with its Return key, not during it (it would take focus back).
        QTimer.singleShot(0, lambda: self.setFocus(Qt.FocusReason.ShortcutFocusReason))

    def _comment_saved(self) -> None:
        text = self.comment_edit.text()
        if text != self._comment:
            self._comment = text
            self.commentEdited.emit(self.question.id, text)
        if not text and not self.comment_edit.hasFocus():
            self.comment_edit.setVisible(False)

    def key_value(self, text: str) -> str | None:
        """The option a key press chooses: its own key, or its position (1..9; 0 = not counted)."""
        spec = self.question.answer
        if spec.type is not AnswerType.SCALE or not text:
            return None
        option = spec.scale.option_for_key(text)
        if option is not None:
            return option.value
        if text.isdigit():
            n = int(text)
            options = spec.scale.options
            if n == 0:
                uncounted = [o for o in options if o.points is None]
                return uncounted[-1].value if uncounted else None
            if n <= len(options):
                return options[n - 1].value
        return None

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods == Qt.KeyboardModifier.NoModifier:
            value = self.key_value(event.text())
            if value is not None:
                self.answered.emit(self.question.id, value, True)
                return
            if self.checks and event.text().isdigit() and 1 <= int(event.text()) <= len(self.checks):
                box = list(self.checks.values())[int(event.text()) - 1]  # digits tick several choices
                box.setChecked(not box.isChecked())
                self._choices_changed()
                return
            if key in (Qt.Key.Key_Down,):
                self.moveRequested.emit(self.question.id, 1)
                return
            if key in (Qt.Key.Key_Up,):
                self.moveRequested.emit(self.question.id, -1)
                return
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self.editor is not None:
                    self.editor.setFocus(Qt.FocusReason.ShortcutFocusReason)
                else:
                    self.open_comment()
                return
            if key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and self._value is not None:
                self.answered.emit(self.question.id, None, False)
                return
        super().keyPressEvent(event)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == event.Type.KeyPress and event.key() == Qt.Key.Key_Escape:
            if obj is self.comment_edit:
                self.comment_edit.setText(self._comment)
            self.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        if event.type() == event.Type.FocusIn:
            self.focused.emit(self.question.id)
        return super().eventFilter(obj, event)

    def focusInEvent(self, event) -> None:
        super().focusInEvent(event)
        self.focused.emit(self.question.id)
