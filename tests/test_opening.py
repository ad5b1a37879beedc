"""Opening a file: foreign files are never changed, damaged ones never written and never silent,
locks stay held, and a read-only inspection can still be read.

Everything here goes through the command line (`fileexam.cli.main` or a real process) and then looks
at the bytes and the SQLite contents of the files.
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import AREA_TEMPLATE, ROOT
from fileexam import settings
from fileexam.cli import main

WORKBOOK = ROOT / "exports/examples/work-a-khan.xlsx"
SQLITE_MAGIC = b"SQLite format 3\x00"
NOT_AN_INSPECTION = re.compile(r"not an? (fileexam )?inspection file", re.I)
DAMAGED = re.compile(r"damaged|corrupt", re.I)
READ_ONLY = re.compile(r"read-?\s?only", re.I)
# What a user must never see: a traceback, or the name of a Python exception (KeyError, JSONDecodeError,
# sqlite3.DatabaseError ...), or the "unexpected error" of exit code 2.
PYTHON_LEAK = re.compile(r"Traceback|\b[A-Z]\w*(Error|Exception)\b|unexpected error")


# ---- helpers --------------------------------------------------------------------
@dataclass
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}, stderr {self.err.strip()!r}"


def cli(capsys, *argv) -> Run:
    capsys.readouterr()
    try:
        code = main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        code = exc.code
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def refusal_problems(run: Run, message: re.Pattern | None = None) -> list[str]:
    """Why `run` is not a plain refusal: exit 1, a message, no Python in it."""
    problems = []
    if run.code != 1:
        problems.append(f"exit code {run.code}, not 1")
    if PYTHON_LEAK.search(run.err):
        problems.append("a Python exception shows in the message")
    if message is not None and not message.search(run.err):
        problems.append(f"the message does not say /{message.pattern}/")
    return problems


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@contextmanager
def scratch_copy(path: Path):
    """A copy of `path` in a folder of its own, so that looking into it never leaves anything next to the file."""
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        yield copy


def tables(path: Path) -> set[str]:
    with scratch_copy(path) as copy:
        conn = sqlite3.connect(copy)
        try:
            return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            conn.close()


def integrity(path: Path) -> str:
    """PRAGMA integrity_check, on a copy (the file itself is never opened): 'ok' or what is wrong."""
    with scratch_copy(path) as copy:
        try:
            conn = sqlite3.connect(copy)
            try:
                return "\n".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            return str(exc)


def untouched_problems(path: Path, digest: str) -> list[str]:
    """Every way opening `path` may have changed it or left something next to it."""
    problems = []
    if sha256(path) != digest:
        problems.append("its bytes changed")
    head = path.read_bytes()[:100]
    if head.startswith(SQLITE_MAGIC):
        if head[18:20] == b"\x02\x02":
            problems.append("it was switched to WAL")
        try:
            if "_sqlite_migrations" in tables(path):
                problems.append("a _sqlite_migrations table was added")
        except sqlite3.Error as exc:
            problems.append(f"it cannot be read by SQLite any more ({exc})")
    for suffix in ("-wal", "-shm", "-journal"):
        if path.with_name(path.name + suffix).exists():
            problems.append(f"{path.name}{suffix} was left next to it")
    for copy in path.parent.glob(f"{path.stem}.before-upgrade-*"):
        problems.append(f"{copy.name} was written")
    return problems


def foreign_sqlite(path: Path, with_meta: bool) -> Path:
    """Another application's SQLite database, in the default rollback-journal mode."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT, email TEXT);
        INSERT INTO contacts (name, email) VALUES ('Ann', 'ann@example.org'), ('Bo', 'bo@example.org');
    """)
    if with_meta:
        conn.executescript("""
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
            INSERT INTO meta VALUES ('app', 'address book'), ('version', '3');
        """)
    conn.commit()
    conn.close()
    assert path.read_bytes()[18:20] == b"\x01\x01", "the foreign file must start in rollback-journal mode"
    return path


def commands(path: Path, out: Path, good_backup: Path) -> dict[str, list]:
    """Every command that opens an inspection file, on `path`; outputs go to `out`."""
    return {
        "status": ["status", path],
        "export": ["export", path, out / "export.xlsx"],
        "report": ["report", path, out / "report.xlsx"],
        "merge": ["merge", path, WORKBOOK, "--as", "TL"],
        "answer": ["answer", path, "29SV025158925", "PC02", "fully", "--as", "TL"],
        "purge --yes": ["purge", path, "--before", "2030-01-01", "--yes", "--as", "TL"],
        "restore": ["restore", path],
        "restore --from": ["restore", path, "--from", good_backup],
    }


def each_command_on_a_fresh_copy(capsys, tmp_path, make, good_backup) -> list[str]:
    """Run every command on its own fresh file made by make(path); what went wrong, command by command."""
    problems = []
    for name in commands(Path("x"), Path("x"), good_backup):
        folder = tmp_path / re.sub(r"\W+", "-", name)
        (folder / "out").mkdir(parents=True)
        path = make(folder)
        digest = sha256(path)
        run = cli(capsys, *commands(path, folder / "out", good_backup)[name])
        for p in refusal_problems(run, NOT_AN_INSPECTION) + untouched_problems(path, digest):
            problems.append(f"{name}: {p} ({run})")
    return problems


@pytest.fixture
def closed_file(area_file):
    """The path of a real inspection file (the Area template, the example sample), closed."""
    area_file.close()
    return area_file.path


@pytest.fixture
def good_backup(closed_file, tmp_path):
    """A real inspection file elsewhere, to hand to  restore --from."""
    target = tmp_path / "good-backup.fileexam"
    shutil.copyfile(closed_file, target)
    return target


def backups_root() -> Path:
    return settings.data_dir() / "backups"


def backup_of(source: Path, for_path: Path) -> Path:
    """A backup, in the user's data folder, of `for_path` holding `source`'s contents (as the app makes them)."""
    from fileexam.store.backups import make_backup

    with scratch_copy(source) as copy:
        conn = sqlite3.connect(copy)
        try:
            return make_backup(conn, for_path, backups_root())
        finally:
            conn.close()


def offers(err: str, backup: Path, number: int) -> bool:
    """The message points at this backup: by its path, its name, or its number for  restore --from."""
    return any(s in err for s in (str(backup), backup.name, backup.stem)) or \
        re.search(rf"--from {number}\b", err) is not None


def page_size(data: bytes) -> int:
    size = int.from_bytes(data[16:18], "big")
    return 65536 if size == 1 else size


def damage_a_middle_btree_page(data: bytes) -> bytes:
    """Scramble the header and cell pointers of a b-tree page in the middle; the 100-byte file header stays valid."""
    size = page_size(data)
    btree = [n for n in range(1, len(data) // size) if data[n * size] in (2, 5, 10, 13)]
    start = btree[len(btree) // 2] * size
    out = bytearray(data)
    for i in range(start + 1, start + 49):
        out[i] ^= 0xA5
    return bytes(out)


# ---- 1. foreign files are never changed -------------------------------------------
@pytest.mark.parametrize("with_meta", [False, True], ids=["no-meta-table", "with-meta-table"])
def test_status__foreign_sqlite_file__refused_and_untouched(tmp_path, capsys, with_meta):
    path = foreign_sqlite(tmp_path / "other.db", with_meta)
    digest = sha256(path)
    run = cli(capsys, "status", path)
    problems = refusal_problems(run, NOT_AN_INSPECTION) + untouched_problems(path, digest)
    assert not problems, f"{problems} ({run})"
    assert list(tmp_path.iterdir()) == [path]


@pytest.mark.parametrize("with_meta", [False, True], ids=["no-meta-table", "with-meta-table"])
def test_every_command__foreign_sqlite_file__refused_and_untouched(tmp_path, capsys, good_backup, with_meta):
    problems = each_command_on_a_fresh_copy(capsys, tmp_path / "runs",
                                            lambda folder: foreign_sqlite(folder / "other.db", with_meta), good_backup)
    assert not problems, "\n".join(problems)


NOT_SQLITE = {
    "text": b"name,email\nAnn,ann@example.org\n",
    "zero-bytes": b"",
    "a-workbook": WORKBOOK.read_bytes(),
}


@pytest.mark.parametrize("kind", NOT_SQLITE)
def test_every_command__file_that_is_not_sqlite__refused_and_untouched(tmp_path, capsys, good_backup, kind):
    def make(folder: Path) -> Path:
        path = folder / "notes.fileexam"
        path.write_bytes(NOT_SQLITE[kind])
        return path

    problems = each_command_on_a_fresh_copy(capsys, tmp_path / "runs", make, good_backup)
    assert not problems, "\n".join(problems)


# ---- 2. restore only from a good inspection file ------------------------------------
def test_restore__from_a_file_that_is_not_an_inspection__refused_and_file_unchanged(closed_file, tmp_path, capsys):
    sources = {"plain sqlite": foreign_sqlite(tmp_path / "plain.db", with_meta=False),
               "sqlite with a meta table": foreign_sqlite(tmp_path / "plain-meta.db", with_meta=True),
               "text": tmp_path / "notes.txt"}
    sources["text"].write_text("not a database\n")
    digest = sha256(closed_file)
    problems = []
    for name, source in sources.items():
        run = cli(capsys, "restore", closed_file, "--from", source)
        problems += [f"--from {name}: {p} ({run})" for p in refusal_problems(run, NOT_AN_INSPECTION)]
        if sha256(closed_file) != digest:
            problems.append(f"--from {name}: the inspection file was changed ({run})")
            break
    assert not problems, "\n".join(problems)


@pytest.fixture
def damaged_copy(closed_file, tmp_path):
    """A copy of a real inspection file with a b-tree page in the middle scrambled (checked damaged)."""
    target = tmp_path / "damaged-copy.fileexam"
    target.write_bytes(damage_a_middle_btree_page(closed_file.read_bytes()))
    assert target.read_bytes()[:100] == closed_file.read_bytes()[:100]
    assert integrity(target) != "ok"
    return target


def test_restore__from_a_damaged_backup_by_path__refused_and_file_unchanged(closed_file, damaged_copy, capsys):
    digest = sha256(closed_file)
    run = cli(capsys, "restore", closed_file, "--from", damaged_copy)
    problems = refusal_problems(run, DAMAGED)
    if sha256(closed_file) != digest:
        problems.append("the inspection file was changed")
    assert not problems, f"{problems} ({run})"
    assert integrity(closed_file) == "ok"


def test_restore__from_a_damaged_backup_by_number__refused_and_file_unchanged(closed_file, damaged_copy, capsys):
    backup_of(closed_file, closed_file)
    bad = backup_of(damaged_copy, closed_file)  # the newest: the app backed up a file already damaged
    listing = cli(capsys, "restore", closed_file)
    numbers = [m.group(1) for m in re.finditer(rf"^\s*(\d+)\b.*{re.escape(bad.stem)}", listing.out, re.M)]
    if not numbers:
        return  # the damaged backup is not offered at all: nothing to refuse
    digest = sha256(closed_file)
    run = cli(capsys, "restore", closed_file, "--from", numbers[0])
    problems = refusal_problems(run, DAMAGED)
    if sha256(closed_file) != digest:
        problems.append("the inspection file was changed")
    assert not problems, f"{problems} ({run})"


# ---- 3. damaged inspection files: never silent, never written -------------------------
@pytest.fixture(scope="module")
def answered_file(tmp_path_factory) -> Path:
    """A real inspection file with a few hundred answers (so many pages), closed and checkpointed."""
    from fileexam.services.sample import import_sample
    from fileexam.store.inspection_file import InspectionFile

    path = tmp_path_factory.mktemp("answered") / "answered.fileexam"
    with InspectionFile.create(path, AREA_TEMPLATE, "Area inspection 2026", "TL") as f:
        assert import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL").imported
        scale = [q for q in f.template.questions if q.answer.type.value == "scale"]
        with f.atomic():
            for i, case in enumerate(f.cases()[:8]):
                for j, q in enumerate(scale):
                    options = q.answer.scale.options
                    f.set_answer(case.reference, q.id, "TL", options[(i + j) % len(options)].value,
                                 comment=f"seen on file {i}-{j}")
    assert not path.with_name(path.name + "-wal").exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] >= 300
    conn.close()
    return path


def damaged_variants(data: bytes, scratch: Path, want: int = 20, seed: int = 20260527) -> list[tuple[str, bytes]]:
    """Truncated and byte-flipped copies of `data` that SQLite's integrity check finds damaged (seeded)."""
    rng = random.Random(seed)
    size = page_size(data)
    pages = len(data) // size
    found = []
    for _ in range(400):
        if len(found) == want:
            break
        kind = rng.choice(["cut at a page", "cut inside a page", "flip bytes", "scramble a run"])
        blob = bytearray(data)
        if kind == "cut at a page":
            cut = rng.randrange(1, pages) * size
            blob, label = blob[:cut], f"truncated to {cut} bytes"
        elif kind == "cut inside a page":
            cut = rng.randrange(size, len(data) - 1)
            blob, label = blob[:cut], f"truncated to {cut} bytes"
        elif kind == "flip bytes":
            at = sorted(rng.sample(range(100, len(data)), rng.randint(1, 12)))
            for i in at:
                blob[i] ^= rng.randrange(1, 256)
            label = f"bytes flipped at {at}"
        else:
            start = rng.randrange(100, len(data) - 64)
            length = rng.randint(8, 64)
            blob[start:start + length] = bytes(rng.randrange(256) for _ in range(length))
            label = f"{length} bytes scrambled at {start}"
        scratch.write_bytes(blob)
        if integrity(scratch) != "ok":
            found.append((label, bytes(blob)))
    scratch.unlink(missing_ok=True)
    return found


