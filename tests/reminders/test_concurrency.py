"""Several processes at once against one database: nothing is sent twice, nothing is lost.

These run the real `onboarding` command in separate processes (as a scheduler started twice by
mistake would), on the test's SQLite file or PostgreSQL database, delivering to the test's SMTP
server.
"""
from __future__ import annotations

import signal
import subprocess
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from sqlalchemy import func, insert, select

from onboarding.extensions import db
from onboarding.outbox.delivery import deliver_outbox
from onboarding.outbox.models import OutboxMessage
from onboarding.reminders import build as digests_module
from onboarding.reminders.build import build_digests
from onboarding.reminders.models import Digest
from tests.conftest import NOW, TODAY
from tests.reminders.helpers import (
    ROOT,
    cut,
    onboarding_command,
    run_onboarding,
    subprocess_env,
)

MANAGERS = 4
HIRES_PER_MANAGER = 12


def organisation(person, make_plan, *, today: date = TODAY, cadence: str = "weekly", hour: int = 9) -> set[str]:
    """Managers with hires whose work is overdue: everyone has something to say. Returns the addresses."""
    addresses = set()
    for m in range(MANAGERS):
        manager = person(f"manager{m}@example.com", role="manager", cadence=cadence, hour=hour)
        addresses.add(manager.email)
        for h in range(HIRES_PER_MANAGER):
            hire = person(f"hire{m}-{h}@example.com", manager=manager, cadence=cadence, hour=hour)
            make_plan(hire=hire, manager=manager, start_on=today - timedelta(days=40))
            addresses.add(hire.email)
    return addresses


