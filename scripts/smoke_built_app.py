"""Tests the built app folder (scripts/build_app.py) the way an inspector's machine runs it: copied to a new
place (a folder name with a space, as under Program Files), started with no Python on the PATH and no
PYTHON* variables, its settings and data in a fresh folder. It runs the built executable:

  --version; validate question_sets/; the command-line walk-through of the README (user, new, sample import
  of the .xlsx and the .csv, answer, status, export --encrypt, an encrypted inspection file (SQLCipher),
  merge with the example workbooks, report with --charts); the app offscreen on the demo (FILEEXAM_SMOKE=results: the main window, then the Results
  view with its chart, and closing with exit code 0) and on the merged master (its name in the window's
  title); THIRD-PARTY-NOTICES.txt; and that no unexpected error was logged.

    python scripts/smoke_built_app.py --build     # build first (build/dist), then test it
    python scripts/smoke_built_app.py [--app DIR] # test a folder already built (default build/dist/fileexam)

Prints one line per check and ends "N passed, N failed"; exits 1 if any failed. .ci/run runs it with
--build; the workflow .github/workflows/installer.yml runs it on Windows and macOS."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

EXE = "fileexam.exe" if sys.platform == "win32" else "fileexam"
PASSWORD = "smoke-test-password-1"  # the example encrypted workbook's, for this run only


def clean_env(home: Path) -> dict[str, str]:
    """This machine's environment less anything that points at a Python: the app must bring its own."""
    env = {k: v for k, v in os.environ.items()
           if not k.upper().startswith(("PYTHON", "VIRTUAL_ENV", "CONDA", "FILEEXAM", "QT_", "PYTEST"))}
    names = ("python", "python3", "python.exe", "python3.exe")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if p and not any((Path(p) / n).exists() for n in names))
    env.update(FILEEXAM_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    return env


class Smoke:
    def __init__(self, app: Path, work: Path, env: dict[str, str]):
        self.app, self.work, self.env = app, work, env
        self.exe = app / EXE
        self.passed = self.failed = 0

    def run(self, name: str, args: list[str], expect: str | None = None, cwd: Path | None = None,
            env: dict[str, str] | None = None, check=None, timeout: float = 300) -> str:
        started = time.perf_counter()
        try:
            done = subprocess.run([str(self.exe), *args], cwd=cwd or self.work, env={**self.env, **(env or {})},
                                  capture_output=True, text=True, encoding="utf-8", errors="replace",
                                  timeout=timeout, stdin=subprocess.DEVNULL)
            out, code = done.stdout + done.stderr, done.returncode
        except subprocess.TimeoutExpired as exc:
            out, code = f"timed out after {timeout:.0f} s: {exc.stdout or ''}{exc.stderr or ''}", None
        took = time.perf_counter() - started
        why = None
        if code != 0:
            why = f"exit code {code}"
        elif expect and expect not in out:
            why = f"{expect!r} not in the output"
        elif check is not None:
            why = check()
        self.record(name, why, f"{took:.2f} s", out)
        return out

    def record(self, name: str, why: str | None, note: str = "", out: str = "") -> None:
        if why is None:
            self.passed += 1
            print(f"ok      {name}  ({note})" if note else f"ok      {name}", flush=True)
        else:
            self.failed += 1
            shown = "\n".join("        | " + line for line in out.strip().splitlines()[-25:])
            print(f"FAILED  {name}: {why}\n{shown}", flush=True)


def walk_through(s: Smoke) -> None:
    from fileexam import __version__

    app, work = s.app, s.work
    sets = app / "question_sets"
    examples = app / "exports" / "examples"
    n_yaml = len([p for p in sets.rglob("*.yaml") if "schema" not in p.parts])
    s.run("--version", ["--version"], f"fileexam {__version__}")
    s.run("validate question_sets/", ["validate", "question_sets/"], f"{n_yaml} file(s) checked: 0 error(s)", cwd=app)
    s.run("user", ["user", "A. Khan"])
    s.run("new", ["new", "area.fileexam", "--template", str(sets / "area-inspection.yaml"),
                  "--name", "Area inspection 2026"], "Created area.fileexam")
    s.run("sample import (.xlsx)", ["sample", "import", "area.fileexam", str(examples / "area-sample.xlsx")],
          "Imported 56 new case(s)")
    s.run("answer", ["answer", "area.fileexam", "29SV025158925", "DI01", "F", "--comment", "Schedules were clear"])
    s.run("status", ["status", "area.fileexam"], "A. Khan")

    def encrypted() -> str | None:  # an OLE compound file, as Excel's Encrypt with Password writes
        head = (work / "a-khan.xlsx").read_bytes()[:8]
        return None if head == bytes.fromhex("d0cf11e0a1b11ae1") else "a-khan.xlsx is not encrypted"
    password = {"FILEEXAM_WORKBOOK_PASSWORD": PASSWORD}
    s.run("export --encrypt", ["export", "area.fileexam", "a-khan.xlsx", "--marker", "A. Khan", "--encrypt"],
          "1 answer(s) by A. Khan", env=password, check=encrypted)
    def ciphered() -> str | None:  # SQLCipher: no plain SQLite header, the whole file encrypted
        head = (work / "secret.fileexam").read_bytes()[:16]
        return "secret.fileexam is plain SQLite" if head == b"SQLite format 3\x00" else None
    passphrase = {"FILEEXAM_PASSPHRASE": "three random words"}
    s.run("new --encrypt (SQLCipher)", ["new", "secret.fileexam", "--template", str(sets / "area-inspection.yaml"),
                                        "--name", "Encrypted", "--encrypt"], "Created secret.fileexam", env=passphrase,
          check=ciphered)
    s.run("sample import, encrypted file", ["sample", "import", "secret.fileexam",
                                                  str(examples / "area-sample.xlsx")], "Imported 56", env=passphrase)
    s.run("new master", ["new", "master.fileexam", "--template", str(sets / "area-inspection.yaml"),
                         "--name", "Area inspection 2026"], "Created master.fileexam")
    s.run("sample import (.csv)", ["sample", "import", "master.fileexam", str(examples / "area-sample.csv")],
          "Imported 56 new case(s)")
    s.run("merge", ["merge", "master.fileexam", *[str(p) for p in sorted(examples.glob("work-*.xlsx"))],
                    "a-khan.xlsx"], "Coverage:", env=password)

    def report_written() -> str | None:
        import openpyxl

        sheets = openpyxl.load_workbook(work / "report.xlsx", read_only=True).sheetnames
        charts = {p.suffix for p in (work / "charts").iterdir()}
        if "National" not in sheets:
            return f"report.xlsx has no National sheet: {sheets}"
        return None if {".png", ".svg"} <= charts else f"charts written: {sorted(charts)}"
    s.run("report --charts", ["report", "master.fileexam", "report.xlsx", "--charts", "charts"], "Wrote report.xlsx",
          check=report_written)

    s.run("app: demo, main window and Results view shown, closed", ["--demo"],
          "Results view shown with its chart", env={"FILEEXAM_SMOKE": "results"}, timeout=180)
    # the window's title names the inspection only once it is open (a file that fails to open leaves "fileexam")
    s.run("app: the merged master opened, closed", ["master.fileexam"],
          "smoke: ok, main window shown: Area inspection 2026 — ", env={"FILEEXAM_SMOKE": "1"}, timeout=180)

    def notices() -> str | None:
        path = app / "THIRD-PARTY-NOTICES.txt"
        text = path.read_text(encoding="utf-8") if path.is_file() else ""
        wanted = ("PySide6_Essentials", "sqlcipher3", "numpy", "matplotlib", "openpyxl", "GNU LESSER GENERAL PUBLIC",
                  "ZETETIC LLC", "OpenSSL")
        missing = [w for w in wanted if w not in text]
        return f"{path.name} lacks {missing}" if missing else None
    s.record("THIRD-PARTY-NOTICES.txt names Qt (LGPL), SQLCipher, OpenSSL and the libraries", notices())
    logs = Path(s.env["FILEEXAM_HOME"]) / "data" / "logs" / "fileexam-errors.log"
    s.record("no unexpected error logged", None if not logs.exists() else f"{logs}:\n{logs.read_text()[-3000:]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", type=Path, default=ROOT / "build" / "dist" / "fileexam",
                        help="the built app folder (default build/dist/fileexam)")
    parser.add_argument("--build", action="store_true", help="build it first (scripts/build_app.py)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder and say where it is")
    args = parser.parse_args(argv)
    app = args.app.resolve()
    if args.build:
        from build_app import build
        app = build(app.parent, ROOT / "build" / "work")
    if not (app / EXE).is_file():
        print(f"smoke_built_app: no {EXE} in {app}: build it with python scripts/build_app.py", file=sys.stderr)
        return 1
    scratch = Path(tempfile.mkdtemp(prefix="fileexam-smoke-"))
    try:
        moved = scratch / "Program Files" / "fileexam"  # elsewhere than it was built, a space in the path
        shutil.copytree(app, moved, symlinks=True)
        work = scratch / "work"
        work.mkdir()
        s = Smoke(moved, work, clean_env(scratch / "home"))
        print(f"Testing {app} (copied to {moved})", flush=True)
        walk_through(s)
        print(f"{s.passed} passed, {s.failed} failed")
        return 1 if s.failed else 0
    finally:
        if args.keep:
            print(f"Kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
