"""Charts of a report: what each chart shows (its bars, worked out here once, with no drawing library), and
write_charts, which draws them as PNG and SVG images for the report document.

The app's Results view draws the same bars (fileexam/qt/results_view.py), so a chart in the document and
the chart on screen say the same thing in the same words and the same number format: one decimal place,
"72.8%", a change "+3.2pp".

A group with no cases has no bar and says "no cases" (never a 0% bar); a group with fewer cases than the
template's minimum (reporting.few_cases) keeps its bar, drawn pale and hatched, and says "too few cases".

matplotlib is imported inside write_charts only: the app never loads it, and the command line only when
charts are asked for.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from fileexam.domain.aggregate import ALL_STRANDS, NATIONAL, Figure
from fileexam.domain.cases import BadValue
from fileexam.domain.questions import THEME, AnswerType

NO_CASES = "no cases"
TOO_FEW = "too few cases"


# ---- the one number format ---------------------------------------------------
def percent(share: float | None) -> str:
    """A share as every view shows it: one decimal place, '72.8%'; '' when there is none."""
    return "" if share is None else f"{share * 100:.1f}%"


def interval(ci: tuple[float, float] | None) -> str:
    """A 95% interval: '68.2–80.9%'."""
    return "" if ci is None else f"{ci[0] * 100:.1f}–{ci[1] * 100:.1f}%"


def change(pp: float | None, threshold_pp: float | None = None) -> str:
    """A change in percentage points: '+3.2pp', '-1.5pp', '0.0pp' (never '-0.0pp'). Given the template's
    threshold, a change just under it keeps a second decimal: 0.96 is '+0.96pp', not '+1.0pp' beside
    'static' (as the report workbook shows it)."""
    if pp is None:
        return ""
    places = 2 if threshold_pp and abs(pp) < threshold_pp <= round(abs(pp), 1) else 1
    if round(pp, places) == 0:
        return "0.0pp"
    return f"{pp:+.{places}f}pp"


def cases_text(n: int) -> str:
    return f"{n} case" if n == 1 else f"{n} cases"


# ---- what a chart shows ----------------------------------------------------------
BLUE, PALE, BASE_GREY, HIGHLIGHT = "#2b6cb0", "#a9c4e4", "#9aa5b1", "#c05621"
GOOD, MIDDLE, BAD = "#2f855a", "#d69e2e", "#c53030"


def share_colour(index: int, of: int) -> str:
    """An option's colour by its place on its scale, best first: green, amber, red (yes/no: green, red)."""
    if of <= 1 or index == 0:
        return GOOD
    return BAD if index == of - 1 else MIDDLE

@dataclass
class Bar:
    """One row of a chart: a group's figure (value, interval, cases), or a question's option shares."""
    label: str
    value: float | None = None                  # a share from 0 to 1; None: no bar
    ci: tuple[float, float] | None = None
    cases: int = 0
    note: str = ""                              # "", NO_CASES or TOO_FEW
    baseline: float | None = None               # the baseline figure of the same group, when compared
    change_pp: float | None = None
    travel: str = ""                            # Travel.words: '▲ improved (within the noise)'
    segments: tuple[tuple[str, float, str], ...] = ()  # (option label, share, colour): a question's answers
    highlight: bool = False                     # the Area the reader chose
    threshold: float | None = None              # the template's direction threshold, in points

    @property
    def text(self) -> str:
        """The words written at the end of the bar."""
        if self.note == NO_CASES:
            return NO_CASES
        head = cases_text(self.cases) if self.segments else f"{percent(self.value)} · {cases_text(self.cases)}"
        return head + (f" · {TOO_FEW}" if self.note == TOO_FEW else "")

    @property
    def tooltip(self) -> str:
        if self.note == NO_CASES:
            return f"{self.label}: no cases"
        lines = [self.label]
        if self.segments:
            lines += [f"{name}: {percent(share)}" for name, share, _colour in self.segments]
            lines.append(f"{cases_text(self.cases)} answered")
        else:
            lines.append(f"{percent(self.value)}, 95% interval {interval(self.ci)}" if self.ci
                         else percent(self.value))
            lines.append(cases_text(self.cases))
        if self.baseline is not None:
            lines.append(f"baseline {percent(self.baseline)}, {change(self.change_pp, self.threshold)} "
                         f"{self.travel}".rstrip())
        if self.note == TOO_FEW:
            lines.append(f"{TOO_FEW}: read with care")
        return "\n".join(lines)


