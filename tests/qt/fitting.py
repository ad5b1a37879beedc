"""Does everything the user needs fit? A walk over a window's widget tree measuring text with the widget's
own font against the room the widget has: labels, buttons, combo boxes (every item), line edits' hints,
group box titles, tabs, progress bars, status bar messages, and the rows of tables, trees and lists
(every row; every column, unless a view names the columns it may cut in its "fitOptionalColumns"
property); and whether the window itself fits the screen it is on.

Used by tests/qt/test_fitting.py. Each finding is one line saying where, what, and by how many pixels."""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QGuiApplication, QTextDocument
from PySide6.QtGui import Qt as GuiQt
from PySide6.QtWidgets import (QAbstractButton, QAbstractItemView, QAbstractScrollArea, QCheckBox, QComboBox,
                               QGroupBox, QHeaderView, QLabel, QLineEdit, QListView, QProgressBar, QPushButton,
                               QRadioButton, QScrollArea, QStatusBar, QStyle, QStyleOptionButton, QStyleOptionComboBox,
                               QStyleOptionFrame, QStyleOptionGroupBox, QTabBar, QTableView,
                               QToolButton, QTreeView, QWidget)

TASKBAR = 40  # reserved below the window when the platform reports no taskbar of its own (offscreen)
FRAME = QSize(8, 36)  # a window's title bar and borders, when the platform draws none (offscreen)
SLACK = 1  # rounding


def plain_text(text: str) -> str:
    """A button's or label's text as drawn: mnemonics gone, a menu's tab hint dropped."""
    text = text.partition("\t")[0]
    return re.sub(r"&(.)", r"\1", text)


def where(w: QWidget) -> str:
    names = []
    while w is not None and len(names) < 4:
        names.append(w.objectName() or w.accessibleName() or type(w).__name__)
        w = w.parentWidget()
    return " < ".join(names)


def shown(w: QWidget, window: QWidget) -> bool:
    return w.isVisible() and w.width() > 0 and w.height() > 0 and w.window() is window


