"""One question on the scoring form: its id, text, answer choices, comment, and why it does not apply."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import (QCheckBox, QFrame, QGridLayout, QLabel, QLineEdit,
                               QToolButton, QVBoxLayout, QWidget)

from fileexam.domain.answers import decode_choices
from fileexam.domain.questions import AnswerType, Question
from fileexam.qt.contrast import ground_for

_CHOSEN: dict[int, QPalette] = {}  # palette's cache key -> the chosen answer's palette

# The keys a question handles itself (keyPressEvent below), for the shortcuts help.
FORM_KEYS = [
    ("F P N A, Y N A…", "answer the focused question with that option (its key is on its button) and move on"),
    ("1 … 9, 0", "the first … ninth option; 0 = not applicable; in a tick-list, tick or untick that choice"),
    ("Up / Down, Tab", "previous / next question that applies"),
    ("Enter", "comment on the focused question (Enter saves, Esc returns); for a number or date, type the answer"),
    ("Delete", "clear the focused answer"),
]


class QuestionWidget(QFrame):
    """Keyboard first: the scale's keys (or 1..9, 0 for not applicable) answer; Up/Down move; Enter comments."""

    INDENT = 40  # the choices sit under the question's text, past its id
    MARGIN = 8

    answered = Signal(str, object, bool)  # question id, value (None clears), by keyboard
    commentEdited = Signal(str, str)
    focused = Signal(str)
    moveRequested = Signal(str, int)  # question id, +1 / -1
    lockedKeyPressed = Signal(str)  # an answer's key pressed while the case is complete (locked)

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
        outer.setContentsMargins(self.MARGIN, 6, self.MARGIN, 6)
        outer.setSpacing(4)
        # One label for id and text: a word-wrapped label beside another mis-sizes its row in Qt.
        optional = "" if question.required else "  <i>(optional)</i>"
        self.text_label = QLabel(f"<b>{question.id}</b>&nbsp;&nbsp; {html.escape(question.text)}{optional}")
        self.text_label.setWordWrap(True)  # (a later setSizePolicy would drop its height-for-width)
        self.text_label.setMinimumWidth(120)  # narrows with the form and wraps (else: a whole line of rich text)
        outer.addWidget(self.text_label)

        # Choices in a grid: up to three on a line, four or more in two columns, fewer when the form is
        # narrow (resizeEvent), so that no screen needs sideways scrolling and every choice reads whole.
        self.answer_row = QGridLayout()
        self.answer_row.setContentsMargins(self.INDENT, 0, 0, 0)
        self._per_row = 0
        self.answer_row.setHorizontalSpacing(6)
        self.answer_row.setVerticalSpacing(4)
        self.buttons: dict[str, QToolButton] = {}
        self.checks: dict[str, QCheckBox] = {}
        self.editor: QLineEdit | None = None
        self._build_answer()
        self._place_choices()
        outer.addLayout(self.answer_row)

        self.reason_label = QLabel()
        self.reason_label.setContentsMargins(40, 0, 0, 0)
        self.reason_label.setWordWrap(True)
        self.reason_label.setMinimumWidth(120)
        self.reason_label.setVisible(False)
        outer.addWidget(self.reason_label)

        self._outer = outer
        self._comment_edit: QLineEdit | None = None  # made when first needed: most questions never have one
        self._comment = ""
        self._value: str | None = None
        self.locked = False  # the case is complete: answers shown, not changed, until it is reopened

    @property
    def comment_edit(self) -> QLineEdit:
        if self._comment_edit is None:
            edit = QLineEdit()
            edit.setPlaceholderText("Comment — Enter saves, Esc returns to the question")
            edit.setAccessibleName(f"Comment on {self.question.id}")
            edit.setTextMargins(40, 0, 0, 0)
            edit.setVisible(False)
            edit.setReadOnly(self.locked)
            edit.returnPressed.connect(self._comment_done)
            edit.editingFinished.connect(self._comment_saved)
            edit.installEventFilter(self)
            self._outer.addWidget(edit)
            self._comment_edit = edit
        return self._comment_edit

    def comment_pending(self) -> bool:
        """A comment typed but not yet saved (e.g. the window is closing)."""
        e = self._comment_edit
        return e is not None and e.isVisible() and e.text() != self._comment

    # ---- building -------------------------------------------------------------
    @property
    def _chosen_palette(self) -> QPalette:
        """The chosen answer's button: the highlight, deepened where needed so that its words read at AA
        contrast on it; disabled too, so that a locked (complete) case still shows which answer was given.
        Worked out once per palette: switching cases repaints dozens of buttons."""
        base = self.palette()
        found = _CHOSEN.get(base.cacheKey())
        if found is None:
            found = QPalette(base)
            text = base.color(QPalette.ColorGroup.Active, QPalette.ColorRole.HighlightedText)
            for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
                ground = base.color(group, QPalette.ColorRole.Highlight)
                found.setColor(group, QPalette.ColorRole.Button, ground_for(text, ground))
                found.setColor(group, QPalette.ColorRole.ButtonText, text)
            _CHOSEN[base.cacheKey()] = found
        return found

    def _choices(self) -> list[QWidget]:
        return list(self.buttons.values()) or list(self.checks.values()) or [self.editor]

    def _per_row_for(self, width: int | None) -> int:
        """Choices on a line: up to three, four or more in two columns; fewer if the width is short of it."""
        widgets = self._choices()
        most = len(widgets) if len(widgets) <= 3 else 2
        if width is None:
            return most
        room = width - 2 * self.MARGIN - self.INDENT - 4
        for n in range(most, 1, -1):
            columns = [max(w.sizeHint().width() for w in widgets[c::n]) for c in range(n)]
            if sum(columns) + self.answer_row.horizontalSpacing() * (n - 1) <= room:
                return n
        return 1

    def _place_choices(self, width: int | None = None) -> None:
        per_row = self._per_row_for(width)
        if per_row == self._per_row:
            return
        widgets = self._choices()
        for w in widgets:
            self.answer_row.removeWidget(w)
        for i, w in enumerate(widgets):
            self.answer_row.addWidget(w, i // per_row, i % per_row)
        for column in range(4):
            self.answer_row.setColumnStretch(column, 1 if column == per_row else 0)
        self._per_row = per_row

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.size().width() != event.oldSize().width():
            self._place_choices(event.size().width())

    def minimumSizeHint(self) -> QSize:
        """As narrow as one choice a line: the form narrows with the window, the choices fold under."""
        widest = max(max(w.sizeHint().width(), w.minimumWidth()) for w in self._choices())
        return QSize(2 * self.MARGIN + max(self.INDENT + widest, 120), super().minimumSizeHint().height())

    def _build_answer(self) -> None:
        spec = self.question.answer
        if spec.type is AnswerType.SCALE:
            # No QButtonGroup: the buttons are not exclusive (a click on the chosen option clears it)
            # and set_state keeps them in step with the saved answer.
            for i, option in enumerate(spec.scale.options, start=1):
                b = QToolButton()
                key = option.key or str(i)
                b.setText(f"{option.label}  [{key}]")
                b.setCheckable(True)
                b.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # focus stays on the question: keys keep working
                b.setAccessibleName(f"{option.label}, key {key}")
                b.clicked.connect(lambda checked, v=option.value: self._clicked(v, checked))
                self.buttons[option.value] = b
        elif spec.type is AnswerType.CHOICES:
            for option in spec.options:
                c = QCheckBox(f"{option.label}  [{len(self.checks) + 1}]")
                c.setFocusPolicy(Qt.FocusPolicy.NoFocus)
                c.setAccessibleName(option.label)
                c.clicked.connect(self._choices_changed)
                self.checks[option.value] = c
        else:
            self.editor = QLineEdit()
            hint = {AnswerType.NUMBER: "a number", AnswerType.DATE: "a date, e.g. 2026-05-01",
                    AnswerType.TEXT: "text"}[spec.type]
            if spec.type is AnswerType.NUMBER and (spec.minimum is not None or spec.maximum is not None):
                hint += f" from {spec.minimum:g} to {spec.maximum:g}" if spec.minimum is not None and spec.maximum is not None else ""
            self.editor.setPlaceholderText(f"Type {hint}, then Enter")
            self.editor.setAccessibleName(f"Answer to {self.question.id}")
            # As wide as its hint (with the frame and margins), so that the hint is read whole.
            wide = self.editor.fontMetrics().horizontalAdvance(self.editor.placeholderText()) + 16
            self.editor.setMinimumWidth(wide)
            self.editor.setMaximumWidth(max(320, wide))
            self.editor.returnPressed.connect(self._editor_done)
            self.editor.installEventFilter(self)

    # ---- state ----------------------------------------------------------------
    def set_state(self, value: str | None, comment: str, reason: str | None) -> None:
        """Show the saved answer and comment; grey the question with the reason when it does not apply.

        Only what changed is touched: switching cases repaints dozens of questions.
        """
        self._value, self._comment = value, comment
        spec = self.question.answer
        if spec.type is AnswerType.SCALE:
            for v, b in self.buttons.items():
                if b.isChecked() != (v == value):
                    b.setChecked(v == value)
                    # The chosen answer in the highlight colour: a palette change repaints one button,
                    # where a bold font would re-lay out the whole form.
                    b.setPalette(self._chosen_palette if v == value else self.palette())
        elif spec.type is AnswerType.CHOICES:
            chosen = set(decode_choices(value)) if value else set()
            for v, c in self.checks.items():
                if c.isChecked() != (v in chosen):
                    c.setChecked(v in chosen)
        elif self.editor is not None and self.editor.text() != (value or ""):
            self.editor.setText(value or "")
        if comment or self._comment_edit is not None:
            edit = self.comment_edit
            editing = edit.hasFocus()
            if not editing and edit.text() != comment:
                edit.setText(comment)
            show_comment = bool(comment) or editing
            if edit.isVisibleTo(self) != show_comment:
                edit.setVisible(show_comment)
        applies = reason is None
        if self.isEnabled() != applies:
            self.setEnabled(applies)
        if self.reason_label.isVisibleTo(self) != (not applies):
            self.reason_label.setVisible(not applies)
        reason_text = f"<i>{reason}</i>" if reason else ""
        if self.reason_label.text() != reason_text:
            self.reason_label.setText(reason_text)
        answered = "answered " + self._value_label(value) if value else "not answered"
        self.setAccessibleDescription(f"{answered}. " + (reason or "Press an answer's key to answer"))

    def set_locked(self, locked: bool) -> None:
        """A complete case: the answer controls are disabled (the chosen answer still shows) and an answer's
        key says why instead of answering. Moving between questions and reading the guidance go on."""
        if self.locked == locked:
            return
        self.locked = locked
        for w in [*self.buttons.values(), *self.checks.values(), *([self.editor] if self.editor else [])]:
            w.setEnabled(not locked)
        if self._comment_edit is not None:
            self._comment_edit.setReadOnly(locked)

    def _value_label(self, value: str) -> str:
        option = self.question.answer.option(value)
        return option.label if option else value

    def set_current(self, current: bool) -> None:
        if self.property("current") != current:
            self.setProperty("current", current)
            self.update()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.property("current"):  # the focused question: a highlight frame, drawn rather than styled
            painter = QPainter(self)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            pen = QPen(self.palette().color(QPalette.ColorRole.Highlight), 2)
            painter.setPen(pen)
            painter.drawRoundedRect(self.rect().adjusted(1, 1, -1, -1), 4, 4)
            painter.end()

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
        if not self.question.comment and not self._comment or self.locked:
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

    def _would_change(self, event: QKeyEvent) -> bool:
        """The key would answer, tick, clear or type an answer, or comment."""
        text = event.text()
        return (self.key_value(text) is not None or bool(self.checks and text.isdigit())
                or event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Delete, Qt.Key.Key_Backspace))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        if mods == Qt.KeyboardModifier.NoModifier and self.locked and self._would_change(event):
            self.lockedKeyPressed.emit(self.question.id)
            return
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
