"""Changing the passphrase of an encrypted inspection file: the file and every copy fileexam keeps of it.

Each file is copied with SQLite's backup API into `NAME.rekey.part`, keyed with the new key and a new
salt, the copy is checked (SQLite's full integrity check, with the new key), and then put in place of
the file (os.replace). The kept backups and before-upgrade copies go first and the inspection file last,
so an interruption leaves every file whole, under the old passphrase or the new one: run again, it
re-encrypts what the new passphrase does not yet open. Copies under the old passphrase would otherwise
keep it useful, which is what a change of passphrase is usually meant to end.

The inspection file must not be open anywhere else: it is taken for this process alone first (as purge
takes it), and refused otherwise. An audit row "rekey" is written into the new file; it names no secret.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from fileexam.store.errors import StoreError
from fileexam.store.file_check import NeedsPassphrase, WrongPassphrase, check_inspection_file, connect_read_only
from fileexam.store.sqlite import SALT_BYTES, CipherKey, connect, is_not_a_database, sqlite3

KeyFor = Callable[[bytes], CipherKey]  # a passphrase's key for a file with this salt (derived once per salt)


@dataclass
class RekeyResult:
    file_rekeyed: bool = False                  # False: the new passphrase already opened it (a rerun)
    copies_rekeyed: list[Path] = field(default_factory=list)
    copies_already: list[Path] = field(default_factory=list)
    copies_not_reached: list[tuple[Path, str]] = field(default_factory=list)


def kept_copies(path: Path, backup_root: Path | None) -> list[Path]:
    """The copies fileexam keeps of `path`: rotating backups, damaged files kept aside, before-upgrade copies."""
    from fileexam.store.backups import folder_for, list_backups

    path = Path(path)
    found = sorted(path.parent.glob(f"{path.stem}.before-upgrade-*{path.suffix}"))
    if backup_root is not None:
        found += list_backups(path, backup_root)
        folder = folder_for(backup_root, path)
        if folder.is_dir():
            found += sorted(folder.glob("*.replaced"))
    return found


def _salt(path: Path) -> bytes:
    with path.open("rb") as fh:
        return fh.read(SALT_BYTES)


def _opens(path: Path, key: CipherKey) -> bool:
    """Does `key` open `path`? Tried on a read-only connection only."""
    try:
        conn = connect_read_only(path, key)
    except sqlite3.DatabaseError as exc:
        if is_not_a_database(exc):
            return False
        raise
    conn.close()
    return True


def rekey(path: Path | str, old: KeyFor, new: KeyFor, backup_root: Path | None, who: str) -> RekeyResult:
    """Re-encrypt `path` and its kept copies under the passphrase behind `new`. `old` and `new` give each
    passphrase's key for a salt (sqlite.derive with the passphrase); nothing is ever written with a key
    that a read-only connection has not first opened the file with."""
    from fileexam.store.inspection_file import _OPEN

    path = Path(path)
    if str(path.resolve()) in _OPEN:
        raise StoreError(f"{path} is open here: close it, then change its passphrase")
    result = RekeyResult()
    salt = _salt(path)
    try:
        found = check_inspection_file(path, "full", new(salt))
        already = True
    except WrongPassphrase:
        found = check_inspection_file(path, "full", old(salt))  # WrongPassphrase: neither opens it
        already = False
    if not found.encrypted:
        raise StoreError(f"{path} is not encrypted: rekey changes the passphrase of an encrypted inspection file")
    # The key every file ends under: the file's own when a rerun finds it already re-encrypted, else a new salt
    target = new(salt) if already else new(os.urandom(SALT_BYTES))
    for copy in kept_copies(path, backup_root):
        try:
            done = _rekey_copy(copy, old, new, target)
        except (StoreError, OSError, sqlite3.Error) as exc:
            result.copies_not_reached.append((copy, _why(exc)))
            continue
        (result.copies_rekeyed if done else result.copies_already).append(copy)
    if not already:
        _rekey_file(path, old(salt), target, who)
        result.file_rekeyed = True
    return result


def encrypt(path: Path | str, new: KeyFor, backup_root: Path | None, who: str) -> RekeyResult:
    """Encrypt a plain inspection file and every copy fileexam keeps of it under the passphrase behind `new`,
    the same way rekey does (copies first, the file last, each checked before it replaces the plain one).
    Run again after an interruption, it finishes: copies already encrypted under the passphrase are
    re-encrypted under the file's new salt. The plain file's old blocks may stay on the disk until the file
    system reuses them; the command says so."""
    from fileexam.store.inspection_file import _OPEN

    path = Path(path)
    if str(path.resolve()) in _OPEN:
        raise StoreError(f"{path} is open here: close it, then encrypt it")
    found = check_inspection_file(path, "full")  # NeedsPassphrase: it is encrypted already
    if found.encrypted:
        raise StoreError(f"{path} is already encrypted: rekey changes its passphrase")
    result = RekeyResult()
    _forget_cached_template(path)
    target = new(os.urandom(SALT_BYTES))
    plain: KeyFor = lambda salt: None  # noqa: E731 - a plain copy opens with no key
    for copy in kept_copies(path, backup_root):
        try:
            done = _rekey_copy(copy, plain, new, target)
        except (StoreError, OSError, sqlite3.Error) as exc:
            result.copies_not_reached.append((copy, _why(exc)))
            continue
        (result.copies_rekeyed if done else result.copies_already).append(copy)
    _rekey_file(path, None, target, who, action="encrypt",
                reason="encrypted with a passphrase: the file and its kept copies")
    result.file_rekeyed = True
    return result


def _forget_cached_template(path: Path) -> None:
    """The parsed template a plain open kept in the cache folder (store/template_cache.py) goes with the
    plain file: nothing of an encrypted inspection stays unencrypted outside it."""
    from fileexam.store import template_cache

    try:
        conn = connect_read_only(path)
        try:
            template_cache.forget(conn)
        finally:
            conn.close()
    except (sqlite3.Error, OSError):  # checked readable just before: a race; the file is still encrypted
        pass


def _why(exc: BaseException) -> str:
    if isinstance(exc, WrongPassphrase):
        return "neither passphrase opens it"
    return str(exc)


def _rekey_copy(copy: Path, old: KeyFor, new: KeyFor, target: CipherKey) -> bool:
    """Re-encrypt one kept copy under `target`; False when it already is."""
    salt = _salt(copy)
    if salt == target.salt and _opens(copy, target):
        return False
    for key in (old(salt), new(salt)):  # a plain copy's key is None
        if _opens(copy, key):
            break
    else:
        raise WrongPassphrase(copy)
    part = copy.with_name(copy.name + ".rekey.part")
    _remove(part)
    plain = key is None
    src = connect(copy, None, isolation_level=None) if plain else connect_read_only(copy, key)
    try:
        _copy_into(src, part, target, plain_source=plain)
    finally:
        src.close()
    _put_in_place(part, copy, target)
    return True


def _rekey_file(path: Path, old_key: CipherKey | None, target: CipherKey, who: str, action: str = "rekey",
                reason: str = "passphrase changed: the file and its kept copies re-encrypted with a new key "
                              "and salt") -> None:
    """The inspection file itself: taken for this process alone (refused when open elsewhere), its WAL
    checkpointed, copied under the new key with an audit row, checked, and put in place."""
    from fileexam.store.inspection_file import InspectionFile, now

    part = path.with_name(path.name + ".rekey.part")
    _remove(part)
    inspection = InspectionFile.open(path, check="none", key=old_key)  # checked in full just before
    try:
        inspection._take_exclusively()  # noqa: SLF001 - the store's own way to have the file alone
        try:
            inspection.conn.execute("COMMIT")
            inspection.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            dest = _copy_into(inspection.conn, part, target, close=False, plain_source=old_key is None)
            try:
                InspectionFile._audit(dest, who or "fileexam", action, at=now(), reason=reason)  # noqa: SLF001
                dest.commit()
            finally:
                dest.close()
        finally:
            if inspection.conn.in_transaction:
                inspection.conn.execute("ROLLBACK")
            inspection.conn.execute("PRAGMA locking_mode=NORMAL")
            inspection.conn.execute("SELECT count(*) FROM meta").fetchone()
    except BaseException:
        inspection.close()
        _remove(part)
        raise
    inspection.close()  # the last connection: SQLite checkpoints and removes the -wal
    if Path(str(path) + "-wal").exists() and Path(str(path) + "-wal").stat().st_size:
        _remove(part)
        raise StoreError(f"{path}: its journal could not be emptied (is it open in another program?); "
                         "nothing was changed")
    _put_in_place(part, path, target)


def _copy_into(src, part: Path, key: CipherKey, close: bool = True, plain_source: bool = False):
    if plain_source:  # SQLCipher's backup API refuses plain -> encrypted: its sqlcipher_export does it
        _export_plain(src, part, key)
    dest = connect(part, key)
    try:
        if not plain_source:
            src.backup(dest)
    except BaseException:
        dest.close()
        _remove(part)
        raise
    if close:
        dest.close()
        return None
    return dest


def _export_plain(src, part: Path, key: CipherKey) -> None:
    """Copy the plain database open on `src` into a new encrypted file `part` (schema, rows and the two header
    fields sqlcipher_export leaves behind: application_id, which marks an inspection file, and user_version)."""
    app_id = src.execute("PRAGMA application_id").fetchone()[0]
    version = src.execute("PRAGMA user_version").fetchone()[0]
    secret = key.pragma().split("=", 1)[1].strip()  # "x'<key><salt>'" in double quotes, as PRAGMA key takes it
    src.execute(f"ATTACH DATABASE ? AS encrypted KEY {secret}", (str(part),))
    try:
        src.execute("PRAGMA encrypted.cipher_compatibility = 4").fetchall()
        src.execute("SELECT sqlcipher_export('encrypted')").fetchall()
        src.execute(f"PRAGMA encrypted.application_id = {int(app_id)}")
        src.execute(f"PRAGMA encrypted.user_version = {int(version)}")
    except BaseException:
        src.execute("DETACH DATABASE encrypted")
        _remove(part)
        raise
    src.execute("DETACH DATABASE encrypted")


def _put_in_place(part: Path, path: Path, key: CipherKey) -> None:
    """Check the re-encrypted copy with the new key, then replace `path` with it. The old file's -wal and
    -shm go first (their content is in the copy): SQLite would otherwise replay them onto the new file."""
    try:
        check_inspection_file(part, "full", key)
        with part.open("rb") as fh:
            if fh.read(SALT_BYTES) != key.salt:
                raise StoreError(f"{part}: the re-encrypted copy does not carry the new salt")
    except (StoreError, NeedsPassphrase):
        _remove(part)
        raise
    for extra in ("-wal", "-shm"):
        Path(str(part) + extra).unlink(missing_ok=True)
        Path(str(path) + extra).unlink(missing_ok=True)
    os.replace(part, path)


def _remove(path: Path) -> None:
    for extra in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + extra).unlink(missing_ok=True)
