"""The hostile-merge run: hostile workbooks, each merged into a fresh copy of a master in a forked child,
and the master looked at afterwards."""

from __future__ import annotations

import random
import tempfile
import time
from pathlib import Path

from fileexam.faults.damaged_workbooks import _structural
from fileexam.faults.hostile_workbooks import (CELL_KINDS, HM_MARKER, HM_OTHER, HOSTILE_KINDS, ROW_KINDS,
                                               _edit_cells, _genuine_odd, _inspector_file)
from fileexam.faults.inspections import ROOT, _new_inspection
from fileexam.faults.isolation import (_cli, _example, _exception_names, _integrity, _isolated, _Private,
                                       _rss_mb, _signature, resource)

def _master_tables(path: Path) -> list:
    from fileexam.store.sqlite import sqlite3
    con = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return [con.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in ("answers", "markings")]
    finally:
        con.close()


def _invalid_rows(f) -> list[str]:
    """Stored answers and markings that break the store's own rules (what --accept-changed must never let in)."""
    from datetime import datetime, timedelta, timezone

    from fileexam.domain.answers import answer_text
    from fileexam.domain.cases import BadValue, clean_text
    from fileexam.formats.exchange_workbook import STATUSES, _parse_time

    t = f.template
    cases = {c.reference for c in f.cases()}
    latest = datetime.now(timezone.utc) + timedelta(days=2)
    bad = []
    from fileexam.store.answer_rows import COLUMNS, FROM, answer_row
    for row in f.conn.execute(f"SELECT {COLUMNS} FROM {FROM}"):
        ref, qid, marker, value, comment, set_id, _fingerprint, at, rev = answer_row(row)
        q = t.question_by_id.get(qid)
        problems = []
        if ref not in cases:
            problems.append("case not in the sample")
        if q is None or q.set_id != set_id:
            problems.append("question or set unknown")
        else:
            try:
                if answer_text(q, value) != value:
                    problems.append(f"value {str(value)[:30]!r} not as fileexam writes it")
            except BadValue:
                problems.append(f"value {str(value)[:30]!r} invalid")
        try:
            if comment and clean_text(comment) != comment:
                problems.append("comment holds control characters")
        except BadValue as exc:
            problems.append(f"comment: {str(exc)[:60]}")
        when = _parse_time(at) if isinstance(at, str) else None
        if when is None or when > latest:
            problems.append(f"answered_at {str(at)[:35]!r}")
        if not isinstance(rev, int) or not 1 <= rev <= 2 ** 31 - 1:
            problems.append(f"revision {rev!r}")
        if not marker or not str(marker).strip():
            problems.append("no marker")
        if problems:
            bad.append(f"{ref}/{qid}/{marker}: " + ", ".join(problems))
    for ref, marker, status in f.conn.execute("SELECT case_ref, marker, status FROM markings"):
        if status not in STATUSES or ref not in cases:
            bad.append(f"marking {ref}/{marker}: status {status!r}")
    return bad[:5]


def _try_merge(master: str, trial: str, workbook: str, accept: bool, expected: dict) -> dict:
    """In the (forked) child: merge one workbook into a fresh copy of the master, then look at the master."""
    import shutil
    import traceback

    from fileexam.services.merge import merge_workbooks
    from fileexam.store.inspection_file import InspectionFile

    shutil.copyfile(master, trial)
    res: dict = {"outcome": None}
    before = _master_tables(Path(trial))
    with InspectionFile.open(trial) as f:
        start = time.perf_counter()
        try:
            w = merge_workbooks(f, [Path(workbook)], "TL", accept_changed=accept).workbooks[0]
            res.update(outcome=w.outcome, said=w.line()[:3000])
        except BaseException as exc:  # noqa: BLE001 - what the run counts
            res.update(outcome="raised", said=f"{type(exc).__name__}: {str(exc)[:300]}",
                       traceback=traceback.format_exc(limit=-5)[-3000:])
        res["seconds"] = round(time.perf_counter() - start, 3)
        res["left_in_transaction"] = f.conn.in_transaction
        if res["outcome"] in ("merged", "unchanged"):
            res["invalid"] = _invalid_rows(f)
            got = {f"{r}|{q}|{m}": [v, c] for r, q, m, v, c in f.conn.execute(
                "SELECT case_ref, question_id, marker, value, comment FROM answers")}
            res["not_as_exported"] = [k for k, v in expected.items() if got.get(k) != v][:3]
            # This run's workbooks all come from the master's own template: any other set fingerprint was typed in.
            res["foreign_fingerprints"] = [f"{r}/{q}/{m}: {str(fp)[:40]!r}" for r, q, m, fp in f.conn.execute(
                "SELECT a.case_ref, a.question_id, a.marker, v.fingerprint FROM answers a LEFT JOIN set_versions v"
                " ON v.id = a.set_version WHERE NOT EXISTS (SELECT 1 FROM definitions d WHERE d.kind='question-set'"
                " AND d.def_id=v.set_id AND d.fingerprint=v.fingerprint) LIMIT 3")]
    res["changed"] = _master_tables(Path(trial)) != before
    res["integrity"] = _integrity(Path(trial))
    if res["outcome"] in ("merged", "unchanged"):
        res["status_rc"], res["status_err"] = _cli(["status", trial])
        res["export_rc"], res["export_err"] = _cli(["export", trial, trial + ".xlsx"])
    return res


