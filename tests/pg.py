"""A throw-away PostgreSQL server for the tests: initdb into a temp folder, listen on loopback.

Debian's `postgresql` package provides the binaries; `.ci/run` installs it. initdb refuses to run
as root, so as root the server runs as the `postgres` system user.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import psycopg


def find_bindir() -> Path:
    explicit = os.environ.get("ONBOARDING_PG_BINDIR")
    candidates = [explicit] if explicit else sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    raise RuntimeError(
        "PostgreSQL server binaries not found: install Debian's `postgresql` package "
        "(bash .ci/run does), or set ONBOARDING_TEST_BACKENDS=sqlite to run the SQLite half only."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, root: Path, *, durable: bool = False):
        #: durable: a commit is in the WAL before it returns (synchronous_commit on), so a restart
        #: (an immediate stop) keeps every committed transaction, as a production server does
        self.durable = durable
        self.bindir = find_bindir()
        self.root = root
        self.datadir = root / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd="/")

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
            os.chmod(self.root, 0o700)
            # The folder above (made by mkdtemp, 0700) must be traversable by the postgres user.
            os.chmod(self.root.parent, 0o711)
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.resume()

    def resume(self) -> None:
        """Start the server again on its data folder and port (after stop(): a restart)."""
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root} "
                   "-c fsync=off -c full_page_writes=off -c max_connections=200"
                   + ("" if self.durable else " -c synchronous_commit=off"))
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.root / "server.log"), "-o", options, "-w", "start")
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(self.dsn("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise

    def restart(self) -> None:
        """Stop the server hard (every connection is cut, as in a crash) and start it again, same port."""
        self.stop("immediate")
        self.resume()

    def stop(self, mode: str = "immediate") -> None:
        """Stop the server; "fast" is a clean restart's shutdown (with fsync and synchronous_commit
        off, "immediate" may lose the last commits)."""
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "stop")
        except subprocess.CalledProcessError:
            pass

    def dsn(self, dbname: str) -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, dbname: str) -> str:
        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        return self.url(dbname)
