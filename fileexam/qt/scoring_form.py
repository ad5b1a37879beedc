"""The scoring form: every question of the template, built once, showing one case's answers at a time.

Sections are built as they are reached (issue 15): the question a case opens at and the few after it
first, the rest one section per turn of the event loop after that (and at once whenever something asks
for one of their questions), so that the first case is usable without waiting for all 80 questions'
widgets."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QCoreApplication, QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from shiboken6 import isValid
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QScrollArea, QVBoxLayout, QWidget

from fileexam.domain.template import InspectionTemplate
from fileexam.qt.contrast import readable, readable_disabled
from fileexam.qt.question_widget import QuestionWidget
from fileexam.services.scoring_session import ScoringSession, condition_text


# A wrapped label's own minimum width can be a whole line of rich text; set lower, the form narrows to the
# width it is given and its labels wrap (the scroll area has no sideways scroll bar).
NARROW = 120


class ScoringForm(QWidget):
    """Sections in order with their questions; the section list beside it shows each section's progress."""

    answered = Signal(str, object, bool)  # question, value, by keyboard
    commentEdited = Signal(str, str)
    questionFocused = Signal(str)
    lockedKeyPressed = Signal(str)  # an answer's key in a complete (locked) case
    endReached = Signal(str)  # Down (or an answer) on the last question that applies: there is no next one
    AHEAD = 4  # questions built after the one asked for, at first: about what a laptop's screen shows

    def __init__(self, template: InspectionTemplate, scroll: QScrollArea, section_list: QListWidget,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.template = template
        self.scroll = scroll
        self.section_list = section_list
        self.session: ScoringSession | None = None
        self.current: str | None = None
        self.widgets = _Widgets(self)  # question id -> its widget, built with its section when first asked for
        self._built: dict[str, QuestionWidget] = {}
        self._section_of: dict[str, tuple[str, str]] = {}
        self.section_labels: dict[tuple[str, str], QLabel] = {}
        self.section_first: list[tuple[str, str]] = []  # (set id, section id) in order
        self.locked = False
        # Questions that do not apply are greyed, and still read at AA contrast (4.5:1) or better.
        self.setPalette(readable_disabled(self.palette()))

        # No style sheet: it would cost more than the widgets themselves to build (see benchmarks).
        self._section_font = QFont(self.font())
        self._section_font.setBold(True)
        self._section_font.setPointSizeF(self.font().pointSizeF() * 1.2)
        layout = QVBoxLayout(self)
        layout.setSpacing(4)
        for qs in template.question_sets:
            theme = QLabel(f"<h2>{qs.title}</h2>")
            theme.setAccessibleName(f"Theme: {qs.title}")
            theme.setWordWrap(True)
            theme.setMinimumWidth(NARROW)
            layout.addWidget(theme)
            for section in qs.sections:
                label = QLabel(section.title)
                label.setFont(self._section_font)
                label.setContentsMargins(0, 10, 0, 0)
                label.setWordWrap(True)
                label.setMinimumWidth(NARROW)
                layout.addWidget(label)
                self.section_labels[(qs.id, section.id)] = label
                self.section_first.append((qs.id, section.id))
                for q in section.questions:  # their widgets go after the label when the section is built
                    self._section_of[q.id] = (qs.id, section.id)
        layout.addStretch(1)
        self._min_question_width = self._widest_question(template)
        self.section_shown: dict[tuple[str, str], bool] = {}
        self.section_items: dict[tuple[str, str], QListWidgetItem] = {}
        palette = section_list.palette()
        self._text = palette.color(palette.ColorGroup.Active, palette.ColorRole.Text)
        # A section that does not apply: greyed, and still readable (AA) on the list's background.
        self._grey = readable(self._text, palette.color(palette.ColorGroup.Active, palette.ColorRole.Base),
                              palette.color(palette.ColorGroup.Active, palette.ColorRole.AlternateBase))
        section_list.clear()
        for key in self.section_first:
            qs = template.set_by_id[key[0]]
            section = next(sec for sec in qs.sections if sec.id == key[1])
            item = QListWidgetItem(section.title)
            item.setData(Qt.ItemDataRole.UserRole, list(key))
            section_list.addItem(item)
            self.section_items[key] = item
        self.setEnabled(False)
        scroll.setWidget(self)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        section_list.itemActivated.connect(self._section_chosen)
        section_list.itemClicked.connect(self._section_chosen)

    # ---- building sections as they are reached ---------------------------------
    def _build_section(self, key: tuple[str, str], upto: str | None = None) -> None:
        """The section's question widgets not yet built, after its label, in the state the form is in now;
        upto: only as far as that question and the few after it (what a screen shows first)."""
        qs = self.template.set_by_id[key[0]]
        section = next(sec for sec in qs.sections if sec.id == key[1])
        questions = section.questions
        start = next((i for i, q in enumerate(questions) if q.id not in self._built), len(questions))
        stop = len(questions)
        if upto is not None:
            stop = min(stop, next(i for i, q in enumerate(questions) if q.id == upto) + 1 + self.AHEAD)
        layout = self.layout()
        at = layout.indexOf(self.section_labels[key]) + 1 + start  # the built ones are always the first
        s = self.session
        for i, q in enumerate(questions[start:stop]):
            w = QuestionWidget(q, self)
            w.answered.connect(self.answered)
            w.commentEdited.connect(self.commentEdited)
            w.focused.connect(self._focused)
            w.moveRequested.connect(self._move)
            w.lockedKeyPressed.connect(self.lockedKeyPressed)
            if s is not None:
                w.set_state(s.value(q.id), s.comment(q.id), s.why_not(q.id))
            if self.locked:
                w.set_locked(True)
            layout.insertWidget(at + i, w)
            # shown now, not at the layout's next turn: it may be focused at once
            w.setHidden(self.section_shown.get(key) is False)
            self._built[q.id] = w
        if self.current in self._built and self._section_of[self.current] == key:
            self._built[self.current].set_current(True)

    @property
    def built(self) -> bool:
        """Every section's questions built."""
        return len(self._built) == len(self._section_of)

    def _build_rest(self) -> None:
        """One more section (or the rest of one) per turn of the event loop, until all are built."""
        if not isValid(self):  # the form was replaced (another file opened) meanwhile
            return
        for key in self.section_first:
            first = self.template.set_by_id[key[0]]
            if any(q.id not in self._built for sec in first.sections if sec.id == key[1] for q in sec.questions):
                self._build_section(key)
                QTimer.singleShot(0, self._build_rest)
                return

    def _widest_question(self, template: InspectionTemplate) -> int:
        """The widest a question's minimum can be, from one sample widget per kind of answer (what the form's
        minimum width would be with every question built)."""
        widest, seen = 0, set()
        for q in template.questions:
            if q.answer in seen:
                continue
            seen.add(q.answer)
            sample = QuestionWidget(q, self)
            widest = max(widest, sample.minimumSizeHint().width())
            sample.setParent(None)
            sample.deleteLater()
        m = self.layout().contentsMargins()
        return widest + m.left() + m.right()

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(max(hint.width(), self._min_question_width), hint.height())

    # ---- showing a case -------------------------------------------------------
    def load(self, session: ScoringSession) -> None:
        self.session = session
        self.setEnabled(True)
        self.refresh(None)
        if len(self._built) < len(self._section_of):  # after the case has arrived and taken the focus
            QTimer.singleShot(50, self._build_rest)

    def clear(self) -> None:
        self.session = None
        self.setEnabled(False)

    def set_locked(self, locked: bool) -> None:
        """A complete case: every answer control disabled, an answer's key says how to reopen instead."""
        self.locked = locked
        for w in self._built.values():  # the others are built locked or not, as the form is then
            w.set_locked(locked)

    def applicable(self) -> list[str]:
        """The questions that apply to the case shown, in order."""
        return [qid for qid, on in self.session.applies.items() if on] if self.session else []

    def refresh(self, qids: set[str] | None) -> None:
        """Show saved answers and applicability for these questions (None: all), and section progress."""
        s = self.session
        if s is None:
            return
        for qid in (list(self._built) if qids is None else qids):  # a section not yet built: when it is
            self.widgets[qid].set_state(s.value(qid), s.comment(qid), s.why_not(qid))
        self._refresh_sections()

    def _refresh_sections(self) -> None:
        s = self.session
        for p in s.section_progress():
            key = (p.set_id, p.section.id)
            item = self.section_items[key]
            mark = "✓ " if p.applicable and p.done else ("– " if not p.section_applies else "")
            item.setText(f"{mark}{p.section.title}  ({p.answered}/{p.applicable})")
            item.setForeground(self._text if p.section_applies else self._grey)
            item.setToolTip("" if p.section_applies else
                            f"Does not apply: {condition_text(self.template, p.section.applies_when)}")
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         f"{p.section.title}: {p.answered} of {p.applicable} answered")
            reason = "" if p.section_applies else (
                '<br><span style="font-weight:normal; font-size:9pt; font-style:italic">Does not apply to this case: '
                f"only where {condition_text(self.template, p.section.applies_when)}</span>")
            label = self.section_labels[key]
            text = f"{p.section.title}{reason}"
            if label.text() != text:
                label.setText(text)
            if self.section_shown.get(key) != p.section_applies:
                # a section that does not apply folds away; single questions grey out
                self.section_shown[key] = p.section_applies
                for q in p.section.questions:
                    if q.id in self._built:
                        self._built[q.id].setHidden(not p.section_applies)

    # ---- focus and movement ---------------------------------------------------
    def focus_question(self, qid: str | None) -> None:
        if qid is None or qid not in self.widgets:
            return
        w = self.widgets[qid]
        if not w.isEnabled():
            return
        w.setFocus(Qt.FocusReason.OtherFocusReason)
        self.scroll.ensureWidgetVisible(w, 0, 40)
        if self.current != qid:  # its focus-in has made it the current one already: not twice per key
            self._focused(qid)

    def show_question(self, qid: str | None) -> None:
        """Make the question the current one (highlighted, in view, its guidance shown) without taking the
        keyboard focus: arrowing through the case list stays in the list."""
        if qid is None or qid not in self.widgets or not self.widgets[qid].isEnabled():
            return
        self.scroll.ensureWidgetVisible(self.widgets[qid], 0, 40)
        self._focused(qid)

    def _focused(self, qid: str) -> None:
        if self.current and self.current in self._built:
            self._built[self.current].set_current(False)
        self.current = qid
        self.widgets[qid].set_current(True)
        section_key = (self.template.question_by_id[qid].set_id, self.template.question_by_id[qid].section_id)
        row = self.section_first.index(section_key)
        if self.section_list.currentRow() != row:
            self.section_list.blockSignals(True)
            self.section_list.setCurrentRow(row)
            self.section_list.blockSignals(False)
        self.questionFocused.emit(qid)

    def _move(self, qid: str, step: int) -> None:
        if self.session is None:
            return
        target = self.session.next_applicable(qid, step)
        if target:
            self.focus_question(target)
        elif step > 0:
            self.endReached.emit(qid)

    def advance_from(self, qid: str) -> None:
        """After a keyboard answer: on to the next question that applies."""
        if self.session is None:
            return
        target = self.session.next_applicable(qid, 1)
        self.focus_question(target or qid)
        if target is None:
            self.endReached.emit(qid)

    def move_section(self, step: int) -> None:
        """PageUp / PageDown: the first question that applies in the previous / next section that has one."""
        if self.session is None:
            return
        keys = self.section_first
        current = self.current
        here = keys.index((self.template.question_by_id[current].set_id,
                           self.template.question_by_id[current].section_id)) if current else -1
        i = here + step
        while 0 <= i < len(keys):
            if self._focus_section(keys[i]):
                return
            i += step

    def _focus_section(self, key: tuple[str, str]) -> bool:
        qs = self.template.set_by_id[key[0]]
        section = next(sec for sec in qs.sections if sec.id == key[1])
        for q in section.questions:
            if self.session.applies.get(q.id):
                self.focus_question(q.id)
                return True
        self.scroll.ensureWidgetVisible(self.section_labels[key], 0, 20)
        return False

    def _section_chosen(self, item: QListWidgetItem) -> None:
        key = item.data(Qt.ItemDataRole.UserRole)
        if key:
            self._focus_section(tuple(key))


class _Widgets(Mapping):
    """The form's question widgets by id, in the template's order; asking for one builds its section as far
    as it and a few after it (the rest follow a turn of the event loop later: ScoringForm._build_rest)."""

    def __init__(self, form: ScoringForm):
        self.form = form

    def __getitem__(self, qid: str) -> QuestionWidget:
        form = self.form
        if qid not in form._built:
            if qid not in form._section_of:
                raise KeyError(qid)
            form._build_section(form._section_of[qid], upto=qid)
            # laid out now (the scroll area sizes the form on its layout request): it may be clicked at once
            QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        return form._built[qid]

    def __contains__(self, qid) -> bool:
        return qid in self.form._section_of

    def __iter__(self):
        return iter(self.form._section_of)

    def __len__(self) -> int:
        return len(self.form._section_of)
