"""The application factory, configuration and database settings."""
from sqlalchemy import text

from onboarding import create_app
from onboarding.extensions import db


def test_config_comes_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ONBOARDING_DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    monkeypatch.setenv("ONBOARDING_SECRET_KEY", "from-env")
    monkeypatch.setenv("ONBOARDING_BASE_URL", "https://onboarding.example.com/")
    monkeypatch.setenv("ONBOARDING_SMTP_PORT", "2525")
    monkeypatch.setenv("ONBOARDING_SMTP_STARTTLS", "true")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.db"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["BASE_URL"] == "https://onboarding.example.com"
    assert app.config["SMTP_PORT"] == 2525 and app.config["SMTP_STARTTLS"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_defaults_work_locally(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "BASE_URL"):
        monkeypatch.delenv(f"ONBOARDING_{name}", raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///")
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/onboarding.db")
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_sqlite_uses_wal_and_foreign_keys(tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/wal.db", "TESTING": True})
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_security_headers(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
