"""The damaged-open run: damaged, sound and foreign files, each opened (InspectionFile.open(check="full") and
`fileexam status`) in a forked child, with what the opening changed on disk."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from fileexam.faults.damaged_files import (DAMAGE_KINDS, FOREIGN_KINDS, GOOD_KINDS, OPEN_KINDS, SIDES,
                                           _make_open_input, _real_inspection)
from fileexam.faults.isolation import (_cli, _example, _exception_names, _isolated, _Private, _rss_mb, _sha,
                                       _signature, resource)

def _state(path: Path) -> dict:
    return {suffix: _sha(Path(str(path) + suffix)) for suffix in ("",) + SIDES}


def _reference_check(path: Path, scratch: Path) -> str:
    """SQLite's own verdict on a copy (with its -wal): 'ok', or what is wrong."""
    import shutil
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    copy = scratch / "copy.fileexam"
    shutil.copyfile(path, copy)
    for suffix in ("-wal", "-journal"):
        if Path(str(path) + suffix).exists():
            shutil.copyfile(str(path) + suffix, str(copy) + suffix)
    from fileexam.store.sqlite import sqlite3
    try:
        con = sqlite3.connect(copy)
        con.text_factory = lambda b: b.decode("utf-8", "replace")  # damage reaches the names it reports
        try:
            return "; ".join(r[0] for r in con.execute("PRAGMA integrity_check(5)"))[:300]
        finally:
            con.close()
    except sqlite3.Error as exc:
        return f"SQLite: {exc}"
    except UnicodeDecodeError:  # SQLite's message quotes damaged bytes of the schema, and Python cannot decode it
        return "SQLite: an error whose message is not UTF-8 (a damaged schema)"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _try_open(path: str, scratch: str, ours: bool) -> dict:
    """In the (forked) child: InspectionFile.open(check="full"), then `fileexam status`, each watched."""
    import traceback

    from fileexam.store.errors import StoreError
    from fileexam.store.file_check import DamagedFile, NotAnInspection
    from fileexam.store.inspection_file import InspectionFile

    p = Path(path)
    res: dict = {"reference": _reference_check(p, Path(scratch)) if ours else None, "before": _state(p)}
    try:
        f = InspectionFile.open(p, check="full")
        f.close()
        res["open"], res["open_said"] = "opened", ""
    except DamagedFile as exc:
        res["open"], res["open_said"] = "damaged", str(exc)[:400]
    except NotAnInspection as exc:
        res["open"], res["open_said"] = "not-an-inspection", str(exc)[:400]
    except StoreError as exc:
        res["open"], res["open_said"] = "refused", str(exc)[:400]
    except BaseException as exc:  # noqa: BLE001 - what the run counts
        res["open"], res["open_said"] = "raised", f"{type(exc).__name__}: {str(exc)[:300]}"
        res["traceback"] = traceback.format_exc(limit=-5)[-2000:]
    res["after_open"] = _state(p)
    res["status_rc"], res["status_err"] = _cli(["status", path])
    res["after_status"] = _state(p)
    return res


