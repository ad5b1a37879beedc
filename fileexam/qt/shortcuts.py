"""The keyboard shortcuts help (F1), made from the window's own menus: each action's text and its
shortcut(s) as bound, so the help cannot drift from the keys. Keys that a widget handles itself (an
answer's key in a question, Enter in the case list) come from the module that handles them."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenuBar, QTextBrowser, QVBoxLayout, QWidget

from fileexam.qt import screen_fit

Rows = list[tuple[str, str]]  # (keys, what they do)


def plain(text: str) -> str:
    """An action's text as read: no mnemonic ampersand, no tab hint, no trailing ellipsis."""
    text = re.sub(r"&(.)", r"\1", text.partition("\t")[0])
    return text.rstrip("…").rstrip(".")


def keys_of(action: QAction) -> str:
    """The action's shortcuts as the user types them ("Ctrl+Return or Ctrl+Enter"), or the key a widget
    handles for it, shown after a tab in its menu text ("Enter")."""
    bound = [s.toString(QKeySequence.SequenceFormat.NativeText) for s in action.shortcuts() if not s.isEmpty()]
    if bound:
        return " or ".join(bound)
    return action.text().partition("\t")[2]


def menu_rows(menubar: QMenuBar) -> list[tuple[str, Rows]]:
    """(menu title, rows) for every menu, each action that has a key, in menu order."""
    groups = []
    for top in menubar.actions():
        menu = top.menu()
        if menu is None:
            continue
        rows = [(keys_of(a), plain(a.text())) for a in menu.actions()
                if not a.isSeparator() and a.isVisible() and keys_of(a)]
        if rows:
            groups.append((f"{plain(menu.title())} menu", rows))
    return groups


def help_html(menubar: QMenuBar, widget_keys: list[tuple[str, Rows]]) -> str:
    parts = ["<h3>Keyboard shortcuts</h3>"]
    for title, rows in widget_keys + menu_rows(menubar):
        parts.append(f"<p><b>{html.escape(title)}</b></p><table cellpadding=2>")
        parts += [f"<tr><td width=190><b>{html.escape(k)}</b></td><td>{html.escape(d)}</td></tr>" for k, d in rows]
        parts.append("</table>")
    parts.append("<p>Every answer is saved the moment you give it. There is no Save button.</p>")
    return "".join(parts)


class ShortcutsDialog(QDialog):
    """The help in a scrolling pane: the list is longer than a laptop screen is tall."""

    def __init__(self, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Keyboard shortcuts")
        self.text.setHtml(text)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        screen_fit.keep_on_screen(self, QSize(640, 640))
