"""Business customers: creating them with their first agreement, more agreements, contact
persons. Every change is audited (ids only: names and addresses stay out of the trail).

A customer's `agreement_ends_on` (the last day of its latest agreement) is kept up to date in
the transaction of every change to its agreements: it is the retention clock of its contact
persons' e-mail and phone (until the day after) and of its agreements and contact persons
(ten years after).
"""
from datetime import date

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError, fn

from portal.audit.actions import record
from portal.customers.models import (
    CONTACT_CHANGED,
    Customer,
    CustomerAgreement,
    CustomerContact,
    Disclosure,
)
from portal.db import db, oslo_date, utcnow
from portal.problems import Problem

IN_FORCE, UPCOMING, ENDED = "in_force", "upcoming", "ended"
STATUS_LABELS = {IN_FORCE: _l("Agreement in force"), UPCOMING: _l("Agreement not started yet"),
                 ENDED: _l("No agreement in force")}


class CustomerProblem(Problem):
    """A change that cannot be made; `code` picks the message, nothing was changed."""
    MESSAGES = {
        "org_taken": _l("A customer with this organisation number is registered already."),
        "email_taken": _l("This customer has a contact person with this e-mail address already."),
        "no_agreement": _l("A contact person's e-mail address and phone number are kept only "
                           "while the customer has an agreement with us. Register a new "
                           "agreement first."),
        "not_this_customer": _l("This contact person works for another customer."),
    }


def today_in_oslo():
    return oslo_date(utcnow())


# --- Reading ---------------------------------------------------------------------------------

def customers():
    return Customer.select().order_by(Customer.name, Customer.id)


def agreements_of(customer):
    return (CustomerAgreement.select().where(CustomerAgreement.customer == customer.id)
            .order_by(CustomerAgreement.starts_on.desc(), CustomerAgreement.id.desc()))


def contacts_of(customer):
    return (CustomerContact.select().where(CustomerContact.customer == customer.id)
            .order_by(CustomerContact.name, CustomerContact.id))


def status(customer, today=None):
    """IN_FORCE when an agreement covers today, UPCOMING when one starts later, else ENDED."""
    today = today or today_in_oslo()
    agreements = CustomerAgreement.select().where(CustomerAgreement.customer == customer.id,
                                                  CustomerAgreement.ends_on >= today)
    if agreements.where(CustomerAgreement.starts_on <= today).exists():
        return IN_FORCE
    return UPCOMING if agreements.exists() else ENDED


def in_force(today=None):
    """The customers with an agreement covering today."""
    today = today or today_in_oslo()
    return Customer.select().where(Customer.id.in_(
        CustomerAgreement.select(CustomerAgreement.customer).where(
            CustomerAgreement.starts_on <= today, CustomerAgreement.ends_on >= today)))


def keeps_details(customer, today=None):
    """Whether a contact person's e-mail and phone may be held now: an agreement in force or
    signed for later (the same rule the nightly sweep empties them by)."""
    return customer.agreement_ends_on >= (today or today_in_oslo())


# --- Customers and agreements -------------------------------------------------------------------

def _refresh_clock(customer):
    """The last day of the customer's latest agreement, written to the customer."""
    last = (CustomerAgreement.select(fn.MAX(CustomerAgreement.ends_on))
            .where(CustomerAgreement.customer == customer.id).scalar())
    if isinstance(last, str):  # SQLite hands an aggregate back as text
        last = date.fromisoformat(last)
    Customer.update(agreement_ends_on=last, updated_at=utcnow()).where(
        Customer.id == customer.id).execute()
    customer.agreement_ends_on = last


def create_customer(name, org_number, starts_on, ends_on, signed_by, by):
    """Register a business with its first agreement; raises CustomerProblem("org_taken")."""
    try:
        with db.atomic():
            customer = Customer.create(name=name, org_number=org_number, agreement_ends_on=ends_on)
            agreement = CustomerAgreement.create(customer=customer.id, starts_on=starts_on,
                                                 ends_on=ends_on, signed_by=signed_by)
            record("customer.created", actor=by, customer=customer.id, agreement=agreement.id)
    except IntegrityError:
        raise CustomerProblem("org_taken") from None
    return customer


