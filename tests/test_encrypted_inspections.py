"""Encrypted inspection files (SQLCipher 4 through sqlcipher3; docs/inspection-file.md, "Encrypted inspection
files"): the driver swap, the key, recognising a file that needs a passphrase, a wrong one changing nothing
(a crash-left -wal included), a SIGKILL during writes losing no acknowledged answer, backups and copies
encrypted with the same key, restore, rekey, purge, and the passphrase never written anywhere."""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import AREA_TEMPLATE, ROOT
from fileexam import settings
from fileexam.cli import main
from fileexam.store import backups
from fileexam.store.file_check import (DamagedFile, NeedsPassphrase, NotAnInspection, WrongPassphrase,
                                       check_inspection_file)
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import CipherKey, derive, looks_encrypted, new_key, sqlite3

PASSPHRASE = "corr'ect hörse battery"  # a quote and a non-ASCII letter: passed intact
OTHER = "another passphrase 2"
SECRET = "Comment on the review: SECRET-TEXT-4711"


@pytest.fixture(scope="module")
def key() -> CipherKey:
    return new_key(PASSPHRASE)  # the KDF once for the module's files (0.3-0.6 s each time)


def state(path: Path) -> dict:
    return {s or "main": hashlib.sha256(Path(str(path) + s).read_bytes()).hexdigest()
            for s in ("", "-wal") if Path(str(path) + s).exists()}


def new_encrypted(path: Path, key: CipherKey, sample: bool = True) -> InspectionFile:
    from fileexam.services.sample import import_sample
    f = InspectionFile.create(path, AREA_TEMPLATE, "Encrypted inspection", "TL", key=key)
    if sample:
        assert import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL").imported
    return f


@pytest.fixture
def enc(tmp_path, key):
    f = new_encrypted(tmp_path / "enc.fileexam", key)
    yield f
    f.close()


