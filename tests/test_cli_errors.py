"""The command line's failures in plain words: no exception class name, no traceback, nothing half-written.

Undecodable arguments, missing folders, full or read-only disks, busy files, closed pipes, and the
unexpected (logged, said in one sentence).
"""

from __future__ import annotations

import csv
import errno
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AREA_TEMPLATE, ROOT
from fileexam import settings
from fileexam.cli import main
from fileexam.store.sqlite import sqlite3  # the driver fileexam uses: its error classes, its locks

CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z]*(Error|Exception|Interrupt|Exit)\b|Traceback|Errno")
SAMPLE_CSV = ROOT / "exports/examples/area-sample.csv"
KHAN_CASE = next(line.split(",")[0] for line in SAMPLE_CSV.read_text().splitlines()[1:] if line.endswith("A. Khan"))


def plain(err: str | bytes) -> str:
    text = os.fsdecode(err) if isinstance(err, bytes) else err
    assert not CLASS_NAME.search(text), text
    return text


def snapshot(f) -> tuple:
    """All that a command could have written to the inspection file."""
    q = f.conn.execute
    return (q("SELECT * FROM answers ORDER BY case_ref, question_id, marker").fetchall(),
            q("SELECT * FROM audit ORDER BY rowid").fetchall(),
            q("SELECT * FROM cases ORDER BY rowid").fetchall(), q("SELECT * FROM markings ORDER BY rowid").fetchall(),
            q("SELECT * FROM set_versions ORDER BY id").fetchall())


def cli(*args, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """The real command in its own process; str or bytes arguments (bytes reach argv as they are)."""
    kw.setdefault("stdout", subprocess.PIPE)
    return subprocess.run([sys.executable, "-m", "fileexam", *args], stderr=subprocess.PIPE,
                          env={**os.environ, **(env or {})}, **kw)


def run(*args) -> int:
    return main([str(a) for a in args])


# ---- arguments that are not UTF-8 ---------------------------------------------------------------------
@pytest.mark.parametrize("option", ["--comment", "--as"])
def test_non_utf8_bytes_in_an_option__exit_1_names_it__nothing_written(area_file, option):
    before = snapshot(area_file)
    args = ["answer", str(area_file.path), KHAN_CASE, "DI01", "F", "--as", "A. Khan"]
    proc = cli(*args, option, b"caf\xe9 \xff")
    assert proc.returncode == 1, proc.stderr
    err = plain(proc.stderr)
    assert err == f"fileexam: {option} holds bytes that are not UTF-8 text: 'caf\\xe9 \\xff'. Give it in UTF-8 " \
                  "(check your terminal's or script's encoding); nothing was changed.\n"
    assert snapshot(area_file) == before


@pytest.mark.parametrize("args, named", [
    (["{f}", "{case}\udcff", "DI01", "F"], "CASE"),
    (["{f}", "{case}", "DI\udcff", "F"], "QUESTION"),
    (["{f}", "{case}", "DI01", "F\udcff"], "VALUE"),
    (["{f}", "{case}", "DI01", "F", "--reason", "\udce9"], "--reason"),
])
def test_non_utf8_positional_and_reason__exit_1_names_it(area_file, capsys, args, named):
    before = snapshot(area_file)
    argv = ["answer"] + [a.format(f=area_file.path, case=KHAN_CASE) for a in args] + ["--as", "A. Khan"]
    assert main(argv) == 1
    err = plain(capsys.readouterr().err)
    assert err.startswith(f"fileexam: {named} holds bytes that are not UTF-8 text: '") and "nothing was changed" in err
    assert snapshot(area_file) == before


def test_non_utf8_other_commands__refused_before_anything_is_written(area_file, tmp_path, capsys):
    before = snapshot(area_file)
    f = str(area_file.path)
    assert run("reopen", f, KHAN_CASE, "--reason", "why\udcff", "--as", "A. Khan") == 1
    assert run("moderation", "settle", f, KHAN_CASE, "DI01", "F", "--reason", "r\udcff", "--as", "TL") == 1
    assert run("moderation", "calibrate", f, KHAN_CASE, "--reference", "A\udcff", "--as", "TL") == 1
    assert snapshot(area_file) == before
    assert run("new", tmp_path / "n.fileexam", "--template", AREA_TEMPLATE, "--name", "N\udcff", "--as", "TL") == 1
    assert not (tmp_path / "n.fileexam").exists()
    assert run("user", "K\udcffhan") == 1
    assert settings.user() is None
    err = plain(capsys.readouterr().err)
    for named in ("--reason", "--reference", "--name", "NAME"):
        assert f"fileexam: {named} holds bytes that are not UTF-8 text" in err


def test_non_utf8_path_kept_as_text__refused_with_what_to_do(area_file, tmp_path, capsys):
    """The names of a sample, a workbook merged, a baseline and a template are stored as text, and
    restore keys backups by the absolute path: a name that is not UTF-8 is refused up front."""
    before = snapshot(area_file)
    f = str(area_file.path)
    odd = tmp_path / "odd\udcff"
    odd.mkdir()
    (odd / "s\udcff.xlsx").write_bytes((ROOT / "exports/examples/area-sample.xlsx").read_bytes())
    (odd / "w\udcff.xlsx").write_bytes((ROOT / "exports/examples/work-a-khan.xlsx").read_bytes())
    (odd / "t\udcff.yaml").write_bytes(AREA_TEMPLATE.read_bytes())
    assert run("sample", "import", f, odd / "s\udcff.xlsx", "--as", "TL") == 1
    assert run("merge", f, odd / "w\udcff.xlsx", "--as", "TL") == 1
    assert run("report", f, tmp_path / "r.xlsx", "--baseline", odd / "w\udcff.xlsx") == 1
    assert run("new", tmp_path / "n.fileexam", "--template", odd / "t\udcff.yaml", "--name", "N", "--as", "TL") == 1
    assert run("restore", odd / "a.fileexam") == 1
    err = plain(capsys.readouterr().err).splitlines()
    assert [line.split(" holds")[0] for line in err] == ["fileexam: SAMPLE.xlsx", "fileexam: IN.xlsx",
                                                         "fileexam: --baseline", "fileexam: --template",
                                                         "fileexam: FILE"]
    assert all("odd\\xff/" in line and "rename the file or folder" in line for line in err)
    assert snapshot(area_file) == before
    assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "n.fileexam").exists()


