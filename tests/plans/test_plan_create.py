"""Making plans: a dated snapshot of a template version; hires added by email; the JSON contract."""
import copy
from datetime import date

import pytest
from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.org.operations import add_holiday, set_working_days_only
from onboarding.people.models import User
from onboarding.plans.creation import create_plan, hire_person_with_plan
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.reading import plan_as_json
from onboarding.roles.operations import (
    import_role,
    latest_version,
    save_edited_template,
)
from tests.conftest import NOW, TODAY, sample_role


def _items(plan):
    return db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)).all()


def test_plan_is_a_dated_snapshot_with_sub_items(make_plan):
    plan = make_plan(start_on=date(2026, 1, 31))
    items = _items(plan)
    assert [(i.phase_key, i.text) for i in items] == [
        ("day-30", "Learn the ticket queue and its tools:"),
        ("day-30", "The help desk"),
        ("day-30", "The status page"),
        ("day-30", "Answer ten customer tickets with a reviewer."),
        ("day-60", "Own the morning queue for a week."),
        ("day-90", "Write two help articles."),
        ("month-6", "Lead an incident review."),
        ("month-12", "Mentor a new colleague."),
    ]
    parent = items[0]
    assert [i.parent_id for i in items[1:3]] == [parent.id, parent.id]
    assert all(i.parent_id is None for i in items[3:])
    assert len({i.position for i in items}) == len(items)
    due = {i.phase_key: i.due_on for i in items}
    assert due == {"day-30": date(2026, 3, 2), "day-60": date(2026, 4, 1), "day-90": date(2026, 5, 1),
                   "month-6": date(2026, 7, 31), "month-12": date(2027, 1, 31)}
    assert (items[0].offset_days, items[0].offset_months) == (30, None)
    assert (items[-1].offset_days, items[-1].offset_months) == (None, 12)
    assert all(i.state == "open" and not i.is_custom for i in items)


def test_long_term_goals_are_guidance_not_items(make_plan):
    plan = make_plan()
    assert "long-term" not in {i.phase_key for i in _items(plan)}
    assert all(i.due_on is not None for i in _items(plan))
    assert "long-term" not in [p["key"] for p in plan_as_json(plan, today=TODAY)["phases"]]


def test_editing_the_template_later_does_not_change_the_plan(app, make_plan, make_role, make_user):
    template = make_role()
    plan = make_plan(role=template)
    before = [(i.text, i.due_on) for i in _items(plan)]
    content = copy.deepcopy(latest_version(template).content)
    content["phases"][0]["milestones"][1]["text"] = "Answer twenty customer tickets."
    content["phases"][1]["milestones"].append({"text": "Run a support rotation.", "children": []})
    save_edited_template(template, content, now=NOW, actor=None)
    db.session.commit()
    db.session.expire_all()
    assert [(i.text, i.due_on) for i in _items(plan)] == before
    assert db.session.get(Plan, plan.id).template_version.number == 1
    # A new plan from the newest version does get the change.
    fresh = make_plan(role=template)
    assert "Answer twenty customer tickets." in [i.text for i in _items(fresh)]


def test_second_active_plan_for_the_same_hire_is_refused(app, make_plan, make_user):
    hire = make_user()
    plan = make_plan(hire=hire)
    with pytest.raises(ServiceError, match="already has an active plan"):
        make_plan(hire=hire)
    db.session.rollback()
    # Once the first plan is finished, a new one may start; the old one keeps its history.
    db.session.get(Plan, plan.id).is_active = False
    db.session.commit()
    second = make_plan(hire=hire)
    assert second.id != plan.id
    assert db.session.scalar(select(func.count()).select_from(Plan).where(Plan.hire_id == hire.id)) == 2


def test_plan_without_a_manager_is_allowed(make_plan):
    plan = make_plan(manager=False)
    assert plan.manager_id is None
    assert plan_as_json(plan, today=TODAY)["hire"]["manager"] is None