def decrypted_image(path: Path, key: CipherKey) -> bytes:
    """Every page of an SQLCipher 4 file (or the pages of its -wal's frames), decrypted with the key: free
    pages and old frames included, which no SQL query shows. AES-256-CBC, an IV and an HMAC in the last 80
    bytes of each 4096-byte page; page 1 starts with the salt."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw_key = bytes.fromhex(key.pragma().split("x'")[1][:64])
    data = path.read_bytes()
    pages = []
    if path.name.endswith("-wal"):
        pages = [data[o + 24:o + 24 + 4096] for o in range(32, len(data) - 4095, 4096 + 24)]
    else:
        pages = [data[o:o + 4096] for o in range(0, len(data), 4096)]
    out = []
    for i, page in enumerate(pages):
        start = 16 if (i == 0 and not path.name.endswith("-wal") and page[:16] == key.salt) else 0
        iv, body = page[-80:-64], page[start:-80]
        d = Cipher(algorithms.AES(raw_key), modes.CBC(iv)).decryptor()
        out.append(d.update(body) + d.finalize())
    return b"".join(out)


# ---- the driver ------------------------------------------------------------------------------------
def test_every_module__uses_the_one_driver():
    package = ROOT / "fileexam"
    offenders = [str(p.relative_to(ROOT)) for p in package.rglob("*.py")
                 if any(line.strip() == "import sqlite3" for line in p.read_text(encoding="utf-8").splitlines())]
    assert offenders == []
    from fileexam.store import sqlite as driver
    assert driver.sqlite3.__name__ == "sqlcipher3.dbapi2"
    assert driver.sqlite3.sqlite_version_info >= (3, 45)


def test_sqlite_utils__database_and_migrations__work_on_the_driver(tmp_path, key):
    from sqlite_utils import Database

    from fileexam.store.migrations import migrations
    from fileexam.store.sqlite import connect
    for name, k in (("plain.db", None), ("encrypted.db", key)):
        conn = connect(tmp_path / name, k, isolation_level=None)
        db = Database(conn)
        migrations.apply(db)
        assert len(list(migrations.applied(db))) >= 6 and "answers" in db.table_names()
        db["probe"].insert_all([{"id": 1, "text": "x"}], pk="id")
        assert db["probe"].count == 1
        conn.close()
    assert (tmp_path / "plain.db").read_bytes()[:16] == b"SQLite format 3\x00"
    assert (tmp_path / "encrypted.db").read_bytes()[:16] == key.salt


def test_errors__are_the_drivers(area_file):
    with pytest.raises(sqlite3.OperationalError):
        area_file.conn.execute("SELECT * FROM no_such_table")


# ---- the key ---------------------------------------------------------------------------------------
def test_cipher_key__hides_itself_and_is_never_pickled(key):
    assert repr(key) == str(key) == "CipherKey(<hidden>)"
    assert f"{key}" == "CipherKey(<hidden>)"
    with pytest.raises(TypeError):
        pickle.dumps(key)
    with pytest.raises(AttributeError):
        key.salt = b"x" * 16


def test_key__is_sqlciphers_own_derivation__the_file_opens_with_the_passphrase_in_sqlcipher(enc):
    """fileexam's hashlib KDF gives SQLCipher 4's key: any SQLCipher 4 tool opens the file with its passphrase."""
    enc.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn = sqlite3.connect(str(enc.path))
    conn.execute("PRAGMA key = '" + PASSPHRASE.replace("'", "''") + "'")
    assert conn.execute("SELECT value FROM meta WHERE key='name'").fetchone()[0] == "Encrypted inspection"
    assert conn.execute("PRAGMA cipher_page_size").fetchone()[0] == "4096"
    conn.close()


def test_new_file__salt_first__no_plaintext_anywhere__not_even_the_schema(enc, key):
    ref = enc.cases()[0].reference
    enc.set_answer(ref, "DI01", "AK", "fully", comment=SECRET)
    assert enc.encrypted and enc.path.read_bytes()[:16] == key.salt
    for p in (enc.path, Path(str(enc.path) + "-wal")):
        data = p.read_bytes()
        for needle in (SECRET.encode(), b"SQLite format 3", b"CREATE TABLE", b"Encrypted inspection", ref.encode()):
            assert needle not in data, (p.name, needle)
    assert SECRET.encode() in decrypted_image(Path(str(enc.path) + "-wal"), key)  # the scan would see it
    assert looks_encrypted(enc.path.read_bytes()[:100], enc.path.stat().st_size)
    assert enc.conn.execute("PRAGMA application_id").fetchone()[0] == 0x4658414D


# ---- recognising, wrong passphrases ------------------------------------------------------------------
def test_open__without_a_key__needs_passphrase__nothing_written(enc):
    path = enc.path
    enc.close()
    before = state(path)
    with pytest.raises(NeedsPassphrase) as caught:
        InspectionFile.open(path)
    assert caught.value.salt == path.read_bytes()[:16]
    assert "encrypted" in str(caught.value) and "passphrase" in str(caught.value)
    assert state(path) == before


def test_open__wrong_passphrase__clear_message__never_damaged__file_unchanged(enc):
    path = enc.path
    enc.close()
    before = state(path)
    wrong = derive("not the passphrase", path.read_bytes()[:16])
    for check in ("full", "quick", "none"):
        with pytest.raises(WrongPassphrase) as caught:
            InspectionFile.open(path, check=check, key=wrong)
        assert not isinstance(caught.value, DamagedFile)
        assert str(caught.value).startswith(f"wrong passphrase for {path}; nothing was changed")
        assert "not the passphrase" not in str(caught.value)
    assert state(path) == before


WRITER = """
import os, sys
from pathlib import Path
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import derive
path = Path(sys.argv[1])
with path.open("rb") as fh:
    salt = fh.read(16)
f = InspectionFile.open(path, key=derive(os.environ["FILEEXAM_PASSPHRASE"], salt))
t = f.template
keys = [(c.reference, q.id) for c in f.cases() for q in t.questions if q.answer.scale is not None]
i = int(sys.argv[2])
while True:
    ref, qid = keys[i % len(keys)]
    value = t.question_by_id[qid].answer.scale.options[(i // len(keys)) % 2].value
    f.set_answer(ref, qid, "crash", value, comment=f"note {i}")
    print(i, ref, qid, value, flush=True)   # acknowledged: the write has returned
    i += 1
"""


def write_then_kill(path: Path, seconds: float, start: int) -> dict[tuple[str, str], tuple[int, str]]:
    """A child process writing answers to the encrypted file (write number i with the comment "note i"),
    SIGKILLed; what it acknowledged: (case, question) -> (write number, value)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), FILEEXAM_PASSPHRASE=PASSPHRASE)
    proc = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(start)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while len(lines) < 20 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join(5)
    assert len(lines) >= 20, proc.stderr.read()[-2000:]
    acked = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 4 and line.endswith("\n"):  # a line cut by the kill is no acknowledgement
            acked[(parts[1], parts[2])] = (int(parts[0]), parts[3])
    return acked


