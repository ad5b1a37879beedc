"""The quick check begun as the app starts (store/early_check.py): its pass is taken over only for the
same, unchanged file; anything else is checked again by InspectionFile.open, with the same refusals."""

import os
from pathlib import Path

import pytest

import fileexam.qt.app
from fileexam import cli
from fileexam.store import early_check
from fileexam.store import inspection_file as inspection_module
from fileexam.store.file_check import DamagedFile
from fileexam.store.inspection_file import InspectionFile
from test_opening import damage_a_middle_btree_page

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def closed(area_file):
    path = Path(area_file.path)
    area_file.close()
    return path


@pytest.fixture
def checks(monkeypatch):
    """The checks InspectionFile.open runs itself (not those begun early), by the kind asked for."""
    ran: list[str] = []
    real = inspection_module.check_inspection_file

    def counted(path, check="quick", key=None):
        ran.append(check)
        return real(path, check, key)

    monkeypatch.setattr(inspection_module, "check_inspection_file", counted)
    yield ran
    early_check.forget()


def test_a_pass_begun_early_is_taken_and_the_file_not_checked_twice(closed, checks):
    early_check.begin(closed)
    with InspectionFile.open(closed) as f:
        assert f.cases()
    assert checks == []
    with InspectionFile.open(closed) as f:  # taken once: the next opening checks again
        assert f.cases()
    assert checks == ["quick"]


def test_a_file_changed_since_the_check_began_is_checked_again(closed, checks):
    early_check.begin(closed)
    _, thread, _ = early_check._BEGUN[str(closed.resolve())]
    thread.join()
    st = closed.stat()
    os.utime(closed, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))  # as a write would
    with InspectionFile.open(closed):
        pass
    assert checks == ["quick"]


def test_another_kind_of_check_is_run_as_asked(closed, checks):
    early_check.begin(closed)
    with InspectionFile.open(closed, check="full"):
        pass
    assert checks == ["full"]


def test_damage_found_early_is_refused_by_open_in_its_own_words(closed, tmp_path, checks):
    damaged = tmp_path / "damaged.fileexam"
    damaged.write_bytes(damage_a_middle_btree_page(closed.read_bytes()))
    early_check.begin(damaged)
    with pytest.raises(DamagedFile) as refused:
        InspectionFile.open(damaged)
    assert checks == ["quick"]
    assert "SQLite's check finds" in str(refused.value) or "cannot read" in str(refused.value)


def test_no_file_no_check(tmp_path):
    early_check.begin(tmp_path / "missing.fileexam")
    early_check.begin(tmp_path)
    assert early_check._BEGUN == {}


@pytest.mark.parametrize("argv, expected", [
    ([], (None, False)),
    (["--demo"], (None, True)),
    (["FILE"], ("FILE", False)),
    (["app", "FILE"], ("FILE", False)),  # through the full parser: the same app
])
def test_the_app_starts_from_the_same_arguments_with_or_without_the_full_parser(closed, monkeypatch, argv, expected):
    started = []
    monkeypatch.setattr(fileexam.qt.app, "run", lambda file, demo: started.append((file, demo)) or 0)
    argv = [str(closed) if a == "FILE" else a for a in argv]
    assert cli.main(argv) == 0
    assert started == [(str(closed) if expected[0] == "FILE" else None, expected[1])]
    if expected[0] == "FILE":  # the file's check was begun before the app's imports
        assert str(closed.resolve()) in early_check._BEGUN
    early_check.forget()


def test_arguments_that_are_not_plainly_the_apps_still_go_through_the_parser(closed, monkeypatch, capsys):
    monkeypatch.setattr(fileexam.qt.app, "run", lambda file, demo: 0)
    with pytest.raises(SystemExit):
        cli.main([str(closed), "--nonsense"])
    assert "unrecognized arguments: --nonsense" in capsys.readouterr().err


@pytest.mark.parametrize("kept", ["C:\\Users\\Zoë\\a b.fileexam", "/tmp/a, b;c.fileexam", '/tmp/"q".fileexam',
                                  "/tmp/日本/area.fileexam", "/plain/area.fileexam"])
def test_the_last_file_is_read_as_qt_wrote_it(tmp_path, kept):
    """The app starts on the last file it had open: its check begins before Qt is imported, from the
    window settings read as text, which must give back the path QSettings wrote."""
    from PySide6.QtCore import QSettings

    ini = tmp_path / "window.ini"
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    settings.setValue("recent", [kept])
    settings.setValue("last_file", kept)
    settings.setValue("window/geometry", b"\x01\x02")
    settings.sync()
    assert early_check.last_file(ini) == Path(kept)


def test_no_last_file_no_guess(tmp_path):
    assert early_check.last_file(tmp_path / "none.ini") is None
    (tmp_path / "w.ini").write_text("[window]\nlast_file=/not/general.fileexam\n")
    assert early_check.last_file(tmp_path / "w.ini") is None


def test_the_app_started_plainly_checks_its_last_file_early(closed, monkeypatch):
    from fileexam import settings

    monkeypatch.setattr(fileexam.qt.app, "run", lambda file, demo: 0)
    settings.config_dir().mkdir(parents=True, exist_ok=True)
    (settings.config_dir() / "window.ini").write_text(f"[General]\nlast_file={closed}\n", encoding="utf-8")
    assert cli.main([]) == 0
    assert str(closed.resolve()) in early_check._BEGUN
    early_check.forget()
