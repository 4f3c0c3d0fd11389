"""Per-plan edits: add, reword, move the start date; the template is never touched."""
from datetime import date

import pytest
from sqlalchemy import select

from onboarding.audit.models import Event
from onboarding.core.errors import ServiceError
from onboarding.extensions import db
from onboarding.org.operations import set_working_days_only
from onboarding.plans.edits import add_item, edit_item_text, move_start_date
from onboarding.plans.models import PlanItem
from onboarding.plans.reading import plan_as_json
from onboarding.plans.states import complete_item, sign_off_item, waive_item
from onboarding.roles.models import RoleTemplateVersion
from tests.conftest import NOW, TODAY


def items(plan):
    return db.session.scalars(select(PlanItem).where(PlanItem.plan_id == plan.id).order_by(PlanItem.position)).all()


def by_text(plan, text):
    return next(i for i in items(plan) if i.text == text)


def test_add_item_goes_at_the_end_of_its_phase(make_plan):
    plan = make_plan(start_on=date(2026, 1, 31))
    template_before = dict(plan.template_version.content)
    added = add_item(plan, "day-60", "Shadow the on-call engineer.", plan.manager, NOW)
    db.session.commit()
    texts = [(i.phase_key, i.text) for i in items(plan)]
    at = texts.index(("day-60", "Shadow the on-call engineer."))
    assert texts[at - 1] == ("day-60", "Own the morning queue for a week.")
    assert texts[at + 1][0] == "day-90"
    assert (added.is_custom, added.state, added.due_on, added.offset_days) == (True, "open", date(2026, 4, 1), 60)
    assert plan.template_version.content == template_before
    event = db.session.scalar(select(Event).where(Event.kind == "item.added"))
    assert (event.item_id, event.actor_id, event.new_value["text"]) == (added.id, plan.manager_id,
                                                                        "Shadow the on-call engineer.")


def test_add_sub_item_reopens_a_done_parent(make_plan):
    plan = make_plan()
    group = by_text(plan, "Learn the ticket queue and its tools:")
    for child in ("The help desk", "The status page"):
        complete_item(by_text(plan, child), plan.hire, now=NOW)
    assert group.state == "done"
    added = add_item(plan, "day-30", "The on-call rota", plan.manager, NOW, parent=group)
    db.session.commit()
    assert added.parent_id == group.id and group.state == "open"
    order = [i.text for i in items(plan)]
    assert order.index("The on-call rota") == order.index("The status page") + 1
    tree = plan_as_json(plan, today=TODAY)["phases"][0]["items"][0]
    assert [c["text"] for c in tree["children"]] == ["The help desk", "The status page", "The on-call rota"]


def test_many_additions_in_one_place_keep_the_order(make_plan):
    plan = make_plan()
    texts = [f"Extra {n}" for n in range(15)]
    for text in texts:
        add_item(plan, "day-30", text, plan.manager, NOW)
    db.session.commit()
    day30 = [i.text for i in items(plan) if i.phase_key == "day-30" and i.parent_id is None]
    assert day30[-15:] == texts
    assert len({i.position for i in items(plan)}) == len(items(plan))


def test_add_item_refusals(make_plan):
    plan, other = make_plan(), make_plan()
    with pytest.raises(ServiceError, match="no dated phase"):
        add_item(plan, "long-term", "Guidance is not a checklist", plan.manager, NOW)
    with pytest.raises(ServiceError, match="required"):
        add_item(plan, "day-30", "   ", plan.manager, NOW)
    with pytest.raises(ServiceError, match="longer than"):
        add_item(plan, "day-30", "x" * 2001, plan.manager, NOW)
    with pytest.raises(ServiceError, match="same plan"):
        add_item(plan, "day-30", "Sneaky", plan.manager, NOW, parent=by_text(other, "The help desk"))
    leaf = by_text(plan, "Answer ten customer tickets with a reviewer.")
    complete_item(leaf, plan.hire, now=NOW)
    with pytest.raises(ServiceError, match="reopen"):
        add_item(plan, "day-30", "Under a done item", plan.manager, NOW, parent=leaf)


def test_edit_text_keeps_the_template(make_plan):
    plan = make_plan()
    leaf = by_text(plan, "Write two help articles.")
    edit_item_text(leaf, "Write three help articles.", plan.manager, NOW)
    db.session.commit()
    assert (leaf.text, leaf.is_custom) == ("Write three help articles.", True)
    version = db.session.get(RoleTemplateVersion, plan.template_version_id)
    assert "Write two help articles." in str(version.content)
    event = db.session.scalar(select(Event).where(Event.kind == "item.edited"))
    assert (event.old_value, event.new_value) == ({"text": "Write two help articles."},
                                                  {"text": "Write three help articles."})
    with pytest.raises(ServiceError):
        edit_item_text(leaf, "", plan.manager, NOW)


def test_move_start_date_moves_only_open_items(make_plan):
    plan = make_plan(start_on=date(2026, 1, 31))
    added = add_item(plan, "month-6", "A custom item", plan.manager, NOW)
    done = by_text(plan, "Answer ten customer tickets with a reviewer.")
    signed = by_text(plan, "Own the morning queue for a week.")
    waived = by_text(plan, "Write two help articles.")
    complete_item(done, plan.hire, now=NOW)
    complete_item(signed, plan.hire, now=NOW)
    sign_off_item(signed, plan.manager, NOW)
    waive_item(waived, plan.manager, "Already wrote some", NOW)
    db.session.commit()
    moved = move_start_date(plan, date(2026, 8, 31), plan.manager, NOW)
    db.session.commit()
    assert plan.start_on == date(2026, 8, 31)
    assert done.due_on == date(2026, 3, 2) and signed.due_on == date(2026, 4, 1)
    assert waived.due_on == date(2026, 5, 1)
    assert by_text(plan, "The help desk").due_on == date(2026, 9, 30)
    assert by_text(plan, "Learn the ticket queue and its tools:").due_on == date(2026, 9, 30)
    assert by_text(plan, "Lead an incident review.").due_on == date(2027, 2, 28)
    assert added.due_on == date(2027, 2, 28)
    assert by_text(plan, "Mentor a new colleague.").due_on == date(2027, 8, 31)
    assert moved == 6  # group + two sub-items, month-6 pair, month-12
    event = db.session.scalar(select(Event).where(Event.kind == "plan.start_moved"))
    assert event.old_value == {"start_on": "2026-01-31"}
    assert event.new_value == {"start_on": "2026-08-31", "items_moved": 6}
    assert move_start_date(plan, date(2026, 8, 31), plan.manager, NOW) == 0


def test_move_start_date_uses_the_working_day_rule(make_plan):
    plan = make_plan(start_on=date(2026, 1, 31))
    set_working_days_only(True, None, NOW)
    move_start_date(plan, date(2026, 1, 1), None, NOW)
    assert by_text(plan, "The help desk").due_on == date(2026, 2, 2)  # Sat 31 Jan -> Mon


@pytest.mark.parametrize("bad", ["2026-02-01", None, 5])
def test_move_start_date_needs_a_date(make_plan, bad):
    plan = make_plan()
    with pytest.raises(ServiceError, match="date"):
        move_start_date(plan, bad, None, NOW)
