"""The moderation workbook: the double-marked sample, agreement statistics with intervals, every
disagreement with its resolution, and each marker's profile."""

from __future__ import annotations

from pathlib import Path


def _fmt(v) -> float | None:
    return None if v is None else round(v, 4)


def _ci(s, key) -> str:
    ci = s.intervals.get(key) if s.intervals else None
    return f"{ci[0]:.2f} to {ci[1]:.2f}" if ci else ""


def write_moderation(path: Path, t, allocation: list[tuple], report, profiles) -> None:
    from fileexam.formats.xlsx_writing import BookWriter

    book = BookWriter(Path(path))
    try:
        sheet = book.sheet("Sample", ["Case", "First marker", "Second marker"], [18, 18, 18])
        for row in allocation:
            sheet.append(list(row))
        sheet.finish()

        headers = ["Group", "Kind", "Pairs", "Cases", "Agreement", "95% CI", "Cohen's kappa", "95% CI ",
                   "Weighted kappa (linear)", "95% CI  ", "Gwet's AC1", "95% CI   ", "Krippendorff alpha (nominal)",
                   "Krippendorff alpha (ordinal)", "Note"]
        sheet = book.sheet("Statistics", headers, [26, 10, 7, 7, 10, 14, 12, 14, 12, 14, 10, 14, 12, 12, 30])
        groups = ([("overall", [report.overall])] if report.overall else []) + [
            ("theme", report.by_set), ("section", report.by_section), ("markers", report.by_markers),
            ("week", report.by_week), ("question", report.by_question)]
        for kind, items in groups:
            for s in items:
                sheet.append([s.group, kind, s.n, s.cases, _fmt(s.agreement), _ci(s, "agreement"), _fmt(s.kappa),
                              _ci(s, "kappa"), _fmt(s.weighted_kappa), _ci(s, "weighted_kappa"), _fmt(s.ac1),
                              _ci(s, "ac1"), _fmt(s.alpha_nominal), _fmt(s.alpha_ordinal),
                              f"rests on {s.cases} case(s): read with care" if s.few else ""])
        last = sheet.row - 1
        sheet.finish()
        if report.by_question:
            chart = book.wb.add_chart({"type": "bar"})
            first_q = last - len(report.by_question) + 1
            chart.add_series({"name": "Agreement", "categories": ["Statistics", first_q, 0, last, 0],
                              "values": ["Statistics", first_q, 4, last, 4]})
            chart.set_title({"name": "Agreement by question"})
            chart.set_x_axis({"min": 0, "max": 1, "num_format": "0%"})
            chart.set_y_axis({"reverse": True})
            chart.set_legend({"none": True})
            chart.set_size({"width": 560, "height": max(300, 18 * len(report.by_question))})
            sheet.ws.insert_chart(1, len(headers) + 1, chart)

        sheet = book.sheet("Over time", ["Week", "Pairs", "Agreement", "Gwet's AC1"], [12, 8, 11, 11])
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

        sheet = book.sheet("Marker profiles", ["Marker", "Answers", "Top mark share", "Team's share",
                                               "Mean difference from agreed (points)", "Settled answers", "Flags"],
                           [16, 9, 14, 14, 18, 10, 70])
        for p in profiles:
            sheet.append([p.marker, p.answers, _fmt(p.best_share), _fmt(p.team_best_share),
                          _fmt(p.mean_signed_difference), p.settled, "; ".join(p.flags)])
        n = sheet.row - 1
        sheet.finish()
        if profiles:
            chart = book.wb.add_chart({"type": "column"})
            for col, name in ((2, "Marker"), (3, "Team")):
                chart.add_series({"name": name, "categories": ["Marker profiles", 1, 0, n, 0],
                                  "values": ["Marker profiles", 1, col, n, col]})
            chart.set_title({"name": "Share of top marks: each marker against the rest of the team"})
            chart.set_y_axis({"min": 0, "max": 1, "num_format": "0%"})
            sheet.ws.insert_chart(n + 3, 0, chart)
        book.close()
    except BaseException:
        book.abandon()
        raise
