import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
AREA_TEMPLATE = ROOT / "question_sets" / "area-inspection.yaml"
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch):
    """Every test gets its own settings and data folders: a developer's own never leak in."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("FILEEXAM_HOME", str(home))
    return home


@pytest.fixture
def area_file(tmp_path):
    """A new inspection from the shipped Area template, with the example sample imported."""
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    f = InspectionFile.create(tmp_path / "area.fileexam", AREA_TEMPLATE, "Area inspection 2026", "TL")
    report = import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL")
    assert report.imported, [p.format() for p in report.problems]
    yield f
    f.close()


@pytest.fixture
def merged_file(area_file):
    """area_file with the three example inspectors' workbooks merged: complete markings to report on."""
    from fileexam.services.merge import merge_workbooks

    report = merge_workbooks(area_file, sorted((ROOT / "exports/examples").glob("work-*.xlsx")), "TL")
    assert not report.refused, [w.reasons for w in report.refused]
    return area_file


APP_USER = "A. Khan"


@pytest.fixture
def make_window(qtbot, area_file):
    """A main window on a real inspection file (the shipped template, the example sample);
    background jobs run inline. Call it again for a second window on the same file."""
    from fileexam.qt.app import qsettings
    from fileexam.qt.main_window import MainWindow
    from fileexam.qt.tasks import InlineRunner

    path = area_file.path
    area_file.close()

    def make():
        w = MainWindow(qsettings(), APP_USER, InlineRunner())
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
