"""Moving a plan to a newer template version: unchanged text keeps its state; a preview comes first."""
import copy

import pytest
from sqlalchemy import select

from onboarding.audit.models import Event
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.plans.check_ins import add_comment
from onboarding.plans.edits import add_item
from onboarding.plans.models import Comment, PlanItem
from onboarding.plans.reading import plan_as_json
from onboarding.plans.states import complete_item, sign_off_item
from onboarding.plans.upgrade import preview_upgrade, upgrade_plan
from onboarding.roles.operations import latest_version, save_edited_template
from tests.conftest import NOW, TODAY


def items(plan):
    return db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)).all()


def by_text(plan, text):
    return next(i for i in items(plan) if i.text == text)


@pytest.fixture
def setup(make_plan, make_role):
    """A plan on version 1 with some progress, and a version 2 that changed the template."""
    template = make_role()
    plan = make_plan(role=template)
    complete_item(by_text(plan, "Own the morning queue for a week."), plan.hire, note="Went well", now=NOW)
    complete_item(by_text(plan, "Write two help articles."), plan.hire, now=NOW)
    sign_off_item(by_text(plan, "Write two help articles."), plan.manager, NOW)
    complete_item(by_text(plan, "The help desk"), plan.hire, now=NOW)
    custom = add_item(plan, "day-90", "Present at the team meeting.", plan.manager, NOW)
    add_comment(plan, plan.manager, "About the tickets", NOW,
                item=by_text(plan, "Answer ten customer tickets with a reviewer."))
    db.session.commit()
    content = copy.deepcopy(latest_version(template).content)
    phases = {p["key"]: p for p in content["phases"]}
    phases["day-30"]["milestones"][0]["children"] = [{"text": "The help desk", "children": []}]  # status page gone
    phases["day-30"]["milestones"][1]["text"] = "Answer twenty customer tickets with a reviewer."
    phases["day-60"]["milestones"].append({"text": "Run the weekly support review.", "children": []})
    phases["day-90"]["milestones"] = [{"text": "Write a troubleshooting guide.", "children": []}]
    new_version = save_edited_template(template, content, now=NOW, actor=None)
    db.session.commit()
    return plan, new_version, custom


def test_preview_lists_the_changes_and_writes_nothing(setup):
    plan, new_version, custom = setup
    before = [(i.id, i.text, i.state, i.version) for i in items(plan)]
    preview = preview_upgrade(plan, new_version)
    assert sorted(i.text for i in preview.kept) == sorted([
        "Learn the ticket queue and its tools:", "The help desk", "Own the morning queue for a week.",
        "Lead an incident review.", "Mentor a new colleague."])
    assert preview.added == [("day-30", "Answer twenty customer tickets with a reviewer."),
                             ("day-60", "Run the weekly support review."),
                             ("day-90", "Write a troubleshooting guide.")]
    assert [i.text for i in preview.removed] == ["The status page", "Answer ten customer tickets with a reviewer."]
    assert [i.text for i in preview.retained] == ["Write two help articles."]
    assert [i.id for i in preview.custom] == [custom.id]
    document = preview.as_dict()
    assert (document["from_version"], document["to_version"]) == (1, 2)
    assert document["removed"] == ["The status page", "Answer ten customer tickets with a reviewer."]
    db.session.commit()
    db.session.expire_all()
    assert [(i.id, i.text, i.state, i.version) for i in items(plan)] == before
    assert plan.template_version.number == 1


def test_upgrade_keeps_the_state_of_unchanged_text(setup):
    plan, new_version, custom = setup
    kept = by_text(plan, "Own the morning queue for a week.")
    kept_id = kept.id
    upgrade_plan(plan, new_version, None, NOW)
    db.session.commit()
    db.session.expire_all()
    assert plan.template_version.number == 2
    current = {i.text: i for i in items(plan)}
    assert current["Own the morning queue for a week."].id == kept_id
    assert (current["Own the morning queue for a week."].state, current["Own the morning queue for a week."].note) == (
        "done", "Went well")
    # Removed and not done: gone. Removed but signed off: kept as the plan's own item.
    assert "The status page" not in current and "Answer ten customer tickets with a reviewer." not in current
    retained = current["Write two help articles."]
    assert (retained.state, retained.is_custom) == ("signed_off", True)
    # New ones arrive open, with their phase's due date; the custom item stays.
    new = current["Run the weekly support review."]
    assert (new.state, new.phase_key, new.is_custom) == ("open", "day-60", False)
    assert new.due_on == current["Own the morning queue for a week."].due_on
    assert current["Present at the team meeting."].id == custom.id
    # The group lost its open sub-item: its only child is done, so it is done.
    assert current["Learn the ticket queue and its tools:"].state == "done"
    # Order: phases in order, parents before children.
    document = plan_as_json(plan, today=TODAY)
    assert [(p["key"], [i["text"] for i in p["items"]]) for p in document["phases"]] == [
        ("day-30", ["Learn the ticket queue and its tools:", "Answer twenty customer tickets with a reviewer."]),
        ("day-60", ["Own the morning queue for a week.", "Run the weekly support review."]),
        ("day-90", ["Write a troubleshooting guide.", "Write two help articles.", "Present at the team meeting."]),
        ("month-6", ["Lead an incident review."]),
        ("month-12", ["Mentor a new colleague."]),
    ]
    assert document["phases"][0]["items"][0]["children"][0]["text"] == "The help desk"
    assert document["template_version"] == 2
    event = db.session.scalar(select(Event).where(Event.kind == "plan.upgraded"))
    assert (event.old_value, event.new_value["template_version"]) == ({"template_version": 1}, 2)
    assert event.new_value["removed"] == ["The status page", "Answer ten customer tickets with a reviewer."]
    # The comment on a removed item stays on the plan.
    comment = db.session.scalar(select(Comment).where(Comment.body == "About the tickets"))
    assert comment.plan_id == plan.id and comment.item_id is None


