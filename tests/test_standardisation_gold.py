"""Issue 17 (second half): standardisation before live marking, gold cases and agreement targets."""

from __future__ import annotations

import json
import zipfile

import jsonschema
import pytest
import yaml
from openpyxl import load_workbook

from conftest import ROOT
from fileexam.cli import main
from fileexam.domain.agreement import Undefined
from fileexam.domain.standardisation import (NOT_PASSED, NOT_TAKEN, PASSED, PassRule, Tally, compare_answer, judge)
from fileexam.formats.definitions import load_file
from fileexam.services.agreement_targets import BELOW, MET, UNDEFINED, target_report
from fileexam.services.export import export_workbook
from fileexam.services.gold_cases import gold_results, remove_gold, seed_gold
from fileexam.services.merge import master_coverage, merge_workbooks
from fileexam.services.moderation import (agreement_report, alpha_all_markers, calibration_results, marker_profiles,
                                          write_blind_samples)
from fileexam.services.report import build_report
from fileexam.services.sample import import_sample
from fileexam.services.standardisation import coverage_lines, standardisation_results
from fileexam.store.errors import StoreError
from fileexam.store.inspection_file import InspectionFile
from moderation_helpers import moderated_template

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))


@pytest.fixture
def template(tmp_path):
    return moderated_template(tmp_path)


@pytest.fixture
def master(tmp_path, template):
    f = InspectionFile.create(tmp_path / "master.fileexam", template, "Area inspection 2026", "TL")
    assert import_sample(f, ROOT / "exports/examples/area-sample.xlsx", "TL").imported
    assert not merge_workbooks(f, EXAMPLES, "TL").refused
    yield f
    f.close()


def complete_cases(f, inspector):
    return [c for c in f.cases() if c.inspector == inspector and f.status(c.reference, inspector).value == "complete"]


def copy_marking(f, ref, source, marker, change=None):
    """`marker` marks case `ref` as `source` did, with `change` (question -> value) laid over, and completes it."""
    for qid, a in f.answers(ref, source).items():
        f.set_answer(ref, qid, marker, (change or {}).get(qid, a.value))
    assert f.mark_complete(ref, marker).missing == []


