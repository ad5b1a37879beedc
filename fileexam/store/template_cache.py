"""The parsed template of an inspection file, cached as JSON in the user's cache folder so that opening the
file again needs no YAML. Only an optimisation: any failure to read or write it is silent, and what is read
is checked against the file (fingerprints, ids, versions) before it is used."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from fileexam import __version__
from fileexam.domain.questions import AnswerType
from fileexam.domain.template import InspectionTemplate

KEEP = 50  # template files kept; the oldest used beyond that are removed


def folder() -> Path:
    from fileexam.settings import cache_dir
    return cache_dir() / "templates"


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
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError, TypeError):  # TypeError: stored text that is not text (damaged)
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
