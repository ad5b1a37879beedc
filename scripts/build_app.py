"""Builds the self-contained fileexam app folder: the `fileexam` executable (the app and the command line),
Python and every library inside it, the shipped question sets and the example workbooks beside it.
Needs no Python on the machine it is copied to; the Windows installer (packaging/windows/fileexam.iss)
is made over this folder.

    pip install -e ".[build]"          # PyInstaller, once
    python scripts/build_app.py        # -> build/dist/fileexam/  (about 40 s on 2 cores)

Options: --dist DIR (where the folder goes; default build/dist, git-ignored), --work DIR (PyInstaller's
work folder; default build/work), --clean (start the work folder afresh).

The tool is PyInstaller's one-folder mode: docs/installer.md compares it with Nuitka (pyside6-deploy)
and Briefcase. scripts/smoke_built_app.py tests the folder it makes."""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "packaging" / "fileexam.spec"
EXE = "fileexam.exe" if sys.platform == "win32" else "fileexam"


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def foreign_sources(work: Path) -> list[str]:
    """The bundled fileexam modules whose source is not this checkout's (PyInstaller's table of them)."""
    toc = work / "fileexam" / "PYZ-00.toc"
    if not toc.is_file():
        return []
    _, modules = ast.literal_eval(toc.read_text(encoding="utf-8"))  # (archive, [(name, source, kind)])
    return [f"{name} ({source})" for name, source, _ in modules
            if name.split(".")[0] == "fileexam" and not Path(source).resolve().is_relative_to(ROOT)]


def build(dist: Path, work: Path, clean: bool = False) -> Path:
    """Runs PyInstaller on the spec; returns the app folder. Raises SystemExit with the reason on failure."""
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        raise SystemExit('build_app: PyInstaller is not installed here: pip install -e ".[build]"') from None
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(dist), "--workpath", str(work), str(SPEC)]
    if clean:
        command.insert(3, "--clean")
    started = time.perf_counter()
    # This checkout's fileexam, even when the environment has another one installed (editable) elsewhere
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(command, cwd=ROOT, env=env)
    if done.returncode:
        raise SystemExit(f"build_app: PyInstaller failed (exit {done.returncode})")
    app = dist / "fileexam"
    if not (app / EXE).is_file() or not (app / "question_sets" / "area-inspection.yaml").is_file():
        raise SystemExit(f"build_app: {app} lacks the executable or the question sets")
    strays = foreign_sources(work)
    if strays:
        raise SystemExit(f"build_app: these fileexam modules came from outside {ROOT}: " + ", ".join(strays[:5]))
    if not (app / "THIRD-PARTY-NOTICES.txt").is_file():
        raise SystemExit(f"build_app: {app} lacks THIRD-PARTY-NOTICES.txt")
    took = time.perf_counter() - started
    print(f"Built {app} in {took:.0f} s: {folder_size(app) / 1e6:.0f} MB; run {app / EXE}")
    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "build" / "dist", help="default: build/dist")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "work", help="default: build/work")
    parser.add_argument("--clean", action="store_true", help="start PyInstaller's work folder afresh")
    args = parser.parse_args(argv)
    build(args.dist.resolve(), args.work.resolve(), args.clean)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