@dataclass
class Chart:
    title: str
    bars: list[Bar]
    reference: tuple[str, float] | None = None   # a line across the bars: ('National', 0.768)
    legend: tuple[tuple[str, str], ...] = ()     # (option label, colour) of stacked shares, in order
    footnote: str = ""

    @property
    def shares(self) -> bool:
        return any(b.segments for b in self.bars)

    @property
    def empty(self) -> bool:
        return all(b.note == NO_CASES for b in self.bars)


def figure_bar(label: str, f: Figure | None, highlight: bool = False, threshold: float | None = None) -> Bar:
    """A figure as a bar: no figure (or nothing available) is 'no cases', a figure on too few cases is
    kept and marked."""
    if f is None or f.value is None:
        return Bar(label, note=NO_CASES, highlight=highlight)
    tr = f.travel
    return Bar(label, f.value, f.ci, len(f.cases), TOO_FEW if f.few else "",
               tr.baseline if tr else None, tr.change_pp if tr else None, tr.words if tr else "",
               highlight=highlight, threshold=threshold)


def _threshold(report) -> float:
    return report.template.reporting.direction_threshold_pp


def _footnote(report, bars: list[Bar]) -> str:
    few = report.template.reporting.few_cases
    parts = ["Whiskers: 95% interval."]
    if any(b.note == TOO_FEW for b in bars):
        parts.append(f"Pale hatched bars: fewer than {few} cases, read with care.")
    if any(b.baseline is not None for b in bars):
        parts.append(f"◆ baseline ({report.baseline_name}).")
    return " ".join(parts)


def by_area(report, measure: str, strand: str = ALL_STRANDS, highlight: str | None = None) -> Chart:
    """One measure by Area within a strand (or all strands), with the national figure as a line."""
    bars = [figure_bar(a, report.figures.get((measure, strand, a)), a == highlight, _threshold(report))
            for a in report.areas]
    national = report.figures.get((measure, strand, NATIONAL))
    return Chart(f"{report.label(measure)} by Area — {strand}", bars,
                 (NATIONAL, national.value) if national and national.value is not None else None,
                 footnote=_footnote(report, bars))


def breakdown_groups(report, breakdown: str) -> list[str]:
    """The groups of a breakdown field in the template's order, '(none)' last when some case has none."""
    f = report.template.fields_by_id[breakdown]
    groups = [o.label for o in f.values]
    held = {g for (_, _, g) in report.breakdowns.get(breakdown, {})}
    return groups + sorted(held - set(groups))


def by_group(report, breakdown: str, measure: str, strand: str = ALL_STRANDS,
             highlight: str | None = None) -> Chart:
    """One measure by the groups of a breakdown field (stage, flags...), with the national figure as a line."""
    figures = report.breakdowns.get(breakdown, {})
    bars = [figure_bar(g, figures.get((measure, strand, g)), g == highlight, _threshold(report))
            for g in breakdown_groups(report, breakdown)]
    national = report.figures.get((measure, strand, NATIONAL))
    label = report.template.fields_by_id[breakdown].label
    return Chart(f"{report.label(measure)} by {label} — {strand}", bars,
                 (NATIONAL, national.value) if national and national.value is not None else None,
                 footnote=_footnote(report, bars))


def by_strand(report, measure: str, area: str = NATIONAL, figures: dict | None = None) -> Chart:
    """One measure in all strands and in each strand, for one Area (or nationally, or one breakdown group)."""
    figures = report.figures if figures is None else figures
    bars = [figure_bar(s, figures.get((measure, s, area)), threshold=_threshold(report))
            for s in [ALL_STRANDS] + report.strands]
    return Chart(f"{report.label(measure)} by strand — {area}", bars, footnote=_footnote(report, bars))


def by_measure(report, strand: str = ALL_STRANDS, area: str = NATIONAL, figures: dict | None = None) -> Chart:
    """Every theme and composite for one strand and Area."""
    figures = report.figures if figures is None else figures
    bars = [figure_bar(report.label(m), figures.get((m, strand, area)), threshold=_threshold(report))
            for m in report.measures]
    return Chart(f"Every measure — {strand}, {area}", bars, footnote=_footnote(report, bars))


def measure_questions(report, measure: str) -> list:
    """The scale questions that make up a measure, in the question set's order."""
    t = report.template
    if measure in t.set_by_id:
        return [q for q in t.questions if q.set_id == measure and q.scored and THEME in q.scores
                and q.answer.type is AnswerType.SCALE]
    if any(c.id == measure for c in t.composites):
        return [q for q in t.composite_members(measure) if q.answer.type is AnswerType.SCALE]
    return []


