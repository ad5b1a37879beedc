"""Shared by the hostile-merge and damaged-open runs: an input tried in a forked child, peak RSS, the command
line run in-process, failure signatures, SQLite's integrity check, a private FILEEXAM_HOME.

Each input is tried in a forked copy of this process (where the platform can fork): the product code
runs in-process there, every exception caught, and a native abort (a reader library asking for 512 GB)
or a hang ends that copy, not the run, and is counted."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

try:  # POSIX only: the module stays importable on Windows
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None

INPUT_SECONDS = 120.0   # longer than this, an input counts as a hang


def _rss_mb(who: str = "self") -> float | None:
    if resource is None:
        return None
    usage = resource.getrusage(resource.RUSAGE_SELF if who == "self" else resource.RUSAGE_CHILDREN)
    return round(usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)  # bytes on macOS


def _isolated(fn, *args, timeout: float = INPUT_SECONDS) -> dict:
    """fn(*args) -> a JSON-able dict, run in a forked child; {"crash": ...} if the child died or hung."""
    import select
    import traceback

    if not hasattr(os, "fork"):  # Windows: in-process, so a native abort would end the run
        try:
            return fn(*args)
        except Exception:  # noqa: BLE001 - the harness's own failure, reported as such
            return {"harness_error": traceback.format_exc(limit=-4)}
    out = tempfile.TemporaryFile()
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's stack
        try:
            os.close(read_end)
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)   # a Rust panic or abort message lands here
            import faulthandler
            if faulthandler.is_enabled():  # pytest's points at its own copy of stderr: here instead
                faulthandler.enable(file=out)
            try:
                result = fn(*args)
            except BaseException:  # noqa: BLE001
                result = {"harness_error": traceback.format_exc(limit=-4)}
            result["child_rss_mb"] = _rss_mb()
            payload = json.dumps(result).encode()
            view = memoryview(payload)
            while view:
                view = view[os.write(write_end, view):]
        finally:
            os._exit(0)
    os.close(write_end)
    chunks, deadline, hung = [], time.monotonic() + timeout, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([read_end], [], [], left)[0]:
                hung = True
                os.kill(pid, signal.SIGKILL)
                break
            chunk = os.read(read_end, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    with out:
        if chunks and not hung and os.WIFEXITED(status):
            try:
                return json.loads(b"".join(chunks))
            except ValueError:
                pass
        out.seek(0)
        said = out.read(20_000).decode("utf-8", "replace")
    if hung:
        how = f"no answer after {timeout:.0f} s (killed)"
    elif os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        how = f"killed by signal {number}" + (" (SIGABRT: a native abort)" if number == signal.SIGABRT else "")
    else:
        how = f"exited with {os.WEXITSTATUS(status)} before reporting"
    lines = [line.strip() for line in said.splitlines() if line.strip()]
    first = next((line for line in lines if "memory allocation" in line or "panicked" in line or "Fatal" in line),
                 lines[0] if lines else "")
    return {"crash": how, "hung": hung, "said": first[:300]}


def _exception_names():
    """A pattern for the name of any Python exception class a user could be shown by mistake."""
    import builtins
    import re
    from fileexam.store.sqlite import sqlite3
    import xml.parsers.expat as expat
    import zipfile

    modules = [builtins, sqlite3, zipfile, expat]
    for name in ("python_calamine", "openpyxl.utils.exceptions", "fileexam.store.errors", "fileexam.store.file_check",
                 "fileexam.formats.workbook_guard", "fileexam.domain.cases", "fileexam.domain.problems"):
        try:
            modules.append(__import__(name, fromlist=["_"]))
        except ImportError:
            pass
    names = {v.__name__ for m in modules for v in vars(m).values()
             if isinstance(v, type) and issubclass(v, BaseException) and not issubclass(v, Warning)}
    names = {n for n in names if n[:1].isupper() and n != "Error"}  # "Error" alone is an ordinary word
    words = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9_])(?:{words})(?![A-Za-z0-9_])|Traceback \(most recent call last\)")


class _Private:
    """FILEEXAM_HOME pointed at the run's folder: crash logs and backups stay out of the user's own."""

    def __init__(self, home: Path):
        self.home = home

    def __enter__(self):
        self.old = os.environ.get("FILEEXAM_HOME")
        os.environ["FILEEXAM_HOME"] = str(self.home)

    def __exit__(self, *exc):
        if self.old is None:
            os.environ.pop("FILEEXAM_HOME", None)
        else:
            os.environ["FILEEXAM_HOME"] = self.old


def _cli(argv: list[str]) -> tuple[int | str, str]:
    """fileexam.cli.main in-process: (exit code, or 'raised' if an exception escaped it; what it wrote to stderr)."""
    import contextlib
    import io
    import traceback

    from fileexam.cli import main as cli_main

    err = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
        try:
            rc = cli_main(argv)
        except BaseException:  # noqa: BLE001 - what the runs count
            return "raised", traceback.format_exc(limit=-4)
    return rc, err.getvalue() + ("\n[crash log] " + _crash_log() if rc == 2 else "")


def _integrity(path: Path) -> str:
    from fileexam.store.sqlite import sqlite3
    try:
        con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return "; ".join(r[0] for r in con.execute("PRAGMA integrity_check(5)"))[:300]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"SQLite: {exc}"


def _sha(path: Path) -> str | None:
    import hashlib
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _example(store: dict, key: str, item: dict, keep: int = 5) -> None:
    store.setdefault(key, [])
    if len(store[key]) < keep:
        store[key].append(item)


def _signature(category: str, text: str) -> str:
    """What a failure is, in one line that groups its recurrences: the exception and the innermost line of fileexam
    it came from (never this package, fileexam/faults/), or the first words a crashing process said."""
    import re
    frames = [m for m in re.finditer(r'File "([^"]*)", line (\d+), in (\S+)', text or "")
              if "fileexam" in m.group(1) and "/fileexam/faults/" not in m.group(1).replace("\\", "/")]
    raised = re.findall(r"^(\w+(?:\.\w+)*(?:Error|Exception|Exit|Interrupt|Warning|\w*)):", text or "", re.M)
    if frames:
        f = frames[-1]
        where = f.group(1).replace("\\", "/").split("/fileexam/", 1)[-1]
        return f"{category}: {raised[-1] if raised else 'exception'} at fileexam/{where}:{f.group(2)} ({f.group(3)})"
    first = re.sub(r"\d+", "N", (text or "").strip().splitlines()[0] if (text or "").strip() else "")
    return f"{category}: {first[:100]}"


def _crash_log() -> str:
    """The last entry of fileexam's own crash log (where `fileexam` puts the traceback behind an exit 2)."""
    from fileexam import settings
    try:
        text = (settings.data_dir() / "logs" / "fileexam-errors.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text[text.rfind("\n--- "):][-3000:]
