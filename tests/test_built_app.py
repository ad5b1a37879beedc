"""The built app folder (PyInstaller, scripts/build_app.py) and its smoke test (scripts/smoke_built_app.py):
slow (a build of about a minute), so only when asked for:

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m pytest -m built_app tests/test_built_app.py

.ci/run runs the same script directly, after the test suite."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

pytestmark = pytest.mark.built_app


def test_the_built_app_passes_its_smoke_test(request):
    if "built_app" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("builds the app (slow): run with -m built_app")
    pytest.importorskip("PyInstaller", reason='pip install -e ".[build]"')
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "smoke_built_app.py"), "--build"], cwd=ROOT,
                          capture_output=True, text=True, timeout=1800)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert ", 0 failed" in done.stdout