def question_shares(report, measure: str, strand: str = ALL_STRANDS, area: str = NATIONAL,
                    width: int = 60) -> Chart:
    """The answers to each scale question of a measure: the share of each counted option among the
    applicable cases that answered with one (not applicable left out)."""
    few = report.template.reporting.few_cases
    bars, legend = [], []
    for q in measure_questions(report, measure):
        qf = report.questions.get((q.id, strand, area))
        label = f"{q.id} {q.text}"
        label = label if len(label) <= width else label[:width - 1].rstrip() + "…"
        if qf is None or not qf.base:
            bars.append(Bar(label, note=NO_CASES))
            continue
        names = {o.value: o.label for o in q.answer.scale.options}
        segments = tuple((names.get(v, v), qf.share(v), share_colour(k, len(qf.counted_values)))
                         for k, v in enumerate(qf.counted_values))
        legend += [(n, c) for n, _, c in segments if (n, c) not in legend]
        bars.append(Bar(label, cases=qf.base, note=TOO_FEW if qf.base < few else "", segments=segments))
    foot = "Share of applicable cases answered with each option; not applicable left out."
    if any(b.note == TOO_FEW for b in bars):
        foot += f" Fewer than {few} cases: read with care."
    return Chart(f"{report.label(measure)}: answers to each question — {strand}, {area}", bars,
                 legend=tuple(legend), footnote=foot)


# ---- images -------------------------------------------------------------------------
RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def safe_name(text: str, limit: int = 60) -> str:
    """A piece of a file name that every system takes: ASCII letters, digits and hyphens."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    name = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:limit].strip("-") or "chart"
    return f"{name}-" if name in RESERVED else name


def write_charts(report, folder: Path, area: str | None = None) -> list[Path]:
    """Draw, for each measure and strand, the measure by Area (and with a baseline, for each measure the
    baseline against the follow-up by strand), as PNG and SVG in `folder`. With `area`, that Area is
    picked out on every chart, the baseline charts are of that Area, and every file name begins with it.
    Returns the files written. A chart with no cases at all (a Crown Court-only measure in the
    magistrates' courts) is not drawn."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # Agg: no window, no GUI toolkit
    from matplotlib.figure import Figure as Drawing

    if area is not None and area not in report.areas:
        raise BadValue(f"{area!r} is not an Area of this report; its Areas are: {', '.join(report.areas)}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    prefix = f"{safe_name(area)}-" if area else ""
    written: list[Path] = []
    style = {"svg.fonttype": "none",       # text stays text in the SVG: searchable, and editable in the document
             "svg.hashsalt": "fileexam",   # the same report gives the same SVG
             "font.size": 9, "font.family": "DejaVu Sans", "axes.spines.top": False, "axes.spines.right": False}
    with matplotlib.rc_context(style):
        for i, m in enumerate(report.measures, 1):
            for strand in [ALL_STRANDS] + report.strands:
                chart = by_area(report, m, strand, highlight=area)
                if chart.empty:
                    continue
                fig = Drawing(figsize=(8.5, 1.4 + 0.34 * len(chart.bars)))
                FigureCanvasAgg(fig)
                _draw_bars(fig, chart, report)
                written += _save(fig, folder / f"{prefix}{i:02d}-{safe_name(m)}-{safe_name(strand)}-by-area")
            if report.baseline_name:
                where = area or NATIONAL
                bars = [figure_bar(s, report.figures.get((m, s, where)), threshold=_threshold(report))
                        for s in [ALL_STRANDS] + report.strands]
                if all(b.note == NO_CASES and b.baseline is None for b in bars):
                    continue
                fig = Drawing(figsize=(8.5, 1.6 + 0.62 * len(bars)))
                FigureCanvasAgg(fig)
                _draw_baseline(fig, report, m, where, bars)
                written += _save(fig, folder / f"{prefix}{i:02d}-{safe_name(m)}-baseline")
    return written


def _save(fig, stem: Path) -> list[Path]:
    # The bounds of everything drawn (labels outside the axes too), worked out once for both files:
    # "tight" would draw the chart once more for each.
    bounds = fig.get_tightbbox(fig.canvas.get_renderer()).padded(0.15)
    out = []
    for ext, extra in ((".png", {"dpi": 150, "metadata": {"Software": None}}), (".svg", {"metadata": {"Date": None}})):
        path = stem.with_suffix(ext)
        fig.savefig(path, bbox_inches=bounds, **extra)
        out.append(path)
    return out


def _draw_bars(fig, chart: Chart, report) -> None:
    ax = fig.add_subplot()
    n = len(chart.bars)
    ys = list(range(n))[::-1]  # the first group at the top
    for y, b in zip(ys, chart.bars):
        if b.note == NO_CASES:
            ax.text(1, y, NO_CASES, va="center", ha="left", style="italic", color="#4a5568")
            continue
        v = b.value * 100
        colour = HIGHLIGHT if b.highlight else BLUE
        if b.note == TOO_FEW:
            ax.barh(y, v, height=0.62, color=PALE if not b.highlight else "#f6c9a8", edgecolor=colour,
                    hatch="///", linewidth=0.6)
        else:
            ax.barh(y, v, height=0.62, color=colour)
        if b.ci and b.ci[1] > b.ci[0]:  # one case has no spread to show
            lo, hi = b.ci[0] * 100, b.ci[1] * 100
            ax.errorbar(v, y, xerr=[[v - lo], [hi - v]], fmt="none", ecolor="#1a202c", elinewidth=1, capsize=3)
        if b.baseline is not None:
            ax.plot(b.baseline * 100, y, marker="D", markersize=5, color="#1a202c", markerfacecolor="white",
                    linestyle="none")
        # the words in a column of their own right of the axis: never across a bar, whisker or line
        ax.text(102, y, b.text, va="center", ha="left", color="#1a202c", clip_on=False,
                fontweight="bold" if b.highlight else "normal")
    if chart.reference:
        name, value = chart.reference
        ax.axvline(value * 100, color="#1a202c", linestyle="--", linewidth=1)
        ax.text(value * 100, n - 0.45, f"{name} {percent(value)}", ha="center", va="bottom", color="#1a202c")
    ax.set_yticks(ys, [b.label for b in chart.bars])
    for tick, b in zip(ax.get_yticklabels(), chart.bars):
        if b.highlight:
            tick.set_fontweight("bold")
    ax.set_ylim(-0.6, n - 0.4 + (0.5 if chart.reference else 0))
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)])
    ax.xaxis.grid(True, color="#e2e8f0")
    ax.set_axisbelow(True)
    ax.set_title(chart.title, loc="left", fontweight="bold")
    ax.set_xlabel(f"{report.name}" + (f", compared with {report.baseline_name}" if report.baseline_name else "")
                  + (f"\n{chart.footnote}" if chart.footnote else ""), loc="left", color="#4a5568")


