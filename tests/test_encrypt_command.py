"""`fileexam encrypt FILE`: a plain inspection file and every copy fileexam keeps of it encrypted under a
passphrase, the plain text in none of their bytes afterwards; refused when already encrypted or open
elsewhere; audited without the secret."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from fileexam import settings
from fileexam.cli import main
from fileexam.store import backups
from fileexam.store.file_check import NeedsPassphrase, check_inspection_file
from fileexam.store.inspection_file import InspectionFile
from fileexam.store.sqlite import derive

PASSPHRASE = "correct horse battery"
COMMENT = "Victim Zebedee-Quarrington said the officer never called"  # text to look for in raw bytes


@pytest.fixture
def plain(area_file):
    ref = area_file.cases()[0].reference
    area_file.set_answer(ref, "DI01", "AK", "fully", comment=COMMENT)
    root = settings.data_dir() / "backups"
    made = [backups.make_backup(area_file.conn, area_file.path, root) for _ in range(2)]
    path = area_file.path
    area_file.close()
    for p in [path, *made]:
        assert COMMENT.encode() in p.read_bytes()  # the test means something: the text is there, plain
    return path, made, ref


def test_encrypt__file_and_kept_backups__no_plain_text_left__opens_with_the_passphrase(plain, monkeypatch, capsys):
    path, made, ref = plain
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    assert main(["encrypt", str(path), "--as", "TL"]) == 0
    captured = capsys.readouterr()
    assert "encrypted; 2 kept backup(s) encrypted too" in captured.out
    assert "stay plain" in captured.err  # says what it cannot reach
    for p in [path, *made]:
        data = p.read_bytes()
        assert COMMENT.encode() not in data and b"SQLite format 3" not in data[:16]
        for extra in ("-wal", "-shm"):
            side = p.with_name(p.name + extra)
            assert not side.exists() or COMMENT.encode() not in side.read_bytes()
        with pytest.raises(NeedsPassphrase):
            check_inspection_file(p, "none")
        assert check_inspection_file(p, "full", derive(PASSPHRASE, data[:16])).encrypted
    assert not list(path.parent.glob("*.rekey.part*"))
    with InspectionFile.open(path, key=derive(PASSPHRASE, path.read_bytes()[:16])) as f:
        assert f.answers(ref, "AK")["DI01"].comment == COMMENT
        last = f.audit()[-1]
        assert last["action"] == "encrypt"
        assert PASSPHRASE not in repr(f.conn.execute("SELECT * FROM audit").fetchall())
    # the commands now need the passphrase, and take it
    assert main(["status", str(path)]) == 0
    monkeypatch.delenv("FILEEXAM_PASSPHRASE")
    assert main(["status", str(path)]) == 1


def test_encrypt__already_encrypted__refused_nothing_changed(plain, monkeypatch, capsys):
    path, _made, _ref = plain
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    assert main(["encrypt", str(path), "--as", "TL"]) == 0
    before = path.read_bytes()
    capsys.readouterr()
    assert main(["encrypt", str(path), "--as", "TL"]) == 1
    assert "already encrypted" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_encrypt__open_here__refused_nothing_changed(area_file, monkeypatch, capsys):
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    before = area_file.path.read_bytes()
    assert main(["encrypt", str(area_file.path), "--as", "TL"]) == 1
    assert "open" in capsys.readouterr().err
    assert area_file.path.read_bytes()[:16] == before[:16]
    assert area_file.cases()  # still usable


def test_encrypt__short_passphrase__refused_nothing_changed(plain, monkeypatch, capsys):
    path, _made, _ref = plain
    before = path.read_bytes()
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", "short")
    assert main(["encrypt", str(path), "--as", "TL"]) == 1
    assert "shorter than" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_report__an_encrypted_master_as_baseline__its_passphrase_read(plain, tmp_path, monkeypatch, capsys):
    """`report --baseline` on an encrypted earlier master: its passphrase is asked (here from
    FILEEXAM_PASSPHRASE) and the figures are compared, as with a plain one."""
    from fileexam.services.merge import merge_workbooks

    path, _made, _ref = plain
    work = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))
    with InspectionFile.open(path) as f:
        merge_workbooks(f, work, "TL")
    plain_copy = tmp_path / "plain-earlier.fileexam"
    plain_copy.write_bytes(path.read_bytes())
    monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
    assert main(["encrypt", str(path), "--as", "TL"]) == 0
    monkeypatch.delenv("FILEEXAM_PASSPHRASE")
    out = {}
    for name, baseline in (("plain", plain_copy), ("sealed", path)):
        if name == "sealed":
            monkeypatch.setenv("FILEEXAM_PASSPHRASE", PASSPHRASE)
        capsys.readouterr()
        assert main(["report", str(plain_copy), str(tmp_path / f"{name}.xlsx"), "--baseline", str(baseline),
                     "--json"]) == 0
        out[name] = json.loads(capsys.readouterr().out)
    assert out["plain"]["measures"] == out["sealed"]["measures"]
    assert any(m["baseline"] is not None for m in out["sealed"]["measures"])
    monkeypatch.delenv("FILEEXAM_PASSPHRASE")
    assert main(["report", str(plain_copy), str(tmp_path / "x.xlsx"), "--baseline", str(path)]) == 1
    assert "encrypted" in capsys.readouterr().err
