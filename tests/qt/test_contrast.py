"""Text the inspector must read, greyed or not, meets WCAG AA contrast (4.5:1), worked out from the colours
the widgets actually use (their palettes and style sheets) and checked again on the drawn pixels: the
questions and sections that do not apply, the case list's status marks, the locked case's banner."""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QColor, QPalette

from fileexam.qt.case_list_model import CaseListModel
from fileexam.qt.contrast import AA, contrast_ratio, readable_disabled
from tests.qt.test_main_window import case_with

G, R = QPalette.ColorGroup, QPalette.ColorRole


def group_of(widget) -> QPalette.ColorGroup:
    return G.Disabled if not widget.isEnabled() else G.Active


def text_and_ground(label, ground) -> tuple[QColor, QColor]:
    """The colour the label's text is drawn in, and the colour of the widget that paints behind it."""
    text = label.palette().color(group_of(label), label.foregroundRole())
    return text, ground.palette().color(group_of(ground), ground.backgroundRole())


def darkest_against(image, ground: QColor) -> float:
    """The contrast of the drawn text's strongest pixel with the ground: what the eye gets at best."""
    best = 1.0
    for y in range(image.height()):
        for x in range(image.width()):
            best = max(best, contrast_ratio(QColor(image.pixel(x, y)), ground))
    return best


def test_contrast_ratio__wcag_reference_values():
    assert contrast_ratio(QColor("black"), QColor("white")) == pytest.approx(21.0)
    assert contrast_ratio(QColor("#777777"), QColor("white")) == pytest.approx(4.48, abs=0.01)  # just fails AA
    assert contrast_ratio(QColor("#767676"), QColor("white")) == pytest.approx(4.54, abs=0.01)  # just passes


def test_questions_that_do_not_apply__greyed_at_aa_contrast_or_better(qtbot, window):
    ref = case_with(window, strand="magistrates", charging_decision_by="police")
    window.select_case(ref)
    form = window.form
    greyed = [w for w in form.widgets.values() if not w.isEnabled() and w.isVisibleTo(form)]
    assert greyed, "the case should have questions that do not apply"
    w = greyed[0]
    assert w.reason_label.isVisibleTo(w) and w.reason_label.text()
    for label in (w.text_label, w.reason_label):
        text, ground = text_and_ground(label, form)  # the form fills the scroll area behind the questions
        assert contrast_ratio(text, ground) >= AA, (label.text(), text.name(), ground.name())
        assert text != label.palette().color(G.Active, label.foregroundRole())  # still visibly greyed
    for button in w.buttons.values():
        text = button.palette().color(G.Disabled, R.ButtonText)
        ground = button.palette().color(G.Disabled, R.Button)
        assert contrast_ratio(text, ground) >= AA, button.text()
    # and as drawn: the grabbed text's own pixels against the ground
    qtbot.waitUntil(lambda: w.text_label.isVisible())
    _, ground = text_and_ground(w.text_label, form)
    assert darkest_against(w.text_label.grab().toImage(), ground) >= AA


def test_sections_that_do_not_apply__listed_at_aa_contrast(qtbot, window):
    ref = case_with(window, strand="magistrates", charging_decision_by="police")
    window.select_case(ref)
    sections = window.ui.sectionList
    greyed = [sections.item(i) for i in range(sections.count()) if sections.item(i).text().startswith("– ")]
    assert greyed
    for ground_role in (R.Base, R.AlternateBase):
        ground = sections.palette().color(G.Active, ground_role)
        for item in greyed:
            assert contrast_ratio(item.foreground().color(), ground) >= AA, item.text()


def test_case_list_status_marks__at_aa_contrast_on_either_row_colour(window):
    palette = window.ui.caseTable.palette()
    for mark, colour in CaseListModel.MARKS.values():
        for ground in (palette.color(G.Active, R.Base), palette.color(G.Active, R.AlternateBase)):
            assert contrast_ratio(colour, ground) >= AA, mark


def test_locked_case_banner__at_aa_contrast(qtbot, window):
    from tests.qt.test_main_window import complete_by_keyboard

    ref = case_with(window, strand="magistrates")
    complete_by_keyboard(qtbot, window, ref)
    banner = window.ui.lockBanner
    style = banner.styleSheet()
    ground = QColor(re.search(r"background:\s*(#[0-9a-fA-F]{6})", style).group(1))
    text = QColor(re.search(r"[^-]color:\s*(#[0-9a-fA-F]{6})", style).group(1))
    assert contrast_ratio(text, ground) >= 7  # AAA, even
    assert darkest_against(banner.grab().toImage(), ground) >= AA


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_readable_disabled__holds_in_a_light_and_a_dark_theme(theme):
    palette = QPalette()
    window, text = (QColor("#efefef"), QColor("#000000")) if theme == "light" else (QColor("#2b2b2b"),
                                                                                    QColor("#e6e6e6"))
    for group in (G.Active, G.Inactive, G.Disabled):
        palette.setColor(group, R.Window, window)
        palette.setColor(group, R.Base, window.lighter(110) if theme == "light" else window.darker(120))
        palette.setColor(group, R.Button, window)
        for role in (R.WindowText, R.Text, R.ButtonText):
            palette.setColor(group, role, text)
    palette.setColor(G.Disabled, R.WindowText, QColor("#bebebe") if theme == "light" else QColor("#5a5a5a"))
    assert contrast_ratio(palette.color(G.Disabled, R.WindowText), window) < AA  # the theme's own grey fails
    fixed = readable_disabled(palette)
    for fg, bg in ((R.WindowText, R.Window), (R.Text, R.Base), (R.ButtonText, R.Button), (R.Text, R.Window)):
        assert contrast_ratio(fixed.color(G.Disabled, fg), fixed.color(G.Disabled, bg)) >= AA
        assert fixed.color(G.Disabled, fg) != text  # greyed, not simply the normal text colour


def test_chosen_answer__its_words_at_aa_contrast__shown_when_locked_too(qtbot, window):
    ref = case_with(window, strand="magistrates")
    window.select_case(ref)
    w = window.form.widgets["DI01"]
    window.form.focus_question("DI01")
    qtbot.keyClick(w, "F")
    chosen = w.buttons["fully"].palette()
    for group in (G.Active, G.Disabled):
        assert contrast_ratio(chosen.color(group, R.ButtonText), chosen.color(group, R.Button)) >= AA
    other = w.buttons["partially"].palette()
    assert chosen.color(G.Disabled, R.Button) != other.color(G.Disabled, R.Button)  # locked, still told apart
