"""Configuration: working defaults for local use, overridden by ONBOARDING_* environment variables."""
from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)

ENV_PREFIX = "ONBOARDING_"


class ConfigError(RuntimeError):
    """A setting that makes the app refuse to start, said in one line."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(ENV_PREFIX + name)
    return value if value not in (None, "") else default


#: SMTP connections the outbox sends over side by side, unless ONBOARDING_SMTP_CONNECTIONS says
#: otherwise: three is what hosted relays commonly allow one account (Microsoft 365's limit)
SMTP_CONNECTIONS = 3


def _whole_number(name: str, value: str | None, highest: int, default: int) -> int:
    """ONBOARDING_<name> as a whole number from 1 to `highest`; unset or blank: `default`."""
    if value is None or not value.strip():
        return default
    if not value.strip().isdigit() or not 1 <= int(value) <= highest:
        raise ConfigError(f"ONBOARDING_{name} must be a whole number from 1 to {highest}, not {value!r}")
    return int(value)


def smtp_connections(value: str | None) -> int:
    """ONBOARDING_SMTP_CONNECTIONS as a number from 1 to 20 (unset: the default)."""
    return _whole_number("SMTP_CONNECTIONS", value, 20, SMTP_CONNECTIONS)


#: processes a digest build on PostgreSQL is shared by, unless ONBOARDING_DIGEST_PROCESSES says
#: otherwise: two (one on a single core), leaving the machine's other cores to the database and the web
DIGEST_PROCESSES = 2


def digest_processes(value: str | None) -> int:
    """ONBOARDING_DIGEST_PROCESSES as a number from 1 to 16 (unset: the default, at most the cores)."""
    # the cores this process may run on (Linux); elsewhere the machine's
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return _whole_number("DIGEST_PROCESSES", value, 16, min(DIGEST_PROCESSES, cores))


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
    database_url = _env("DATABASE_URL", default_db) or default_db
    from onboarding.ops.proxy import proxy_count

    try:
        proxies = proxy_count(_env("PROXY_FIX"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return {
        #: "production" refuses to start without ONBOARDING_SECRET_KEY (see check_production)
        "ENV_NAME": (_env("ENV", "development") or "development").strip().lower(),
        "SECRET_KEY_FROM_ENV": bool(secret),
        "SQLALCHEMY_DATABASE_URI": database_url,
        # Without a configured key, one generated once and kept in the instance folder, so web
        # workers, the scheduler and the CLI sign alike (an unsubscribe link from a digest opens).
        "SECRET_KEY": secret or instance_secret_key(instance_path),
        "BASE_URL": base_url,
        "SMTP_HOST": _env("SMTP_HOST"),
        "SMTP_PORT": int(smtp_port) if smtp_port and smtp_port.isdigit() else 25,
        "SMTP_USER": _env("SMTP_USER"),
        "SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "SMTP_STARTTLS": _env_bool("SMTP_STARTTLS", False),
        "SMTP_CONNECTIONS": smtp_connections(_env("SMTP_CONNECTIONS")),
        "DIGEST_PROCESSES": digest_processes(_env("DIGEST_PROCESSES")),
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
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url, production=_env("ENV", "") == "production"),
        # API: requests per token (a `limits` rate string) and where the counters live
        "API_RATE_LIMIT": _env("API_RATE_LIMIT", "300/minute"),
        "API_RATE_LIMIT_STORAGE_URI": _env("RATE_LIMIT_STORAGE_URI", "memory://"),
        # Chat digests: Slack's Web API (a bot token with chat:write and users:read.email)
        "SLACK_BOT_TOKEN": _env("SLACK_BOT_TOKEN"),
        "SLACK_API_URL": (_env("SLACK_API_URL", "https://slack.com/api") or "").rstrip("/"),
        # Outgoing HTTP (webhooks, chat): seconds to wait for an answer
        "HTTP_TIMEOUT": float(_env("HTTP_TIMEOUT", "10") or 10),
        # Single sign-on (OpenID Connect); configured when the issuer and client id are set.
        "OIDC_ISSUER": (_env("OIDC_ISSUER") or "").rstrip("/") or None,
        "OIDC_CLIENT_ID": _env("OIDC_CLIENT_ID"),
        "OIDC_CLIENT_SECRET": _env("OIDC_CLIENT_SECRET"),
        "OIDC_CREATE_USERS": _env_bool("OIDC_CREATE_USERS", False),
        "PASSWORD_LOGIN": _env_bool("PASSWORD_LOGIN", True),
        # "Forgot your password?" answers no sooner than this, known email or not (same timing).
        "FORGOT_PASSWORD_MIN_SECONDS": 0.25,
        # Comments a person may post per COMMENT_WINDOW_SECONDS.
        "COMMENT_MAX_PER_WINDOW": 20,
        "COMMENT_WINDOW_SECONDS": 10 * 60,
        "LOG_FORMAT": (_env("LOG_FORMAT", "text") or "text").lower(),
        "METRICS_TOKEN": _env("METRICS_TOKEN"),
        #: X-Forwarded-* headers are trusted from this many proxies (0: not at all)
        "PROXY_FIX": proxies,
    }


def engine_options(database_url: str, *, production: bool = False) -> dict:
    """Pool settings: a connection that a database restart closed is replaced before use (pre-ping);
    PostgreSQL connections give up connecting after 5 s instead of hanging a worker. In production
    a failed statement's parameters (emails, names) stay out of the error log."""
    options: dict = {"pool_pre_ping": True, "hide_parameters": production}
    if database_url.startswith("postgresql"):
        options["connect_args"] = {"connect_timeout": 5}
        options["pool_recycle"] = 30 * 60
    return options


def check_environment() -> None:
    """The production check on the environment alone, before any app exists (the console script)."""
    check_production({"ENV_NAME": (_env("ENV", "development") or "").strip().lower()}, bool(_env("SECRET_KEY")))


def check_production(config: dict, secret_given: bool) -> None:
    """ONBOARDING_ENV=production without a secret key would sign sessions with a key that changes
    per process (every worker would reject the others' cookies): refuse to start instead."""
    if config.get("ENV_NAME") == "production" and not secret_given:
        raise ConfigError("ONBOARDING_ENV=production needs ONBOARDING_SECRET_KEY: set it to a long random "
                          "value, e.g. from `python3 -c 'import secrets; print(secrets.token_hex(32))'`")


SECRET_KEY_FILE = "secret_key"


def instance_secret_key(instance_path: str) -> str:
    """The key kept in instance/secret_key (mode 0600), made by the first process that needs it."""
    path = Path(instance_path) / SECRET_KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _read_key(path)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    logger.warning("ONBOARDING_SECRET_KEY is not set: generated a key and kept it in %s (mode 0600); "
                   "set ONBOARDING_SECRET_KEY in production", path)
    return key


def _read_key(path: Path, attempts: int = 50) -> str:
    import time

    for _ in range(attempts):  # a file just made by another process may be empty for a moment
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.01)
    raise RuntimeError(f"{path} is empty: remove it or set ONBOARDING_SECRET_KEY")
