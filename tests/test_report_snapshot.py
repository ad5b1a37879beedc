"""The report reads one moment of the file (store/read_snapshot.py), and its pass over the answers, split
across two threads on a second connection at that same moment, gives every figure as the one-thread pass."""

from __future__ import annotations

import threading

import pytest

import reference_report
from conftest import AREA_TEMPLATE
from fileexam.services import report as live
from fileexam.store import read_snapshot
from fileexam.store.sqlite import sqlite3  # the store's driver (SQLCipher's when installed): its errors
from test_report_identity import compare_reports, custom_template, generate


def _other_writer(f):
    conn = sqlite3.connect(f.path, isolation_level=None, timeout=5)
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def test_snapshot__reads_inside_see_one_moment__a_commit_meanwhile_is_seen_after(tmp_path):
    f = generate(tmp_path, AREA_TEMPLATE, 40, 1)
    other = _other_writer(f)
    before = f.conn.execute("SELECT count(*) FROM markings WHERE status='complete'").fetchone()[0]
    with f.snapshot(twin=True):
        twin = f.twin
        assert twin is not None  # nothing was committed between the two starts: the twin is the same moment
        other.execute("UPDATE markings SET status='in progress'")  # committed by another program meanwhile
        assert f.conn.execute("SELECT count(*) FROM markings WHERE status='complete'").fetchone()[0] == before
        assert twin.execute("SELECT count(*) FROM markings WHERE status='complete'").fetchone()[0] == before
    assert f.twin is None and not f.conn.in_transaction
    with pytest.raises(sqlite3.ProgrammingError):
        twin.execute("SELECT 1")  # closed with the snapshot
    assert f.conn.execute("SELECT count(*) FROM markings WHERE status='complete'").fetchone()[0] == 0
    other.close()
    f.close()


def test_snapshot__a_commit_between_the_two_starts__no_twin(tmp_path, monkeypatch):
    """The twin's proof: when another program commits after the twin first read the file's data version and
    before its own transaction starts, the two could see different moments: there is no twin then."""
    f = generate(tmp_path, AREA_TEMPLATE, 40, 1)
    other = _other_writer(f)
    real = read_snapshot.begin_read

    def commit_first(conn):
        if conn is f.conn:  # the main connection's start: a commit lands just before it
            other.execute("UPDATE markings SET status='in progress'")
        real(conn)
    monkeypatch.setattr(read_snapshot, "begin_read", commit_first)
    with f.snapshot(twin=True):
        assert f.twin is None
        assert f.conn.execute("SELECT count(*) FROM markings WHERE status='complete'").fetchone()[0] == 0
    other.close()
    f.close()


def test_snapshot__nested_or_inside_a_write__changes_nothing__an_error_ends_it(tmp_path):
    f = generate(tmp_path, AREA_TEMPLATE, 20, 1)
    with f.snapshot(twin=True):
        outer = f.twin
        with f.snapshot(twin=True):
            assert f.twin is outer and f.conn.in_transaction
        assert f.conn.in_transaction  # the inner one did not end the outer
    with f.atomic():
        with f.snapshot(twin=True):
            assert f.twin is None  # inside a write: no second connection could see what is not committed
        f.conn.execute("UPDATE markings SET status='in progress' WHERE rowid=1")
    assert f.conn.execute("SELECT status FROM markings WHERE rowid=1").fetchone()[0] == "in progress"
    with pytest.raises(ZeroDivisionError):
        with f.snapshot():
            1 / 0
    assert not f.conn.in_transaction
    f.close()


@pytest.mark.parametrize("split_at", [1, 10**9])
def test_report__a_commit_while_it_reads__figures_of_the_moment_it_began(tmp_path, monkeypatch, split_at):
    """Another program changes answers of every marker and settles a decision after the report has chosen
    the markings that count and before it reads the answers: every figure is still the file's as it was
    when the report began, read in one thread or in two."""
    f = generate(tmp_path, AREA_TEMPLATE, 300, 2)
    monkeypatch.setattr(live, "_SPLIT_AT", split_at)
    expected = live.build_report(f)
    other = _other_writer(f)
    real = live._read_markings
    ref = next(r for r in expected.counted if r not in expected.agreed)

    def change_first(inspection, *args):
        other.execute("UPDATE answers SET value = CASE value WHEN 'fully' THEN 'not' ELSE 'fully' END "
                      "WHERE value IN ('fully', 'not')")
        other.execute("INSERT INTO moderation_decisions VALUES (?, 'PC01', 'not', 'agreed', 'M', '2026-03-01')", [ref])
        return real(inspection, *args)
    monkeypatch.setattr(live, "_read_markings", change_first)
    during = live.build_report(f)
    compare_reports(during, expected)
    monkeypatch.setattr(live, "_read_markings", real)
    after = live.build_report(f)  # once committed, a report made again has it
    assert after.figures != expected.figures and ref in after.agreed
    other.close()
    f.close()


