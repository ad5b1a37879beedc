"""Where fileexam's things are: the files it ships, and the user's own folders.

Shipped: the question sets and the Area-inspection template (`question_sets/`), the exchange format and
its example workbooks (`exports/`). They are found the same way in a checkout (an editable install), in a
built app folder (PyInstaller's one-folder build, scripts/build_app.py, puts them beside the executable)
and in a Nuitka build (beside the compiled modules): the first of the candidate folders that holds the
Area template.

The user's: settings (settings.json, window.ini), data (the demo), backups and logs, all under
FILEEXAM_HOME when it is set (fileexam.settings); `unwritable()` says which of them cannot be written."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from fileexam import settings

DEMO_TEMPLATE = "area-inspection.yaml"


def frozen() -> bool:
    """Running from a built app folder (PyInstaller sets sys.frozen; Nuitka compiles in __compiled__)."""
    return bool(getattr(sys, "frozen", False)) or "__compiled__" in globals()


def _candidates() -> list[Path]:
    here = Path(__file__).resolve().parent  # fileexam/
    found = []
    if frozen():
        found.append(Path(sys.executable).resolve().parent)  # beside the executable
        bundle = getattr(sys, "_MEIPASS", None)
        if bundle:
            found.append(Path(bundle))
    found += [here.parent, here / "data"]  # a checkout (or Nuitka's dist folder); package data
    return found


def shipped_root() -> Path:
    """The folder holding question_sets/ and exports/; FileNotFoundError, naming where it looked, if none."""
    candidates = _candidates()
    for folder in candidates:
        if (folder / "question_sets" / DEMO_TEMPLATE).is_file():
            return folder
    raise FileNotFoundError(2, "the question sets that come with fileexam were not found (looked in "
                               + ", ".join(str(c) for c in candidates) + ")")


def question_sets() -> Path:
    return shipped_root() / "question_sets"


def demo_template() -> Path:
    return question_sets() / DEMO_TEMPLATE


def examples() -> Path:
    """The example sample and inspectors' workbooks (exports/examples/)."""
    return shipped_root() / "exports" / "examples"


NOTICES = "THIRD-PARTY-NOTICES.txt"


def third_party_notices() -> Path | None:
    """The built app's list of the software it bundles and their licences (made by scripts/build_app.py
    beside the executable); None in a checkout, which bundles nothing."""
    try:
        path = shipped_root() / NOTICES
    except FileNotFoundError:
        return None
    return path if path.is_file() else None


def user_folders() -> dict[str, Path]:
    """Where fileexam keeps the user's things, in the words the About box uses."""
    data = settings.data_dir()
    return {"Settings": settings.config_dir(), "Data": data, "Backups": data / "backups", "Logs": data / "logs"}


def unwritable() -> dict[str, tuple[Path, str]]:
    """The user's folders that cannot be made or written, each with the reason (OSError's text)."""
    bad = {}
    for name, folder in user_folders().items():
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, probe = tempfile.mkstemp(prefix=".write-check-", dir=folder)
            os.close(fd)
            os.remove(probe)
        except OSError as exc:
            bad[name] = (folder, exc.strerror or str(exc))
    return bad


CONSEQUENCE = {  # what a folder that cannot be written costs the user
    "Settings": "your name and the window's layout will not be kept",
    "Data": "the demo inspection cannot be made",
    "Backups": "no backups of your inspection files will be made",
    "Logs": "an unexpected error cannot be written down for support",
}


def unwritable_message(bad: dict[str, tuple[Path, str]] | None = None) -> str | None:
    """Plain words for the folders that cannot be written (None when all can): which, why, what it costs."""
    bad = unwritable() if bad is None else bad
    if not bad:
        return None
    lines = ["fileexam cannot write to these folders:", ""]
    for name, (folder, reason) in bad.items():
        lines.append(f"{name}: {folder} ({reason}): {CONSEQUENCE.get(name, 'it cannot be used')}.")
    lines += ["", "Your answers are still saved: they go into the inspection file itself, wherever you keep it.",
              "Ask your IT support to let you write to these folders, or to set FILEEXAM_HOME to a folder "
              "you can write."]
    return "\n".join(lines)