def _draw_baseline(fig, report, measure: str, where: str, bars: list[Bar]) -> None:
    """Baseline and follow-up side by side for each strand; the change and its direction written beside."""
    ax = fig.add_subplot()
    n = len(bars)
    ys = list(range(n))[::-1]
    h = 0.36
    for y, b in zip(ys, bars):
        if b.baseline is not None:
            ax.barh(y + h / 2, b.baseline * 100, height=h, color=BASE_GREY)
            ax.text(102, y + h / 2, f"{percent(b.baseline)} baseline", va="center", ha="left", color="#4a5568",
                    clip_on=False)
        else:
            ax.text(1, y + h / 2, "no baseline figure", va="center", ha="left", style="italic", color="#4a5568")
        if b.note == NO_CASES:
            ax.text(1, y - h / 2, NO_CASES, va="center", ha="left", style="italic", color="#4a5568")
            continue
        v = b.value * 100
        if b.note == TOO_FEW:
            ax.barh(y - h / 2, v, height=h, color=PALE, edgecolor=BLUE, hatch="///", linewidth=0.6)
        else:
            ax.barh(y - h / 2, v, height=h, color=BLUE)
        if b.ci and b.ci[1] > b.ci[0]:  # one case has no spread to show
            lo, hi = b.ci[0] * 100, b.ci[1] * 100
            ax.errorbar(v, y - h / 2, xerr=[[v - lo], [hi - v]], fmt="none", ecolor="#1a202c", elinewidth=1,
                        capsize=3)
        words = b.text + (f" · {change(b.change_pp, b.threshold)} {b.travel}" if b.travel else "")
        ax.text(102, y - h / 2, words, va="center", ha="left", color="#1a202c", clip_on=False)
    ax.set_yticks(ys, [b.label for b in bars])
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlim(0, 100)
    ax.set_xticks(range(0, 101, 20), [f"{x}%" for x in range(0, 101, 20)])
    ax.xaxis.grid(True, color="#e2e8f0")
    ax.set_axisbelow(True)
    ax.set_title(f"{report.label(measure)}: baseline and follow-up — {where}", loc="left", fontweight="bold",
                 pad=24)
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(color=BASE_GREY, label=f"Baseline ({report.baseline_name})"),
                       Patch(color=BLUE, label=f"Follow-up ({report.name})")],
              loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
    threshold = report.template.reporting.direction_threshold_pp
    ax.set_xlabel(f"Whiskers: 95% interval of the follow-up. A change under {threshold:.1f}pp is static; within the "
                  "noise: smaller than the two intervals together.", loc="left", color="#4a5568")
