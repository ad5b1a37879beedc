"""Reading a merge's workbooks ahead in worker processes, while the main process applies them in order.

Reading and checking a workbook (services/merge.py: read_exchange) is most of a merge's time and touches
nothing but the workbook, so it runs in a pool of spawned processes (the same on Windows, and safe from the
app's merge thread); everything that reads or writes the master stays in the calling process, in order.
A worker that dies (out of memory, a native crash in a hostile workbook) makes that workbook a plain
refusal: the pool is started again for the others. Passwords reach a worker only as plain texts through
the pool's pipe, never on a command line, in a log or a file; interactive asking stays in this process.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

WORKERS_VAR = "FILEEXAM_MERGE_WORKERS"   # a number of worker processes; 0 or 1 reads in this process
MIN_BYTES = 1_000_000   # below this much workbook in all, starting the processes costs more than it saves
DIED = ("reading it stopped the process that read it (it ran out of memory or the reader crashed): "
        "the workbook is damaged or hostile")


def worker_count(paths: list[Path]) -> int:
    """How many worker processes pay for these workbooks: none for fewer than two, on one core, or for
    workbooks so small that starting the processes would cost more than reading them here."""
    cores = os.cpu_count() or 1
    given = os.environ.get(WORKERS_VAR, "").strip()
    if given.isdigit():
        n = min(int(given), cores * 4)
    else:
        if cores < 2 or len(paths) < 2:
            return 0
        try:
            size = sum(Path(p).stat().st_size for p in paths)
        except OSError:
            size = MIN_BYTES
        if size < MIN_BYTES:
            return 0
        n = cores
    n = min(n, len(paths))
    return n if n >= 2 else 0


def read_one(path: str, passwords: tuple) -> tuple:
    """In a worker: the workbook read and checked, the index of the password that opened it (or None),
    and whether it is encrypted with no password given. An exception's text never comes back (it might
    quote what it was given)."""
    from fileexam.formats.exchange_workbook import read_exchange
    from fileexam.passwords import Passwords

    class Tried(Passwords):   # remembers which password worked, as an index the parent can use
        __slots__ = ("used",)

        def worked(self, path, password):
            self.used = passwords.index(password)

    tried = Tried(passwords)
    tried.used = None
    try:
        data = read_exchange(Path(path), password=tried)
    except Exception:  # noqa: BLE001 - read_exchange catches a reader's errors; anything else is a refusal too
        return None, None, False
    return data, tried.used, bool(tried.missed)


def _held(password, path: Path) -> tuple:
    """The passwords a worker may try on `path`, without asking: a text, or what a Passwords holds."""
    if password is None:
        return ()
    if isinstance(password, str):
        return (password,) if password else ()
    return password.held(path)


def _died(path: Path):
    return _refused(path, DIED)


def _refused(path: Path, reason: str):
    from fileexam.domain.problems import cell_problem
    from fileexam.formats.exchange_workbook import ExchangeData

    data = ExchangeData({}, [], [], [], path=str(path))
    data.problems.append(cell_problem("table-unreadable", str(path), None, None, None, what="fileexam exchange workbook", reason=reason))
    return data


class AheadReader:
    """`get(i)`: workbook i's ExchangeData, read in a worker ahead of need; None when it is to be read in
    this process (no pool, or an encrypted workbook whose password is to be asked for here)."""

    def __init__(self, paths: list[Path], password=None, workers: int | None = None, read=read_one):
        self.paths = [Path(p) for p in paths]
        self.password = password
        self.workers = worker_count(self.paths) if workers is None else workers
        self.read = read
        self.pool = None
        self.pending: deque = deque()   # (index, future), in order
        self.next = 0
        if self.workers:
            self._start()
            self._fill()  # the workers start now (the pool spawns them as work is given), beside the backup copy

    def _start(self) -> None:
        import multiprocessing

        try:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        except (OSError, ValueError, ImportError):   # no processes here: read in this process
            self.pool, self.workers = None, 0

    def _fill(self) -> None:
        while self.pool is not None and self.next < len(self.paths) and len(self.pending) < self.workers + 2:
            i = self.next
            try:
                self.pending.append((i, self.pool.submit(self.read, str(self.paths[i]),
                                                         _held(self.password, self.paths[i]))))
            except (BrokenProcessPool, RuntimeError):
                return
            self.next += 1

    def get(self, i: int):
        if self.pool is None and not self.pending:
            return None
        self._fill()
        while self.pending and self.pending[0][0] < i:   # skipped by the caller: dropped
            self.pending.popleft()[1].cancel()
        if not self.pending or self.pending[0][0] != i:
            return None
        future = self.pending.popleft()[1]
        try:
            outcome = future.result()
        except BrokenProcessPool:
            outcome = self._alone(i)
        except Exception:  # noqa: BLE001 - a result that could not come back: a refusal
            outcome = (None, None, False)
        self._fill()
        return self._taken(i, outcome)

    def _alone(self, i: int) -> tuple:
        """After the pool broke: workbook i read again in a process of its own (any of the workbooks in
        flight may have been the one that killed it), then a new pool for the rest."""
        self._stop()
        redo = [j for j, _ in self.pending]
        self.pending.clear()
        self.next = min([i + 1] + redo)
        import multiprocessing

        try:
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as one:
                outcome = one.submit(self.read, str(self.paths[i]), _held(self.password, self.paths[i])).result()
        except BrokenProcessPool:
            outcome = (_died(self.paths[i]), None, False)
        except Exception:  # noqa: BLE001
            outcome = (None, None, False)
        self._start()
        return outcome

    def _taken(self, i: int, outcome: tuple):
        data, used, missed = outcome
        path = self.paths[i]
        if data is None:   # an exception in the worker: its text is not shown (it may quote a password)
            return _refused(path, "it is damaged or not a workbook")
        from fileexam.passwords import Passwords

        if isinstance(self.password, Passwords):
            if data.problems and self.password.interactive and data.encrypted is False and _encrypted(path):
                return None   # read again here, where its password can be asked for
            if used is not None:
                self.password.worked(path, _held(self.password, path)[used])
            if missed:
                self.password.missed.append(path)
        return data

    def _stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None

    def close(self) -> None:
        for _, f in self.pending:
            f.cancel()
        self.pending.clear()
        self._stop()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _encrypted(path: Path) -> bool:
    from fileexam.formats.workbook_guard import is_encrypted

    try:
        return is_encrypted(path)
    except Exception:  # noqa: BLE001
        return False
