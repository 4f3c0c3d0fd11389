"""Building digests is set-based: the SQL statements per batch of people do not grow with plans."""
from __future__ import annotations

from datetime import timedelta

from onboarding.extensions import db
from onboarding.reminders.build import build_digests
from tests.conftest import NOW, TODAY


def organisation(person, make_plan, hires_per_manager: int) -> int:
    person("admin@example.com", role="admin")
    loner = person("loner@example.com")  # a plan without a manager: the admin always has news
    make_plan(hire=loner, manager=False, start_on=TODAY + timedelta(days=60))
    for m in range(2):
        manager = person(f"manager{m}@example.com", role="manager")
        for h in range(hires_per_manager):
            hire = person(f"hire{m}-{h}@example.com", manager=manager)
            make_plan(hire=hire, manager=manager, start_on=TODAY - timedelta(days=25 + 7 * h))
    return 4 + 2 * hires_per_manager


def test_the_same_statements_for_2_plans_as_for_40(app, person, make_plan, count_queries):
    organisation(person, make_plan, 1)
    with count_queries() as small:
        assert build_digests(NOW) == 5  # 2 hires, 2 managers, the admin
    db.session.rollback()
    for table in ("digests", "outbox_messages", "plan_items", "check_ins", "events", "plans", "users"):
        db.session.execute(db.text(f"DELETE FROM {table}"))
    db.session.commit()

    organisation(person, make_plan, 20)
    with count_queries() as large:
        assert build_digests(NOW) == 43  # 40 hires, 2 managers, the admin
    assert len(large) == len(small)


def test_statements_grow_with_batches_of_people_not_with_plans(app, person, make_plan, count_queries):
    people = organisation(person, make_plan, 5)  # 14 people
    app.config["DIGEST_PROCESSES"] = 1  # every batch's statements in this process, where they are counted
    with count_queries() as statements:
        build_digests(NOW, batch_size=5)  # 3 batches
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT users.id".upper())]
    assert len(selects) == 4  # three batches and the empty read that ends the run
    assert people == 14
    assert len(statements) <= 3 * 15 + 2


def test_a_batch_is_let_go_before_its_collection(app, person, make_plan, monkeypatch):
    """The collection after each batch walks only what is still alive: the batch just sent is not
    (neither the loop nor the reading generator holds on to its rows and contents)."""
    import gc

    from onboarding.core import memory
    from onboarding.reminders.content import DigestContent

    organisation(person, make_plan, 5)
    alive_at_collection: list[int] = []
    collect = memory.collect_young

    def counting_collect() -> None:
        alive_at_collection.append(sum(isinstance(o, DigestContent) for o in gc.get_objects()))
        collect()

    monkeypatch.setattr(memory, "collect_young", counting_collect)
    app.config["DIGEST_PROCESSES"] = 1  # every batch's collection in this process, where they are counted
    assert build_digests(NOW, batch_size=5) == 13
    # three batches, then the run's end; on PostgreSQL the reading thread may already hold the next
    # batch: at most 10 digests for its 5 people (an admin gets two), never the one just sent as well
    assert len(alive_at_collection) == 4
    assert all(alive <= 10 for alive in alive_at_collection), alive_at_collection
    if db.engine.dialect.name == "sqlite":
        assert alive_at_collection == [0, 0, 0, 0]
