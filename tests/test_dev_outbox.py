"""The development outbox at an erasure: only messages naming the erased person go, matched
as whole addresses, numbers and names, never as a part of someone else's."""
import os

import pytest

from portal.mail.actions import queue_email, send
from portal.people import registry
from tests.factories import make_person


@pytest.fixture
def app_config(tmp_path):
    return {"MAIL_BACKEND": "file", "MAIL_FILE_PATH": str(tmp_path / "outbox")}


def _mail(to, text):
    row = queue_email(to, "Hei", "mail/email/rendered", text=text)
    send(row.id)


def _texts(app):
    folder = app.config["MAIL_FILE_PATH"]
    return "\n".join(open(os.path.join(folder, n), encoding="utf-8").read()
                     for n in sorted(os.listdir(folder)))


def test_erasing_an_address_leaves_mails_of_longer_ones_that_contain_it(app, db):
    erased = make_person(email="a@b.no", name="Ann Li", phone="+4741234567")
    make_person(email="aa@b.no", name="Ann Lien", phone="+4741234567")  # not theirs to lose
    for to, text in (("a@b.no", "Hei Ann Li"), ("aa@b.no", "Hei Ann Lien"),
                     ("x@b.no", "Kontakt: ola.a@b.no.com og a@b.nom"),
                     ("y@b.no", "Ring +47412345670 eller 4123456789"),
                     ("z@b.no", "Skrevet av: a@b.no."), ("w@b.no", "Hilsen Ann Li, Oslo"),
                     ("v@b.no", "Vi ringer deg på +47 41 23 45 67.")):
        _mail(to, text)
    registry.erase_person(erased, "request 1", confirm=False)
    left = _texts(app)
    for kept in ("Hei Ann Lien", "ola.a@b.no.com og a@b.nom", "+47412345670 eller 4123456789"):
        assert kept in left
    for gone in ("Hei Ann Li\n", "Skrevet av: a@b.no.", "Hilsen Ann Li, Oslo", "+47 41 23 45 67"):
        assert gone not in left