def test_status__damaged_inspection_file__refused_or_warned_offering_a_backup_and_never_written(
        answered_file, tmp_path, capsys):
    variants = damaged_variants(answered_file.read_bytes(), tmp_path / "scratch.fileexam")
    assert len(variants) >= 15, "the generator should find about 20 damaged variants"
    problems = []
    for n, (label, blob) in enumerate(variants):
        path = tmp_path / f"variant-{n:02d}" / "area.fileexam"
        path.parent.mkdir()
        path.write_bytes(blob)
        backup = backup_of(answered_file, path)
        digest = sha256(path)
        run = cli(capsys, "status", path)
        why = []
        if run.code not in (0, 1):
            why.append(f"exit code {run.code}")
        if PYTHON_LEAK.search(run.err):
            why.append("a Python exception shows in the message")
        if not DAMAGED.search(run.err):
            why.append("stderr does not say (in plain words) that the file is damaged")
        if "fileexam restore" not in run.err or not offers(run.err, backup, 1):
            why.append("the latest good backup is not offered (with fileexam restore)")
        if sha256(path) != digest:
            why.append("the damaged file was written")
        if why:
            problems.append(f"{label}: {'; '.join(why)} ({run})")
    assert not problems, f"{len(problems)} of {len(variants)} damaged variants:\n" + "\n".join(problems)