def test_round_trip__new_answer_sigkill_reopen_with_passphrase__every_acknowledged_answer_there(tmp_path, capsys,
                                                                                              monkeypatch):
    path = tmp_path / "kill.fileexam"
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    assert main(["new", str(path), "--template", str(AREA_TEMPLATE), "--name", "Killed", "--encrypt", "--as", "TL"]) == 0
    assert main(["sample", "import", str(path), str(ROOT / "exports/examples/area-sample.xlsx"), "--as", "TL"]) == 0
    acked: dict[tuple[str, str], tuple[int, str]] = {}
    start = 0
    for seconds in (0.2, 0.5):
        acked.update(write_then_kill(path, seconds, start))
        last = max(i for i, _ in acked.values())
        start = last + 2
        wal = Path(str(path) + "-wal")
        assert wal.exists() and wal.stat().st_size > 0  # the kill left a live -wal
        # a wrong passphrase on the crash-left file: the file and its -wal unchanged, byte for byte
        before = state(path)
        with pytest.raises(WrongPassphrase):
            InspectionFile.open(path, key=derive("wrong passphrase!", path.read_bytes()[:16]))
        assert state(path) == before
        monkeypatch.setenv("FILEEXAM_PASSPHRASE", "wrong passphrase!")
        assert main(["status", str(path)]) == 1
        assert "wrong passphrase for" in capsys.readouterr().err
        assert state(path) == before
        monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
        # reopened with the passphrase: every acknowledged answer there, SQLite's full check passes
        key = derive(PASSPHRASE, path.read_bytes()[:16])
        with InspectionFile.open(path, check="full", key=key) as f:
            assert f.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            held = {(r, q): (int(c.split()[1]), v) for r, q, v, c in f.conn.execute(
                "SELECT case_ref, question_id, value, comment FROM answers WHERE marker='crash'")}
        # each acknowledged write is in the file, or was overwritten by the one in flight at the kill
        lost = [(k, v, held.get(k)) for k, v in acked.items() if held.get(k) != v and
                not (k in held and held[k][0] == last + 1)]
        assert lost == []
    assert len(acked) > 20
    assert main(["status", str(path)]) == 0
    assert "Killed" in capsys.readouterr().out


def test_open__another_programs_encrypted_database__not_an_inspection(tmp_path, key):
    from fileexam.store.sqlite import connect
    other = tmp_path / "other.db"
    conn = connect(other, key)
    conn.execute("PRAGMA application_id = 42")
    conn.execute("CREATE TABLE t (a)")
    conn.commit()
    conn.close()
    with pytest.raises(NotAnInspection, match="encrypted database of another program"):
        check_inspection_file(other, "full", key)


def test_plain_file_damaged_in_its_magic__still_not_an_inspection__not_asked_for_a_passphrase(area_file):
    path = area_file.path
    area_file.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    area_file.close()
    data = bytearray(path.read_bytes())
    data[0:6] = b"XQLitf"
    path.write_bytes(bytes(data))
    with pytest.raises(NotAnInspection):
        check_inspection_file(path, "quick")


def test_random_bytes__the_shape_of_an_encrypted_file__asked_then_wrong_passphrase(tmp_path, key):
    junk = tmp_path / "junk.fileexam"
    junk.write_bytes(os.urandom(8192))
    before = junk.read_bytes()
    with pytest.raises(NeedsPassphrase):
        InspectionFile.open(junk)
    with pytest.raises(WrongPassphrase):
        InspectionFile.open(junk, key=derive(PASSPHRASE, before[:16]))
    assert junk.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["junk.fileexam"]


def test_held_file__a_second_connection_is_keyed_with_the_same_key(enc, key):
    with InspectionFile.open(enc.path) as other:  # a worker thread's: no key given, the held one is used
        assert other.encrypted and other.name == "Encrypted inspection"
    with pytest.raises(WrongPassphrase):
        InspectionFile.open(enc.path, key=derive("wrong passphrase!", key.salt))


