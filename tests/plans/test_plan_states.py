"""Item states: open -> done -> signed off / sent back, waivers, parents derived, events, conflicts."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from onboarding.audit.models import Event
from onboarding.core.errors import ConflictError, ServiceError, stale_as_conflict
from onboarding.extensions import db
from onboarding.plans.check_ins import (
    add_comment,
    record_check_in,
    record_self_assessment,
)
from onboarding.plans.completion import record_if_completed
from onboarding.plans.models import CheckIn, Comment, PlanItem
from onboarding.plans.states import (
    complete_item,
    reopen_item,
    send_back_item,
    sign_off_item,
    sign_off_phase,
    waive_item,
)
from tests.conftest import NOW


@pytest.fixture
def plan(make_plan):
    return make_plan()


def item(plan, text) -> PlanItem:
    return db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan.id, PlanItem.text == text))


def events(plan, kind=None):
    stmt = select(Event).where(Event.plan_id == plan.id).order_by(Event.id)
    if kind:
        stmt = stmt.where(Event.kind == kind)
    return db.session.scalars(stmt).all()


LEAF = "Answer ten customer tickets with a reviewer."
GROUP = "Learn the ticket queue and its tools:"


def test_happy_path_open_done_signed_off(plan):
    hire, manager = plan.hire, plan.manager
    leaf = item(plan, LEAF)
    complete_item(leaf, hire, note="Done with Sam as reviewer.", evidence_url="https://wiki.example.com/t/1", now=NOW)
    db.session.commit()
    assert (leaf.state, leaf.note, leaf.evidence_url, leaf.done_by_id, leaf.done_at) == (
        "done", "Done with Sam as reviewer.", "https://wiki.example.com/t/1", hire.id, NOW)
    sign_off_item(leaf, manager, NOW + timedelta(hours=1))
    db.session.commit()
    assert (leaf.state, leaf.signed_off_by_id) == ("signed_off", manager.id)
    done, signed = events(plan, "item.completed")[0], events(plan, "item.signed_off")[0]
    assert (done.actor_id, done.item_id, done.old_value["state"], done.new_value["state"]) == (
        hire.id, leaf.id, "open", "done")
    assert done.new_value["note"] == "Done with Sam as reviewer."
    assert done.created_at == NOW
    assert (signed.actor_id, signed.old_value, signed.new_value) == (
        manager.id, {"state": "done"}, {"state": "signed_off"})


def test_send_back_needs_a_comment_and_reopens(plan):
    leaf = item(plan, LEAF)
    complete_item(leaf, plan.hire, now=NOW)
    for empty in ("", "   ", None):
        with pytest.raises(ServiceError, match="comment is required"):
            send_back_item(leaf, plan.manager, empty, NOW)
    send_back_item(leaf, plan.manager, "Please link the tickets.", NOW)
    db.session.commit()
    assert (leaf.state, leaf.review_comment, leaf.sent_back_at) == ("open", "Please link the tickets.", NOW)
    event = events(plan, "item.sent_back")[0]
    assert event.new_value == {"state": "open", "review_comment": "Please link the tickets."}
    # Ticking it again clears the comment.
    complete_item(leaf, plan.hire, evidence_url="http://tickets.example.com/1", now=NOW)
    assert (leaf.state, leaf.review_comment) == ("done", "")


@pytest.mark.parametrize("state, action", [
    ("open", "sign_off"), ("open", "send_back"), ("open", "reopen"),
    ("done", "complete"),
    ("signed_off", "complete"), ("signed_off", "reopen"), ("signed_off", "sign_off"), ("signed_off", "send_back"),
    ("signed_off", "waive"),
    ("waived", "complete"), ("waived", "reopen"), ("waived", "sign_off"), ("waived", "waive"),
])
def test_illegal_transitions_are_refused(plan, state, action):
    leaf = item(plan, LEAF)
    if state in ("done", "signed_off"):
        complete_item(leaf, plan.hire, now=NOW)
    if state == "signed_off":
        sign_off_item(leaf, plan.manager, NOW)
    if state == "waived":
        waive_item(leaf, plan.manager, "Not needed", NOW)
    db.session.commit()
    count = len(events(plan))
    calls = {
        "complete": lambda: complete_item(leaf, plan.hire, now=NOW),
        "reopen": lambda: reopen_item(leaf, plan.hire, now=NOW),
        "sign_off": lambda: sign_off_item(leaf, plan.manager, NOW),
        "send_back": lambda: send_back_item(leaf, plan.manager, "Again", NOW),
        "waive": lambda: waive_item(leaf, plan.manager, "Because", NOW),
    }
    with pytest.raises(ServiceError):
        calls[action]()
    db.session.rollback()
    assert leaf.state == state
    assert len(events(plan)) == count


def test_reopen_a_done_item(plan):
    leaf = item(plan, LEAF)
    complete_item(leaf, plan.hire, now=NOW)
    reopen_item(leaf, plan.hire, now=NOW)
    assert (leaf.state, leaf.done_at) == ("open", None)
    assert [e.kind for e in events(plan)][-2:] == ["item.completed", "item.reopened"]


def test_waive_needs_a_reason(plan):
    leaf = item(plan, LEAF)
    for bad in ("", "  ", None, "x" * 1001, 12):
        with pytest.raises(ServiceError):
            waive_item(leaf, plan.manager, bad, NOW)
    waive_item(leaf, plan.manager, "Covered by previous job", NOW)
    assert (leaf.state, leaf.waived_reason) == ("waived", "Covered by previous job")
    assert events(plan, "item.waived")[0].new_value == {"state": "waived", "reason": "Covered by previous job"}


class TestParents:
    def test_parent_cannot_be_ticked_directly(self, plan):
        group = item(plan, GROUP)
        with pytest.raises(ServiceError, match="sub-items"):
            complete_item(group, plan.hire, now=NOW)
        with pytest.raises(ServiceError, match="sub-items"):
            reopen_item(group, plan.hire, now=NOW)

    def test_parent_follows_its_children(self, plan):
        group, desk, status = item(plan, GROUP), item(plan, "The help desk"), item(plan, "The status page")
        complete_item(desk, plan.hire, now=NOW)
        assert group.state == "open"
        complete_item(status, plan.hire, now=NOW)
        assert group.state == "done"
        derived = events(plan, "item.derived")
        assert (derived[-1].item_id, derived[-1].old_value, derived[-1].new_value) == (
            group.id, {"state": "open"}, {"state": "done"})
        sign_off_item(desk, plan.manager, NOW)
        assert group.state == "done"
        sign_off_item(status, plan.manager, NOW)
        assert (group.state, group.signed_off_at, group.signed_off_by_id) == ("signed_off", NOW, plan.manager_id)
        db.session.commit()

    def test_a_parent_reopened_by_its_child_forgets_who_finished_it(self, plan):
        group, desk, status = item(plan, GROUP), item(plan, "The help desk"), item(plan, "The status page")
        complete_item(desk, plan.hire, now=NOW)
        complete_item(status, plan.hire, now=NOW)
        assert (group.state, group.done_at, group.done_by_id) == ("done", NOW, plan.hire_id)
        reopen_item(status, plan.hire, now=NOW)
        assert (group.state, group.done_at, group.done_by_id, group.signed_off_at) == ("open", None, None, None)

    def test_reopening_a_child_reopens_the_parent(self, plan):
        group, desk, status = item(plan, GROUP), item(plan, "The help desk"), item(plan, "The status page")
        complete_item(desk, plan.hire, now=NOW)
        complete_item(status, plan.hire, now=NOW)
        reopen_item(status, plan.hire, now=NOW)
        assert group.state == "open"
        complete_item(status, plan.hire, now=NOW)
        send_back_item(desk, plan.manager, "Show me the tools.", NOW)
        assert group.state == "open"

    def test_waived_children(self, plan):
        group, desk, status = item(plan, GROUP), item(plan, "The help desk"), item(plan, "The status page")
        waive_item(desk, plan.manager, "No help desk here", NOW)
        assert group.state == "open"
        complete_item(status, plan.hire, now=NOW)
        assert group.state == "done"
        sign_off_item(status, plan.manager, NOW)
        assert group.state == "signed_off"

    def test_waiving_a_parent_waives_its_open_children(self, plan):
        group, desk, status = item(plan, GROUP), item(plan, "The help desk"), item(plan, "The status page")
        complete_item(desk, plan.hire, now=NOW)
        sign_off_item(desk, plan.manager, NOW)
        assert waive_item(group, plan.manager, "Different tools here", NOW) == 1
        assert (desk.state, status.state, group.state) == ("signed_off", "waived", "signed_off")
        # The reason is the group's, recorded once; the sub-item's own event only says it went with the group.
        assert (group.waived_reason, item(plan, "The status page").waived_reason) == ("Different tools here", "")
        waived = events(plan, "item.waived")
        assert [(e.item_id, e.new_value) for e in waived] == [
            (group.id, {"reason": "Different tools here", "sub_items_waived": 1}),
            (status.id, {"state": "waived", "with_group": GROUP})]

    def test_a_group_is_not_waived_when_its_count_changed(self, plan):
        group, desk = item(plan, GROUP), item(plan, "The help desk")
        complete_item(desk, plan.hire, now=NOW)
        sign_off_item(desk, plan.manager, NOW)  # the page said 2; now only the status page is left
        with pytest.raises(ServiceError, match="now has 1 sub-item to waive, not the 2 you confirmed"):
            waive_item(group, plan.manager, "Different tools here", NOW, expected_count=2)
        assert item(plan, "The status page").state == "open"

    def test_signing_off_a_parent_signs_off_its_done_children(self, plan):
        group, desk, status = item(plan, GROUP), item(plan, "The help desk"), item(plan, "The status page")
        complete_item(desk, plan.hire, now=NOW)
        complete_item(status, plan.hire, now=NOW)
        assert sign_off_item(group, plan.manager, NOW) == 2
        assert (desk.state, status.state, group.state) == ("signed_off", "signed_off", "signed_off")

    def test_sending_back_a_parent(self, plan):
        group, desk, status = item(plan, GROUP), item(plan, "The help desk"), item(plan, "The status page")
        complete_item(desk, plan.hire, now=NOW)
        complete_item(status, plan.hire, now=NOW)
        assert send_back_item(group, plan.manager, "Both need screenshots.", NOW) == 2
        assert (desk.state, status.state, group.state) == ("open", "open", "open")
        assert group.review_comment == desk.review_comment == "Both need screenshots."


def test_sign_off_a_whole_phase(plan):
    desk, status, leaf = item(plan, "The help desk"), item(plan, "The status page"), item(plan, LEAF)
    later = item(plan, "Own the morning queue for a week.")
    for it in (desk, leaf, later):
        complete_item(it, plan.hire, now=NOW)
    assert sign_off_phase(plan, "day-30", plan.manager, NOW) == 2
    assert (desk.state, leaf.state, status.state, later.state) == ("signed_off", "signed_off", "open", "done")
    assert sign_off_phase(plan, "day-30", plan.manager, NOW) == 0
    assert sign_off_phase(plan, "no-such-phase", plan.manager, NOW) == 0


class TestInput:
    @pytest.mark.parametrize("url", [
        "javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)", "data:text/html,<b>x</b>",
        "vbscript:msgbox", "file:///etc/passwd", "ftp://example.com/x", "//example.com/x", "example.com",
        "http://", "https:///path", "http://exa mple.com", "http://[::1", "https://example.com/" + "a" * 2000,
    ])
    def test_evidence_link_must_be_http(self, plan, url):
        with pytest.raises(ServiceError, match="evidence link"):
            complete_item(item(plan, LEAF), plan.hire, evidence_url=url, now=NOW)
        assert item(plan, LEAF).state == "open"

    @pytest.mark.parametrize("url", ["https://example.com", "http://intranet:8080/page?q=1#x", "HTTPS://Example.com/A"])
    def test_good_evidence_links(self, plan, url):
        complete_item(item(plan, LEAF), plan.hire, evidence_url=url, now=NOW)
        assert item(plan, LEAF).evidence_url == url

    def test_note_is_length_limited_and_cleaned(self, plan):
        with pytest.raises(ServiceError, match="longer than"):
            complete_item(item(plan, LEAF), plan.hire, note="x" * 5001, now=NOW)
        with pytest.raises(ServiceError, match="must be text"):
            complete_item(item(plan, LEAF), plan.hire, note=["a list"], now=NOW)
        complete_item(item(plan, LEAF), plan.hire, note="  <script>alert(1)</script>\x00 ok  ", now=NOW)
        db.session.commit()  # PostgreSQL refuses NUL characters in text: they are stripped
        assert item(plan, LEAF).note == "<script>alert(1)</script> ok"


class TestConflicts:
    def test_stale_expected_version_is_a_conflict(self, plan):
        leaf = item(plan, LEAF)
        seen_version = leaf.version
        complete_item(leaf, plan.hire, now=NOW)  # someone else's change, e.g. another tab
        db.session.commit()
        with pytest.raises(ConflictError, match="someone else changed this item.*reload"):
            reopen_item(leaf, plan.hire, now=NOW, expected_version=seen_version)
        with pytest.raises(ConflictError):
            sign_off_item(leaf, plan.manager, NOW, expected_version="not a number")
        sign_off_item(leaf, plan.manager, NOW, expected_version=str(leaf.version))
        assert leaf.state == "signed_off"

    def test_two_sessions_no_lost_update(self, app, plan):
        leaf_id = item(plan, LEAF).id
        manager_id, hire_id = plan.manager_id, plan.hire_id
        db.session.commit()
        # The manager's session loads the item (version 1) ...
        manager_item = item(plan, LEAF)
        assert manager_item.version == 1
        # ... the hire, in another session (another web worker), ticks it and commits.
        with Session(db.engine) as other:
            theirs = other.get(PlanItem, leaf_id)
            complete_item_plain(theirs, hire_id)
            other.commit()
        # The manager's stale copy still says "open": waiving it must not overwrite the hire's tick.
        with pytest.raises(ConflictError, match="reload"):
            with stale_as_conflict():
                waive_item(manager_item, db.session.get(type(plan.manager), manager_id), "No longer needed", NOW)
                db.session.commit()
        db.session.expire_all()
        fresh = db.session.get(PlanItem, leaf_id)
        assert (fresh.state, fresh.version) == ("done", 2)
        assert not db.session.scalars(select(Event).where(Event.kind == "item.waived")).all()


def complete_item_plain(item_row: PlanItem, hire_id: int) -> None:
    """What a second worker's complete_item changes on the row (its own session, no Flask-SQLAlchemy)."""
    item_row.state, item_row.done_by_id, item_row.done_at = "done", hire_id, NOW


