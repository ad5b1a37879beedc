"""The moderation window's figures: agreement statistics by group, with their 95% intervals, and each
marker's profile with its flags.

Every share is written as every view writes it (fileexam.formats.report_charts.percent: '85.5%', an
interval '78.1–91.0%'); kappa, AC1 and alpha, which are not shares, with two decimals. An undefined
figure is 'undefined', never a number, with its reason in the tooltip and in the words under the table
(docs/METHODS.md, "Undefined figures"); a figure not computed for that kind of group is '—'.
"""

from __future__ import annotations

import datetime as dt
from html import escape as _escape

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QSplitter, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QTextBrowser, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from fileexam.domain.agreement import FIGURE_LABELS, Undefined, defined
from fileexam.formats.report_charts import interval, percent

SHARES = ("agreement", "applicability")  # figures that are shares of pairs: written as percentages
PAIR_FIGURES = ("agreement", "applicability", "kappa", "weighted_kappa", "quadratic_kappa", "ac1", "alpha_nominal",
                "alpha_ordinal", "alpha_interval")
CALIBRATION_FIGURES = ("fleiss_kappa", "agreement", "alpha_nominal", "alpha_ordinal", "alpha_interval")
SHORT = {"agreement": "Agreement", "applicability": "Applicability", "kappa": "Cohen's κ",
         "weighted_kappa": "κ linear", "quadratic_kappa": "κ quadratic", "ac1": "Gwet's AC1",
         "alpha_nominal": "α nominal", "alpha_ordinal": "α ordinal", "alpha_interval": "α interval",
         "fleiss_kappa": "Fleiss' κ"}
NOT_COMPUTED = "—"
UNDEFINED = "undefined"
GREY, AMBER_BG, GREEN_BG, RED = QColor("#4a5568"), QColor("#fdf0d5"), QColor("#e3f4e8"), QColor("#9b2c2c")


def escape(text) -> str:
    """Text for a rich-text label: &, < and > escaped, quotes left as they are."""
    return _escape(str(text), quote=False)


# ---- words for one figure ----------------------------------------------------------
def figure_text(name: str, v) -> str:
    """A figure as the window writes it: a share as a percentage, a coefficient with two decimals,
    'undefined' (the reason goes in the tooltip) or '—' (not computed for this kind of group)."""
    if isinstance(v, Undefined):
        return UNDEFINED
    if not defined(v):
        return NOT_COMPUTED
    return percent(v) if name in SHARES else f"{v:.2f}".replace("-", "−")


def short_reason(v: Undefined) -> str:
    """A few words of why a figure is undefined, for beneath 'undefined' in a cell; the tooltip and
    the words under the table give the reason in full."""
    r = v.reason
    for start, words in (("not pooled", "not pooled"), ("no variation", "no variation"), ("no paired", "no pairs"),
                         ("no pair where both", "none both scored"), ("no case and question", "nothing to compare"),
                         ("the calibration cases were marked", "markers differ"),
                         ("the scale has a single", "one option")):
        if r.startswith(start):
            return words
    return r if len(r) <= 18 else r[:17] + "…"


def interval_text(name: str, ci) -> str:
    """A 95% interval: '78.1–91.0%' for a share, '0.52 to 0.78' for a coefficient; '' when there is none."""
    if not isinstance(ci, tuple):
        return ""
    if name in SHARES:
        return interval(ci)
    return f"{ci[0]:.2f} to {ci[1]:.2f}".replace("-", "−")


def figure_words(name: str, v, ci=None, label: str | None = None) -> str:
    """One figure in full words, for tooltips and the words under the table."""
    label = label or FIGURE_LABELS.get(name, name)
    if isinstance(v, Undefined):
        return f"{label}: undefined — {v.reason}"
    if not defined(v):
        return f"{label}: not computed for this kind of group"
    out = f"{label}: {figure_text(name, v)}"
    if isinstance(ci, tuple):
        out += f" (95% CI {interval_text(name, ci)})"
    elif isinstance(ci, Undefined):
        out += f" (no interval: {ci.reason})"
    return out


def few_words(s) -> str:
    return f"rests on {s.cases} case(s), fewer than {s.min_cases}: read with care; no interval" if s.few else ""


# ---- the groups' names ---------------------------------------------------------------
def week_title(key: str) -> str:
    """'2026-W48' as 'Week 48, 2026 (from 23 Nov)'."""
    try:
        year, week = key.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return key
    return f"Week {int(week)}, {year} (from {monday.day} {monday:%b})"