def test_plan_created_event(app, make_plan):
    plan = make_plan(start_on=date(2026, 1, 31))
    event = db.session.scalar(select(Event).where(Event.plan_id == plan.id))
    assert event.kind == "plan.created"
    assert event.new_value["start_on"] == "2026-01-31"
    assert event.new_value["template_version"] == 1
    assert event.new_value["items"] == 8


def test_refuses_bad_people_and_dates(app, make_user, make_role):
    version = latest_version(make_role())
    hire = make_user()
    for bad in ("2026-01-31", None, 20260131):
        with pytest.raises(ServiceError, match="date"):
            create_plan(hire=hire, template_version=version, start_on=bad, manager=None, buddy=None,
                        actor=None, now=NOW)
    with pytest.raises(ServiceError, match="own manager"):
        create_plan(hire=hire, template_version=version, start_on=TODAY, manager=hire, buddy=None,
                    actor=None, now=NOW)
    with pytest.raises(ServiceError, match="own buddy"):
        create_plan(hire=hire, template_version=version, start_on=TODAY, manager=None, buddy=hire,
                    actor=None, now=NOW)


def test_working_day_rule_applies_to_new_plans(app, make_plan, make_user):
    set_working_days_only(True, None, NOW)
    add_holiday(date(2026, 2, 2), "A holiday", now=NOW)
    db.session.commit()
    plan = make_plan(start_on=date(2026, 1, 1))
    due = {i.phase_key: i.due_on for i in _items(plan)}
    # +30 = Sat 31 Jan -> Mon 2 Feb is a holiday -> Tue 3 Feb. +60 = Tue 2 Mar stays.
    assert due["day-30"] == date(2026, 2, 3)
    assert due["day-60"] == date(2026, 3, 2)
    # 2026-07-01 is a Wednesday; 2027-01-01 a Friday.
    assert due["month-6"] == date(2026, 7, 1)
    assert plan_as_json(plan, today=TODAY)["phases"][0]["due_on"] == "2026-02-03"


class TestHirePersonWithPlan:
    def test_new_person(self, app, make_user, make_role):
        version = latest_version(make_role())
        manager = make_user(role="manager", email="grace@example.com")
        buddy = make_user(role="hire", email="bob@example.com")
        result = hire_person_with_plan(email=" Ada@Example.com ", name="Ada", template_version=version,
                                       start_on=date(2026, 1, 31), manager_email="GRACE@example.com",
                                       buddy_email="bob@example.com", timezone_name="Europe/Paris",
                                       actor=None, now=NOW)
        db.session.commit()
        assert result.is_new_person and result.warnings == []
        hire = result.hire
        assert (hire.email, hire.role, hire.timezone, hire.manager_id) == (
            "ada@example.com", "hire", "Europe/Paris", manager.id)
        assert (result.plan.manager_id, result.plan.buddy_id) == (manager.id, buddy.id)

    def test_existing_person_keeps_their_account(self, app, make_user, make_role):
        version = latest_version(make_role())
        manager = make_user(role="manager")
        person = make_user(role="manager", email="lin@example.com", name="Lin", manager_email=manager.email)
        token = person.session_token
        result = hire_person_with_plan(email="lin@example.com", name="Someone Else", template_version=version,
                                       start_on=TODAY, manager_email=None, actor=None, now=NOW)
        db.session.commit()
        assert not result.is_new_person
        assert result.hire.id == person.id
        assert (person.name, person.role, person.session_token) == ("Lin", "manager", token)
        # No manager given: the person's own line manager becomes the plan's.
        assert result.plan.manager_id == manager.id
        assert db.session.scalar(select(func.count()).select_from(User)) == 2

    def test_unknown_manager_is_a_clear_error(self, app, make_role):
        version = latest_version(make_role())
        with pytest.raises(ServiceError, match="no person with the email nobody@example.com"):
            hire_person_with_plan(email="ada@example.com", name="Ada", template_version=version, start_on=TODAY,
                                  manager_email="nobody@example.com", actor=None, now=NOW)

    def test_missing_manager_is_a_warning(self, app, make_role):
        version = latest_version(make_role())
        result = hire_person_with_plan(email="ada@example.com", name="Ada", template_version=version,
                                       start_on=TODAY, manager_email="", actor=None, now=NOW)
        assert result.plan.manager_id is None
        assert "no manager" in result.warnings[0]

    @pytest.mark.parametrize("email, name, message", [
        ("not-an-email", "Ada", "not a valid email"),
        ("", "Ada", "email address is required"),
        ("ada@example.com", "", "name is required"),
        ("ada@example.com", "x" * 500, "longer than"),
    ])
    def test_bad_person_details(self, app, make_role, email, name, message):
        version = latest_version(make_role())
        with pytest.raises(ServiceError, match=message):
            hire_person_with_plan(email=email, name=name, template_version=version, start_on=TODAY,
                                  manager_email=None, actor=None, now=NOW)


