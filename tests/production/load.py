"""A production-shaped run: `onboarding serve` and `onboarding scheduler` as real processes, aiosmtpd,
hires and managers as concurrent browser-like clients (cookies, CSRF tokens from the pages), faults
injected on a timetable, and every request's outcome recorded for the checks afterwards.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT, sample_role

ONBOARDING = str(Path(sys.executable).with_name("onboarding"))
PASSWORD = "correct horse battery"

TICK_FORM = re.compile(
    r'<form method="post" action="/plan/items/(\d+)" class="tick">\s*'
    r'<input type="hidden" name="csrf_token" value="([^"]+)">\s*'
    r'<input type="hidden" name="version" value="(\d+)">(.*?)</form>', re.S)
SIGN_OFF_FORM = re.compile(
    r'<form method="post" action="/team/items/(\d+)/sign-off"[^>]*>\s*'
    r'<input type="hidden" name="csrf_token" value="([^"]+)">\s*'
    r'<input type="hidden" name="version" value="(\d+)">')
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
TEAM_PLAN = re.compile(r'href="/team/plans/(\d+)"')


def flat_role(milestones_per_phase: int = 6) -> dict:
    """The sample role with flat milestones only (no sub-items), so each tick is one item's one event."""
    role = sample_role("Load Engineer")
    for phase in role["phases"]:
        phase["milestones"] = [{"text": f"{phase['key']} milestone {n}.", "children": []}
                               for n in range(1, milestones_per_phase + 1)]
    return role


@dataclass
class Outcome:
    at: float
    kind: str  # "page", "tick", "sign_off", "login"
    status: int | None  # None: no HTTP answer (connection refused or reset)
    seconds: float
    error: str = ""
    item_id: int | None = None
    path: str = ""

    def overlaps(self, begin: float, end: float) -> bool:
        """Was this request in flight at some moment between begin and end?"""
        return self.at <= end and self.at + self.seconds >= begin


@dataclass
class Record:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def accepted(self, kind: str) -> Counter:
        return Counter(o.item_id for o in self.outcomes if o.kind == kind and o.status == 302)

    def unsure(self, kind: str) -> Counter:
        """Writes with no clear answer (5xx or no answer): applied or not, but never twice."""
        return Counter(o.item_id for o in self.outcomes
                       if o.kind == kind and (o.status is None or o.status >= 500))

    def summary(self, seconds: float) -> dict:
        answered = sorted(o.seconds for o in self.outcomes if o.status is not None)
        kinds = Counter(o.error or (f"http {o.status}" if o.status >= 400 else "ok") for o in self.outcomes)
        return {
            "requests": len(self.outcomes),
            "requests_per_second": round(len(self.outcomes) / seconds, 1),
            "p50_ms": round(statistics.median(answered) * 1000, 1) if answered else None,
            "p99_ms": round(answered[int(len(answered) * 0.99) - 1] * 1000, 1) if answered else None,
            "by_kind": dict(kinds),
            "accepted_ticks": sum(self.accepted("tick").values()),
            "accepted_sign_offs": sum(self.accepted("sign_off").values()),
        }


class Browser:
    """One person's browser: a cookie jar, no redirects followed (a 302 after a POST is 'accepted')."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str, record: Record):
        self.base = base
        self.record = record
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  self._NoRedirect())

    def request(self, kind: str, path: str, data: dict | None = None, item_id: int | None = None) -> tuple[int | None, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        started = time.perf_counter()
        at = time.monotonic()
        status, text, error = None, "", ""
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            error = type(reason).__name__ if not isinstance(reason, str) else reason
        self.record.add(Outcome(at, kind, status, time.perf_counter() - started, error, item_id, path))
        return status, text

    def sign_in(self, email: str) -> bool:
        status, page = self.request("page", "/login")
        token = CSRF.search(page or "")
        if status != 200 or not token:
            return False
        status, _ = self.request("login", "/login", {"csrf_token": token.group(1), "email": email,
                                                     "password": PASSWORD})
        return status == 302


def hire_loop(browser: Browser, email: str, stop: threading.Event) -> None:
    while not stop.is_set() and not browser.sign_in(email):
        time.sleep(0.5)
    while not stop.is_set():
        status, page = browser.request("page", "/plan")
        if status != 200:
            time.sleep(0.2)
            continue
        open_forms = [m for m in TICK_FORM.finditer(page) if " checked" not in m.group(4)]
        if not open_forms:
            time.sleep(0.5)
            continue
        item_id, token, version = open_forms[0].group(1, 2, 3)
        browser.request("tick", f"/plan/items/{item_id}", {"csrf_token": token, "version": version, "done": "y",
                                                           "note": "", "evidence_url": ""}, item_id=int(item_id))


def manager_loop(browser: Browser, email: str, stop: threading.Event) -> None:
    while not stop.is_set() and not browser.sign_in(email):
        time.sleep(0.5)
    plans: list[str] = []
    turn = 0
    while not stop.is_set():
        if not plans:
            status, page = browser.request("page", "/team")
            plans = sorted(set(TEAM_PLAN.findall(page or ""))) if status == 200 else []
            if not plans:
                time.sleep(0.5)
                continue
        turn += 1
        status, page = browser.request("page", f"/team/plans/{plans[turn % len(plans)]}")
        form = SIGN_OFF_FORM.search(page or "") if status == 200 else None
        if form is None:
            time.sleep(0.1)
            continue
        item_id, token, version = form.group(1, 2, 3)
        browser.request("sign_off", f"/team/items/{item_id}/sign-off", {"csrf_token": token, "version": version},
                        item_id=int(item_id))


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen([ONBOARDING, *command], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop_process(process: subprocess.Popen, timeout: float = 40) -> int | None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode


def gunicorn_workers(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    return [int(pid) for pid in children]


def wait_healthy(base: str, seconds: float) -> float:
    """Seconds until /healthz answers 200 (raises after `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=3) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"not healthy within {seconds} s")
