"""The API driven as an HR system drives it: add a hire, read the plan, the hire's token completes an item,
the manager's signs it off, the events feed shows both, someone else's token gets 404."""
from __future__ import annotations

from tests.api.conftest import auth


def first_leaf(plan: dict) -> dict:
    for phase in plan["phases"]:
        for item in phase["items"]:
            if not item["children"]:
                return item
    raise AssertionError("no leaf item")


def test_an_hr_system_drives_a_hire_through_the_api(client, make_user, make_role, make_token):
    make_role()
    admin = make_user(role="admin")
    manager = make_user(role="manager", email="grace@example.com")
    outsider = make_user(role="manager")
    hr = make_token(admin, "HRIS")

    created = client.post("/api/v1/hires", headers=auth(hr), json={
        "email": "ada@example.com", "name": "Ada Lovelace", "role": "support-engineer",
        "start_on": "2026-03-02", "manager": "grace@example.com"})
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["hire"]["email"] == "ada@example.com" and body["hire"]["manager"] == "grace@example.com"
    plan_id = body["plan"]["id"]
    assert body["plan"]["hire"] == {"email": "ada@example.com", "name": "Ada Lovelace", "manager": "grace@example.com"}

    plan = client.get(f"/api/v1/plans/{plan_id}", headers=auth(hr)).get_json()
    assert plan["id"] == plan_id and plan["start_on"] == "2026-03-02"
    assert [p["key"] for p in plan["phases"]] == ["day-30", "day-60", "day-90", "month-6", "month-12"]
    item = first_leaf(plan)

    from onboarding.people.operations import get_user_by_email

    hire_token = make_token(get_user_by_email("ada@example.com"))
    manager_token = make_token(manager)
    outsider_token = make_token(outsider)

    done = client.post(f"/api/v1/items/{item['id']}/complete", headers=auth(hire_token),
                       json={"note": "Read every page", "evidence_url": "https://wiki.example.com/notes"})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["state"] == "done"

    assert client.post(f"/api/v1/items/{item['id']}/sign-off", headers=auth(outsider_token), json={}).status_code == 404
    assert client.get(f"/api/v1/plans/{plan_id}", headers=auth(outsider_token)).status_code == 404
    signed = client.post(f"/api/v1/items/{item['id']}/sign-off", headers=auth(manager_token), json={})
    assert signed.status_code == 200 and signed.get_json()["state"] == "signed_off"

    feed = client.get("/api/v1/events", headers=auth(hr)).get_json()
    kinds = [(e["type"], e["item_id"], e["actor"]) for e in feed["data"]]
    assert ("item.completed", item["id"], "ada@example.com") in kinds
    assert ("item.signed_off", item["id"], "grace@example.com") in kinds
    assert feed["next"] == str(feed["data"][-1]["id"])
    later = client.get(f"/api/v1/events?after={feed['next']}", headers=auth(hr)).get_json()
    assert later == {"data": [], "next": None}
    assert client.get("/api/v1/events", headers=auth(outsider_token)).get_json()["data"] == []

    listed = client.get("/api/v1/plans?manager=grace@example.com", headers=auth(hr)).get_json()
    assert [p["id"] for p in listed["data"]] == [plan_id]
    hires = client.get("/api/v1/hires", headers=auth(manager_token)).get_json()["data"]
    assert [h["email"] for h in hires] == ["ada@example.com"]


def test_a_buddys_events_feed_leaves_out_check_ins_as_the_pages_do(client, make_user, make_plan, make_token):
    from onboarding.extensions import db
    from onboarding.plans.check_ins import record_check_in
    from tests.conftest import NOW

    buddy = make_user(role="hire")
    plan = make_plan(buddy=buddy)
    record_check_in(plan, "day-30", plan.manager, "at risk", "Slow on the runbooks", NOW)
    db.session.commit()

    def kinds(user) -> set[str]:
        return {e["type"] for e in client.get("/api/v1/events", headers=auth(make_token(user))).get_json()["data"]}

    assert "checkin.recorded" in kinds(plan.manager) and "checkin.recorded" in kinds(plan.hire)
    seen_by_buddy = kinds(buddy)
    assert seen_by_buddy and "checkin.recorded" not in seen_by_buddy  # the plan's other events, not the rating