# ---- backups, copies, restore ------------------------------------------------------------------------
def test_backup__encrypted_with_the_same_key_and_salt__restorable_with_it_not_without(enc, key, tmp_path):
    root = tmp_path / "backups"
    ref = enc.cases()[0].reference
    enc.set_answer(ref, "DI01", "AK", "fully", comment=SECRET)
    backup = backups.make_backup(enc.conn, enc.path, root, key=enc.cipher_key)
    data = backup.read_bytes()
    assert data[:16] == key.salt and SECRET.encode() not in data and b"SQLite format 3" not in data
    with pytest.raises(NeedsPassphrase):
        check_inspection_file(backup, "full")
    with pytest.raises(WrongPassphrase):
        check_inspection_file(backup, "full", derive(OTHER, key.salt))
    assert check_inspection_file(backup, "full", key).encrypted
    assert backups.latest_good(enc.path, root) is None  # without the key nothing can be checked
    assert backups.latest_good(enc.path, root, key) == (1, backup)
    enc.set_answer(ref, "DI01", "AK", "not_met")
    path = enc.path
    enc.close()
    with pytest.raises(NeedsPassphrase):
        backups.restore(path, backup, root)
    before = state(path)
    with pytest.raises(WrongPassphrase):
        backups.restore(path, backup, root, derive(OTHER, key.salt))
    assert state(path) == before
    safety = backups.restore(path, backup, root, key)
    assert safety.read_bytes()[:16] == key.salt
    with InspectionFile.open(path, check="full", key=key) as f:
        assert f.answers(ref, "AK")["DI01"].value == "fully"
    with InspectionFile.open(safety, key=key) as f:
        assert f.answers(ref, "AK")["DI01"].value == "not_met"


def test_backup__into_a_destination_without_the_key__refused(enc):
    with pytest.raises(sqlite3.Error):
        backups.make_backup(enc.conn, enc.path, enc.path.parent / "b")  # key forgotten: no plaintext copy


def test_restore__over_an_encrypted_file_damaged_in_its_first_page__kept_aside_and_restored(enc, key, tmp_path):
    root = tmp_path / "backups"
    ref = enc.cases()[0].reference
    enc.set_answer(ref, "DI01", "AK", "partially")
    backup = backups.make_backup(enc.conn, enc.path, root, key=key)
    enc.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    path = enc.path
    enc.close()
    data = bytearray(path.read_bytes())
    data[200] ^= 0x01  # one bit in page 1: SQLCipher's HMAC refuses the page, as it refuses a wrong key
    path.write_bytes(bytes(data))
    with pytest.raises(WrongPassphrase) as caught:
        from fileexam.store.passphrases import damaged_hint
        from fileexam.store.passphrases import TerminalKeys
        TerminalKeys(environ={"FILEEXAM_PASSPHRASE": PASSPHRASE}).open(
            path, lambda k: InspectionFile.open(path, key=k), damaged_hint(path, root))
    assert "may be damaged" in str(caught.value) and "--from 1" in str(caught.value)
    safety = backups.restore(path, backup, root, key)
    assert safety.suffix == ".replaced" and safety.read_bytes() == bytes(data)
    with InspectionFile.open(path, check="full", key=key) as f:
        assert f.answers(ref, "AK")["DI01"].value == "partially"


def test_save_copy__encrypted_with_the_same_passphrase(enc, key, tmp_path):
    copy = enc.save_copy(tmp_path / "copy.fileexam", "TL")
    assert copy.read_bytes()[:16] == key.salt
    with pytest.raises(NeedsPassphrase):
        InspectionFile.open(copy)
    with InspectionFile.open(copy, key=derive(PASSPHRASE, copy.read_bytes()[:16])) as c:
        assert c.name == "Encrypted inspection"


# ---- purge and VACUUM ------------------------------------------------------------------------------
def test_purge__encrypted_file__vacuumed__and_with_the_key_the_text_is_gone_from_every_page(enc, key, monkeypatch):
    ref = enc.cases()[0].reference
    enc.set_answer(ref, "DI01", "AK", "fully", comment=SECRET)
    enc.set_answer(ref, "DI01", "AK", "fully", comment=SECRET + " (revised)")
    enc.conn.execute("UPDATE markings SET status='complete', updated_at='2026-01-01T00:00:00+00:00'")
    root = settings.data_dir() / "backups"
    backups.make_backup(enc.conn, enc.path, root, key=key)
    enc.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRET.encode() in decrypted_image(enc.path, key)  # the scan sees it before
    path = enc.path
    enc.close()
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    assert main(["purge", str(path), "--before", "2026-02-01", "--yes", "--as", "Records officer"]) == 0
    assert path.read_bytes()[:16] == key.salt  # still encrypted, same salt after VACUUM
    for p in [path, Path(str(path) + "-wal"), *backups.list_backups(path, root)]:
        if p.exists() and p.stat().st_size:
            assert SECRET.encode() not in p.read_bytes()
            assert SECRET.encode() not in decrypted_image(p, key), p
    with InspectionFile.open(path, check="full", key=key) as f:
        assert f.conn.execute("SELECT count(*) FROM answers WHERE comment LIKE '%SECRET%'").fetchone()[0] == 0
        assert f.audit()[-1]["action"] == "purge"


