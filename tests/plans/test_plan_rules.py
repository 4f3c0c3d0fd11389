"""Plan rules the mutation sample found untested: who becomes the manager when a hire is added or
a plan's people change, every change refused on a finished plan, and sub-items under a leaf."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.plans.check_ins import record_check_in, record_self_assessment
from onboarding.plans.creation import hire_person_with_plan
from onboarding.plans.edits import add_item, assign_plan_people, edit_item_text, move_start_date
from onboarding.plans.models import PlanItem
from onboarding.plans.states import (
    complete_item,
    reopen_item,
    send_back_item,
    sign_off_item,
    sign_off_phase,
    waive_item,
)
from onboarding.roles.operations import latest_version
from tests.conftest import NOW, TODAY

LEAF = "Answer ten customer tickets with a reviewer."
GROUP = "Learn the ticket queue and its tools:"


def item(plan, text) -> PlanItem:
    return db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.text == text))


class TestManagerWhenAddingAHire:
    def test_a_person_without_a_manager_gets_the_plans_manager(self, make_user, make_role):
        version = latest_version(make_role())
        grace = make_user(role="manager", email="grace@example.com")
        make_user(email="ada@example.com")  # exists, no line manager
        result = hire_person_with_plan(email="ada@example.com", name="Ada", template_version=version,
                                       start_on=TODAY, manager_email="grace@example.com", actor=None, now=NOW)
        assert (result.plan.manager_id, result.hire.manager_id, result.is_new_person) == (grace.id, grace.id, False)
        assert result.warnings == []

    def test_an_existing_line_manager_is_kept_and_the_plan_gets_the_one_given(self, make_user, make_role):
        version = latest_version(make_role())
        lead = make_user(role="manager", email="lead@example.com")
        grace = make_user(role="manager", email="grace@example.com")
        make_user(email="ada@example.com", manager_email="lead@example.com")
        result = hire_person_with_plan(email="ada@example.com", name="Ada", template_version=version,
                                       start_on=TODAY, manager_email="grace@example.com", actor=None, now=NOW)
        assert (result.plan.manager_id, result.hire.manager_id) == (grace.id, lead.id)

    def test_no_manager_given_uses_the_line_manager(self, make_user, make_role):
        version = latest_version(make_role())
        lead = make_user(role="manager", email="lead@example.com")
        make_user(email="ada@example.com", manager_email="lead@example.com")
        result = hire_person_with_plan(email="ada@example.com", name="Ada", template_version=version,
                                       start_on=TODAY, manager_email=None, actor=None, now=NOW)
        assert result.plan.manager_id == lead.id and result.warnings == []

    def test_a_new_person_gets_the_manager_as_line_manager(self, make_user, make_role):
        version = latest_version(make_role())
        grace = make_user(role="manager", email="grace@example.com")
        result = hire_person_with_plan(email="new@example.com", name="New", template_version=version,
                                       start_on=TODAY, manager_email="GRACE@example.com", actor=None, now=NOW)
        assert (result.plan.manager_id, result.hire.manager_id, result.is_new_person) == (grace.id, grace.id, True)

    def test_no_manager_at_all_warns(self, make_role):
        version = latest_version(make_role())
        result = hire_person_with_plan(email="new@example.com", name="New", template_version=version,
                                       start_on=TODAY, manager_email=None, actor=None, now=NOW)
        assert result.plan.manager_id is None and result.hire.manager_id is None
        assert result.warnings == ["new@example.com has no manager yet: the plan is on the admin dashboard's list"]


class TestManagerOnTheAdminPage:
    def test_a_plan_without_one_gets_a_manager_and_so_does_the_hire(self, make_plan, make_user):
        plan = make_plan(manager=False)
        grace = make_user(role="manager")
        assert assign_plan_people(plan, manager=grace, buddy=None, actor=None, now=NOW) is True
        assert (plan.manager_id, plan.hire.manager_id) == (grace.id, grace.id)

    def test_the_hires_line_manager_is_kept(self, make_plan, make_user):
        plan = make_plan()
        line_manager = plan.hire.manager
        other = make_user(role="manager")
        assign_plan_people(plan, manager=other, buddy=None, actor=None, now=NOW)
        assert plan.manager_id == other.id and plan.hire.manager_id == line_manager.id

    def test_nothing_changed_is_no_event(self, make_plan):
        plan = make_plan()
        assert assign_plan_people(plan, manager=plan.manager, buddy=None, actor=None, now=NOW) is False


def _finish(plan):
    plan.is_active = False
    db.session.commit()


@pytest.mark.parametrize("change", [
    "complete", "reopen", "sign_off", "send_back", "sign_off_phase", "waive", "add_item", "add_sub_item", "edit",
    "move_start", "people", "check_in", "self_assessment",
])
def test_every_change_is_refused_on_a_finished_plan(make_plan, make_user, change):
    plan = make_plan()
    hire, manager = plan.hire, plan.manager
    leaf = item(plan, LEAF)
    if change in ("reopen", "sign_off", "send_back", "sign_off_phase"):
        complete_item(leaf, hire, now=NOW)
        db.session.commit()
    _finish(plan)
    before = [(i.id, i.state, i.text, i.due_on, i.version) for i in plan.items]
    actions = {
        "complete": lambda: complete_item(leaf, hire, now=NOW),
        "reopen": lambda: reopen_item(leaf, hire, now=NOW),
        "sign_off": lambda: sign_off_item(leaf, manager, NOW),
        "send_back": lambda: send_back_item(leaf, manager, "Again, please.", NOW),
        "sign_off_phase": lambda: sign_off_phase(plan, "day-30", manager, NOW),
        "waive": lambda: waive_item(leaf, manager, "Not needed.", NOW),
        "add_item": lambda: add_item(plan, "day-30", "One more.", manager, NOW),
        "add_sub_item": lambda: add_item(plan, "day-30", "A step.", manager, NOW, parent=leaf),
        "edit": lambda: edit_item_text(leaf, "Reworded.", manager, NOW),
        "move_start": lambda: move_start_date(plan, date(2026, 4, 1), manager, NOW),
        "people": lambda: assign_plan_people(plan, manager=make_user(role="manager"), buddy=None, actor=None, now=NOW),
        "check_in": lambda: record_check_in(plan, "day-30", manager, "on track", "Fine.", NOW),
        "self_assessment": lambda: record_self_assessment(plan, "day-30", hire, "Going well.", NOW),
    }
    with pytest.raises(ServiceError, match="finished and can no longer be changed"):
        actions[change]()
    db.session.rollback()
    assert [(i.id, i.state, i.text, i.due_on, i.version) for i in plan.items] == before


class TestSubItemUnderALeaf:
    def test_an_open_leaf_becomes_a_parent_that_is_open(self, make_plan):
        plan = make_plan()
        leaf = item(plan, LEAF)
        child = add_item(plan, "day-30", "Shadow a senior for a day.", plan.manager, NOW, parent=leaf)
        db.session.commit()
        assert (child.parent_id, child.state, child.due_on, child.is_custom) == (leaf.id, "open", leaf.due_on, True)
        assert leaf.state == "open"
        assert child.position > leaf.position
        with pytest.raises(ServiceError, match="sub-items"):
            complete_item(leaf, plan.hire, now=NOW)
        complete_item(child, plan.hire, now=NOW)
        db.session.commit()
        assert leaf.state == "done"  # derived from its one child

    def test_a_done_leaf_must_be_reopened_first(self, make_plan):
        plan = make_plan()
        leaf = item(plan, LEAF)
        complete_item(leaf, plan.hire, now=NOW)
        db.session.commit()
        with pytest.raises(ServiceError, match="reopen that item"):
            add_item(plan, "day-30", "A step.", plan.manager, NOW, parent=leaf)

    def test_a_sub_item_under_a_done_group_reopens_the_group(self, make_plan):
        plan = make_plan()
        for text in ("The help desk", "The status page"):
            complete_item(item(plan, text), plan.hire, now=NOW)
        db.session.commit()
        group = item(plan, GROUP)
        assert group.state == "done"
        add_item(plan, "day-30", "The on-call rota", plan.manager, NOW, parent=group)
        db.session.commit()
        assert group.state == "open"

    def test_a_sub_item_must_be_in_the_parents_phase(self, make_plan):
        plan = make_plan()
        with pytest.raises(ServiceError, match="same plan and phase"):
            add_item(plan, "day-60", "A step.", plan.manager, NOW, parent=item(plan, LEAF))


def test_three_levels_derive_from_the_deepest_up(make_plan):
    """Parents are re-derived deepest first: the group sees its child's new state, not the old one."""
    plan = make_plan()
    desk = item(plan, "The help desk")
    step = add_item(plan, "day-30", "Close a ticket in the help desk", plan.manager, NOW, parent=desk)
    complete_item(item(plan, "The status page"), plan.hire, now=NOW)
    db.session.commit()
    complete_item(step, plan.hire, now=NOW)
    db.session.commit()
    assert (desk.state, item(plan, GROUP).state) == ("done", "done")
