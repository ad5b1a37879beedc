"""Text that stays readable when it is greyed: WCAG 2 contrast ratios worked out from the palette's own
colours, and a palette whose disabled text keeps at least 4.5:1 (the AA level for body text) against
the background it is drawn on, in a light or a dark theme."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

AA = 4.5
MARGIN = 0.2  # aim a little above AA: rounding to 8-bit colours must not drop below it


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""
    r, g, b = (_linear(v) for v in (colour.redF(), colour.greenF(), colour.blueF()))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def mix(a: QColor, b: QColor, t: float) -> QColor:
    """a moved a share t of the way to b."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t, a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def readable(text: QColor, *backgrounds: QColor, faded: float = 0.5, minimum: float = AA + MARGIN) -> QColor:
    """The text colour faded towards the (first) background as far as `faded`, no further than keeps
    `minimum` contrast against every background: greyed, and still easy to read."""
    target = backgrounds[0]
    for step in range(int(faded * 100), -1, -1):
        colour = mix(text, target, step / 100)
        if all(contrast_ratio(colour, bg) >= minimum for bg in backgrounds):
            return colour
    return QColor(text)


_GROUNDS: dict[tuple[int, int, float], QColor] = {}  # worked out once per pair: every question asks


def ground_for(text: QColor, ground: QColor, minimum: float = AA + MARGIN) -> QColor:
    """The ground colour moved (darker under light text, lighter under dark) only as far as the text then
    reads at `minimum` contrast: a highlight that stays itself, with its text readable on it."""
    key = (text.rgba(), ground.rgba(), minimum)
    if key not in _GROUNDS:
        _GROUNDS[key] = _ground_for(text, ground, minimum)
    return QColor(_GROUNDS[key])


def _ground_for(text: QColor, ground: QColor, minimum: float) -> QColor:
    away = QColor("black") if luminance(text) > 0.5 else QColor("white")
    for step in range(0, 101):
        colour = mix(ground, away, step / 100)
        if contrast_ratio(text, colour) >= minimum:
            return colour
    return away


def readable_disabled(palette: QPalette) -> QPalette:
    """A copy of the palette whose disabled text (in windows, in boxes and on buttons) is greyed no further
    than AA contrast allows."""
    p = QPalette(palette)
    g = QPalette.ColorGroup
    r = QPalette.ColorRole
    for fg, bg in ((r.WindowText, r.Window), (r.Text, r.Base), (r.ButtonText, r.Button), (r.Text, r.Window)):
        colour = readable(palette.color(g.Active, fg), palette.color(g.Disabled, bg), palette.color(g.Active, bg))
        if fg == r.Text and bg == r.Window:  # Text is drawn on both: keep the one that reads on both
            colour = readable(palette.color(g.Active, fg), palette.color(g.Disabled, r.Base),
                              palette.color(g.Active, r.Base), palette.color(g.Active, r.Window))
        p.setColor(g.Disabled, fg, colour)
    return p
