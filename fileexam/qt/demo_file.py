"""The demo inspection's file, made in the user's data folder the first time it is asked for.

Below both qt/app.py (which starts the app) and the windows (whose start page offers the demo), so that
neither imports the other."""

from __future__ import annotations

from pathlib import Path

from fileexam import settings as user_settings

DEMO_USER = "You (demo)"


def demo_path() -> Path:
    return user_settings.data_dir() / "demo" / "demo.fileexam"


def ensure_demo(user: str) -> Path:
    from fileexam.services.demo import create_demo

    path = demo_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        create_demo(path, user).close()
    return path
