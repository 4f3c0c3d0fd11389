"""Sign-in plumbing, security headers and safe redirects."""
from __future__ import annotations

from functools import wraps
from typing import TypeGuard
from urllib.parse import urljoin, urlsplit

from flask import Flask, abort, g, request
from flask_login import AnonymousUserMixin, current_user

from onboarding.extensions import login_manager

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if signed_in_this_request() and "Cache-Control" not in response.headers:
            # Signed-in pages hold personal data: never kept by a browser or a shared cache.
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def loaded_user():
    """The person this request signed in as, if it loaded them (else None), found without touching
    the database: for response hooks and log lines, written when the database may be gone.

    `current_user.is_authenticated` reads the account's `is_active_account`, which a commit has
    expired: after a change is saved it is a query, and a database that went away just then would
    turn a saved change's answer into a 500 from a response hook.
    """
    user = g.get("_login_user")
    return None if user is None or isinstance(user, AnonymousUserMixin) else user


def signed_in_this_request() -> bool:
    return loaded_user() is not None


def same_secret(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def is_safe_next(target: str | None) -> TypeGuard[str]:
    """Only allow `next` redirects to a path on this site (so a safe one is a string)."""
    if not target:
        return False
    if target.startswith("//") or "\\" in target or any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return False
    joined = urlsplit(urljoin(request.host_url, target))
    host = urlsplit(request.host_url)
    return joined.scheme in ("http", "https") and joined.netloc == host.netloc and target.startswith("/")


def role_required(*roles: str):
    """Refuse (403) a signed-in user whose role is not one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


admin_required = role_required("admin")