def test_non_utf8_path_only_opened__works_and_prints_the_same_bytes(area_file, tmp_path):
    """Any bytes are legal in a POSIX file name: a path that is only opened works, and is printed back
    as it was given, also where stdout is strict UTF-8 (any UTF-8 locale but C.UTF-8)."""
    folder = tmp_path / "d\udcff"
    folder.mkdir()
    area_file.save_copy(folder / "a\udcff.fileexam")
    strict = {"PYTHONIOENCODING": "utf-8:strict"}
    proc = cli("status", b"a\xff.fileexam", cwd=os.fsencode(folder), env=strict)
    assert proc.returncode == 0 and proc.stderr == b"" and b"A. Khan" in proc.stdout
    proc = cli("export", b"a\xff.fileexam", b"out\xff.xlsx", cwd=os.fsencode(folder), env=strict)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"Wrote out\xff.xlsx: 56 case row(s)")
    assert (folder / "out\udcff.xlsx").is_file()


# ---- files that cannot be written ------------------------------------------------------------------------
@pytest.mark.parametrize("command", [
    ["export", "{f}", "{out}"],
    ["export", "{f}", "{out}", "--marker", "A. Khan"],
    ["report", "{f}", "{out}"],
    ["agreement", "{f}", "--out", "{out}"],
])
def test_write_into_a_missing_folder__says_which_folder(merged_file, tmp_path, capsys, command):
    out = tmp_path / "no" / "such" / "OUT.xlsx"
    assert main([a.format(f=merged_file.path, out=out) for a in command]) == 1
    err = plain(capsys.readouterr().err)
    assert err == f"fileexam: cannot write {out}: the folder {out.parent} does not exist.\n"
    assert not (tmp_path / "no").exists()


def test_write_onto_a_folder__says_it_is_a_folder(area_file, tmp_path, capsys):
    out = tmp_path / "OUT.xlsx"
    out.mkdir()
    assert run("export", area_file.path, out) == 1
    assert plain(capsys.readouterr().err) == f"fileexam: cannot write {out}: it is a folder, not a file.\n"
    assert list(tmp_path.glob("*.part")) == []


def test_out_dir_below_a_file__says_so(area_file, tmp_path, capsys):
    (tmp_path / "a-file").write_text("")
    out_dir = tmp_path / "a-file" / "samples"
    assert run("moderation", "allocate", area_file.path, "--out-dir", out_dir, "--as", "TL") == 1
    err = plain(capsys.readouterr().err)
    assert err == f"fileexam: cannot write {out_dir}: a part of the path is a file, not a folder.\n"


