"""What a digest email looks like on the wire: headers, parts, links, one-click unsubscribe."""
from __future__ import annotations

import re
from datetime import timedelta
from email.utils import parsedate_to_datetime

import pytest

from onboarding.outbox.channels.email import mime_message
from onboarding.outbox.delivery import deliver_outbox
from onboarding.reminders.build import build_digests
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


def parse(raw: bytes):
    import email
    import email.policy

    return email.message_from_bytes(raw, policy=email.policy.default)


def test_the_wire_format_reads_back_exactly():
    text = "Hello Zoë,\n\n.a line starting with a dot\n" + "long " * 60 + "\ntrailing space \nend"
    html = "<p>Ünïcode “quotes” — and a long line " + "x" * 500 + "</p>"
    subject = "Onboarding: 3 overdue, 1 due in the next 14 days, 60-day check-in on Mon 16 Mar 2026, more"
    raw = mime_message(mail_from="Onboarding Bot <bot@example.com>", to_addr="zoe@example.com", subject=subject,
                       text_body=text, html_body=html, headers={"To": "Zoë Ångström <zoe@example.com>",
                                                                "Message-ID": "<abc@example.com>",
                                                                "Date": "Mon, 02 Mar 2026 09:30:00 +0000"})
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert b"\n" not in raw.replace(b"\r\n", b"")
    raw.decode("ascii")  # 7-bit clean
    message = parse(raw)
    assert message["Subject"] == subject
    assert message["To"] == "Zoë Ångström <zoe@example.com>"
    assert message["From"] == "Onboarding Bot <bot@example.com>"
    assert message.get_content_type() == "multipart/alternative"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
    assert message.get_body(("html",)).get_content() == html


def test_a_header_with_a_line_break_is_refused():
    with pytest.raises(ValueError, match="line break"):
        mime_message(mail_from="a@example.com", to_addr="b@example.com", subject="Hi\r\nBcc: evil@example.com",
                     text_body="x", html_body="x", headers={})


def test_a_non_ascii_subject_is_encoded():
    raw = mime_message(mail_from="a@example.com", to_addr="b@example.com", subject="Café: 2 overdue",
                       text_body="x", html_body="x", headers={})
    assert b"=?utf-8?" in raw and parse(raw)["Subject"] == "Café: 2 overdue"


def test_a_long_header_fills_each_line_up_to_78_characters():
    subject = " ".join(["aaaaaaaaa"] * 8)  # "Subject: " + 7 words is exactly 78 characters
    raw = mime_message(mail_from="a@example.com", to_addr="b@example.com", subject=subject,
                       text_body="x", html_body="x", headers={})
    lines = raw.decode("ascii").split("\r\n")
    start = next(n for n, line in enumerate(lines) if line.startswith("Subject:"))
    assert lines[start:start + 2] == ["Subject: " + " ".join(["aaaaaaaaa"] * 7), " aaaaaaaaa"]
    assert len(lines[start]) == 78 and parse(raw)["Subject"] == subject


def test_a_long_item_text_is_cut_to_the_limit_with_an_ellipsis():
    from onboarding.reminders.compose import short

    assert short("one two three", 9) == "one two…"  # cut before the limit, the space before the cut dropped
    assert short("abcdefghijklmnop", 10) == "abcdefghi…" and len(short("x" * 300, 40)) == 40
    assert short("  spaced   out  ", 10) == "spaced out"


def test_without_a_sender_domain_message_ids_use_the_sites_host(app):
    from onboarding.outbox.channels.email import sender_domain

    app.config.update(MAIL_FROM="", BASE_URL="https://onboarding.example.com")
    assert sender_domain(app) == "onboarding.example.com"
    app.config.update(MAIL_FROM="Bot <bot@mail.example.org>")
    assert sender_domain(app) == "mail.example.org"
