"""Encrypted exchange workbooks (issue 13): export encrypted, merge and import them with the password,
refuse a wrong or missing one plainly, never keep or log the password, never leave a plain copy on disk."""

from __future__ import annotations

import io
import logging
import sqlite3
import tempfile
import zipfile

import olefile
import pytest
from msoffcrypto import OfficeFile
from msoffcrypto.exceptions import InvalidKeyError
from openpyxl import load_workbook

from conftest import AREA_TEMPLATE, ROOT
from fileexam import passwords as pw
from fileexam.cli import main
from fileexam.formats import workbook_guard
from fileexam.formats.exchange_workbook import read_exchange
from fileexam.formats.sample_workbook import write_sample
from fileexam.formats.tables import TableError, read_table
from fileexam.formats.workbook_guard import (OLE_MAGIC, PasswordNeeded, UnsafeWorkbook, WrongPassword,
                                             check_workbook_file, is_encrypted)
from fileexam.passwords import PasswordError, Passwords, new_password
from fileexam.services.export import export_workbook
from fileexam.services.merge import merge_workbooks
from fileexam.services.moderation import allocate
from fileexam.services.sample import import_sample
from fileexam.store.inspection_file import InspectionFile
from test_merge import inspector_file

PASSWORD = "correct horse battery"
OTHER = "purple monkey dishwasher"
EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))


@pytest.fixture
def khan(tmp_path):
    f = inspector_file(tmp_path, "A. Khan")
    yield f
    f.close()


def encrypted_export(f, path, password=PASSWORD, marker="A. Khan"):
    export_workbook(f, path, marker, password=password)
    return path


def everything_in(path) -> bytes:
    """Every byte of an SQLite file and its journal: where a stored password would be."""
    out = b""
    for p in path.parent.glob(path.name + "*"):
        out += p.read_bytes()
    return out


def never_holds(blob: bytes, *secrets: str) -> bool:
    return not any(s.encode(enc) in blob for s in secrets for enc in ("utf-8", "utf-16-le"))


# ---- writing ---------------------------------------------------------------------------------------------
def test_export_encrypted__an_ecma376_agile_file_that_msoffcrypto_verifies(khan, tmp_path):
    out = encrypted_export(khan, tmp_path / "ak.xlsx")
    data = out.read_bytes()
    assert data[:8] == OLE_MAGIC and not zipfile.is_zipfile(out)
    ole = olefile.OleFileIO(out)
    assert ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage")
    assert ole.openstream("EncryptionInfo").read(4) == b"\x04\x00\x04\x00"  # version 4.4: agile
    ole.close()
    with out.open("rb") as fh:  # msoffcrypto-tool's own check: the verifier and the HMAC
        office = OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password=PASSWORD, verify_password=True)
        plain = io.BytesIO()
        office.decrypt(plain, verify_integrity=True)
    assert load_workbook(plain).sheetnames[:3] == ["About", "Cases", "Answers"]
    with out.open("rb") as fh:
        office = OfficeFile(fh)
        with pytest.raises(InvalidKeyError):
            office.load_key(password="not the password", verify_password=True)


def test_export_encrypted__openpyxl_cannot_read_it_without_the_password(khan, tmp_path):
    out = encrypted_export(khan, tmp_path / "ak.xlsx")
    with pytest.raises(Exception):  # noqa: B017 - whatever openpyxl raises: it is not a package it can open
        load_workbook(out)