def hostile_merge(inputs: int, seed: int = 1, folder: Path | None = None) -> dict:
    """Genuine exchange workbooks, damaged and forged every way we know, and genuine ones with odd text, each merged
    into a fresh copy of a master. Counts: tracebacks (an exception out of merge_workbooks, or a Python exception's
    name in what a person is shown), half-changed masters (a refused workbook that changed answers or markings, or
    a merged one after which the master fails integrity_check, `fileexam status` or `fileexam export`), invalid data
    let in, genuine exports refused or changed, crashes and hangs (a native abort kills only the forked copy)."""
    import shutil

    from fileexam.services.export import export_workbook
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    folder = Path(folder or tempfile.mkdtemp())
    cache, work, kept = folder / "cache", folder / "inputs", folder / "failures"
    for d in (cache, work, kept):
        d.mkdir(parents=True, exist_ok=True)
    exception_name = _exception_names()
    with _Private(folder / "home"):
        master = _new_inspection(folder / "master.fileexam", "Hostile merge")
        inspector = _inspector_file(folder / "inspector.fileexam", HM_MARKER, 6, seed, other=HM_OTHER)
        genuine = [folder / "marker.xlsx", folder / "all.xlsx"]
        with InspectionFile.open(inspector) as f:
            export_workbook(f, genuine[0], HM_MARKER)
            export_workbook(f, genuine[1], None)
        shipped = ROOT / "exports" / "examples" / "work-a-khan.xlsx"  # format version 1, still read
        (cache / "master.bytes").write_bytes(master.read_bytes())

        kinds = HOSTILE_KINDS[:]
        rng.shuffle(kinds)
        counts = {"tracebacks": 0, "half_changed_masters": 0, "invalid_data_merged": 0, "genuine_refused": 0,
                  "genuine_changed": 0, "crashes": 0, "hangs": 0}
        outcomes: dict[str, int] = {}
        examples: dict[str, list] = {}
        slowest: list = []   # the five slowest merges, and the five largest peak RSS of a merging process
        biggest: list = []
        harness_errors, unmade = [], 0
        signatures: dict[str, int] = {}
        by_kind: dict[str, dict[str, int]] = {}
        info_fingerprints = 0
        for n in range(inputs):
            kind = kinds[n % len(kinds)]
            r = random.Random(f"{seed}-{n}")
            wb = work / f"in-{n}.xlsx"
            accept = r.random() < 0.5
            expected: dict = {}
            is_genuine = kind.startswith("genuine")
            try:
                if kind == "genuine":
                    src = r.choice(genuine + [shipped])
                    shutil.copyfile(src, wb)
                    what = src.name
                elif kind == "genuine-odd-text":
                    what, expected = _genuine_odd(inspector, work / "odd.fileexam", wb, r)
                elif kind in CELL_KINDS or kind in ROW_KINDS:
                    what = _edit_cells(r.choice(genuine), wb, kind, r, resign=r.random() < 0.5)
                else:
                    what = _structural(r.choice(genuine), wb, kind, r, cache)
            except Exception as exc:  # noqa: BLE001 - making the input failed: the harness's problem, said as such
                harness_errors.append(f"input {n} ({kind}): {type(exc).__name__}: {str(exc)[:200]}")
                unmade += 1
                continue
            trial = work / f"master-{n}.fileexam"
            res = _isolated(_try_merge, str(master), str(trial), str(wb), accept, expected)
            label = {"input": n, "kind": kind, "what": what[:300], "accept_changed": accept}
            failed: set[str] = set()

            def fail(key: str, signature: str, **detail) -> None:
                failed.add(key)
                signatures[signature] = signatures.get(signature, 0) + 1
                _example(examples, key, {**label, **detail})

            if "harness_error" in res:
                harness_errors.append(f"input {n} ({kind}): {res['harness_error'][-600:]}")
            elif "crash" in res:
                key = "hangs" if res["hung"] else "crashes"
                by_kind.setdefault(kind, {}).setdefault(key, 0)
                by_kind[kind][key] += 1
                fail(key, _signature(key, res["said"]), how=res["crash"], said=res["said"])
            else:
                outcome = res["outcome"]
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                by_kind.setdefault(kind, {}).setdefault(outcome, 0)
                by_kind[kind][outcome] += 1
                slowest = sorted(slowest + [(res["seconds"], f"input {n} ({kind}): {what[:120]}")], reverse=True)[:5]
                biggest = sorted(biggest + [(res.get("child_rss_mb") or 0, f"input {n} ({kind}): {what[:120]}")],
                                 reverse=True)[:5]
                cli = "\n".join(str(res.get(k) or "") for k in ("status_err", "export_err"))
                name = exception_name.search(res["said"] or "") or exception_name.search(cli)
                if outcome == "raised" or res.get("status_rc") in (2, "raised") or res.get("export_rc") in (2, "raised"):
                    fail("tracebacks", _signature("tracebacks", res.get("traceback") or cli), said=res["said"][:600],
                         where=(res.get("traceback") or "")[-1500:], cli=cli[-1500:])
                elif name:
                    fail("tracebacks", f"tracebacks: '{name.group(0)}' shown in a message ({kind})",
                         said=res["said"][:600], cli=cli[:600])
                if outcome in ("refused", "raised") and (res["changed"] or res["left_in_transaction"]):
                    fail("half_changed_masters", f"half_changed_masters: {outcome}, changed ({kind})",
                         said=res["said"][:400], left_in_transaction=res["left_in_transaction"])
                if outcome in ("merged", "unchanged") and (res["integrity"] != "ok" or res["status_rc"] != 0
                                                           or res["export_rc"] != 0):
                    fail("half_changed_masters", f"half_changed_masters: unusable after a merge ({kind})",
                         integrity=res["integrity"], status=[res["status_rc"], res["status_err"][:300]],
                         export=[res["export_rc"], res["export_err"][:300]])
                if res.get("invalid"):
                    fail("invalid_data_merged", f"invalid_data_merged: {res['invalid'][0].split(': ', 1)[-1][:60]}",
                         rows=res["invalid"])
                if is_genuine and outcome not in ("merged", "unchanged"):
                    fail("genuine_refused", f"genuine_refused: {kind}", said=res["said"][:600])
                if is_genuine and res.get("not_as_exported"):
                    fail("genuine_changed", f"genuine_changed: {kind}", answers=res["not_as_exported"])
                if res.get("foreign_fingerprints"):
                    info_fingerprints += 1
                    _example(examples, "set_fingerprint_not_the_masters", {**label, "rows": res["foreign_fingerprints"]})
            for key in failed:
                counts[key] += 1
            if failed:  # kept for the engineer who fixes it: the workbook that did it
                shutil.copyfile(wb, kept / f"{n}-{kind}.xlsx")
            wb.unlink(missing_ok=True)
            for suffix in ("", "-wal", "-shm", ".xlsx"):
                Path(str(trial) + suffix).unlink(missing_ok=True)
        shutil.rmtree(cache, ignore_errors=True)
    return {"run": "hostile-merge", "inputs_tried": inputs - unmade, "kinds": len(set(HOSTILE_KINDS)), **counts,
            "outcomes": outcomes, "merged_with_a_set_fingerprint_not_the_masters": info_fingerprints,
            "peak_rss_mb": max([b[0] for b in biggest] + [_rss_mb("children") or 0]) if resource else None,
            "largest_rss_mb": biggest, "baseline_rss_mb": _rss_mb(),
            "slowest_merge_seconds": slowest[0][0] if slowest else None, "slowest_merges": slowest,
            "failure_signatures": signatures, "harness_errors": harness_errors[:5],
            "failures_kept_in": str(kept) if any(counts.values()) else None, "by_kind": by_kind, "examples": examples}
