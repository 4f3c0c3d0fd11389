"""Work split over processes forked from this one, for jobs whose Python is the bottleneck.

Python runs one thread at a time, so threads only help work that waits (SMTP, the database
server). A digest build on PostgreSQL is Python composing mail most of the time; a second process
composes on the machine's other core. The processes are forked, not spawned: a child starts at once
from a copy of this one (the app, its config, its templates and whatever the job prepared), where
a spawned interpreter would spend a second importing the app first.

Each child gets the database afresh. The copied pool is set aside, not closed: its connections
share their sockets with this process, and closing one would end this process's session (a
Terminate message on the shared socket). psycopg does not close a connection that was copied by a
fork when it is garbage-collected, and the child ends with os._exit, so nothing else touches them.
PostgreSQL only: an SQLite database must not be open across a fork (SQLite's own advice: its
locks belong to the process, and a copied connection's state would be shared by two).
"""
from __future__ import annotations

import logging
import multiprocessing
import signal
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask

from onboarding.core.web import current_app_object

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: how long the children may take after this process has done its own part: this many times its
#: own time (the parts are about the same size), and at least MIN_WAIT_SECONDS
WAIT_FACTOR = 5
MIN_WAIT_SECONDS = 300.0

#: how long a child that has answered may take to exit before it is killed
EXIT_SECONDS = 10.0

#: the copied pools of a child, kept referenced so that nothing ever closes them (see above)
_set_aside: list[Any] = []


class PartFailed(RuntimeError):
    """A child's part raised, died or did not finish in time; its message says which and why."""


def in_processes(work: Callable[[int], T], parts: int, *, wait_seconds: float | None = None) -> list[T]:
    """[work(0), work(1), ...]: work(0) in this process, each other part in a process forked from it.

    Call it from a plain point of the job (no transaction open in the session, no thread of the
    job's own started yet): each child pushes an app context of its own and makes its own
    connections. The results (pickled back) come in order of the parts. When a part fails, the
    others still finish (their work is as valid as ever), and then PartFailed (or this process's
    own error) is raised. A child still running `wait_seconds` after this process's own part
    (default: WAIT_FACTOR times that part's time, at least MIN_WAIT_SECONDS) is killed.
    """
    from onboarding.extensions import db

    if parts < 1:
        raise ValueError("in_processes needs at least one part")
    if any(engine.dialect.name == "sqlite" for engine in db.engines.values()):
        raise ValueError("in_processes cannot share work on SQLite: its connections must not cross a fork")
    app = current_app_object()
    context = multiprocessing.get_context("fork")
    children = []
    try:
        for part in range(1, parts):
            reader, writer = context.Pipe(duplex=False)
            child = context.Process(target=_child, args=(app, work, part, writer), name=f"part-{part}",
                                    daemon=True)
            with warnings.catch_warnings():
                # Python 3.12+ warns of forking a process with threads (the scheduler's): a lock
                # another thread holds stays held in the child. The child here takes no lock of
                # theirs: the standard library's own (logging, imports, executors) are made anew
                # at a fork, and the child's connections and threads are its own.
                warnings.filterwarnings("ignore", r"This process .* is multi-threaded, use of fork\(\)",
                                        DeprecationWarning)
                child.start()
            writer.close()  # this end is the child's: with it closed here, a dead child reads as EOF
            children.append((part, child, reader))
    except BaseException:
        for _, child, _ in children:
            child.kill()
            child.join()
        raise
    started = time.monotonic()
    try:
        own = work(0)
    except BaseException:
        _collect(children, _wait(wait_seconds, time.monotonic() - started))
        raise
    outcomes = _collect(children, _wait(wait_seconds, time.monotonic() - started))
    failures = [message for _, ok, message in outcomes if not ok]
    if failures:
        raise PartFailed("; ".join(failures))
    return [own, *(result for result, _, _ in outcomes)]


def _wait(wait_seconds: float | None, own_seconds: float) -> float:
    return wait_seconds if wait_seconds is not None else max(MIN_WAIT_SECONDS, WAIT_FACTOR * own_seconds)


def _collect(children: list, wait_seconds: float) -> list[tuple[Any, bool, str]]:
    """(result, ok, why not) of each child, in order; the ones still running at the deadline are killed."""
    deadline = time.monotonic() + wait_seconds
    outcomes = []
    for part, child, reader in children:
        name = f"part {part + 1} of {len(children) + 1} (process {child.pid})"
        outcome: tuple[Any, bool, str]
        if reader.poll(max(0.0, deadline - time.monotonic())):
            try:
                ok, value = reader.recv()
            except EOFError:
                child.join(EXIT_SECONDS)
                outcome = (None, False, f"{name} ended without an answer (exit code {child.exitcode})")
            else:
                if ok:
                    outcome = (value, True, "")
                else:
                    logger.error("%s failed:\n%s", name, value[1])
                    outcome = (None, False, f"{name} failed: {value[0]}")
        else:
            child.kill()
            outcome = (None, False, f"{name} did not finish in {wait_seconds:.0f} s and was stopped")
        reader.close()
        child.join(EXIT_SECONDS)  # it has answered or was killed: only its exit is left
        if child.is_alive():
            child.kill()
            child.join()
        outcomes.append(outcome)
    return outcomes


def _child(app: Flask, work: Callable[[int], Any], part: int, writer) -> None:
    # a signal meant for the job's process (the scheduler stopping) ends the child as it would
    # have ended the job: its open transaction is rolled back, its committed work stays
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    from onboarding.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            _set_aside.append(engine.pool)
            engine.dispose(close=False)
        try:
            answer = (True, work(part))
        except BaseException as error:  # noqa: BLE001 - every failure goes back to the parent
            answer = (False, (f"{type(error).__name__}: {error}", traceback.format_exc()))
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()  # the child's own connections: closed properly
    writer.send(answer)
    writer.close()
