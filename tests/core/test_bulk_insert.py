"""`bulk_insert` writes every value as given, whatever characters a mail holds, on both databases."""
from datetime import datetime, timezone

from sqlalchemy import func, select

from onboarding.core.db import bulk_insert, inserts_sent_ahead, table_of
from onboarding.extensions import db
from onboarding.outbox.models import OutboxMessage
from onboarding.reminders.models import Digest

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
#: what array literals quote or escape: quotes, backslashes, braces, commas, NULL-looking text
AWKWARD = 'He said "done", {ok}\\n NULL \'quoted\' — ünïcödé <a href="x?a=1&b=2">'


def test_bulk_insert_round_trips_awkward_text_json_and_nulls(app, make_user):
    ada, bo = make_user(email="ada@example.com"), make_user(email="bo@example.com")
    outbox, digests = table_of(OutboxMessage), table_of(Digest)
    rows = [{"user_id": person.id, "channel": "email", "to_addr": person.email, "subject": AWKWARD,
             "text_body": AWKWARD * 50, "html_body": f"<p>{AWKWARD}</p>" * 50,
             "headers": {"Message-ID": f"<{person.id}@example.com>", "X-Quote": AWKWARD}, "payload": None,
             "status": "queued", "attempts": 0, "next_attempt_at": NOW, "last_error": "", "created_at": NOW}
            for person in (ada, bo)]
    returned = bulk_insert(db.session, outbox, rows, ["id", "user_id"])
    claims = [{"user_id": person.id, "kind": "person", "period": "2026-W02", "created_at": NOW, "message_id": None}
              for person in (ada, bo)]
    claimed = bulk_insert(db.session, digests, claims, ["user_id"], conflict_columns=["user_id", "kind", "period"])
    again = bulk_insert(db.session, digests, claims[:1], ["user_id"], conflict_columns=["user_id", "kind", "period"])
    db.session.commit()

    assert sorted(user_id for _, user_id in returned) == sorted([ada.id, bo.id])
    assert sorted(claimed) == sorted([(ada.id,), (bo.id,)])
    assert again == []
    stored = db.session.execute(select(OutboxMessage).where(OutboxMessage.user_id == ada.id)).scalar_one()
    assert (stored.subject, stored.text_body, stored.html_body) == (AWKWARD, AWKWARD * 50, f"<p>{AWKWARD}</p>" * 50)
    assert stored.headers == {"Message-ID": f"<{ada.id}@example.com>", "X-Quote": AWKWARD}
    assert stored.payload is None and stored.next_attempt_at == NOW
    assert db.session.scalars(select(Digest.message_id)).all() == [None, None]


def test_shared_values_are_written_to_every_row(app, make_user):
    ada, bo = make_user(email="ada@example.com"), make_user(email="bo@example.com")
    rows = [{"user_id": person.id, "to_addr": person.email, "subject": AWKWARD, "text_body": "t", "html_body": "h",
             "headers": {"X-Quote": AWKWARD}} for person in (ada, bo)]
    shared = {"channel": "slack", "status": "queued", "attempts": 3, "next_attempt_at": NOW, "last_error": AWKWARD,
              "created_at": NOW, "payload": {"text": AWKWARD}}
    returned = bulk_insert(db.session, table_of(OutboxMessage), rows, ["user_id"], shared=shared)
    db.session.commit()

    assert sorted(returned) == sorted([(ada.id,), (bo.id,)])
    for message in db.session.scalars(select(OutboxMessage)):
        assert (message.channel, message.status, message.attempts, message.next_attempt_at, message.last_error,
                message.created_at, message.payload) == ("slack", "queued", 3, NOW, AWKWARD, NOW, {"text": AWKWARD})
        assert message.headers == {"X-Quote": AWKWARD}


def test_inserts_sent_ahead_return_their_rows_when_the_block_ends_and_are_counted(app, make_user, count_queries):
    people = [(person.id, person.email) for person in (make_user(email=f"p{n}@example.com") for n in range(3))]
    outbox = table_of(OutboxMessage)
    with count_queries() as statements:
        with inserts_sent_ahead(db.session) as insert:  # no other statement may run in the block
            parts = [insert(outbox, [{"user_id": user_id, "to_addr": email, "subject": "s", "text_body": AWKWARD,
                                      "html_body": "", "headers": {}}], ["id", "user_id"],
                            shared={"channel": "email", "status": "queued", "attempts": 0, "next_attempt_at": NOW,
                                    "last_error": "", "created_at": NOW})
                     for user_id, email in people]
            nothing = insert(outbox, [], ["id"])
            if db.session.get_bind().dialect.name == "postgresql":
                assert parts == [[], [], []]  # sent, not waited for
    db.session.commit()

    assert [[user_id for _, user_id in part] for part in parts] == [[user_id] for user_id, _ in people]
    assert nothing == []
    assert len([s for s in statements if s.startswith("INSERT INTO outbox_messages")]) == 3
    stored = {m.id: m for m in db.session.scalars(select(OutboxMessage))}
    assert [stored[part[0][0]].to_addr for part in parts] == [email for _, email in people]


def test_more_rows_than_one_statement_holds_are_all_written(app, make_user, count_queries):
    """SQLite binds at most 32,766 values a statement: a bigger insert goes in several, and still
    returns every row (PostgreSQL sends one array per column whatever the count)."""
    ada = make_user(email="ada@example.com")
    rows = [{"user_id": ada.id, "kind": "person", "period": f"p{n}", "message_id": None} for n in range(9000)]
    with count_queries() as statements:
        returned = bulk_insert(db.session, table_of(Digest), rows, ["period"],
                               conflict_columns=["user_id", "kind", "period"], shared={"created_at": NOW})
    db.session.commit()

    inserts = [s for s in statements if s.startswith("INSERT INTO digests")]
    assert len(inserts) == (2 if db.session.get_bind().dialect.name == "sqlite" else 1)
    assert sorted(period for (period,) in returned) == sorted(row["period"] for row in rows)
    assert db.session.scalar(select(func.count()).select_from(Digest).where(Digest.created_at == NOW)) == 9000
