"""Rules about a person's stage and the invitation to create an account."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from portal import catalog
from portal.audit.actions import record
from portal.candidates.models import Person
from portal.db import db

INVITE_MAX_AGE = 60 * 60 * 24 * 30  # an invitation link works for 30 days


def open_candidate_stage(person, reason):
    """Open the candidate stage (a CV was sent or a meeting was held); idempotent."""
    if person.stage == catalog.CANDIDATE:
        return False
    with db.atomic():
        Person.update(stage=catalog.CANDIDATE).where(Person.id == person.id).execute()
        person.stage = catalog.CANDIDATE
        record("person.candidate_stage_opened", person=person, reason=reason)
    return True


def _invite_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="candidate-invite")


def invite_path(person):
    """The path of the signed link that lets this person create an account (no login needed)."""
    return "/register/invite/" + _invite_serializer().dumps({"p": person.id, "e": person.email})


def person_from_invite(token):
    """The person an invitation token was made for, or None when it is forged, old or stale."""
    try:
        data = _invite_serializer().loads(token, max_age=INVITE_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    person = Person.get_or_none(Person.id == data.get("p"))
    if person is None or person.email != data.get("e"):
        return None
    return person
