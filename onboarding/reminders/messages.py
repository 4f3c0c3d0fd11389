"""Digest emails: text and HTML from Jinja templates, headers fixed when the message is queued.

The outbox row keeps the subject, both bodies and the headers (To, Message-ID, Date,
List-Unsubscribe ...), so a retry sends the very same message; `mime_message()` assembles the
multipart/alternative message at delivery time.
"""
from __future__ import annotations

from datetime import date, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid, parseaddr
from urllib.parse import urlsplit

from flask import Flask, current_app
from werkzeug.routing import BuildError

from onboarding.reminders.digests import (
    ADMIN, ADMIN_LIST_LIMIT, ADMIN_OVERDUE_DAYS, DUE_SOON_DAYS, DigestContent,
)
from onboarding.reminders.tokens import unsubscribe_tokens

#: entries shown per list in a digest; the rest is counted ("and 4 more")
LIST_LIMIT = 15
MAX_ITEM_TEXT = 220


class Links:
    """Absolute links built from BASE_URL (there is no request when the scheduler builds mail)."""

    def __init__(self, app: Flask):
        self.base_url = app.config["BASE_URL"].rstrip("/")
        self.adapter = app.url_map.bind("localhost")
        self.endpoints = set(app.view_functions)

    def url(self, endpoint: str, fallback: str = "/", **values) -> str:
        path = fallback
        if endpoint in self.endpoints:
            try:
                path = self.adapter.build(endpoint, values)
            except BuildError:
                path = fallback
        return self.base_url + path


def links() -> Links:
    return Links(current_app)


def sender_domain(app: Flask) -> str:
    """The domain for Message-IDs and HELO: the sender's, else the site's."""
    address = parseaddr(app.config.get("MAIL_FROM") or "")[1]
    domain = address.rpartition("@")[2]
    return domain or urlsplit(app.config["BASE_URL"]).hostname or "localhost"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def nice_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return f"{value:%a} {value.day} {value:%b %Y}"


def short(text: str, limit: int = MAX_ITEM_TEXT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def item_label(line) -> str:
    """An item as one line; a sub-item carries its parent ("Learn the tools: the help desk")."""
    if line.parent_text:
        return short(f"{line.parent_text.rstrip().rstrip(':')}: {line.text}")
    return short(line.text)


def mail_templates(app: Flask):
    """The app's Jinja environment with block-tag whitespace trimmed, as plain-text mail needs."""
    env = app.extensions.get("onboarding.mail_templates")
    if env is None:
        env = app.extensions["onboarding.mail_templates"] = app.jinja_env.overlay(trim_blocks=True, lstrip_blocks=True)
    return env


def summary_parts(c: DigestContent) -> list[str]:
    """The short summary line's parts, most urgent first."""
    parts: list[str] = []
    if c.kind == ADMIN:
        a = c.admin
        if a.overdue_total:
            parts.append(f"{plural(a.overdue_total, 'plan')} overdue by more than {ADMIN_OVERDUE_DAYS} days")
        if a.unmanaged_total:
            parts.append(f"{plural(a.unmanaged_total, 'plan')} without a manager")
        if a.failed_total:
            parts.append(f"{plural(a.failed_total, 'email')} not delivered")
        return parts
    if c.overdue:
        parts.append(f"{len(c.overdue)} overdue")
    if c.sent_back:
        parts.append(f"{len(c.sent_back)} sent back")
    if c.due_soon:
        parts.append(f"{len(c.due_soon)} due in the next {DUE_SOON_DAYS} days")
    if c.check_in_is_soon:
        parts.append(f"{c.next_check_in.label} on {nice_date(c.next_check_in.due_on)}")
    if c.waiting:
        parts.append(f"{len(c.waiting)} waiting for your sign-off")
    if c.check_ins_due:
        parts.append(f"{plural(len(c.check_ins_due), 'check-in')} due")
    if c.attention:
        parts.append(f"{plural(len(c.attention), 'report')} overdue or at risk")
    return parts


def subject_for(c: DigestContent) -> str:
    prefix = "Onboarding weekly report" if c.kind == ADMIN else "Onboarding"
    return f"{prefix}: {', '.join(summary_parts(c))}"[:300]


class DigestComposer:
    """Turns DigestContent into outbox fields; made once per run (templates, links, key)."""

    def __init__(self, now: datetime, app: Flask | None = None):
        app = app or current_app._get_current_object()
        self.now = now
        env = mail_templates(app)
        self.text_template = env.get_template("email/digest.txt")
        self.html_template = env.get_template("email/digest.html")
        self.links = Links(app)
        self.domain = sender_domain(app)
        self.date_header = format_datetime(now)
        self.tokens = unsubscribe_tokens()
        self.fixed = {
            "preferences_url": self.links.url("mail.preferences"),
            "plan_url": self.links.url("hire.my_plan"),
            "team_url": self.links.url("manager.dashboard"),
            "dashboard_url": self.links.url("admin.dashboard"),
            "outbox_url": self.links.url("mail.outbox"),
            "list_limit": LIST_LIMIT,
            "admin_list_limit": ADMIN_LIST_LIMIT,
            "due_soon_days": DUE_SOON_DAYS,
            "admin_overdue_days": ADMIN_OVERDUE_DAYS,
            "nice_date": nice_date,
            "short": short,
            "plural": plural,
            "label": item_label,
        }

    def compose(self, c: DigestContent) -> dict:
        r = c.recipient
        token = self.tokens.make(r.id, r.unsubscribe_version, self.now)
        unsubscribe_url = self.links.url("mail.unsubscribe", token=token)
        summary = ", ".join(summary_parts(c))
        context = {
            **self.fixed, "c": c, "summary": summary, "unsubscribe_url": unsubscribe_url,
            "first_name": r.name.split()[0] if r.name.split() else r.name,
            "cadence": "weekly" if c.kind == ADMIN else r.cadence,
        }
        headers = {
            "To": formataddr((r.name, r.email)),
            "Message-ID": make_msgid(domain=self.domain),
            "Date": self.date_header,
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        }
        return {
            "user_id": r.id,
            "to_addr": r.email,
            "subject": subject_for(c),
            "text_body": self.text_template.render(context),
            "html_body": self.html_template.render(context),
            "headers": headers,
        }


def mime_message(*, mail_from: str, to_addr: str, subject: str, text_body: str, html_body: str,
                 headers: dict) -> EmailMessage:
    """The message as sent: multipart/alternative, text first (the fallback), HTML last (preferred)."""
    message = EmailMessage(policy=SMTP)
    message["From"] = mail_from
    message["To"] = headers.get("To") or to_addr
    message["Subject"] = subject
    for name, value in headers.items():
        if name.lower() not in ("to", "from", "subject"):
            message[name] = value
    if "Date" not in message:
        message["Date"] = format_datetime(datetime.now().astimezone())
    message.set_content(text_body)
    message.add_alternative(html_body, subtype="html")
    return message
