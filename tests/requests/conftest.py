"""Privacy request fixtures: codes read from the e-mails, a re-authenticated candidate, jobs run
in-process."""
import re

import pytest

from portal import catalog
from portal.requests import export
from portal.requests.models import AccessExport
from tests.factories import make_person

CODE_SUBJECT = re.compile(r"ressursbasen\.no: ([0-9]{6})$")


def code_from(outbox, address):
    """The six-digit code of the latest code e-mail to an address, as the person reads it."""
    mail = [m for m in outbox.to(address) if CODE_SUBJECT.search(m.subject)][-1]
    return CODE_SUBJECT.search(mail.subject).group(1)


def others(outbox, address):
    """The e-mails to an address other than codes."""
    return [m for m in outbox.to(address) if not CODE_SUBJECT.search(m.subject)]


def ask_form(**overrides):
    data = dict(kind="access", details="", name="Åse Ødegård", email="ase@example.no", website="")
    data.update(overrides)
    return data


def ask_with_code(client, outbox, **overrides):
    """Ask on the public page and give the code from the e-mail; the last answer."""
    data = ask_form(**overrides)
    response = client.post("/privacy/requests/new", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return client.post("/privacy/requests/code",
                       data={"code": code_from(outbox, data["email"].lower())})


def build_all():
    """Run every copy still to be built, as a worker would."""
    for row in AccessExport.select().where(AccessExport.status.in_(("queued", "building"))):
        export.build(row.id)


@pytest.fixture
def fresh_candidate(login_as, client):
    """A logged-in candidate who has just given their password again; returns the User."""
    from portal.auth.actions import mark_fresh
    user = login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    from portal.auth.models import LoginSession
    row = LoginSession.select().where(LoginSession.user == user.id).order_by(
        LoginSession.id.desc()).first()
    user.login_session = row
    mark_fresh(user)
    return user