# ---- windows -------------------------------------------------------------------------------------------------
def window_problems(window: QWidget) -> list[str]:
    """The window (with a title bar and borders) is inside the screen's available area, a taskbar kept clear;
    and so is the smallest size its layout allows."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry()
    if avail == screen.geometry():  # the platform reserves nothing: keep a taskbar's room
        avail = avail.adjusted(0, 0, 0, -TASKBAR)
    frame = window.frameGeometry()  # no less than a usual title bar and borders (offscreen draws next to none)
    frame = QRect(frame.topLeft(), window.geometry().size() + (frame.size() - window.geometry().size()).expandedTo(FRAME))
    out = []
    if frame.width() > avail.width() or frame.height() > avail.height():
        out.append(f"{where(window)}: the window, {frame.width()} × {frame.height()} with its frame, is larger "
                   f"than the screen's {avail.width()} × {avail.height()}")
    elif not avail.contains(frame):
        out.append(f"{where(window)}: the window at {frame.x()},{frame.y()} falls off the screen {avail}")
    least = window.minimumSizeHint().expandedTo(window.minimumSize()) + FRAME
    if least.width() > avail.width() or least.height() > avail.height():
        out.append(f"{where(window)}: the smallest the window can be, {least.width()} × {least.height()} with "
                   f"its frame, is larger than the screen's {avail.width()} × {avail.height()}")
    return out


# ---- widgets -------------------------------------------------------------------------------------------------
def _label(w: QLabel) -> list[str]:
    if not w.text() or w.pixmap() is not None and not w.pixmap().isNull():
        return []
    cr = w.contentsRect()
    room = cr.width() - 2 * max(w.margin(), 0) - max(w.indent(), 0)
    if w.wordWrap():
        need = w.heightForWidth(w.width())
        longest = _longest_word(w)
        out = []
        if need > w.height() + SLACK:
            out.append(f"{where(w)}: wrapped text needs {need} px of height, has {w.height()}: "
                       f"{_short(w.text())!r}")
        if longest > room + SLACK:
            out.append(f"{where(w)}: a word of the text needs {longest} px, has {room}: {_short(w.text())!r}")
        return out
    hint = w.sizeHint()  # the text's own size (font metrics), margins included
    out = []
    if hint.width() > w.width() + SLACK:
        out.append(f"{where(w)}: text needs {hint.width()} px, has {w.width()}: {_short(w.text())!r}")
    if hint.height() > w.height() + SLACK:
        out.append(f"{where(w)}: text needs {hint.height()} px of height, has {w.height()}: {_short(w.text())!r}")
    return out


def _longest_word(w: QLabel) -> int:
    if _rich(w):
        doc = QTextDocument()
        doc.setDefaultFont(w.font())
        doc.setHtml(w.text())
        words = doc.toPlainText().split()
    else:
        words = w.text().split()
    fm = w.fontMetrics()
    bold = w.font()
    bold.setBold(True)
    fmb = QFontMetrics(bold)  # rich text may make a word bold: measure it so
    measure = fmb if _rich(w) else fm
    return max((measure.horizontalAdvance(word) for word in words), default=0)


def _rich(w: QLabel) -> bool:
    fmt = w.textFormat()
    return fmt == Qt.TextFormat.RichText or fmt == Qt.TextFormat.AutoText and GuiQt.mightBeRichText(w.text())


def _short(text: str) -> str:
    text = re.sub(r"<[^>]+>", "", text)
    return text if len(text) < 70 else text[:67] + "…"


def _button(w: QAbstractButton) -> list[str]:
    text = plain_text(w.text())
    if not text:
        return []
    fm = w.fontMetrics()
    need = max(fm.horizontalAdvance(line) for line in text.split("\n"))
    if not w.icon().isNull():
        need += w.iconSize().width() + 4
    style = w.style()
    if isinstance(w, (QPushButton, QCheckBox, QRadioButton)):
        opt = QStyleOptionButton()
        w.initStyleOption(opt)
        element = (QStyle.SubElement.SE_PushButtonContents if isinstance(w, QPushButton) else
                   QStyle.SubElement.SE_CheckBoxContents if isinstance(w, QCheckBox) else
                   QStyle.SubElement.SE_RadioButtonContents)
        room = style.subElementRect(element, opt, w).width()
        if isinstance(w, QPushButton):
            room -= 2  # the text is drawn a little inside the contents
    elif isinstance(w, QToolButton):
        room = w.width() - (w.sizeHint().width() - need)  # what the style adds around the text
        if w.sizeHint().width() <= w.width():
            return []
    else:
        room = w.width()
    if need > room + SLACK:
        return [f"{where(w)}: button text needs {need} px, has {room}: {text!r}"]
    return []


def _combo(w: QComboBox) -> list[str]:
    if w.isEditable():
        return []
    opt = QStyleOptionComboBox()
    w.initStyleOption(opt)
    room = w.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                    QStyle.SubControl.SC_ComboBoxEditField, w).width() - 2
    fm = w.fontMetrics()
    out = []
    texts = [w.itemText(i) for i in range(w.count())] + ([w.placeholderText()] if w.placeholderText() else [])
    for text in texts:
        need = fm.horizontalAdvance(text)
        icon = w.itemIcon(texts.index(text)) if texts.index(text) < w.count() else None
        if icon is not None and not icon.isNull():
            need += w.iconSize().width() + 4
        if need > room + SLACK:
            out.append(f"{where(w)}: item needs {need} px, has {room}: {text!r}")
    return out


def _line_edit(w: QLineEdit) -> list[str]:
    if w.text():  # a field shown, not typed into, is read whole: one typed into scrolls as the user types
        text = w.text() if w.isReadOnly() else ""
    else:
        text = w.placeholderText()
    if not text:
        return []
    opt = QStyleOptionFrame()
    w.initStyleOption(opt)
    room = w.style().subElementRect(QStyle.SubElement.SE_LineEditContents, opt, w).width()
    margins = w.textMargins()
    room -= margins.left() + margins.right() + 4  # QLineEdit's own horizontal margin, both sides
    if w.isClearButtonEnabled():
        room -= 24
    need = w.fontMetrics().horizontalAdvance(text)
    if need > room + SLACK:
        return [f"{where(w)}: {'hint' if not w.text() else 'text'} needs {need} px, has {room}: {text!r}"]
    return []


def _group_box(w: QGroupBox) -> list[str]:
    if not w.title():
        return []
    opt = QStyleOptionGroupBox()
    w.initStyleOption(opt)
    label = w.style().subControlRect(QStyle.ComplexControl.CC_GroupBox, opt, QStyle.SubControl.SC_GroupBoxLabel, w)
    need = w.fontMetrics().horizontalAdvance(plain_text(w.title()))
    if label.right() > w.width() or need > label.width() + SLACK:
        return [f"{where(w)}: title needs {need} px, has {min(label.width(), w.width())}: {w.title()!r}"]
    return []


def _tab_bar(w: QTabBar) -> list[str]:
    out = []
    for i in range(w.count()):
        if not w.isTabVisible(i):
            continue
        rect, want = w.tabRect(i), w.tabSizeHint(i)
        if rect.width() + SLACK < want.width() or rect.right() > w.width():
            out.append(f"{where(w)}: tab needs {want.width()} px, has {rect.width()}: {plain_text(w.tabText(i))!r}")
    return out


def _progress(w: QProgressBar) -> list[str]:
    if not w.isTextVisible() or not w.text():
        return []
    need = w.fontMetrics().horizontalAdvance(w.text()) + 8
    if need > w.width() + SLACK:
        return [f"{where(w)}: text needs {need} px, has {w.width()}: {w.text()!r}"]
    return []


def _status_bar(w: QStatusBar) -> list[str]:
    message = w.currentMessage()
    if not message:
        return []
    permanent = sum(c.width() + 6 for c in w.findChildren(QWidget)
                    if c.parentWidget() is w and c.isVisible() and c.x() > w.width() // 2)
    room = w.width() - permanent - 12
    need = w.fontMetrics().horizontalAdvance(message)
    if need > room + SLACK:
        return [f"{where(w)}: message needs {need} px, has {room}: {message!r}"]
    return []


def _header(h: QHeaderView, optional: set[int]) -> list[str]:
    if h.orientation() != Qt.Orientation.Horizontal or not h.isVisible():
        return []
    model = h.model()
    if model is None:
        return []
    out = []
    fm = h.fontMetrics()
    pad = 2 * h.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMargin) + 4
    for col in range(model.columnCount(QModelIndex())):
        if h.isSectionHidden(col) or col in optional:
            continue
        text = str(model.headerData(col, Qt.Orientation.Horizontal) or "")
        if not text:
            continue
        need = max(fm.horizontalAdvance(line) for line in text.split("\n")) + pad
        if h.isSortIndicatorShown() and h.sortIndicatorSection() == col:
            need += h.style().pixelMetric(QStyle.PixelMetric.PM_HeaderMarkSize) + 4
        if need > h.sectionSize(col) + SLACK:
            out.append(f"{where(h)}: heading needs {need} px, has {h.sectionSize(col)}: {text!r}")
    return out


def _view(v: QAbstractItemView) -> list[str]:
    model = v.model()
    if model is None:
        return []
    optional = set(v.property("fitOptionalColumns") or [])
    out = []
    fm = v.fontMetrics()
    margin = 2 * (v.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, v) + 1)
    viewport = v.viewport().width()
    if isinstance(v, QListView):
        columns = [v.modelColumn()]
    else:
        columns = [c for c in range(model.columnCount(QModelIndex())) if c not in optional
                   and not (isinstance(v, (QTableView, QTreeView)) and v.isColumnHidden(c))]
    if isinstance(v, QTableView):
        out += _header(v.horizontalHeader(), optional)
    elif isinstance(v, QTreeView) and not v.isHeaderHidden():
        out += _header(v.header(), optional)
    # every needed column in view without sideways scrolling
    if isinstance(v, (QTableView, QTreeView)):
        header = v.horizontalHeader() if isinstance(v, QTableView) else v.header()
        for c in columns:
            right = header.sectionPosition(c) + header.sectionSize(c)
            if right > viewport + SLACK:
                title = model.headerData(c, Qt.Orientation.Horizontal)
                out.append(f"{where(v)}: column {title!r} ends at {right} px, past the visible {viewport} px: "
                           "it needs sideways scrolling")
    rows = _rows(v, model)
    for index in rows:
        for c in columns:
            cell = index.siblingAtColumn(c) if c != index.column() else index
            if isinstance(v, QTableView) and (v.isRowHidden(cell.row()) or v.columnSpan(cell.row(), c) > 1):
                continue
            text = cell.data(Qt.ItemDataRole.DisplayRole)
            if text is None or str(text) == "":
                continue
            text = str(text)
            font = cell.data(Qt.ItemDataRole.FontRole)
            metrics = QFontMetrics(font) if font is not None else fm
            rect = v.visualRect(cell)
            if isinstance(v, QListView):
                width = viewport - (rect.x() if rect.isValid() and rect.x() > 0 else 0)
            elif isinstance(v, QTableView):
                width = v.columnWidth(c)
            else:
                width = v.columnWidth(c) - (rect.x() - v.header().sectionViewportPosition(c)
                                            if rect.isValid() else 0)
            room = width - margin
            decoration = cell.data(Qt.ItemDataRole.DecorationRole)
            if decoration is not None:
                room -= v.iconSize().width() if v.iconSize().isValid() else 16
                room -= 4
            if cell.data(Qt.ItemDataRole.CheckStateRole) is not None:
                room -= v.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + 6
            lines = text.split("\n")
            need = max(metrics.horizontalAdvance(line) for line in lines)
            if need <= room + SLACK and len(lines) == 1:
                continue
            height = rect.height() if rect.isValid() else (v.rowHeight(cell.row()) if isinstance(v, QTableView) else 0)
            if v.wordWrap() or len(lines) > 1:
                wrapped = metrics.boundingRect(QRect(0, 0, max(room, 1), 100000),
                                               int(Qt.TextFlag.TextWordWrap), text)
                longest = max((metrics.horizontalAdvance(word) for word in text.split()), default=0)
                grid = 1 if isinstance(v, QTableView) and v.showGrid() else 0
                if wrapped.height() <= height - grid + SLACK and (longest <= room + SLACK):
                    continue
                out.append(f"{where(v)}: row {cell.row()}, column {c}: wrapped text needs {wrapped.height()} px of "
                           f"height and {longest} px for a word, has {height} × {room}: {_short(text)!r}")
            else:
                out.append(f"{where(v)}: row {cell.row()}, column {c}: text needs {need} px, has {room}: "
                           f"{_short(text)!r}")
    return out


def _rows(v: QAbstractItemView, model) -> list[QModelIndex]:
    out = []

    def walk(parent: QModelIndex) -> None:
        for r in range(min(model.rowCount(parent), 3000)):
            index = model.index(r, 0, parent)
            if isinstance(v, QListView):
                index = model.index(r, v.modelColumn(), parent)
                if v.isRowHidden(r):
                    continue
            out.append(index)
            if isinstance(v, QTreeView) and v.isExpanded(index):
                walk(index)
    walk(v.rootIndex())
    return out


def widget_problems(window: QWidget) -> list[str]:
    """Every text the user needs that does not fit, in the window as it is shown now."""
    out = []
    for w in [window] + window.findChildren(QWidget):
        if not shown(w, window) or w.property("fitExempt"):
            continue
        if isinstance(w, QLabel):
            out += _label(w)
        elif isinstance(w, QAbstractButton) and not isinstance(w.parentWidget(), (QTabBar, QHeaderView)):
            out += _button(w)
        elif isinstance(w, QComboBox):
            out += _combo(w)
        elif isinstance(w, QLineEdit) and not isinstance(w.parentWidget(), QComboBox):
            out += _line_edit(w)
        elif isinstance(w, QTabBar):
            out += _tab_bar(w)
        elif isinstance(w, QProgressBar):
            out += _progress(w)
        elif isinstance(w, QStatusBar):
            out += _status_bar(w)
        elif isinstance(w, QAbstractItemView) and not isinstance(w, QHeaderView) and \
                not isinstance(w.parentWidget(), QComboBox) and w.parentWidget() is not None and \
                type(w.parentWidget()).__name__ != "QComboBoxPrivateContainer":
            out += _view(w)
        if isinstance(w, QGroupBox):
            out += _group_box(w)
        if isinstance(w, QScrollArea):
            out += _scroll_area(w)
        out += _inside_parent(w, window)
    return out


def _scroll_area(w: QScrollArea) -> list[str]:
    """Contents wider than a scroll area with no sideways scroll bar are cut off at its edge."""
    inner = w.widget()
    if inner is None or w.horizontalScrollBarPolicy() != Qt.ScrollBarPolicy.ScrollBarAlwaysOff:
        return []
    if inner.width() > w.viewport().width() + SLACK:
        return [f"{where(w)}: its contents are {inner.width()} px wide, {w.viewport().width()} px show, and it "
                "cannot scroll sideways"]
    return []


def _inside_parent(w: QWidget, window: QWidget) -> list[str]:
    """A widget laid out past its parent's edge (a layout squeezed below its minimum) is cut off; one in a
    scroll area's contents may be scrolled to."""
    parent = w.parentWidget()
    if w is window or parent is None or w.isWindow():
        return []
    if isinstance(parent.parentWidget(), QAbstractScrollArea) or isinstance(parent, QAbstractScrollArea):
        return []
    g = w.geometry()
    if g.right() > parent.width() + SLACK or g.bottom() > parent.height() + SLACK:
        if type(parent).__name__ in ("QStackedWidget", "QSplitter") or parent.property("fitExempt"):
            return []
        return [f"{where(w)}: laid out past its parent's edge ({g.right()} × {g.bottom()} in "
                f"{parent.width()} × {parent.height()})"]
    return []


def problems(window: QWidget) -> list[str]:
    return window_problems(window) + widget_problems(window)