def group_title(t, kind: str, s) -> str:
    """A group's name in the template's words: a theme and a section by their titles, a question by
    its text, a week by its dates; a row of one scale within a group by its scale."""
    group = s.group
    if kind == "scale part":
        return f"Scale: {s.scale}"
    if kind == "theme" and group in t.set_by_id:
        return t.set_by_id[group].title
    if kind == "section" and " / " in group:
        set_id, section_id = group.split(" / ", 1)
        qs = t.set_by_id.get(set_id)
        section = next((x for x in qs.sections if x.id == section_id), None) if qs else None
        if section is not None:
            return f"{qs.title}: {section.title}"
    if kind == "question" and group in t.question_by_id:
        return f"{group} {t.question_by_id[group].text}"
    if kind == "week":
        return week_title(group)
    if kind == "overall":
        return "All double-marked answers"
    return group


# ---- the statistics tab --------------------------------------------------------------
KINDS = [("overall", "Overall"), ("theme", "Themes"), ("section", "Sections"), ("markers", "Pairs of markers"),
         ("week", "Weeks of the second marking"), ("question", "Questions")]


class StatisticsPane(QWidget):
    """The agreement figures of every group in a tree (overall, themes, sections, pairs of markers,
    weeks, questions; a group over several scales has a row per scale beneath it), and beneath the
    tree, in full words, every figure of the chosen row with its interval or the reason it has none."""

    COLUMNS = ["Group", "Pairs", "Cases"] + [SHORT[n] for n in PAIR_FIGURES]

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.stack = QStackedWidget()
        self.empty = QLabel()
        self.empty.setWordWrap(True)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.empty.setMargin(12)
        self.stack.addWidget(self.empty)
        page = QWidget()
        pl = QVBoxLayout(page)
        pl.setContentsMargins(0, 0, 0, 0)
        self.legend = QLabel()
        self.legend.setWordWrap(True)
        self.legend.setStyleSheet("QLabel { color: #4a5568; }")
        pl.addWidget(self.legend)
        split = QSplitter(Qt.Orientation.Vertical)
        self.tree = QTreeWidget()
        self.tree.setAccessibleName("Agreement statistics")
        self.tree.setColumnCount(len(self.COLUMNS))
        self.tree.setHeaderLabels(self.COLUMNS)
        for j, name in enumerate(PAIR_FIGURES, start=3):
            self.tree.headerItem().setToolTip(j, FIGURE_LABELS[name] + (" (a share of the pairs)" if name in SHARES
                                                                        else "") + ", with its 95% interval beneath")
        self.tree.headerItem().setToolTip(1, "Paired answers: the questions both markers answered")
        self.tree.headerItem().setToolTip(2, "Double-marked cases the group rests on")
        self.tree.setUniformRowHeights(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for j in range(1, len(self.COLUMNS)):
            header.setSectionResizeMode(j, QHeaderView.ResizeMode.ResizeToContents)
        header.setMinimumSectionSize(40)
        self.tree.currentItemChanged.connect(lambda item, _old: self.show_words(item))
        split.addWidget(self.tree)
        self.words = QTextBrowser()
        self.words.setAccessibleName("The chosen group's figures in words")
        split.addWidget(self.words)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        pl.addWidget(split)
        self.stack.addWidget(page)
        layout.addWidget(self.stack)
        self.items: dict[str, QTreeWidgetItem] = {}  # a group's title -> its row

    def fill(self, t, report, empty_text: str) -> None:
        self.tree.clear()
        self.items = {}
        self.words.clear()
        if report.overall is None:
            self.empty.setText(empty_text)
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        few = report.overall.min_cases
        self.legend.setText(
            "Agreement and applicability are shares of the paired answers; kappa, AC1 and alpha run from −1 (or "
            "below) to 1. Beneath each figure, its 95% interval (case bootstrap). A group resting on fewer than "
            f"{few} cases has no interval and its Cases are marked <b>few</b>; <i>undefined</i> has no value "
            "(the reason beneath it in short; point at it, or choose the row, for the reason in full); — is not "
            "computed for that kind of group.")
        groups = {"overall": [report.overall], "theme": report.by_set, "section": report.by_section,
                  "markers": report.by_markers, "week": report.by_week, "question": report.by_question}
        for kind, heading in KINDS:
            items = groups[kind]
            if not items:
                continue
            if kind == "overall":
                parent = None
            else:
                parent = QTreeWidgetItem([f"{heading} ({len(items)})"])
                font = QFont(self.tree.font())
                font.setBold(True)
                parent.setFont(0, font)
                parent.setFirstColumnSpanned(True)
                parent.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.tree.addTopLevelItem(parent)
                parent.setFirstColumnSpanned(True)
            for s in items:
                item = self._row(t, kind, s)
                (self.tree.addTopLevelItem(item) if parent is None else parent.addChild(item))
                for part in s.parts:
                    item.addChild(self._row(t, "scale part", part))
                item.setExpanded(kind == "overall")
            if parent is not None:
                parent.setExpanded(kind in ("theme", "markers"))
        first = self.tree.topLevelItem(0)
        self.tree.setCurrentItem(first)

    def _row(self, t, kind: str, s) -> QTreeWidgetItem:
        title = group_title(t, kind, s)
        cases = f"{s.cases} (few)" if s.few else str(s.cases)
        item = QTreeWidgetItem([title, str(s.n), cases])
        item.setData(0, Qt.ItemDataRole.UserRole, (kind, s))
        item.setToolTip(0, title + (f"\n{s.scale}" if s.scale and kind != "scale part" else ""))
        if s.few:
            item.setToolTip(2, few_words(s))
            item.setForeground(2, QBrush(RED))
        for j, name in enumerate(PAIR_FIGURES, start=3):
            v = s.figure(name)
            ci = s.intervals.get(name) if s.intervals else None
            text = figure_text(name, v)
            below = interval_text(name, ci) if defined(v) else short_reason(v) if isinstance(v, Undefined) else ""
            item.setText(j, text + (f"\n{below}" if below else ""))
            item.setTextAlignment(j, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(j, figure_words(name, v, ci))
            item.setData(j, Qt.ItemDataRole.AccessibleTextRole, figure_words(name, v, ci))
            if isinstance(v, Undefined) or not defined(v):
                item.setForeground(j, QBrush(GREY))
                if isinstance(v, Undefined):
                    font = QFont(self.tree.font())
                    font.setItalic(True)
                    item.setFont(j, font)
        self.items[title] = item
        return item

    def row_of(self, title: str) -> QTreeWidgetItem | None:
        return self.items.get(title)

    def show_words(self, item) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if not data:
            self.words.clear()
            return
        kind, s = data
        lines = [f"<b>{escape(item.text(0))}</b>: {s.n} paired answer(s) over {s.cases} case(s)"
                 + (f", {s.scored} where both markers scored" if s.scored != s.n else "")
                 + (f"; {'over ' if s.parts else 'scale '}{escape(s.scale)}" if s.scale else "") + "."]
        if s.few:
            lines.append(f"<span style='color:#9b2c2c'>This group {escape(few_words(s))}.</span>")
        for name in PAIR_FIGURES:
            v = s.figure(name)
            if v is None:
                continue
            lines.append(escape(figure_words(name, v, s.intervals.get(name) if s.intervals else None)))
        self.words.setHtml("<br>".join(lines))


# ---- calibration figures -------------------------------------------------------------
def calibration_table(table: QTableWidget, stats: list) -> None:
    """Agreement among everyone who marked the calibration cases (Fleiss' kappa, the mean agreement
    between pairs of markers, alpha), one row per case and scale."""
    headers = ["Group", "Markers", "Questions all answered"] + [
        "Mean agreement between pairs" if n == "agreement" else SHORT[n] for n in CALIBRATION_FIGURES] + ["Note"]
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setRowCount(len(stats))
    for i, s in enumerate(stats):
        table.setItem(i, 0, _item(s.group, s.group))
        table.setItem(i, 1, _item(str(s.markers)))
        table.setItem(i, 2, _item(str(s.n)))
        for j, name in enumerate(CALIBRATION_FIGURES, start=3):
            v = s.figure(name)
            label = "Mean agreement between pairs of markers" if name == "agreement" else None
            text = figure_text(name, v) + (f" ({short_reason(v)})" if isinstance(v, Undefined) else "")
            item = _item(text, figure_words(name, v, label=label))
            item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if not defined(v):
                item.setForeground(QBrush(GREY))
            table.setItem(i, j, item)
        table.setItem(i, len(headers) - 1, _item(few_words(s), few_words(s)))
    table.resizeColumnsToContents()


def _item(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if tip:
        item.setToolTip(tip)
    return item


# ---- marker profiles -----------------------------------------------------------------
def _signed(v: float) -> str:
    return f"{v:+.2f}".replace("-", "−")


def share_with_ci(share, ci, n: int) -> str:
    if share is None:
        return ""
    return f"{percent(share)} ({interval(ci)}) of {n}" if ci else f"{percent(share)} of {n}"


def difference_with_ci(p) -> str:
    if p.mean_signed_difference is None:
        return ""
    ci = p.difference_ci
    text = f"{_signed(p.mean_signed_difference)} points"
    if isinstance(ci, tuple):
        text += f" ({_signed(ci[0])} to {_signed(ci[1])})"
    elif isinstance(ci, Undefined):
        text += " (no interval)"
    return text + f" over {p.settled} settled"


def profile_findings(p) -> list[tuple[str, str]]:
    """('flag' or 'note', words) for each difference the profile found, its figures written as the
    window writes every figure (the service's flags and notes say which differences they are)."""
    out = []
    for kind, texts in (("flag", p.flags), ("note", p.notes)):
        for text in texts:
            about = text.split(": ", 1)[1] if text.startswith("not flagged") else text
            if about.startswith("gives the top mark"):
                side = "more" if p.best_share > p.team_best_share else "less"
                words = (f"gives the top mark {side} often than the team: "
                         f"{share_with_ci(p.best_share, p.best_share_ci, p.answers)} answers against "
                         f"{share_with_ci(p.team_best_share, p.team_best_share_ci, p.team_answers)}")
                if kind == "note":
                    words = f"not flagged, only {p.answers} answers (a flag needs {p.min_answers}): " + words
            elif about.startswith(("lenient", "severe")):
                side = "lenient" if p.mean_signed_difference > 0 else "severe"
                ci = p.difference_ci
                ci_text = (f" (95% CI {_signed(ci[0])} to {_signed(ci[1])})" if isinstance(ci, tuple)
                           else f" (no interval: {ci.reason})" if isinstance(ci, Undefined) else "")
                words = (f"{side}: {_signed(p.mean_signed_difference)} points{ci_text} against the agreed answer, "
                         f"over {p.settled} settled answer(s)")
                if kind == "note":
                    words = (f"not flagged, only {p.settled} settled answer(s) (a flag needs {p.min_answers}): "
                             + words)
            else:
                words = text
            out.append((kind, words))
    return out


class ProfilesPane(QWidget):
    """Each marker against the team: the top-mark share with its interval and the team's, the mean
    difference from agreed answers with its interval, and the flags with their figures."""

    COLUMNS = ["Marker", "Scored answers", "Top-mark share (95% CI)", "Team's top-mark share (95% CI)",
               "Difference from agreed answers (95% CI)", "Flags and notes"]

    def __init__(self, parent=None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.intro = QLabel(
            "Each marker's answers against the team's, to catch drift. The top-mark share counts answers with "
            "points on questions of an ordered scale; the difference from agreed answers is in points, over the "
            "marker's answers a moderator settled (+ lenient, − severe). A flag needs enough answers; below that the "
            "same difference is a note.")
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet("QLabel { color: #4a5568; }")
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Marker profiles")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        for j in range(len(self.COLUMNS) - 1):
            header.setSectionResizeMode(j, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(self.COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table)

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.table.resizeRowsToContents()  # the wrapped flags fit their rows at the width they are shown at

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self.table.resizeRowsToContents()

    def fill(self, profiles: list) -> None:
        self.table.setRowCount(len(profiles))
        for i, p in enumerate(profiles):
            findings = profile_findings(p)
            flagged = any(k == "flag" for k, _ in findings)
            values = [p.marker, str(p.answers), share_with_ci(p.best_share, p.best_share_ci, p.answers),
                      share_with_ci(p.team_best_share, p.team_best_share_ci, p.team_answers),
                      difference_with_ci(p) or "no settled answers yet",
                      "\n".join(("⚑ Flag: " if k == "flag" else "Note: ") + w for k, w in findings) or "no flag"]
            for j, v in enumerate(values):
                item = _item(v, v if j == len(values) - 1 else "")
                if j == len(values) - 1:
                    item.setForeground(QBrush(RED if flagged else GREY))
                if flagged and j == 0:
                    font = QFont(self.table.font())
                    font.setBold(True)
                    item.setFont(font)
                    item.setText(f"⚑ {p.marker}")
                self.table.setItem(i, j, item)
        self.table.resizeRowsToContents()