def test_upgrade_refusals(setup, make_role):
    plan, new_version, _ = setup
    with pytest.raises(ServiceError, match="not newer"):
        upgrade_plan(plan, plan.template_version, None, NOW)
    other = latest_version(make_role("Data Engineer"))
    with pytest.raises(ServiceError, match="its own role template"):
        preview_upgrade(plan, other)
    upgrade_plan(plan, new_version, None, NOW)
    db.session.commit()
    with pytest.raises(ServiceError, match="not newer"):
        upgrade_plan(plan, new_version, None, NOW)


def test_upgrade_moves_a_sub_item_to_a_new_group(make_plan, make_role):
    template = make_role()
    plan = make_plan(role=template)
    complete_item(by_text(plan, "The status page"), plan.hire, now=NOW)
    db.session.commit()
    content = copy.deepcopy(latest_version(template).content)
    day30 = content["phases"][0]["milestones"]
    day30[0]["children"] = [{"text": "The help desk", "children": []}]
    day30.append({"text": "Learn how we communicate outages:", "children": [
        {"text": "The status page", "children": []}, {"text": "The incident channel", "children": []}]})
    new_version = save_edited_template(template, content, now=NOW, actor=None)
    db.session.commit()
    upgrade_plan(plan, new_version, None, NOW)
    db.session.commit()
    db.session.expire_all()
    status = by_text(plan, "The status page")
    assert status.state == "done"
    assert status.parent.text == "Learn how we communicate outages:"
    assert status.parent.state == "open"
    tree = plan_as_json(plan, today=TODAY)["phases"][0]["items"]
    assert [i["text"] for i in tree] == ["Learn the ticket queue and its tools:",
                                         "Answer ten customer tickets with a reviewer.",
                                         "Learn how we communicate outages:"]
    assert [c["text"] for c in tree[2]["children"]] == ["The status page", "The incident channel"]


def test_custom_sub_items_follow_their_parent_or_move_up(make_plan, make_role):
    template = make_role()
    plan = make_plan(role=template)
    group = by_text(plan, "Learn the ticket queue and its tools:")
    add_item(plan, "day-30", "Our chat tool", plan.manager, NOW, parent=group)
    complete_item(by_text(plan, "The status page"), plan.hire, now=NOW)
    db.session.commit()
    # v2 renames the group (so it is removed: it is open) and keeps one of its template sub-items.
    content = copy.deepcopy(latest_version(template).content)
    content["phases"][0]["milestones"][0]["text"] = "Learn the support tools:"
    v2 = save_edited_template(template, content, now=NOW, actor=None)
    db.session.commit()
    preview = preview_upgrade(plan, v2)
    assert [i.text for i in preview.removed] == ["Learn the ticket queue and its tools:"]
    assert preview.added == [("day-30", "Learn the support tools:")] and preview.has_changes
    upgrade_plan(plan, v2, None, NOW)
    db.session.commit()
    db.session.expire_all()
    tree = plan_as_json(plan, today=TODAY)["phases"][0]["items"]
    assert [(i["text"], [c["text"] for c in i["children"]]) for i in tree] == [
        ("Learn the support tools:", ["The help desk", "The status page"]),
        ("Answer ten customer tickets with a reviewer.", []),
        ("Our chat tool", []),  # its parent went away: it moves to the top of its phase
    ]
    assert tree[0]["children"][1]["state"] == "done"
    # A custom sub-item under a kept parent stays under it, after the template's sub-items.
    group = by_text(plan, "Learn the support tools:")
    add_item(plan, "day-30", "The wiki", plan.manager, NOW, parent=group)
    content = copy.deepcopy(v2.content)
    content["phases"][0]["milestones"][0]["children"].insert(0, {"text": "The phone line", "children": []})
    v3 = save_edited_template(template, content, now=NOW, actor=None)
    db.session.commit()
    upgrade_plan(plan, v3, None, NOW)
    db.session.commit()
    db.session.expire_all()
    tree = plan_as_json(plan, today=TODAY)["phases"][0]["items"]
    assert [c["text"] for c in tree[0]["children"]] == ["The phone line", "The help desk", "The status page",
                                                         "The wiki"]
    positions = [i.position for i in items(plan)]
    assert positions == sorted(set(positions))


def test_upgrade_with_no_item_changes(make_plan, make_role):
    template = make_role()
    plan = make_plan(role=template)
    content = copy.deepcopy(latest_version(template).content)
    content["summary"] = "A new summary, same milestones."
    v2 = save_edited_template(template, content, now=NOW, actor=None)
    db.session.commit()
    before = {i.id: i.version for i in items(plan)}
    preview = upgrade_plan(plan, v2, None, NOW)
    db.session.commit()
    assert not preview.has_changes
    assert {i.id: i.version for i in items(plan)} == before  # nothing rewritten, so no false conflicts
