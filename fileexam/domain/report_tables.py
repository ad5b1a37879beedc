"""The report's tables as typed columns and rows: one place decides what each table holds, and the report
workbook, the JSON, the command line and the app's Results view all show the same rows.

Every builder takes a services.report.Report (duck-typed: the domain imports no service) and, for the
report of one Area, that Area's label: its figures then stand beside the national ones. Where a group
has no cases a table says NO_CASES in the figure's place, never a blank a chart would read as 0%.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL, Figure, group_figures
from fileexam.domain.cases import BadValue
from fileexam.domain.problems import did_you_mean
from fileexam.domain.questions import AnswerType

NO_CASES = "no cases"

# Column kinds: how a value is shown (the workbook's number formats; the JSON keeps the raw value).
TEXT, LONG_TEXT, SHARE, PP, COUNT, NUMBER, DATE = "text", "long text", "share", "pp", "count", "number", "date"
CHANGE = "change"  # a change in pp: shown to two decimals where one would round it across the threshold


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    kind: str = TEXT
    width: float = 9            # a hint, in characters
    group: str = ""             # a heading over several columns ("Wessex", "Crown Court")
    once: bool = False          # shown once for a run of equal values (a question's text over its options)


@dataclass
class Table:
    key: str                    # stable name: 'national', 'themes/Crown Court', 'breakdown/outcome'
    title: str                  # what the table holds, in a sentence
    note: str                   # how to read it
    columns: list[Column]
    rows: list[dict] = field(default_factory=list)   # column key -> value; '_mark': the report's own Area
    sheet: str = ""             # a short name for a sheet or tab


# ---- shared pieces ---------------------------------------------------------------------------------
def strands_of(r) -> list[str]:
    return [ALL_STRANDS] + list(r.strands)


def find_area(template, text: str) -> str:
    """The Area a user typed (its label or stored value, in any case) as reports name it: its label."""
    area_field = template.fields_by_id.get(template.reporting.area_field or "")
    if area_field is None:
        raise BadValue(f"the template {template.title} names no Area field, so there is no report by Area")
    wanted = text.strip().casefold()
    for o in area_field.values:
        if wanted in (o.label.casefold(), o.value.casefold()):
            return o.label
    labels = [o.label for o in area_field.values]
    raise BadValue(f"'{text}' is not an Area of this inspection{did_you_mean(text, labels)}")


def has_cases(r, area: str) -> bool:
    """Whether any counted case is in the Area (an Area's report of nothing is refused, as is a national one)."""
    return any(a == area for a, _s in r.case_groups.values())


def has_baseline(r) -> bool:
    return r.baseline_name is not None


def _few(r) -> int:
    return r.template.reporting.few_cases


def direction_words(f: Figure | None) -> str:
    """Travel.words, or why there is none: the figure is new since the baseline, or there are no cases."""
    if f is None or f.value is None or f.travel is None:
        return ""
    return f.travel.words or "not in the baseline"


def change_decimals(change_pp: float, threshold_pp: float) -> int:
    """1, or 2 where one decimal would show a change under the threshold as the threshold (0.96 as 1.0)."""
    return 2 if abs(change_pp) < threshold_pp <= round(abs(change_pp), 1) else 1


def figure_note(r, f: Figure | None) -> str:
    if f is None or f.value is None:
        return NO_CASES
    notes = []
    if f.few:
        notes.append(f"fewer than {_few(r)} cases")
    return "; ".join(notes)


def figure_cells(f: Figure | None, travel: bool = False) -> dict:
    """Score, interval and cases of a figure (and its baseline, change and direction when asked)."""
    if f is None or f.value is None:
        out = {"score": NO_CASES, "ci_low": None, "ci_high": None, "cases": 0}
    else:
        out = {"score": f.value, "ci_low": f.ci[0] if f.ci else None, "ci_high": f.ci[1] if f.ci else None,
               "cases": len(f.cases)}
    if travel:
        tr = f.travel if f is not None else None
        out.update(baseline=tr.baseline if tr else None, change_pp=tr.change_pp if tr else None,
                   direction=direction_words(f))
    return out


def _figure_columns(r, group: str = "") -> list[Column]:
    """[Baseline] Score 95% low 95% high Cases [Change Direction]: the same order in every table."""
    base = has_baseline(r)
    cols = [Column("baseline", "Baseline", SHARE, 9, group)] if base else []
    cols += [Column("score", "Follow-up" if base else "Score", SHARE, 9, group),
             Column("ci_low", "95% low", SHARE, 8, group), Column("ci_high", "95% high", SHARE, 8, group),
             Column("cases", "Cases", COUNT, 7, group)]
    if base:
        cols += [Column("change_pp", "Change (pp)", CHANGE, 8, group),
                 Column("direction", "Direction of travel", TEXT, 26, group)]
    return cols


def _rules(r) -> str:
    t = r.template.reporting
    text = (f"Scores are points achieved out of points available, with 95% intervals. Figures resting on "
            f"fewer than {t.few_cases} cases are marked: read them with care.")
    if has_baseline(r):
        text += (f" Direction of travel: a change under {t.direction_threshold_pp:g} pp is static; '(within the "
                 "noise)' marks a change smaller than the uncertainty of the two figures.")
    return text


def _against(r) -> str:
    return f"follow-up against the baseline ({r.baseline_name})" if has_baseline(r) else "no baseline"


def _names(names: list[str], most: int = 3) -> str:
    """A few Areas by name, more as a count (the JSON names them all)."""
    text = ", ".join(names)
    return text if len(names) <= most and len(text) <= 26 else f"{len(names)} Areas"


def _ranked_note(r, s) -> str:
    parts = []
    if s.too_few:
        parts.append(f"fewer than {s.minimum} cases: {_names(s.too_few)}")
    if s.no_cases:
        parts.append(f"no cases: {_names(s.no_cases)}")
    if s.ranked == 1:
        parts.append("only one Area ranked: no range")
    return "; ".join(parts)


def _tied(areas) -> str:
    names = [a.area for a in areas]
    if not names:
        return "none ranked"
    return ", ".join(names) + (" (tied)" if len(names) > 1 else "")


# ---- the seed's tables -----------------------------------------------------------------------------
def national_table(r, area: str | None = None) -> Table:
    """Every measure per strand nationally (and, for an Area's report, the Area's beside it)."""
    cols = [Column("measure", "Measure", LONG_TEXT, 24, once=True), Column("strand", "Strand", LONG_TEXT, 17)]
    if area:
        cols += _figure_columns(r, area) + [Column("national_score", "Score", SHARE, 9, "National"),
                                                 Column("national_cases", "Cases", COUNT, 7, "National")]
        title = f"{area}: every measure by strand, beside the national figure ({_against(r)})"
    else:
        cols += _figure_columns(r)
        title = f"National figures: every measure by strand ({_against(r)})"
    weighted = bool(getattr(r, "weighted", None)) and not area
    if weighted:
        cols += [Column("weighted", "Weighted score", SHARE, 9, "Weighted by stratum"),
                 Column("weighted_low", "95% low", SHARE, 8, "Weighted by stratum"),
                 Column("weighted_high", "95% high", SHARE, 8, "Weighted by stratum")]
    cols.append(Column("note", "Note", LONG_TEXT, 17))
    note = _rules(r) + (" " + r.weights_note if weighted else "")
    t = Table("national", title, note, cols, sheet="Summary" if area else "National")
    for m in r.measures:
        for strand in strands_of(r):
            f = r.figure(m, strand, area or NATIONAL)
            row = {"measure": r.label(m), "strand": strand, **figure_cells(f, travel=has_baseline(r)),
                   "note": figure_note(r, f)}
            if area:
                nf = figure_cells(r.figure(m, strand, NATIONAL))
                row.update(national_score=nf["score"], national_cases=nf["cases"])
            if weighted:
                w = r.weighted.get((m, strand))
                has = w is not None and w.value is not None
                row.update(weighted=w.value if has else NO_CASES, weighted_low=w.ci[0] if has and w.ci else None,
                           weighted_high=w.ci[1] if has and w.ci else None)
            t.rows.append(row)
    return t


def themes_table(r, strand: str, area: str | None = None) -> Table:
    """The casework-themes table of the annual report for one strand: baseline assessment, follow-up score,
    direction of travel, strongest and weakest Area score (Areas with at least the minimum of cases)."""
    base = has_baseline(r)
    cols = [Column("measure", "Measure", LONG_TEXT, 21)]
    if base:
        cols.append(Column("baseline", "Baseline assessment", SHARE, 11))
    cols += [Column("score", "Follow-up score" if base else "Score", SHARE, 9),
             Column("ci_low", "95% low", SHARE, 8), Column("ci_high", "95% high", SHARE, 8),
             Column("cases", "Cases", COUNT, 7)]
    if base:
        cols += [Column("change_pp", "Change (pp)", CHANGE, 8), Column("direction", "Direction of travel", LONG_TEXT, 18)]
    if area:
        cols.append(Column("national_score", "National score", SHARE, 9))
    cols += [Column("strongest_area", "Strongest Area", LONG_TEXT, 13),
             Column("strongest", "Strongest Area score", SHARE, 9),
             Column("weakest_area", "Weakest Area", LONG_TEXT, 13), Column("weakest", "Weakest Area score", SHARE, 9),
             Column("ranked", "Areas ranked", COUNT, 7)]
    title = (f"{area}: casework themes" if area else "Casework themes") + f", {strand} ({_against(r)})"
    note = (_rules(r) + f" Strongest and weakest: only Areas with at least {max(_few(r), 1)} cases are ranked "
            "(the Area range sheet gives their cases, intervals and the Areas left out).")
    t = Table(f"themes/{strand}", title, note, cols, sheet=f"Themes - {strand}")
    for m in r.measures:
        f = r.figure(m, strand, area or NATIONAL)
        s = r.spread(m, strand)
        row = {"measure": r.label(m), **figure_cells(f, travel=base)}
        if area:
            nf = r.figure(m, strand, NATIONAL)
            row["national_score"] = nf.value if nf and nf.value is not None else NO_CASES
        if s is not None:
            row.update({"strongest_area": _tied(s.strongest),
                        "strongest": s.strongest[0].value if s.strongest else None,
                        "weakest_area": _tied(s.weakest), "weakest": s.weakest[0].value if s.weakest else None,
                        "ranked": s.ranked})
        t.rows.append(row)
    return t


def area_range_table(r) -> Table:
    """Highest- and lowest-performing Area per measure and strand, with cases and intervals, the variance
    between them in pp and, with a baseline, the variance at baseline. Ties take a row each."""
    base = has_baseline(r)
    cols = [Column("measure", "Measure", LONG_TEXT, 22, once=True), Column("strand", "Strand", LONG_TEXT, 17),
            Column("position", "Position", TEXT, 8), Column("area", "Area", LONG_TEXT, 16),
            Column("score", "Score", SHARE, 8), Column("ci_low", "95% low", SHARE, 8),
            Column("ci_high", "95% high", SHARE, 8), Column("cases", "Cases", COUNT, 6),
            Column("variance_pp", "Variance (pp)", PP, 9)]
    if base:
        cols += [Column("baseline_variance_pp", "Variance at baseline (pp)", PP, 10),
                 Column("variance_change_pp", "Change in variance (pp)", PP, 9)]
    cols += [Column("ranked", "Areas ranked", COUNT, 7), Column("not_ranked", "Not ranked", LONG_TEXT, 22)]
    minimum = max(_few(r), 1)
    note = (f"Only Areas with at least {minimum} cases are ranked; every Area at the top or bottom value is "
            "named. Variance: the highest score minus the lowest, in percentage points"
            + (", now and at baseline (by the same rule)." if base else "."))
    t = Table("area_range", f"Area range: highest- and lowest-performing Area by measure and strand ({_against(r)})",
              note, cols, sheet="Area range")
    for s in r.spreads:
        head = {"measure": r.label(s.measure), "strand": s.strand}
        first = True
        ends = [("Highest", a) for a in s.strongest] + [("Lowest", a) for a in s.weakest]
        if not ends:
            ends = [("none ranked", None)]
        for position, a in ends:
            row = dict(head, position=position)
            if a is not None:
                row.update({"area": a.area, "score": a.value, "ci_low": a.ci[0] if a.ci else None,
                            "ci_high": a.ci[1] if a.ci else None, "cases": a.cases})
            if first:
                row.update({"variance_pp": s.spread_pp, "ranked": s.ranked, "not_ranked": _ranked_note(r, s)})
                if base:
                    row.update({"baseline_variance_pp": s.baseline_spread_pp,
                                "variance_change_pp": s.spread_change_pp})
                first = False
            t.rows.append(row)
    return t


def area_changes_table(r) -> Table | None:
    """With a baseline: per measure and strand, how many Areas improved, stayed static or declined."""
    if not has_baseline(r):
        return None
    cols = [Column("measure", "Measure", LONG_TEXT, 24, once=True), Column("strand", "Strand", LONG_TEXT, 18),
            Column("summary", "In words", LONG_TEXT, 52), Column("improved", "Improved", COUNT, 9),
            Column("static", "Static", COUNT, 7), Column("declined", "Declined", COUNT, 9),
            Column("within_noise", "Of those, within the noise", COUNT, 10),
            Column("not_compared", "Not compared", COUNT, 9)]
    t = Table("area_changes", f"Areas improved, static and declined since the baseline ({r.baseline_name})",
              _rules(r) + " Not compared: an Area with no figure now or at baseline.", cols, sheet="Areas improved")
    for c in r.area_changes:
        compared = len(c.improved) + len(c.static) + len(c.declined)
        words = c.sentence(compared) if compared else "no Area could be compared"
        if c.within_noise:
            words += f"; {len(c.within_noise)} of the changes are within the noise"
        if c.not_compared and compared:
            words += f"; {len(c.not_compared)} Area(s) not compared"
        t.rows.append({"measure": r.label(c.measure), "strand": c.strand, "improved": len(c.improved),
                       "static": len(c.static), "declined": len(c.declined), "within_noise": len(c.within_noise),
                       "not_compared": len(c.not_compared), "summary": words})
    return t


def by_area_table(r, strand: str, area: str | None = None) -> Table:
    """Every measure for every Area within one strand, the national figure first; the change since baseline."""
    cols = [Column("measure", "Measure", LONG_TEXT, 26, once=True), Column("area", "Area", LONG_TEXT, 22)]
    cols += _figure_columns(r) + [Column("note", "Note", LONG_TEXT, 18)]
    title = f"Every measure by Area, {strand} ({_against(r)})"
    t = Table(f"by_area/{strand}", title, _rules(r), cols, sheet=f"By Area - {strand}")
    for m in r.measures:
        for a in [NATIONAL] + list(r.areas):
            f = r.figure(m, strand, a)
            row = {"measure": r.label(m), "area": a, **figure_cells(f, travel=has_baseline(r)),
                   "note": figure_note(r, f)}
            if a in (area, NATIONAL):
                row["_mark"] = True
            t.rows.append(row)
    return t


# ---- questions by type -------------------------------------------------------------------------------
def _scale_questions(t):
    return [q for q in t.questions if q.answer.type is AnswerType.SCALE]


def questions_table(r, strand: str, area: str | None = None) -> Table:
    """Each scale question: one row per answer under its own label (count, share of the cases answered with
    an option that counts, interval), the template's combined shares, and not applicable apart."""
    t = r.template
    who = area or NATIONAL
    cols = [Column("question", "Question", TEXT, 8), Column("text", "Question text", LONG_TEXT, 40, once=True),
            Column("answer", "Answer", LONG_TEXT, 30), Column("cases", "Cases", COUNT, 7),
            Column("out_of", "Out of", COUNT, 7), Column("share", "Share", SHARE, 8),
            Column("ci_low", "95% low", SHARE, 8), Column("ci_high", "95% high", SHARE, 8)]
    if area:
        cols += [Column("national_share", "National share", SHARE, 9), Column("national_out_of", "National out of",
                                                                               COUNT, 9)]
    title = (f"{area + ': every' if area else 'Every'} scored question, {strand}: the cases giving each answer")
    note = ("Shares are of the cases where the question applies and was answered with an option that counts; "
            "'not applicable' answers are counted apart and left out of the shares. Combined shares (e.g. fully "
            "or partially) are added up from the options named.")
    table = Table(f"questions/{strand}", title, note, cols, sheet=f"Questions - {strand}")
    combined = r.template.reporting.combined_shares
    for q in _scale_questions(t):
        f = r.questions.get((q.id, strand, who))
        nat = r.questions.get((q.id, strand, NATIONAL)) if area else None
        head = {"question": q.id, "text": q.text}
        if f is None or not (f.base or f.not_counted):
            row = dict(head, answer=NO_CASES, cases=0)
            if area:
                row.update(_national_share(nat, None))
            table.rows.append(row)
            continue
        for o in q.answer.scale.options:
            if o.points is None:
                continue
            ci = f.share_ci(o.value)
            row = dict(head, answer=o.label, cases=f.counts.get(o.value, 0), out_of=f.base,
                       share=f.share(o.value), ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None)
            if area:
                row.update(_national_share(nat, (o.value,)))
            table.rows.append(row)
        for c in combined:
            if not set(c.values) <= set(f.counted_values):
                continue
            k, share, ci = f.combined(c.values)
            row = dict(head, answer=f"{c.label} (combined)", cases=k, out_of=f.base, share=share,
                       ci_low=ci[0] if ci else None, ci_high=ci[1] if ci else None)
            if area:
                row.update(_national_share(nat, c.values))
            table.rows.append(row)
        apart = [o.label for o in q.answer.scale.options if o.points is None]
        if apart:
            table.rows.append(dict(head, answer=" or ".join(apart) + " (left out of the shares)",
                                   cases=f.not_counted))
    return table


def _national_share(nat, values) -> dict:
    if nat is None or not nat.base:
        return {"national_share": NO_CASES, "national_out_of": 0}
    if values is None:
        return {"national_share": None, "national_out_of": nat.base}
    return {"national_share": nat.combined(tuple(values))[1], "national_out_of": nat.base}


def _id_width(ids) -> float:
    """Wide enough for the longest id (an id never wraps), within reason."""
    return min(max([8] + [len(i) + 1 for i in ids]), 20)


def _groups_for(r, area: str | None) -> list[tuple[str, str]]:
    """(strand, group) rows of the typed-question tables: nationally per strand; for an Area, the Area beside
    the nation per strand; for the national report also each Area across strands."""
    if area:
        return [(s, g) for s in strands_of(r) for g in (NATIONAL, area)]
    return [(s, NATIONAL) for s in strands_of(r)] + [(ALL_STRANDS, a) for a in r.areas]


def number_rows(r) -> list[tuple[str, str]]:
    """(id, text) of the number questions, then of the template's date intervals."""
    t = r.template
    return ([(q.id, q.text) for q in t.questions if q.answer.type is AnswerType.NUMBER]
            + [(i.id, i.label) for i in t.reporting.intervals])


def numbers_table(r, area: str | None = None) -> Table | None:
    items = number_rows(r)
    if not items:
        return None
    cols = [Column("question", "Question", TEXT, _id_width(i for i, _ in items)),
            Column("text", "Question or interval", LONG_TEXT, 26, once=True),
            Column("strand", "Strand", LONG_TEXT, 19), Column("area", "Area", LONG_TEXT, 22),
            Column("n", "Cases", COUNT, 7), Column("min", "Minimum", NUMBER, 8),
            Column("q1", "Lower quartile", NUMBER, 8), Column("median", "Median", NUMBER, 8),
            Column("q3", "Upper quartile", NUMBER, 8), Column("max", "Maximum", NUMBER, 8),
            Column("mean", "Mean", NUMBER, 8)]
    where = f"{area} beside the nation, by strand" if area else "nationally by strand, and each Area across strands"
    t = Table("numbers", f"Numbers and intervals between dates: {where}",
              "Among the cases where the question applies and was answered (for an interval: where both dates "
              "are recorded). Quartiles as Excel's QUARTILE.INC.", cols, sheet="Numbers")
    for qid, text in items:
        for strand, group in _groups_for(r, area):
            f = r.numbers.get((qid, strand, group))
            row = {"question": qid, "text": text, "strand": strand, "area": group}
            if f is None or not f.n:
                row.update(n=0, min=NO_CASES)
            else:
                row.update(f.summary())
            if group == area:
                row["_mark"] = True
            t.rows.append(row)
    return t


def choices_table(r, area: str | None = None) -> Table | None:
    qs = [q for q in r.template.questions if q.answer.type is AnswerType.CHOICES]
    if not qs:
        return None
    cols = [Column("question", "Question", TEXT, _id_width(q.id for q in qs)),
            Column("text", "Question text", LONG_TEXT, 24, once=True),
            Column("strand", "Strand", LONG_TEXT, 18), Column("area", "Area", LONG_TEXT, 20),
            Column("option", "Option", LONG_TEXT, 24), Column("cases", "Cases", COUNT, 7),
            Column("out_of", "Out of", COUNT, 7), Column("share", "Share", SHARE, 8),
            Column("ci_low", "95% low", SHARE, 8), Column("ci_high", "95% high", SHARE, 8)]
    where = f"{area} beside the nation" if area else "nationally"
    t = Table("choices", f"Questions with several choices: the cases ticking each option, {where}, by strand",
              "Out of: the cases where the question applies and was answered; a case may tick several options, so "
              "shares need not add up to 100%.", cols, sheet="Choices")
    groups = [(s, g) for s in strands_of(r) for g in ([NATIONAL, area] if area else [NATIONAL])]
    for q in qs:
        for strand, group in groups:
            f = r.choices.get((q.id, strand, group))
            head = {"question": q.id, "text": q.text, "strand": strand, "area": group}
            if group == area:
                head["_mark"] = True
            if f is None or not f.answered:
                t.rows.append(dict(head, option=NO_CASES, cases=0))
                continue
            for o in q.answer.options:
                ci = f.share_ci(o.value)
                t.rows.append(dict(head, option=o.label, cases=f.counts.get(o.value, 0), out_of=f.answered,
                                   share=f.share(o.value), ci_low=ci[0] if ci else None,
                                   ci_high=ci[1] if ci else None))
    return t


def _as_date(text: str):
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return str(text)


def dates_table(r, area: str | None = None) -> Table | None:
    qs = [q for q in r.template.questions if q.answer.type is AnswerType.DATE]
    if not qs:
        return None
    cols = [Column("question", "Question", TEXT, _id_width(q.id for q in qs)),
            Column("text", "Question text", LONG_TEXT, 40, once=True),
            Column("strand", "Strand", LONG_TEXT, 19), Column("area", "Area", LONG_TEXT, 22),
            Column("n", "Cases", COUNT, 7), Column("earliest", "Earliest", DATE, 12),
            Column("latest", "Latest", DATE, 12)]
    t = Table("dates", "Date questions: how many cases gave a date, and the range",
              "Among the cases where the question applies and was answered.", cols, sheet="Dates")
    for q in qs:
        for strand, group in _groups_for(r, area):
            f = r.dates.get((q.id, strand, group))
            row = {"question": q.id, "text": q.text, "strand": strand, "area": group}
            if f is None or not f.n:
                row.update(n=0, earliest=NO_CASES)
            else:
                lo, hi = f.range()
                row.update(n=f.n, earliest=_as_date(lo), latest=_as_date(hi))
            t.rows.append(row)
    return t


# ---- breakdowns --------------------------------------------------------------------------------------
def area_breakdowns(r, area: str) -> dict[str, dict[tuple[str, str, str], Figure]]:
    """The template's breakdowns within one Area (build_report makes the national ones)."""
    rows = [row for row in r.case_rows if row[1] == area]
    with_intervals = any(f.ci is not None for f in r.figures.values())
    return {name: group_figures(rows, groups, _few(r), with_intervals)
            for name, groups in getattr(r, "breakdown_groups", {}).items()}


def breakdown_table(r, name: str, area: str | None = None,
                    figures: dict[tuple[str, str, str], Figure] | None = None) -> Table:
    """Every measure by the values of one case field, the strands side by side (score, interval, cases).
    For an Area's report, `figures` are the Area's (area_breakdowns) and each strand also shows the nation."""
    f_def = r.template.fields_by_id.get(name)
    label = f_def.label if f_def else name
    national = r.breakdowns.get(name, {})
    figures = national if figures is None else figures
    groups = [o.label for o in f_def.values] if f_def else []
    seen = {g for (_, _, g) in list(figures) + list(national)}
    groups += sorted(seen - set(groups), key=lambda g: (g == "(none)", g))  # cases with no value last
    cols = [Column("measure", "Measure", LONG_TEXT, 21 if area else 24, once=True),
            Column("group", label, LONG_TEXT, 15 if area else 18)]
    for i, strand in enumerate(strands_of(r)):
        cols += [Column(f"score_{i}", "Score", SHARE, 8, strand), Column(f"ci_low_{i}", "95% low", SHARE, 8, strand),
                 Column(f"ci_high_{i}", "95% high", SHARE, 8, strand), Column(f"cases_{i}", "Cases", COUNT, 6, strand)]
        if area:
            cols.append(Column(f"national_{i}", "National", SHARE, 8, strand))
    who = f"{area}: every" if area else "Every"
    t = Table(f"breakdown/{name}", f"{who} measure by {label.lower()}, the strands side by side",
              f"Scores with 95% intervals and the cases behind each; fewer than {_few(r)} cases: read with care. "
              + ("A case with several values counts in each. " if f_def and f_def.type == "choices" else "")
              + "'(none)': cases with no value recorded.", cols, sheet=f"By {label}")
    for m in r.measures:
        for g in groups:
            row = {"measure": r.label(m), "group": g}
            for i, strand in enumerate(strands_of(r)):
                f = figures.get((m, strand, g))
                cells = figure_cells(f)
                row.update({f"score_{i}": cells["score"], f"ci_low_{i}": cells["ci_low"],
                            f"ci_high_{i}": cells["ci_high"], f"cases_{i}": cells["cases"]})
                if area:
                    nf = national.get((m, strand, g))
                    row[f"national_{i}"] = nf.value if nf and nf.value is not None else NO_CASES
            t.rows.append(row)
    return t


# ---- the sample against its design (issue 18) ----------------------------------------------------------
def sample_table(r) -> Table | None:
    """Per stratum: designed, eligible, drawn, sampling fraction, examined, excluded by reason, replaced,
    missing and the shortfall against the design."""
    acc = getattr(r, "accounting", None)
    if acc is None:
        return None
    total = acc.total()
    used = [k for k in acc.reasons if total.excluded.get(k)]
    cols = [Column("stratum", "Stratum", LONG_TEXT, 30), Column("designed", "Designed", COUNT, 8),
            Column("eligible", "Eligible", COUNT, 8), Column("drawn", "Drawn", COUNT, 7),
            Column("fraction", "Sampling fraction", SHARE, 9), Column("examined", "Examined", COUNT, 8)]
    cols += [Column(f"excluded_{k}", acc.reasons[k], COUNT, 12, "Not examinable") for k in used]  # 12: "examinable" whole
    cols += [Column("replaced", "Replaced by a reserve", COUNT, 9), Column("missing", "Missing", COUNT, 8),
             Column("short", "Short of the design", COUNT, 8), Column("note", "Note", LONG_TEXT, 24)]
    short = acc.short
    note = ("Designed: the design's quota. Drawn: cases drawn into the sample; sampling fraction: drawn / eligible. "
            "Examined: cases with a complete marking, not excluded. Drawn + replaced = examined + not examinable + "
            "missing. " + (f"The achieved sample falls short of the design in {len(short)} stratum(s): "
                           f"{sum(s.shortfall for s in short)} case(s) in all." if short else
                           "The achieved sample meets the design in every stratum.")
            + " The Sample cases sheet names the cases behind every figure.")
    t = Table("sample", "The sample against its design: every stratum", note, cols, sheet="Sample")
    for s in [x for x in acc.strata if x.designed or x.drawn or x.replaced] + [total]:
        row = {"stratum": s.label, "designed": s.designed, "eligible": s.eligible, "drawn": len(s.drawn),
               "fraction": s.fraction, "examined": len(s.examined), "replaced": len(s.replaced),
               "missing": len(s.missing), "short": s.shortfall,
               "note": (f"short by {s.shortfall}" + (f"; {s.unreplaced} exclusion(s) with no reserve left"
                                                     if s.unreplaced else "")) if s.shortfall and s.key else ""}
        for k in used:
            row[f"excluded_{k}"] = len(s.excluded.get(k, []))
        if s is total:
            row["_mark"] = True
        t.rows.append(row)
    return t


def sample_cases_table(r) -> Table | None:
    """Every sampled case: its stratum, how it came into the sample, and what became of it."""
    acc = getattr(r, "accounting", None)
    if acc is None:
        return None
    replaces = {v: k for k, v in acc.replaced_by.items()}
    cols = [Column("case", "Case", TEXT, 16), Column("stratum", "Stratum", LONG_TEXT, 30),
            Column("came", "Came into the sample", LONG_TEXT, 22), Column("state", "State", LONG_TEXT, 24),
            Column("replaced_by", "Replaced by", TEXT, 16), Column("note", "Note", LONG_TEXT, 30)]
    t = Table("sample_cases", "Sample cases: each sampled case, its stratum and what became of it",
              "Examined: counted in the figures (a calibration case is examined but never counted). Not examinable: "
              "left out of every figure, with the reason.", cols, sheet="Sample cases")
    for s in acc.strata:
        state: dict[str, str] = {}
        for ref in s.examined:
            state[ref] = "examined"
        for ref in s.in_progress:
            state[ref] = "missing: in progress"
        for ref in s.not_started:
            state[ref] = "missing: not started"
        for reason, refs in s.excluded.items():
            for ref in refs:
                state[ref] = "not examinable: " + acc.reasons.get(reason, reason)
        for ref in s.drawn + s.replaced:
            t.rows.append({"case": ref, "stratum": s.label,
                           "came": f"reserve, in place of {replaces[ref]}" if ref in replaces else "drawn",
                           "state": state.get(ref, ""), "replaced_by": acc.replaced_by.get(ref, ""),
                           "note": acc.notes.get(ref, "")})
    return t


# ---- all of them -----------------------------------------------------------------------------------
def report_tables(r, area: str | None = None) -> list[Table]:
    """Every table of the report, in the workbook's order."""
    tables = [national_table(r, area)]
    tables += [themes_table(r, s, area) for s in (r.strands or [ALL_STRANDS])]
    tables.append(area_range_table(r))
    changes = area_changes_table(r)
    if changes:
        tables.append(changes)
    tables += [by_area_table(r, s, area) for s in strands_of(r)]
    tables += [questions_table(r, s, area) for s in strands_of(r)]
    tables += [x for x in (numbers_table(r, area), choices_table(r, area), dates_table(r, area)) if x]
    local = area_breakdowns(r, area) if area else {}
    tables += [breakdown_table(r, name, area, local.get(name, {}) if area else None) for name in r.breakdowns]
    if area is None:
        tables += [x for x in (sample_table(r), sample_cases_table(r)) if x is not None]
    return tables


def summary_lines(r, area: str | None = None) -> list[str]:
    """The command line's summary: each measure across strands (the Area's, for an Area's report)."""
    t = national_table(r, area)
    rows = [row for row in t.rows if row["strand"] == ALL_STRANDS]
    width = min(max((len(row["measure"]) for row in rows), default=10), 48)
    out = []
    for row in rows:
        name = row["measure"] if len(row["measure"]) <= width else row["measure"][:width - 1] + "…"
        if row["score"] == NO_CASES:
            out.append(f"  {name:<{width}}  {NO_CASES}")
            continue
        ci = (f"95% {row['ci_low'] * 100:.1f}–{row['ci_high'] * 100:.1f}%, "
              if row.get("ci_low") is not None else "")
        line = f"  {name:<{width}}  {row['score'] * 100:5.1f}%  ({ci}{row['cases']} cases)"
        if row.get("change_pp") is not None:
            places = change_decimals(row["change_pp"], r.template.reporting.direction_threshold_pp)
            line += f"  {row['change_pp']:+.{places}f}pp {row['direction']}"
        elif row.get("direction"):
            line += f"  {row['direction']}"
        if "fewer than" in row.get("note", ""):
            line += f"  [fewer than {_few(r)} cases]"
        if isinstance(row.get("weighted"), float):
            line += f"  [weighted {row['weighted'] * 100:.1f}%]"
        out.append(line)
    return out


def table_json(t: Table) -> dict:
    """A table as JSON: typed values (dates as ISO text); NO_CASES in a figure's place becomes null with
    'no_cases': true on the row."""
    numeric = {c.key for c in t.columns if c.kind not in (TEXT, LONG_TEXT)}
    rows = []
    for row in t.rows:
        out = {}
        for c in t.columns:
            v = row.get(c.key)
            if c.key in numeric and v == NO_CASES:
                out["no_cases"] = True
                v = None
            elif isinstance(v, date):
                v = v.isoformat()
            out[c.key] = v
        if row.get("_mark"):
            out["highlighted"] = True
        rows.append(out)
    return {"key": t.key, "title": t.title, "note": t.note,
            "columns": [{"key": c.key, "heading": c.heading, "kind": c.kind, **({"group": c.group} if c.group else {})}
                        for c in t.columns],
            "rows": rows}
