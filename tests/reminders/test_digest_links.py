"""Every link a digest builds opens a real page for the person it was sent to (none falls back to /)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from werkzeug.routing import BuildError

from onboarding.outbox.delivery import deliver_outbox
from onboarding.reminders.build import build_digests
from onboarding.reminders.compose import Links
from tests.conftest import NOW, TODAY
from tests.plans.views.conftest import sign_in

LINK = re.compile(r"""https?://onboarding\.test(/[^\s"'<>]*)""")


def test_each_link_in_each_kind_of_digest_opens_a_page(app, person, make_plan, smtp):
    admin = person("admin@example.com", name="Alan Admin", role="admin")
    grace = person("grace@example.com", name="Grace Hopper", role="manager")
    ada = person("ada@example.com", name="Ada Lovelace", manager=grace)
    make_plan(hire=ada, manager=grace, start_on=TODAY - timedelta(days=40))
    make_plan(hire=person("bob@example.com", name="Bob"), manager=False, start_on=TODAY - timedelta(days=40))
    app.config["FIXED_NOW"] = NOW  # the pages stand on the day the digest was built (tokens expire)
    build_digests(NOW)
    deliver_outbox(NOW)
    received = {mail.message["To"].split("<")[-1].rstrip(">"): mail for mail in smtp.received}
    assert {"admin@example.com", "grace@example.com", "ada@example.com"} <= set(received)
    received.pop("bob@example.com", None)
    people = {"admin@example.com": admin, "grace@example.com": grace, "ada@example.com": ada}
    for address, mail in received.items():
        bodies = [part.get_content() for part in mail.message.walk() if part.get_content_maintype() == "text"]
        paths = {path.replace("&amp;", "&") for body in bodies for path in LINK.findall(body)}
        assert len(paths) >= 2, f"{address}'s digest has too few links: {paths}"
        assert "/" not in paths, f"{address}'s digest links to the home page: a link fell back"
        client = app.test_client()
        sign_in(client, people[address])
        for path in paths:
            if path.startswith("/unsubscribe/"):
                response = app.test_client().get(path)  # opened from the mail, signed in or not
            else:
                response = client.get(path)
            assert response.status_code == 200, f"{address}: {path} answered {response.status_code}"


def test_an_unknown_endpoint_is_an_error_not_a_link_home(app):
    with pytest.raises(BuildError):
        Links(app).url("no.such_page")
    with pytest.raises(BuildError):
        Links(app).url("mail.unsubscribe")  # a required value is missing
