"""The Slack channel: a digest as a direct message from the bot (`chat.postMessage`, Block Kit layout).

The person is found by their email (`users.lookupByEmail`, once per batch and address). The Web API's
base URL is `ONBOARDING_SLACK_API_URL` (the tests point it at a local receiver); the bot token,
`ONBOARDING_SLACK_BOT_TOKEN`, needs the scopes chat:write and users:read.email.
"""
from __future__ import annotations

import logging
from datetime import datetime

import httpx
from flask import current_app

from onboarding.outbox.channels.http import client, describe_failure, is_retryable
from onboarding.outbox.queue import ClaimedMessage, Outcomes, retry_later

logger = logging.getLogger(__name__)

#: Slack's limits: 50 blocks a message, 3000 characters a text block
MAX_BLOCKS = 50


MAX_TEXT = 3000


def _escape(text: str) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def digest_blocks(summary: str, groups, footer_url: str) -> list[dict]:
    """A digest's groups, sections and lines as Block Kit blocks."""
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": "Onboarding", "emoji": False}},
                          {"type": "section", "text": {"type": "mrkdwn", "text": _escape(summary)[:MAX_TEXT]}}]
    for group in groups:
        blocks.append({"type": "divider"})
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*{_escape(group.title)}*"}})
        for section in group.sections:
            lines = []
            for line in section.lines:
                who = f"*{_escape(line.who)}*: " if line.who else ""
                note = f" ({_escape(line.note)})" if line.note else ""
                comment = f"\n> {_escape(line.comment)}" if line.comment else ""
                lines.append(f"• {who}{_escape(line.text)}{note}{comment}")
            if section.more:
                lines.append(f"_and {section.more} more_")
            text = f"*{_escape(section.title)}*\n" + "\n".join(lines)
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:MAX_TEXT]}})
        if group.note:
            blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _escape(group.note)}]})
        label, url = group.button
        if label and url:
            blocks.append({"type": "actions", "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": label}, "url": url}]})
    blocks.append({"type": "context", "elements": [
        {"type": "mrkdwn", "text": f"<{footer_url}|Change where and when digests arrive>"}]})
    return blocks[:MAX_BLOCKS]


class _SlackRefused(Exception):
    def __init__(self, reason: str, retry: bool):
        super().__init__(reason)
        self.reason, self.retry = reason, retry


def _call(http: httpx.Client, method: str, **fields) -> dict:
    config = current_app.config
    response = http.post(f"{config['SLACK_API_URL']}/{method}", json=fields,
                         headers={"Authorization": f"Bearer {config['SLACK_BOT_TOKEN']}"})
    if not response.is_success:
        raise _SlackRefused(f"Slack {method}: HTTP {response.status_code}", is_retryable(response.status_code))
    answer = response.json()
    if not answer.get("ok"):
        error = str(answer.get("error") or "unknown error")
        raise _SlackRefused(f"Slack {method}: {error}", error in ("ratelimited", "internal_error", "service_unavailable"))
    return answer


def send_batch(batch: list[ClaimedMessage], now: datetime) -> tuple[int, bool]:
    """Post each claimed digest to its person's direct messages; returns (sent, Slack reachable)."""
    outcomes = Outcomes(batch, now)
    people: dict[str, str] = {}
    sent = 0
    try:
        with client() as http:
            for index, message in enumerate(batch):
                outcomes.record()  # the previous outcome is committed before the next send
                try:
                    if message.to_addr not in people:
                        found = _call(http, "users.lookupByEmail", email=message.to_addr)
                        people[message.to_addr] = found["user"]["id"]
                    _call(http, "chat.postMessage", channel=people[message.to_addr], **(message.payload or {}))
                except _SlackRefused as exc:
                    if exc.retry:
                        retry_later(outcomes, message, now, exc.reason, give_up_allowed=True)
                    else:
                        outcomes.add(message, status="failed", attempts=message.attempts + 1, next_attempt_at=now,
                                     last_error=exc.reason)
                    continue
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    reason = describe_failure(exc)
                    retry_later(outcomes, message, now, reason, give_up_allowed=False)
                    for untried in batch[index + 1:]:
                        outcomes.add(untried, status="queued", attempts=untried.attempts, next_attempt_at=now,
                                     last_error=untried.last_error)
                    logger.warning("outbox: Slack unreachable (%s); the rest waits", reason)
                    return sent, False
                outcomes.add(message, status="sent", attempts=message.attempts + 1, next_attempt_at=now,
                             last_error="", sent_at=now)
                sent += 1
    finally:
        outcomes.close()
    return sent, True
