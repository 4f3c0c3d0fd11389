"""Composing a digest: its subject, summary and sections laid out as text and HTML, with links and an
unsubscribe header."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime, formataddr, make_msgid
from functools import lru_cache
from typing import NamedTuple

from flask import Flask
from jinja2 import Template

from onboarding.core.formatting import nice_date, plural
from onboarding.core.web import current_app_object
from onboarding.outbox.channels.email import sender_domain
from onboarding.outbox.channels.slack import digest_blocks
from onboarding.outbox.channels.teams import digest_card
from onboarding.reminders.content import (
    ADMIN,
    ADMIN_OVERDUE_DAYS,
    DUE_SOON_DAYS,
    DigestContent,
)
from onboarding.reminders.tokens import unsubscribe_tokens

#: where a digest can go, in the order its messages are queued
DIGEST_CHANNELS = ("email", "slack", "teams")


def chosen_channels(recipient) -> list[str]:
    """The person's digest channels that can reach them; email when none can (nothing is lost)."""
    chosen = [c for c in DIGEST_CHANNELS if c in (recipient.channels or "").split(",")]
    if "teams" in chosen and not recipient.teams_url:
        chosen.remove("teams")
    return chosen or ["email"]


#: entries shown per list in a digest; the rest is counted ("and 4 more")
LIST_LIMIT = 15


MAX_ITEM_TEXT = 220


class Links:
    """Absolute links built from BASE_URL (there is no request when the scheduler builds mail).

    An endpoint that does not exist, or values that do not build it, raise: a digest with a link
    to the wrong page is a bug to find in the tests, not a silent link to the home page.
    """

    def __init__(self, app: Flask):
        self.base_url = app.config["BASE_URL"].rstrip("/")
        self.adapter = app.url_map.bind("localhost")

    def url(self, endpoint: str, **values) -> str:
        return self.base_url + self.adapter.build(endpoint, values)


