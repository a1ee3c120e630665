"""Candidate-stage data: the profile and its rows, and what staff record about a candidate."""
from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from portal.db import BaseModel, utcnow
from portal.people.models import Person

# Candidate-stage data: collected once a CV is sent or a meeting is held. Column names are the
# ones portal/catalog.py lists; ids, the person link and timestamps are in catalog.NOT_PERSONAL.

class Profile(BaseModel):
    """The one-per-person candidate-stage facts."""
    person = ForeignKeyField(Person, unique=True, backref="profiles", on_delete="CASCADE")
    birth_date = DateField(null=True)
    marital_status = CharField(max_length=32, default="")
    gender = CharField(max_length=32, default="")
    nationality = CharField(max_length=100, default="")
    available_from = DateField(null=True)
    availability = CharField(max_length=200, default="")
    salary_expectation = IntegerField(null=True)  # NOK per year
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class WorkExperience(BaseModel):
    person = ForeignKeyField(Person, backref="work_experiences", on_delete="CASCADE")
    employer = CharField(max_length=200)
    title = CharField(max_length=200)
    started_on = DateField(null=True)
    ended_on = DateField(null=True)
    description = TextField(default="")
    created_at = DateTimeField(default=utcnow)


class Reference(BaseModel):
    person = ForeignKeyField(Person, backref="references", on_delete="CASCADE")
    name = CharField(max_length=200)
    relation = CharField(max_length=200, default="")
    email = CharField(max_length=254, default="")
    phone = CharField(max_length=32, default="")
    created_at = DateTimeField(default=utcnow)


class Qualification(BaseModel):
    person = ForeignKeyField(Person, backref="qualifications", on_delete="CASCADE")
    title = CharField(max_length=200)
    institution = CharField(max_length=200, default="")
    completed_on = DateField(null=True)
    created_at = DateTimeField(default=utcnow)


class Certificate(BaseModel):
    person = ForeignKeyField(Person, backref="certificates", on_delete="CASCADE")
    title = CharField(max_length=200)
    issuer = CharField(max_length=200, default="")
    valid_until = DateField(null=True)
    created_at = DateTimeField(default=utcnow)


CEFR_LEVELS = ("A1", "A2", "B1", "B2", "C1", "C2")


class LanguageSkill(BaseModel):
    person = ForeignKeyField(Person, backref="language_skills", on_delete="CASCADE")
    language = CharField(max_length=100)
    level = CharField(max_length=2)  # CEFR: A1..C2
    created_at = DateTimeField(default=utcnow)


class JobNote(BaseModel):
    """Other information the person gives that is relevant to one specific job."""
    person = ForeignKeyField(Person, backref="job_notes", on_delete="CASCADE")
    job = CharField(max_length=200)
    text = TextField()
    created_at = DateTimeField(default=utcnow)


EVALUATION_KINDS = ("evaluation", "competence_analysis")


class Evaluation(BaseModel):
    """Results of evaluations and competence analyses, written by staff; the person can read them."""
    person = ForeignKeyField(Person, backref="evaluations", on_delete="CASCADE")
    kind = CharField(max_length=100)  # EVALUATION_KINDS (older rows: free text)
    held_on = DateField(null=True)  # the day the evaluation or analysis was made
    summary = TextField(default="")
    result = TextField(default="")
    recorded_by = IntegerField(null=True)  # staff User id; not a foreign key: outlives the login
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class Statement(BaseModel):
    """The person's supplementary statement on an evaluation (GDPR art. 16): their own words,
    kept beside what staff wrote and shown with it, never in its place."""
    person = ForeignKeyField(Person, backref="statements", on_delete="CASCADE")
    evaluation = ForeignKeyField(Evaluation, backref="statements", on_delete="CASCADE")
    text = TextField()
    request = IntegerField(null=True)  # the correction request that brought it
    created_at = DateTimeField(default=utcnow)


class NotedAvailability(BaseModel):
    """Availability and salary as staff noted them, in a meeting or on the phone: beside what
    the person writes in their own profile (Profile), never over it."""
    person = ForeignKeyField(Person, unique=True, backref="noted_availability", on_delete="CASCADE")
    available_from = DateField(null=True)
    availability = CharField(max_length=200, default="")
    salary = IntegerField(null=True)  # NOK per year
    noted_by = IntegerField(null=True)  # staff User id of the last change
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)
