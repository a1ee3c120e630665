"""Rules about a person's stage, the invitation to create an account, and the profile."""
import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError

from portal import catalog
from portal.audit.actions import record
from portal.candidates import forms
from portal.candidates.models import (
    Certificate,
    JobNote,
    LanguageSkill,
    Profile,
    Qualification,
    Reference,
    WorkExperience,
)
from portal.db import db
from portal.people import registry
from portal.people.contact import contact
from portal.people.models import Person
from portal.web.formats import format_when

INVITE_MAX_AGE = 60 * 60 * 24 * 30  # an invitation link works for 30 days


def open_candidate_stage(person, reason):
    """Open the candidate stage (a CV was sent or a meeting was held); idempotent. Decided by
    the row as it is now, not by `person` as it was read: an undone "held" may have closed the
    stage since (the upload that reopens it waited for that undo's lock on the person)."""
    with db.atomic():
        opened = Person.update(stage=catalog.CANDIDATE).where(
            Person.id == person.id, Person.stage != catalog.CANDIDATE).execute()
        person.stage = catalog.CANDIDATE
        if opened:
            record("person.candidate_stage_opened", person=person, reason=reason)
    return bool(opened)


def has_candidate_data(person):
    """Whether anything of the candidate stage is held about the person: a document, or any
    row of a candidate-stage category with a value (an empty profile row is nothing)."""
    from portal.people import registry  # the registry reads every feature: imported on use
    for group in registry.export_person(person):
        if group.category.stage != catalog.CANDIDATE:
            continue
        for item in group.items:
            columns = [f.split(".", 1)[1] for f in group.category.fields
                       if f.split(".", 1)[0] == item.model]
            if item.model == "Document" or any(item.fields.get(c) not in (None, "")
                                               for c in columns):
                return True
    return False


def close_candidate_stage(person, reason):
    """Close the candidate stage again (what opened it was undone), unless candidate-stage
    data was given meanwhile: data already given is never hidden. Returns whether it closed."""
    if person.stage != catalog.CANDIDATE or has_candidate_data(person):
        return False
    with db.atomic():
        closed = Person.update(stage=catalog.BOOKING).where(
            Person.id == person.id, Person.stage == catalog.CANDIDATE).execute()
        if closed:
            person.stage = catalog.BOOKING
            record("person.candidate_stage_closed", person=person, reason=reason)
    return bool(closed)


def _secret(purpose):
    return hmac.new(current_app.config["SECRET_KEY"].encode(), purpose.encode(),
                    hashlib.sha256).digest()


def _invite_box():
    """Fernet (AES and HMAC-SHA256) under a key derived from SECRET_KEY: the link carries the
    person's id unreadably and cannot be forged or altered."""
    from cryptography.fernet import Fernet  # loaded when an invitation is made or used
    return Fernet(base64.urlsafe_b64encode(_secret("candidate-invite-v2")))


def _address_mac(email):
    """An HMAC of the address with the secret key: no list of guessed addresses finds it."""
    return hmac.new(_secret("candidate-invite-address"), email.encode(),
                    hashlib.sha256).hexdigest()[:32]


def invite_path(person):
    """The path of the signed link that lets this person create an account (no login needed).

    The token reveals nothing: no id, no hash of the address; it names the address it was sent
    to, so it stops working when the person's address changes, and expires after 30 days.
    """
    data = json.dumps({"p": person.id, "e": _address_mac(person.email)}).encode()
    return "/register/invite/" + _invite_box().encrypt(data).decode().rstrip("=")


def person_from_invite(token):
    """The person an invitation token was made for, or None when it is forged, old or stale."""
    from cryptography.fernet import InvalidToken
    token = token or ""
    try:
        data = json.loads(_invite_box().decrypt(token + "=" * (-len(token) % 4),
                                                ttl=INVITE_MAX_AGE))
        mac = _address_mac
    except (InvalidToken, ValueError, TypeError):
        data, mac = _legacy_invite(token), _legacy_email_digest
    if not isinstance(data, dict):
        return None
    person = Person.get_or_none(Person.id == data.get("p"))
    if person is None or not hmac.compare_digest(mac(person.email), str(data.get("e"))):
        return None
    return person


