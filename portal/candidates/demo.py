"""A demo candidate with an open profile, so the candidate area can be tried at once."""
from datetime import date

from portal import catalog
from portal.auth.actions import create_user
from portal.candidates.models import LanguageSkill, Profile, Qualification, WorkExperience
from portal.db import db
from portal.people.models import Person


def load_demo_data(password):
    """Kari Nordmann, a candidate with a profile and a login."""
    with db.atomic():
        person = Person.create(name="Kari Nordmann", street="Storgata 1", postal_code="0155",
                               place="Oslo", email="kari@example.no", phone="+4741234567",
                               stage=catalog.CANDIDATE)
        Profile.create(person=person, nationality="Norsk", availability="Fulltid, fra januar",
                       available_from=date(date.today().year + 1, 1, 15),
                       salary_expectation=650000)
        WorkExperience.create(person=person, employer="Bygg og Anlegg AS", title="Prosjektleder",
                              started_on=date(2019, 8, 1), ended_on=date(2025, 6, 30),
                              description="Ledet rehabilitering av skolebygg.")
        LanguageSkill.create(person=person, language="Engelsk", level="C1")
        Qualification.create(person=person, title="Bachelor i byggingeniørfag",
                             institution="OsloMet", completed_on=date(2018, 6, 15))
        create_user(person.email, password, role="candidate", person=person)
    return "candidate", person.email
