"""Single sign-on with OpenID Connect, through Authlib (no hand-written protocol code).

Authlib reads the issuer's discovery document, sends `state`, `nonce` and a PKCE S256 challenge,
keeps them in the signed session, and on the callback checks the state, exchanges the code with
the verifier, and verifies the ID token (signature from the issuer's keys, issuer, audience,
expiry, nonce). We then match a person by the *verified* email, case-insensitively.
"""
from __future__ import annotations

import logging
from datetime import datetime

from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, render_template, request, session, url_for
from flask import redirect as redirect_to
from requests import RequestException

from onboarding.audit.record import record_event
from onboarding.audit.types import EventType
from onboarding.core import clock
from onboarding.core.errors import ServiceError
from onboarding.core.security import is_safe_next
from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.people.operations import create_user, get_user_by_email, normalise_email

logger = logging.getLogger(__name__)

bp = Blueprint("oidc", __name__)

NEXT_KEY = "oidc_next"


def is_configured(app) -> bool:
    return bool(app.config.get("OIDC_ISSUER") and app.config.get("OIDC_CLIENT_ID"))


def init_app(app) -> None:
    """Register the provider when ONBOARDING_OIDC_ISSUER and _CLIENT_ID are set (discovery is read lazily)."""
    if not is_configured(app):
        return
    oauth = OAuth(app)
    oauth.register(
        "sso",
        client_id=app.config["OIDC_CLIENT_ID"],
        client_secret=app.config.get("OIDC_CLIENT_SECRET"),
        server_metadata_url=app.config["OIDC_ISSUER"] + "/.well-known/openid-configuration",
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions["onboarding.oidc"] = oauth


def _client():
    oauth = current_app.extensions.get("onboarding.oidc")
    if oauth is None:
        abort(404)
    return oauth.sso


def redirect_uri() -> str:
    return current_app.config["BASE_URL"].rstrip("/") + "/auth/oidc/callback"


def _refuse(message: str, status: int = 403):
    return render_template("auth/sso_problem.html", message=message), status


@bp.get("/auth/oidc/login")
def login():
    """Send the person to the identity provider."""
    client = _client()
    target = request.args.get("next")
    session[NEXT_KEY] = target if is_safe_next(target) else None
    try:
        return client.authorize_redirect(redirect_uri())
    except (RequestException, OAuthError, ValueError) as exc:
        logger.warning("single sign-on: cannot read the provider's discovery document: %s", exc)
        return _refuse("The identity provider does not answer. Try again later, or sign in with your password.", 502)


@bp.get("/auth/oidc/callback")
def callback():
    """The provider sends the person back here: check everything, then sign in the matching person."""
    client = _client()
    try:
        token = client.authorize_access_token()
    except OAuthError as exc:
        logger.info("single sign-on refused: %s", exc)
        return _refuse("The sign-in could not be checked (it may have expired or been started elsewhere). "
                       "Start again from the sign-in page.", 400)
    except (RequestException, ValueError) as exc:
        logger.warning("single sign-on: the provider failed: %s", exc)
        return _refuse("The identity provider did not answer as expected. Try again later.", 502)
    claims = token.get("userinfo")
    if not claims:
        return _refuse("The identity provider sent no verified identity. Start again from the sign-in page.", 400)
    try:
        user = person_for_claims(dict(claims), now=clock.now(),
                                 create=bool(current_app.config.get("OIDC_CREATE_USERS")))
    except ServiceError as exc:
        db.session.rollback()
        return _refuse(str(exc))
    db.session.commit()
    target = session.get(NEXT_KEY)
    from onboarding.people.auth import start_session

    start_session(user)
    return redirect_to(target if is_safe_next(target) else url_for("index"))


def person_for_claims(claims: dict, *, now: datetime, create: bool) -> User:
    """The person an ID token's verified email names; with `create`, an unknown one becomes a hire (no plan)."""
    raw = str(claims.get("email") or "")
    if not raw or claims.get("email_verified") is not True:
        raise ServiceError("Your identity provider did not confirm your email address, so we cannot tell who "
                           "you are here. Ask your administrator.")
    try:
        email = normalise_email(raw)
    except ServiceError:
        raise ServiceError("Your identity provider sent an email address we cannot use. Ask your administrator.") from None
    user = get_user_by_email(email)
    if user is None:
        if not create:
            raise ServiceError(f"There is no account for {email} here. Ask your administrator to add you.")
        name = " ".join(str(claims.get("name") or "").split())[:200] or email.split("@")[0]
        user = create_user(email=email, name=name, role="hire", now=now)
        logger.info("single sign-on created the hire %s", email)
    if not user.is_active_account or user.erased_at is not None:
        raise ServiceError("Your account here is deactivated. Ask your administrator.")
    user.last_signed_in_at = now
    record_event(None, EventType.PERSON_SIGNED_IN_SSO, user, now, person=user, new={"subject": str(claims.get("sub"))[:200]})
    return user
