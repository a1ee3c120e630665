"""Fixtures of the candidate area: a logged-in candidate, with or without the candidate stage."""
import pytest
from flask import g

from portal import catalog
from tests.factories import make_person


@pytest.fixture(autouse=True)
def fresh_g_per_request(app):
    """Forget the user Flask-Login cached on `g` at the start of every request, as production does.

    The `app` fixture keeps one app context open for the whole test, so `g` would otherwise
    carry the user (and their session row) from one test request into the next.
    """
    def forget_user():
        g.pop("_login_user", None)
    app.before_request_funcs.setdefault(None, []).insert(0, forget_user)


@pytest.fixture
def login_as(login_as):
    """The shared login_as, but also forgetting the user Flask-Login cached on `g`.

    The `app` fixture keeps one app context open for the whole test, so `g` (and the user
    Flask-Login loaded into it) would otherwise survive from one request to the next.
    """
    def login(role="candidate", **overrides):
        user = login_as(role, **overrides)
        g.pop("_login_user", None)
        return user
    return login


@pytest.fixture
def candidate(login_as):
    """A logged-in candidate whose candidate stage is open; returns the User."""
    person = make_person(stage=catalog.CANDIDATE)
    return login_as("candidate", person=person)


@pytest.fixture
def booked(login_as):
    """A logged-in candidate still at the booking stage; returns the User."""
    return login_as("candidate", person=make_person())
