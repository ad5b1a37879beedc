"""The Results view: every measure for a strand and Area, and a chart of a measure by Area (QtCharts)."""

from __future__ import annotations

from PySide6.QtCharts import QBarCategoryAxis, QBarSet, QChart, QChartView, QHorizontalBarSeries, QValueAxis
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QSplitter,
                               QTableWidget, QTableWidgetItem, QVBoxLayout)

from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL


class ResultsView(QDialog):
    COLUMNS = ["Measure", "Score", "95% interval", "Cases", "Baseline", "Change (pp)", "Direction", "Note"]

    def __init__(self, report, parent=None):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle(f"Results — {report.name}")
        self.resize(1100, 700)
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.strand = QComboBox()
        self.strand.setAccessibleName("Strand")
        self.strand.addItems([ALL_STRANDS] + report.strands)
        self.area = QComboBox()
        self.area.setAccessibleName("Area")
        self.area.addItems([NATIONAL] + report.areas)
        for label, combo in (("&Strand", self.strand), ("&Area", self.area)):
            lab = QLabel(label)
            lab.setBuddy(combo)
            bar.addWidget(lab)
            bar.addWidget(combo)
        bar.addStretch(1)
        note = QLabel(f"{len(report.counted)} case(s) counted; {report.excluded} without a complete marking."
                      + (f" Baseline: {report.baseline_name}." if report.baseline_name else ""))
        bar.addWidget(note)
        layout.addLayout(bar)
        split = QSplitter(Qt.Orientation.Vertical)
        self.table = QTableWidget(0, len(self.COLUMNS))
        self.table.setAccessibleName("Measures")
        self.table.setHorizontalHeaderLabels(self.COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        split.addWidget(self.table)
        self.chart_view = QChartView()
        self.chart_view.setAccessibleName("Chart of the chosen measure by Area")
        self.chart_view.setRenderHint(QPainter.RenderHint.Antialiasing)
        split.addWidget(self.chart_view)
        split.setSizes([260, 420])
        layout.addWidget(split)
        self.strand.currentIndexChanged.connect(self.refresh)
        self.area.currentIndexChanged.connect(self.refresh)
        self.table.currentCellChanged.connect(lambda row, *_: self.draw_chart(row))
        self.refresh()

    def refresh(self) -> None:
        r = self.report
        strand, area = self.strand.currentText(), self.area.currentText()
        self.table.setRowCount(len(r.measures))
        for i, m in enumerate(r.measures):
            f = r.figure(m, strand, area)
            tr = f.travel if f else None
            values = [r.label(m),
                      f"{f.value * 100:.1f}%" if f and f.value is not None else "—",
                      f"{f.ci[0] * 100:.1f}–{f.ci[1] * 100:.1f}%" if f and f.ci else "",
                      str(len(f.cases)) if f else "0",
                      f"{tr.baseline * 100:.1f}%" if tr and tr.baseline is not None else "",
                      f"{tr.change_pp:+.1f}" if tr and tr.change_pp is not None else "",
                      f"{tr.arrow} {tr.direction}" if tr and tr.direction else "",
                      "; ".join(x for x in ("few cases" if f and f.few else "",
                                            "within the noise" if tr and tr.within_noise else "") if x)]
            for j, v in enumerate(values):
                self.table.setItem(i, j, QTableWidgetItem(v))
        self.table.resizeColumnsToContents()
        self.draw_chart(max(self.table.currentRow(), 0))

    def draw_chart(self, row: int) -> None:
        r = self.report
        if not (0 <= row < len(r.measures)):
            return
        m = r.measures[row]
        strand = self.strand.currentText()
        series = QHorizontalBarSeries()
        bars = QBarSet(r.label(m))
        areas = list(reversed(r.areas))  # top to bottom in the usual order
        for a in areas:
            f = r.figure(m, strand, a)
            bars.append(round(f.value * 100, 1) if f and f.value is not None else 0.0)
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        chart = QChart()
        chart.addSeries(series)
        chart.setTitle(f"{r.label(m)} by Area — {strand}")
        chart.legend().setVisible(False)
        y = QBarCategoryAxis()
        y.append(areas)
        y.setTruncateLabels(False)  # Area names in full
        x = QValueAxis()
        x.setRange(0, 100)
        x.setLabelFormat("%d%%")
        chart.addAxis(y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(y)
        series.attachAxis(x)
        self.chart_view.setChart(chart)
        self.series = series

