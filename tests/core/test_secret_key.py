"""Without ONBOARDING_SECRET_KEY: one key, generated once into the instance folder (0600), shared by
every process, with a warning."""
from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from datetime import datetime, timezone

from onboarding.config import instance_secret_key, load_config
from tests.conftest import ROOT


def test_a_key_is_generated_once_with_mode_0600_and_a_warning(tmp_path, monkeypatch, caplog):
    monkeypatch.delenv("ONBOARDING_SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING, logger="onboarding.config"):
        first = load_config(str(tmp_path))["SECRET_KEY"]
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) == 64 and path.read_text().strip() == first
    assert "ONBOARDING_SECRET_KEY is not set" in caplog.text and str(path) in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="onboarding.config"):
        assert load_config(str(tmp_path))["SECRET_KEY"] == first
    assert caplog.text == ""  # only the process that made it warns


def test_a_configured_key_wins_and_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ONBOARDING_SECRET_KEY", "from-the-environment")
    assert load_config(str(tmp_path))["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()


def test_processes_started_together_agree_on_one_key(tmp_path):
    code = ("import sys; from onboarding.config import instance_secret_key; "
            "print(instance_secret_key(sys.argv[1]))")
    env = {k: v for k, v in os.environ.items() if k != "ONBOARDING_SECRET_KEY"}
    processes = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, text=True, cwd=ROOT, env=env) for _ in range(4)]
    keys = {p.communicate(timeout=60)[0].strip() for p in processes}
    assert len(keys) == 1 and keys == {instance_secret_key(str(tmp_path))}


def test_an_unsubscribe_link_made_by_another_process_opens_in_the_web_app(tmp_path, monkeypatch, make_user, app):
    """The scheduler (another process, no key configured) signs a link; the web app (same instance
    folder, no key configured) accepts it."""
    from onboarding import create_app
    from onboarding.reminders.tokens import unsubscribe_tokens, user_for_unsubscribe_token

    monkeypatch.delenv("ONBOARDING_SECRET_KEY", raising=False)
    user = make_user(email="ada@example.com")
    now = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
    code = ("import sys; from datetime import datetime, timezone; from onboarding.config import load_config; "
            "from onboarding.reminders.tokens import UnsubscribeTokens; "
            "key = load_config(sys.argv[1])['SECRET_KEY']; "
            f"print(UnsubscribeTokens(key).make({user.id}, {user.unsubscribe_version}, "
            "datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)))")
    env = {k: v for k, v in os.environ.items() if k != "ONBOARDING_SECRET_KEY"}
    token = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, cwd=ROOT,
                           env=env, check=True, timeout=60).stdout.strip()
    web = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    web.instance_path = str(tmp_path)
    web.config["SECRET_KEY"] = load_config(str(tmp_path))["SECRET_KEY"]
    with web.app_context():
        assert user_for_unsubscribe_token(token, now).id == user.id
        assert unsubscribe_tokens().read(token, now) == (user.id, user.unsubscribe_version)
        from onboarding.extensions import db

        db.session.remove()
        db.engine.dispose()
