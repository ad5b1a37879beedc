"""The moderation workbook: the double-marked sample, agreement statistics with intervals, every
disagreement with its resolution, each marker's profile; each inspector's standardisation against the reference
marking (Calibration), agreement among everyone who marked the calibration cases (Calibration agreement), the
gold cases against their agreed answers, and the agreement targets with the guidance of the lowest questions.

An undefined figure is written as text, 'undefined (reason)', never as a number; a blank cell is a
figure not computed for that kind of group (docs/METHODS.md, "Undefined figures")."""

from __future__ import annotations

from pathlib import Path

from fileexam.domain.agreement import FIGURE_LABELS, Undefined, defined

PAIR_FIGURES = ("agreement", "applicability", "kappa", "weighted_kappa", "quadratic_kappa", "ac1", "alpha_nominal",
                "alpha_ordinal", "alpha_interval")
CALIBRATION_FIGURES = ("agreement", "fleiss_kappa", "alpha_nominal", "alpha_ordinal", "alpha_interval")


def _fmt(v):
    """A number rounded; an undefined figure as its words; None (not computed) as a blank."""
    if isinstance(v, Undefined):
        return str(v)
    return round(v, 4) if defined(v) else None


def _ci(s, key) -> str:
    ci = s.intervals.get(key) if s.intervals else None
    if isinstance(ci, Undefined):
        return str(ci)
    return f"{ci[0]:.2f} to {ci[1]:.2f}" if ci else ""


def _share_ci(ci) -> str:
    return f"{ci[0] * 100:.0f}% to {ci[1] * 100:.0f}%" if ci else ""


def _diff_ci(ci) -> str:
    if isinstance(ci, Undefined):
        return str(ci)
    return f"{ci[0]:+.2f} to {ci[1]:+.2f}" if ci else ""


def _note(s) -> str:
    return f"rests on {s.cases} case(s), fewer than {s.min_cases}: read with care; no interval" if s.few else ""


