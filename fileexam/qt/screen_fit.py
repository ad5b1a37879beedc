"""Windows that fit the screen they open on: a 1366 × 768 laptop keeps room for its taskbar and for the
window's title bar and borders (the same at 200% scaling on a larger screen: Qt lays out in device-
independent pixels). tests/qt/fitting.py checks every window against the same rule."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

TASKBAR = 40  # kept clear below a window when the platform says nothing of a taskbar (it reports none)
FRAME = QSize(8, 36)  # a title bar and borders, for a window not yet decorated by the window manager


def available(widget: QWidget) -> QRect:
    """The part of the widget's screen (its parent's, or the primary one) a window may cover."""
    screen = widget.screen()
    parent = widget.parentWidget()
    if parent is not None and parent.isVisible():
        screen = parent.screen()
    screen = screen or QGuiApplication.primaryScreen()
    avail = screen.availableGeometry()
    if avail == screen.geometry():
        avail = avail.adjusted(0, 0, 0, -TASKBAR)
    return avail


def frame_allowance(widget: QWidget) -> QSize:
    """What the window manager adds around the window's contents: measured once it is shown with a frame."""
    if widget.isVisible():  # no less than a usual title bar: some platforms (offscreen) draw next to none
        return (widget.frameGeometry().size() - widget.geometry().size()).expandedTo(FRAME)
    return FRAME


def room(widget: QWidget) -> QSize:
    """The largest size of the window's contents that fits the screen with its frame."""
    return available(widget).size() - frame_allowance(widget)


def fit(window: QWidget, preferred: QSize | None = None) -> None:
    """Resize the window to `preferred` (its current size when None), no larger than the screen allows, and
    move it so that all of it, frame included, is on the screen."""
    target = (preferred or window.size()).boundedTo(room(window))
    target = target.expandedTo(window.minimumSize())
    if target != window.size():
        window.resize(target)
    place(window)


def place(window: QWidget) -> None:
    avail, extra = available(window), frame_allowance(window)
    frame = QRect(window.pos(), window.size() + extra)
    if avail.contains(frame):
        return
    x = min(max(frame.x(), avail.left()), max(avail.left(), avail.right() + 1 - frame.width()))
    y = min(max(frame.y(), avail.top()), max(avail.top(), avail.bottom() + 1 - frame.height()))
    window.move(QPoint(x, y))


class _KeepOnScreen(QObject):
    """Moves its window back inside the screen each time it is shown (after Qt has centred a dialog over
    its parent, which may put it partly off a small screen)."""

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Show and obj.isWindow():
            place(obj)
        return False


def keep_on_screen(window: QWidget, preferred: QSize | None = None) -> None:
    """fit() now, and place() whenever the window is shown."""
    fit(window, preferred)
    keeper = _KeepOnScreen(window)
    window.installEventFilter(keeper)
