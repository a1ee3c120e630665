"""Whose data a request is about: the logged-in person, and only their own rows."""
from flask import abort
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404


def current_person():
    """The Person of the logged-in candidate (404 for a login without one)."""
    person = current_user.person
    if person is None:
        abort(404)
    return person


def own_or_404(model, row_id, person):
    """The row of `model` with this id that belongs to `person`; any other id is a 404."""
    return get_object_or_404(model, (model.id == row_id) & (model.person == person.id))
