"""Item models pass Qt's model tester; generated forms match their .ui sources; the demo opens and draws."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from conftest import ROOT
from fileexam.qt.case_list_model import CaseFilterProxy, CaseListModel


def test_case_list_model__passes_qtmodeltester(qtmodeltester, area_file):
    model = CaseListModel(area_file.template)
    model.set_cases(area_file.cases(), area_file.statuses(), area_file.last_changes())
    qtmodeltester.check(model, force_py=True)
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filters(search="wessex")
    qtmodeltester.check(proxy, force_py=True)
    assert 0 < proxy.rowCount() < model.rowCount()


def test_generated_forms_match_their_ui_sources():
    """Each fileexam/qt/ui/ui_X.py is what scripts/compile_forms.py makes of forms/X.ui today: pyside6-uic's
    output with its unused PySide6 imports dropped."""
    done = subprocess.run([sys.executable, str(ROOT / "scripts/compile_forms.py"), "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_compiled_forms__import_only_what_they_use():
    import ast

    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from compile_forms import prune
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    raw = ("from PySide6.QtCore import (QDate, Qt,\n    QUrl)\nfrom PySide6.QtGui import (QBrush, QGradient)\n"
           "from PySide6.QtWidgets import (QLabel, QWidget)\n\nclass Ui_X(object):\n"
           "    def setupUi(self, X):\n        self.a = QLabel(X)\n        self.a.setAlignment(Qt.AlignLeft)\n")
    pruned = prune(raw)
    imported = {a.name for n in ast.parse(pruned).body if isinstance(n, ast.ImportFrom) for a in n.names}
    assert imported == {"Qt", "QLabel"}
    assert "from PySide6.QtGui" not in pruned  # a statement left with no name goes
    assert pruned.endswith(raw[raw.index("class Ui_X"):])
    bare = "from PySide6.QtGui import (QBrush)\n\nclass Ui_Y(object):\n    pass\n"  # nothing of it used
    assert prune(bare) == "\nclass Ui_Y(object):\n    pass\n"
    for ui in (ROOT / "fileexam/qt/ui").glob("ui_*.py"):  # the shipped ones: every imported name is used
        tree = ast.parse(ui.read_text())
        names = {a.asname or a.name for n in tree.body if isinstance(n, ast.ImportFrom) for a in n.names}
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        assert names <= used, (ui.name, names - used)


def test_demo__opens_and_draws_a_real_window(qtbot, tmp_path):
    from fileexam.qt.app import build_window

    w = build_window(demo=True)
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    qtbot.waitExposed(w)
    assert w.model.rowCount() == 56 and w.session is not None
    qtbot.waitUntil(lambda: w.form.current is not None)
    out = tmp_path / "demo.png"
    assert w.grab().save(str(out))
    image = QImage(str(out)).scaled(140, 90)
    colours = {image.pixel(x, y) for x in range(140) for y in range(90)}
    assert len(colours) > 50  # a blank or single-colour window would have a handful
    # The demo has work in it: others' cases complete, some of the user's started.
    statuses = {r.status.value for r in w.model.rows}
    assert {"complete", "in progress", "not started"} <= statuses


def test_start_page__recent_file_opens_on_enter(qtbot, area_file):
    from PySide6.QtCore import Qt

    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    path = str(area_file.path.resolve())
    area_file.close()
    settings = qsettings()
    settings.setValue("recent", [path, "/nowhere/gone.fileexam"])
    w = MainWindow(settings, "A. Khan", InlineRunner())
    qtbot.addWidget(w)
    w.show()
    assert w.start_page.isVisible() and not w.ui.splitter.isVisible()
    assert not w.ui.actionExport.isEnabled()
    recent = w.start_page.recent
    assert recent.count() == 2 and "(missing)" in recent.item(1).text()
    recent.setCurrentRow(0)
    recent.setFocus()
    qtbot.keyClick(recent, Qt.Key.Key_Return)
    assert w.inspection is not None and w.ui.splitter.isVisible() and not w.start_page.isVisible()


def test_start_page__one_recent_file_kept_by_an_earlier_run__listed_whole(qtbot, area_file, tmp_path):
    """An ini file holds a list of one as plain text (as an earlier run left it): it is one file, not its
    letters, on the start page and when the next file opened is added."""
    from fileexam import settings as user_settings
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    path = str(area_file.path.resolve())
    area_file.close()
    user_settings.config_dir().mkdir(parents=True, exist_ok=True)
    (user_settings.config_dir() / "window.ini").write_text(f"[General]\nrecent={path}\n", encoding="utf-8")
    w = MainWindow(qsettings(), "A. Khan", InlineRunner())
    qtbot.addWidget(w)
    w.show()
    recent = w.start_page.recent
    assert [recent.item(i).data(Qt.ItemDataRole.UserRole) for i in range(recent.count())] == [path]
    other = tmp_path / "copy.fileexam"
    other.write_bytes(Path(path).read_bytes())
    assert w.open_inspection(other)
    assert w._recent_files() == [str(other.resolve()), path]


def test_unexpected_error__logged_to_the_data_folder_and_shown_briefly(qtbot, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from fileexam import settings
    from fileexam.qt import app as app_module

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: shown.append(a[2]))
    try:
        raise RuntimeError("something odd")
    except RuntimeError as exc:
        app_module._excepthook(type(exc), exc, exc.__traceback__)
    log = settings.data_dir() / "logs" / "fileexam-errors.log"
    assert "RuntimeError: something odd" in log.read_text()
    assert shown and "saved answers are safe" in shown[0] and "Traceback" not in shown[0]


def test_cli_unexpected_error__one_line_and_a_log(monkeypatch, capsys):
    from fileexam import cli, settings

    def boom(args):
        raise RuntimeError("unexpected")
    monkeypatch.setattr(cli, "cmd_status", boom)
    parser = cli.build_parser
    monkeypatch.setattr(cli, "build_parser", lambda: _with(parser(), boom))
    assert cli.main(["status", "x.fileexam"]) == 2
    err = capsys.readouterr().err
    assert "something went wrong that fileexam did not expect" in err and "RuntimeError" not in err
    assert "Traceback" not in err
    assert "RuntimeError: unexpected" in (settings.data_dir() / "logs" / "fileexam-errors.log").read_text()


def _with(parser, fn):
    for action in parser._subparsers._group_actions:
        action.choices["status"].set_defaults(func=fn)
    return parser


def test_case_list_column_width__never_narrower_than_its_widest_text(qtbot):
    """widest_text estimates long columns from character advances: it must never cut a text, and should not
    waste more than a few pixels, in any font."""
    import random
    import string

    from PySide6.QtGui import QFont, QFontMetrics

    from fileexam.qt.case_list_model import widest_text

    rng = random.Random(7)
    columns = [{f"C{i:05d}" for i in range(1200)},
               {f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:"
                f"{rng.randint(0, 59):02d}" for _ in range(900)},
               {"".join(rng.choice(string.ascii_letters + " ÄéWwMmil1.") for _ in range(rng.randint(1, 40)))
                for _ in range(1500)},
               {"WWW", "iii", "Wi"}]  # few: measured one by one
    for font in (QFont(), QFont("DejaVu Serif", 13), QFont("DejaVu Sans Mono", 9), QFont("DejaVu Sans", 7)):
        metrics = QFontMetrics(font)
        for texts in columns:
            exact = max(metrics.horizontalAdvance(t) for t in texts)
            got = widest_text(metrics, texts)
            assert exact <= got <= exact + 4, (font.family(), exact, got)


def test_case_list_column_width__kerned_texts_do_not_hide_a_wider_one(qtbot):
    """Sixty texts whose kerning ('AV') makes them narrower than their characters' sum rank first by the
    estimate; a plain text ranked below them is the widest: it must still fit."""
    from PySide6.QtGui import QFont, QFontMetrics

    from fileexam.qt.case_list_model import widest_text

    metrics = QFontMetrics(QFont("DejaVu Sans", 12))
    kerned = {"AV" * 10 + f"{i:02d}" for i in range(60)}
    k_exact = max(metrics.horizontalAdvance(t) for t in kerned)
    k_estimate = min(sum(metrics.horizontalAdvance(c * 8) / 8 for c in t) for t in kerned)
    plain = next("H" * n for n in range(1, 200) if metrics.horizontalAdvance("H" * n) > k_exact)
    if sum(metrics.horizontalAdvance(c * 8) / 8 for c in plain) >= k_estimate:  # the case this is about
        pytest.skip("this machine's DejaVu Sans does not kern 'AV'")
    texts = kerned | {plain}
    assert widest_text(metrics, texts) >= metrics.horizontalAdvance(plain)


def test_case_list_padding__follows_the_style_once_it_is_asked(qtbot):
    """The case list is first fitted with the common styles' focus margin (2: asking the style at start-up
    builds QStyle's enums); a moment later the style is asked, and a style with another margin refits it."""
    from PySide6.QtWidgets import QProxyStyle, QStyle

    from fileexam.qt.app import build_window

    class WideFocus(QProxyStyle):
        def pixelMetric(self, metric, option=None, widget=None):
            if metric == QStyle.PixelMetric.PM_FocusFrameHMargin:
                return 7
            return super().pixelMetric(metric, option, widget)

    w = build_window(demo=True)
    qtbot.addWidget(w)
    table = w.ui.caseTable
    style = WideFocus()
    table.setStyle(style)
    first = [table.columnWidth(c) for c in range(w.model.columnCount())]
    qtbot.waitUntil(lambda: getattr(w, "_focus_margin", None) is not None, timeout=3000)
    assert w._focus_margin == 7
    assert [table.columnWidth(c) for c in range(w.model.columnCount())] == [x + 2 * (7 - 2) for x in first]
