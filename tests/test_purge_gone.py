"""Purge means gone: the purged text is in no byte of the inspection file, its -wal and -shm, its backups or any
copy fileexam made; purge refuses while another process holds the file; the template's retention rule reminds."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, timedelta

import pytest

from conftest import ROOT
from fileexam import settings
from fileexam.cli import main
from fileexam.services.retention import due
from fileexam.store.backups import folder_for, list_backups, make_backup
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import sqlite3  # the driver fileexam uses

SECRET_COMMENT = "ZEBRA-COMMENT-7731 the victim's sister said"
SECRET_NAME = "QUOKKA-DEFENDANT-4411"
OLD = "2026-01-10T10:00:00.000+00:00"


def _marker(f, ref):
    return next(m for (r, m) in f.statuses() if r == ref)


def _files_holding(root_dirs, needle: bytes) -> list[str]:
    found = []
    for d in root_dirs:
        for p in d.rglob("*"):
            if p.is_file() and needle in p.read_bytes():
                found.append(str(p))
    return found


@pytest.fixture
def insecure_by_default(monkeypatch):
    """Many SQLite builds have secure_delete off by default (sqlcipher3's bundled SQLite among them; Debian's
    has it on): every new connection of fileexam's driver starts with it off here, whatever the build, so
    that only fileexam's own settings can clear deleted text."""
    real = sqlite3.connect

    def connect(*args, **kwargs):
        conn = real(*args, **kwargs)
        conn.execute("PRAGMA secure_delete=OFF")
        return conn
    monkeypatch.setattr(sqlite3, "connect", connect)


@pytest.fixture
def purged_setup(merged_file, tmp_path, insecure_by_default):
    f = merged_file
    f.conn.execute("PRAGMA secure_delete=OFF")
    ref = next(r for (r, m), st in f.statuses().items() if st.value == "complete")
    marker = next(m for (r, m) in f.statuses() if r == ref)
    f.conn.execute("UPDATE markings SET status='in progress' WHERE case_ref=?", [ref])
    q = next(iter(f.answers(ref, marker)))
    f.set_answer(ref, q, marker, f.answers(ref, marker)[q].value, comment=SECRET_COMMENT)
    # overwritten: the first text is left in a free page unless deletes are secure
    f.set_answer(ref, q, marker, f.answers(ref, marker)[q].value, comment=SECRET_COMMENT + " (revised)")
    f.set_field(ref, "defendant", SECRET_NAME, "TL")
    f.set_field(ref, "defendant", SECRET_NAME + " corrected", "TL")
    f.conn.execute("UPDATE markings SET status='complete', updated_at=?", [OLD])
    root = settings.data_dir() / "backups"
    for _ in range(3):
        make_backup(f.conn, f.path, root)
    upgrade_copy = f.path.with_name(f"{f.path.stem}.before-upgrade-m005_moderation{f.path.suffix}")
    f.save_copy(upgrade_copy)  # as an upgrade would have left it
    saved = tmp_path / "elsewhere" / "copy.fileexam"
    saved.parent.mkdir()
    f.save_copy(saved, "TL")
    return f, ref, root, saved


def test_purge__purged_text_in_no_byte_of_file_wal_backups_or_copies(purged_setup, capsys):
    f, ref, root, saved = purged_setup
    with InspectionFile.open(f.path) as other:  # every connection fileexam opens deletes securely
        assert other.conn.execute("PRAGMA secure_delete").fetchone()[0] == 1
    path = f.path
    everywhere = [path.parent, root, saved.parent]
    assert _files_holding(everywhere, SECRET_COMMENT.encode())  # the test would see it if it stayed
    f.close()
    assert main(["purge", str(path), "--before", "2026-02-01", "--yes", "--as", "Records officer"]) == 0
    out = capsys.readouterr().out
    assert "Deleted 4 backup(s)" in out and "Purged the same way: the copy" in out
    for needle in (SECRET_COMMENT, SECRET_NAME):
        for enc in ("utf-8", "utf-16-le"):
            assert _files_holding(everywhere, needle.encode(enc)) == [], needle
    with InspectionFile.open(path) as g:
        assert g.count_answers() < f"{g.count_answers()}".__len__() + 10**9  # opens and reads
        assert not g.answers(ref, next(m for (r, m) in g.statuses() if r == ref))
        assert g.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    [fresh] = list_backups(path, root)  # the one backup left is of the purged file
    assert SECRET_COMMENT.encode() not in fresh.read_bytes()


HOLD = """
import sys, time
from fileexam.store.inspection_file import InspectionFile
f = InspectionFile.open(sys.argv[1])
f.cases()
print("holding", flush=True)
time.sleep(30)
"""


def test_purge__refused_while_another_process_has_the_file_open(purged_setup, capsys):
    f, ref, root, saved = purged_setup
    path = f.path
    f.close()
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert holder.stdout.readline().strip() == "holding"
        assert main(["purge", str(path), "--before", "2026-02-01", "--yes", "--as", "RO"]) == 1
        err = capsys.readouterr().err
        assert "open in another program" in err
    finally:
        holder.kill()
        holder.wait()
    con = sqlite3.connect(path)
    assert con.execute("SELECT count(*) FROM answers WHERE comment LIKE ?", [SECRET_COMMENT + "%"]).fetchone()[0] == 1
    con.close()
    assert len(list_backups(path, root)) == 3  # nothing deleted on a refusal


def test_purge__refused_while_this_process_holds_another_connection(purged_setup):
    f, *_ = purged_setup
    other = InspectionFile.open(f.path)
    try:
        from fileexam.store.errors import StoreError
        with pytest.raises(StoreError, match="open in another program"):
            f.purge("2026-02-01", "RO")
    finally:
        other.close()
    assert f.purge("2026-02-01", "RO")["cases"] > 0  # alone, it goes ahead


def test_fields_only__clears_laptop_fields_and_keeps_answers(purged_setup):
    f, ref, root, saved = purged_setup
    n = f.count_answers()
    result = f.purge("2026-02-01", "RO", fields_only=True)
    assert result["fields"] >= 1 and result["answers"] == 0 and f.count_answers() == n
    assert "defendant" not in f.case(ref).fields
    rows = [a for a in f.audit(ref) if a["action"] == "field" and a["question_id"] == "defendant"]
    assert rows and all(a["old_value"] is None and a["new_value"] is None for a in rows)


def test_retention_rule__status_reminds_when_laptop_fields_are_due(purged_setup, capsys):
    f, ref, root, saved = purged_setup
    [r] = due(f, today=date(2026, 3, 1))  # complete since 10 January; the template keeps them 30 days
    assert r.fields_only and r.cases >= 1 and r.before == (date(2026, 3, 1) - timedelta(days=30)).isoformat()
    assert due(f, today=date(2026, 1, 20)) == []
    path = f.path
    f.close()
    assert main(["status", str(path)]) == 0
    err = capsys.readouterr().err
    assert "Due for deletion" in err and "--fields-only" in err


def test_retention_rule__answers_due_a_year_after_signoff(purged_setup):
    f, *_ = purged_setup
    f.sign_off("Moderator", forced_reason="test")
    f.conn.execute("UPDATE moderation_signoffs SET at='2025-01-01T10:00:00+00:00'")
    reminders = due(f, today=date(2026, 3, 1))
    assert any(not r.fields_only and "signed off on 2025-01-01" in r.what for r in reminders)