def test_status__damaged_file__offers_the_latest_good_backup_not_a_newer_damaged_one(closed_file, damaged_copy,
                                                                                       capsys):
    good = backup_of(closed_file, closed_file)
    bad = backup_of(damaged_copy, closed_file)  # made after the damage: the newest, but no use
    shutil.copyfile(damaged_copy, closed_file)
    digest = sha256(closed_file)
    run = cli(capsys, "status", closed_file)
    problems = []
    if run.code not in (0, 1) or PYTHON_LEAK.search(run.err):
        problems.append("not a plain message")
    if not DAMAGED.search(run.err) or "fileexam restore" not in run.err:
        problems.append("it does not say the file is damaged and how to restore it")
    if not offers(run.err, good, 2):
        problems.append(f"the latest good backup ({good.name}, number 2) is not offered")
    if offers(run.err, bad, 1):
        problems.append(f"the newer, damaged backup ({bad.name}, number 1) is offered")
    if sha256(closed_file) != digest:
        problems.append("the damaged file was written")
    assert not problems, f"{problems} ({run})"


# ---- 4. an inspection file missing what it needs -------------------------------------
@pytest.mark.parametrize("key", ["template_fingerprint", "inspection_id"])
def test_status__meta_key_missing__refused_naming_the_key(closed_file, capsys, key):
    with sqlite3.connect(closed_file) as conn:
        assert conn.execute("DELETE FROM meta WHERE key=?", [key]).rowcount == 1
    conn.close()
    run = cli(capsys, "status", closed_file)
    problems = refusal_problems(run)
    if key not in run.err:
        problems.append(f"the message does not name {key}")
    assert not problems, f"{problems} ({run})"


