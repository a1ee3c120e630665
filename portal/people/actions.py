"""Whose data a request is about."""
from flask import abort
from flask_login import current_user


def current_person():
    """The Person of the logged-in candidate (404 for a login without one)."""
    person = current_user.person
    if person is None:
        abort(404)
    return person
