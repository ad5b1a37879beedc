"""fileexam.resources: the shipped question sets and examples are found from a checkout and from a built
app folder (beside the executable, as scripts/build_app.py lays them out); the user's folders and the
check that they can be written."""

from __future__ import annotations

import shutil
import sys

import pytest

from conftest import ROOT
from fileexam import resources


def test_from_a_checkout__the_repositorys_question_sets_and_examples():
    assert not resources.frozen()
    assert resources.shipped_root() == ROOT
    assert resources.demo_template() == ROOT / "question_sets" / "area-inspection.yaml"
    assert (resources.examples() / "area-sample.xlsx").is_file()


def test_in_a_built_app_folder__found_beside_the_executable(tmp_path, monkeypatch):
    app = tmp_path / "Program Files" / "fileexam"
    shutil.copytree(ROOT / "question_sets", app / "question_sets")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(app / "fileexam.exe"))
    assert resources.frozen()
    assert resources.shipped_root() == app
    assert resources.question_sets() == app / "question_sets"


def test_in_a_pyinstaller_bundle__found_in_its_contents_folder_too(tmp_path, monkeypatch):
    internal = tmp_path / "app" / "_internal"
    shutil.copytree(ROOT / "question_sets", internal / "question_sets")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(tmp_path / "app" / "fileexam"))
    monkeypatch.setattr(sys, "_MEIPASS", str(internal), raising=False)
    assert resources.shipped_root() == internal


def test_nowhere__says_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setattr(resources, "_candidates", lambda: [tmp_path / "a", tmp_path / "b"])
    with pytest.raises(FileNotFoundError, match="question sets that come with fileexam were not found") as e:
        resources.shipped_root()
    assert str(tmp_path / "a") in str(e.value) and str(tmp_path / "b") in str(e.value)


def test_the_demo_is_made_from_the_shipped_template(tmp_path):
    from fileexam.services.demo import create_demo, shipped_question_sets

    assert shipped_question_sets() == resources.question_sets()
    f = create_demo(tmp_path / "demo.fileexam", "You (demo)")
    assert len(f.cases()) == 56
    f.close()


def test_user_folders__under_fileexam_home(own_home):
    folders = resources.user_folders()
    assert folders == {"Settings": own_home / "config", "Data": own_home / "data",
                       "Backups": own_home / "data" / "backups", "Logs": own_home / "data" / "logs"}
    assert resources.unwritable() == {}
    assert all(f.is_dir() for f in folders.values())
    assert not list(own_home.rglob(".write-check-*"))  # the probes are gone


def test_unwritable__names_the_folder_and_why(own_home):
    (own_home / "data").write_text("a file where the data folder should be")
    bad = resources.unwritable()
    assert set(bad) == {"Data", "Backups", "Logs"}
    folder, reason = bad["Data"]
    assert folder == own_home / "data" and reason
