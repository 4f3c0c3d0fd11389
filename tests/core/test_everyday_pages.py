"""What every page shares, over HTTP: one date format ("2 Mar 2026") in text and YYYY-MM-DD text
boxes for dates (the server taking that form only); one message box however many messages an action
leaves; the role editor's milestones hint given once."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timezone

import pytest

from onboarding.core.formatting import nice_date, nice_datetime, plural, sentence
from tests.conftest import FIXTURES, NOW, TODAY
from tests.plans.views.conftest import client_as, fixed_clock, org  # noqa: F401 -- fixtures used here

BLUEPRINTS = FIXTURES / "blueprints"
#: a date written with digits, other than the date boxes' own example ("for example 2026-08-28")
NUMERIC_DATE = re.compile(r"(?<!for example )\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}/\d{1,2}/\d{4}\b")


def html(response) -> str:
    return response.get_data(as_text=True)


def visible_text(page: str) -> str:
    """The page's words, without tags, attribute values, scripts or form values."""
    page = re.sub(r"<(script|style|textarea)\b.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


@pytest.fixture
def admin_client(org, client_as):  # noqa: F811
    return client_as(org.admin)


def test_the_formats():
    assert nice_date(date(2026, 8, 28)) == "28 Aug 2026"
    assert nice_date(date(2026, 3, 2), weekday=True) == "Mon 2 Mar 2026"
    assert nice_datetime(datetime(2026, 8, 28, 7, 5, tzinfo=timezone.utc)) == "28 Aug 2026, 07:05 UTC"
    assert nice_datetime(None) == nice_date(None) == ""
    assert (plural(1, "item"), plural(2, "item"), plural(0, "person", "people")) == ("1 item", "2 items", "0 people")


@pytest.mark.parametrize(("text", "written"), [
    ("Ticked “The help desk”", "Ticked “The help desk”."),
    ("Ticked “Meet the reviewer.”", "Ticked “Meet the reviewer.”"),
    ("Ticked “Ready?”", "Ticked “Ready?”"),
    ("Waived “Ship it!” ", "Waived “Ship it!”"),
    ("Saved “Read ‘the guide.’”", "Saved “Read ‘the guide.’”"),
    ("Signed off 3 items under “Learn the tools:”", "Signed off 3 items under “Learn the tools:”."),
    ("Done", "Done."),
])
def test_a_message_ends_with_one_full_stop(text, written):
    assert sentence(text) == written


@pytest.mark.parametrize("path", ["/admin/plans", "/admin/plans/{plan}", "/plans/{plan}/history", "/admin/people/{hire}",
                                  "/admin/roles/support-engineer/history", "/admin/holidays", "/admin/outbox"])
def test_pages_write_dates_one_way(org, admin_client, path):  # noqa: F811
    page = html(admin_client.get(path.format(plan=org.plan_a.id, hire=org.hire_a.id)))
    assert not NUMERIC_DATE.findall(visible_text(page)), path
    if "{plan}" in path or path == "/admin/plans":
        assert nice_date(TODAY) in visible_text(page)


def test_the_history_writes_moments_with_the_day_and_utc(org, admin_client):  # noqa: F811
    page = visible_text(html(admin_client.get(f"/plans/{org.plan_a.id}/history")))
    assert nice_datetime(NOW) in page  # "2 Mar 2026, 09:30 UTC"


def test_date_inputs_are_yyyy_mm_dd_text_boxes(org, admin_client):  # noqa: F811
    for path, name in ((f"/admin/plans/{org.plan_a.id}", "start_on"), ("/admin/plans/new", "start_on"),
                       ("/admin/holidays", "on")):
        page = html(admin_client.get(path))
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert 'type="text"' in box and 'placeholder="YYYY-MM-DD"' in box, box
        assert 'type="date"' not in page
        hint = re.search(r'aria-describedby="([^"]+)"', box).group(1).split()[0]
        assert re.search(rf'id="{hint}">YYYY-MM-DD, for example 2026-08-28', page)
    box = re.search(r'<input[^>]*name="start_on"[^>]*>', html(admin_client.get(f"/admin/plans/{org.plan_a.id}"))).group(0)
    assert f'value="{TODAY.isoformat()}"' in box  # the current start date, in the form the box takes


@pytest.mark.parametrize("typed", ["02/03/2026", "2 Mar 2026", "2026-3-2", "20260302"])
def test_the_server_takes_yyyy_mm_dd_only(org, admin_client, typed):  # noqa: F811
    response = admin_client.post("/admin/holidays", data={"on": typed, "name": "Founders' day"}, follow_redirects=True)
    assert "is not a date: use YYYY-MM-DD" in html(response)
    assert "Founders" not in visible_text(html(admin_client.get("/admin/holidays"))).split("Holidays", 1)[-1].split(
        "Add a holiday")[0]


def test_a_yyyy_mm_dd_date_is_taken_and_shown_as_text(org, admin_client):  # noqa: F811
    response = admin_client.post("/admin/holidays", data={"on": "2026-08-28", "name": "Founders' day"},
                                 follow_redirects=True)
    page = html(response)
    assert "Added 28 Aug 2026 (Founders&#39; day) to the holidays." in page
    assert "Fri 28 Aug 2026" in page


def test_an_import_leaves_one_message_box_with_its_summary_first(admin_client):
    files = [(name, (BLUEPRINTS / name).read_bytes()) for name in ("security-engineer.md", "qa-analyst.paste.txt")]
    preview = html(admin_client.post("/admin/roles/import", content_type="multipart/form-data",
                                     data={"documents": [(io.BytesIO(content), name) for name, content in files]}))
    payload = re.search(r'name="payload" type="hidden" value="([^"]+)"', preview).group(1)
    values = re.findall(r'name="chosen"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="chosen"', preview)
    chosen = [a or b for a, b in values]
    assert len(chosen) == 2
    page = html(admin_client.post("/admin/roles/import/confirm", data={"payload": payload, "chosen": chosen[:1]},
                                  follow_redirects=True))
    boxes = re.findall(r'class="flash flash-(\w+)"', page)
    assert boxes == ["success"], boxes  # one box, however many lines
    box = page[page.index('<ul class="flash'):page.index("</ul>", page.index('<ul class="flash'))]
    lines = re.findall(r"<li[^>]*>(.*?)</li>", box)
    assert lines[0] == "Imported 1 role (1 new)."
    assert lines[1].startswith("Created ") and lines[2].startswith("Left out (not ticked): ")


def test_one_message_is_a_plain_box(org, admin_client):  # noqa: F811
    page = html(admin_client.post("/admin/holidays", data={"on": "2026-08-28", "name": "Founders' day"},
                                  follow_redirects=True))
    assert re.findall(r'class="flash flash-(\w+)"', page) == ["success"]
    assert '<p class="flash flash-success">' in page


def test_the_role_editor_gives_the_milestones_hint_once(admin_client, make_role):
    make_role()
    page = html(admin_client.get("/admin/roles/support-engineer/edit"))
    assert page.count("One milestone per line.") == 1
    boxes = re.findall(r'<textarea[^>]*name="phases-\d+-milestones"[^>]*>', page)
    assert len(boxes) >= 5
    assert all('aria-describedby="milestones-hint"' in box for box in boxes)
    assert 'id="milestones-hint"' in page


def test_month_boxes_are_yyyy_mm_text_boxes(org, admin_client):  # noqa: F811
    for path, name in (("/insights", "start_from"), ("/insights", "start_to"), ("/admin/plans", "month")):
        box = re.search(rf'<input[^>]*name="{name}"[^>]*>', html(admin_client.get(path))).group(0)
        assert 'type="text"' in box and 'placeholder="YYYY-MM"' in box, box
    page = html(admin_client.get("/insights?start_from=2026-03&start_to=2026-03"))
    assert re.search(r'<input[^>]*name="start_from"[^>]*value="2026-03"', page)
