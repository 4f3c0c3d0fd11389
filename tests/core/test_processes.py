"""`in_processes` runs part 0 here and the others in forked processes, and answers for all of them."""
from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import text

from onboarding.core.processes import PartFailed, in_processes
from onboarding.extensions import db

#: the app's database is PostgreSQL: SQLite refuses (the last test)
on_postgresql = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def backend_pid() -> int:
    return db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()


@on_postgresql
def test_each_part_runs_once_in_order_part_0_here_the_others_each_in_a_process_of_its_own(app):
    here = os.getpid()
    results = in_processes(lambda part: (part, os.getpid()), 3)
    assert [part for part, _ in results] == [0, 1, 2]
    pids = [pid for _, pid in results]
    assert pids[0] == here
    assert len(set(pids)) == 3


@on_postgresql
def test_one_part_is_this_process_only(app):
    assert in_processes(lambda part: os.getpid(), 1) == [os.getpid()]
    with pytest.raises(ValueError):
        in_processes(lambda part: part, 0)


@on_postgresql
def test_a_part_that_raises_in_its_process_is_reported_and_the_other_parts_still_finish(app, tmp_path, caplog):
    def work(part):
        if part == 1:
            raise LookupError("no such plan")
        (tmp_path / f"done-{part}").write_text("done")
        return part

    with pytest.raises(PartFailed, match=r"part 2 of 3 \(process \d+\) failed: LookupError: no such plan"):
        in_processes(work, 3)
    assert sorted(p.name for p in tmp_path.glob("done-*")) == ["done-0", "done-2"]
    assert "Traceback" in caplog.text and "LookupError: no such plan" in caplog.text  # the child's, logged here


@on_postgresql
def test_this_process_raising_still_waits_for_the_others_and_raises_its_own_error(app, tmp_path):
    def work(part):
        if part == 0:
            raise KeyError("here")
        time.sleep(0.3)
        (tmp_path / "child").write_text("finished")
        return part

    with pytest.raises(KeyError, match="here"):
        in_processes(work, 2)
    assert (tmp_path / "child").read_text() == "finished"


@on_postgresql
def test_a_part_whose_process_dies_is_reported_with_its_exit_code(app):
    def work(part):
        if part == 1:
            os._exit(3)
        return part

    with pytest.raises(PartFailed, match=r"part 2 of 2 \(process \d+\) ended without an answer \(exit code 3\)"):
        in_processes(work, 2)


@on_postgresql
def test_a_part_still_running_after_the_wait_is_stopped(app):
    def work(part):
        if part == 1:
            time.sleep(60)
        return part

    started = time.monotonic()
    with pytest.raises(PartFailed, match=r"part 2 of 2 \(process \d+\) did not finish in 1 s and was stopped"):
        in_processes(work, 2, wait_seconds=1)
    assert time.monotonic() - started < 10


@on_postgresql
def test_children_connect_afresh_and_leave_this_process_connection_working(app):
    """The pool's connections are copied by the fork with their sockets; a child that used or closed
    them would break this process's session. Each child uses connections of its own, and closes
    them when done; this process's pooled connection is the same one, alive, afterwards."""
    before = backend_pid()
    db.session.commit()  # the connection goes back to the pool, where the children find their copy

    def work(part):
        pid = backend_pid()
        db.session.commit()
        return pid

    pids = in_processes(work, 3)
    assert pids[0] == before  # this process reuses its pooled connection
    assert len(set(pids)) == 3  # each child has a server session of its own
    assert backend_pid() == before  # and after the children closed theirs, this one still answers
    alive = db.session.execute(text("SELECT pid FROM pg_stat_activity WHERE pid = ANY(:pids)"),
                               {"pids": pids[1:]}).scalars().all()
    assert alive == []  # the children's connections were closed, not left behind


@on_postgresql
def test_parts_start_from_a_job_thread_as_the_scheduler_runs_them(app):
    """The scheduler runs its jobs on threads of its own: forking from one works, and the child
    (whose only thread is the copy of that one) takes the default signal handlers."""
    import signal
    import threading

    from onboarding.core.web import current_app_object

    real_app = current_app_object()
    found = {}

    def job():
        with real_app.app_context():
            found["results"] = in_processes(lambda part: (part, signal.getsignal(signal.SIGTERM) is signal.SIG_DFL), 2)

    def stop(signum, frame):  # as run_scheduler installs: shut the scheduler down
        raise AssertionError("not in a test")

    before = signal.signal(signal.SIGTERM, stop)
    try:
        thread = threading.Thread(target=job)
        thread.start()
        thread.join(30)
    finally:
        signal.signal(signal.SIGTERM, before)
    assert found["results"] == [(0, False), (1, True)]  # the scheduler's handler here, the default there


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_is_refused_before_anything_forks(app):
    ran = []
    with pytest.raises(ValueError, match="cannot share work on SQLite"):
        in_processes(ran.append, 2)
    assert ran == []
