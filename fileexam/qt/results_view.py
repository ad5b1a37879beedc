"""The Results view: every measure for a strand and an Area (or a group of a breakdown field), compared
with a baseline the team lead chooses, and a chart of the figures by Area, strand, measure or question.

What a chart shows (its bars and their words) is worked out by fileexam.formats.report_charts, the same
code that draws the report document's charts, and drawn here by ResultsChart with QPainter: every bar
has its 95% interval as whiskers, its cases written beside it and in its tooltip; a group with no cases
has no bar and says so, one with too few is pale, hatched and says so.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QFileDialog, QGridLayout,
                               QHeaderView, QLabel, QPushButton, QSizePolicy, QSplitter, QTableWidget,
                               QTableWidgetItem, QToolTip, QVBoxLayout, QWidget)

from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL
from fileexam.formats.report_charts import (NO_CASES, TOO_FEW, Bar, Chart, breakdown_groups,
                                            by_area, by_group, by_measure, by_strand, change, interval,
                                            percent, question_shares)
from fileexam.qt import plain, screen_fit

BY_AREA = ""  # the "Figures by" choice that is not a breakdown field
CHARTS = [("areas", "Areas"), ("strands", "Strands"), ("measures", "Themes and composites"),
          ("questions", "Questions")]


class ResultsChart(QWidget):
    """A horizontal bar chart of a report_charts.Chart: shares from 0 to 100%, whiskers, a reference line,
    a baseline diamond, the words of each bar in a column at the right, tooltips."""

    BLUE, PALE, HIGHLIGHT, INK, GREY = QColor("#2b6cb0"), QColor("#a9c4e4"), QColor("#c05621"), QColor("#1a202c"), \
        QColor("#4a5568")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.chart: Chart | None = None
        self._rows: list[tuple[QRectF, Bar]] = []
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)

    def set_chart(self, chart: Chart) -> None:
        self.chart = chart
        self.setAccessibleDescription(chart.title + ". " + "; ".join(f"{b.label}: {b.text}" for b in chart.bars))
        self.update()

    def bar_at(self, pos) -> Bar | None:
        return next((b for rect, b in self._rows if rect.contains(QPointF(pos))), None)

    def event(self, e) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            bar = self.bar_at(e.pos())
            if bar is not None:
                QToolTip.showText(e.globalPos(), bar.tooltip, self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def paintEvent(self, _event) -> None:
        p = QPainter(self)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.fillRect(self.rect(), QColor("white"))
            self._rows = []
            if self.chart is not None and self.chart.bars:
                self._paint(p, self.chart)
        finally:
            p.end()

    def _paint(self, p: QPainter, c: Chart) -> None:
        font = QFont(self.font())
        fm = QFontMetrics(font)
        bold = QFont(font)
        bold.setBold(True)
        small = QFont(font)
        small.setPointSizeF(max(font.pointSizeF() - 1, 7))
        sfm = QFontMetrics(small)
        w, h, pad, line = self.width(), self.height(), 8, fm.height()

        p.setPen(self.INK)
        p.setFont(bold)
        p.drawText(QRectF(pad, pad, w - 2 * pad, line), Qt.AlignmentFlag.AlignLeft, c.title)
        top = pad + line + 4
        if c.legend:  # the options of stacked shares
            x = float(pad)
            p.setFont(font)
            for name, colour in c.legend:
                p.fillRect(QRectF(x, top + 2, 10, line - 4), QColor(colour))
                p.setPen(self.INK)
                p.drawText(QPointF(x + 14, top + fm.ascent()), name)
                x += 14 + fm.horizontalAdvance(name) + 14
            top += line + 2
        if c.reference:
            top += line  # room for the reference line's label
        bottom = h - pad - line - 2  # the axis labels
        if c.footnote:
            bottom -= sfm.height()

        bfm = QFontMetrics(bold)
        def advance(b: Bar, text: str) -> int:
            return (bfm if b.highlight else fm).horizontalAdvance(text)
        label_w = min(max(advance(b, b.label) for b in c.bars) + 20, int(w * 0.34))
        text_w = min(max(advance(b, b.text) for b in c.bars) + 24, int(w * 0.3))
        x0, x1 = pad + label_w, w - pad - text_w
        if x1 - x0 < 80 or bottom - top < 20:
            return
        def x_of(share: float) -> float:
            return x0 + max(0.0, min(share, 1.0)) * (x1 - x0)

        # grid and axis
        p.setFont(font)
        for k in range(0, 101, 20):
            x = x_of(k / 100)
            p.setPen(QPen(QColor("#e2e8f0"), 1))
            p.drawLine(QPointF(x, top), QPointF(x, bottom))
            p.setPen(self.GREY)
            label = f"{k}%"
            p.drawText(QPointF(x - fm.horizontalAdvance(label) / 2, bottom + fm.ascent() + 2), label)
        p.setPen(QPen(self.INK, 1))
        p.drawLine(QPointF(x0, top), QPointF(x0, bottom))

        n = len(c.bars)
        row_h = (bottom - top) / n
        thick = max(4.0, min(row_h * 0.64, 26.0))
        for i, b in enumerate(c.bars):
            cy = top + row_h * (i + 0.5)
            self._rows.append((QRectF(0, top + row_h * i, w, row_h), b))
            p.setFont(bold if b.highlight else font)
            p.setPen(self.INK)
            metrics = bfm if b.highlight else fm
            label = metrics.elidedText(b.label, Qt.TextElideMode.ElideRight, label_w - 14)
            p.drawText(QRectF(pad, cy - line / 2, label_w - 10, line),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            words = metrics.elidedText(b.text, Qt.TextElideMode.ElideRight, text_w - 14)
            p.drawText(QRectF(x1 + 10, cy - line / 2, text_w - 10, line), Qt.AlignmentFlag.AlignVCenter, words)
            if b.note == NO_CASES:
                continue  # no bar: the words say "no cases"
            rect_top = cy - thick / 2
            if b.segments:
                x = x0
                for _name, share, colour in b.segments:
                    width = (share or 0.0) * (x1 - x0)
                    colour = QColor(colour)
                    if b.note == TOO_FEW:
                        colour = colour.lighter(150)
                    p.fillRect(QRectF(x, rect_top, width, thick), colour)
                    if width > fm.horizontalAdvance("00.0%") + 6:
                        p.setPen(QColor("white") if b.note != TOO_FEW else self.INK)
                        p.drawText(QRectF(x, rect_top, width, thick), Qt.AlignmentFlag.AlignCenter, percent(share))
                    x += width
                continue
            colour = self.HIGHLIGHT if b.highlight else self.BLUE
            rect = QRectF(x0, rect_top, x_of(b.value) - x0, thick)
            if b.note == TOO_FEW:
                p.fillRect(rect, self.PALE if not b.highlight else QColor("#f6c9a8"))
                p.fillRect(rect, QBrush(colour, Qt.BrushStyle.BDiagPattern))
                p.setPen(QPen(colour, 1))
                p.drawRect(rect)
            else:
                p.fillRect(rect, colour)
            if b.ci and b.ci[1] > b.ci[0]:  # one case has no spread to show
                lo, hi = x_of(b.ci[0]), x_of(b.ci[1])
                p.setPen(QPen(self.INK, 1.2))
                p.drawLine(QPointF(lo, cy), QPointF(hi, cy))
                cap = min(thick / 2, 6.0)
                p.drawLine(QPointF(lo, cy - cap), QPointF(lo, cy + cap))
                p.drawLine(QPointF(hi, cy - cap), QPointF(hi, cy + cap))
            if b.baseline is not None:
                bx, r = x_of(b.baseline), min(thick / 2, 5.0)
                p.setPen(QPen(self.INK, 1.2))
                p.setBrush(QColor("white"))
                p.drawPolygon(QPolygonF([QPointF(bx, cy - r), QPointF(bx + r, cy), QPointF(bx, cy + r),
                                         QPointF(bx - r, cy)]))
                p.setBrush(Qt.BrushStyle.NoBrush)
        if c.reference:
            name, value = c.reference
            x = x_of(value)
            p.setPen(QPen(self.INK, 1, Qt.PenStyle.DashLine))
            p.drawLine(QPointF(x, top - 2), QPointF(x, bottom))
            p.setFont(font)
            label = f"{name} {percent(value)}"
            p.drawText(QPointF(min(x - fm.horizontalAdvance(label) / 2, x1 - fm.horizontalAdvance(label)),
                               top - 4 - fm.descent()), label)
        if c.footnote:
            p.setFont(small)
            p.setPen(self.GREY)
            p.drawText(QRectF(pad, h - pad - sfm.height(), w - 2 * pad, sfm.height()), Qt.AlignmentFlag.AlignLeft,
                       sfm.elidedText(c.footnote, Qt.TextElideMode.ElideRight, w - 2 * pad))


class ResultsView(QDialog):
    """The report's figures. rebuild(baseline, on_done, on_failed), given by the main window, makes the
    report again off the main thread, compared with a baseline (or with none)."""

    COLUMNS = ["Measure", "Score", "95% interval", "Cases", "Baseline", "Change", "Direction", "Note"]
    BASELINE_COLUMNS = (4, 5, 6)
    FILTER = "Master inspection or report workbook (*.fileexam *.xlsx *.xlsm);;All files (*)"

    def __init__(self, report, parent=None, rebuild=None):
        super().__init__(parent)
        self.report = report
        self.rebuild = rebuild
        self.baseline: Path | None = None
        screen_fit.keep_on_screen(self, QSize(1340, 730))  # as much of a 1366 × 768 screen as it allows
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        controls = QGridLayout()
        self.strand = QComboBox()
        self.strand.setAccessibleName("Strand")
        self.by = QComboBox()
        self.by.setAccessibleName("Figures by")
        self.area = QComboBox()
        self.area.setAccessibleName("Area")
        self.area.setMinimumContentsLength(18)
        self.chart_kind = QComboBox()
        self.chart_kind.setAccessibleName("Chart")
        for key, text in CHARTS:
            self.chart_kind.addItem(text, key)
        self.area_label = QLabel("&Area")
        self.area_label.setBuddy(self.area)
        column = 0
        for text, combo in (("&Strand", self.strand), ("&Figures by", self.by), (None, self.area),
                            ("C&hart", self.chart_kind)):
            lab = self.area_label if text is None else QLabel(text)
            lab.setBuddy(combo)
            controls.addWidget(lab, 0, column)
            controls.addWidget(combo, 0, column + 1)
            column += 2
        controls.setColumnStretch(column, 1)
        self.choose_button = QPushButton("Choose &baseline…")
        self.choose_button.setToolTip("Compare with an earlier inspection: its master inspection file or its "
                                      "report workbook")
        self.clear_button = QPushButton("&No baseline")
        controls.addWidget(self.choose_button, 0, column + 1)
        controls.addWidget(self.clear_button, 0, column + 2)
        for button in (self.choose_button, self.clear_button):
            button.setVisible(rebuild is not None)  # a view given a report only cannot make another
        layout.addLayout(controls)

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.message = QLabel()  # a baseline that could not be used, said plainly; hidden otherwise
        self.message.setAccessibleName("Message")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet("QLabel { background: #fff5f5; color: #742a2a; border: 1px solid #feb2b2; "
                                   "padding: 4px; }")
        self.message.hide()
        layout.addWidget(self.message)

        self.split = split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Measures")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(QFontMetrics(self.font()).height() + 6)
        split.addWidget(self.table)
        self.chart = ResultsChart()
        self.chart.setAccessibleName("Chart")
        split.addWidget(self.chart)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([330, 340])
        layout.addWidget(split, 1)

        self.strand.currentIndexChanged.connect(self.refresh)
        self.by.currentIndexChanged.connect(self._by_changed)
        self.area.currentIndexChanged.connect(self.refresh)
        self.chart_kind.currentIndexChanged.connect(self.draw_chart)
        self.table.currentCellChanged.connect(lambda *_: self.draw_chart())
        self.choose_button.clicked.connect(self.choose_baseline)
        self.clear_button.clicked.connect(lambda: self.use_baseline(None))
        self.set_report(report)

    # ---- the report -------------------------------------------------------------------
    def set_report(self, report) -> None:
        """Show a (new) report, keeping the strand, Area, breakdown, chart and measure chosen."""
        keep = (self.strand.currentText(), self.by.currentData(), self.area.currentText(),
                max(self.table.currentRow(), 0))
        self.report = report
        self.setWindowTitle(f"Results — {report.name}" + (f" compared with {report.baseline_name}"
                                                         if report.baseline_name else ""))
        for combo in (self.strand, self.by, self.area):
            combo.blockSignals(True)
        self.strand.clear()
        self.strand.addItems([ALL_STRANDS] + report.strands)
        self.by.clear()
        self.by.addItem("Area", BY_AREA)
        for name in report.breakdowns:
            self.by.addItem(report.template.fields_by_id[name].label, name)
        self._select(self.strand, keep[0])
        self.by.setCurrentIndex(max(self.by.findData(keep[1]), 0))
        self._fill_groups()
        self._select(self.area, keep[2])
        for combo in (self.strand, self.by, self.area):
            combo.blockSignals(False)
        self.clear_button.setEnabled(report.baseline_name is not None)
        for col in self.BASELINE_COLUMNS:
            self.table.setColumnHidden(col, report.baseline_name is None)
        self.summary.setText(
            f"{len(report.counted)} case(s) counted; {report.excluded} without a complete marking. "
            + (f"Compared with the baseline {report.baseline_name}: ◆ on the chart. "
               if report.baseline_name else "No baseline chosen. ")
            + f"Fewer than {report.template.reporting.few_cases} cases: too few cases, read with care.")
        self.refresh(keep_row=keep[3])
        self._fit_table()

    def _fit_table(self) -> None:
        """The table as tall as its rows (every measure in view), the chart the rest."""
        t = self.table
        wanted = (t.horizontalHeader().sizeHint().height() + t.rowCount() * t.verticalHeader().defaultSectionSize()
                  + 2 * t.frameWidth() + 2)
        total = sum(self.split.sizes()) or self.split.height()
        if total > 0:
            table = min(wanted, total - self.chart.minimumHeight())
            self.split.setSizes([table, total - table])

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit_table()

    @staticmethod
    def _select(combo: QComboBox, text: str) -> None:
        i = combo.findText(text)
        combo.setCurrentIndex(i if i >= 0 else 0)

    def _fill_groups(self) -> None:
        r, breakdown = self.report, self.by.currentData()
        self.area.clear()
        if breakdown:
            self.area_label.setText(f"&{self.by.currentText()}")
            self.area.addItems([NATIONAL] + breakdown_groups(r, breakdown))
        else:
            self.area_label.setText("&Area")
            self.area.addItems([NATIONAL] + r.areas)
        self.chart_kind.setItemText(0, self.by.currentText() if breakdown else "Areas")

    def _by_changed(self) -> None:
        self.area.blockSignals(True)
        self._fill_groups()
        self.area.blockSignals(False)
        self.refresh()

    def figures(self) -> dict:
        """The figures the table shows: by Area and strand, or by the chosen breakdown's groups (its
        'National' is every case: the report's national figures)."""
        breakdown, group = self.by.currentData(), self.area.currentText()
        if breakdown and group != NATIONAL:
            return self.report.breakdowns.get(breakdown, {})
        return self.report.figures

    def refresh(self, *_args, keep_row: int | None = None) -> None:
        r = self.report
        strand, group = self.strand.currentText(), self.area.currentText()
        figures = self.figures()
        row = keep_row if keep_row is not None else max(self.table.currentRow(), 0)
        self.table.blockSignals(True)
        self.table.setRowCount(len(r.measures))
        for i, m in enumerate(r.measures):
            f = figures.get((m, strand, group))
            tr = f.travel if f else None
            has = f is not None and f.value is not None
            note = NO_CASES if not has else (TOO_FEW if f.few else "")
            values = [r.label(m),
                      percent(f.value) if has else "—",
                      interval(f.ci) if has else "",
                      str(len(f.cases)) if f else "0",
                      percent(tr.baseline) if tr else "",
                      change(tr.change_pp, r.template.reporting.direction_threshold_pp) if tr else "",
                      (tr.words or "not in the baseline") if tr and has else "",
                      note]
            for j, v in enumerate(values):
                item = QTableWidgetItem(v)
                if j in (1, 2, 3, 4, 5):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if j == 0:
                    item.setToolTip(r.label(m))
                if j == 6 and tr and tr.noted:
                    item.setToolTip("The change is smaller than the two 95% intervals together: it may be chance.")
                if j == 7 and note == TOO_FEW:
                    item.setToolTip(f"Fewer than {r.template.reporting.few_cases} cases: read with care.")
                self.table.setItem(i, j, item)
        self.table.setCurrentCell(min(row, len(r.measures) - 1), 0)
        self.table.blockSignals(False)
        self.draw_chart()

    def measure(self) -> str:
        return self.report.measures[max(self.table.currentRow(), 0)]

    def draw_chart(self, *_args) -> None:
        r = self.report
        if not r.measures:
            return
        m, strand, group = self.measure(), self.strand.currentText(), self.area.currentText()
        breakdown, kind = self.by.currentData(), self.chart_kind.currentData()
        figures = self.figures()
        if kind == "strands":
            chart = by_strand(r, m, group, figures)
        elif kind == "measures":
            chart = by_measure(r, strand, group, figures)
        elif kind == "questions":
            # questions are counted by Area and strand: within a breakdown group, the national answers
            chart = question_shares(r, m, strand, NATIONAL if breakdown else group)
        elif breakdown:
            chart = by_group(r, breakdown, m, strand, highlight=group)
        else:
            chart = by_area(r, m, strand, highlight=group)
        self.chart.set_chart(chart)

    # ---- the baseline -----------------------------------------------------------------------
    def choose_baseline(self) -> None:
        start = str(self.baseline.parent) if self.baseline else ""
        path, _ = QFileDialog.getOpenFileName(self, "Choose a baseline: an earlier master inspection or its report "
                                                    "workbook", start, self.FILTER)
        if path:
            self.use_baseline(Path(path))

    def use_baseline(self, path: Path | None) -> None:
        """Make the report again compared with `path` (None: with no baseline), off the main thread."""
        if self.rebuild is None:
            return
        self.message.hide()
        self.choose_button.setEnabled(False)
        self.clear_button.setEnabled(False)

        def done(report):
            self.baseline = path
            self.choose_button.setEnabled(True)
            self.set_report(report)

        def failed(exc: BaseException, tb: str):
            self.choose_button.setEnabled(True)
            self.clear_button.setEnabled(self.report.baseline_name is not None)
            said = plain.words(exc) if isinstance(exc, Exception) else None
            name = path.name if path else "the baseline"
            if said:
                if not (path and said.startswith((str(path), path.name))):  # a file name keeps its case
                    said = said[0].upper() + said[1:]
                text = f"{name} could not be used as a baseline. {said}" + ("" if said.endswith(".") else ".")
            else:
                text = plain.unexpected(f"Comparing with {name}", tb)
            self.message.setText(text + (" The results shown are unchanged." if said else ""))
            self.message.show()

        self.rebuild(path, done, failed)