@pytest.mark.parametrize("code, with_name, words", [
    (errno.ENOSPC, False, "the disk is full: free some space and try again"),
    (errno.EDQUOT, False, "your disk quota is used up"),
    (errno.EROFS, True, "the disk or share is read-only"),
    (errno.EACCES, True, "permission denied: you may not write there, or the file is open in another program"),
    (errno.EBUSY, True, "the file is in use or locked by another program"),
    (errno.EIO, False, "the disk could not be read or written"),
])
def test_workbook_write_fails__os_reason_in_words(area_file, tmp_path, capsys, monkeypatch, code, with_name, words):
    """XlsxWriter wraps the OSError of its write in its own FileCreateError: the reason is still said."""
    import xlsxwriter.workbook

    def fail(self):
        raise OSError(code, os.strerror(code), *([self.filename] if with_name else []))
    monkeypatch.setattr(xlsxwriter.workbook.Workbook, "_store_workbook", fail)
    out = tmp_path / "OUT.xlsx"
    assert run("export", area_file.path, out) == 1
    err = plain(capsys.readouterr().err)
    assert err.startswith(f"fileexam: cannot write {out}: {words}"), err  # OUT.xlsx, not OUT.xlsx.part
    assert list(tmp_path.glob("OUT.xlsx*")) == []  # no workbook, no half-written .part


def _connect_then(monkeypatch, *pragmas):
    """The command's own connection to the inspection file, with SQLite limits set on it."""
    from fileexam.store import inspection_file

    real = inspection_file._connect

    def connect(*args, **kwargs):
        conn = real(*args, **kwargs)
        for p in pragmas:
            conn.execute(p)
        return conn
    monkeypatch.setattr(inspection_file, "_connect", connect)


def test_sqlite_disk_full__says_the_disk_is_full_nothing_saved(area_file, capsys, monkeypatch):
    before = snapshot(area_file)
    _connect_then(monkeypatch, "PRAGMA max_page_count=1")  # no page more than it has: SQLITE_FULL
    assert run("answer", area_file.path, KHAN_CASE, "DI01", "F", "--comment", "x" * 30_000, "--as", "A. Khan") == 1
    err = plain(capsys.readouterr().err)
    assert err == f"fileexam: cannot save to {area_file.path}: the disk is full, so the change was not saved. " \
                  "Free some space and try again.\n"
    assert snapshot(area_file) == before


def test_sqlite_read_only__says_so(area_file, capsys, monkeypatch):
    before = snapshot(area_file)
    _connect_then(monkeypatch, "PRAGMA query_only=1")
    assert run("answer", area_file.path, KHAN_CASE, "DI01", "F", "--as", "A. Khan") == 1
    err = plain(capsys.readouterr().err)
    assert err.startswith(f"fileexam: cannot save to {area_file.path}: it is read-only")
    assert snapshot(area_file) == before


