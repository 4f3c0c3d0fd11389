"""Behind a reverse proxy: trust its X-Forwarded-* headers only when told how many proxies there are.

ONBOARDING_PROXY_FIX=N (N proxies in front, `true` meaning 1) wraps the app in werkzeug's ProxyFix,
so the client address (login rate limit, logs), the scheme (secure cookies, redirects) and the host
come from the proxy. Off by default: without a proxy, anyone could send those headers.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix


def proxy_count(value: str | None) -> int:
    """How many proxies ONBOARDING_PROXY_FIX names: 0 (off), a number, or `true` for one."""
    if value is None or not value.strip():
        return 0
    text = value.strip().lower()
    if text in {"true", "yes", "on"}:
        return 1
    if text in {"false", "no", "off"}:
        return 0
    if text.isdigit():
        return int(text)
    raise ValueError(f"ONBOARDING_PROXY_FIX='{value[:20]}' is not a number of proxies (0, 1, 2 ...) or true/false")


def init_app(app: Flask) -> None:
    count = app.config.get("PROXY_FIX", 0)
    if count:
        # Flask documents wrapping wsgi_app this way; its type stubs declare it a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count,  # type: ignore[method-assign]
                                x_prefix=count)