# Links sent before the invitation token was encrypted (a readable id and an unsalted SHA-256
# of the address) keep working until they expire: remove these two 30 days after deploying.
def _legacy_invite(token):
    try:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"],
                                      salt="candidate-invite").loads(token, max_age=INVITE_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None


def _legacy_email_digest(email):
    return hashlib.sha256(email.encode()).hexdigest()[:32]


# --- The candidate's profile: sections, rows, and what the agency holds ---------------------

@dataclass(frozen=True)
class Section:
    """One editable part of the profile: a Profile slice (single) or a list of rows."""
    key: str
    title: object
    model: type
    form: type
    single: bool = False
    hint: object = ""


SECTIONS = {s.key: s for s in (
    Section("personal", _l("About you"), Profile, forms.PersonalForm, single=True),
    Section("availability", _l("Availability and salary"), Profile, forms.AvailabilityForm,
            single=True),
    Section("experience", _l("Work experience"), WorkExperience, forms.WorkExperienceForm,
            hint=_l("Add one row per job, newest first.")),
    Section("qualifications", _l("Qualifications"), Qualification, forms.QualificationForm),
    Section("certificates", _l("Certificates"), Certificate, forms.CertificateForm,
            hint=_l("You can upload a copy of a certificate under Documents.")),
    Section("languages", _l("Language skills"), LanguageSkill, forms.LanguageSkillForm),
    Section("references", _l("References"), Reference, forms.ReferenceForm,
            hint=_l("Ask your references before you give us their contact details.")),
    Section("job_notes", _l("Information for a specific job"), JobNote, forms.JobNoteForm,
            hint=_l("Anything relevant to one job or position you are interested in.")),
)}


def section_columns(section):
    """The model columns a section's form edits, in form order."""
    return [name for name, _ in _form_order(section.form)]


def _form_order(form_class):
    form = form_class(meta={"csrf": False}, formdata=None)
    return [(f.name, f) for f in form if f.name != "csrf_token"]


def profile_of(person):
    """The person's Profile row, created empty on first use."""
    profile = Profile.get_or_none(Profile.person == person.id)
    if profile is None:
        try:
            with db.atomic():
                profile = Profile.create(person=person.id)
        except IntegrityError:  # created by a concurrent request
            profile = Profile.get(Profile.person == person.id)
    return profile


def rows(person, section):
    """The rows of one section of a person, oldest first (single sections: the profile)."""
    if section.single:
        return [profile_of(person)]
    model = section.model
    return list(model.select().where(model.person == person.id).order_by(model.id))


def remember_language(person, locale):
    """Write to the person in this language from now on (e-mails rendered later, e.g. reminders)."""
    if person.locale != locale:
        Person.update(locale=locale).where(Person.id == person.id).execute()
        person.locale = locale


def save_row(person, section, form, row=None):
    """Add a row from a validated form (audited, touching last contact), or correct an existing
    one: a correction by the person themself, through the registry's `rectify`."""
    if not person.is_candidate:
        raise ValueError("candidate stage not open")
    values = {}
    for name in section_columns(section):
        value = form[name].data
        if isinstance(value, str):
            value = value.strip()
        elif value is None and not section.model._meta.fields[name].null:
            value = ""  # a text field left out of the post means empty
        values[name] = value
    if row is not None:
        registry.rectify(person, values, by="person", row=row)
        return row
    with db.atomic():
        row = section.model.create(person=person.id, **values)
        contact(person, "own_change")
        record("profile.updated", person=person, section=section.key, row=row.id,
               change="created")
    return row


def delete_row(person, section, row):
    """Delete one row of a list section; audited (deleting is never contact)."""
    with db.atomic():
        section.model.delete().where((section.model.id == row.id)
                                     & (section.model.person == person.id)).execute()
        record("profile.updated", person=person, section=section.key, row=row.id, change="deleted")


def describe(section, row):
    """(label, text) pairs to show a row, select values by their label, dates in the locale."""
    pairs = []
    for name, field in _form_order(section.form):
        pairs.append((field.label.text, display_value(field, getattr(row, name))))
    return pairs


def form_field(model, column):
    """The profile form field that edits this column of this model, or None."""
    for section in SECTIONS.values():
        if section.model is model:
            for name, field in _form_order(section.form):
                if name == column:
                    return field
    return None


def display_value(field, value):
    if value is None or value == "":
        return ""
    choices = forms.choice_labels(field)
    if choices:
        return str(choices.get(value, value))
    if isinstance(value, date):
        return format_when(value, "date")
    if isinstance(value, int):
        return format_decimal(value)
    return str(value)