def test_status__case_fields_not_json__refused_naming_the_case(closed_file, capsys):
    with sqlite3.connect(closed_file) as conn:
        conn.execute("UPDATE cases SET fields='{not json' WHERE rowid=1")
        reference = conn.execute("SELECT reference FROM cases WHERE rowid=1").fetchone()[0]
    conn.close()
    run = cli(capsys, "status", closed_file)
    problems = refusal_problems(run, re.compile(r"field", re.I))
    if reference not in run.err:
        problems.append(f"the message does not name case {reference}")
    assert not problems, f"{problems} ({run})"


# ---- 5. locks stay held ---------------------------------------------------------------
HOLDER = textwrap.dedent("""
    # Process A: the app with an inspection open, which opens the same file again for an export job.
    import sys, time
    from pathlib import Path
    from fileexam.store.inspection_file import InspectionFile

    path, signals = Path(sys.argv[1]), Path(sys.argv[2])

    def wait(name):
        deadline = time.time() + 20
        while not (signals / name).exists():
            if time.time() > deadline:
                sys.exit(f"timed out waiting for {name}")
            time.sleep(0.01)

    f = InspectionFile.open(path)
    ref = f.cases()[0].reference
    f.set_answer(ref, "PC02", "TL", "partially")
    job = InspectionFile.open(path)  # an export or report job's own connection
    job.close()
    (signals / "opened").touch()
    wait("other-process-done")
    print(f.answers(ref, "TL")["PC02"].value)
    f.set_answer(ref, "PC03", "TL", "fully")
    (signals / "answered-again").touch()
    wait("checked")
    f.close()
""")

