"""The email channel: SMTP delivery of a claimed batch over one connection, and the message as sent."""
from __future__ import annotations

import binascii
import logging
import secrets
import smtplib
import ssl
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

from flask import Flask, current_app

from onboarding.outbox.queue import (
    ClaimedMessage,
    ConnectionLost,
    Outcomes,
    retry_later,
)

logger = logging.getLogger(__name__)


SMTP_TIMEOUT_SECONDS = 30


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _connect(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(
        config["SMTP_HOST"], int(config.get("SMTP_PORT") or 25),
        local_hostname=sender_domain(current_app), timeout=config.get("SMTP_TIMEOUT", SMTP_TIMEOUT_SECONDS),
    )
    try:
        smtp.ehlo()
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_batch(batch: list[ClaimedMessage], now: datetime) -> tuple[int, bool]:
    """Send a claimed batch over one connection; returns (sent, connection still usable)."""
    config = current_app.config
    outcomes = Outcomes(batch, now)
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"cannot reach the SMTP server {config['SMTP_HOST']}:{config.get('SMTP_PORT')}: {_describe(exc)}"
        logger.warning("outbox: %s; %d message(s) wait", reason, len(batch))
        for message in batch:
            retry_later(outcomes, message, now, reason, give_up_allowed=False)
        outcomes.close()
        return 0, False
    mail_from = config["MAIL_FROM"]
    envelope_from = parseaddr(mail_from)[1] or mail_from
    domain = sender_domain(current_app)
    sent = 0
    try:
        for index, message in enumerate(batch):
            try:
                _send_one(smtp, message, mail_from, envelope_from, domain)
            except ConnectionLost as exc:
                retry_later(outcomes, message, now, str(exc), give_up_allowed=False)
                for untried in batch[index + 1:]:  # never tried: back in the queue at once
                    outcomes.add(untried, status="queued", attempts=untried.attempts, next_attempt_at=now,
                                 last_error=untried.last_error)
                logger.warning("outbox: connection lost (%s); the rest waits for the next round", exc)
                return sent, False
            except _Refused as exc:
                if exc.permanent:
                    outcomes.add(message, status="failed", attempts=message.attempts + 1, next_attempt_at=now,
                                 last_error=exc.reason)
                    logger.warning("outbox: message %s to %s failed: %s", message.id, message.to_addr, exc.reason)
                else:
                    retry_later(outcomes, message, now, exc.reason, give_up_allowed=True)
            else:
                outcomes.add(message, status="sent", attempts=message.attempts + 1, next_attempt_at=now,
                             last_error="", sent_at=now)
                sent += 1
            outcomes.record()  # before the next message: a crash re-sends only the one in flight
    finally:
        outcomes.close()
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return sent, True


class _Refused(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.permanent = 500 <= code < 600
        self.reason = reason


def _reply(code: int, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text).split())}"[:1000]


def stable_headers(message: ClaimedMessage, domain: str) -> dict:
    """The message's stored headers, plus a Message-ID and Date fixed by the outbox row when it was
    queued without them: a copy re-sent after a crash is then the same message to every mail system."""
    headers = dict(message.headers or {})
    names = {key.lower() for key in headers}
    if "message-id" not in names:
        headers["Message-ID"] = f"<outbox.{message.id}.{message.created_at:%Y%m%d%H%M%S}@{domain}>"
    if "date" not in names:
        headers["Date"] = format_datetime(message.created_at)
    return headers


def _send_one(smtp: smtplib.SMTP, message: ClaimedMessage, mail_from: str, envelope_from: str, domain: str) -> None:
    try:
        raw = mime_message(mail_from=mail_from, to_addr=message.to_addr, subject=message.subject,
                           text_body=message.text_body, html_body=message.html_body,
                           headers=stable_headers(message, domain))
    except (ValueError, UnicodeError) as exc:
        raise _Refused(554, f"the message cannot be written: {exc}") from None
    options: list[str] = []
    if not (envelope_from + message.to_addr).isascii():
        if not smtp.has_extn("smtputf8"):
            raise _Refused(553, "553 the SMTP server does not accept international email addresses (SMTPUTF8)")
        options = ["SMTPUTF8"]
    smtp.command_encoding = "utf-8" if options else "ascii"
    try:
        smtp.sendmail(envelope_from, [message.to_addr], raw, mail_options=options)
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()), (451, b"recipient refused"))
        if code == 421:
            raise ConnectionLost(_reply(code, text)) from None
        raise _Refused(code, _reply(code, text)) from None
    except smtplib.SMTPResponseException as exc:  # sender refused, data refused ...
        if exc.smtp_code == 421:
            raise ConnectionLost(_reply(exc.smtp_code, exc.smtp_error)) from None
        raise _Refused(exc.smtp_code, _reply(exc.smtp_code, exc.smtp_error)) from None
    except (smtplib.SMTPServerDisconnected, OSError) as exc:
        raise ConnectionLost(f"connection lost: {_describe(exc)}") from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        return _reply(exc.smtp_code, exc.smtp_error)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def sender_domain(app: Flask) -> str:
    """The domain for Message-IDs and HELO: the sender's, else the site's."""
    address = parseaddr(app.config.get("MAIL_FROM") or "")[1]
    domain = address.rpartition("@")[2]
    return domain or urlsplit(app.config["BASE_URL"]).hostname or "localhost"


def mime_message(*, mail_from: str, to_addr: str, subject: str, text_body: str, html_body: str,
                 headers: dict) -> bytes:
    """The message as sent (CRLF line ends): multipart/alternative, text first (the fallback) and
    HTML last (preferred), both UTF-8 in quoted-printable, so every line is short and 7-bit.

    Written out directly: the email package's generator costs a few milliseconds per message,
    which an outbox of thousands notices. Tests read what arrives back with the email package.
    """
    name, address = parseaddr(mail_from)
    fields = [("From", formataddr((name, address)) if address else mail_from),
              ("To", headers.get("To") or to_addr), ("Subject", subject)]
    fields += [(key, value) for key, value in headers.items() if key.lower() not in ("to", "from", "subject")]
    if not any(key.lower() == "date" for key, _ in fields):
        fields.append(("Date", format_datetime(datetime.now().astimezone())))
    boundary = "=_" + secrets.token_hex(16)
    fields += [("MIME-Version", "1.0"), ("Content-Type", f'multipart/alternative; boundary="{boundary}"')]
    lines = [_header(key, value) for key, value in fields] + [""]
    for subtype, body in (("plain", text_body), ("html", html_body)):
        lines += [f"--{boundary}", f'Content-Type: text/{subtype}; charset="utf-8"',
                  "Content-Transfer-Encoding: quoted-printable", "", _quoted_printable(body)]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


def _header(name: str, value) -> str:
    """One header line: ASCII folded at spaces (never inside a URL or an id), else RFC 2047 words."""
    value = str(value)
    if "\r" in value or "\n" in value:
        raise ValueError(f"the {name} header holds a line break")
    if not value.isascii() and name.lower() in ("to", "from"):
        value = formataddr(parseaddr(value))  # encode the display name, never the address
    if not value.isascii():
        return f"{name}: " + Header(value, "utf-8", header_name=name).encode(linesep="\r\n")
    line = f"{name}: {value}"
    if len(line) <= 78 or " " not in value:
        return line
    lines, current = [], f"{name}:"
    for word in value.split(" "):
        if len(current) + 1 + len(word) > 78 and current != f"{name}:":
            lines.append(current)
            current = ""
        current += " " + word
    return "\r\n".join(lines + [current])


def _quoted_printable(text: str) -> str:
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(data, istext=True).decode("ascii").replace("\n", "\r\n")