def start(app, smtp, *args: str) -> subprocess.Popen:
    return subprocess.Popen(onboarding_command(*args), env=subprocess_env(app, smtp), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def assert_each_once(smtp, addresses: set[str]) -> None:
    counts = Counter(r.to for r in smtp.received)
    assert set(counts) == addresses
    assert [address for address, n in counts.items() if n > 1] == []


def test_three_rounds_at_once_send_each_digest_once(app, person, make_plan, smtp):
    addresses = organisation(person, make_plan)
    processes = [start(app, smtp, "digests", "send", "--now", "2026-03-02T09:30:00Z") for _ in range(3)]
    outputs = [p.communicate(timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    queued = sum(int(out.split("Queued ")[1].split(" ")[0]) for out, _ in outputs)
    delivered = sum(int(out.split("delivered ")[1].split(" ")[0]) for out, _ in outputs)
    assert queued == delivered == len(addresses)
    assert_each_once(smtp, addresses)

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Digest)) == len(addresses)
    statuses = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    assert statuses == {"sent": len(addresses)}

    # and once more, later the same week: nothing
    again = run_onboarding(app, smtp, "digests", "send", "--now", "2026-03-03T09:30:00Z")
    assert again.returncode == 0 and "Queued 0 digest(s); delivered 0 message(s)." in again.stdout
    assert len(smtp.received) == len(addresses)


def test_killed_after_building_the_next_process_sends_once(app, person, make_plan, smtp):
    addresses = organisation(person, make_plan)
    smtp.stop()  # the first process builds, then cannot deliver (as if killed before sending)
    first = run_onboarding(app, smtp, "digests", "send", "--now", "2026-03-02T09:30:00Z")
    assert first.returncode == 0 and f"Queued {len(addresses)} digest(s); delivered 0" in first.stdout
    smtp.start()
    second = run_onboarding(app, smtp, "digests", "send", "--now", "2026-03-02T10:30:00Z")
    assert second.returncode == 0 and f"Queued 0 digest(s); delivered {len(addresses)}" in second.stdout
    assert_each_once(smtp, addresses)


def test_two_scheduler_processes_send_nothing_twice(app, person, make_plan, smtp):
    """Two schedulers started at once, both standing on NOW (`--now`: no real clock, no midnight
    to wait for). Each logs when its first digest round is done; only then is the count final, so
    there is no fixed wait for duplicates."""
    addresses = organisation(person, make_plan, cadence="daily")
    env = {**subprocess_env(app, smtp), "ONBOARDING_LOG_LEVEL": "INFO"}
    schedulers = [subprocess.Popen(onboarding_command("scheduler", "--now", NOW.isoformat()), env=env, cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    logs: list[list[str]] = [[], []]
    done = [threading.Event(), threading.Event()]

    def read(n: int) -> None:
        for line in schedulers[n].stderr:
            logs[n].append(line)
            if "digest round at 2026-03-02T09:30" in line and "done" in line:
                done[n].set()

    readers = [threading.Thread(target=read, args=(n,), daemon=True) for n in range(2)]
    for reader in readers:
        reader.start()
    try:
        assert all(event.wait(120) for event in done), logs
    finally:
        for process in schedulers:
            process.send_signal(signal.SIGTERM)
        outputs = [process.communicate(timeout=30)[0] for process in schedulers]
        for reader in readers:
            reader.join(10)
    assert [p.returncode for p in schedulers] == [0, 0], logs
    assert "Scheduler running" in outputs[0]
    assert_each_once(smtp, addresses)
    built = sum(int(line.split("done: ")[1].split(" ")[0]) for log in logs for line in log if "done: " in line)
    assert built == len(addresses)
    assert not any("Traceback" in line for log in logs for line in log), logs


def test_builders_and_senders_racing_in_threads_send_each_digest_once(app, person, make_plan, smtp):
    """Four builders released at the same instant (a barrier), each with its own connection."""
    addresses = organisation(person, make_plan)
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                results.append((build_digests(NOW, batch_size=10), deliver_outbox(NOW, batch_size=5)))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert sum(built for built, _ in results) == len(addresses)
    assert sum(sent for _, sent in results) == len(addresses)
    assert_each_once(smtp, addresses)


def test_a_claim_lost_to_another_builder_queues_nothing(app, person, make_plan, smtp, monkeypatch):
    """Another builder commits Ada's claim between this builder's read and its write."""
    ada = person("ada@example.com")
    bob = person("bob@example.com")
    for hire in (ada, bob):
        make_plan(hire=hire, manager=False, start_on=TODAY - timedelta(days=40))
    real = digests_module.inserts_sent_ahead

    def racing(session):
        # the batch's reads are done and its first write is next
        with db.engine.begin() as other:  # a second connection: the other builder
            other.execute(insert(Digest.__table__).values(user_id=ada.id, kind="person", period="2026-W10",
                                                          created_at=NOW))
        return real(session)

    monkeypatch.setattr(digests_module, "inserts_sent_ahead", racing)
    assert build_digests(NOW) == 1
    assert [m.to_addr for m in db.session.scalars(select(OutboxMessage))] == ["bob@example.com"]
    ada_claims = db.session.scalars(select(Digest).where(Digest.user_id == ada.id)).all()
    assert [(d.period, d.message_id) for d in ada_claims] == [("2026-W10", None)]  # the other builder's row


def test_mail_written_in_parts_still_links_each_claim_to_its_own_message(app, person, make_plan, monkeypatch):
    """On PostgreSQL a batch's mail is written in parts (WRITE_PART messages each) while the next
    part is composed; every claim must still carry its own person's message, once."""
    addresses = organisation(person, make_plan)
    monkeypatch.setattr(digests_module, "WRITE_PART", 2)
    assert build_digests(NOW) == len(addresses)
    db.session.rollback()
    links = db.session.execute(select(Digest.user_id, OutboxMessage.user_id, OutboxMessage.to_addr)
                               .join(OutboxMessage, OutboxMessage.id == Digest.message_id)).all()
    assert len(links) == len(addresses)
    assert all(claim_user == message_user for claim_user, message_user, _ in links)
    assert {to_addr for _, _, to_addr in links} == addresses
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == len(addresses)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_connection_cut_while_parts_are_in_flight_loses_nothing_and_the_next_round_sends_once(
        app, person, make_plan, monkeypatch):
    """The server ends the builder's connection after a part's INSERT was sent ahead and before the
    batch commits (a restart, as in production). The round fails as a database error, nothing of the
    batch is kept, and the next round queues every digest once."""
    from sqlalchemy.exc import DBAPIError

    from onboarding.reminders.compose import DigestComposer

    addresses = organisation(person, make_plan)
    db.session.commit()
    monkeypatch.setattr(digests_module, "WRITE_PART", 2)
    real = DigestComposer.compose_all
    calls = []

    def cut_on_the_third(self, content):
        calls.append(content.key)
        if len(calls) == 3:  # the first part's INSERT is on its way; end the builder's backend
            cut(db.engine, db.session.connection())
        return real(self, content)

    monkeypatch.setattr(DigestComposer, "compose_all", cut_on_the_third)
    with pytest.raises(DBAPIError):
        build_digests(NOW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
    assert db.session.scalar(select(func.count()).select_from(Digest)) == 0

    monkeypatch.setattr(DigestComposer, "compose_all", real)
    assert build_digests(NOW) == len(addresses)
    db.session.rollback()
    assert sorted(m.to_addr for m in db.session.scalars(select(OutboxMessage))) == sorted(addresses)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_on_postgresql_batches_are_read_ahead_on_their_own_connection_and_see_the_callers_writes(
        app, person, make_plan, monkeypatch):
    """The reads of batch k+1 run on a thread of their own while batch k is composed and written.
    What the caller wrote and did not commit is still seen (the builder commits it first)."""
    from onboarding.people.models import User

    addresses = organisation(person, make_plan)

    someone = db.session.scalars(select(User).where(User.email == "hire0-0@example.com")).one()
    someone.email = "renamed@example.com"
    db.session.flush()  # not committed
    addresses = (addresses - {"hire0-0@example.com"}) | {"renamed@example.com"}
    real = digests_module.read_person_sections
    readers = []

    def reading(connection, contents):
        readers.append((threading.current_thread().name,
                        connection.connection.driver_connection.info.backend_pid))
        return real(connection, contents)

    real_writes = digests_module.inserts_sent_ahead
    writers = []

    def writing(session):
        writers.append(session.connection().connection.driver_connection.info.backend_pid)
        return real_writes(session)

    monkeypatch.setattr(digests_module, "read_person_sections", reading)
    monkeypatch.setattr(digests_module, "inserts_sent_ahead", writing)
    app.config["DIGEST_PROCESSES"] = 1  # every batch in this process, where the lists above see it
    assert build_digests(NOW, batch_size=10) == len(addresses)
    db.session.rollback()
    assert sorted(m.to_addr for m in db.session.scalars(select(OutboxMessage))) == sorted(addresses)
    assert len(readers) == 6 and len(writers) == 6  # 52 people in batches of 10
    assert all(name.startswith("read-ahead") for name, _ in readers)
    assert {pid for _, pid in readers}.isdisjoint(writers)  # two connections at once


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_cut_reading_connection_fails_the_round_gives_the_connection_back_and_the_next_round_sends_once(
        app, person, make_plan, monkeypatch):
    """The server ends the reading thread's connection in the third batch's reads. The round fails
    as a database error at that batch (the two before are committed), no connection is left
    checked out, and the next round queues the rest, each once."""
    from sqlalchemy.exc import DBAPIError

    addresses = organisation(person, make_plan)
    db.session.commit()
    real = digests_module.read_person_sections
    calls = []
    engine = db.engine  # the reading thread has no app context

    def cut_on_the_third(connection, contents):
        calls.append(len(contents))
        if len(calls) == 3:
            cut(engine, connection)
        return real(connection, contents)

    monkeypatch.setattr(digests_module, "read_person_sections", cut_on_the_third)
    app.config["DIGEST_PROCESSES"] = 1  # every batch in this process (test_digest_processes cuts a child's)
    with pytest.raises(DBAPIError):
        build_digests(NOW, batch_size=10)
    db.session.rollback()
    db.session.close()
    assert db.engine.pool.checkedout() == 0
    first = db.session.scalar(select(func.count()).select_from(OutboxMessage))
    assert first == 20  # the two batches before the cut, kept
    assert db.session.scalar(select(func.count()).select_from(Digest)) == 20

    monkeypatch.setattr(digests_module, "read_person_sections", real)
    assert build_digests(NOW, batch_size=10) == len(addresses) - 20
    db.session.rollback()
    assert sorted(m.to_addr for m in db.session.scalars(select(OutboxMessage))) == sorted(addresses)