VISITOR = textwrap.dedent("""
    # Process B: any other SQLite user (another fileexam, a backup tool) that reads the file and closes it.
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1])
    conn.execute("SELECT count(*) FROM answers").fetchone()
    conn.close()
""")


def here() -> dict[str, str]:
    """The environment of a child process that imports fileexam from this checkout (not an installed copy)."""
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def wait_for(flag: Path, proc: subprocess.Popen) -> None:
    deadline = time.time() + 20
    while not flag.exists():
        if proc.poll() is not None:
            raise AssertionError(f"process A ended early: {proc.communicate()}")
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {flag.name}")
        time.sleep(0.01)


def test_locks__second_open_in_the_same_process__keeps_the_first_connections_locks(closed_file, tmp_path):
    # How this test was checked: with InspectionFile.open's header read (Python's open()) replaced by a
    # stub in process A, the -wal survives B and the reader sees A's second answer; with it, both fail.
    signals = tmp_path / "signals"
    signals.mkdir()
    (tmp_path / "holder.py").write_text(HOLDER)
    (tmp_path / "visitor.py").write_text(VISITOR)
    wal = closed_file.with_name(closed_file.name + "-wal")
    a = subprocess.Popen([sys.executable, tmp_path / "holder.py", closed_file, signals], cwd=ROOT, env=here(),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(signals / "opened", a)
        assert wal.exists()
        b = subprocess.run([sys.executable, tmp_path / "visitor.py", closed_file], cwd=ROOT, capture_output=True,
                           text=True, timeout=20)
        assert b.returncode == 0, b.stderr
        wal_kept = wal.exists()  # deleted if B found no lock of A's and thought it was the last user
        (signals / "other-process-done").touch()
        wait_for(signals / "answered-again", a)
        with sqlite3.connect(closed_file) as reader:  # a third process's view while A still has the file open
            seen = dict(reader.execute("SELECT question_id, value FROM answers WHERE marker='TL'"))
        reader.close()
        (signals / "checked").touch()
        out, err = a.communicate(timeout=20)
    finally:
        if a.poll() is None:
            a.kill()
            a.communicate()
    assert a.returncode == 0, err
    problems = []
    if out.strip() != "partially":
        problems.append(f"A cannot read its own answer any more ({out.strip()!r})")
    if not wal_kept:
        problems.append("the -wal was deleted by another process while A had the file open: A's locks were dropped")
    if seen != {"PC02": "partially", "PC03": "fully"}:
        problems.append(f"an answer A saved afterwards is invisible to other processes (they see {seen})")
    assert not problems, "\n".join(problems)


# ---- 6. read-only ----------------------------------------------------------------------
def read_only_mount_works(tmp_path: Path) -> str | None:
    """None when `unshare -rm` can bind-mount a folder read-only here (so even root cannot write it); else why not."""
    if shutil.which("unshare") is None:
        return "unshare(1) is not installed"
    probe = tmp_path / "probe"
    probe.mkdir()
    p = subprocess.run(["unshare", "-rm", "sh", "-c",
                        'mount --bind -o ro "$1" "$1" && ! touch "$1/x" 2>/dev/null', "sh", probe],
                       capture_output=True, text=True)
    if p.returncode != 0 or (probe / "x").exists():
        return f"no read-only bind mount in a user namespace here (unshare -rm: {p.stderr.strip() or p.returncode})"
    return None


def fileexam_with_read_only(target: Path, *argv) -> subprocess.CompletedProcess:
    """`fileexam argv` in its own process that sees `target` (a folder or a file) mounted read-only.
    The tests run as root, which ignores permission bits: a read-only mount is refused even to root."""
    return subprocess.run(["unshare", "-rm", "sh", "-c", 'mount --bind -o ro "$1" "$1" && shift && exec "$@"', "sh",
                           target, sys.executable, "-m", "fileexam", *map(str, argv)],
                          cwd=ROOT, env=here(), capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("read_only", ["folder", "file"])
def test_read_only__status_export_report_work__answer_refused_plainly(merged_file, tmp_path, read_only):
    merged_file.close()
    closed_file = merged_file.path
    why_not = read_only_mount_works(tmp_path)
    if why_not:
        pytest.skip(why_not)
    with sqlite3.connect(closed_file) as conn:
        answers_before = conn.execute("SELECT count(*) FROM answers").fetchone()[0]
    conn.close()
    share, out = tmp_path / "share", tmp_path / "out"  # out: writable, outside the read-only folder
    share.mkdir()
    out.mkdir()
    closed_file = Path(shutil.move(closed_file, share / closed_file.name))
    target = share if read_only == "folder" else closed_file
    ref = "29SV025158925"
    problems = []
    status = fileexam_with_read_only(target, "status", closed_file)
    if status.returncode != 0 or "Area inspection 2026" not in status.stdout:
        problems.append(f"status: exit {status.returncode}, stderr {status.stderr.strip()!r}")
    export = fileexam_with_read_only(target, "export", closed_file, out / "work.xlsx")
    if export.returncode != 0 or not (out / "work.xlsx").is_file():
        problems.append(f"export: exit {export.returncode}, stderr {export.stderr.strip()!r}")
    report = fileexam_with_read_only(target, "report", closed_file, out / "report.xlsx")
    if report.returncode != 0 or not (out / "report.xlsx").is_file():
        problems.append(f"report: exit {report.returncode}, stderr {report.stderr.strip()!r}")
    answer = fileexam_with_read_only(target, "answer", closed_file, ref, "PC02", "fully", "--as", "TL")
    run = Run(answer.returncode, answer.stdout, answer.stderr)
    why = refusal_problems(run, READ_ONLY)
    if closed_file.name not in answer.stderr:
        why.append("the message does not name the file")
    problems += [f"answer: {p} ({run})" for p in why]
    assert not problems, "\n".join(problems)
    with sqlite3.connect(closed_file) as conn:
        assert conn.execute("SELECT count(*) FROM answers").fetchone()[0] == answers_before
    conn.close()


# ---- found by the damaged-open fault run ------------------------------------------------------------
def test_schema_record_edited_by_hand__called_damaged_not_a_traceback(closed_file, capsys):
    conn = sqlite3.connect(closed_file)
    conn.execute("DELETE FROM _sqlite_migrations WHERE name='m004_covering_answers_index'")
    conn.commit()
    conn.close()
    digest = sha256(closed_file)
    run = cli(capsys, "status", closed_file)
    assert run.code == 1 and "damaged" in run.err and "record of schema upgrades" in run.err
    assert sha256(closed_file) == digest


def test_refused_damaged_inspection__no_side_files_left(answered_file, tmp_path, capsys):
    path = tmp_path / "damaged.fileexam"
    data = bytearray(answered_file.read_bytes())
    path.write_bytes(damage_a_middle_btree_page(bytes(data)))
    assert not Path(str(path) + "-wal").exists()
    run = cli(capsys, "status", path)
    assert run.code == 1 and "damaged" in run.err
    assert not Path(str(path) + "-wal").exists() and not Path(str(path) + "-shm").exists()