def test_export_encrypted__no_plain_copy_ever_on_disk(khan, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where XlsxWriter would put its temporary files
    folder = tmp_path / "out"
    folder.mkdir()
    seen = []
    real_open = type(folder).open

    def watching_open(self, mode="r", *a, **k):  # every file written while exporting
        if "w" in mode or "a" in mode:
            seen.append(self)
        return real_open(self, mode, *a, **k)

    monkeypatch.setattr(type(folder), "open", watching_open)
    encrypted_export(khan, folder / "ak.xlsx")
    monkeypatch.undo()
    assert [p.name for p in folder.iterdir()] == ["ak.xlsx"]  # no .part left
    assert list(scratch.iterdir()) == []
    assert seen == [folder / "ak.xlsx.part"]
    assert (folder / "ak.xlsx").read_bytes()[:8] == OLE_MAGIC


def test_export_encrypted__failure_leaves_nothing(khan, tmp_path, monkeypatch):
    from fileexam.formats import xlsx_writing

    def broken(plain, password):
        raise RuntimeError("encryption failed")

    monkeypatch.setattr(xlsx_writing, "encrypt_workbook", broken)
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(RuntimeError):
        encrypted_export(khan, folder / "ak.xlsx")
    assert list(folder.iterdir()) == []


# ---- reading and merging ---------------------------------------------------------------------------------
def test_read_exchange__encrypted__same_data_as_plain(khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    export_workbook(khan, tmp_path / "plain.xlsx", "A. Khan")
    a, b = read_exchange(enc, password=PASSWORD), read_exchange(tmp_path / "plain.xlsx")
    assert a.problems == [] and a.encrypted and not b.encrypted
    assert (a.cases, a.answers, a.definitions) == (b.cases, b.answers, b.definitions)


def test_merge__encrypted_round_trip__same_master_as_a_plain_merge(area_file, khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    report = merge_workbooks(area_file, [enc], "TL", password=PASSWORD)
    [w] = report.workbooks
    assert w.outcome == "merged" and w.encrypted and w.new == 4, w.reasons
    assert "encrypted" in w.line()
    plain_master = InspectionFile.create(tmp_path / "plain.fileexam", AREA_TEMPLATE, "Area inspection 2026", "TL")
    import_sample(plain_master, ROOT / "exports/examples/area-sample.xlsx", "TL")
    export_workbook(khan, tmp_path / "plain.xlsx", "A. Khan")
    merge_workbooks(plain_master, [tmp_path / "plain.xlsx"], "TL")
    for ref in {c.reference for c in khan.cases() if c.inspector == "A. Khan"}:
        assert {k: (a.value, a.comment) for k, a in area_file.answers(ref, "A. Khan").items()} == \
               {k: (a.value, a.comment) for k, a in plain_master.answers(ref, "A. Khan").items()}
    assert area_file.statuses() == plain_master.statuses()
    plain_master.close()
    [log] = area_file.merges()
    assert "encrypted" in log["detail"]  # the merge log says it was encrypted ...
    assert never_holds(everything_in(area_file.path), PASSWORD)  # ... and holds the password nowhere


def test_merge__no_password__refused_saying_it_is_encrypted(area_file, khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    [w] = merge_workbooks(area_file, [enc], "TL").workbooks
    assert w.outcome == "refused"
    assert "it is encrypted: give its password" in w.reasons[0]
    assert area_file.count_answers() == 0
    assert area_file.merges()[-1]["outcome"] == "refused"


def test_merge__wrong_password__refused_nothing_written(area_file, khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    [w] = merge_workbooks(area_file, [enc], "TL", password="not the password at all").workbooks
    assert w.outcome == "refused" and "wrong password" in w.reasons[0]
    assert "not the password" not in w.reasons[0]  # the password is never in a message
    assert area_file.count_answers() == 0
    assert never_holds(everything_in(area_file.path), "not the password at all")


def test_merge__several_workbooks__asked_once_tried_on_each_asked_again_for_the_odd_one(area_file, tmp_path):
    books = []
    for name, password in (("A. Khan", PASSWORD), ("B. Evans", OTHER), ("D. Okafor", PASSWORD)):
        f = inspector_file(tmp_path, name, n=2)
        books.append(encrypted_export(f, tmp_path / f"{name}.xlsx", password, name))
        f.close()
    books.insert(1, ROOT / "exports/examples/work-c-murphy.xlsx")  # a plain workbook among them: never asked about
    prompts = []
    answers = iter([PASSWORD, "a wrong guess", OTHER])

    def ask(prompt):
        prompts.append(prompt)
        return next(answers)

    report = merge_workbooks(area_file, books, "TL", password=Passwords(ask=ask))
    assert [w.outcome for w in report.workbooks] == ["merged"] * 4, [w.reasons for w in report.workbooks]
    assert [w.encrypted for w in report.workbooks] == [True, False, True, True]
    assert len(prompts) == 3  # once; then twice for B. Evans's, which the first password does not open
    assert "A. Khan.xlsx" in prompts[0]
    assert all("Wrong password for B. Evans.xlsx" in p for p in prompts[1:])


def test_merge__non_interactive__the_odd_workbook_refused_with_wrong_password(area_file, tmp_path):
    books = []
    for name, password in (("A. Khan", PASSWORD), ("B. Evans", OTHER)):
        f = inspector_file(tmp_path, name, n=2)
        books.append(encrypted_export(f, tmp_path / f"{name}.xlsx", password, name))
        f.close()
    report = merge_workbooks(area_file, books, "TL", password=Passwords([PASSWORD]))
    assert [w.outcome for w in report.workbooks] == ["merged", "refused"]
    assert "wrong password" in report.workbooks[1].reasons[0]


def test_merge__interactive_gives_up__refused_with_wrong_password(area_file, khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    guesses = iter(["guess one", "guess two", "guess three", "never asked"])
    [w] = merge_workbooks(area_file, [enc], "TL", password=Passwords(ask=lambda p: next(guesses))).workbooks
    assert w.outcome == "refused" and "none of the 3 passwords given opens it" in w.reasons[0]
    assert next(guesses) == "never asked"


# ---- the guard ---------------------------------------------------------------------------------------------
def test_guard__messages(khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    with pytest.raises(PasswordNeeded, match="^it is encrypted: give its password$"):
        check_workbook_file(enc)
    with pytest.raises(WrongPassword, match="^wrong password"):
        check_workbook_file(enc, "not it at all")
    checked = check_workbook_file(enc, PASSWORD)
    assert checked.encrypted and zipfile.is_zipfile(io.BytesIO(checked.data))
    assert is_encrypted(enc) and not is_encrypted(EXAMPLES[0]) and not is_encrypted(tmp_path / "missing.xlsx")


def _rebuilt(enc, info=None, package=None, rename=None) -> bytes:
    """The encrypted file with its EncryptionInfo or EncryptedPackage stream replaced (a hostile one)."""
    from msoffcrypto.method.container.ecma376_encrypted import ECMA376Encrypted

    ole = olefile.OleFileIO(enc)
    old_info, old_package = ole.openstream("EncryptionInfo").read(), ole.openstream("EncryptedPackage").read()
    ole.close()
    out = io.BytesIO()
    ECMA376Encrypted(package if package is not None else old_package,
                     info if info is not None else old_info).write_to(out)
    return out.getvalue()


def test_guard__old_xls_and_damaged_ole__plain_refusals(khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    data = bytearray(enc.read_bytes())
    name = "EncryptionInfo".encode("utf-16-le")
    i = data.find(name)
    data[i:i + len(name)] = "EncryptionInfX".encode("utf-16-le")  # an OLE file without it: like an old .xls
    (tmp_path / "old.xls.xlsx").write_bytes(bytes(data))
    with pytest.raises(UnsafeWorkbook, match=r"older Office file .*\.xls.*save it as an Excel Workbook"):
        check_workbook_file(tmp_path / "old.xls.xlsx", PASSWORD)
    (tmp_path / "zeros.xlsx").write_bytes(OLE_MAGIC + bytes(4000))
    with pytest.raises(UnsafeWorkbook, match="older Office file .*or a damaged one"):
        check_workbook_file(tmp_path / "zeros.xlsx")
    data = read_exchange(tmp_path / "old.xls.xlsx")
    assert [p.code for p in data.problems] == ["table-unreadable"]


def test_guard__tampered_or_truncated_encrypted_file__refused_plainly(khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    data = enc.read_bytes()
    ole = olefile.OleFileIO(enc)
    package = bytearray(ole.openstream("EncryptedPackage").read())
    ole.close()
    package[5000] ^= 0xFF
    (tmp_path / "tampered.xlsx").write_bytes(_rebuilt(enc, package=bytes(package)))
    with pytest.raises(UnsafeWorkbook, match="changed or damaged after it was encrypted"):
        check_workbook_file(tmp_path / "tampered.xlsx", PASSWORD)
    for cut in (9, 600, len(data) // 2, len(data) - 700):
        (tmp_path / "cut.xlsx").write_bytes(data[:cut])
        with pytest.raises(UnsafeWorkbook):
            check_workbook_file(tmp_path / "cut.xlsx", PASSWORD)
        assert [p.code for p in read_exchange(tmp_path / "cut.xlsx", password=PASSWORD).problems] == \
               ["table-unreadable"]


def test_guard__hostile_encryption_header__refused_before_any_hashing(khan, tmp_path, monkeypatch):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    ole = olefile.OleFileIO(enc)
    info = ole.openstream("EncryptionInfo").read()
    ole.close()
    spun = info.replace(b'spinCount="100000"', b'spinCount="2000000000"')
    assert spun != info
    (tmp_path / "spin.xlsx").write_bytes(_rebuilt(enc, info=spun))
    with pytest.raises(UnsafeWorkbook):
        check_workbook_file(tmp_path / "spin.xlsx", PASSWORD)
    entity = info[:8] + b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + info[8:].split(b"?>", 1)[1]
    (tmp_path / "entity.xlsx").write_bytes(_rebuilt(enc, info=entity))
    with pytest.raises(UnsafeWorkbook, match="entities"):
        check_workbook_file(tmp_path / "entity.xlsx", PASSWORD)
    monkeypatch.setattr(workbook_guard, "MAX_ENCRYPTION_INFO", len(info) - 1)  # a header beyond the bound
    with pytest.raises(UnsafeWorkbook, match="encryption header is over"):
        check_workbook_file(enc, PASSWORD)


def test_guard__byte_budget_and_limits_apply_to_encrypted_and_decrypted_bytes(khan, tmp_path, monkeypatch):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    monkeypatch.setattr(workbook_guard, "MAX_CELLS", 50)  # the decrypted package is measured like any other
    with pytest.raises(UnsafeWorkbook, match="cells"):
        check_workbook_file(enc, PASSWORD)
    monkeypatch.undo()
    monkeypatch.setattr(workbook_guard, "MAX_FILE_BYTES", enc.stat().st_size - 1)
    with pytest.raises(UnsafeWorkbook, match="bytes"):
        check_workbook_file(enc, PASSWORD)


# ---- samples, blind samples -----------------------------------------------------------------------------------
def test_sample_import__encrypted_sample__with_without_and_with_a_wrong_password(area_file, tmp_path):
    sample = tmp_path / "sample.xlsx"
    write_sample(sample, area_file.template, area_file.cases()[:5], exported_only=True, password=PASSWORD)
    assert sample.read_bytes()[:8] == OLE_MAGIC
    fresh = InspectionFile.create(tmp_path / "fresh.fileexam", AREA_TEMPLATE, "Area inspection 2026", "TL")
    [p] = import_sample(fresh, sample, "TL").problems
    assert "it is encrypted: give its password" in p.format()
    [p] = import_sample(fresh, sample, "TL", password="not the password").problems
    assert "wrong password" in p.format()
    report = import_sample(fresh, sample, "TL", password=Passwords([PASSWORD]))
    assert report.imported and report.added == 5
    fresh.close()
    with pytest.raises(TableError, match="give its password"):
        read_table(sample)


def test_blind_samples__encrypted_by_the_cli__imported_with_the_password(area_file, tmp_path, monkeypatch, capsys):
    merge_workbooks(area_file, EXAMPLES, "TL")
    ref = next(c.reference for c in area_file.cases() if c.inspector == "A. Khan")
    path = area_file.path
    area_file.close()
    monkeypatch.setenv(pw.ENV_VAR, PASSWORD)
    blind = tmp_path / "blind"
    assert main(["moderation", "allocate", str(path), "--case", ref, "--to", "B. Evans", "--out-dir", str(blind),
                 "--encrypt", "--as", "TL"]) == 0
    assert "encrypted" in capsys.readouterr().out
    [sample] = blind.iterdir()
    assert is_encrypted(sample)
    with pytest.raises(Exception):  # noqa: B017
        load_workbook(sample)
    second = tmp_path / "evans.fileexam"
    InspectionFile.create(second, AREA_TEMPLATE, "Area inspection 2026", "B. Evans").close()
    assert main(["sample", "import", str(second), str(sample), "--as", "B. Evans"]) == 0
    monkeypatch.delenv(pw.ENV_VAR)
    monkeypatch.setattr(pw, "_interactive", lambda: False)
    third = tmp_path / "third.fileexam"
    InspectionFile.create(third, AREA_TEMPLATE, "Area inspection 2026", "B. Evans").close()
    capsys.readouterr()
    assert main(["sample", "import", str(third), str(sample), "--as", "B. Evans"]) == 1
    said = capsys.readouterr()
    assert "it is encrypted: give its password" in said.out and pw.ENV_VAR in said.err


def test_write_blind_samples__plain_unless_asked(area_file, tmp_path):
    from fileexam.formats.sample_workbook import encrypted_samples
    from fileexam.services.moderation import write_blind_samples

    merge_workbooks(area_file, EXAMPLES, "TL")
    ref = next(c.reference for c in area_file.cases() if c.inspector == "A. Khan")
    allocate(area_file, "TL", named=[(ref, "B. Evans")])
    [plain] = write_blind_samples(area_file, tmp_path / "plain")
    with encrypted_samples(PASSWORD):
        [sealed] = write_blind_samples(area_file, tmp_path / "sealed")
    [again] = write_blind_samples(area_file, tmp_path / "after")
    assert zipfile.is_zipfile(plain) and zipfile.is_zipfile(again) and is_encrypted(sealed)
    assert read_table(sealed, password=PASSWORD).rows == read_table(plain).rows


# ---- the command line --------------------------------------------------------------------------------------
def test_cli__export_encrypt_then_merge__with_the_environment_variable(area_file, khan, tmp_path, monkeypatch, capsys):
    out = tmp_path / "ak.xlsx"
    khan_path = khan.path
    khan.close()
    monkeypatch.setenv(pw.ENV_VAR, PASSWORD)
    assert main(["export", str(khan_path), str(out), "--marker", "A. Khan", "--encrypt"]) == 0
    assert "encrypted" in capsys.readouterr().out and is_encrypted(out)
    master = area_file.path
    area_file.close()
    assert main(["merge", str(master), str(out), "--as", "TL"]) == 0
    said = capsys.readouterr()
    assert "(A. Khan, encrypted): merged" in said.out
    assert PASSWORD not in said.out + said.err
    monkeypatch.setenv(pw.ENV_VAR, "a wrong password")
    assert main(["merge", str(master), str(out), "--as", "TL"]) == 1
    said = capsys.readouterr()
    assert "REFUSED" in said.out and "wrong password" in said.out and "a wrong password" not in said.out
    assert never_holds(everything_in(master), PASSWORD, "a wrong password")


def test_cli__export_encrypt__asks_twice_at_a_terminal(khan, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(pw.ENV_VAR, raising=False)
    monkeypatch.setattr(pw, "_interactive", lambda: True)
    typed = iter(["short", PASSWORD, "a typo in it!", PASSWORD, PASSWORD])
    prompts = []
    monkeypatch.setattr(pw, "_getpass", lambda prompt: (prompts.append(prompt), next(typed))[1])
    khan_path = khan.path
    khan.close()
    out = tmp_path / "ak.xlsx"
    assert main(["export", str(khan_path), str(out), "--marker", "A. Khan", "--encrypt"]) == 0
    assert len(prompts) == 5 and "again" in prompts[-1]
    said = capsys.readouterr()
    assert "shorter than 10" in said.err and "differ" in said.err
    assert PASSWORD not in said.out + said.err
    assert check_workbook_file(out, PASSWORD).encrypted


def test_cli__export_encrypt__no_terminal_no_variable__refused_nothing_written(khan, tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(pw.ENV_VAR, raising=False)
    monkeypatch.setattr(pw, "_interactive", lambda: False)
    khan_path = khan.path
    khan.close()
    assert main(["export", str(khan_path), str(tmp_path / "ak.xlsx"), "--encrypt"]) == 1
    assert pw.ENV_VAR in capsys.readouterr().err
    assert not (tmp_path / "ak.xlsx").exists()


def test_cli__merge_asks_once_at_a_terminal(area_file, tmp_path, monkeypatch, capsys):
    books = []
    for name in ("A. Khan", "B. Evans"):
        f = inspector_file(tmp_path, name, n=2)
        books.append(str(encrypted_export(f, tmp_path / f"{name}.xlsx", PASSWORD, name)))
        f.close()
    monkeypatch.delenv(pw.ENV_VAR, raising=False)
    monkeypatch.setattr(pw, "_interactive", lambda: True)
    prompts = []
    monkeypatch.setattr(pw, "_getpass", lambda prompt: (prompts.append(prompt), PASSWORD)[1])
    master = area_file.path
    area_file.close()
    assert main(["merge", str(master), *books, "--as", "TL"]) == 0
    assert len(prompts) == 1 and "encrypted workbooks" in prompts[0]


# ---- the password itself -------------------------------------------------------------------------------
def test_new_password__rules_and_never_in_a_message(monkeypatch):
    assert new_password({pw.ENV_VAR: PASSWORD}) == PASSWORD
    for bad in ("", "x9q", " padded password "):
        with pytest.raises(PasswordError) as exc:
            new_password({pw.ENV_VAR: bad})
        assert not bad.strip() or bad.strip() not in str(exc.value)
    with pytest.raises(PasswordError, match="terminal"):
        new_password({}, interactive=False)
    typed = iter([PASSWORD, OTHER] * 3)
    with pytest.raises(PasswordError, match="differ") as exc:
        new_password({}, ask=lambda prompt: next(typed), interactive=True)
    assert PASSWORD not in str(exc.value) and OTHER not in str(exc.value)


def test_passwords__not_shown_not_pickled():
    import pickle

    held = Passwords([PASSWORD], by_path={"a.xlsx": OTHER})
    assert PASSWORD not in repr(held) and OTHER not in str(held)
    with pytest.raises(TypeError):
        pickle.dumps(held)


def test_decrypting__nothing_logged(khan, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    read_exchange(enc, password=PASSWORD)
    read_exchange(enc, password="wrong password here")
    assert PASSWORD not in caplog.text and "wrong password here" not in caplog.text
    assert not [r for r in caplog.records if r.name.startswith("msoffcrypto") and r.levelno < logging.WARNING]


def test_sqlite_master_holds_no_password_after_an_app_style_merge(area_file, khan, tmp_path):
    enc = encrypted_export(khan, tmp_path / "enc.xlsx")
    merge_workbooks(area_file, [enc], "TL", password=Passwords(by_path={str(enc): PASSWORD}))
    con = sqlite3.connect(area_file.path)
    try:
        text = " ".join(str(v) for t in ("merges", "audit") for row in con.execute(f"SELECT * FROM {t}") for v in row)
    finally:
        con.close()
    assert "encrypted" in text and PASSWORD not in text


def test_guard__damaged_encrypted_files__always_a_plain_refusal(khan, tmp_path):
    """Random bytes changed in an encrypted workbook (its OLE directory, header, package) or the file cut
    short: a refusal with a reason, never another error, and quickly."""
    import random
    import time
    from pathlib import Path

    data = encrypted_export(khan, tmp_path / "enc.xlsx").read_bytes()
    rng = random.Random(13)
    for n in range(60):
        b = bytearray(data)
        for _ in range(rng.randint(1, 6)):
            b[rng.randrange(4096) if rng.random() < 0.6 else rng.randrange(len(b))] = rng.randrange(256)
        if rng.random() < 0.15:
            b = b[:rng.randrange(len(b))]
        started = time.perf_counter()
        try:
            workbook_guard.check_workbook_bytes(Path("x.xlsx"), bytes(b), PASSWORD if n % 6 == 0 else None)
        except UnsafeWorkbook as exc:
            assert str(exc) and PASSWORD not in str(exc)
        assert time.perf_counter() - started < 10


def test_cli__plain_workbooks_at_a_terminal__never_asked(area_file, monkeypatch, capsys):
    monkeypatch.delenv(pw.ENV_VAR, raising=False)
    monkeypatch.setattr(pw, "_interactive", lambda: True)
    asked = []
    monkeypatch.setattr(pw, "_getpass", lambda prompt: asked.append(prompt) or "")
    master = area_file.path
    area_file.close()
    assert main(["merge", str(master), *map(str, EXAMPLES), "--as", "TL"]) == 0
    assert asked == []
