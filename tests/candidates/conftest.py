"""Fixtures of the candidate area: a logged-in candidate, with or without the candidate stage."""
import pytest

from portal import catalog
from tests.factories import make_person


@pytest.fixture
def candidate(login_as):
    """A logged-in candidate whose candidate stage is open; returns the User."""
    person = make_person(stage=catalog.CANDIDATE)
    return login_as("candidate", person=person)


@pytest.fixture
def booked(login_as):
    """A logged-in candidate still at the booking stage; returns the User."""
    return login_as("candidate", person=make_person())
