"""The window fixtures live in tests/conftest.py, shared with the fault tests.

Qt's offscreen platform (the tests' default) is given a laptop's screen, 1366 × 768 (its own is 800 ×
800): windows open at the size a user's would. With FILEEXAM_TEST_SCALE=200 the same screen is at 200%
(a 2732 × 1536 panel at 200% scaling: Qt lays out in device-independent pixels, so 1366 × 768 of them).
tests/qt/test_fitting.py checks every window against it."""

import os
from pathlib import Path

from conftest import APP_USER as USER  # noqa: F401 - the user the tests' window belongs to

SCREENS = Path(__file__).resolve().parent / "screens"
SCREEN = SCREENS / ("laptop-1366x768-at-200.json" if os.environ.get("FILEEXAM_TEST_SCALE") == "200"
                    else "laptop-1366x768.json")
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = f"offscreen:configfile={SCREEN}"
