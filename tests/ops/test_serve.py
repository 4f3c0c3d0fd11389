"""`onboarding serve`: gunicorn with several workers, metrics summed over them, JSON request lines."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT
from tests.pg import free_port

ONBOARDING = str(Path(sys.executable).with_name("onboarding"))


def environment(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ONBOARDING_", "PROMETHEUS_"))}
    env.update(ONBOARDING_DATABASE_URL=f"sqlite:///{tmp_path / 'serve.db'}", ONBOARDING_SECRET_KEY="serve-test-key",
               PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"), **extra)
    return env


def get(url: str, timeout: float = 5) -> tuple[int, bytes, dict]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read(), dict(error.headers)


def wait_until_healthy(base: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if get(base + "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not become healthy")


@pytest.fixture
def served(tmp_path):
    env = environment(tmp_path, ONBOARDING_LOG_FORMAT="json")
    subprocess.run([ONBOARDING, "db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
    port = free_port()
    log = open(tmp_path / "server.log", "w+")
    server = subprocess.Popen([ONBOARDING, "serve", "--port", str(port), "--workers", "3"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, server)
        yield base, server, tmp_path / "server.log"
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=40)
        log.close()


def test_serve_runs_workers_whose_metrics_add_up_and_whose_lines_are_json(served):
    base, server, log_path = served
    for _ in range(30):  # spread over the workers by the kernel
        assert get(base + "/login")[0] == 200
    status, body, headers = get(base + "/metrics")
    assert status == 200
    logins = [s.value for f in text_string_to_metric_families(body.decode()) for s in f.samples
              if s.name == "onboarding_http_requests_total" and s.labels.get("endpoint") == "auth.login"]
    assert logins == [30.0]
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "onboarding.access"]
    assert len([line for line in access if line["path"] == "/login"]) == 30
    assert len({line["request_id"] for line in access}) == len(access)
    assert len({line["process"] for line in access if "process" in line} or {0}) >= 1
    assert "Serving on" in log_path.read_text()


def test_serve_stops_cleanly_on_sigterm(served):
    base, server, _ = served
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=40) == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = environment(tmp_path, ONBOARDING_ENV="production")
    del env["ONBOARDING_SECRET_KEY"]
    result = subprocess.run([ONBOARDING, "serve", "--port", str(free_port())], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "ONBOARDING_ENV=production needs ONBOARDING_SECRET_KEY" in result.stderr.strip().splitlines()[-1]


def test_production_starts_with_a_secret_key(tmp_path):
    from onboarding import create_app

    os.environ["ONBOARDING_ENV"] = "production"
    try:
        with pytest.raises(Exception, match="needs ONBOARDING_SECRET_KEY"):
            create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}"})
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'p.db'}", "SECRET_KEY": "long-secret"})
        assert app.config["ENV_NAME"] == "production"
    finally:
        del os.environ["ONBOARDING_ENV"]