# ---- the template setting ------------------------------------------------------------------------------------
def test_template__moderation_block__loaded_and_accepted_by_the_schema(template):
    loaded = load_file(template)
    assert loaded.ok and not loaded.problems, [p.format() for p in loaded.problems]
    m = loaded.definition.moderation
    assert m.standardisation.rule == PassRule(0.8, 0.95) and m.standardisation.cases == ()
    assert m.targets.agreement == 0.8 and m.targets.kappa == 0.6 and m.targets.lowest == 3
    schema = json.loads((ROOT / "question_sets/schema/inspection-template.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(template.read_text()), schema)
    # without the block the template's fingerprint is as before: files made before issue 17 stay comparable
    plain = load_file(ROOT / "question_sets/area-inspection.yaml").definition
    assert plain.moderation is None and plain.fingerprint != loaded.definition.fingerprint


@pytest.mark.parametrize("block, code, line", [
    ("  standardisation:\n    cases: [A1, B2, A1]\n    pass: {exact: 80%}\n", "duplicate-standardisation-case", 3),
    ("  standardisation:\n    pass: {exact: 90%, within_one: 50%}\n", "within-one-below-exact", 3),
    ("  standardisation:\n    pass: {exact: 180%}\n", "bad-share", 3),
    ("  standardisation:\n    pass: {within_one: 90%}\n", "missing-key", 3),
    ("  standardisation:\n    cases: [A1]\n", "missing-key", 3),
    ("  targets: {lowest: 4}\n", "targets-empty", 2),
    ("  targets: {kappa: 1.5}\n", "number-out-of-range", 2),
    ("  targets: {agreement: 0.8, lowest: 0}\n", "number-out-of-range", 2),
    ("  targetz: {agreement: 0.8}\n", "unknown-key", 2),
])
def test_template__bad_moderation_block__code_and_line(tmp_path, block, code, line):
    path = moderated_template(tmp_path, "\nmoderation:\n" + block)
    base = len((ROOT / "question_sets/area-inspection.yaml").read_text().splitlines()) + 2  # the line of 'moderation:'
    loaded = load_file(path)
    found = [(p.code, p.line - base + 1) for p in loaded.problems]
    assert (code, line) in found, [p.format() for p in loaded.problems]
    schema = json.loads((ROOT / "question_sets/schema/inspection-template.schema.json").read_text())
    if code != "within-one-below-exact":  # a warning: the schema cannot say it
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(yaml.safe_load(path.read_text()), schema)


# ---- the pass rule: a worked example, by hand ----------------------------------------------------------------
def test_pass_rule__worked_example_by_hand(master):
    """20 answers to questions on fully / partially / not met / not applicable (an ordered scale):
    16 equal to the reference, 3 one step away, 1 two steps away.
    exact = 16/20 = 80% (rule: at least 80%) and within one = 19/20 = 95% (rule: at least 95%): passed.
    One of the 16 equal turned into 'not applicable' against a scored reference: exact 15/20 = 75%: not passed,
    and within one 18/20 = 90% (not applicable is never within one point of a scored answer)."""
    q = master.template.question_by_id["DI01"]
    assert [o.value for o in q.answer.scale.options] == ["fully", "partially", "not_met", "na"]
    pairs = [("fully", "fully")] * 10 + [("partially", "partially")] * 4 + [("na", "na")] * 2 \
        + [("fully", "partially"), ("not_met", "partially"), ("partially", "fully")] + [("fully", "not_met")]
    tally = Tally()
    for mine, ref in pairs:
        tally.add(*compare_answer(q, mine, ref))
    assert (tally.compared, tally.exact, tally.within_one) == (20, 16, 19)
    assert judge(PassRule(0.80, 0.95), tally) == PASSED
    assert judge(PassRule(0.85, 0.95), tally) == NOT_PASSED      # 16/20 < 85%
    assert judge(PassRule(0.80, 0.96), tally) == NOT_PASSED      # 19/20 < 96%
    pairs[0] = ("na", "fully")
    tally = Tally()
    for mine, ref in pairs:
        tally.add(*compare_answer(q, mine, ref))
    assert (tally.exact, tally.within_one) == (15, 18)
    assert judge(PassRule(0.80, 0.95), tally) == NOT_PASSED
    # a yes / no question is not ordered: only an equal answer is within one point
    yn = next(q for q in master.template.questions if q.answer.scale and q.answer.scale.id == "yes_no")
    assert compare_answer(yn, "yes", "no") == (False, False)
    assert judge(PassRule(0.8), Tally()) == NOT_TAKEN
    assert isinstance(Tally().exact_share, Undefined)


def test_standardisation__each_inspector_per_question_and_overall(master):
    ref = complete_cases(master, "A. Khan")[0].reference
    master.set_calibration(ref, "A. Khan", "Moderator")
    reference = {q: a.value for q, a in master.answers(ref, "A. Khan").items()}
    scale_qs = [q for q in reference if master.template.question_by_id[q].answer.scale is not None
                and master.template.question_by_id[q].answer.scale.option(reference[q] or "") is not None]
    n = len(scale_qs)
    ordered = [q for q in scale_qs if master.template.question_by_id[q].answer.scale.id == "fully_partially_not"
               and reference[q] in ("fully", "not_met")]
    one_step = ordered[0]  # fully -> partially, or not met -> partially: one step
    copy_marking(master, ref, "A. Khan", "B. Evans", {one_step: "partially"})
    copy_marking(master, ref, "A. Khan", "C. Murphy")
    results = {r.marker: r for r in standardisation_results(master)}
    evans = results["B. Evans"]
    assert (evans.total.compared, evans.total.exact, evans.total.within_one) == (n, n - 1, n)
    # by hand: (n - 1) / n against 80%, and n / n against 95%
    assert evans.status == (PASSED if (n - 1) / n >= 0.8 else NOT_PASSED) == PASSED
    assert evans.by_question[one_step].exact == 0 and evans.by_question[one_step].within_one == 1
    assert evans.differences == [(ref, one_step, "partially", reference[one_step])]
    assert results["C. Murphy"].status == PASSED and results["C. Murphy"].exact_share == 1
    assert results["A. Khan"].status == "reference marker"
    assert results["D. Okafor"].status == NOT_TAKEN and results["D. Okafor"].cases_done == []
    lines = coverage_lines(master)
    assert any("D. Okafor" in line and "not yet taken: 0 of 1" in line for line in lines)
    assert not any("B. Evans" in line for line in lines)


def test_standardisation__flagged_in_status_and_merge_output(master, tmp_path, capsys):
    ref = complete_cases(master, "A. Khan")[0].reference
    master.set_calibration(ref, "A. Khan", "Moderator")
    path = master.path
    master.close()
    assert main(["status", str(path)]) == 0
    out = capsys.readouterr().out
    assert "have NOT passed" in out and "⚑ B. Evans: not yet taken: 0 of 1" in out
    assert main(["merge", str(path), str(EXAMPLES[0]), "--as", "TL"]) == 0
    assert "⚑ D. Okafor: not yet taken" in capsys.readouterr().out


# ---- gold cases ------------------------------------------------------------------------------------------------
def agreed_double_marked(master, inspector="A. Khan", second="B. Evans", index=0):
    """A case of `inspector` marked the same way by `second`: double-marked and agreed (nothing to settle)."""
    case = complete_cases(master, inspector)[index]
    master.allocate_double([(case.reference, second)], "TL")
    copy_marking(master, case.reference, inspector, second)
    return case.reference


def inspector_marks_blind_sample(master, tmp_path, template, marker, values=("not_met",)):
    """The inspector imports the blind sample written for them, marks every case and exports; returns
    (the sample, their file's path, the exchange workbook)."""
    [sample] = write_blind_samples(master, tmp_path / "blind", {marker})
    f = InspectionFile.create(tmp_path / f"{marker}.fileexam", template, "Area inspection 2026", marker)
    assert import_sample(f, sample, marker).imported
    for c in f.cases():
        for q in f.template.questions:
            if q.answer.scale is not None and f.applies(c.reference, marker, q.id)[0]:
                options = [o.value for o in q.answer.scale.options]
                f.set_answer(c.reference, q.id, marker, next((v for v in values if v in options), options[0]))
        assert f.mark_complete(c.reference, marker).missing == []
    out = tmp_path / f"{marker}.xlsx"
    export_workbook(f, out, marker)
    path = f.path
    f.close()
    return sample, path, out


def all_text(path) -> str:
    """Every byte of text in an .xlsx (every part of the zip)."""
    with zipfile.ZipFile(path) as z:
        return " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_gold__blind_in_the_inspectors_files(master, tmp_path, template):
    gold = agreed_double_marked(master)
    second = next(c.reference for c in complete_cases(master, "B. Evans"))
    master.allocate_double([(second, "C. Murphy")], "TL")  # an ordinary second marking for C. Murphy
    seed_gold(master, gold, "C. Murphy", "Moderator")
    sample, file_path, workbook = inspector_marks_blind_sample(master, tmp_path, template, "C. Murphy")
    # the sample: the same workbook a second marking gets, the gold row shaped as the other
    assert sample.name == "second-marking-c-murphy.xlsx"
    wb = load_workbook(sample)
    rows = {r[0]: r for r in wb["Sample"].iter_rows(min_row=2, values_only=True)}
    assert set(rows) == {gold, second}
    assert [v is None for v in rows[gold]] == [v is None for v in rows[second]]
    assert rows[gold][-1] == rows[second][-1] == "C. Murphy"
    assert [c.value for c in wb["Sample"][1]] == [c.value for c in load_workbook(sample)["Sample"][1]]
    for path in (sample, workbook):
        assert "gold" not in all_text(path).lower()
    # the inspector's file: no table, column, flag or text tells the gold case apart
    with InspectionFile.open(file_path) as f:
        # every file has the (empty) gold_cases table and its migration's name: neither names a case
        assert f.conn.execute("SELECT count(*) FROM gold_cases").fetchone()[0] == 0
        tables = [r[0] for r in f.conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if r[0] not in ("definitions", "_sqlite_migrations")]
        dump = " ".join(str(v) for t in tables for row in f.conn.execute(f"SELECT * FROM \"{t}\"") for v in row)
        assert "gold" not in dump.lower() and gold in dump
        cases = {c.reference: c for c in f.cases()}
        assert cases[gold].inspector == cases[second].inspector == "C. Murphy"
        sources = dict(f.conn.execute("SELECT reference, source FROM cases"))
        assert sources[gold] == sources[second]
        audit = {r["case_ref"]: r["action"] for r in f.audit() if r["case_ref"] in (gold, second)}
        assert audit[gold] == audit[second]


def test_gold__never_in_the_report_coverage_or_agreement_and_compared_per_inspector(master, tmp_path, template):
    gold = agreed_double_marked(master)
    before = build_report(master, with_intervals=False)
    cov_before = {c.reference: (c.complete_by, c.in_progress_by) for c in master_coverage(master).cases}
    alpha_before = alpha_all_markers(master)
    profiles_before = [(p.marker, p.answers, p.best_share, p.settled) for p in marker_profiles(master)]
    pairs_before = [(p.case, p.question, p.value1, p.value2) for p in agreement_report(master, False).pairs]
    seed_gold(master, gold, "C. Murphy", "Moderator")
    _sample, _file, workbook = inspector_marks_blind_sample(master, tmp_path, template, "C. Murphy")
    merged = merge_workbooks(master, [workbook], "TL")
    assert not merged.refused and merged.workbooks[0].conflicts == []  # a gold marking is expected: no conflict
    assert master.status(gold, "C. Murphy").value == "complete"
    # the report: the same cases, figures, and no case waiting for moderation because of the gold marking
    after = build_report(master, with_intervals=False)
    assert after.counted == before.counted and gold not in after.unmoderated
    assert {k: (v.achieved, v.available) for k, v in after.figures.items()} == \
        {k: (v.achieved, v.available) for k, v in before.figures.items()}
    # the coverage: not complete twice, nobody's count changed
    cov = master_coverage(master)
    assert {c.reference: (c.complete_by, c.in_progress_by) for c in cov.cases} == cov_before
    assert next(c for c in cov.cases if c.reference == gold).complete_by == ["A. Khan", "B. Evans"]
    # agreement: the same pairs, alpha over all markers and profiles
    assert [(p.case, p.question, p.value1, p.value2) for p in agreement_report(master, False).pairs] == pairs_before
    assert alpha_all_markers(master) == alpha_before
    assert [(p.marker, p.answers, p.best_share, p.settled) for p in marker_profiles(master)] == profiles_before
    # the gold result: C. Murphy answered 'not met' (or the first option) everywhere
    [r] = gold_results(master)
    agreed = {q: a.value for q, a in master.answers(gold, "A. Khan").items()}
    mine = {q: a.value for q, a in master.answers(gold, "C. Murphy").items()}
    compared = [q for q in agreed if q in mine and master.template.question_by_id[q].answer.scale is not None
                and agreed[q] is not None and mine[q] is not None]
    assert r.marker == "C. Murphy" and r.back == 1
    assert r.total.compared == len(compared)
    assert r.total.exact == sum(agreed[q] == mine[q] for q in compared)
    assert {d[0] for d in r.cases[0].differences} == {q for q in compared if agreed[q] != mine[q]}
    # audited, and no longer removable once merged
    assert [a["action"] for a in master.audit(gold) if a["marker"] == "C. Murphy"][0] == "gold case"
    with pytest.raises(StoreError, match="merged already"):
        remove_gold(master, gold, "C. Murphy", "Moderator", "wrong inspector")


def test_gold__preconditions_refused_with_their_reason(master):
    a_case = complete_cases(master, "A. Khan")[1].reference
    with pytest.raises(StoreError, match="no agreed answers"):
        seed_gold(master, a_case, "C. Murphy", "Moderator")
    master.allocate_double([(a_case, "B. Evans")], "TL")
    with pytest.raises(StoreError, match="not back complete"):
        seed_gold(master, a_case, "C. Murphy", "Moderator")
    q = next(q for q, a in master.answers(a_case, "A. Khan").items() if a.value == "fully")
    copy_marking(master, a_case, "A. Khan", "B. Evans", {q: "not_met"})
    with pytest.raises(StoreError, match=f"disagreements on {q} are not settled"):
        seed_gold(master, a_case, "C. Murphy", "Moderator")
    master.settle(a_case, q, "partially", "the schedule was partly endorsed", "Moderator")
    with pytest.raises(StoreError, match="marked case .* already"):
        seed_gold(master, a_case, "B. Evans", "Moderator")
    seed_gold(master, a_case, "C. Murphy", "Moderator")
    from fileexam.services.gold_cases import agreed_answers
    assert agreed_answers(master, a_case)[q] == "partially"  # the settled answer is the agreed one
    with pytest.raises(StoreError, match="already a gold case"):
        seed_gold(master, a_case, "C. Murphy", "Moderator")
    # a standardisation case is marked openly by everyone: never blind
    cal = complete_cases(master, "A. Khan")[2].reference
    master.set_calibration(cal, "A. Khan", "Moderator")
    with pytest.raises(StoreError, match="standardisation case"):
        seed_gold(master, cal, "D. Okafor", "Moderator")
    remove_gold(master, a_case, "C. Murphy", "Moderator", "seeded by mistake")
    assert gold_results(master) == []
    assert [a["action"] for a in master.audit(a_case)][-1] == "gold case removed"


def test_gold__cli_seed_write_and_remove(master, tmp_path, capsys):
    gold = agreed_double_marked(master)
    path = master.path
    master.close()
    assert main(["moderation", "gold", str(path), "--case", gold, "--inspector", "c. murphy", "--as", "Mod",
                 "--out-dir", str(tmp_path / "blind")]) == 0
    out = capsys.readouterr().out
    assert f"Case {gold} is a gold case for C. Murphy" in out and "second-marking-c-murphy.xlsx" in out
    assert main(["moderation", "gold", str(path), "--case", gold, "--inspector", "Nobody", "--as", "Mod"]) != 0
    assert "nobody of that name" in capsys.readouterr().err
    assert main(["moderation", "gold", str(path), "--case", gold, "--inspector", "C. Murphy", "--remove"]) != 0
    assert "--reason" in capsys.readouterr().err
    assert main(["moderation", "gold", str(path), "--case", gold, "--inspector", "C. Murphy", "--remove",
                 "--reason", "changed my mind", "--as", "Mod"]) == 0
    with InspectionFile.open(path) as f:
        assert gold_results(f) == []


# ---- agreement targets ---------------------------------------------------------------------------------------
def test_targets__below_met_and_undefined_on_a_constructed_example(master):
    """Two cases double-marked by B. Evans: on DI01 they always agree, on one question they never do.
    Agreement target 80%: DI01 meets it (100%), the other is below it (0%). Kappa on a question where
    every answer is the same is undefined (no variation): said, never below or above."""
    refs = [c.reference for c in complete_cases(master, "A. Khan")[:2]]
    first = {r: master.answers(r, "A. Khan") for r in refs}
    never = next(q for q in ("DI02", "DI03", "DI04") if all(q in first[r] and first[r][q].value in
                                                         ("fully", "partially", "not_met") for r in refs))
    flip = {"fully": "not_met", "partially": "not_met", "not_met": "fully"}
    for r in refs:
        master.allocate_double([(r, "B. Evans")], "TL")
        copy_marking(master, r, "A. Khan", "B. Evans", {never: flip[first[r][never].value]})
    tr = target_report(master.template, agreement_report(master, with_intervals=False))
    rows = {(x.kind, x.group, x.figure): x for x in tr.rows}
    assert rows[("question", never, "agreement")].status == BELOW
    assert rows[("question", never, "agreement")].value == 0
    same = [q for q in first[refs[0]] if ("question", q, "agreement") in rows
            and rows[("question", q, "agreement")].value == 1]
    assert same and all(rows[("question", q, "agreement")].status == MET for q in same)
    undefined = [x for x in tr.rows if x.figure == "kappa" and isinstance(x.value, Undefined)]
    assert undefined and all(x.status == UNDEFINED for x in undefined)
    assert all(x not in tr.below for x in undefined)
    assert rows[("marker", "B. Evans", "agreement")].status in (BELOW, MET)
    assert ("theme", "disclosure", "agreement") in rows
    assert tr.lowest[0].question == never and tr.lowest[0].guidance == master.template.question_by_id[never].guidance


def test_moderation_workbook__new_sheets_written_and_read_back(master, tmp_path, template, capsys):
    ref = complete_cases(master, "A. Khan")[0].reference
    master.set_calibration(ref, "A. Khan", "Moderator")
    copy_marking(master, ref, "A. Khan", "B. Evans")
    gold = agreed_double_marked(master, index=1)
    q = next(q for q, a in master.answers(gold, "A. Khan").items() if a.value == "fully")
    seed_gold(master, gold, "D. Okafor", "Moderator")
    copy_marking(master, gold, "A. Khan", "D. Okafor", {q: "not_met"})
    other = complete_cases(master, "C. Murphy")[0].reference  # a disagreement: a question below the targets
    master.allocate_double([(other, "B. Evans")], "TL")
    q2 = next(q for q, a in master.answers(other, "C. Murphy").items() if a.value == "fully")
    copy_marking(master, other, "C. Murphy", "B. Evans", {q2: "partially"})
    path = master.path
    master.close()
    out = tmp_path / "agreement.xlsx"
    assert main(["agreement", str(path), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Standardisation (at least 80%" in text and "Gold cases" in text and "Agreement targets" in text
    wb = load_workbook(out)
    assert wb.sheetnames[-4:] == ["Calibration", "Calibration agreement", "Gold cases", "Targets"]
    cal = list(wb["Calibration"].iter_rows(values_only=True))
    assert cal[0][:3] == ("Inspector", "Result", "Question")
    evans = next(r for r in cal if r[0] == "B. Evans" and r[2] == "all questions")
    assert evans[1] == "passed" and evans[8] == 1 and evans[10] == 1
    assert any(r[0] == "C. Murphy" and r[1] == "not yet taken" for r in cal)
    golds = list(wb["Gold cases"].iter_rows(values_only=True))
    row = next(r for r in golds if r[1] == gold)
    assert row[0] == "D. Okafor" and row[2] == "complete" and row[4] == row[3] - 1 and f"{q}: not_met against fully" in row[8]
    targets = list(wb["Targets"].iter_rows(values_only=True))
    assert targets[0][:7] == ("Kind", "Group", "Label", "Figure", "Value", "Target", "Result")
    for r in targets[1:]:
        if isinstance(r[4], str):  # an undefined figure: its words, and never below or above
            assert r[4].startswith("undefined (") and r[6] == "undefined"
        else:
            assert r[6] == ("below target" if r[4] < r[5] else "meets target")
    ranked = [r for r in targets if r[9] is not None and r[0] == "question"]
    assert ranked and all(r[10] for r in ranked)  # the guidance beside each lowest question
    with InspectionFile.open(path) as f:
        json_out = None
    assert main(["agreement", str(path), "--json"]) == 0
    json_out = json.loads(capsys.readouterr().out)
    assert {"standardisation", "gold", "targets"} <= set(json_out)
    assert next(g for g in json_out["gold"] if g["marker"] == "D. Okafor")["cases"][0]["case"] == gold


def test_standardisation__no_case_yet__nobody_has_passed(master):
    results = standardisation_results(master)
    assert results and all(r.status == NOT_TAKEN for r in results)
    assert "there is no standardisation case yet" in results[0].words()
    assert "have NOT passed" in coverage_lines(master)[0]


def test_feedback__gold_case_named_only_once_its_marking_is_back__with_its_figures(master, tmp_path, template):
    """The feedback workbook's Checks sheet: the standardisation result always; a gold case only after the
    inspector's complete marking of it is merged (before, naming it would unblind it)."""
    from fileexam.services.feedback import build_feedback, write_all

    gold = agreed_double_marked(master)
    seed_gold(master, gold, "C. Murphy", "Moderator")
    checks = build_feedback(master, "C. Murphy", "Moderator").sheets["Checks"]
    assert checks and all(row[0] == "standardisation" for row in checks)
    assert checks[0][:3] == ["standardisation", "overall", NOT_TAKEN]
    written = {w.inspector: w.path for w in write_all(master, tmp_path / "before", "Moderator")}
    text = all_text(written["C. Murphy"])
    assert "gold" not in text.lower() and gold not in text
    _sample, _file, workbook = inspector_marks_blind_sample(master, tmp_path, template, "C. Murphy")
    assert not merge_workbooks(master, [workbook], "TL").refused
    [r] = gold_results(master)
    rows = [row for row in build_feedback(master, "C. Murphy", "Moderator").sheets["Checks"] if row[0] == "gold case"]
    assert rows == [["gold case", gold,
                     f"{r.total.exact} of {r.total.compared} exactly equal ({r.total.exact / r.total.compared * 100:.1f}%)",
                     rows[0][3]]]
    for q, theirs, agreed in r.cases[0].differences:
        assert f"{q}: yours {theirs}, agreed {agreed}" in rows[0][3]