# ---- rekey ---------------------------------------------------------------------------------------------
def test_rekey__file_and_every_kept_backup__new_key_and_salt__old_refused__audited_without_secret(
        enc, key, monkeypatch, capsys):
    root = settings.data_dir() / "backups"
    ref = enc.cases()[0].reference
    enc.set_answer(ref, "DI01", "AK", "fully")
    made = [backups.make_backup(enc.conn, enc.path, root, key=key) for _ in range(2)]
    path = enc.path
    enc.close()
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("FILEEXAM_NEW_PASSPHRASE", OTHER)
    assert main(["rekey", str(path), "--as", "TL"]) == 0
    out = capsys.readouterr().out
    assert "re-encrypted under the new passphrase; 2 kept backup(s) re-encrypted" in out
    salt = path.read_bytes()[:16]
    assert salt != key.salt
    new = derive(OTHER, salt)
    for p in [path, *made]:
        assert p.read_bytes()[:16] == salt
        with pytest.raises(WrongPassphrase):
            check_inspection_file(p, "full", derive(PASSPHRASE, salt))
        with pytest.raises(WrongPassphrase):
            check_inspection_file(p, "full", key)
        assert check_inspection_file(p, "full", new).encrypted
    with InspectionFile.open(path, key=new) as f:
        assert f.answers(ref, "AK")["DI01"].value == "fully"
        last = f.audit()[-1]
        assert last["action"] == "rekey"
        rows = f.conn.execute("SELECT * FROM audit").fetchall()
    assert PASSPHRASE not in repr(rows) and OTHER not in repr(rows)
    # run again (as after an interruption): nothing left to do, nothing broken
    assert main(["rekey", str(path), "--as", "TL"]) == 0
    assert "already under the new passphrase; 0 kept backup(s) re-encrypted too, 2 already were" in \
        capsys.readouterr().out
    assert main(["status", str(path)]) == 1  # the old passphrase no longer opens it
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", OTHER)
    assert main(["status", str(path)]) == 0


def test_rekey__refused_while_the_file_is_open_elsewhere__nothing_changed(enc, key, monkeypatch, capsys):
    before_salt = enc.path.read_bytes()[:16]
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\n"
                               "from fileexam.store.inspection_file import InspectionFile\n"
                               "from fileexam.store.sqlite import derive\n"
                               "p = sys.argv[1]\nsalt = open(p, 'rb').read(16)\n"
                               "f = InspectionFile.open(p, key=derive(sys.argv[2], salt))\n"
                               "f.conn.execute('SELECT count(*) FROM cases').fetchone()\n"
                               "print('open', flush=True)\ntime.sleep(30)\n", str(enc.path), PASSPHRASE],
                              stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    path = enc.path
    enc.close()
    try:
        assert holder.stdout.readline().strip() == "open"
        monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
        monkeypatch.setenv("FILEEXAM_NEW_PASSPHRASE", OTHER)
        assert main(["rekey", str(path), "--as", "TL"]) == 1
        assert "open in another program" in capsys.readouterr().err
    finally:
        holder.kill()
        holder.wait()
    assert path.read_bytes()[:16] == before_salt
    assert not list(path.parent.glob("*.rekey.part*"))
    with InspectionFile.open(path, check="full", key=key) as f:
        assert f.name == "Encrypted inspection"


def test_rekey__plain_file__refused(area_file, monkeypatch, capsys):
    path = area_file.path
    area_file.close()
    assert main(["rekey", str(path)]) == 1
    assert "is not encrypted" in capsys.readouterr().err