def test_plan_completed_is_recorded_once_when_the_last_dated_item_closes(plan):
    """Not while one dated item is still open, once when the last one closes, and not again after."""
    parents = {i.parent_id for i in plan.items}
    dated = sorted((i for i in plan.items if i.due_on is not None and i.id not in parents), key=lambda i: i.position)
    assert len(dated) >= 2
    for leaf in dated[:-1]:
        waive_item(leaf, plan.manager, "Not needed for this hire.", NOW)
    db.session.commit()
    assert events(plan, "plan.completed") == []
    waive_item(dated[-1], plan.manager, "Not needed for this hire.", NOW)
    db.session.commit()
    completed = events(plan, "plan.completed")
    assert [e.new_value for e in completed] == [{"items": sum(1 for i in plan.items if i.due_on is not None)}]
    assert record_if_completed(plan, plan.manager, NOW) is False
    assert len(events(plan, "plan.completed")) == 1


def test_finished_plans_are_read_only(plan):
    plan.is_active = False
    db.session.commit()
    with pytest.raises(ServiceError, match="finished"):
        complete_item(item(plan, LEAF), plan.hire, now=NOW)


class TestCheckIns:
    def test_self_assessment_then_check_in(self, plan):
        record_self_assessment(plan, "day-30", plan.hire, "I know the queue well now.", NOW)
        row = record_check_in(plan, "day-30", plan.manager, "at risk", "Needs more ticket practice.", NOW)
        db.session.commit()
        assert (row.self_assessment, row.status, row.notes, row.recorded_by_id) == (
            "I know the queue well now.", "at risk", "Needs more ticket practice.", plan.manager_id)
        # Re-recording updates the same row; both changes are in the log with old and new.
        record_check_in(plan, "day-30", plan.manager, "on track", "Caught up.", NOW)
        db.session.commit()
        assert len(db.session.scalars(select(CheckIn)).all()) == 1
        recorded = events(plan, "checkin.recorded")
        assert recorded[1].old_value == {"status": "at risk", "notes": "Needs more ticket practice."}
        assert recorded[1].new_value["status"] == "on track"
        with pytest.raises(ServiceError, match="already recorded"):
            record_self_assessment(plan, "day-30", plan.hire, "Late thoughts", NOW)

    @pytest.mark.parametrize("phase", ["long-term", "day-45", "", None])
    def test_only_dated_phases(self, plan, phase):
        with pytest.raises(ServiceError, match="dated phase"):
            record_check_in(plan, phase, plan.manager, "on track", "", NOW)
        with pytest.raises(ServiceError, match="dated phase"):
            record_self_assessment(plan, phase, plan.hire, "text", NOW)

    @pytest.mark.parametrize("status", ["", "great", "ON_TRACK", None, 1])
    def test_status_is_one_of_three(self, plan, status):
        with pytest.raises(ServiceError, match="on track, at risk, off track"):
            record_check_in(plan, "day-30", plan.manager, status, "", NOW)

    def test_self_assessment_required(self, plan):
        with pytest.raises(ServiceError, match="required"):
            record_self_assessment(plan, "day-30", plan.hire, "  ", NOW)