def test_sqlite_busy__says_another_program_is_writing(area_file, capsys, monkeypatch):
    before = snapshot(area_file)
    _connect_then(monkeypatch, "PRAGMA busy_timeout=0")
    other = sqlite3.connect(area_file.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the app, say, in the middle of a write
    try:
        assert run("answer", area_file.path, KHAN_CASE, "DI01", "F", "--as", "A. Khan") == 1
    finally:
        other.execute("ROLLBACK")
        other.close()
    err = plain(capsys.readouterr().err)
    assert err.startswith(f"fileexam: {area_file.path} is busy: the app or another command is writing to it")
    assert snapshot(area_file) == before


def test_sqlite_cannot_open__new_file_in_a_missing_folder(tmp_path, capsys):
    target = tmp_path / "no" / "a.fileexam"
    assert run("new", target, "--template", AREA_TEMPLATE, "--name", "X", "--as", "TL") == 1
    err = plain(capsys.readouterr().err)
    assert err == f"fileexam: cannot create or open {target}: the folder {target.parent} does not exist.\n"


# ---- a closed pipe ---------------------------------------------------------------------------------------
@pytest.fixture
def big_inspection(tmp_path):
    """An inspection whose status is far longer than a pipe's buffer (64 KiB on Linux): 800 inspectors
    with long names, so writing it into a closed pipe fails for certain, whatever the timing."""
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    rows = list(csv.reader(SAMPLE_CSV.open(newline="", encoding="utf-8")))
    sample = tmp_path / "big.csv"
    with sample.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(rows[0])
        for i in range(800):
            w.writerow([f"{10 + i // 100:02d}SV{i:07d}25"] + rows[1][1:-1] + [f"Inspector {i:04d} " + "x" * 250])
    with InspectionFile.create(tmp_path / "big.fileexam", AREA_TEMPLATE, "Big", "TL") as f:
        assert import_sample(f, sample, "TL").imported
    return tmp_path / "big.fileexam"


@pytest.mark.parametrize("unbuffered", ["1", ""])
def test_status_into_a_reader_that_stops_after_one_line__ends_quietly(big_inspection, unbuffered):
    reader = subprocess.Popen([sys.executable, "-c", "import sys; print(sys.stdin.readline(), end='');"
                                                     "sys.stdin.close()"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    proc = cli("status", str(big_inspection), stdout=reader.stdin, env={"PYTHONUNBUFFERED": unbuffered})
    reader.stdin.close()
    first = reader.stdout.read()
    reader.stdout.close()
    reader.wait(timeout=60)
    assert first == b"Big: 800 case(s)\n"
    assert proc.stderr == b""  # neither "Broken pipe" nor Python's "Exception ignored" at shutdown
    assert proc.returncode == 141  # 128 + SIGPIPE, as cat, grep or git report it


def test_status_into_a_pipe_already_closed__ends_quietly(area_file):
    read, write = os.pipe()
    os.close(read)  # `fileexam status FILE | true`: nobody reads at all
    try:
        proc = cli("status", str(area_file.path), stdout=write, env={"PYTHONUNBUFFERED": "1"})
    finally:
        os.close(write)
    assert proc.stderr == b"" and proc.returncode == 141


# ---- the unexpected --------------------------------------------------------------------------------------
def _fail_with(monkeypatch, target: str, exc: BaseException) -> None:
    def fail(*a, **k):
        raise exc
    monkeypatch.setattr(target, fail)


def test_unexpected_error__plain_words_and_the_details_in_the_log(area_file, capsys, monkeypatch):
    _fail_with(monkeypatch, "fileexam.domain.progress.progress", RuntimeError("boom in progress"))
    assert run("status", area_file.path) == 2
    err = plain(capsys.readouterr().err)
    log = settings.data_dir() / "logs" / "fileexam-errors.log"
    assert err == ("fileexam: something went wrong that fileexam did not expect; nothing was changed. "
                   f"Details were written to {log}: please send that file to whoever supports fileexam for you.\n")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: boom in progress" in text and "command: status" in text
    assert "boom" not in err


def test_unexpected_error_in_a_command_that_writes__may_not_have_finished(area_file, capsys, monkeypatch):
    _fail_with(monkeypatch, "fileexam.store.inspection_file.InspectionFile.set_answer", KeyError("DI01"))
    assert run("answer", area_file.path, KHAN_CASE, "DI01", "F", "--as", "A. Khan") == 2
    err = plain(capsys.readouterr().err)
    assert err.startswith("fileexam: something went wrong that fileexam did not expect; "
                          "the last step may not have finished. Details were written to ")


def test_unexpected_error_and_the_log_cannot_be_written__still_plain(area_file, capsys, monkeypatch):
    _fail_with(monkeypatch, "fileexam.domain.progress.progress", RuntimeError("boom"))
    _fail_with(monkeypatch, "fileexam.crash_log.write", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    assert run("status", area_file.path) == 2
    err = plain(capsys.readouterr().err)
    assert err == ("fileexam: something went wrong that fileexam did not expect; nothing was changed. "
                   "Its details could not be written to the log either (the disk is full: free some space "
                   "and try again).\n")


def test_crash_log__a_message_with_undecodable_bytes_is_still_written(area_file, monkeypatch):
    _fail_with(monkeypatch, "fileexam.domain.progress.progress", RuntimeError("bad name d\udcff"))
    assert run("status", area_file.path) == 2
    assert "RuntimeError: bad name d\\udcff" in (settings.data_dir() / "logs" / "fileexam-errors.log").read_text()


def test_interrupted__plain_words_exit_130(area_file, capsys, monkeypatch):
    _fail_with(monkeypatch, "fileexam.domain.progress.progress", KeyboardInterrupt())
    assert run("status", area_file.path) == 130
    assert plain(capsys.readouterr().err) == "fileexam: interrupted; nothing was changed.\n"


def test_input_ended_at_the_name_question__plain_words(area_file, capsys, monkeypatch):
    before = snapshot(area_file)
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    _fail_with(monkeypatch, "builtins.input", EOFError())
    assert run("answer", area_file.path, KHAN_CASE, "DI01", "F") == 1
    assert plain(capsys.readouterr().err) == "fileexam: no answer was typed; nothing was changed.\n"
    assert snapshot(area_file) == before
