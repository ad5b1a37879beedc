"""The Qt binding itself: a version that mishandles None would crash a long scoring session."""

import sys

from PySide6.QtWidgets import QLabel, QToolButton


def test_void_methods__do_not_drop_references_to_none(qtbot):
    # PySide6 6.12.0 on Python 3.11 lost one reference to None per call: after some thousands of
    # answers the app died with "deallocating None". pyproject.toml keeps that version out.
    label, button = QLabel(), QToolButton()
    qtbot.addWidget(label)
    qtbot.addWidget(button)
    button.setCheckable(True)
    before = sys.getrefcount(None)
    for _ in range(500):
        label.setText("x")
        button.setChecked(False)
        label.setEnabled(True)
    assert abs(sys.getrefcount(None) - before) < 50
