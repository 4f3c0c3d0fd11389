"""`Idempotency-Key` on POST: the first answer is stored with the change, in the same transaction, and
the same key replays it (changing nothing). The same key with another request is refused (422).

Two requests racing with one key: both run, but the unique (token, key) constraint lets only one
commit; the other is rolled back and answers what the winner stored.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from onboarding.api.auth import api_token
from onboarding.api.errors import ApiProblem, sentence
from onboarding.api.models import IdempotencyKey
from onboarding.core import clock
from onboarding.core.errors import ConflictError, ServiceError, stale_as_conflict
from onboarding.extensions import db

HEADER = "Idempotency-Key"


MAX_KEY_LENGTH = 255


#: stored answers are kept this long; a key reused after that runs again
KEEP_FOR = timedelta(days=1)


def _fingerprint() -> str:
    body = request.get_data(cache=True) or b""
    return hashlib.sha256(request.method.encode() + b" " + request.path.encode() + b"\n" + body).hexdigest()


def _key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiProblem(422, f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} characters.")
    return key


def _stored(key: str, now: datetime) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.token_id == api_token().id, IdempotencyKey.key == key,
        IdempotencyKey.created_at > now - KEEP_FOR))


def _replay(stored: IdempotencyKey, fingerprint: str) -> tuple[dict, int, dict]:
    if stored.fingerprint != fingerprint:
        raise ApiProblem(422, f"This {HEADER} was already used for a different request; use a new key.")
    return stored.body, stored.status_code, {"Idempotent-Replayed": "true"}


def perform(action: Callable[[], dict], status: int = 200) -> tuple[dict, int, dict]:
    """Run a write operation once and commit; its refusal is a problem (409 conflict, 422 refusal)."""
    now = clock.now()
    key = _key()
    fingerprint = _fingerprint() if key else ""
    if key:
        stored = _stored(key, now)
        if stored is not None:
            return _replay(stored, fingerprint)
    try:
        with stale_as_conflict():
            body = action()
            if key:
                # this key's expired answer, and the token's other expired ones, make room
                db.session.execute(delete(IdempotencyKey).where(
                    IdempotencyKey.token_id == api_token().id,
                    or_(IdempotencyKey.key == key, IdempotencyKey.created_at <= now - KEEP_FOR)))
                db.session.add(IdempotencyKey(token_id=api_token().id, key=key, fingerprint=fingerprint,
                                              status_code=status, body=json.loads(json.dumps(body, default=str)),
                                              created_at=now))
            db.session.commit()
    except ConflictError as exc:
        db.session.rollback()
        raise ApiProblem(409) from exc
    except ServiceError as exc:
        db.session.rollback()
        raise ApiProblem(422, sentence(str(exc))) from exc
    except IntegrityError:
        db.session.rollback()
        stored = _stored(key, now) if key else None
        if stored is None:
            raise
        return _replay(stored, fingerprint)
    return body, status, {}
