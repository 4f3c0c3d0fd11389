"""Waiving a group over HTTP: the form says how many sub-items go with it and needs a tick; without
the tick (or when the group changed since the page was drawn) nothing is waived; the reason is kept
once, on the group, and the events say so. Someone else's items answer 404."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.plans.states import complete_item, sign_off_item
from tests.conftest import NOW
from tests.plans.views.conftest import GROUP, item_by_text, snapshot

HELP_DESK, STATUS_PAGE = "The help desk", "The status page"


def html(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def admin_client(org, client_as):
    return client_as(org.admin)


def waive_form(page: str, item_id: int) -> str:
    start = page.index(f'action="/admin/items/{item_id}/waive"')
    return page[start:page.index("</form>", start)]


def test_the_group_form_states_its_sub_items_and_asks_for_a_tick(org, admin_client):
    group = item_by_text(org.plan_a, GROUP)
    page = html(admin_client.get(f"/admin/plans/{org.plan_a.id}"))
    assert "<summary>Waive the group (2 sub-items)</summary>" in page
    form = waive_form(page, group.id)
    assert "Waiving this group waives its 2 open or done sub-items:" in form
    assert f"<li>{HELP_DESK}</li><li>{STATUS_PAGE}</li>" in form
    assert re.search(r'<input type="checkbox" id="confirm-\d+" name="confirm" value="y" required', form)
    assert ">Yes, waive all 2</label>" in form
    assert '<input type="hidden" name="sub_items" value="2">' in form
    assert "Waive 2 sub-items</button>" in form
    # a single item keeps the plain form: no tick
    leaf = item_by_text(org.plan_a, STATUS_PAGE)
    assert 'name="confirm"' not in waive_form(page, leaf.id)


def test_no_waive_without_the_tick(org, admin_client):
    group = item_by_text(org.plan_a, GROUP)
    before = snapshot()
    for data in ({"reason": "Other tools here.", "version": group.version, "sub_items": 2},
                 {"reason": "Other tools here.", "version": group.version, "confirm": "y"}):
        response = admin_client.post(f"/admin/items/{group.id}/waive", data=data)
        assert response.status_code == 400
        page = html(response)
        assert f"Nothing waived: waiving “{GROUP}” waives its 2 sub-items; tick the box to confirm." in page
        assert "Other tools here.</textarea>" in page  # what was typed is kept
        assert snapshot() == before
    assert item_by_text(org.plan_a, HELP_DESK).state == "open"


def test_no_waive_when_the_group_changed_since_the_page(org, admin_client):
    group = item_by_text(org.plan_a, GROUP)
    desk = item_by_text(org.plan_a, HELP_DESK)
    complete_item(desk, org.hire_a, now=NOW)
    sign_off_item(desk, org.manager_a, NOW)
    db.session.commit()
    group = item_by_text(org.plan_a, GROUP)
    response = admin_client.post(f"/admin/items/{group.id}/waive",
                                 data={"reason": "Other tools here.", "version": group.version, "sub_items": 2,
                                       "confirm": "y"})
    assert response.status_code == 400
    assert "now has 1 sub-item to waive, not the 2 you confirmed" in html(response)
    assert item_by_text(org.plan_a, STATUS_PAGE).state == "open"


def test_a_confirmed_waive_keeps_the_reason_once(org, admin_client):
    group = item_by_text(org.plan_a, GROUP)
    response = admin_client.post(f"/admin/items/{group.id}/waive",
                                 data={"reason": "Other tools here.", "version": group.version, "sub_items": 2,
                                       "confirm": "y"})
    assert response.status_code == 302
    desk, status = item_by_text(org.plan_a, HELP_DESK), item_by_text(org.plan_a, STATUS_PAGE)
    group = item_by_text(org.plan_a, GROUP)
    assert (group.state, desk.state, status.state) == ("waived", "waived", "waived")
    assert (group.waived_reason, desk.waived_reason, status.waived_reason) == ("Other tools here.", "", "")
    waived = db.session.scalars(select(Event).where(Event.plan_id == org.plan_a.id, Event.kind == "item.waived")
                                .order_by(Event.id)).all()
    reasons = [e for e in waived if "Other tools here." in str(e.new_value)]
    assert [(e.item_id, e.new_value) for e in reasons] == [
        (group.id, {"reason": "Other tools here.", "sub_items_waived": 2})]
    assert [(e.item_id, e.new_value) for e in waived[1:]] == [
        (desk.id, {"state": "waived", "with_group": GROUP}), (status.id, {"state": "waived", "with_group": GROUP})]
    page = html(admin_client.get(f"/admin/plans/{org.plan_a.id}"))
    assert f"Waived “{GROUP}” and its 2 sub-items; the reason is kept once, on the group." in page
    assert page.count("Other tools here.") == 1
    assert page.count("Waived with its group.") == 2
    # the history says it once too: one row carries the reason
    history = html(admin_client.get(f"/plans/{org.plan_a.id}/history"))
    assert history.count("Other tools here.") == 1


def test_a_waived_group_offers_no_second_waive(org, admin_client):
    group = item_by_text(org.plan_a, GROUP)
    admin_client.post(f"/admin/items/{group.id}/waive",
                      data={"reason": "Other tools here.", "version": group.version, "sub_items": 2, "confirm": "y"})
    page = html(admin_client.get(f"/admin/plans/{org.plan_a.id}"))
    assert f'action="/admin/items/{group.id}/waive"' not in page


@pytest.mark.parametrize("who", ["hire_b", "manager_b", "buddy"])
def test_someone_elses_items_and_plans_answer_404(org, client_as, who):
    client = client_as(org.person(who))
    leaf = item_by_text(org.plan_a, STATUS_PAGE)
    before = snapshot()
    if who != "buddy":  # the buddy reads plan A: that is theirs to see
        assert client.get(f"/plans/{org.plan_a.id}/history").status_code == 404
        assert client.get(f"/plans/{org.plan_a.id}").status_code == 404
    assert client.post(f"/plan/items/{leaf.id}", data={"done": "y", "version": leaf.version}).status_code == 404
    assert client.get(f"/team/plans/{org.plan_a.id}").status_code == 404
    assert snapshot() == before


def test_an_admin_gets_404_for_an_item_that_does_not_exist(org, admin_client):
    assert admin_client.post("/admin/items/999999/waive", data={"reason": "x", "version": 1}).status_code == 404
