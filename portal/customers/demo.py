"""Demo customers: one with an agreement in force and two contact persons, one whose agreement
ended last year; the demo candidate, who consents to sharing, shared with the first."""
from datetime import date, timedelta

from portal.consent.actions import decide
from portal.customers import actions, sharing
from portal.customers.models import Customer
from portal.db import db
from portal.people.models import Person


def load_demo_data(password):
    if Customer.select().exists():
        return None
    today = actions.today_in_oslo()
    with db.atomic():
        byggmester = actions.create_customer(
            "Byggmester Hansen AS", "974760673", date(today.year - 2, 1, 1),
            date(today.year + 1, 12, 31), "Hans Hansen", None)
        hans = actions.add_contact(byggmester, {
            "name": "Hans Hansen", "title": "Daglig leder", "email": "hans@byggmester-hansen.no",
            "phone": "+4791234567", "locale": "nb"}, None)
        actions.add_contact(byggmester, {
            "name": "Siri Berg", "title": "HR", "email": "siri@byggmester-hansen.no",
            "phone": "", "locale": "en"}, None)
        ended = actions.create_customer(
            "Fjordtransport AS", "923609016", date(today.year - 4, 3, 1),
            today - timedelta(days=200), "Ola Fjord", None)
        actions.add_contact(ended, {"name": "Ola Fjord", "title": "Innkjøper", "email": "",
                                    "phone": "", "locale": "nb"}, None)
        kari = Person.get_or_none(Person.email == "kari@example.no")
        if kari is not None:
            decide(kari, sharing.PURPOSE, True)
            sharing.share(kari, hans.id, ["name", "work_experience", "languages"], [], None)
    return None
