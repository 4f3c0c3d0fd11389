"""`bulk_insert` writes every value as given, whatever characters a mail holds, on both databases."""
from datetime import datetime, timezone

from sqlalchemy import select

from onboarding.core.db import bulk_insert, table_of
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
