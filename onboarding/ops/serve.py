"""`onboarding serve`: the app under gunicorn with production defaults.

The command checks what it can report in one line (a secret key in production, the port), prepares
the metrics folder, then replaces itself with gunicorn (`python -m gunicorn`), configured by
ops/gunicorn_conf.py. Replacing the process, rather than running gunicorn inside this one, means
prometheus-client is first imported after PROMETHEUS_MULTIPROC_DIR is set, and the server's
master is a plain gunicorn master that signals (HUP, TERM) reach directly.

Defaults: sync workers, 2 x cores + 1 of them (gunicorn's advice; cores as this process may use
them), a 30 s request timeout, workers recycled after about 1,000 requests, the app's own request
line as access log. `onboarding run` stays the development server.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from onboarding.core.cli import fail
from onboarding.core.web import current_app_object

DEFAULT_PORT = 8000
TIMEOUT_SECONDS = 30


def default_workers() -> int:
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return 2 * cores + 1


def metrics_folder(instance_path: str) -> Path:
    """PROMETHEUS_MULTIPROC_DIR, or the instance folder's `prometheus/` when it is not set."""
    return Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or Path(instance_path) / "prometheus")


def clear_dead_metric_files(folder: Path) -> None:
    """Remove the files of processes that are gone (a previous server); keep the live ones' (the scheduler's)."""
    for path in folder.glob("*.db"):
        pid_text = path.stem.rsplit("_", 1)[-1]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def gunicorn_argv(host: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--config", "python:onboarding.ops.gunicorn_conf",
            "--bind", f"{host}:{port}", "--workers", str(workers), "onboarding:create_app()"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface; usually a reverse proxy sits in front).")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535), help="Port.")
@click.option("--workers", type=click.IntRange(1, 64), help="Worker processes [default: 2 x cores + 1].")
@with_appcontext
def serve(host, port, workers):
    """Run the web app in production: gunicorn, several workers, one request log line each."""
    app = current_app_object()
    if app.testing:
        fail("serve does not run under TESTING")
    folder = metrics_folder(app.instance_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        fail(f"cannot create the metrics folder {folder}: {exc.strerror}")
    clear_dead_metric_files(folder)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
    workers = workers or default_workers()
    click.echo(f"Serving on http://{host}:{port} with {workers} worker(s) (gunicorn); Ctrl-C stops it.")
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, gunicorn_argv(host, port, workers))


def register(app: Flask) -> None:
    app.cli.add_command(serve)


def share_metrics_with_server(command: list[str]) -> None:
    """Before anything imports prometheus-client: `onboarding scheduler` writes its job figures to the
    server's metrics folder when there is one, so the web's /metrics shows the digest rounds too."""
    if command != ["scheduler"] or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    from onboarding import PROJECT_ROOT

    folder = PROJECT_ROOT / "instance" / "prometheus"
    if folder.is_dir():
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
