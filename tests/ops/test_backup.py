"""`onboarding db backup PATH` (SQLite, while the app writes) and the documented restores, SQLite and pg_dump."""
from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

from sqlalchemy import func, select

from onboarding import create_app
from onboarding.core.db import Base
from onboarding.extensions import db
from onboarding.people.models import User
from tests.pg import find_bindir


def sqlite_app(path: Path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app


def add_people(app, first: int, count: int) -> None:
    from onboarding.people.operations import create_user

    with app.app_context():
        for n in range(first, first + count):
            create_user(email=f"p{n}@example.com", name=f"P {n}", role="hire", password=None)
            db.session.commit()


def people(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_backup_while_the_app_writes_then_restore(tmp_path):
    live = tmp_path / "live.db"
    app = sqlite_app(live)
    add_people(app, 0, 50)
    # Another process's writes while the backup runs: a writer thread on its own connections.
    writer = threading.Thread(target=add_people, args=(sqlite_app(live), 1000, 200))
    writer.start()
    backup_path = tmp_path / "backup.db"
    result = app.test_cli_runner().invoke(args=["db", "backup", str(backup_path)])
    writer.join()
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1].startswith(f"Backed up {live} to {backup_path} (")
    assert "integrity ok" in result.output
    with sqlite3.connect(backup_path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = copy.execute("SELECT count(*) FROM users").fetchone()[0]
    assert 50 <= copied <= 250  # one consistent moment of a database that was growing
    assert not list(tmp_path.glob(".backup.db.partial-*"))

    # Restore as the README says: stop the app, copy the backup over the database, drop -wal/-shm.
    with app.app_context():
        db.engine.dispose()
    restored = tmp_path / "restored" / "onboarding.db"
    restored.parent.mkdir()
    shutil.copyfile(backup_path, restored)
    for suffix in ("-wal", "-shm"):
        Path(f"{restored}{suffix}").unlink(missing_ok=True)
    assert people(sqlite_app(restored)) == copied


def test_backup_refuses_an_existing_file_and_a_missing_folder(tmp_path):
    app = sqlite_app(tmp_path / "live.db")
    existing = tmp_path / "there.db"
    existing.write_bytes(b"keep me")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "backup", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_bytes() == b"keep me"
    result = runner.invoke(args=["db", "backup", str(tmp_path / "nowhere" / "b.db")])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_backup_on_postgresql_points_to_pg_dump(postgres_test_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": postgres_test_url, "SECRET_KEY": "test"})
    result = app.test_cli_runner().invoke(args=["db", "backup", "/tmp/never-written.db"])
    assert result.exit_code == 1
    assert "pg_dump --format=custom" in result.output
    assert not Path("/tmp/never-written.db").exists()


def test_the_readme_pg_dump_line_restores_with_pg_restore(postgres, tmp_path):
    """The README's pg_dump and pg_restore lines, run once against the test server."""
    source_url = postgres.create_database("backup_source")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": source_url, "SECRET_KEY": "test",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        Base.metadata.create_all(db.engine)
    add_people(app, 0, 25)
    with app.app_context():
        db.engine.dispose()
    bindir = find_bindir()
    dump = tmp_path / "onboarding.dump"
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert "pg_dump --format=custom --file=onboarding.dump" in readme
    assert "pg_restore --clean --if-exists --no-owner --dbname=" in readme
    base = f"postgresql://postgres@127.0.0.1:{postgres.port}"
    subprocess.run([str(bindir / "pg_dump"), "--format=custom", f"--file={dump}", f"{base}/backup_source"],
                   check=True, capture_output=True)
    target_url = postgres.create_database("backup_restored")
    subprocess.run([str(bindir / "pg_restore"), "--clean", "--if-exists", "--no-owner",
                    f"--dbname={base}/backup_restored", str(dump)], check=True, capture_output=True)
    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": target_url, "SECRET_KEY": "test"})
    assert people(restored) == 25
    with restored.app_context():
        db.engine.dispose()
