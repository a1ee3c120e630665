"""Rules about a person's stage, the invitation to create an account, and the profile."""
import hashlib
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_date, format_decimal
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from peewee import IntegrityError

from portal import catalog, features
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
from portal.db import db, utcnow
from portal.documents.models import Document
from portal.people.models import Person

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


def _email_digest(email):
    # The link names the address it was sent to without spelling it out in the URL (logs).
    return hashlib.sha256(email.encode()).hexdigest()[:32]


def invite_path(person):
    """The path of the signed link that lets this person create an account (no login needed)."""
    token = _invite_serializer().dumps({"p": person.id, "e": _email_digest(person.email)})
    return "/register/invite/" + token


def person_from_invite(token):
    """The person an invitation token was made for, or None when it is forged, old or stale."""
    try:
        data = _invite_serializer().loads(token, max_age=INVITE_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    person = Person.get_or_none(Person.id == data.get("p"))
    if person is None or _email_digest(person.email) != data.get("e"):
        return None
    return person


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




def save_row(person, section, form, row=None):
    """Create or update one row from a validated form; audited and touching last contact."""
    if not person.is_candidate:
        raise ValueError("candidate stage not open")
    with db.atomic():
        if row is None:
            row = section.model(person=person.id)
        for name in section_columns(section):
            value = form[name].data
            if isinstance(value, str):
                value = value.strip()
            elif value is None and not section.model._meta.fields[name].null:
                value = ""  # a text field left out of the post means empty
            setattr(row, name, value)
        if section.model is Profile:
            row.updated_at = utcnow()
        created = row.id is None
        row.save()
        person.touch()
        record("profile.updated", person=person, section=section.key, row=row.id,
               change="created" if created else "updated")
    return row


def delete_row(person, section, row):
    """Delete one row of a list section; audited and touching last contact."""
    with db.atomic():
        section.model.delete().where((section.model.id == row.id)
                                     & (section.model.person == person.id)).execute()
        person.touch()
        record("profile.updated", person=person, section=section.key, row=row.id, change="deleted")


def describe(section, row):
    """(label, text) pairs to show a row, select values by their label, dates in the locale."""
    pairs = []
    for name, field in _form_order(section.form):
        pairs.append((field.label.text, display_value(field, getattr(row, name))))
    return pairs


def display_value(field, value):
    if value is None or value == "":
        return ""
    choices = forms.choice_labels(field)
    if choices:
        return str(choices.get(value, value))
    if isinstance(value, date):
        return format_date(value, "long")
    if isinstance(value, int):
        return format_decimal(value)
    return str(value)


# --- What the agency holds: the /account overview, read from the catalog ----------------------

def _model(name):
    """A catalog model by name, whichever feature owns it (booking keeps typed details too)."""
    return next(m for m in features.all_models() if m.__name__ == name)


def _profile_field(column):
    for section in SECTIONS.values():
        if section.single:
            for name, field in _form_order(section.form):
                if name == column:
                    return field
    return None


def deletion_date(person, retention=catalog.AFTER_LAST_CONTACT):
    """The day this person's data goes unless there is new contact (29 Feb becomes 28 Feb)."""
    start = getattr(person, retention.after).date()
    try:
        return start.replace(year=start.year + retention.years)
    except ValueError:
        return start.replace(year=start.year + retention.years, day=28)


def _held(person, category, profile):
    held = []
    by_model = {}
    for f in category.fields:
        model_name, column = f.split(".", 1)
        by_model.setdefault(model_name, []).append(column)
    for model_name, columns in by_model.items():
        if model_name == "Person":
            held += [str(getattr(person, c)) for c in columns if getattr(person, c)]
        elif model_name == "Profile":
            held += [display_value(_profile_field(c), getattr(profile, c))
                     for c in columns if profile is not None and getattr(profile, c) not in (None, "")]
        elif model_name == "Document":
            held += [d.filename for d in Document.select().where(
                (Document.person == person.id) & (Document.kind << columns)).order_by(Document.id)]
        else:
            model = _model(model_name)
            for row in model.select().where(model.person == person.id).order_by(model.id):
                shown = " · ".join(str(display_value(None, getattr(row, c)))
                                   for c in columns if getattr(row, c) not in (None, ""))
                if shown:  # e.g. a booking whose typed details matched what we hold
                    held.append(shown)
    return held


def overview(person):
    """Per catalog category: what we hold, why, on what basis, until when, and who received it."""
    profile = Profile.get_or_none(Profile.person == person.id)
    groups = []
    for category in catalog.CATEGORIES:
        is_open = category.stage == catalog.BOOKING or person.is_candidate
        groups.append({
            "category": category,
            "open": is_open,
            "held": _held(person, category, profile) if is_open else [],
            "purposes": [catalog.PURPOSES[p].label for p in category.purposes],
            "basis": catalog.LEGAL_BASES[category.basis],
            "retention": category.retention,
            "delete_on": deletion_date(person, category.retention)
            if category.retention.after == "last_contact_at" else None,
            # Sharing with business customers is not built yet: nobody has received anything.
            "recipients": [],
        })
    return groups


STAGE_TITLES = {catalog.BOOKING: _l("Your contact details"),
                catalog.CANDIDATE: _l("Your candidate profile")}


def overview_groups(person):
    """The overview in groups of neighbouring categories that share stage, legal basis and
    retention, so that the page says the basis and how long once per group."""
    groups = []
    for item in overview(person):
        category = item["category"]
        key = (category.stage, category.basis, category.retention.key)
        if not groups or groups[-1]["key"] != key:
            groups.append({"key": key, "title": STAGE_TITLES[category.stage], "open": item["open"],
                           "basis": item["basis"], "retention": item["retention"],
                           "delete_on": item["delete_on"], "items": []})
        groups[-1]["items"].append(item)
    return groups