def write_moderation(path: Path, t, allocation: list[tuple], report, profiles, standards=None) -> None:
    """standards: services.standardisation.StandardsSheets (None: those sheets say the template sets none)."""
    from fileexam.formats.xlsx_writing import BookWriter

    book = BookWriter(Path(path))
    try:
        sheet = book.sheet("Sample", ["Case", "First marker", "Second marker"], [18, 18, 18])
        for row in allocation:
            sheet.append(list(row))
        sheet.finish()

        headers = ["Group", "Kind", "Scale", "Pairs", "Cases", "Both scored"]
        widths = [30, 10, 24, 7, 7, 8]
        for name in PAIR_FIGURES:
            headers += [FIGURE_LABELS[name], f"{FIGURE_LABELS[name]}: 95% CI"]
            widths += [12, 16]
        headers.append("Note")
        widths.append(40)
        agreement_col = headers.index("Agreement")
        sheet = book.sheet("Statistics", headers, widths)
        groups = ([("overall", [report.overall])] if report.overall else []) + [
            ("scale", report.by_scale), ("theme", report.by_set), ("section", report.by_section),
            ("markers", report.by_markers), ("week", report.by_week), ("question", report.by_question)]

        def stats_row(kind, s):
            values = [s.group, kind, s.scale, s.n, s.cases, s.scored]
            for name in PAIR_FIGURES:
                values += [_fmt(s.figure(name)), _ci(s, name)]
            sheet.append(values + [_note(s)])

        for kind, items in groups:
            for s in items:
                stats_row(kind, s)
                if kind != "overall":  # the overall row's parts are the 'scale' rows
                    for part in s.parts:
                        stats_row(f"{kind}, one scale", part)
        last = sheet.row - 1
        sheet.finish()
        if report.by_question:
            chart = book.wb.add_chart({"type": "bar"})
            first_q = last - len(report.by_question) + 1
            chart.add_series({"name": "Agreement", "categories": ["Statistics", first_q, 0, last, 0],
                              "values": ["Statistics", first_q, agreement_col, last, agreement_col]})
            chart.set_title({"name": "Agreement by question"})
            chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
            chart.set_y_axis({"reverse": True})
            chart.set_legend({"none": True})
            chart.set_size({"width": 560, "height": max(300, 18 * len(report.by_question))})
            sheet.ws.insert_chart(1, len(headers) + 1, chart)

        sheet = book.sheet("Over time", ["Week", "Pairs", "Agreement", "Gwet's AC1"], [12, 8, 11, 40])
        for s in report.by_week:
            sheet.append([s.group, s.n, _fmt(s.agreement), _fmt(s.ac1)])
        weeks = sheet.row - 1
        sheet.finish()
        if report.by_week:
            chart = book.wb.add_chart({"type": "line"})
            chart.add_series({"name": "Agreement", "categories": ["Over time", 1, 0, weeks, 0],
                              "values": ["Over time", 1, 2, weeks, 2], "marker": {"type": "circle"}})
            chart.set_title({"name": "Agreement by week of second marking"})
            chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
            chart.set_legend({"none": True})
            sheet.ws.insert_chart(1, 5, chart)

        sheet = book.sheet("Disagreements", ["Case", "Question", "Text", "First marker", "First answer",
                                             "Second marker", "Second answer", "Agreed answer", "Reason", "Settled by",
                                             "When"], [16, 10, 50, 14, 14, 14, 14, 14, 40, 14, 22])
        for p in report.disagreements:
            d = report.decisions.get((p.case, p.question), {})
            sheet.append([p.case, p.question, t.question_by_id[p.question].text, p.first, p.value1, p.second,
                          p.value2, d.get("value") or "", d.get("reason") or "not settled", d.get("who") or "",
                          d.get("at") or ""])
        sheet.finish()

        sheet = book.sheet("Marker profiles", ["Marker", "Answers", "Top mark share", "95% CI", "Team's answers",
                                               "Team's top mark share", "Team's 95% CI",
                                               "Mean difference from agreed (points)", "95% CI ", "Settled answers",
                                               "Flags", "Not flagged (too few answers)"],
                           [16, 9, 14, 16, 10, 14, 16, 18, 16, 10, 70, 70])
        for p in profiles:
            sheet.append([p.marker, p.answers, _fmt(p.best_share), _share_ci(p.best_share_ci), p.team_answers,
                          _fmt(p.team_best_share), _share_ci(p.team_best_share_ci), _fmt(p.mean_signed_difference),
                          _diff_ci(p.difference_ci), p.settled, "; ".join(p.flags), "; ".join(p.notes)])
        n = sheet.row - 1
        sheet.finish()
        if profiles:
            chart = book.wb.add_chart({"type": "column"})
            for col, name in ((2, "Marker"), (5, "Team")):
                chart.add_series({"name": name, "categories": ["Marker profiles", 1, 0, n, 0],
                                  "values": ["Marker profiles", 1, col, n, col]})
            chart.set_title({"name": "Share of top marks: each marker against the rest of the team"})
            chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
            sheet.ws.insert_chart(n + 3, 0, chart)

        headers = ["Group", "Scale", "Markers", "Cases", "Questions every marker answered"] + [
            "Mean agreement between pairs of markers" if name == "agreement" else FIGURE_LABELS[name]
            for name in CALIBRATION_FIGURES] + ["Note"]
        _calibration_sheet(book, t, standards)
        sheet = book.sheet("Calibration agreement", headers, [34, 24, 8, 7, 10, 14, 14, 14, 14, 14, 40])
        for s in report.calibration:
            sheet.append([s.group, s.scale, s.markers, s.cases, s.n] +
                         [_fmt(s.figure(name)) for name in CALIBRATION_FIGURES] + [_note(s)])
        sheet.finish()
        _gold_sheet(book, standards)
        _targets_sheet(book, standards)
        book.close()
    except BaseException:
        book.abandon()
        raise


