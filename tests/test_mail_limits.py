"""E-mail bombing: e-mails a visitor can cause are limited per recipient address, whoever asks."""
import re
from datetime import UTC, datetime

import pytest
import time_machine

from portal.auth.models import AccountToken
from portal.booking.models import Consultant
from portal.mail.models import Outbox
from tests.factories import make_user

# 10:00 UTC on a winter day is 11:00 in Oslo; the hour's window ends at 12:00 Oslo time.
WINTER_MORNING = datetime(2031, 1, 15, 10, 0, tzinfo=UTC)


def ask(app, kind, email, n):
    """The n-th visitor, from their own IP address, asks for an e-mail to `email`."""
    browser = app.test_client()
    env = {"REMOTE_ADDR": f"10.0.{n // 250}.{n % 250 + 1}"}
    if kind == "register":
        return browser.post("/register", data={"name": "Kari Nordmann", "email": email},
                            environ_base=env)
    return browser.post("/password/forgot", data={"email": email}, environ_base=env)


def test_registration_and_reset_mails_to_one_address_are_limited_whoever_asks(app, db, outbox):
    with time_machine.travel(WINTER_MORNING, tick=False):
        for n in range(5):
            assert ask(app, ("register", "forgot")[n % 2], "victim@example.no", n).status_code == 200
        before = (Outbox.select().count(), AccountToken.select().count())
        refused = ask(app, "register", "victim@example.no", 99)
        again = ask(app, "forgot", "victim@example.no", 100)
    assert refused.status_code == again.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Det er sendt for mange e-poster til denne adressen. Prøv igjen kl. 12:00." in text
    assert "kl. 12:00" in again.get_data(as_text=True)
    assert (Outbox.select().count(), AccountToken.select().count()) == before
    assert len(outbox.to("victim@example.no")) == 5


def test_the_limit_answers_the_same_for_known_and_unknown_addresses(app, db):
    make_user(email="known@example.no")
    pages = []
    for email in ("known@example.no", "unknown@example.no"):
        for n in range(5):
            ask(app, "forgot", email, n)
        response = ask(app, "forgot", email, 50)
        assert response.status_code == 429
        pages.append(re.sub(r'value="[^"]{60,}"|"X-CSRFToken": "[^"]+"', "TOKEN",
                            response.get_data(as_text=True).replace(email, "EMAIL")))
    assert pages[0] == pages[1]


def test_plus_tags_dots_and_case_do_not_make_a_new_address(app, db, outbox):
    variants = ["Victim+1@Example.no", "victim+2@example.no", "VICTIM@EXAMPLE.NO",
                "victim+x@example.no", "victim@example.no"]
    for n, email in enumerate(variants):
        assert ask(app, "forgot", email, n).status_code == 200
    assert ask(app, "forgot", "victim+6@example.no", 6).status_code == 429
    for n, email in enumerate(["a.b.c@gmail.com", "abc@gmail.com", "A.BC@googlemail.com",
                               "ab.c+1@gmail.com", "abc+2@gmail.com"]):
        assert ask(app, "forgot", email, 10 + n).status_code == 200
    assert ask(app, "forgot", "a.bc@gmail.com", 20).status_code == 429


def test_email_change_mails_are_limited_per_new_address(app, client, login_as, outbox):
    login_as("candidate")
    for _ in range(5):
        assert client.post("/account/email", data={"email": "new@example.no"}).status_code == 200
    refused = client.post("/account/email", data={"email": "new@example.no"})
    assert refused.status_code == 429
    assert "for mange e-poster til denne adressen" in refused.get_data(as_text=True)
    assert len(outbox.to("new@example.no")) == 5


def test_the_limit_in_english(app, db):
    browser = app.test_client()
    with time_machine.travel(WINTER_MORNING, tick=False):
        browser.post("/language", data={"lang": "en"})
        for _ in range(6):
            refused = browser.post("/password/forgot", data={"email": "victim@example.no"})
    assert refused.status_code == 429
    assert ("Too many messages have been sent to this address. Try again at 12:00."
            in refused.get_data(as_text=True))


def test_staff_and_consultant_addresses_are_not_limited_this_way(app, db, outbox):
    make_user(role="staff", email="boss@ressursbasen.no")
    Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    for email in ("boss@ressursbasen.no", "ingrid@ressursbasen.no"):
        for n in range(8):
            assert ask(app, "forgot", email, n).status_code == 200
        assert len(outbox.to(email)) == 8


def test_allow_mail_to_counts_and_says_when_to_try_again(app, db):
    from portal.mail.limits import allow_mail_to
    with time_machine.travel(WINTER_MORNING, tick=False):
        answers = [allow_mail_to("someone@example.no") for _ in range(6)]
    assert answers[:5] == [(True, None)] * 5
    ok, retry_at = answers[5]
    assert ok is False and retry_at == datetime(2031, 1, 15, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize("email", ["", "not an address"])
def test_bad_addresses_are_refused_before_anything_is_counted(app, db, email):
    from portal.mail.limits import allow_mail_to
    for n in range(7):
        response = ask(app, "forgot", email, n)
        assert response.status_code == 400
    assert allow_mail_to("x@example.no") == (True, None)
