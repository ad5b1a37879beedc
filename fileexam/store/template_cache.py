"""The parsed template of an inspection file, cached as JSON in the user's cache folder so that opening the
file again needs no YAML. Only an optimisation: any failure to read or write it is silent, and what is read
is checked against the file (fingerprints, ids, versions) before it is used."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from fileexam import __version__
from fileexam.domain.questions import AnswerType
from fileexam.domain.template import InspectionTemplate

KEEP = 50  # template files kept; the oldest used beyond that are removed
MAX_BYTES = 16 * 1024 * 1024  # far above any template's (the shipped Area template's: ~0.2 MB)


def folder() -> Path:
    from fileexam.settings import cache_dir
    return cache_dir() / "templates"


def stored_rows(conn, fingerprint: str):
    """(template row, set rows) as the cache is keyed by them: the template named by `fingerprint` (file_name,
    text, def_id, version; None if it is missing) and every question set (..., fingerprint), in order."""
    row = conn.execute("SELECT file_name, text, def_id, version FROM definitions"
                       " WHERE kind='inspection-template' AND fingerprint=?", [fingerprint]).fetchone()
    sets = conn.execute("SELECT file_name, text, def_id, version, fingerprint FROM definitions"
                        " WHERE kind='question-set' ORDER BY id").fetchall()
    return row, sets


def forget(conn) -> None:
    """Remove the entry parsed from this (plain) file's stored texts: it is about to be encrypted, and nothing
    of an encrypted inspection is kept unencrypted outside it. Silent when there is none or it cannot be."""
    meta = dict(conn.execute("SELECT key, value FROM meta WHERE key='template_fingerprint'").fetchall())
    row, sets = stored_rows(conn, meta.get("template_fingerprint"))
    try:
        (folder() / (key(row, sets) + ".json")).unlink(missing_ok=True)
    except (OSError, TypeError):  # TypeError: no template row, or stored text that is not text
        pass


def key(template_row, set_rows) -> str:
    """sha256 of what the template is parsed from: (file name, text) of the template and of every set."""
    from fileexam.formats.template_json import FORMAT
    parts = [FORMAT, __version__, template_row[0], template_row[1], [[r[0], r[1]] for r in set_rows]]
    return hashlib.sha256(json.dumps(parts).encode("ascii")).hexdigest()  # TypeError: a row that is not text


def _matches(t: InspectionTemplate, template_row, fingerprint: str, set_rows) -> bool:
    """The decoded template is the one the file stores: its fingerprint, id and version, and each set's."""
    if (t.fingerprint, t.id, t.version) != (fingerprint, template_row[2], template_row[3]):
        return False
    # What no fingerprint covers is checked apart: a case field's values and the exclusion reasons are
    # fingerprinted by value and label only (the YAML never gives them points or keys) ...
    if any(o.points is not None or o.key is not None
           for o in [o for f in t.case_fields for o in f.values] + list(t.exclusion_reasons_given)):
        return False
    # ... an answer's parts its type does not use (the YAML leaves them empty) ...
    if not all(_unused_parts_empty(q.answer) for q in t.questions):
        return False
    # ... a set's version, and which set and section each question says it is in.
    stored = {(r[2], r[3], r[4]) for r in set_rows}  # def_id, version, fingerprint
    for qs in t.question_sets:
        if (qs.id, qs.version, qs.fingerprint) not in stored:
            return False
        if any(q.set_id != qs.id or q.section_id != s.id for s in qs.sections for q in s.questions):
            return False
    return True


def _unused_parts_empty(a) -> bool:
    return ((a.type is AnswerType.SCALE or a.scale is None)
            and (a.type is AnswerType.NUMBER or (a.minimum is None and a.maximum is None and a.integer is False))
            and (a.type is AnswerType.CHOICES or a.options == ()))


def read(template_row, fingerprint: str, set_rows) -> InspectionTemplate | None:
    """The cached template for these rows (file_name, text, def_id, version[, fingerprint]), or None."""
    try:
        path = folder() / (key(template_row, set_rows) + ".json")
        found = os.stat(path)
        # Only a plain file of a sane size: a pipe put there would block the open, a huge file exhaust memory
        if not stat.S_ISREG(found.st_mode) or found.st_size > MAX_BYTES:
            return None
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, TypeError, MemoryError):  # TypeError: stored text not text (damaged)
        return None
    from fileexam.formats.template_json import decode
    try:
        t = decode(text)
        if not _matches(t, template_row, fingerprint, set_rows):
            return None
    except Exception:  # hostile or damaged text: whatever it raises, the YAML is parsed instead
        return None
    try:
        os.utime(path)  # recently used: kept when the folder is trimmed
    except OSError:
        pass
    return t


def write(template_row, set_rows, template: InspectionTemplate) -> None:
    """Store the template parsed from these rows (atomically); silent when it cannot be."""
    import tempfile  # here: not on the path that reads the cache

    from fileexam.formats.template_json import BadCache, encode
    try:
        text = encode(template)
        name = key(template_row, set_rows) + ".json"
    except (BadCache, ValueError, TypeError):
        return
    where = folder()
    try:
        where.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, where / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _trim(where)
    except (OSError, ValueError):  # ValueError: text the file's encoding cannot write
        pass


def _trim(where: Path) -> None:
    files = sorted(where.glob("*.json"), key=lambda p: p.stat().st_mtime)
    for old in files[:-KEEP]:
        old.unlink(missing_ok=True)
