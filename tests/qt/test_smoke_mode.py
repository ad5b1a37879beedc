"""FILEEXAM_SMOKE (fileexam/qt/smoke.py): the app, started as a user starts it, shows its window (and with
"results" the Results view and its chart) and closes itself with exit code 0. The built app folder is
checked the same way by scripts/smoke_built_app.py."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.parametrize("mode, said", [("1", "smoke: ok, main window shown: Demo: Area inspection 2026"),
                                        ("results", "Results view shown with its chart")])
def test_smoke_mode__opens_the_demo_and_closes_cleanly(own_home, mode, said):
    env = {**os.environ, "FILEEXAM_SMOKE": mode, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-m", "fileexam", "--demo"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert said in done.stdout
    assert not (own_home / "data" / "logs" / "fileexam-errors.log").exists()
