"""Every message says what is wrong and what to do (issue 14's list, each as the user met it)."""

from __future__ import annotations

from conftest import ROOT
from fileexam.cli import main

KHAN_CASE = "29SV025158925"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_ids_matched_without_regard_to_case__and_did_you_mean(area_file, capsys):
    path = area_file.path
    area_file.close()
    code, out, _ = run(capsys, "answer", path, KHAN_CASE.lower(), "di01", "f", "--as", "A. Khan")
    assert code == 0 and out.startswith(f"{KHAN_CASE} DI01: Fully meets the standard")
    code, _, err = run(capsys, "answer", path, KHAN_CASE[:-1], "DI01", "F", "--as", "A. Khan")
    assert code == 1 and f"did you mean '{KHAN_CASE}'" in err
    code, _, err = run(capsys, "answer", path, KHAN_CASE, "DX01", "F", "--as", "A. Khan")
    assert code == 1 and "did you mean 'DI01'" in err


def test_value_off_the_scale__lists_values_and_their_keys(area_file, capsys):
    path = area_file.path
    area_file.close()
    code, _, err = run(capsys, "answer", path, KHAN_CASE, "DI01", "sort of", "--as", "A. Khan")
    assert code == 1 and "'fully' (key F)" in err and "'na' (key A)" in err


def test_answer_to_a_question_that_does_not_apply__saved_with_a_note(area_file, capsys):
    path = area_file.path
    area_file.close()
    code, out, err = run(capsys, "answer", path, KHAN_CASE, "DI06", "F", "--as", "A. Khan")
    assert code == 0 and "DI06 does not apply" in err and "the answer to DI05 is Yes" in err


def test_several_choices__printed_as_labels_not_json(area_file, capsys):
    path = area_file.path
    area_file.close()
    code, out, _ = run(capsys, "answer", path, KHAN_CASE, "VW11", '["restraining"]', "--as", "A. Khan")
    assert code == 0 and "Restraining order" in out and "[" not in out


def test_mistyped_command__did_you_mean(capsys):
    try:
        main(["stauts", "x.fileexam"])
    except SystemExit as exc:
        assert exc.code == 2
    err = capsys.readouterr().err
    assert "'stauts' is not a command — did you mean 'status'?" in err and "choose from" not in err


def test_status_on_a_folder__says_it_is_a_folder(tmp_path, capsys):
    code, _, err = run(capsys, "status", tmp_path)
    assert code == 1 and "is a folder" in err


def test_nobody_set__asks_who_you_are_in_plain_words(area_file, capsys, monkeypatch):
    import sys
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    path = area_file.path
    area_file.close()
    code, _, err = run(capsys, "answer", path, KHAN_CASE, "DI01", "F")
    assert code == 1 and "who are you?" in err and "fileexam user" in err and "does not know" not in err


def test_export__marker_nobody_or_a_csv_name__refused_nothing_written(merged_file, tmp_path, capsys):
    path = merged_file.path
    merged_file.close()
    code, _, err = run(capsys, "export", path, tmp_path / "o.xlsx", "--marker", "Nobody")
    assert code == 1 and "nobody of that name" in err and "'A. Khan'" in err
    code, _, err = run(capsys, "export", path, tmp_path / "o.csv")
    assert code == 1 and "must end in .xlsx" in err
    assert list(tmp_path.glob("o.*")) == []
    code, out, _ = run(capsys, "export", path, tmp_path / "o.xlsx", "--marker", "a. khan")
    assert code == 0 and "by A. Khan" in out


def test_exchange_workbook_imported_as_a_sample__told_to_merge_it(area_file, capsys):
    path = area_file.path
    area_file.close()
    code, out, err = run(capsys, "sample", "import", path, ROOT / "exports/examples/work-a-khan.xlsx", "--as", "TL")
    assert code == 1 and "is an exchange workbook" in out + err and "fileexam merge" in out + err


def test_merge__refusals_first_and_again_last(area_file, tmp_path, capsys):
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a workbook")
    path = area_file.path
    area_file.close()
    code, out, err = run(capsys, "merge", path, ROOT / "exports/examples/work-a-khan.xlsx", junk, "--as", "TL")
    assert code == 1
    assert out.splitlines()[0] == "1 of 2 workbook(s) REFUSED: nothing of them was merged."
    assert out.splitlines()[1].startswith("junk.xlsx: REFUSED")
    assert "1 workbook(s) REFUSED: junk.xlsx" in err


def test_validate__question_without_text__names_the_question(tmp_path, capsys):
    (tmp_path / "q.yaml").write_text('kind: question-set\nid: demo\ntitle: Demo\nversion: "1.0"\nsections:\n'
                                     "  - id: s1\n    title: S\n    questions:\n      - id: Q1\n"
                                     "        answer: yes_no\n        guidance: g\n")
    code, out, _ = run(capsys, "validate", tmp_path / "q.yaml")
    assert code == 1 and "'text' is required in question Q1" in out


def test_purge_count__what_a_purge_would_touch(merged_file):
    merged_file.conn.execute("UPDATE markings SET updated_at='2026-01-10T10:00:00+00:00'")
    complete = {r for (r, m), st in merged_file.statuses().items() if st.value == "complete"}
    assert merged_file.purgeable("2026-02-01") == len(complete) > 0
    assert merged_file.purgeable("2026-01-01") == 0
