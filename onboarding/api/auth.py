"""Bearer-token authentication and the per-token rate limit of the API.

The rate limit uses the `limits` library (the engine under Flask-Limiter) with a moving window,
keyed by the token's id once the token is known. Its storage is `ONBOARDING_RATE_LIMIT_STORAGE_URI`:
`memory://` by default (one counter per web process), `redis://...` to share one counter between
several web workers.
"""
from __future__ import annotations

import math

from flask import Flask, current_app, g, request
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from onboarding.api.errors import ApiProblem
from onboarding.core import clock
from onboarding.extensions import db
from onboarding.people.models import ApiToken, User
from onboarding.people.tokens import record_use, token_for_secret

EXTENSION = "onboarding.api_rate_limiter"


def init_rate_limit(app: Flask) -> None:
    """Check the limit's wording now; the storage is made at the first API request, because the
    in-memory one starts a timer thread, and building an app (a command, a test) starts no thread."""
    parse(app.config["API_RATE_LIMIT"])
    app.extensions[EXTENSION] = None


def _limiter(app: Flask):
    if app.extensions.get(EXTENSION) is None:
        storage = storage_from_string(app.config.get("API_RATE_LIMIT_STORAGE_URI") or "memory://")
        app.extensions[EXTENSION] = (MovingWindowRateLimiter(storage), parse(app.config["API_RATE_LIMIT"]))
    return app.extensions[EXTENSION]


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def authenticate() -> None:
    """Find the request's token (401 without a valid one), apply its rate limit (429), note its use."""
    now = clock.now()
    secret = bearer_secret()
    token = token_for_secret(secret, now) if secret else None
    if token is None:
        raise ApiProblem(401, headers={"WWW-Authenticate": 'Bearer realm="onboarding"'})
    _check_rate_limit(token)
    if record_use(token, now):
        db.session.commit()
    g.api_token, g.api_user = token, token.user


def _check_rate_limit(token: ApiToken) -> None:
    limiter, limit = _limiter(current_app)
    key = f"token-{token.id}"
    if limiter.hit(limit, key):
        return
    reset_at, _remaining = limiter.get_window_stats(limit, key)
    wait = max(1, math.ceil(reset_at - clock.now().timestamp()))
    raise ApiProblem(429, f"This token made more than {limit} requests; retry in {wait} seconds.",
                     headers={"Retry-After": str(wait)})


def api_user() -> User:
    """The person the request's token acts as (set by `authenticate`)."""
    return g.api_user


def api_token() -> ApiToken:
    return g.api_token
