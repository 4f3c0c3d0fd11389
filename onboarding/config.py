"""Configuration: working defaults for local use, overridden by ONBOARDING_* environment variables."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ENV_PREFIX = "ONBOARDING_"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_config(instance_path: str) -> dict:
    """Read the environment once, at app creation; nothing here runs at import time."""
    default_db = "sqlite:///" + str(Path(instance_path) / "onboarding.db")
    base_url = (_env("BASE_URL", "http://localhost:5000") or "").rstrip("/")
    secret = _env("SECRET_KEY")
    smtp_port = _env("SMTP_PORT", "25")
    return {
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", default_db),
        # A random key per process keeps local use working; sessions then end on restart,
        # which is why production sets ONBOARDING_SECRET_KEY.
        "SECRET_KEY": secret or secrets.token_hex(32),
        "BASE_URL": base_url,
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(smtp_port) if smtp_port and smtp_port.isdigit() else 25,
        "SMTP_USER": _env("SMTP_USER"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", False),
        "MAIL_FROM": _env("MAIL_FROM", "Onboarding <onboarding@localhost>"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": base_url.startswith("https://"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": base_url.startswith("https://"),
        "PREFERRED_URL_SCHEME": "https" if base_url.startswith("https://") else "http",
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        # Text fields may be large too: a pasted blueprint (up to IMPORT_MAX_BYTES) and the signed
        # import preview (Werkzeug's default of 500 kB would refuse both with a bare 413).
        "MAX_FORM_MEMORY_SIZE": 24 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,
        "IMPORT_MAX_BYTES": 5_000_000,
        # Login rate limit: failures allowed per email (and per client address) in the window.
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_MAX_FAILURES_PER_IP": 30,
        "LOGIN_WINDOW_SECONDS": 15 * 60,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # API: requests per token (a `limits` rate string) and where the counters live
        "API_RATE_LIMIT": _env("API_RATE_LIMIT", "300/minute"),
        "API_RATE_LIMIT_STORAGE_URI": _env("RATE_LIMIT_STORAGE_URI", "memory://"),
        # Chat digests: Slack's Web API (a bot token with chat:write and users:read.email)
        "SLACK_BOT_TOKEN": _env("SLACK_BOT_TOKEN"),
        "SLACK_API_URL": (_env("SLACK_API_URL", "https://slack.com/api") or "").rstrip("/"),
        # Outgoing HTTP (webhooks, chat): seconds to wait for an answer
        "HTTP_TIMEOUT": float(_env("HTTP_TIMEOUT", "10") or 10),
    }
