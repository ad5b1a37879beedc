"""The one place fileexam imports its SQLite driver, and the keys of encrypted inspection files.

The driver is SQLCipher 4 through the PyPI package `sqlcipher3` (docs/encryption-at-rest.md): a fork of
Python's own `sqlite3` module with the same API, bundling its own SQLite (3.53) on every platform. It
opens plain inspection files as they are and encrypted ones when keyed. Every module of fileexam that
uses SQLite imports `sqlite3` from here, so that every `except sqlite3.Error` catches this driver's
errors (they are not subclasses of the standard library's).

Encrypted files: SQLCipher 4's settings, stated explicitly (`PRAGMA cipher_compatibility = 4`):
AES-256-CBC with a random IV per page and HMAC-SHA512 per page, 4096-byte pages, the whole file
encrypted (no plaintext header), the key made by PBKDF2-HMAC-SHA512 × 256,000 from the passphrase and
the file's own 16-byte random salt, which SQLCipher keeps in the file's first 16 bytes. fileexam runs
that KDF itself, once, with hashlib (`derive`): the same key SQLCipher would derive, so the file also
opens with its passphrase in any SQLCipher 4 tool. Every connection is then keyed with the raw key and
the salt (`PRAGMA key = "x'<key><salt>'"`), which skips SQLCipher's KDF; a copy keyed so gets the same
salt, and so opens with the same passphrase.

What is held is a CipherKey (the derived key and the salt), never the passphrase; its repr hides both,
and nothing writes it anywhere. Python cannot promise to wipe memory: the key stays in memory while a
file is open.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

from sqlcipher3 import dbapi2 as sqlite3  # noqa: F401  (re-exported: `from fileexam.store.sqlite import sqlite3`)

driver = sqlite3

KDF_ITERATIONS = 256_000   # SQLCipher 4's default, above OWASP's 210,000 for PBKDF2-HMAC-SHA512
KEY_BYTES = 32
SALT_BYTES = 16
PAGE_SIZE = 4096           # SQLCipher 4's page size: an encrypted file is a whole number of pages
MIN_PASSPHRASE = 10        # characters, as for encrypted workbooks (fileexam/passwords.py)
SQLITE_MAGIC = b"SQLite format 3\x00"

_quiet = sqlite3.connect(":memory:")
_quiet.execute("PRAGMA cipher_log_level = NONE").fetchall()  # global: no "hmac check failed" on stderr
_quiet.close()
del _quiet


class CipherKey:
    """The raw key of an encrypted inspection file and the file's salt. Its repr and str hide both."""

    __slots__ = ("_key", "_salt")

    def __init__(self, key: bytes, salt: bytes):
        if len(key) != KEY_BYTES or len(salt) != SALT_BYTES:
            raise ValueError("a cipher key is 32 bytes and its salt 16")
        object.__setattr__(self, "_key", bytes(key))
        object.__setattr__(self, "_salt", bytes(salt))

    def __setattr__(self, name, value):
        raise AttributeError("a CipherKey cannot be changed")

    @property
    def salt(self) -> bytes:
        """The file's salt: not secret (it is the file's first 16 bytes)."""
        return self._salt

    def pragma(self) -> str:
        """The statement that keys a connection: raw key and salt, so SQLCipher runs no KDF of its own."""
        return f"PRAGMA key = \"x'{self._key.hex()}{self._salt.hex()}'\""

    def __eq__(self, other) -> bool:
        return isinstance(other, CipherKey) and hmac.compare_digest(self._key + self._salt, other._key + other._salt)

    def __hash__(self) -> int:
        return hash(self._salt)

    def __repr__(self) -> str:
        return "CipherKey(<hidden>)"

    __str__ = __repr__

    def __reduce__(self):
        raise TypeError("a CipherKey is never pickled or stored")


def derive(passphrase: str, salt: bytes) -> CipherKey:
    """The key SQLCipher 4 derives from `passphrase` for a file with this salt (0.3–0.6 s: once per open)."""
    key = hashlib.pbkdf2_hmac("sha512", passphrase.encode("utf-8"), salt, KDF_ITERATIONS, KEY_BYTES)
    return CipherKey(key, salt)


def new_key(passphrase: str) -> CipherKey:
    """A key for a new file (or a rekey): a fresh random salt."""
    return derive(passphrase, os.urandom(SALT_BYTES))


def passphrase_problem(passphrase: str) -> str | None:
    """Why a passphrase cannot be used to encrypt an inspection file, or None when it can."""
    if not passphrase:
        return "the passphrase is empty"
    if passphrase != passphrase.strip():
        return "the passphrase starts or ends with a space (easily lost): remove it"
    if len(passphrase) < MIN_PASSPHRASE:
        return (f"the passphrase is shorter than {MIN_PASSPHRASE} characters: use a longer one "
                "(three random words, say)")
    return None


def looks_encrypted(header: bytes, size: int) -> bool:
    """May this be an encrypted inspection file? Not SQLite's header, a whole number of 4096-byte pages,
    a first 16 bytes (the salt) that are not all alike, and not a plain SQLite header whose first bytes
    were damaged (bytes 21-23 of every SQLite header are 64, 32, 32; in an encrypted file they are
    ciphertext). Only the key can tell for sure."""
    return (size > 0 and size % PAGE_SIZE == 0 and len(header) >= 24
            and not header.startswith(SQLITE_MAGIC) and len(set(header[:SALT_BYTES])) > 1
            and header[21:24] != b"\x40\x20\x20")


def key_connection(conn, key: CipherKey | None) -> None:
    """Key a fresh connection, before anything else is run on it; no key: a plain file, left as it is."""
    if key is None:
        return
    conn.execute(key.pragma()).fetchall()
    conn.execute("PRAGMA cipher_compatibility = 4").fetchall()  # SQLCipher 4's settings, said, not assumed


def connect(target: str | Path, key: CipherKey | None = None, uri: bool = False, **kwargs):
    """sqlite3.connect, keyed first when a key is given. kwargs as for sqlite3.connect."""
    conn = sqlite3.connect(str(target), uri=uri, **kwargs)
    try:
        key_connection(conn, key)
    except BaseException:
        conn.close()
        raise
    return conn


def is_not_a_database(exc: BaseException) -> bool:
    """SQLITE_NOTADB: with a key, the sign of a wrong one (or of a damaged first page)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == 26
    return "not a database" in str(exc).lower()
