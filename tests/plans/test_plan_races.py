"""Two changes to one plan at the same instant: each parent's derived state stays right.

Before begin_change() locked the plan, the second of two simultaneous changes derived the parent
from its own stale copy of the siblings: the parent stayed `open` over children that were all done.
"""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from onboarding.extensions import db
from onboarding.plans.models import Plan, PlanItem
from onboarding.plans.states import complete_item, sign_off_item
from tests.conftest import NOW

GROUP = "Learn the ticket queue and its tools:"
CHILDREN = ("The help desk", "The status page")


def _item(plan_id: int, text: str) -> PlanItem:
    return db.session.scalar(select(PlanItem).where(PlanItem.plan_id == plan_id, PlanItem.text == text))


def _interleaved(app, plan_id: int, first, second) -> None:
    """`second` reads the plan, then `first` runs and commits, then `second` acts on what it read.

    `second` runs in a thread with its own app context, so it has its own session (as a second web
    worker would); events make the order deterministic.
    """
    loaded, committed, errors = threading.Event(), threading.Event(), []

    def other():
        try:
            with app.app_context():
                plan = db.session.get(Plan, plan_id)
                child = _item(plan_id, CHILDREN[1])
                [i.state for i in plan.items]  # noqa: B018 -- the stale read: every sibling loaded now
                loaded.set()
                assert committed.wait(20)
                second(child)
                db.session.commit()
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
            loaded.set()

    worker = threading.Thread(target=other)
    worker.start()
    assert loaded.wait(20)
    first(_item(plan_id, CHILDREN[0]))
    db.session.commit()
    committed.set()
    worker.join(30)
    assert not worker.is_alive()
    if errors:
        raise errors[0]
    db.session.expire_all()


def test_two_children_ticked_at_once_make_the_parent_done(app, make_plan):
    plan = make_plan()
    plan_id, hire_id = plan.id, plan.hire_id

    def tick(child):
        complete_item(child, db.session.get(type(plan.hire), hire_id), now=NOW)

    _interleaved(app, plan_id, tick, tick)
    assert [_item(plan_id, text).state for text in CHILDREN] == ["done", "done"]
    assert _item(plan_id, GROUP).state == "done"


def test_two_children_signed_off_at_once_sign_off_the_parent(app, make_plan):
    plan = make_plan()
    plan_id, hire, manager_id = plan.id, plan.hire, plan.manager_id
    for text in CHILDREN:
        complete_item(_item(plan_id, text), hire, now=NOW)
    db.session.commit()
    assert _item(plan_id, GROUP).state == "done"

    def sign(child):
        sign_off_item(child, db.session.get(type(hire), manager_id), NOW)

    _interleaved(app, plan_id, sign, sign)
    assert _item(plan_id, GROUP).state == "signed_off"


@pytest.mark.parametrize("rounds", [6])
def test_simultaneous_ticks_through_http_keep_parents_right(app, make_plan, rounds):
    """Real threads through a real (threaded) WSGI server: the hire ticks two sub-items at once."""
    import http.cookiejar
    import urllib.parse
    import urllib.request

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for _ in range(rounds):
            plan = make_plan()
            plan_id = plan.id
            children = [_item(plan_id, text) for text in CHILDREN]
            targets = [(c.id, c.version) for c in children]
            openers = []
            for _ in targets:
                opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
                body = urllib.parse.urlencode({"email": plan.hire.email, "password": "correct horse battery"})
                opener.open(base + "/login", body.encode()).read()
                openers.append(opener)
            db.session.rollback()
            barrier, statuses = threading.Barrier(len(targets)), []

            def tick(opener, item_id, version):
                body = urllib.parse.urlencode({"done": "y", "version": version, "note": "", "evidence_url": ""})
                barrier.wait(10)
                with opener.open(f"{base}/plan/items/{item_id}", body.encode()) as response:
                    statuses.append(response.status)

            threads = [threading.Thread(target=tick, args=(o, *t)) for o, t in zip(openers, targets)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert statuses == [200, 200]
            db.session.expire_all()
            assert [_item(plan_id, text).state for text in CHILDREN] == ["done", "done"]
            assert _item(plan_id, GROUP).state == "done"
    finally:
        server.shutdown()


def test_plans_repair_rederives_parents_left_wrong(app, make_plan, runner):
    from sqlalchemy import update

    plan = make_plan()
    for text in CHILDREN:
        complete_item(_item(plan.id, text), plan.hire, now=NOW)
    db.session.commit()
    group_id = _item(plan.id, GROUP).id
    db.session.execute(update(PlanItem).where(PlanItem.id == group_id).values(state="open"))  # as the race left it
    db.session.commit()
    result = runner.invoke(args=["plans", "repair"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "1 parent item(s) repaired"
    db.session.expire_all()
    assert db.session.get(PlanItem, group_id).state == "done"
    assert runner.invoke(args=["plans", "repair"]).output.strip() == "0 parent item(s) repaired"
