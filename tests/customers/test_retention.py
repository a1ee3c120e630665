"""Customer agreements and contact persons under the catalog's rules, enforced by the same sweep
as everything else (portal/retention): a contact person's e-mail and phone go the day after the
customer's last agreement ends, their name and the agreements ten years after it (leap days
included), to the day, with a frozen clock."""
import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from portal import catalog
from portal.customers.models import Customer, CustomerAgreement, CustomerContact
from portal.retention import actions as retention
from tests.retention.test_retention import years_before

OSLO = ZoneInfo("Europe/Oslo")


def kept_through(ended_on):
    """The last day an agreement is kept: ten years after the last one ended (29 Feb -> 28 Feb)."""
    try:
        return ended_on.replace(year=ended_on.year + 10)
    except ValueError:
        return ended_on.replace(year=ended_on.year + 10, day=28)


def at_night(day):
    """03:00 in Oslo on an Oslo date, as stored (UTC)."""
    return datetime(day.year, day.month, day.day, 3, tzinfo=OSLO).astimezone(UTC).replace(tzinfo=None)


def customer_ended(ended_on, n):
    """A customer whose last agreement ended on `ended_on` (an earlier one before it), with a
    contact person who signed it and still has an address (the nightly sweep empties it)."""
    org = f"{n:08d}"
    weights = (3, 2, 7, 6, 5, 4, 3, 2)
    remainder = sum(int(d) * w for d, w in zip(org, weights)) % 11
    org += str((11 - remainder) % 11 if remainder != 1 else 0)  # test data: the check is not at stake
    customer = Customer.create(name=f"Kunde {n}", org_number=org, agreement_ends_on=ended_on)
    contact = CustomerContact.create(customer=customer, name=f"Kontakt {n}",
                                     email=f"kontakt{n}@kunde.no", phone="+4791234567")
    CustomerAgreement.create(customer=customer, starts_on=ended_on - timedelta(days=800),
                             ends_on=ended_on - timedelta(days=400), signed_by="Forrige Leder")
    CustomerAgreement.create(customer=customer, starts_on=ended_on - timedelta(days=365),
                             ends_on=ended_on, signed_by=contact.name, signer=contact)
    return customer


# Sweep dates around leap days, and an ordinary one.
TODAYS = [date(2036, 3, 1), date(2036, 2, 29), date(2037, 2, 28), date(2037, 3, 1),
          date(2036, 11, 25)]


@pytest.mark.parametrize("today", TODAYS, ids=str)
def test_agreements_and_contact_persons_go_the_day_after_ten_years(db, today):
    exactly = years_before(today, 10)
    customers = {}
    for n, (label, ended) in enumerate((
            ("10y minus a day", exactly + timedelta(days=1)), ("exactly 10y", exactly),
            ("10y plus a day", exactly - timedelta(days=1)), ("leap day", date(2024, 2, 29)),
            ("day after leap", date(2024, 3, 1)), ("day before leap", date(2024, 2, 28)),
            ("in force", today + timedelta(days=30)), ("ended yesterday", today - timedelta(days=1)),
            ("ends today", today))):
        customers[label] = customer_ended(ended, n + 1)
    expired = {label for label, c in customers.items() if kept_through(c.agreement_ends_on) < today}
    with time_machine.travel(at_night(today).replace(tzinfo=UTC), tick=False):
        run = retention.sweep(today=today)
    counts = json.loads(run.counts)
    for label, customer in customers.items():
        agreements = CustomerAgreement.select().where(CustomerAgreement.customer == customer.id)
        contacts = CustomerContact.select().where(CustomerContact.customer == customer.id)
        if label in expired:
            assert agreements.count() == 0 and contacts.count() == 0, label
        else:
            assert agreements.count() == 2 and contacts.count() == 1, label
            contact = contacts.get()
            emptied = customer.agreement_ends_on < today
            assert (contact.email == "") == emptied and (contact.phone == "") == emptied, label
            assert contact.name.startswith("Kontakt"), label
            # The agreement keeps the name it was signed with.
            assert agreements.where(CustomerAgreement.signed_by == contact.name).count() == 1
    assert "10y plus a day" in expired and "10y minus a day" not in expired
    if (today.month, today.day) != (2, 29):  # 29 Feb 2036 has no date exactly 10 years before
        assert "exactly 10y" not in expired
    assert counts["after_agreement_end:CustomerAgreement"] == 2 * len(expired)
    assert counts["after_agreement_end:CustomerContact"] == len(expired)
    ended_since = sum(1 for label, c in customers.items()
                      if label not in expired and c.agreement_ends_on < today)
    assert counts["while_agreement:CustomerContact"] == ended_since
    assert Customer.select().count() == len(customers)  # the businesses themselves stay


def test_a_missed_night_is_caught_up_and_a_second_run_changes_nothing(db):
    today = date(2036, 6, 15)
    customer = customer_ended(years_before(today, 10) - timedelta(days=5), 1)
    alive = customer_ended(today - timedelta(days=3), 2)
    with time_machine.travel(at_night(today).replace(tzinfo=UTC), tick=False):
        retention.sweep(today=today)
        second = retention.sweep(today=today)
    assert CustomerAgreement.select().where(CustomerAgreement.customer == customer.id).count() == 0
    assert CustomerContact.get(CustomerContact.customer == alive.id).email == ""
    counts = json.loads(second.counts)
    assert not any(v for k, v in counts.items() if "Customer" in k)


def test_preview_shows_what_a_night_would_do(db):
    today = date(2036, 6, 15)
    customer_ended(years_before(today, 10) - timedelta(days=1), 1)
    customer_ended(years_before(today, 10), 2)
    customer_ended(today - timedelta(days=1), 3)
    customer_ended(today, 4)
    counts = retention.preview(today)
    assert counts["after_agreement_end:CustomerAgreement"] == 2
    assert counts["after_agreement_end:CustomerContact"] == 1
    # Every contact whose customer's last agreement ended before that day still has an address.
    assert counts["while_agreement:CustomerContact"] == 3
    assert retention.preview(today - timedelta(days=1))["while_agreement:CustomerContact"] == 2


def test_the_rules_are_the_catalogs_and_valid():
    assert catalog.AFTER_AGREEMENT_END.after == "agreement_ends_on"
    assert catalog.AFTER_AGREEMENT_END.problem is None and catalog.WHILE_AGREEMENT.problem is None
    rules = {h.expires.rule.key for h in retention.expiring() if h.model.__name__.startswith("Customer")}
    assert rules == {"after_agreement_end", "while_agreement"}
    keys = {c.key: c.retention for c in catalog.CATEGORIES}
    assert keys["customer_agreements"] is catalog.AFTER_AGREEMENT_END
    assert keys["customer_contacts"] is catalog.AFTER_AGREEMENT_END
    assert keys["customer_contact_details"] is catalog.WHILE_AGREEMENT