@pytest.mark.parametrize("template, n, seed", [("area", 600, 2), ("custom", 900, 5)])
def test_pass_in_two_threads__every_figure_as_before(tmp_path, monkeypatch, template, n, seed):
    path = AREA_TEMPLATE if template == "area" else custom_template(tmp_path)
    f = generate(tmp_path, path, n, seed)
    cuts = []
    real = live._OtherHalf.__init__
    monkeypatch.setattr(live._OtherHalf, "__init__", lambda self, twin, book, cut: (cuts.append(cut), real(self, twin, book, cut))[1])
    monkeypatch.setattr(live, "_SPLIT_AT", 1)
    new = live.build_report(f)
    assert len(cuts) == 1, "the pass was not split"
    below = sum(m < cuts[0] for m in new.counted.values())
    assert 0 < below < len(new.counted)  # both halves held counted cases
    compare_reports(new, reference_report.build_report(f))
    f.close()


def test_pass_in_two_threads__an_encrypted_file__its_twin_keyed__as_before(tmp_path, monkeypatch):
    from fileexam.store.sqlite import new_key
    f = generate(tmp_path, AREA_TEMPLATE, 600, 2, key=new_key("correct horse battery staple"))
    monkeypatch.setattr(live, "_SPLIT_AT", 1)
    with f.snapshot(twin=True):
        assert f.twin is not None  # keyed with the file's key, and at the same moment
        assert f.twin.execute("SELECT count(*) FROM answers").fetchone() == f.conn.execute(
            "SELECT count(*) FROM answers").fetchone()
    cuts = []
    real = live._OtherHalf.begin
    monkeypatch.setattr(live._OtherHalf, "begin", lambda self: (cuts.append(self.cut), real(self))[1])
    compare_reports(live.build_report(f), reference_report.build_report(f))
    assert cuts
    f.close()


def test_pass_in_two_threads__question_ids_with_a_comma_and_wide_codes__as_before(tmp_path, monkeypatch):
    f = generate(tmp_path, custom_template(tmp_path), 300, 6)
    monkeypatch.setattr(live, "_NARROW", 0)
    monkeypatch.setattr(live, "_SPLIT_AT", 1)
    with f.atomic():  # read row by row on the main connection, for markings of both halves
        f.conn.execute("UPDATE answers SET question_id='K,11' WHERE unicode(substr(case_ref, -1)) % 7 = 0"
                       " AND question_id='K07'")
    compare_reports(live.build_report(f), reference_report.build_report(f))
    f.close()


def test_cut__about_the_share__none_when_one_side_is_empty():
    assert live._cut([("I1", 4), ("I2", 3), ("I3", 3)], 0.4) == "I2"
    assert live._cut([("I1", 1), ("I2", 1), ("I3", 1), ("I4", 7)], 0.4) == "I4"  # 3 of 10 is the nearest
    assert live._cut([("I1", 9), ("I2", 1)], 0.4) == "I2"  # most by one: cut after it
    assert live._cut([("I1", 10)], 0.4) is None
    assert live._cut([], 0.4) is None


def _threads():
    return [t for t in threading.enumerate() if t.name == "report pass"]


def test_pass_in_two_threads__the_worker_fails__the_report_fails(tmp_path, monkeypatch):
    """A twin that cannot read the answers (here: a connection to another file) fails the report with its
    error; no figures from half of the answers, no thread left behind, no transaction left open."""
    f = generate(tmp_path, AREA_TEMPLATE, 200, 3)
    empty = tmp_path / "empty.db"
    made = sqlite3.connect(empty)
    made.execute("PRAGMA journal_mode=WAL")  # a twin is made only in WAL mode
    made.close()
    monkeypatch.setattr(read_snapshot, "connect_read_only",
                        lambda path, key=None, check_same_thread=True: sqlite3.connect(
                            empty, check_same_thread=check_same_thread, isolation_level=None))
    monkeypatch.setattr(live, "_SPLIT_AT", 1)
    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        live.build_report(f)
    assert not _threads() and not f.conn.in_transaction
    f.close()