# ---- standardisation, gold cases, targets (issue 17; docs/METHODS.md) -----------------------------------------
TALLY_HEADERS = ["Answers compared", "Exactly equal", "Exact share", "Within one point", "Within-one share"]


def _tally(t) -> list:
    return [t.compared, t.exact, _fmt(t.exact_share), t.within_one, _fmt(t.within_share)]


def _calibration_sheet(book, t, standards) -> None:
    """Each inspector's standardisation: one 'all questions' row with the result, then a row per question."""
    sheet = book.sheet("Calibration", ["Inspector", "Result", "Question", "Question text", "Cases back complete",
                                       "Cases to mark"] + TALLY_HEADERS + ["Pass rule"],
                       [16, 14, 12, 50, 10, 10, 10, 10, 12, 10, 12, 60])
    rule = standards.rule if standards else None
    if rule is None:
        sheet.append(["", "", "", "The template sets no standardisation exercise (moderation.standardisation)."])
    for r in standards.results if standards else []:
        sheet.append([r.marker, r.status, "all questions", "", len(r.cases_done), len(r.cases_required)]
                     + _tally(r.total) + [rule.words()])
        for qid, tally in r.by_question.items():
            q = t.question_by_id.get(qid)
            sheet.append([r.marker, "", qid, q.text if q else ""] + ["", ""] + _tally(tally))
    for note in standards.notes if standards else []:
        sheet.append(["", "note", "", note])
    sheet.finish()


def _gold_sheet(book, standards) -> None:
    sheet = book.sheet("Gold cases", ["Inspector", "Case", "Status"] + TALLY_HEADERS +
                       ["Differs on (question: inspector's answer against the agreed answer)"],
                       [16, 18, 12, 10, 10, 12, 10, 12, 80])
    for g in standards.gold if standards else []:
        sheet.append([g.marker, "all gold cases", f"{g.back} of {len(g.cases)} back complete"] + _tally(g.total))
        for c in g.cases:
            sheet.append([g.marker, c.case, c.status] + _tally(c.tally)
                         + ["; ".join(f"{q}: {mine} against {agreed}" for q, mine, agreed in c.differences)])
    sheet.finish()


def _targets_sheet(book, standards) -> None:
    """Every question, theme and marker against the targets; the lowest-agreement questions ranked, with their
    guidance beside them. An undefined figure's result is 'undefined', never below or above."""
    tr = standards.targets if standards else None
    sheet = book.sheet("Targets", ["Kind", "Group", "Label", "Figure", "Value", "Target", "Result", "Pairs", "Cases",
                                   "Lowest agreement rank", "Guidance (to rewrite)", "Note"],
                       [10, 16, 40, 14, 14, 8, 14, 7, 7, 10, 80, 40], wrap=True)
    if tr is None:
        sheet.append(["", "", "The template sets no agreement target (moderation.targets)."])
        sheet.finish()
        return
    rank = {q.question: i for i, q in enumerate(tr.lowest, start=1)}
    guidance = {q.question: q.guidance for q in tr.lowest}
    for r in tr.rows:
        low = r.kind == "question" and r.group in rank
        note = ("; ".join(filter(None, [f"rests on {r.cases} case(s): read with care" if r.few else "",
                                        r.why_undefined if r.status == "undefined" else "",
                                        "kappa: read beside percentage agreement (docs/METHODS.md, Agreement "
                                        "targets)" if r.figure == "kappa" else ""])))
        sheet.append([r.kind, r.group, r.label, FIGURE_LABELS[r.figure], _fmt(r.value), r.target, r.status, r.pairs,
                      r.cases, rank[r.group] if low and r.figure == "agreement" else None,
                      guidance[r.group] if low and r.figure == "agreement" else None, note])
    sheet.finish()
