"""Make the README's screenshots from the demo inspection: docs/screenshots/*.png.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"


def main() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ["FILEEXAM_HOME"] = tempfile.mkdtemp()  # a fresh demo, none of the user's own settings
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from fileexam.qt.app import build_window
    from fileexam.qt.tasks import InlineRunner

    app = QApplication(sys.argv[:1])  # noqa: F841 - the application must outlive the window
    w = build_window(demo=True, runner=InlineRunner())
    w.resize(1366, 768)  # the common laptop screen
    w.show()
    def settle(ms: int = 300) -> None:  # let the window draw (app.quit would close the windows)
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    settle()
    # A Crown Court case of the user's, partly scored, with the focus on a question in the middle.
    for row in w.model.rows:
        c = row.case
        if c.inspector == w.user and c.fields.get("strand") == "crown_court" and c.fields.get("charging_decision_by") != "police":
            w.select_case(c.reference)
            break
    settle()
    w.form.focus_question("PC04")
    settle()
    OUT.mkdir(parents=True, exist_ok=True)
    w.grab().save(str(OUT / "main-window.png"))
    w.ui.questionScroll.grab().save(str(OUT / "scoring-form.png"))
    w.ui.actionMarkComplete.trigger()
    settle()
    w.completeness.grab().save(str(OUT / "completeness-check.png"))
    print(f"wrote {', '.join(p.name for p in sorted(OUT.glob('*.png')))} to {OUT}")


if __name__ == "__main__":
    main()
