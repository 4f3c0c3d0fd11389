"""The webhook channel: each delivery signed as the Standard Webhooks spec says, so a receiver verifies it
with the `standardwebhooks` library (or any implementation of the spec).

Headers: `webhook-id` (the delivery's id, the same on every retry, for the receiver's deduplication),
`webhook-timestamp` (seconds, at this attempt) and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of
`id.timestamp.body` with the endpoint's secret). Answers: 2xx delivered; 5xx, 408, 429 or no answer
retried with backoff; any other 4xx failed at once, shown on the Webhooks page with the answer.
"""
from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone

import httpx
from sqlalchemy import select
from standardwebhooks import Webhook

from onboarding.extensions import db
from onboarding.outbox.channels.http import client, describe_answer, describe_failure, is_retryable
from onboarding.outbox.queue import ClaimedMessage, Outcomes, retry_later
from onboarding.webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)


def signed_request(message: ClaimedMessage, secret: str) -> tuple[bytes, dict]:
    """The body and headers of one attempt. The timestamp is the wall clock's, not the job's `now`:
    receivers check it against their own clock to refuse replays, so it must be the real moment."""
    body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":"))
    msg_id = f"msg_{message.id}"
    timestamp = datetime.fromtimestamp(int(time.time()), tz=timezone.utc)
    headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(timestamp.timestamp())),
               "webhook-signature": Webhook(secret).sign(msg_id, timestamp, body),
               "content-type": "application/json"}
    return body.encode("utf-8"), headers


def send_batch(batch: list[ClaimedMessage], now: datetime) -> tuple[int, bool]:
    """Deliver a claimed batch; an endpoint that does not answer is not tried again in this batch."""
    secrets = dict(db.session.execute(select(WebhookEndpoint.id, WebhookEndpoint.secret).where(
        WebhookEndpoint.id.in_({m.endpoint_id for m in batch}))).all())
    outcomes = Outcomes(batch, now)
    unreachable: dict[int, str] = {}
    sent = 0
    try:
        with client() as http:
            for message in batch:
                outcomes.record()  # the previous outcome is committed before the next send
                endpoint_id = message.endpoint_id
                secret = None if endpoint_id is None else secrets.get(endpoint_id)
                if endpoint_id is None or secret is None:  # the endpoint was deleted after the claim
                    outcomes.add(message, status="failed", attempts=message.attempts, next_attempt_at=now,
                                 last_error="the endpoint no longer exists")
                    continue
                if endpoint_id in unreachable:
                    retry_later(outcomes, message, now, unreachable[endpoint_id], give_up_allowed=True)
                    continue
                body, headers = signed_request(message, secret)
                try:
                    response = http.post(message.to_addr, content=body, headers=headers)
                except httpx.HTTPError as exc:
                    unreachable[endpoint_id] = describe_failure(exc)
                    retry_later(outcomes, message, now, unreachable[endpoint_id], give_up_allowed=True)
                    continue
                answer = describe_answer(response)
                if response.is_success:
                    outcomes.add(message, status="sent", attempts=message.attempts + 1, next_attempt_at=now,
                                 last_error=answer, sent_at=now)
                    sent += 1
                elif is_retryable(response.status_code):
                    retry_later(outcomes, message, now, answer, give_up_allowed=True)
                else:
                    outcomes.add(message, status="failed", attempts=message.attempts + 1, next_attempt_at=now,
                                 last_error=answer)
                    logger.warning("webhook %s to %s refused: %s", message.id, message.to_addr, answer)
    finally:
        outcomes.close()
    return sent, True
