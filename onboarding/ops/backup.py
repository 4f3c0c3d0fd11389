"""`onboarding db backup PATH`: a consistent copy of the SQLite database, safe while the app runs.

SQLite's online backup API copies the database page by page under its own locking, so web
workers and the scheduler go on reading and writing meanwhile (in WAL mode a writer never waits
for the copy), and the copy is one consistent moment, committed transactions only. The copy is
written to a temporary file beside PATH, checked with `PRAGMA integrity_check`, and only then
renamed to PATH, so PATH is never half a backup.

Restore (README "Backups"): stop `onboarding serve` and `onboarding scheduler`, copy the backup
over the database file, remove the database's `-wal` and `-shm` files, start again.
PostgreSQL has `pg_dump`, whose line the README gives; this command says so instead of copying.
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy.engine import make_url

from onboarding.core.cli import fail
from onboarding.extensions import db

#: pages copied per step: small steps let writers in between (the API restarts a step a writer changed)
PAGES_PER_STEP = 1024


def backup_sqlite(database: str, target: Path) -> int:
    """Copy the SQLite database file `database` to `target` (which must not exist); returns its size."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=PAGES_PER_STEP)
            copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
            problem = copy.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            copy.close()
    finally:
        source.close()
    if problem != "ok":
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"the copy failed its integrity check: {problem}")
    os.replace(partial, target)
    return target.stat().st_size


def pg_dump_line(url: str) -> str:
    parsed = make_url(url)
    return (f"pg_dump --format=custom --file=BACKUP.dump 'postgresql://{parsed.username or 'USER'}@"
            f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database}'")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path):
    """Write a consistent copy of the SQLite database to PATH, safe while the app runs."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        fail(f"this is a {url.get_backend_name()} database: back it up with {pg_dump_line(str(url))} "
             "(see the README)")
    database = url.database
    if not database or database == ":memory:" or not Path(database).exists():
        fail(f"no SQLite database file at {database or '(in memory)'}")
    if path.exists():
        fail(f"{path} already exists: choose a new file name (backups are never overwritten)")
    if not path.parent.is_dir():
        fail(f"the folder {path.parent} does not exist")
    if path.resolve() == Path(database).resolve():
        fail("the backup cannot be the database itself")
    try:
        size = backup_sqlite(database, path)
    except (sqlite3.Error, OSError, RuntimeError) as exc:
        fail(f"backup failed: {exc}")
    click.echo(f"Backed up {database} to {path} ({size:,} bytes, integrity ok).")


def register(app) -> None:
    """Add `backup` to Flask-Migrate's `db` group, beside `db upgrade`."""
    from flask_migrate.cli import db as db_group

    db_group.add_command(backup)