def test_comments(plan, make_user):
    buddy = make_user()
    leaf = item(plan, LEAF)
    comment = add_comment(plan, buddy, "Nice work!", NOW, item=leaf)
    add_comment(plan, plan.manager, "Welcome aboard.", NOW)
    db.session.commit()
    assert comment.item_id == leaf.id
    assert len(db.session.scalars(select(Comment).where(Comment.plan_id == plan.id)).all()) == 2
    assert events(plan, "comment.added")[0].new_value["body"] == "Nice work!"
    for bad in ("", "x" * 5001, None):
        with pytest.raises(ServiceError):
            add_comment(plan, buddy, bad, NOW)


def test_comment_on_another_plans_item_is_refused(make_plan):
    first, second = make_plan(), make_plan()
    other_item = item(second, LEAF)
    with pytest.raises(ServiceError, match="not on this plan"):
        add_comment(first, first.hire, "Hi", NOW, item=other_item)


def test_every_change_is_logged_with_who_and_when(plan):
    leaf = item(plan, LEAF)
    later = NOW + timedelta(days=3)
    complete_item(leaf, plan.hire, note="n", now=later)
    db.session.commit()
    event = events(plan)[-1]
    assert (event.kind, event.actor_id, event.created_at, event.item_id) == ("item.completed", plan.hire_id, later, leaf.id)
    assert event.old_value == {"state": "open", "note": "", "evidence_url": ""}
    assert date.fromisoformat("2026-03-05") == later.date()
