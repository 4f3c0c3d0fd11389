"""What a digest email looks like on the wire: headers, parts, links, one-click unsubscribe."""
from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

from onboarding.reminders.digests import build_digests
from onboarding.reminders.outbox import deliver_outbox
from tests.conftest import NOW, TODAY
from tests.reminders.helpers import outbox


def one_digest(person, make_plan, smtp, name="Ada Lovelace"):
    ada = person("ada@example.com", name=name)
    make_plan(hire=ada, manager=False, start_on=TODAY - timedelta(days=40))
    build_digests(NOW)
    deliver_outbox(NOW)
    [mail] = smtp.received
    return ada, mail


def test_headers(app, person, make_plan, smtp):
    ada, mail = one_digest(person, make_plan, smtp)
    message = mail.message
    assert re.fullmatch(r"<[^<>@\s]+@onboarding\.test>", message["Message-ID"])
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["From"] == "Onboarding <onboarding@onboarding.test>"
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert mail.mail_from == "onboarding@onboarding.test"
    assert message["Subject"] == "Onboarding: 3 overdue"
    assert message["Auto-Submitted"] == "auto-generated"
    unsubscribe = message["List-Unsubscribe"]
    assert re.fullmatch(r"<http://onboarding\.test/unsubscribe/[\w.-]+>", unsubscribe)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_multipart_alternative_text_then_html(app, person, make_plan, smtp):
    _, mail = one_digest(person, make_plan, smtp)
    message = mail.message
    assert message.get_content_type() == "multipart/alternative"
    parts = [part.get_content_type() for part in message.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert all(part.get_content_charset() == "utf-8" for part in message.iter_parts())
    assert "3 overdue" in mail.text and "3 overdue" in mail.html


def test_links_come_from_base_url(app, person, make_plan, smtp):
    _, mail = one_digest(person, make_plan, smtp)
    hrefs = re.findall(r'href="([^"]+)"', mail.html)
    assert hrefs and all(h.startswith("http://onboarding.test/") for h in hrefs)
    unsubscribe = mail.message["List-Unsubscribe"].strip("<>")
    assert unsubscribe in hrefs and unsubscribe in mail.text
    assert "http://onboarding.test/preferences" in hrefs
    assert "Open your plan" in mail.html  # the button


def test_a_retry_sends_the_same_message_id(app, person, make_plan, smtp):
    ada = person("ada@example.com")
    make_plan(hire=ada, manager=False, start_on=TODAY - timedelta(days=40))
    build_digests(NOW)
    smtp.fail_once("ada@example.com")
    deliver_outbox(NOW)
    deliver_outbox(NOW + timedelta(minutes=5))
    [mail] = smtp.received
    assert mail.message["Message-ID"] == outbox()[0].headers["Message-ID"]


def test_non_ascii_names_are_encoded(app, person, make_plan, smtp):
    _, mail = one_digest(person, make_plan, smtp, name="Zoë Ångström")
    assert mail.message["To"] == "Zoë Ångström <ada@example.com>"
    assert "Hello Zoë," in mail.text
