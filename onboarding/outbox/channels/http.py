"""What the HTTP channels (webhooks, Slack, Teams) share: one client per batch, answers described for people."""
from __future__ import annotations

import httpx
from flask import current_app

USER_AGENT = "onboarding-webhooks/1"


def client() -> httpx.Client:
    """One connection pool per batch; never follows redirects (a webhook answer is the endpoint's own)."""
    return httpx.Client(timeout=current_app.config.get("HTTP_TIMEOUT", 10), follow_redirects=False,
                        headers={"User-Agent": USER_AGENT})


def describe_answer(response: httpx.Response) -> str:
    text = " ".join(response.text.split())[:300] if response.content else ""
    return f"HTTP {response.status_code} {response.reason_phrase}{': ' + text if text else ''}"[:1000]


def describe_failure(exc: Exception) -> str:
    return f"no answer: {type(exc).__name__}{': ' + str(exc) if str(exc) else ''}"[:1000]


def is_retryable(status: int) -> bool:
    """5xx, 408 (timeout) and 429 (slow down) are worth another try later; other 4xx are not."""
    return status >= 500 or status in (408, 429)
