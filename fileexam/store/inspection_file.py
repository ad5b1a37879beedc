"""One inspection is one SQLite file. Every answer write is one durable transaction with its audit row."""

from __future__ import annotations

import json
import os
from contextlib import contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path

from fileexam import __version__
from fileexam.domain.answers import Answer, Completeness, answer_text, completeness, condition_value
from fileexam.domain.cases import BadValue, Case, Status, clean_text, field_value
from fileexam.domain.template import InspectionTemplate
from fileexam.store import answer_rows, early_check
from fileexam.store.answer_rows import time_text, write_answers
from fileexam.store.errors import StoreError
from fileexam.store.file_check import APPLICATION_ID, check_inspection_file, connect_read_only
from fileexam.store.schema_names import KNOWN, MIGRATION_SET
from fileexam.store.sqlite import CipherKey, connect, sqlite3


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _connect(path: Path, writable: bool = True, key: CipherKey | None = None) -> sqlite3.Connection:
    # Autocommit mode: each write is wrapped in atomic(), i.e. exactly one transaction.
    # key: an encrypted file's; only ever a key that a read-only connection has already opened the file
    # with (check_inspection_file), or a new file's.
    if not writable:
        return connect_read_only(path, key)
    conn = connect(path, key, isolation_level=None, timeout=5.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a typed answer survives a power cut, not only a crash
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA secure_delete=ON")  # deleted text is overwritten, not left in free pages
    return conn


# Inspection files this process has open (resolved path -> connections). While one is open, nothing
# may open the path by other means than SQLite: a plain open() and close() would drop SQLite's locks.
_OPEN: dict[str, int] = {}
# The keys of the encrypted ones among them, in memory only, dropped when the last is closed: another
# connection to a file open here (a worker thread's) is keyed without asking again.
_HELD_KEYS: dict[str, CipherKey] = {}


class _Atomic:
    """One transaction (BEGIN ... COMMIT), or a savepoint inside an open one; rolled back on any error."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.savepoint: str | None = None

    def __enter__(self):
        if self.conn.in_transaction:
            self.savepoint = f"sp_{os.urandom(8).hex()}"  # uuid (and platform with it) is not imported at start
            self.conn.execute(f"SAVEPOINT {self.savepoint}")
        else:
            self.conn.execute("BEGIN")
        return self

    def __exit__(self, kind, exc, tb) -> None:
        if self.savepoint:
            if kind is not None and self.conn.in_transaction:
                self.conn.execute(f"ROLLBACK TO {self.savepoint}")
            if self.conn.in_transaction:
                self.conn.execute(f"RELEASE {self.savepoint}")
        elif kind is None:
            try:
                self.conn.execute("COMMIT")
            except BaseException:
                self.conn.execute("ROLLBACK") if self.conn.in_transaction else None
                raise
        elif self.conn.in_transaction:
            self.conn.execute("ROLLBACK")


def _apply_migrations(conn: sqlite3.Connection) -> None:
    from sqlite_utils import Database  # imported only when a schema is created or upgraded

    from fileexam.store.migrations import migrations
    migrations.apply(Database(conn))


def _try_key(path: Path, key: CipherKey) -> None:
    """WrongPassphrase unless `key` opens `path`, tried on a read-only connection of its own."""
    from fileexam.store.file_check import WrongPassphrase
    from fileexam.store.sqlite import is_not_a_database
    try:
        conn = connect_read_only(path, key)
    except sqlite3.DatabaseError as exc:
        if is_not_a_database(exc):
            raise WrongPassphrase(path) from None
        raise
    conn.close()


# Upgrades that leave many pages free (m010: the old answers table; m011: an index dropped): the file only
# shrinks once vacuumed, so an upgrade across one of them ends with VACUUM.
_FREE_PAGES = ("m010_compact_answers", "m011_drop_answers_by_question")


def _give_back_space(conn: sqlite3.Connection) -> None:
    """After an upgrade in _FREE_PAGES. Already upgraded and whole without it: when it cannot be done now
    (another program reading the file, no room for the temporary copy), the file stays as large as it was."""
    try:
        conn.execute("VACUUM")
    except sqlite3.OperationalError:
        pass


def _open_read_only(path: Path) -> bool:
    from fileexam.store.file_check import is_writable
    return not is_writable(path)


def _applied(conn: sqlite3.Connection) -> list[str]:
    """Applied migration names, read without sqlite-utils so that opening a file stays quick."""
    try:
        return [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations WHERE migration_set=? ORDER BY rowid",
                                           [MIGRATION_SET])]
    except sqlite3.OperationalError:
        return []


_PLAIN = (str, int, float, bool, type(None))


def _flat(value) -> bool:
    """A plain value, or a list of plain values: what a shallow copy leaves unshared."""
    return type(value) in _PLAIN or (type(value) is list and all(type(v) in _PLAIN for v in value))


class InspectionFile:
    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: bool = False,
                 cipher_key: CipherKey | None = None):
        self.path = path
        self.conn = conn
        self.read_only = read_only
        self.cipher_key = cipher_key  # an encrypted file's key (never the passphrase); None for a plain file
        self._template: InspectionTemplate | None = None
        self._db = None
        self.twin: sqlite3.Connection | None = None  # see snapshot()
        self._key = str(Path(path).resolve())
        _OPEN[self._key] = _OPEN.get(self._key, 0) + 1
        if cipher_key is not None:
            _HELD_KEYS[self._key] = cipher_key

    @property
    def encrypted(self) -> bool:
        return self.cipher_key is not None

    @property
    def db(self):
        """The file as a sqlite-utils Database, for scripts and tests that want its helpers."""
        if self._db is None:
            from sqlite_utils import Database
            self._db = Database(self.conn)
        return self._db

    def snapshot(self, twin: bool = False):
        """A context in which every read sees the file at one moment (store/read_snapshot.py); with twin=True,
        self.twin is a second connection proved to see the same moment, or None."""
        from fileexam.store.read_snapshot import snapshot
        return snapshot(self, twin)

    def atomic(self) -> _Atomic:
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only (the file or its folder cannot be written): "
                             "nothing can be changed in it here; copy it to a folder you can write to")
        return _Atomic(self.conn)

    @contextmanager
    def write_transaction(self, wait_seconds: float = 120.0):
        """BEGIN IMMEDIATE: the write lock is taken before anything is read, so work that reads, decides
        and writes (a merge) is serialised with every other writer. Waits up to wait_seconds for it."""
        self.atomic()  # refuses on a read-only file
        if self.conn.in_transaction:
            raise StoreError("a write transaction is already open")
        self.conn.execute(f"PRAGMA busy_timeout = {int(wait_seconds * 1000)}")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        finally:
            self.conn.execute("PRAGMA busy_timeout = 5000")
        self._whole_transaction = True
        try:
            yield self
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self._whole_transaction = False
        self.conn.execute("COMMIT")

    # ---- creating and opening -------------------------------------------------
    @classmethod
    def create(cls, path: Path | str, template_path: Path | str, name: str, who: str,
               key: CipherKey | None = None) -> "InspectionFile":
        """A new inspection file; with `key` (sqlite.new_key(passphrase)), encrypted from its first byte."""
        import uuid  # (with platform) only when a file is made, not on every open

        from fileexam.formats.definitions import load_file  # YAML: imported only when needed
        path, template_path = Path(path), Path(template_path)
        if path.exists():
            raise StoreError(f"{path} already exists: choose another file name, or open it")
        loaded = load_file(template_path)
        if loaded.kind != "inspection-template" and loaded.definition is not None:
            raise StoreError(f"{template_path} is a {loaded.kind}, not an inspection template")
        if not loaded.ok:
            from fileexam.domain.problems import ProblemsFound
            raise ProblemsFound([p for p in loaded.problems if p.is_error])
        t: InspectionTemplate = loaded.definition
        conn = _connect(path, True, key)
        try:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            _apply_migrations(conn)
            stamp = now()
            with _Atomic(conn):
                rows = [("inspection-template", t.id, t.version, t.fingerprint, template_path.name, loaded.text, stamp)]
                for file_name, sub in loaded.sets.items():
                    qs = sub.definition
                    rows.append(("question-set", qs.id, qs.version, qs.fingerprint, file_name, sub.text, stamp))
                conn.executemany(
                    "INSERT INTO definitions (kind, def_id, version, fingerprint, file_name, text, stored_at)"
                    " VALUES (?,?,?,?,?,?,?)", rows)
                meta = {"inspection_id": str(uuid.uuid4()), "name": name, "created_at": stamp,
                        "created_by": who, "fileexam_version": __version__,
                        "template_id": t.id, "template_fingerprint": t.fingerprint}
                conn.executemany("INSERT INTO meta (key, value) VALUES (?, ?)", meta.items())
                cls._audit(conn, who, "create", reason=f"inspection '{name}' from template {t.id} {t.version}"
                           + ("; encrypted with a passphrase" if key is not None else ""))
        except BaseException:
            conn.close()
            for extra in ("", "-wal", "-shm"):
                Path(str(path) + extra).unlink(missing_ok=True)
            raise
        return cls(path, conn, cipher_key=key)

    @classmethod
    def open(cls, path: Path | str, read_only: bool = False, check: str = "quick",
             key: CipherKey | None = None) -> "InspectionFile":
        """Open an inspection file. A file that is not one is never written to; a damaged one is
        refused (DamagedFile names the damage and how to bring back a backup). check: "full",
        "quick" or "none" (see file_check.check_inspection_file).

        An encrypted file needs its key (sqlite.derive(passphrase, NeedsPassphrase.salt)): without one,
        NeedsPassphrase; with a wrong one, WrongPassphrase, and nothing was written. A file already open
        in this process is keyed with the key it was opened with when none is given."""
        path = Path(path)
        if path.is_dir():
            raise StoreError(f"{path} is a folder: give the inspection file in it (NAME.fileexam)")
        if not path.is_file():
            raise StoreError(f"{path}: no such inspection file")
        held = str(path.resolve())
        if held in _OPEN:
            # Open already in this process, so checked then; reading its header with open() now would
            # drop the locks SQLite holds for the other connection.
            can_write, legacy = not _open_read_only(path), False
            key = key or _HELD_KEYS.get(held)
            if key is not None:
                _try_key(path, key)  # on a read-only connection, before any that can write
        else:
            found = early_check.take(path, check, key) or check_inspection_file(path, check, key)
            can_write, legacy = found.writable, found.legacy
            key = key if found.encrypted else None
        conn = _connect(path, can_write and not read_only, key)
        try:
            applied = _applied(conn)
            newer = [name for name in applied if name not in KNOWN]
            if newer:
                raise StoreError(f"{path} was written by a newer fileexam (schema {newer[-1]}): update fileexam to open it")
            if applied != KNOWN[:len(applied)]:  # a record edited by hand: rerunning migrations would fail
                from fileexam.store.file_check import DamagedFile
                raise DamagedFile(path, "its record of schema upgrades does not match fileexam's ("
                                  + ", ".join(applied[:8]) + ")")
            if legacy or len(applied) < len(KNOWN):
                if not can_write:
                    if len(applied) < len(KNOWN):
                        raise StoreError(f"{path} was made by an older fileexam and needs upgrading, but it cannot "
                                         "be written here: copy it to a folder you can write to and open it there")
                else:
                    if read_only:  # an upgrade is a write, even for a command that only reads
                        conn.close()
                        conn = _connect(path, True, key)
                    if len(applied) < len(KNOWN):
                        cls._backup_before_upgrade(conn, path, applied[-1] if applied else "none", key)
                        try:
                            _apply_migrations(conn)
                        except sqlite3.OperationalError as exc:  # e.g. a table the record says is missing exists
                            from fileexam.store.file_check import DamagedFile
                            raise DamagedFile(path, f"its schema does not match its record of upgrades ({exc})") \
                                from None
                        if not set(_FREE_PAGES) <= set(applied):
                            _give_back_space(conn)
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # recognised at once from now on
                    if read_only:
                        conn.close()
                        conn = _connect(path, False, key)
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, read_only=read_only or not can_write, cipher_key=key)

    @staticmethod
    def _backup_before_upgrade(conn: sqlite3.Connection, path: Path, schema: str, key: CipherKey | None = None) -> None:
        target = path.with_name(f"{path.stem}.before-upgrade-{schema}{path.suffix}")
        dest = connect(target, key)  # the same key and salt: it opens with the same passphrase
        try:
            conn.backup(dest)
        finally:
            dest.close()

    def close(self) -> None:
        if self._key in _OPEN:
            _OPEN[self._key] -= 1
            if not _OPEN[self._key]:
                del _OPEN[self._key]
                _HELD_KEYS.pop(self._key, None)
            self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- what the inspection is -----------------------------------------------
    def meta(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT key, value FROM meta")}

    @property
    def name(self) -> str:
        return self.meta().get("name", self.path.stem)

    @property
    def template(self) -> InspectionTemplate:
        if self._template is None:
            self._template = self._load_template()
        return self._template

    def _load_template(self) -> InspectionTemplate:
        from fileexam.store import template_cache
        fp = self.meta()["template_fingerprint"]
        row, set_rows = template_cache.stored_rows(self.conn, fp)
        texts = [row] + set_rows if row is not None else []
        bad = [r[0] for r in texts if not isinstance(r[1], str) or not isinstance(r[0], str)]
        if row is None or bad:  # it was text when stored: the file has been changed since
            from fileexam.store.file_check import DamagedFile
            raise DamagedFile(self.path, "its inspection template is missing from its definitions" if row is None
                              else "its stored definition(s) " + ", ".join(map(repr, bad[:3])) + " are not text")
        # Not for an encrypted file: nothing of it is kept outside the file unencrypted.
        cacheable = self.cipher_key is None
        cached = template_cache.read(row, fp, set_rows) if cacheable else None
        if cached is not None:  # parsed before from these very texts: no YAML
            return cached
        from fileexam.formats.definitions import load_text
        sets = {r[0]: r[1] for r in set_rows}

        def resolve(name: str):
            text = sets.get(name) or sets.get(name + ".yaml")
            return load_text(text, name) if text is not None else load_text("", name)

        loaded = load_text(row[1], row[0], resolve)
        if not loaded.ok:  # it was valid when stored: its text has been damaged since
            from fileexam.store.file_check import DamagedFile
            raise DamagedFile(self.path, "its stored template or question sets cannot be read ("
                              + "; ".join(p.format() for p in loaded.problems if p.is_error)[:300] + ")")
        if cacheable:
            template_cache.write(row, set_rows, loaded.definition)
        return loaded.definition

    def definitions(self) -> list[dict]:
        """The stored template and question sets: kind, id, version, fingerprint, file_name, text."""
        cur = self.conn.execute("SELECT kind, def_id, version, fingerprint, file_name, text FROM definitions ORDER BY id")
        return [dict(zip(("kind", "id", "version", "fingerprint", "file_name", "text"), r)) for r in cur]

    # ---- cases ----------------------------------------------------------------
    def any_excluded(self) -> bool:
        """Whether any sampled case is marked not examinable (store/sample_records.py holds them)."""
        return self.conn.execute("SELECT 1 FROM sample_exclusions LIMIT 1").fetchone() is not None

    def references(self) -> set[str]:
        """Every case's reference (the case list without reading each case's fields)."""
        return {r[0] for r in self.conn.execute("SELECT reference FROM cases")}

    def cases(self) -> list[Case]:
        same: dict = {}  # field names, values and inspectors repeat case after case: one string object each
        parsed: dict[str, tuple[dict, bool]] = {}  # a fields text met before -> its fields, whether any is a list
        out = []
        for ref, text, inspector in self.conn.execute("SELECT reference, fields, inspector FROM cases ORDER BY rowid"):
            seen = parsed.get(text) if type(text) is str else None
            if seen is None:
                fields = self._fields(ref, text, same)
                # Areas, strands, flags repeat; a unique text is not kept, nor one holding more than lists of
                # plain values (a hand-edited file's nested objects would be shared by the copies)
                if len(parsed) < 2000 and type(text) is str and all(map(_flat, fields.values())):
                    parsed[text] = (fields, any(type(v) is list for v in fields.values()))
                    fields = dict(fields)
            else:  # a copy (0.3 s less JSON at 100,000 cases): no two cases share a dict, nor a list in one
                fields, lists = seen
                fields = {k: v[:] if type(v) is list else v for k, v in fields.items()} if lists else dict(fields)
            out.append(Case(ref, fields, same.setdefault(inspector, inspector) if type(inspector) is str else inspector))
        return out

    def _fields(self, reference: str, text: str, same: dict | None = None) -> dict:
        try:
            fields = json.loads(text)
        except (TypeError, ValueError):
            fields = None
        if not isinstance(fields, dict):
            from fileexam.store.file_check import DamagedFile
            raise DamagedFile(self.path, f"the fields of case {reference} cannot be read (not a JSON object)")
        if same is not None:  # 27 MB less at 100,000 cases
            fields = {same.setdefault(k, k): same.setdefault(v, v) if type(v) is str else v for k, v in fields.items()}
        return fields

    def case(self, reference: str) -> Case:
        reference = self.resolve_case(reference)
        r = self.conn.execute("SELECT reference, fields, inspector FROM cases WHERE reference=?", [reference]).fetchone()
        return Case(r[0], self._fields(r[0], r[1]), r[2])

    def resolve_case(self, reference: str) -> str:
        """The case reference as stored: exact, or matched without regard to case when that is unambiguous
        (URNs are typed in either case); otherwise a StoreError that says 'did you mean …?'."""
        if self.conn.execute("SELECT 1 FROM cases WHERE reference=?", [reference]).fetchone() is not None:
            return reference
        folded = [r[0] for r in self.conn.execute("SELECT reference FROM cases WHERE reference = ? COLLATE NOCASE",
                                                   [reference])]
        if len(folded) == 1:
            return folded[0]
        from fileexam.domain.problems import did_you_mean
        refs = [r[0] for r in self.conn.execute("SELECT reference FROM cases")]
        raise StoreError(f"no case '{reference}' in this inspection" + did_you_mean(str(reference), refs))

    def add_cases(self, cases: list[Case], source: str, who: str) -> tuple[int, int]:
        """Add new cases in one transaction; a case already present with the same content is left. (added, unchanged)"""
        added = unchanged = 0
        stamp = now()
        with self.atomic():
            for c in cases:
                old = self.conn.execute("SELECT fields, inspector FROM cases WHERE reference=?", [c.reference]).fetchone()
                if old is not None:
                    if json.loads(old[0]) == c.fields and old[1] == c.inspector:
                        unchanged += 1
                        continue
                    raise StoreError(f"case {c.reference} is already in the inspection with other details")
                self.conn.execute("INSERT INTO cases (reference, fields, inspector, source, added_at) VALUES (?,?,?,?,?)",
                                [c.reference, json.dumps(c.fields, ensure_ascii=False), c.inspector, source, stamp])
                added += 1
            if added:
                self._audit(self.conn, who, "sample import", reason=f"{added} case(s) from {source}")
        return added, unchanged

    def set_field(self, reference: str, field_id: str, raw, who: str, reason: str = "") -> None:
        reference = self.resolve_case(reference)
        f = self.template.fields_by_id.get(field_id)
        if f is None:
            raise BadValue(f"'{field_id}' is not a case field of this inspection")
        if not f.editable:
            raise BadValue(f"{f.label} cannot be changed in this inspection")
        value = field_value(f, raw)
        if f.required and value is None:
            raise BadValue(f"{f.label} is required and cannot be emptied")
        with self.atomic():
            case = self.case(reference)
            old = case.fields.get(field_id)
            if old == value:
                return
            if value is None:
                case.fields.pop(field_id, None)
            else:
                case.fields[field_id] = value
            self.conn.execute("UPDATE cases SET fields=? WHERE reference=?",
                            [json.dumps(case.fields, ensure_ascii=False), reference])
            self._audit(self.conn, who, "field", reference, field_id, None, _j(old), _j(value), reason)

    # ---- answers --------------------------------------------------------------
    def answers(self, reference: str, marker: str) -> dict[str, Answer]:
        rows = self.conn.execute(
            "SELECT question_id, value, comment, answered_ms, revision FROM answers WHERE case_ref=? AND marker=?",
            [reference, marker])
        return {r[0]: Answer(reference, r[0], marker, r[1], r[2], time_text(r[3]), r[4]) for r in rows}

    def set_answer(self, reference: str, question_id: str, marker: str, value,
                   comment: str | None = None, reason: str = "") -> Answer:
        """Record, change or clear (value None) an answer; durable when this returns."""
        q = self.template.find_question(question_id)
        question_id = q.id
        reference = self.resolve_case(reference)
        text = answer_text(q, value)
        qs = self.template.set_by_id[q.set_id]
        self.require_file()
        stamp = now()
        with self.atomic():
            self._require_case(reference)
            self._require_open(reference, marker)
            old = self.conn.execute("SELECT value, comment, revision FROM answers WHERE case_ref=? AND question_id=? "
                                  "AND marker=?", [reference, question_id, marker]).fetchone()
            old_value, old_comment, revision = (old if old else (None, "", 0))
            new_comment = old_comment if comment is None else clean_text(comment, f"the comment on {question_id}")
            if old is not None and old_value == text and old_comment == new_comment:
                return Answer(reference, question_id, marker, text, new_comment, stamp, revision)
            if text is None and not new_comment:
                self.conn.execute("DELETE FROM answers WHERE case_ref=? AND question_id=? AND marker=?",
                                [reference, question_id, marker])
            else:
                write_answers(self.conn, [(reference, question_id, marker, text, new_comment, q.set_id, qs.fingerprint,
                                           stamp, revision + 1)])
            if old_value != text:
                self._audit(self.conn, marker, "answer" if text is not None else "clear", reference, question_id,
                            marker, old_value, text, reason, stamp)
            if old_comment != new_comment:
                self._audit(self.conn, marker, "comment", reference, question_id, marker, old_comment, new_comment,
                            reason, stamp)
            self.conn.execute("INSERT INTO markings (case_ref, marker, status, updated_at) VALUES (?,?,?,?)"
                            " ON CONFLICT (case_ref, marker) DO UPDATE SET updated_at=excluded.updated_at",
                            [reference, marker, Status.IN_PROGRESS.value, stamp])
        return Answer(reference, question_id, marker, text, new_comment, stamp, revision + 1)

    def require_file(self) -> None:
        """Refuse to write when the file was deleted or its drive removed under us: SQLite would go on
        writing to a file nobody can open again. The open connection still holds everything: save_copy."""
        if not self.path.exists():
            raise StoreError(f"{self.path} has been moved, deleted, or its drive removed. Nothing more can be saved "
                             "to it: use File → Save a copy to keep your work (everything saved so far is in it)")

    def save_copy(self, target: Path | str, who: str = "") -> Path:
        """A consistent copy of the open inspection (SQLite's backup API), e.g. after the file went missing.
        Recorded in the copy's own audit log (the original may be gone), so a later purge finds it."""
        target = Path(target)
        dest = connect(target, self.cipher_key)  # an encrypted file's copy: encrypted, same passphrase
        try:
            self.conn.backup(dest)
            self._audit(dest, who or "fileexam", "copy saved", reason=f"copied from {path_text(self.path)}")
            dest.commit()
        finally:
            dest.close()
        if self.path.exists():
            try:
                with self.atomic():
                    self._audit(self.conn, who or "fileexam", "copy saved", reason=path_text(target.resolve()))
            except (StoreError, sqlite3.Error):
                pass  # the original cannot be written (gone, read-only): the copy's own record stands
        return target

    def _require_case(self, reference: str) -> None:
        if self.conn.execute("SELECT 1 FROM cases WHERE reference=?", [reference]).fetchone() is None:
            raise StoreError(f"no case '{reference}' in this inspection")

    def _require_open(self, reference: str, marker: str) -> None:
        if self.status(reference, marker) is Status.COMPLETE:
            raise StoreError(f"case {reference} is marked complete: reopen it (with a reason) to change an answer")

    def all_answers(self, marker: str | None = None, references: list[str] | None = None):
        """Rows (case_ref, question_id, marker, value, comment, set_id, answered_at, revision) in case order."""
        sql = (f"SELECT {answer_rows.COLUMNS} FROM {answer_rows.FROM} JOIN cases c ON c.reference = a.case_ref")
        where, params = [], []
        if marker is not None:
            where.append("a.marker = ?")
            params.append(marker)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY c.rowid, a.marker"
        wanted = set(references) if references is not None else None
        for row in self.conn.execute(sql, params):
            if wanted is None or row[0] in wanted:
                r = answer_rows.answer_row(row)
                yield r[:6] + r[7:]

    def answered_markings(self, marker: str | None = None) -> list[tuple[str, str]]:
        """(case, marker) pairs that hold at least one answer."""
        if marker is None:
            return self.conn.execute("SELECT DISTINCT case_ref, marker FROM answers").fetchall()
        return self.conn.execute("SELECT DISTINCT case_ref, marker FROM answers WHERE marker=?", [marker]).fetchall()

    def count_answers(self, marker: str | None = None) -> int:
        if marker is None:
            return self.conn.execute("SELECT count(*) FROM answers").fetchone()[0]
        return self.conn.execute("SELECT count(*) FROM answers WHERE marker=?", [marker]).fetchone()[0]

    def markers(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT DISTINCT marker FROM answers UNION SELECT marker FROM markings "
                                              "ORDER BY 1")]

    # ---- merging ----------------------------------------------------------------
    def marking_rows(self, reference: str) -> dict[str, dict[str, tuple]]:
        """marker -> question -> (value, comment, answered_at, revision, set_id, set_fingerprint)."""
        out: dict[str, dict[str, tuple]] = {}
        for row in self.conn.execute(f"SELECT {answer_rows.COLUMNS} FROM {answer_rows.FROM} WHERE a.case_ref=?",
                                     [reference]):
            _, qid, marker, value, comment, set_id, fingerprint, at, revision = answer_rows.answer_row(row)
            out.setdefault(marker, {})[qid] = (value, comment, at, revision, set_id, fingerprint)
        return out

    def double_marked(self) -> set[tuple[str, str]]:
        return {(r[0], r[1]) for r in self.conn.execute("SELECT case_ref, marker FROM double_marking")}

    def apply_merge(self, plans, who: str, source: str, log: dict) -> None:
        """Write a merge plan and its log entry in one transaction: all of a workbook, or none of it."""
        stamp = now()
        reason = f"merged from {source}"
        writes, audits, deletes, markings = [], [], [], []
        for p in plans:
            for qid, row in p.inserts.items():
                writes.append((p.reference, qid, p.marker, row))
            if p.inserts:
                # New answers: one row for the marking, not one per answer (the answers hold their values
                # and a later change's row keeps the value it replaced; the merges row holds the workbook):
                # a row per answer was 60 % of a merged master's size.
                n = len(p.inserts)
                audits.append((stamp, who, "merge", p.reference, None, p.marker, None,
                               f"{n} answer{'s' if n != 1 else ''}", reason))
            for qid, (old, row) in p.updates.items():
                writes.append((p.reference, qid, p.marker, row))
                audits.append((stamp, who, "merge update", p.reference, qid, p.marker, old[0], row[0], reason))
            for qid, old in p.deletes.items():
                deletes.append((p.reference, qid, p.marker))
                audits.append((stamp, who, "merge clear", p.reference, qid, p.marker, old[0], None, reason))
            if p.outcome in ("new", "updated"):
                markings.append((p.reference, p.marker, p.status, stamp))
        # Inside write_transaction (a merge) any error rolls the whole transaction back, so no savepoint of
        # its own: in a savepoint SQLite journals each row whose upsert may change set_version (a foreign
        # key) at a cost that grows with the file (measured: 0.07 s for the first workbook's 7,200 answers,
        # 1.9 s for the thirtieth's).
        with nullcontext() if getattr(self, "_whole_transaction", False) else self.atomic():
            write_answers(self.conn, [(ref, qid, m, r[0], r[1] or "", r[4], r[5], r[2], r[3])
                                      for ref, qid, m, r in writes])
            self.conn.executemany("DELETE FROM answers WHERE case_ref=? AND question_id=? AND marker=?", deletes)
            self.conn.executemany("INSERT INTO audit (at, who, action, case_ref, question_id, marker, old_value,"
                                  " new_value, reason) VALUES (?,?,?,?,?,?,?,?,?)", audits)
            self.conn.executemany("INSERT INTO markings (case_ref, marker, status, updated_at) VALUES (?,?,?,?)"
                                  " ON CONFLICT (case_ref, marker) DO UPDATE SET status=excluded.status,"
                                  " updated_at=excluded.updated_at", markings)
            self.conn.execute(
                "INSERT INTO merges (at, who, file_name, data_sha256, marker, outcome, new, updated, unchanged, older,"
                " conflicts, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [stamp, who, source, log.get("data_sha256"), log.get("marker"), log["outcome"], log.get("new"),
                 log.get("updated"), log.get("unchanged"), log.get("older"), log.get("conflicts"), log.get("detail")])
            if log.get("accepted_changed"):
                self._audit(self.conn, who, "merge accepted changed workbook", reason=log.get("detail", ""), at=stamp)

    def log_refusal(self, who: str, source: str, detail: str, data_sha256: str | None, marker: str | None) -> None:
        with self.atomic():
            self.conn.execute("INSERT INTO merges (at, who, file_name, data_sha256, marker, outcome, detail)"
                              " VALUES (?,?,?,?,?,?,?)", [now(), who, source, data_sha256, marker, "refused", detail])

    def merges(self) -> list[dict]:
        cur = self.conn.execute("SELECT * FROM merges ORDER BY id")
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur]

    # ---- moderation ---------------------------------------------------------------
    def allocate_double(self, pairs: list[tuple[str, str]], who: str) -> int:
        """Record (case, second marker) allocations; those already there are left. How many were new."""
        stamp = now()
        added = 0
        with self.atomic():
            for ref, marker in pairs:
                cur = self.conn.execute("INSERT OR IGNORE INTO double_marking VALUES (?,?,?)", [ref, marker, stamp])
                if cur.rowcount:
                    added += 1
                    self._audit(self.conn, who, "double marking", ref, None, marker, None, marker,
                                "allocated for a second, independent marking", stamp)
        return added

    def calibration_cases(self) -> dict[str, str]:
        """Calibration case -> the marker whose marking is the reference."""
        return {r[0]: r[1] for r in self.conn.execute("SELECT case_ref, reference_marker FROM calibration_cases")}

    def set_calibration(self, reference: str, reference_marker: str, who: str) -> None:
        """Make a case a calibration case. The reference marker must have marked it: a name typed wrong
        would otherwise take a real case out of the scores with nobody to compare against."""
        reference = self.resolve_case(reference)
        with self.atomic():
            self._require_case(reference)
            markers = self._markers_of(reference)
            if reference_marker not in markers:
                held = ", ".join(sorted(markers)) or "nobody yet"
                raise StoreError(f"{reference_marker} has not marked case {reference} (marked by: {held}): the "
                                 "reference marking must exist before a case becomes a calibration case. Check the "
                                 "name, or merge the reference marker's workbook first")
            self.conn.execute("INSERT INTO calibration_cases VALUES (?,?,?) ON CONFLICT (case_ref) DO UPDATE SET"
                              " reference_marker=excluded.reference_marker", [reference, reference_marker, now()])
            self._audit(self.conn, who, "calibration", reference, None, reference_marker, None, reference_marker,
                        "a calibration case: compared with the reference marking, never counted")

    def remove_calibration(self, reference: str, who: str, reason: str) -> None:
        """Undo set_calibration: the case counts in the scores again. Audited with its reason."""
        reference = self.resolve_case(reference)
        if not reason or not reason.strip():
            raise BadValue("say why the case stops being a calibration case: a reason is required")
        with self.atomic():
            row = self.conn.execute("SELECT reference_marker FROM calibration_cases WHERE case_ref=?",
                                    [reference]).fetchone()
            if row is None:
                raise StoreError(f"case {reference} is not a calibration case")
            self.conn.execute("DELETE FROM calibration_cases WHERE case_ref=?", [reference])
            self._audit(self.conn, who, "calibration removed", reference, None, row[0], row[0], None, reason.strip())

    def _markers_of(self, reference: str) -> set[str]:
        """Everyone who holds a marking (a status or an answer) of the case."""
        return {r[0] for r in self.conn.execute(
            "SELECT marker FROM markings WHERE case_ref=? UNION SELECT marker FROM answers WHERE case_ref=?",
            [reference, reference])}

    def moderation_signed_off(self) -> bool:
        r = self.conn.execute("SELECT action FROM moderation_signoffs ORDER BY id DESC LIMIT 1").fetchone()
        return bool(r) and r[0] == "signed off"

    def decisions(self) -> dict[tuple[str, str], dict]:
        cur = self.conn.execute("SELECT case_ref, question_id, agreed_value, reason, who, at FROM moderation_decisions")
        return {(r[0], r[1]): {"value": r[2], "reason": r[3], "who": r[4], "at": r[5]} for r in cur}

    def settle(self, reference: str, question_id: str, value, reason: str, who: str) -> str | None:
        """Record the agreed answer, with its reason; refused after sign-off."""
        q = self.template.find_question(question_id)
        question_id = q.id
        reference = self.resolve_case(reference)
        if not reason or not reason.strip():
            raise BadValue("say why: a reason is required for every moderation decision")
        text = answer_text(q, value)
        with self.atomic():
            if self.moderation_signed_off():
                raise StoreError("the moderation is signed off: reopen it (with a reason) to change a decision")
            self._require_case(reference)
            self._require_double_marked(reference)
            old = self.conn.execute("SELECT agreed_value FROM moderation_decisions WHERE case_ref=? AND question_id=?",
                                    [reference, question_id]).fetchone()
            stamp = now()
            self.conn.execute("INSERT INTO moderation_decisions VALUES (?,?,?,?,?,?) ON CONFLICT (case_ref, question_id)"
                              " DO UPDATE SET agreed_value=excluded.agreed_value, reason=excluded.reason,"
                              " who=excluded.who, at=excluded.at",
                              [reference, question_id, text, reason.strip(), who, stamp])
            self._audit(self.conn, who, "moderation", reference, question_id, None, old[0] if old else None, text,
                        reason.strip(), stamp)
        return text

    def _require_double_marked(self, reference: str) -> None:
        """Settling is for a case marked independently by two people: on any other it would change a
        published score with nobody's marking to weigh it against."""
        if reference in self.calibration_cases():
            raise StoreError(f"case {reference} is a calibration case: its markings are compared with the "
                             "reference marking, not settled")
        seconds = [m for r, m in self.double_marked() if r == reference]
        if not seconds:
            raise StoreError(f"case {reference} is not double-marked, so there is nothing to settle: only a case "
                             "marked independently by two inspectors is moderated. To correct an answer, its "
                             "marker reopens the case; to have it marked twice, allocate it with  fileexam "
                             f"moderation allocate MASTER --case {reference} --to NAME")
        first = self.case(reference).inspector
        markers = self._markers_of(reference)
        missing = [m for m in [first] + seconds if m and m not in markers]
        if missing or not first:
            raise StoreError(f"case {reference} is allocated for double marking, but "
                             + (f"{' and '.join(missing)} ha{'s' if len(missing) == 1 else 've'} not marked it yet"
                                if missing else "it has no first marker")
                             + ": settle it once both markings are merged")

    def sign_off(self, who: str, reopen_reason: str | None = None, forced_reason: str | None = None) -> None:
        """Sign off (or reopen, with reopen_reason). forced_reason: why it is signed off although
        disagreements are unsettled (the caller counts them; see services.moderation_decisions)."""
        with self.atomic():
            signed = self.moderation_signed_off()
            if reopen_reason is None:
                if signed:
                    raise StoreError("the moderation is already signed off")
                action, reason = "signed off", (forced_reason.strip() if forced_reason else None)
            else:
                if not signed:
                    raise StoreError("the moderation is not signed off")
                if not reopen_reason.strip():
                    raise BadValue("say why the moderation is reopened: a reason is required")
                action, reason = "reopened", reopen_reason.strip()
            stamp = now()
            self.conn.execute("INSERT INTO moderation_signoffs (at, who, action, reason) VALUES (?,?,?,?)",
                              [stamp, who, action, reason])
            self._audit(self.conn, who, f"moderation {action}", reason=reason or "", at=stamp)

    # ---- retention ------------------------------------------------------------------
    def purge(self, before: str, who: str, fields_only: bool = False) -> dict:
        """Delete the answers and comments of complete markings last changed before `before` (an ISO date),
        blank the audit detail (old and new values, reasons) of those cases, and clear the fields kept on the
        laptop; with fields_only, clear only those fields (and their audit detail). The audit log's rows stay,
        and a row records the purge itself.

        Deleted means gone from every byte of the file: it takes the file for itself first (refused while
        another program or window has it open: that connection's WAL would keep the old pages), deletes
        with secure_delete on, then checkpoints and truncates the WAL and vacuums the file."""
        private = [f.id for f in self.template.case_fields if not f.export]
        self._take_exclusively()
        try:
            refs = [r[0] for r in self.conn.execute(
                "SELECT case_ref FROM markings GROUP BY case_ref"
                " HAVING min(status = 'complete') = 1 AND max(updated_at) < ?", [before])]
            answers = fields = 0
            for ref in refs:
                if not fields_only:
                    answers += self.conn.execute("DELETE FROM answers WHERE case_ref=?", [ref]).rowcount
                case = self.case(ref)
                for fid in private:
                    fields += case.fields.pop(fid, None) is not None
                self.conn.execute("UPDATE cases SET fields=? WHERE reference=?",
                                  [json.dumps(case.fields, ensure_ascii=False), ref])
            # The one change the audit log ever allows: retention, itself recorded below.
            self.conn.execute("DROP TRIGGER audit_no_update")
            if fields_only:
                self.conn.executemany("UPDATE audit SET old_value=NULL, new_value=NULL, reason=NULL"
                                      " WHERE case_ref=? AND action='field' AND question_id=?",
                                      [(r, f) for r in refs for f in private])
            else:
                self.conn.executemany("UPDATE audit SET old_value=NULL, new_value=NULL, reason=NULL WHERE case_ref=?",
                                      [(r,) for r in refs])
                self.conn.executemany("DELETE FROM moderation_decisions WHERE case_ref=?", [(r,) for r in refs])
                # queries and replies quote the case: they go with its answers (issue 17)
                self.conn.executemany("DELETE FROM moderation_queries WHERE case_ref=?", [(r,) for r in refs])
                self.conn.executemany("DELETE FROM feedback_receipts WHERE case_ref=?", [(r,) for r in refs])
            self.conn.execute("CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
                              " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END")
            what = "laptop-only fields cleared" if fields_only else \
                f"{answers} answer(s) and comments deleted, laptop-only fields cleared"
            self._audit(self.conn, who, "purge", reason=f"retention: {len(refs)} case(s) complete before {before}; "
                        f"{what}, audit detail blanked")
            self.conn.execute("COMMIT")
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.conn.execute("VACUUM")  # rebuilt from live rows only: nothing deleted survives in free pages
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        finally:
            self.conn.execute("PRAGMA locking_mode=NORMAL")
            self.conn.execute("SELECT count(*) FROM meta").fetchone()  # NORMAL takes effect at the next access
        return {"cases": len(refs), "answers": answers, "fields": fields}

    def purgeable(self, before: str) -> int:
        """How many cases a purge before this date would touch (all their markings complete before it)."""
        return len(self.conn.execute("SELECT case_ref FROM markings GROUP BY case_ref HAVING min(status = 'complete')"
                                     " = 1 AND max(updated_at) < ?", [before]).fetchall())

    def _take_exclusively(self) -> None:
        """BEGIN EXCLUSIVE in exclusive locking mode: fails at once if any other connection, in this or
        another process, has the file open (SQLite's own locks say so), so nobody keeps old pages."""
        self.atomic()  # refuses on a read-only file
        self.conn.execute("PRAGMA busy_timeout = 1500")
        self.conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            self.conn.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError as exc:
            self.conn.execute("PRAGMA locking_mode=NORMAL")
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(f"{self.path} is open in another program or window (the fileexam app?): purge "
                                 "needs it to itself, so that no copy of the deleted data stays in that "
                                 "program's journal. Close it there and run purge again") from None
            raise
        finally:
            self.conn.execute("PRAGMA busy_timeout = 5000")

    # ---- status ---------------------------------------------------------------
    def status(self, reference: str, marker: str) -> Status:
        r = self.conn.execute("SELECT status FROM markings WHERE case_ref=? AND marker=?", [reference, marker]).fetchone()
        return Status(r[0]) if r else Status.NOT_STARTED

    def last_changes(self, marker: str | None = None) -> dict[str, str]:
        """Case reference -> time of the last change to a marking (of this marker, or anyone's)."""
        sql = "SELECT case_ref, max(updated_at) FROM markings" + (" WHERE marker=?" if marker else "") + " GROUP BY case_ref"
        return {r[0]: r[1] for r in self.conn.execute(sql, [marker] if marker else [])}

    def statuses(self) -> dict[tuple[str, str], Status]:
        return {(r[0], r[1]): Status(r[2]) for r in self.conn.execute("SELECT case_ref, marker, status FROM markings")}

    def check_complete(self, reference: str, marker: str) -> Completeness:
        reference = self.resolve_case(reference)
        case = self.case(reference)
        answers = {qid: a.value for qid, a in self.answers(reference, marker).items()}
        return completeness(self.template, case.fields, answers)

    def mark_complete(self, reference: str, marker: str) -> Completeness:
        """Mark complete when nothing required is missing; the check's result either way."""
        reference = self.resolve_case(reference)
        with self.atomic():
            result = self.check_complete(reference, marker)
            if result.ok and self.status(reference, marker) is not Status.COMPLETE:
                stamp = now()
                self.conn.execute("INSERT INTO markings (case_ref, marker, status, updated_at) VALUES (?,?,?,?)"
                                " ON CONFLICT (case_ref, marker) DO UPDATE SET status=excluded.status,"
                                " updated_at=excluded.updated_at", [reference, marker, Status.COMPLETE.value, stamp])
                detail = f"answers kept that no longer apply: {', '.join(result.no_longer_apply)}" \
                    if result.no_longer_apply else ""
                self._audit(self.conn, marker, "complete", reference, None, marker, None, None, detail, stamp)
        return result

    def reopen(self, reference: str, marker: str, reason: str) -> None:
        reference = self.resolve_case(reference)
        if not reason or not reason.strip():
            raise BadValue("say why the case is reopened: a reason is required")
        with self.atomic():
            if self.status(reference, marker) is not Status.COMPLETE:
                raise StoreError(f"case {reference} is not complete")
            stamp = now()
            self.conn.execute("UPDATE markings SET status=?, updated_at=? WHERE case_ref=? AND marker=?",
                            [Status.IN_PROGRESS.value, stamp, reference, marker])
            self._audit(self.conn, marker, "reopen", reference, None, marker, None, None, reason.strip(), stamp)

    def applies(self, reference: str, marker: str, question_id: str) -> tuple[bool, str]:
        """Does the question apply to this case as this marker has answered it, and if not, why not."""
        t = self.template
        q = t.find_question(question_id)
        case = self.case(reference)
        if t.which_apply(case.fields, self.applicable_values(case.reference, marker))[q.id]:
            return True, ""
        section = t.section_of(q)
        condition = q.applies_when if q.applies_when is not None else section.applies_when
        return False, ("it applies only when " + t.describe_condition(condition)) if condition is not None else \
            "an earlier answer or a case field rules it out"

    def applicable_values(self, reference: str, marker: str) -> dict:
        """Answers in the form conditions read (lists for several choices)."""
        t = self.template
        return {qid: condition_value(t.question_by_id[qid], a.value)
                for qid, a in self.answers(reference, marker).items() if qid in t.question_by_id}

    # ---- audit ----------------------------------------------------------------
    @staticmethod
    def _audit(conn: sqlite3.Connection, who: str, action: str, case_ref: str | None = None, question_id: str | None = None,
               marker: str | None = None, old=None, new=None, reason: str = "", at: str | None = None) -> None:
        conn.execute("INSERT INTO audit (at, who, action, case_ref, question_id, marker, old_value, new_value, reason)"
                   " VALUES (?,?,?,?,?,?,?,?,?)",
                   [at or now(), who, action, case_ref, question_id, marker, old, new, reason or None])

    def audit(self, reference: str | None = None) -> list[dict]:
        sql = "SELECT * FROM audit" + (" WHERE case_ref=?" if reference else "") + " ORDER BY id"
        cur = self.conn.execute(sql, [reference] if reference else [])
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r)) for r in cur]


def path_text(path: Path) -> str:
    """A path as text that always stores and comes back: a name with bytes that are not UTF-8 (legal on
    POSIX) is kept as 'hex:' and its bytes."""
    import os
    raw = os.fsencode(str(path))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return "hex:" + raw.hex()


def text_path(text: str) -> Path:
    import os
    return Path(os.fsdecode(bytes.fromhex(text[4:]))) if text.startswith("hex:") else Path(text)


def _j(value) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
