"""The user's own settings (who they are), kept in the platform's settings folder.

Only the command line and the app read this; the core is always handed the marker.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir, user_data_dir

APP = "fileexam"


def config_dir() -> Path:
    # FILEEXAM_HOME moves every file fileexam keeps (tests use it so a developer's own settings never leak in)
    home = os.environ.get("FILEEXAM_HOME")
    return Path(home) / "config" if home else Path(user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    home = os.environ.get("FILEEXAM_HOME")
    return Path(home) / "data" if home else Path(user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    # What fileexam can rebuild (the parsed templates): deleting it only costs time.
    home = os.environ.get("FILEEXAM_HOME")
    return Path(home) / "cache" if home else Path(user_cache_dir(APP, appauthor=False))


def _path() -> Path:
    return config_dir() / "settings.json"


def load() -> dict:
    try:
        with _path().open(encoding="utf-8") as fh:
            data = json.load(fh)
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save(values: dict) -> None:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(values, indent=2, ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)


def user() -> str | None:
    name = load().get("user")
    return name.strip() if isinstance(name, str) and name.strip() else None


def set_user(name: str) -> None:
    values = load()
    values["user"] = name.strip()
    save(values)
