import pytest

from fileexam.qt.app import qsettings
from fileexam.qt.main_window import MainWindow
from fileexam.qt.tasks import InlineRunner

USER = "A. Khan"


@pytest.fixture
def make_window(qtbot, area_file):
    """A main window on a real inspection file; background jobs run inline."""
    path = area_file.path
    area_file.close()

    def make():
        w = MainWindow(qsettings(), USER, InlineRunner())
        qtbot.addWidget(w)
        w.resize(1400, 900)
        w.show()
        qtbot.waitExposed(w)
        w.activateWindow()
        assert w.open_inspection(path)
        return w

    make.path = path
    return make


@pytest.fixture
def window(make_window):
    return make_window()
