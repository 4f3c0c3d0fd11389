"""A production-shaped run: `onboarding serve` and `onboarding scheduler` as real processes, aiosmtpd,
hires and managers as concurrent browser-like clients (cookies, CSRF tokens from the pages), faults
injected on a timetable, and every request's outcome recorded for the checks afterwards.
"""
from __future__ import annotations

import http.client
import http.cookiejar
import json
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
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import ROOT, sample_role

ONBOARDING = str(Path(sys.executable).with_name("onboarding"))
PASSWORD = "correct horse battery"

TICK_FORM = re.compile(
    r'<form method="post" action="/plan/items/(\d+)" class="tick"[^>]*>\s*'
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
    #: "page" (a form post, accepted with a 302) or "api" (JSON, accepted with a 200)
    via: str = "page"
    path: str = ""

    @property
    def is_accepted(self) -> bool:
        return self.status == (200 if self.via == "api" else 302)

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

    def accepted(self, kind: str, via: str | None = None) -> Counter:
        return Counter(o.item_id for o in self.outcomes
                       if o.kind == kind and o.is_accepted and via in (None, o.via))

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
            "accepted_api_ticks": sum(self.accepted("tick", "api").values()),
            "accepted_api_sign_offs": sum(self.accepted("sign_off", "api").values()),
        }


def _body(response) -> bytes:
    """The answer's body, or nothing when the connection broke after the status line (a killed worker,
    a restart): the status alone says whether the change was accepted."""
    try:
        return response.read()
    except (http.client.HTTPException, OSError):
        return b""


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
                status, text = response.status, _body(response).decode(errors="replace")
        except urllib.error.HTTPError as exc:
            status, text = exc.code, _body(exc).decode(errors="replace")
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            error = type(reason).__name__ if not isinstance(reason, str) else reason
        self.record.add(Outcome(at, kind, status, time.perf_counter() - started, error, item_id, path=path))
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


class ApiClient:
    """An HR system's client of /api/v1: a bearer token, JSON, and an Idempotency-Key on each write,
    so a write whose answer was lost (no answer, a 5xx) is sent again with the same key and applied once."""

    #: tries of one write with its key before giving up on it
    WRITE_TRIES = 4

    def __init__(self, base: str, record: Record, token: str):
        self.base = base
        self.record = record
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    def request(self, kind: str, path: str, data: dict | None = None, item_id: int | None = None,
                key: str | None = None) -> tuple[int | None, dict]:
        headers = dict(self.headers)
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers["Content-Type"] = "application/json"
        if key is not None:
            headers["Idempotency-Key"] = key
        started = time.perf_counter()
        at = time.monotonic()
        status, answer, error = None, b"", ""
        try:
            with urllib.request.urlopen(urllib.request.Request(self.base + "/api/v1" + path, data=body,
                                                               headers=headers), timeout=30) as response:
                status, answer = response.status, _body(response)
        except urllib.error.HTTPError as exc:
            status, answer = exc.code, _body(exc)
        except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            error = type(reason).__name__ if not isinstance(reason, str) else reason
        self.record.add(Outcome(at, kind, status, time.perf_counter() - started, error, item_id, via="api",
                                path="/api/v1" + path))
        try:
            document = json.loads(answer) if answer else {}
        except ValueError:
            document = {}
        return status, document if isinstance(document, dict) else {}

    def write(self, kind: str, path: str, data: dict, item_id: int, stop: threading.Event) -> int | None:
        """POST once under one Idempotency-Key, again with that key while the answer is unclear."""
        key = str(uuid.uuid4())
        status = None
        for _ in range(self.WRITE_TRIES):
            status, _document = self.request(kind, path, data, item_id=item_id, key=key)
            if status is not None and status < 500 and status != 429:
                break
            if stop.is_set():
                break
            time.sleep(0.5)
        return status

    def plan_ids(self) -> list[int]:
        status, page = self.request("page", "/plans?limit=100")
        return sorted(p["id"] for p in page.get("data", [])) if status == 200 else []

    def items(self, plan_id: int) -> list[dict]:
        status, plan = self.request("page", f"/plans/{plan_id}")
        if status != 200:
            return []
        found: list[dict] = []

        def walk(nodes: list[dict]) -> None:
            for node in nodes:
                found.append(node)
                walk(node.get("children", []))

        for phase in plan.get("phases", []):
            walk(phase.get("items", []))
        return found


#: an API client's pause between rounds, under the per-token rate limit (300 a minute)
API_PAUSE_SECONDS = 0.3


def api_hire_loop(client: ApiClient, email: str, stop: threading.Event) -> None:
    """A hire through the API: reads their plan, completes its last open item (the page loop of the
    same hire ticks from the first, so the two meet, and race, in the middle)."""
    plans: list[int] = []
    while not stop.is_set():
        time.sleep(API_PAUSE_SECONDS)
        if not plans:
            plans = client.plan_ids()
            continue
        open_items = [i for i in client.items(plans[0]) if i["state"] == "open" and not i.get("children")]
        if not open_items:
            time.sleep(0.5)
            continue
        item_id = open_items[-1]["id"]
        client.write("tick", f"/items/{item_id}/complete", {"note": "done through the API"}, item_id, stop)


def api_manager_loop(client: ApiClient, email: str, stop: threading.Event) -> None:
    """A manager through the API: goes round their reports' plans signing off one done item each."""
    plans: list[int] = []
    turn = 0
    while not stop.is_set():
        time.sleep(API_PAUSE_SECONDS)
        if not plans:
            plans = client.plan_ids()
            continue
        turn += 1
        done = [i for i in client.items(plans[turn % len(plans)]) if i["state"] == "done"]
        if done:
            client.write("sign_off", f"/items/{done[0]['id']}/sign-off", {}, done[0]["id"], stop)


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