def test_plan_as_json_has_exactly_the_contract_keys(app, make_user, make_role):
    version = latest_version(make_role())
    make_user(role="manager", email="grace@example.com")
    result = hire_person_with_plan(email="ada@example.com", name="Ada", template_version=version,
                                   start_on=date(2026, 1, 31), manager_email="grace@example.com",
                                   actor=None, now=NOW)
    db.session.commit()
    document = plan_as_json(result.plan, today=date(2026, 1, 31))
    assert set(document) == {"hire", "role", "template_version", "start_on", "status", "phases"}
    assert document["hire"] == {"email": "ada@example.com", "name": "Ada", "manager": "grace@example.com"}
    assert (document["role"], document["template_version"], document["start_on"], document["status"]) == (
        "Support Engineer", 1, "2026-01-31", "on track")
    assert [p["key"] for p in document["phases"]] == ["day-30", "day-60", "day-90", "month-6", "month-12"]
    for phase in document["phases"]:
        assert set(phase) == {"key", "due_on", "items"}
    month6 = document["phases"][3]
    assert month6["due_on"] == "2026-07-31"
    item = month6["items"][0]
    assert set(item) == {"id", "text", "due_on", "state", "children"}
    assert (item["text"], item["due_on"], item["state"], item["children"]) == (
        "Lead an incident review.", "2026-07-31", "open", [])
    assert isinstance(item["id"], int)
    group = document["phases"][0]["items"][0]
    assert [c["text"] for c in group["children"]] == ["The help desk", "The status page"]
    assert set(group["children"][0]) == {"id", "text", "due_on", "state", "children"}
    assert document["phases"][0]["due_on"] == "2026-03-02"
    # Past the day-30 due date with nothing done, the plan is overdue.
    assert plan_as_json(result.plan, today=date(2026, 3, 3))["status"] == "overdue"


def test_plans_of_other_roles_do_not_mix(app, make_plan, make_role):
    other = make_role("Data Engineer")
    plan = make_plan(role=other)
    assert plan_as_json(plan, today=TODAY)["role"] == "Data Engineer"


def test_role_with_deeper_nesting(app, make_plan):
    role = sample_role("Nested Role")
    role["phases"][0]["milestones"] = [
        {"text": "Group:", "children": [
            {"text": "Sub-group:", "children": [{"text": "Leaf one", "children": []},
                                               {"text": "Leaf two", "children": []}]},
            {"text": "Leaf three", "children": []}]}]
    template = import_role(role, now=NOW).template
    db.session.commit()
    plan = make_plan(role=template)
    tree = plan_as_json(plan, today=TODAY)["phases"][0]["items"]
    assert tree[0]["text"] == "Group:"
    assert [c["text"] for c in tree[0]["children"]] == ["Sub-group:", "Leaf three"]
    assert [c["text"] for c in tree[0]["children"][0]["children"]] == ["Leaf one", "Leaf two"]


def test_make_plan_accepts_a_template_version(app, make_plan, make_role):
    version = latest_version(make_role())
    assert make_plan(role=version).template_version_id == version.id