def add_agreement(customer, starts_on, ends_on, signed_by, signer_id, by):
    """Register another agreement with a customer, signed by `signed_by` (one of its contact
    persons when `signer_id` names one)."""
    with db.atomic():
        signer = None
        if signer_id:
            signer = CustomerContact.get_or_none(CustomerContact.id == signer_id)
            if signer is None or signer.customer_id != customer.id:
                raise CustomerProblem("not_this_customer")
        agreement = CustomerAgreement.create(customer=customer.id, starts_on=starts_on,
                                             ends_on=ends_on, signed_by=signed_by,
                                             signer=signer.id if signer else None)
        _refresh_clock(customer)
        record("customer.agreement_added", actor=by, customer=customer.id,
               agreement=agreement.id)
    return agreement


def change_agreement(agreement, starts_on, ends_on, by):
    """Change an agreement's dates (ended early, or extended)."""
    with db.atomic():
        CustomerAgreement.update(starts_on=starts_on, ends_on=ends_on).where(
            CustomerAgreement.id == agreement.id).execute()
        _refresh_clock(agreement.customer)
        record("customer.agreement_changed", actor=by, customer=agreement.customer_id,
               agreement=agreement.id)
    return CustomerAgreement.get_by_id(agreement.id)


# --- Contact persons -------------------------------------------------------------------------------

def _check_details(customer, values, contact=None):
    if (values.get("email") or values.get("phone")) and not keeps_details(customer):
        raise CustomerProblem("no_agreement")
    if values.get("email"):
        same = CustomerContact.select().where(CustomerContact.customer == customer.id,
                                              CustomerContact.email == values["email"])
        if contact is not None:
            same = same.where(CustomerContact.id != contact.id)
        if same.exists():
            raise CustomerProblem("email_taken")


def add_contact(customer, values, by):
    """Add a contact person to a customer: name, role, e-mail, phone, language."""
    with db.atomic():
        _check_details(customer, values)
        contact = CustomerContact.create(customer=customer.id, **values)
        record("customer.contact_added", actor=by, customer=customer.id, contact=contact.id)
    return contact


def change_contact(contact, values, by):
    """Change a contact person's details; returns the names of the fields changed. A new
    e-mail address closes the links shared with the old one: a link opens only with a code
    to the address it was sent to."""
    changed = sorted(k for k, v in values.items() if getattr(contact, k) != v)
    if not changed:
        return []
    with db.atomic():
        _check_details(contact.customer, values, contact)
        CustomerContact.update(updated_at=utcnow(), **{k: values[k] for k in changed}).where(
            CustomerContact.id == contact.id).execute()
        record("customer.contact_changed", actor=by, customer=contact.customer_id,
               contact=contact.id, fields=changed)
        if "email" in changed:
            _close_links_to(contact, by)
    return changed


def _close_links_to(contact, by):
    now = utcnow()
    for disclosure in Disclosure.select().where(Disclosure.contact == contact.id,
                                                Disclosure.revoked_at.is_null(),
                                                Disclosure.expires_at > now):
        Disclosure.update(revoked_at=now, revoked_why=CONTACT_CHANGED).where(
            Disclosure.id == disclosure.id).execute()
        record("disclosure.revoked", person=disclosure.person_id, actor=by,
               disclosure=disclosure.id, why=CONTACT_CHANGED)


def remove_contact(contact, by):
    """Remove a contact person who no longer works with us: their row goes; the agreements
    they signed keep the name they were signed with, and what was shared with them stays on
    the candidate's record (to the customer)."""
    with db.atomic():
        CustomerContact.delete().where(CustomerContact.id == contact.id).execute()
        record("customer.contact_removed", actor=by, customer=contact.customer_id,
               contact=contact.id)
