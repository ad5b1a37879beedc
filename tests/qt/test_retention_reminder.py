"""The app says, on opening, what the template's retention rule makes due for deletion."""

from __future__ import annotations

from conftest import ROOT
from fileexam.services.merge import merge_workbooks

EXAMPLES = sorted((ROOT / "exports/examples").glob("work-*.xlsx"))


def test_open__laptop_fields_due__the_app_reminds_with_the_command(make_window, area_file):
    f = area_file.__class__.open(make_window.path)
    merge_workbooks(f, EXAMPLES, "TL")
    ref = next(r for (r, m), st in f.statuses().items() if st.value == "complete")
    f.set_field(ref, "defendant", "J. Bloggs", "TL")
    f.conn.execute("UPDATE markings SET updated_at='2020-01-01T10:00:00.000+00:00'")
    f.close()
    w = make_window()
    title, text = w.last_message
    assert title == "Personal data due for deletion"
    assert "laptop-only fields of" in text and "--fields-only" in text and str(make_window.path) in text


def test_open__nothing_due__no_reminder(make_window):
    w = make_window()
    assert getattr(w, "last_message", ("", ""))[0] != "Personal data due for deletion"
