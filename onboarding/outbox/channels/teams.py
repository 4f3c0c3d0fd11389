"""The Microsoft Teams channel: a digest as an Adaptive Card posted to the person's incoming-webhook or
Workflows URL (set on their Preferences page)."""
from __future__ import annotations

import logging
from datetime import datetime

import httpx

from onboarding.outbox.channels.http import client, describe_answer, describe_failure, is_retryable
from onboarding.outbox.queue import ClaimedMessage, Outcomes, retry_later

logger = logging.getLogger(__name__)

ADAPTIVE_CARD = "application/vnd.microsoft.card.adaptive"


def digest_card(summary: str, groups, footer_url: str) -> dict:
    """A digest's groups, sections and lines as an Adaptive Card (schema 1.4) inside a Teams message."""
    body: list[dict] = [{"type": "TextBlock", "text": "Onboarding", "weight": "Bolder", "size": "Large"},
                        {"type": "TextBlock", "text": summary, "wrap": True}]
    actions = []
    for group in groups:
        body.append({"type": "TextBlock", "text": group.title, "weight": "Bolder", "size": "Medium",
                     "separator": True, "wrap": True})
        for section in group.sections:
            body.append({"type": "TextBlock", "text": section.title, "weight": "Bolder", "wrap": True})
            for line in section.lines:
                who = f"**{line.who}**: " if line.who else ""
                note = f" ({line.note})" if line.note else ""
                body.append({"type": "TextBlock", "text": f"- {who}{line.text}{note}", "wrap": True, "spacing": "None",
                             **({"color": "Attention"} if line.alert else {})})
                if line.comment:
                    body.append({"type": "TextBlock", "text": line.comment, "wrap": True, "isSubtle": True})
            if section.more:
                body.append({"type": "TextBlock", "text": f"and {section.more} more", "isSubtle": True})
        if group.note:
            body.append({"type": "TextBlock", "text": group.note, "wrap": True, "isSubtle": True})
        label, url = group.button
        if label and url:
            actions.append({"type": "Action.OpenUrl", "title": label, "url": url})
    actions.append({"type": "Action.OpenUrl", "title": "Digest preferences", "url": footer_url})
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body, "actions": actions}
    return {"type": "message", "attachments": [{"contentType": ADAPTIVE_CARD, "contentUrl": None, "content": card}]}


def send_batch(batch: list[ClaimedMessage], now: datetime) -> tuple[int, bool]:
    """Post each claimed card to its URL; an unreachable host is not tried again in this batch."""
    outcomes = Outcomes(batch, now)
    unreachable: dict[str, str] = {}
    sent = 0
    try:
        with client() as http:
            for message in batch:
                outcomes.record()  # the previous outcome is committed before the next send
                host = httpx.URL(message.to_addr).host
                if host in unreachable:
                    retry_later(outcomes, message, now, unreachable[host], give_up_allowed=True)
                    continue
                try:
                    response = http.post(message.to_addr, json=message.payload)
                except httpx.HTTPError as exc:
                    unreachable[host] = describe_failure(exc)
                    retry_later(outcomes, message, now, unreachable[host], give_up_allowed=True)
                    continue
                answer = describe_answer(response)
                if response.is_success:
                    outcomes.add(message, status="sent", attempts=message.attempts + 1, next_attempt_at=now,
                                 last_error="", sent_at=now)
                    sent += 1
                elif is_retryable(response.status_code):
                    retry_later(outcomes, message, now, answer, give_up_allowed=True)
                else:
                    outcomes.add(message, status="failed", attempts=message.attempts + 1, next_attempt_at=now,
                                 last_error=answer)
    finally:
        outcomes.close()
    return sent, True
