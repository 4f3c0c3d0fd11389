"""Object-level permission: who may read and change which plan; everything else is a 404."""
import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from onboarding.extensions import db
from onboarding.plans.access import (
    ACTIONS,
    can,
    get_item_or_404,
    get_plan_or_404,
    visible_plans_stmt,
)
from onboarding.plans.models import Plan, PlanItem


@pytest.fixture
def world(make_user, make_plan):
    manager_a, manager_b = make_user(role="manager"), make_user(role="manager")
    hire_a, hire_b = make_user(manager_email=manager_a.email), make_user(manager_email=manager_b.email)
    buddy = make_user(role="hire")
    admin = make_user(role="admin")
    stranger = make_user(role="manager")
    plan_a = make_plan(hire=hire_a, manager=manager_a, buddy=buddy)
    plan_b = make_plan(hire=hire_b, manager=manager_b)
    return {"hire_a": hire_a, "hire_b": hire_b, "manager_a": manager_a, "manager_b": manager_b, "buddy": buddy,
            "admin": admin, "stranger": stranger, "anonymous": AnonymousUserMixin(), "plan_a": plan_a,
            "plan_b": plan_b}


#: who may do what on plan A (everyone else: nothing)
ALLOWED_ON_PLAN_A = {
    "read": {"hire_a", "manager_a", "buddy", "admin"},
    "comment": {"hire_a", "manager_a", "buddy", "admin"},
    "complete": {"hire_a"},
    "reopen": {"hire_a"},
    "self_assess": {"hire_a"},
    "sign_off": {"manager_a", "admin"},
    "send_back": {"manager_a", "admin"},
    "waive": {"manager_a", "admin"},
    "edit": {"manager_a", "admin"},
    "check_in": {"manager_a", "admin"},
    "upgrade": {"admin"},
    # check-in ratings and notes, the self-assessment: never the buddy
    "read_check_ins": {"hire_a", "manager_a", "admin"},
}
PEOPLE = ("hire_a", "hire_b", "manager_a", "manager_b", "buddy", "admin", "stranger", "anonymous")


def test_matrix_covers_every_action():
    assert set(ALLOWED_ON_PLAN_A) == ACTIONS


@pytest.mark.parametrize("who", PEOPLE)
def test_permission_matrix(world, who):
    user, plan = world[who], world["plan_a"]
    item = db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id).limit(1))
    for action, allowed in ALLOWED_ON_PLAN_A.items():
        expected = who in allowed
        assert can(user, plan, action) is expected, (who, action)
        if expected:
            assert get_item_or_404(user, item.id, action).id == item.id
            assert get_plan_or_404(user, plan.id, action=action).id == plan.id
        else:
            with pytest.raises(NotFound):
                get_item_or_404(user, item.id, action)
            with pytest.raises(NotFound):
                get_plan_or_404(user, plan.id, action=action)
    if who in ALLOWED_ON_PLAN_A["edit"]:
        assert get_plan_or_404(user, plan.id, write=True) is plan
    else:
        with pytest.raises(NotFound):
            get_plan_or_404(user, plan.id, write=True)


@pytest.mark.parametrize("who, visible", [
    ("hire_a", {"plan_a"}), ("hire_b", {"plan_b"}), ("manager_a", {"plan_a"}), ("manager_b", {"plan_b"}),
    ("buddy", {"plan_a"}), ("admin", {"plan_a", "plan_b"}), ("stranger", set()), ("anonymous", set()),
])
def test_visible_plans(world, who, visible):
    ids = set(db.session.scalars(visible_plans_stmt(world[who]).with_only_columns(world["plan_a"].__class__.id)))
    assert ids == {world[name].id for name in visible}


def test_deactivated_account_sees_nothing(world):
    hire = world["hire_a"]
    hire.is_active_account = False
    db.session.commit()
    assert db.session.scalars(visible_plans_stmt(hire)).all() == []
    with pytest.raises(NotFound):
        get_plan_or_404(hire, world["plan_a"].id)


@pytest.mark.parametrize("bad_id", [None, "", "abc", "1; drop table plans", -1, 0, 2**31, 10**30, 1.5e300,
                                    float("inf"), float("nan"), True,
                                    [1], {"id": 1}])
def test_bad_ids_are_404(world, bad_id):
    with pytest.raises(NotFound):
        get_plan_or_404(world["admin"], bad_id)
    with pytest.raises(NotFound):
        get_item_or_404(world["admin"], bad_id, "read")


def test_the_largest_id_the_databases_hold_is_still_an_id(world):
    """2**31 - 1 is the last INTEGER id on PostgreSQL: a plan there is found, one past it is a 404."""
    old = world["plan_b"]
    last = Plan(id=2**31 - 1, hire_id=old.hire_id, template_version_id=old.template_version_id,
                manager_id=old.manager_id, start_on=old.start_on, is_active=False, created_at=old.created_at)
    db.session.add(last)
    db.session.commit()
    assert get_plan_or_404(world["admin"], 2**31 - 1) is last
    assert get_plan_or_404(world["admin"], str(2**31 - 1)) is last


def test_someone_elses_ids_are_404_not_403(world):
    item_b = db.session.scalar(select(PlanItem).where(PlanItem.plan_id == world["plan_b"].id).limit(1))
    for who in ("hire_a", "manager_a", "buddy"):
        with pytest.raises(NotFound):
            get_item_or_404(world[who], item_b.id, "read")
        with pytest.raises(NotFound):
            get_plan_or_404(world[who], world["plan_b"].id)
    # A missing id and a forbidden id look the same.
    with pytest.raises(NotFound):
        get_plan_or_404(world["hire_a"], 999_999)


def test_a_string_id_from_a_url_works(world):
    assert get_plan_or_404(world["hire_a"], str(world["plan_a"].id)) is world["plan_a"]


def test_unknown_action_is_a_programming_error(world):
    with pytest.raises(ValueError):
        can(world["admin"], world["plan_a"], "delete")
    with pytest.raises(ValueError):
        get_item_or_404(world["admin"], 1, "delete")


def test_manager_of_the_person_but_not_the_plan(world, make_plan, make_user):
    """The plan's manager field decides, not the person's line manager."""
    hire = make_user(manager_email=world["manager_b"].email)
    plan = make_plan(hire=hire, manager=world["manager_a"])
    assert can(world["manager_a"], plan, "sign_off")
    assert not can(world["manager_b"], plan, "read")