def test_pass_in_two_threads__the_main_half_fails__the_worker_is_stopped(tmp_path, monkeypatch):
    f = generate(tmp_path, AREA_TEMPLATE, 200, 3)
    monkeypatch.setattr(live, "_SPLIT_AT", 1)

    def broken(self, text):
        raise RuntimeError("decoding failed")
    monkeypatch.setattr(live._Codebook, "decode", broken)
    with pytest.raises(RuntimeError, match="decoding failed"):
        live.build_report(f)
    assert not _threads() and not f.conn.in_transaction
    f.close()


def test_snapshot__a_file_in_a_rollback_journal__no_twin__the_report_as_before(tmp_path):
    """Only a WAL file gets a twin: in a rollback journal the main read's lock could make the twin's start wait
    on a writer waiting on it. (Every inspection file is WAL; a read-only open leaves a file's journal as it is.)"""
    f = generate(tmp_path, AREA_TEMPLATE, 300, 2)
    f.close()
    conn = sqlite3.connect(tmp_path / "gen.fileexam", isolation_level=None)
    assert conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    conn.close()
    from fileexam.store.inspection_file import InspectionFile
    with InspectionFile.open(tmp_path / "gen.fileexam", read_only=True) as ro:
        with ro.snapshot(twin=True):
            assert ro.twin is None and ro.conn.in_transaction
        compare_reports(live.build_report(ro), reference_report.build_report(ro))


def test_snapshot__the_twin_cannot_start__the_report_goes_on_without_it(tmp_path, monkeypatch):
    f = generate(tmp_path, AREA_TEMPLATE, 300, 2)
    real = read_snapshot.begin_read

    def busy_twin(conn):
        if conn is not f.conn:
            raise sqlite3.OperationalError("database is locked")
        real(conn)
    monkeypatch.setattr(read_snapshot, "begin_read", busy_twin)
    monkeypatch.setattr(live, "_SPLIT_AT", 1)
    with f.snapshot(twin=True):
        assert f.twin is None and f.conn.in_transaction
    compare_reports(live.build_report(f), reference_report.build_report(f))
    f.close()


def _half(f, monkeypatch):
    monkeypatch.setattr(live, "_SPLIT_AT", 1)
    return live._OtherHalf.chosen(f, live._Codebook(f.template))


def test_other_half__stopped_before_its_statement_began__reads_nothing(tmp_path, monkeypatch):
    """SQLite drops an interrupt sent before a statement runs: the worker looks at its own flag too."""
    f = generate(tmp_path, AREA_TEMPLATE, 300, 2)
    with f.snapshot(twin=True):
        half = _half(f, monkeypatch)
        assert half is not None
        half.stopping.set()
        half.begin()
        half.stop()
        assert not half.thread.is_alive() and half.rows == [] and not half.failed
    f.close()


def test_other_half__ctrl_c_while_waiting__still_waits_then_raises_it(tmp_path, monkeypatch):
    """The twin is closed after stop(): a Ctrl-C during the wait must not let that happen under a running worker."""
    f = generate(tmp_path, AREA_TEMPLATE, 300, 2)
    with f.snapshot(twin=True):
        half = _half(f, monkeypatch)
        release = threading.Event()
        real_read = half._read
        half._read = lambda *a: (release.wait(5), real_read(*a))
        half.thread = threading.Thread(target=half._read, args=half.thread._args, name="report pass", daemon=True)
        half.begin()
        joins = []
        real_join = half.thread.join

        def join(timeout=None):
            joins.append(timeout)
            if len(joins) == 1:
                raise KeyboardInterrupt
            release.set()
            real_join(timeout)
        half.thread.join = join
        with pytest.raises(KeyboardInterrupt):
            half.stop()
        assert not half.thread.is_alive() and len(joins) >= 2
    f.close()


def test_cases__each_case_its_own_fields__nested_values_too(tmp_path):
    f = generate(tmp_path, AREA_TEMPLATE, 5, 1)
    with f.atomic():
        f.conn.execute("""UPDATE cases SET fields = '{"area": "North", "flags": ["a"], "extra": {"x": [1]}}'""")
        f.conn.execute("""UPDATE cases SET fields = '{"area": "North", "flags": ["a"]}' WHERE rowid > 2""")
    cases = f.cases()
    cases[0].fields["extra"]["x"].append(2)
    cases[0].fields["flags"].append("b")
    cases[2].fields["flags"].append("c")
    assert cases[1].fields == {"area": "North", "flags": ["a"], "extra": {"x": [1]}}
    assert [c.fields["flags"] for c in cases[2:]] == [["a", "c"], ["a"], ["a"]]
    f.close()
