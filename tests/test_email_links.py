"""Every link in every e-mail points at the portal's own address: BASE_URL, else the PORT of `make run`."""
import re
from datetime import UTC, timedelta

import pytest
import time_machine

from portal import create_app
from portal.booking import actions as booking
from portal.config import TestConfig
from tests.booking.conftest import book_with_code, booking_form, confirmations, consultant, free_slot  # noqa: F401 (fixtures)
from tests.conftest import TEST_REDIS_URL, FreshContextClient, _empty_tables
from tests.factories import make_user

URL = re.compile(rb"https?://[^\s<>\"']+")


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    """The app as `make run` builds it for PORT=5101 when no BASE_URL is set."""
    monkeypatch.setenv("PORT", "5101")

    class Config(TestConfig):
        ENV_NAME = "development"
        BASE_URL = None
        DATABASE_URL = database_url
        REDIS_URL = TEST_REDIS_URL
        MAIL_OUTBOX_DIR = str(tmp_path / "outbox")
        DOCUMENT_DIR = str(tmp_path / "documents")

    app = create_app(Config)
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
    _empty_tables()


def _links(mail):
    found = URL.findall(mail.body.encode())
    for _name, data, _mime in mail.attachments:
        found += URL.findall(data if isinstance(data, bytes) else data.encode())
    return [u.decode() for u in found]


def test_every_link_in_every_email_points_at_the_port_of_make_run(client, free_slot, outbox):
    slot = free_slot(8 * 3)  # three days ahead: a reminder is due later
    assert book_with_code(client, outbox, booking_form(slot.id)).status_code in (302, 303)
    with time_machine.travel(slot.starts_at.replace(tzinfo=UTC) - timedelta(hours=23)):
        assert booking.send_reminders() == 1
    client.post("/register", data={"name": "Ola", "email": "ola@example.no"})
    user = make_user(email="kari@example.no")
    client.post("/password/forgot", data={"email": user.email})
    client.post("/password/forgot", data={"email": "nobody@example.no"})

    mails = outbox.messages
    assert len(mails) == 6  # the booking code, confirmation, reminder, registration, reset x2
    links = [link for mail in mails for link in _links(mail)]
    assert len(links) >= 10
    for kind in ("/book/cancel/", "/book/move/", "/register/invite/", "/privacy", "/register/verify/",
                 "/password/reset/", "/register"):
        assert any(kind in link for link in links), kind
    assert [link for link in links if not link.startswith("http://127.0.0.1:5101/")] == []
