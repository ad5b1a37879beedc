"""Data retention: what is due for deletion under the template's rule, and a purge that leaves no copy.

A purge deletes in the inspection file itself (secure_delete, WAL truncated, VACUUM: see
InspectionFile.purge), then deals with every copy fileexam made of it: the rotating backups and
before-upgrade copies hold the purged data, so they are deleted (and one fresh backup is made);
copies saved with File → Save a copy are purged by the same rule. docs/data-protection.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile, text_path


@dataclass
class PurgeResult:
    cases: int
    answers: int
    fields: int
    backups_deleted: list[Path] = field(default_factory=list)
    copies_purged: list[Path] = field(default_factory=list)
    copies_not_reached: list[tuple[Path, str]] = field(default_factory=list)
    backup_after: Path | None = None


def purge(inspection: InspectionFile, before: str, who: str, backup_root: Path | None,
          fields_only: bool = False) -> PurgeResult:
    done = inspection.purge(before, who, fields_only)
    result = PurgeResult(done["cases"], done["answers"], done["fields"])
    if not done["cases"]:
        return result
    from fileexam.store.backups import folder_for, list_backups, make_backup

    path = inspection.path
    old = list(path.parent.glob(f"{path.stem}.before-upgrade-*{path.suffix}"))
    if backup_root is not None:
        folder = folder_for(backup_root, path)
        old += list_backups(path, backup_root)
        old += list(folder.glob("*.replaced")) + list(folder.glob("*.replaced-wal")) if folder.is_dir() else []
    for f in old:
        for extra in (f, Path(str(f) + "-wal"), Path(str(f) + "-shm")):
            if extra.exists():
                extra.unlink()
        result.backups_deleted.append(f)
    for copy in _saved_copies(inspection):
        try:
            with InspectionFile.open(copy, check="quick", key=inspection.cipher_key) as c:
                if c.meta().get("inspection_id") != inspection.meta().get("inspection_id"):
                    raise StoreError("it now holds another inspection")
                c.purge(before, who, fields_only)
            result.copies_purged.append(copy)
        except (StoreError, OSError) as exc:
            result.copies_not_reached.append((copy, str(exc)))
    if backup_root is not None:
        result.backup_after = make_backup(inspection.conn, path, backup_root, key=inspection.cipher_key)
    return result


def _saved_copies(inspection: InspectionFile) -> list[Path]:
    """Copies made with Save a copy, as its audit log records them, that still exist."""
    out = []
    for row in inspection.conn.execute("SELECT DISTINCT reason FROM audit WHERE action='copy saved'"):
        text = row[0] or ""
        if text and not text.startswith("copied from "):
            p = text_path(text)
            if p.is_file() and p.resolve() != inspection.path.resolve():
                out.append(p)
    return out


# ---- what is due -------------------------------------------------------------------
@dataclass(frozen=True)
class Reminder:
    what: str       # in words, e.g. "laptop-only fields of 12 case(s) complete for over 30 days"
    cases: int
    before: str     # the date to purge before
    fields_only: bool

    def command(self, path: Path) -> str:
        return f"fileexam purge \"{path}\" --before {self.before}" + (" --fields-only" if self.fields_only else "")


def due(inspection: InspectionFile, today: date | None = None) -> list[Reminder]:
    """What the template's retention rule says is due for deletion today."""
    rule = inspection.template.retention
    if rule is None:
        return []
    today = today or date.today()
    out = []
    private = [f.id for f in inspection.template.case_fields if not f.export]
    if rule.private_fields_days is not None and private:
        cutoff = (today - timedelta(days=rule.private_fields_days)).isoformat()
        refs = _complete_before(inspection, cutoff)
        holding = [c for c in inspection.cases() if c.reference in refs and any(f in c.fields for f in private)]
        if holding:
            out.append(Reminder(f"the laptop-only fields of {len(holding)} case(s) complete for over "
                                f"{rule.private_fields_days} days", len(holding), cutoff, True))
    if rule.answers_after_signoff_days is not None:
        signed = inspection.conn.execute("SELECT at FROM moderation_signoffs WHERE action='signed off' "
                                         "ORDER BY id DESC LIMIT 1").fetchone()
        if signed and inspection.moderation_signed_off():
            at = datetime.fromisoformat(signed[0]).date()
            if today >= at + timedelta(days=rule.answers_after_signoff_days):
                cutoff = (today + timedelta(days=1)).isoformat()
                refs = _complete_before(inspection, cutoff)
                with_answers = {r[0] for r in inspection.conn.execute("SELECT DISTINCT case_ref FROM answers")}
                n = len(refs & with_answers)
                if n:
                    out.append(Reminder(f"the answers and comments of {n} case(s): the report was signed off on "
                                        f"{at.isoformat()}, over {rule.answers_after_signoff_days} days ago",
                                        n, cutoff, False))
    return out


def _complete_before(inspection: InspectionFile, cutoff: str) -> set[str]:
    return {r[0] for r in inspection.conn.execute(
        "SELECT case_ref FROM markings GROUP BY case_ref HAVING min(status = 'complete') = 1 AND max(updated_at) < ?",
        [cutoff])}
