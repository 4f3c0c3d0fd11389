"""The API's rules: tokens (401, revoked, expired), problem+json, 422, 409, Idempotency-Key, rate limit."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from onboarding.audit.models import Event
from onboarding.extensions import db
from onboarding.people.models import ApiToken
from onboarding.people.tokens import create_token, hash_token, revoke_token
from tests.api.conftest import auth
from tests.conftest import NOW


def leaf_ids(plan) -> list[int]:
    return [i.id for i in plan.items if not i.children]


def test_no_token_bad_token_revoked_or_expired_token_answer_401(app, client, make_user, make_token):
    user = make_user(role="admin")
    secret = make_token(user)
    assert client.get("/api/v1/roles").status_code == 401
    answer = client.get("/api/v1/roles", headers=auth("onb_not-a-token"))
    assert answer.status_code == 401 and answer.mimetype == "application/problem+json"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Bearer" in answer.get_json()["detail"]
    assert client.get("/api/v1/roles", headers=auth(secret)).status_code == 200

    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(secret)))
    assert token.last_used_at is not None and secret not in (token.token_hash, token.prefix)
    revoke_token(token, actor=None, now=NOW)
    db.session.commit()
    assert client.get("/api/v1/roles", headers=auth(secret)).status_code == 401

    _, short_lived = create_token(user, "one day", actor=None, now=NOW - timedelta(days=2), expires_days=1)
    db.session.commit()
    assert client.get("/api/v1/roles", headers=auth(short_lived)).status_code == 401


def test_cli_prints_the_token_alone_on_the_last_line(app, client, runner, make_user):
    make_user(role="manager", email="grace@example.com")
    result = runner.invoke(args=["tokens", "create", "--email", "grace@example.com", "--name", "HRIS",
                                 "--expires-days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert secret.startswith("onb_") and " " not in secret
    assert client.get("/api/v1/plans", headers=auth(secret)).status_code == 200
    bad = runner.invoke(args=["tokens", "create", "--email", "nobody@example.com", "--name", "x"])
    assert bad.exit_code == 1 and "no person" in bad.output


def test_invalid_fields_answer_422_problem_and_change_nothing(app, client, make_plan, make_token):
    plan = make_plan()
    secret = make_token(plan.hire)
    events = db.session.scalar(select(func.count()).select_from(Event))
    item_id = leaf_ids(plan)[0]
    answer = client.post(f"/api/v1/items/{item_id}/complete", headers=auth(secret),
                         json={"evidence_url": "javascript:alert(1)"})
    assert answer.status_code == 422 and answer.mimetype == "application/problem+json"
    assert "http" in answer.get_json()["detail"]
    answer = client.post(f"/api/v1/items/{item_id}/complete", headers=auth(secret), json={"note": 5, "extra": 1})
    assert answer.status_code == 422
    assert {e["field"] for e in answer.get_json()["errors"]} == {"note", "extra"}
    assert db.session.scalar(select(func.count()).select_from(Event)) == events


def test_a_stale_version_answers_409(app, client, make_plan, make_token):
    plan = make_plan()
    secret = make_token(plan.hire)
    item_id = leaf_ids(plan)[0]
    version = client.get(f"/api/v1/plans/{plan.id}", headers=auth(secret)).status_code and 1
    ok = client.post(f"/api/v1/items/{item_id}/complete", headers=auth(secret), json={"version": version})
    assert ok.status_code == 200 and ok.get_json()["version"] == version + 1
    stale = client.post(f"/api/v1/items/{item_id}/reopen", headers=auth(secret), json={"version": version})
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    fresh = client.post(f"/api/v1/items/{item_id}/reopen", headers=auth(secret), json={"version": version + 1})
    assert fresh.status_code == 200 and fresh.get_json()["state"] == "open"


def test_the_same_idempotency_key_replays_the_first_answer(app, client, make_plan, make_token):
    plan = make_plan()
    secret = make_token(plan.hire)
    item_id = leaf_ids(plan)[0]
    headers = auth(secret, **{"Idempotency-Key": "sync-42"})
    first = client.post(f"/api/v1/items/{item_id}/complete", headers=headers, json={"note": "once"})
    events = db.session.scalar(select(func.count()).select_from(Event))
    again = client.post(f"/api/v1/items/{item_id}/complete", headers=headers, json={"note": "once"})
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(Event)) == events
    other = client.post(f"/api/v1/items/{item_id}/complete", headers=headers, json={"note": "twice"})
    assert other.status_code == 422 and "different request" in other.get_json()["detail"]
    # without the key, the same call is a second request, refused by the state machine
    assert client.post(f"/api/v1/items/{item_id}/complete", headers=auth(secret), json={}).status_code == 422


def test_a_token_over_its_rate_limit_gets_429_with_retry_after(app, client, make_user, make_token):
    app.config["API_RATE_LIMIT"] = "3/minute"
    from onboarding.api.auth import init_rate_limit

    init_rate_limit(app)
    secret, other = make_token(make_user()), make_token(make_user())
    assert [client.get("/api/v1/roles", headers=auth(secret)).status_code for _ in range(3)] == [200] * 3
    limited = client.get("/api/v1/roles", headers=auth(secret))
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert client.get("/api/v1/roles", headers=auth(other)).status_code == 200


def test_unknown_api_paths_and_methods_answer_problem_json(app, client, make_user, make_token):
    secret = make_token(make_user())
    missing = client.get("/api/v1/nothing-here", headers=auth(secret))
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    wrong = client.delete("/api/v1/roles", headers=auth(secret))
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"


def test_only_admins_add_hires_and_import_roles(app, client, make_user, make_role, make_token):
    make_role()
    secret = make_token(make_user(role="manager"))
    answer = client.post("/api/v1/hires", headers=auth(secret), json={
        "email": "x@example.com", "name": "X", "role": "support-engineer", "start_on": "2026-03-02"})
    assert answer.status_code == 403
    assert client.post("/api/v1/roles", headers=auth(secret), json={"document": "x"}).status_code == 403


def test_an_admin_imports_a_blueprint_document(app, client, make_user, make_token):
    from tests.conftest import FIXTURES

    path = FIXTURES / "blueprints" / "qa-analyst.paste.txt"
    secret = make_token(make_user(role="admin"))
    answer = client.post("/api/v1/roles", headers=auth(secret),
                         json={"document": path.read_text(encoding="utf-8"), "filename": path.name})
    assert answer.status_code == 201, answer.get_json()
    role = answer.get_json()["data"][0]
    assert answer.get_json()["outcomes"] == ["created"]
    assert client.get(f"/api/v1/roles/{role['slug']}", headers=auth(secret)).get_json()["title"] == role["title"]
    bad = client.post("/api/v1/roles", headers=auth(secret), json={"document": "hello"})
    assert bad.status_code == 422 and bad.get_json()["detail"]


def test_an_idempotency_key_expires_after_a_day(app, client, make_plan, make_token):
    from onboarding.api.models import IdempotencyKey

    plan = make_plan()
    secret = make_token(plan.hire)
    first, second = leaf_ids(plan)[:2]
    app.config["FIXED_NOW"] = NOW
    headers = auth(secret, **{"Idempotency-Key": "k"})
    assert client.post(f"/api/v1/items/{first}/complete", headers=headers, json={}).status_code == 200
    app.config["FIXED_NOW"] = NOW + timedelta(days=2)
    again = client.post(f"/api/v1/items/{second}/complete", headers=headers, json={})
    assert again.status_code == 200 and again.get_json()["id"] == second  # a new request, not a replay
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 1


def test_a_cursor_beyond_any_id_is_invalid_not_a_server_error(app, client, make_user, make_token):
    secret = make_token(make_user(role="admin"))
    for path in ("/api/v1/events?after=6036574894", "/api/v1/plans?cursor=99999999999", "/api/v1/hires?cursor=4294967296"):
        answer = client.get(path, headers=auth(secret))
        assert answer.status_code == 422, path
    assert client.get("/api/v1/events?after=2147483647", headers=auth(secret)).get_json() == {"data": [], "next": None}


def test_ids_beyond_the_database_range_are_not_found(app, client, make_user, make_token):
    secret = make_token(make_user(role="admin"))
    for path in ("/api/v1/hires/4294967296", "/api/v1/plans/4294967296"):
        assert client.get(path, headers=auth(secret)).status_code == 404, path
    assert client.post("/api/v1/items/4294967296/complete", headers=auth(secret), json={}).status_code == 404