# ---- the command line ----------------------------------------------------------------------------------
def test_cli_new_encrypt__asked_twice_at_the_terminal__then_every_command_asks(tmp_path, monkeypatch, capsys):
    from fileexam.store import passphrases
    monkeypatch.delenv("FILEEXAM_PASSPHRASE", raising=False)
    asked: list[str] = []
    answers = iter(["short", "long enough passphrase", "a different one!!", PASSPHRASE, PASSPHRASE])

    def ask(prompt):
        asked.append(prompt)
        return next(answers)
    monkeypatch.setattr(passphrases, "_getpass", ask)
    monkeypatch.setattr(passphrases, "_interactive", lambda: True)
    path = tmp_path / "asked.fileexam"
    assert main(["new", str(path), "--template", str(AREA_TEMPLATE), "--name", "Asked", "--encrypt", "--as", "TL"]) == 0
    err = capsys.readouterr().err
    assert "shorter than 10" in err and "differ" in err
    assert len(asked) == 5 and all("not shown" in p or "again" in p for p in asked)
    # status: asked once; a wrong one asked again (nothing changed), then the right one
    answers = iter(["wrong passphrase", PASSPHRASE])
    asked.clear()
    before = state(path)
    assert main(["status", str(path)]) == 0
    assert len(asked) == 2 and "Wrong passphrase for asked.fileexam" in asked[1]
    assert "Asked" in capsys.readouterr().out
    assert state(path)["main"] == before["main"]
    # three wrong: refused, plainly
    answers = iter(["wrong 1", "wrong 2", "wrong 3"])
    assert main(["status", str(path)]) == 1
    assert capsys.readouterr().err.startswith(f"fileexam: wrong passphrase for {path}; nothing was changed")


def test_cli__no_terminal_no_variable__says_how_to_give_the_passphrase(enc, monkeypatch, capsys):
    path = enc.path
    enc.close()
    monkeypatch.delenv("FILEEXAM_PASSPHRASE", raising=False)
    assert main(["status", str(path)]) == 1
    err = capsys.readouterr().err
    assert "is encrypted" in err and "FILEEXAM_PASSPHRASE" in err and "Traceback" not in err


def test_cli__passphrase_from_the_variable__answer_export_restore(enc, monkeypatch, capsys, tmp_path):
    path = enc.path
    ref = enc.cases()[0].reference
    enc.close()
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    assert main(["answer", str(path), ref, "DI01", "F", "--comment", SECRET, "--as", "A. Khan"]) == 0
    assert main(["export", str(path), str(tmp_path / "out.xlsx"), "--marker", "A. Khan"]) == 0
    assert main(["restore", str(path)]) == 1  # no backups yet: listed as none, after the passphrase
    capsys.readouterr()


def test_cli_restore__encrypted_backups_listed_checked_and_restored_with_the_passphrase(enc, key, monkeypatch, capsys):
    root = settings.data_dir() / "backups"
    ref = enc.cases()[0].reference
    enc.set_answer(ref, "DI01", "AK", "partially")
    backups.make_backup(enc.conn, enc.path, root, key=key)
    enc.set_answer(ref, "DI01", "AK", "not_met")
    path = enc.path
    enc.close()
    monkeypatch.delenv("FILEEXAM_PASSPHRASE", raising=False)
    assert main(["restore", str(path)]) == 0
    assert "encrypted: not checked" in capsys.readouterr().out
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", OTHER)
    assert main(["restore", str(path)]) == 0
    assert "does not open with this passphrase" in capsys.readouterr().out
    assert main(["restore", str(path), "--from", "1"]) == 1
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    assert main(["restore", str(path)]) == 0
    listed = capsys.readouterr().out
    assert "DAMAGED" not in listed and "not checked" not in listed
    assert main(["restore", str(path), "--from", "1"]) == 0
    with InspectionFile.open(path, key=key) as f:
        assert f.answers(ref, "AK")["DI01"].value == "partially"