def damaged_open(inputs: int, seed: int = 1, folder: Path | None = None) -> dict:
    """Damaged copies of a real inspection file (truncated, bytes flipped, pages zeroed, swapped, scrambled), sound
    ones (with a live, torn or junk -wal), and other programs' files, each opened with InspectionFile.open(check="full")
    and with `fileexam status`. Counts: tracebacks (an exception other than a refusal out of open(), exit 2 or a
    Python exception's name from the command), damaged files opened silently (SQLite's integrity_check fails on a
    copy, yet it opened or status succeeded), files changed by opening (bytes, or a -wal/-shm/-journal left, made or
    removed beside another program's file), foreign files written, good files refused; crashes and hangs."""
    import shutil

    from fileexam.services.export import export_workbook
    from fileexam.store.inspection_file import InspectionFile

    rng = random.Random(seed)
    folder = Path(folder or tempfile.mkdtemp())
    work, kept = folder / "inputs", folder / "failures"
    for d in (work, kept):
        d.mkdir(parents=True, exist_ok=True)
    exception_name = _exception_names()
    with _Private(folder / "home"):
        real = _real_inspection(folder / "real.fileexam", 12, seed)
        workbook = folder / "work.xlsx"
        with InspectionFile.open(real) as f:
            export_workbook(f, workbook, None)
            answers = f.count_answers()
        kinds = OPEN_KINDS[:]
        rng.shuffle(kinds)
        counts = {"tracebacks": 0, "damaged_opened_silently": 0, "files_changed_by_opening": 0,
                  "foreign_files_written": 0, "good_files_refused": 0, "crashes": 0, "hangs": 0}
        info = {"damaged": 0, "intact_damage_refused": 0, "foreign_called_damaged": 0,
                "side_files_left_beside_refused_inspections": 0}
        by_kind: dict[str, dict[str, int]] = {}
        signatures: dict[str, int] = {}
        outcomes: dict[str, int] = {}
        examples: dict[str, list] = {}
        harness_errors, unmade = [], 0
        for n in range(inputs):
            kind = kinds[n % len(kinds)]
            r = random.Random(f"{seed}-{n}")
            path = work / f"in-{n}.fileexam"
            try:
                what = _make_open_input(kind, real, path, r, workbook)
            except Exception as exc:  # noqa: BLE001 - the harness's own failure
                harness_errors.append(f"input {n} ({kind}): {type(exc).__name__}: {str(exc)[:200]}")
                unmade += 1
                continue
            foreign = kind in FOREIGN_KINDS
            res = _isolated(_try_open, str(path), str(work / f"scratch-{n}"), not foreign)
            label = {"input": n, "kind": kind, "what": what}
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
                outcome = f"{res['open']}/{res['status_rc']}"
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
                by_kind.setdefault(kind, {}).setdefault(outcome, 0)
                by_kind[kind][outcome] += 1
                opened, listed = res["open"] == "opened", res["status_rc"] == 0
                damaged = res["reference"] not in (None, "ok")
                info["damaged"] += damaged
                name = exception_name.search(res["open_said"]) or exception_name.search(res["status_err"])
                if res["open"] == "raised" or res["status_rc"] in (2, "raised"):
                    fail("tracebacks", _signature("tracebacks", res.get("traceback") or res["status_err"]),
                         open=res["open_said"][:400], status=[res["status_rc"], res["status_err"][-1200:]],
                         where=res.get("traceback", "")[-1200:])
                elif name:
                    fail("tracebacks", f"tracebacks: '{name.group(0)}' shown in a message ({kind})",
                         open=res["open_said"][:400], status=res["status_err"][:400])
                if damaged and (opened or listed):
                    fail("damaged_opened_silently", f"damaged_opened_silently: {kind}", integrity_check=res["reference"],
                         open=res["open"], status_rc=res["status_rc"])
                if kind in GOOD_KINDS and not damaged and not (opened and listed):
                    fail("good_files_refused", f"good_files_refused: {kind}: {res['open_said'][-80:]}",
                         open=res["open_said"][:400], status=[res["status_rc"], res["status_err"][:400]])
                if kind in DAMAGE_KINDS and not damaged and not (opened and listed):
                    info["intact_damage_refused"] += 1  # e.g. a flipped byte in a stored template: refused, rightly
                if foreign and res["open"] == "damaged":
                    info["foreign_called_damaged"] += 1
                # What opening may change: an inspection file that opens may be written (its -wal checkpointed, an
                # older one upgraded and given its application id). A refused one, and any other program's file
                # (with what lies beside it), must be left exactly as it was.
                steps = [res["before"], res["after_open"], res["after_status"]]
                changed = [s for s in ("",) + SIDES if len({step[s] for step in steps}) > 1]
                by = "open" if any(res["before"][s] != res["after_open"][s] for s in changed) else "status"
                refused = not (opened or listed)
                if changed and not foreign and refused and "" not in changed:
                    info["side_files_left_beside_refused_inspections"] += 1
                    _example(examples, "side_files_left_beside_refused_inspections", {**label, "changed": changed,
                                                                                       "by": by})
                if (foreign and changed) or (not foreign and refused and "" in changed):
                    what_changed = "+".join(s or "file" for s in changed)
                    fail("files_changed_by_opening", f"files_changed_by_opening: {what_changed} by {by} "
                         f"({'foreign' if foreign else kind}, {res['open']})", changed=changed, open=res["open"],
                         status_rc=res["status_rc"], by=by, said=res["open_said"][:300])
                    if foreign:
                        failed.add("foreign_files_written")
            for key in failed:
                counts[key] += 1
            if failed:
                for suffix in ("",) + SIDES:
                    if Path(str(path) + suffix).exists():
                        shutil.copyfile(str(path) + suffix, kept / f"{n}-{kind}.fileexam{suffix}")
            for suffix in ("",) + SIDES:
                Path(str(path) + suffix).unlink(missing_ok=True)
    return {"run": "damaged-open", "inputs_tried": inputs - unmade, "answers_in_the_real_file": answers,
            "kinds": len(OPEN_KINDS), **counts, **info, "outcomes (open/status exit)": outcomes,
            "peak_rss_mb": max(_rss_mb("children") or 0, _rss_mb() or 0) if resource else None,
            "failure_signatures": signatures, "harness_errors": harness_errors[:5],
            "failures_kept_in": str(kept) if any(counts.values()) else None, "by_kind": by_kind, "examples": examples}
