"""API test helpers: a token per person, and calls with it."""
from __future__ import annotations

import pytest

from onboarding.extensions import db
from onboarding.people.tokens import create_token
from tests.conftest import NOW


@pytest.fixture
def make_token(app):
    """make_token(user) -> the bearer secret of a new token acting as `user`."""

    def make(user, name: str = "test"):
        _, secret = create_token(user, name, actor=None, now=NOW)
        db.session.commit()
        return secret

    return make


def auth(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}