# ---- the passphrase is written nowhere ----------------------------------------------------------------------
def test_passphrase__never_in_settings_logs_audit_crash_log_or_any_file(tmp_path, monkeypatch, capsys, own_home):
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("FILEEXAM_NEW_PASSPHRASE", OTHER)
    path = tmp_path / "quiet.fileexam"
    assert main(["new", str(path), "--template", str(AREA_TEMPLATE), "--name", "Quiet", "--encrypt", "--as", "TL"]) == 0
    assert main(["sample", "import", str(path), str(ROOT / "exports/examples/area-sample.xlsx"), "--as", "TL"]) == 0
    assert main(["status", str(path)]) == 0
    # an unexpected failure after the passphrase was read: the crash log holds the traceback, not the secret
    with monkeypatch.context() as m:
        def boom(*a, **k):
            raise RuntimeError("unexpected")
        m.setattr(InspectionFile, "statuses", boom)
        assert main(["status", str(path)]) == 2
    assert main(["rekey", str(path), "--as", "TL"]) == 0
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", "wrong passphrase here")
    assert main(["status", str(path)]) == 1
    said = capsys.readouterr()
    assert (settings.data_dir() / "logs" / "fileexam-errors.log").is_file()
    needles = [s.encode(enc) for s in (PASSPHRASE, OTHER, "wrong passphrase here") for enc in ("utf-8", "utf-16-le")]
    files = [p for base in (own_home, tmp_path) for p in base.rglob("*") if p.is_file()]
    assert any("crash" in p.name or "log" in p.name for p in files), [p.name for p in files]
    for p in files:
        data = p.read_bytes()
        assert not any(n in data for n in needles), p
    for text in (said.out, said.err):
        assert PASSPHRASE not in text and OTHER not in text and "wrong passphrase here" not in text
    key = derive(OTHER, path.read_bytes()[:16])
    image = decrypted_image(path, key)
    assert not any(n in image for n in needles)  # nor inside the file, decrypted
    with InspectionFile.open(path, key=key) as f:
        assert not any(PASSPHRASE in repr(r) or OTHER in repr(r) for r in f.audit())


def test_before_upgrade_copy__encrypted_with_the_same_key(tmp_path):
    import shutil
    path = tmp_path / "older.fileexam"
    # A file of the m009 schema (made before m010 rebuilt the answers: tests/fixtures/make_m009_files.py)
    shutil.copy(ROOT / "tests" / "fixtures" / "m009-encrypted.fileexam", path)
    passphrase = "m009 fixture passphrase"
    key = derive(passphrase, path.read_bytes()[:16])
    from fileexam.store.sqlite import connect
    conn = connect(path, key, isolation_level=None)  # as an older fileexam left it: the last migration not yet run
    for table in ("sample_designs", "sample_strata", "case_strata", "sample_reserves", "sample_exclusions",
                  "moderation_queries", "feedback_receipts", "gold_cases"):
        conn.execute(f"DROP TABLE {table}")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name >= 'm007'")  # m007 and every later one
    conn.close()
    with InspectionFile.open(path, key=key) as f:
        assert "sample_exclusions" in {r[0] for r in f.conn.execute("SELECT name FROM sqlite_master")}
    copy = path.with_name("older.before-upgrade-m006_calibration.fileexam")
    assert copy.read_bytes()[:16] == key.salt and b"SQLite format 3" not in copy.read_bytes()
    with pytest.raises(NeedsPassphrase):
        check_inspection_file(copy, "full")
    assert check_inspection_file(copy, "full", derive(passphrase, key.salt)).encrypted


def test_rekey__interrupted_after_the_backups__every_file_whole__run_again_finishes(enc, key, monkeypatch):
    from functools import lru_cache

    from fileexam.store import rekey as rekeying
    root = settings.data_dir() / "backups"
    made = [backups.make_backup(enc.conn, enc.path, root, key=key) for _ in range(2)]
    path = enc.path
    enc.close()
    old = lru_cache(maxsize=None)(lambda salt: derive(PASSPHRASE, salt))
    new = lru_cache(maxsize=None)(lambda salt: derive(OTHER, salt))

    def interrupted(*a, **k):
        raise KeyboardInterrupt
    with monkeypatch.context() as m:
        m.setattr(rekeying, "_rekey_file", interrupted)
        with pytest.raises(KeyboardInterrupt):
            rekeying.rekey(path, old, new, root, "TL")
    assert check_inspection_file(path, "full", key).encrypted  # the file: whole, under the old passphrase
    for p in made:  # the backups: whole, under the new one
        assert check_inspection_file(p, "full", new(p.read_bytes()[:16])).encrypted
    result = rekeying.rekey(path, old, new, root, "TL")
    assert result.file_rekeyed and len(result.copies_rekeyed) == 2 and not result.copies_not_reached
    salt = path.read_bytes()[:16]
    for p in [path, *made]:  # all under one new key and salt again
        assert p.read_bytes()[:16] == salt
        assert check_inspection_file(p, "full", derive(OTHER, salt)).encrypted