@lru_cache(maxsize=2048)
def short(text: str, limit: int = MAX_ITEM_TEXT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@lru_cache(maxsize=8192)
def _label(text: str, parent_text: str) -> str:
    if parent_text:
        return short(f"{parent_text.rstrip().rstrip(':')}: {text}")
    return short(text)


def item_label(line) -> str:
    """An item as one line; a sub-item carries its parent ("Learn the tools: The help desk")."""
    return _label(line.text, line.parent_text)


def mail_templates(app: Flask):
    """The app's Jinja environment with block-tag whitespace trimmed, as plain-text mail needs."""
    env = app.extensions.get("onboarding.mail_templates")
    if env is None:
        env = app.extensions["onboarding.mail_templates"] = app.jinja_env.overlay(trim_blocks=True, lstrip_blocks=True)
    return env


class Line(NamedTuple):
    """One line of a section. A tuple, so that the templates unpack it in their loops: looking up
    its five attributes through Jinja, in two templates, was a tenth of composing a digest."""

    text: str
    #: shown first, in bold in HTML: whose item it is ("Ada Lovelace")
    who: str = ""
    #: shown after the text in brackets ("was due Sat 14 Feb 2026")
    note: str = ""
    alert: bool = False
    #: the manager's comment on a sent-back item
    comment: str = ""


class Section(NamedTuple):
    """A titled list of lines; a tuple for the same reason as Line."""

    title: str
    lines: list[Line]
    more: int = 0
    link: tuple[str, str] | None = None


@dataclass
class Group:
    title: str
    sections: list[Section] = field(default_factory=list)
    note: str = ""
    button: tuple[str, str] = ("", "")


def _section(title: str, lines: list[Line], total: int | None = None, link=None) -> Section:
    total = len(lines) if total is None else total
    shown = lines[:LIST_LIMIT]
    return Section(f"{title} ({total})", shown, total - len(shown), link)


def summary_parts(c: DigestContent) -> list[str]:
    """The short summary line's parts, most urgent first."""
    parts: list[str] = []
    if c.kind == ADMIN:
        a = c.admin
        assert a is not None, "an admin digest carries its report"
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
    if c.check_in_is_soon and c.next_check_in is not None:
        parts.append(f"{c.next_check_in.label} on {nice_date(c.next_check_in.due_on, weekday=True)}")
    if c.waiting:
        parts.append(f"{len(c.waiting)} waiting for your sign-off")
    if c.check_ins_due:
        parts.append(f"{plural(len(c.check_ins_due), 'check-in')} due")
    if c.attention:
        parts.append(f"{plural(len(c.attention), 'report')} overdue or at risk")
    return parts


def subject_for(c: DigestContent, summary: str) -> str:
    """The subject: the digest's summary line (", ".join(summary_parts(c))) after a prefix."""
    prefix = "Onboarding weekly report" if c.kind == ADMIN else "Onboarding"
    return f"{prefix}: {summary}"[:300]


def layout(c: DigestContent, urls: dict[str, str]) -> list[Group]:
    """The groups, sections and lines of one digest."""
    if c.kind == ADMIN:
        a = c.admin
        assert a is not None, "an admin digest carries its report"
        group = Group("Across the organisation", button=("Open the dashboard", urls["dashboard"]))
        if a.overdue_total:
            group.sections.append(_section(f"Plans overdue by more than {ADMIN_OVERDUE_DAYS} days", [
                Line(f"{plural(p.overdue_items, 'item')} open since {nice_date(p.oldest_due_on, weekday=True)}", who=p.hire_name,
                     note=f"manager: {p.manager_name}" if p.manager_name else "no manager", alert=True)
                for p in a.overdue_plans], a.overdue_total))
        if a.unmanaged_total:
            group.sections.append(_section("Plans without a manager", [
                Line(f"{'starts' if p.start_on and p.start_on > c.today else 'started'} {nice_date(p.start_on, weekday=True)}",
                     who=p.hire_name) for p in a.unmanaged_plans], a.unmanaged_total))
        if a.failed_total:
            group.sections.append(_section("Email that could not be delivered", [
                Line(short(m.last_error, 160), who=m.to_addr, alert=True) for m in a.failed_mail],
                a.failed_total, link=("See the outbox", urls["outbox"])))
        return [group]
    groups = []
    if c.has_hire_section:
        group = Group("Your plan", button=("Open your plan", urls["plan"]))
        if c.overdue:
            group.sections.append(_section("Overdue", [
                Line(item_label(i), note=f"was due {nice_date(i.due_on, weekday=True)}", alert=True) for i in c.overdue]))
        if c.sent_back:
            group.sections.append(_section("Sent back to you", [
                Line(item_label(i), comment=short(i.comment, 500)) for i in c.sent_back]))
        if c.due_soon:
            group.sections.append(_section(f"Due in the next {DUE_SOON_DAYS} days", [
                Line(item_label(i), note=f"due {nice_date(i.due_on, weekday=True)}") for i in c.due_soon]))
        if c.next_check_in:
            k = c.next_check_in
            group.note = f"Next check-in: {k.label}{f' with {k.manager_name}' if k.manager_name else ''}, " \
                         f"{nice_date(k.due_on, weekday=True)}"
        groups.append(group)
    if c.has_manager_section:
        group = Group("Your team", button=("Open your team", urls["team"]))
        if c.waiting:
            group.sections.append(_section("Waiting for your sign-off", [
                Line(item_label(i), who=i.hire_name) for i in c.waiting]))
        if c.check_ins_due:
            group.sections.append(_section("Check-ins due", [
                Line(f"{k.label}, {nice_date(k.due_on, weekday=True)}", who=k.hire_name, alert=k.due_on < c.today)
                for k in c.check_ins_due]))
        if c.attention:
            group.sections.append(_section("Reports overdue or at risk", [
                Line(r.status, who=r.hire_name, note=f"{plural(r.overdue, 'item')} past due" if r.overdue else "",
                     alert=r.status == "overdue") for r in c.attention]))
        groups.append(group)
    return groups


class DigestComposer:
    """Turns DigestContent into outbox fields; made once per run (templates, links, key)."""

    def __init__(self, now: datetime, app: Flask | None = None):
        app = app or current_app_object()
        self.now = now
        env = mail_templates(app)
        self.text_template = env.get_template("email/digest.txt")
        self.html_template = env.get_template("email/digest.html")
        # `render` copies the environment's globals (a ChainMap, slow to copy) into a new context
        # for every call: a third of a digest's rendering. They are copied once here instead.
        self.template_globals = {**self.text_template.globals, **self.html_template.globals}
        links = Links(app)
        self.domain = sender_domain(app)
        self.date_header = format_datetime(now)
        self.tokens = unsubscribe_tokens()
        marker = "TOKEN-PLACEHOLDER"
        self.unsubscribe_prefix, _, self.unsubscribe_suffix = \
            links.url("mail.unsubscribe", token=marker).partition(marker)
        self.urls = {
            "preferences": links.url("mail.preferences"),
            "plan": links.url("hire.my_plan"),
            "team": links.url("manager.dashboard"),
            "dashboard": links.url("admin.dashboard"),
            "outbox": links.url("outbox.index"),
        }

    def compose(self, c: DigestContent, summary: str, groups: list[Group]) -> dict:
        """The digest as an email, from its summary line and layout (compose_all works them out once)."""
        r = c.recipient
        token = self.tokens.make(r.id, r.unsubscribe_version, self.now)
        unsubscribe_url = f"{self.unsubscribe_prefix}{token}{self.unsubscribe_suffix}"
        names = r.name.split()
        context = {
            "summary": summary,
            "groups": groups,
            "first_name": names[0] if names else r.name,
            "cadence": "weekly" if c.kind == ADMIN else r.cadence,
            "preferences_url": self.urls["preferences"],
            "unsubscribe_url": unsubscribe_url,
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
            "channel": "email",
            "to_addr": r.email,
            "subject": subject_for(c, summary),
            "text_body": self.render(self.text_template, context),
            "html_body": self.render(self.html_template, context),
            "headers": headers,
        }

    def render(self, template: Template, context: dict) -> str:
        """`template.render(context)`, with the globals copied once per run (a shared context)."""
        variables = {**self.template_globals, **context}
        return template.environment.concat(template.root_render_func(template.new_context(variables, shared=True)))

    def compose_all(self, c: DigestContent) -> list[dict]:
        """The digest's message on each channel the person chose: the same content, laid out for each."""
        channels = chosen_channels(c.recipient)
        summary, groups = ", ".join(summary_parts(c)), layout(c, self.urls)
        email = self.compose(c, summary, groups)
        messages = [email] if "email" in channels else []
        if "slack" in channels or "teams" in channels:
            chat = {**email, "html_body": "", "headers": {}}
            if "slack" in channels:
                messages.append({**chat, "channel": "slack", "payload": {
                    "text": email["subject"], "blocks": digest_blocks(summary, groups, self.urls["preferences"])}})
            if "teams" in channels:
                messages.append({**chat, "channel": "teams", "to_addr": c.recipient.teams_url,
                                 "payload": digest_card(summary, groups, self.urls["preferences"])})
        return messages
