"""Passing corrections and erasures on to the business customers who received the data
(GDPR art. 19), through the one place the registry offers for each: `PASS_ON` (run by
`rectify()`) and `ERASE_PASS_ON` (run by an erasure before the rows go).

Told are the contact persons who opened what was shared with them: they saw the data. A link
never opened showed nothing (and one still open shows the corrected values when it is opened).
A correction is recorded as a PassOnNotice, which the candidate sees beside the share on
/account; an erasure leaves no rows, so its confirmation e-mail names the customers told.
"""
import json
from datetime import datetime

from flask_babel import lazy_gettext as _l

from portal import catalog
from portal.audit.actions import record
from portal.customers.models import (
    Customer,
    CustomerContact,
    Disclosure,
    DisclosureOpening,
    PassOnNotice,
)
from portal.db import any_of, utcnow
from portal.documents.models import Document
from portal.mail.actions import Gone, email_context, queue_email

CORRECTED_EMAIL = "customers/email/corrected"
ERASED_EMAIL = "customers/email/erased"


def _received(person_ids):
    """The disclosures of these people that their contact person opened, with the contact."""
    opened = DisclosureOpening.select(DisclosureOpening.disclosure)
    return (Disclosure.select(Disclosure, CustomerContact, Customer)
            .join(CustomerContact, on=(Disclosure.contact == CustomerContact.id))
            .switch(Disclosure).join(Customer)
            .where(any_of(Disclosure.person, sorted(person_ids)), Disclosure.id.in_(opened),
                   CustomerContact.email != "")
            .order_by(Disclosure.id))


def _shared_name(disclosure, name=None):
    """The candidate's name, if it was shared; else None (the notice names the share)."""
    if "name" not in disclosure.category_keys:
        return None
    return name if name is not None else disclosure.person.name


def _labels(keys):
    return [str(c.label) for c in catalog.CATEGORIES if c.key in set(keys)]


def recipient(disclosure):
    """Who received a share, as the candidate reads it: the customer and the contact person."""
    return f"{disclosure.customer.name} ({disclosure.contact.name})"


def correction(person, row, changed, by):
    """A correction of `changed` columns of `row` (registry.PASS_ON): tell each contact person
    who received one of their categories (a PassOnNotice and an e-mail each); returns whom."""
    model = type(row).__name__
    corrected = {c.key for column in changed
                 if (c := catalog.category_of(f"{model}.{column}")) is not None}
    told = []
    for disclosure in _received([person.id]):
        keys = [k for k in disclosure.category_keys if k in corrected]
        if not keys:
            continue
        contact = disclosure.contact
        notice = PassOnNotice.create(disclosure=disclosure.id, kind="correction",
                                     categories=json.dumps(keys), at=utcnow())
        queue_email(contact.email, _l("Details you received from ressursbasen.no have been "
                                      "corrected"), CORRECTED_EMAIL, locale=contact.locale,
                    notice=notice.id)
        record("disclosure.correction_passed_on", person=person.id, disclosure=disclosure.id,
               notice=notice.id, categories=keys)
        if recipient(disclosure) not in told:
            told.append(recipient(disclosure))
    return told


@email_context(CORRECTED_EMAIL)
def _corrected_context(notice):
    found = PassOnNotice.get_or_none(PassOnNotice.id == notice)
    if found is None:
        raise Gone(notice)  # erased before it went out: the erasure's notice says it all
    disclosure = found.disclosure
    return {"notice": found, "disclosure": disclosure, "name": _shared_name(disclosure),
            "contact": disclosure.contact, "customer": disclosure.customer,
            "categories": _labels(found.category_keys), "open": disclosure.is_open()}


def erasure(people):
    """People are being erased (registry.ERASE_PASS_ON, before their rows go): tell each
    contact person who received their data to delete it. The e-mail holds the name and what
    was shared as plain values, as the rows go now. One query for every person of the batch;
    returns {person id: [whom it told]}."""
    names = {p.id: p.name for p in people}
    disclosures = list(_received(names))
    document_ids = sorted({i for d in disclosures for i in d.document_ids})
    files = {d.id: d.filename for d in Document.select(Document.id, Document.filename).where(
        any_of(Document.id, document_ids))} if document_ids else {}
    told = {}
    for disclosure in disclosures:
        contact, person_id = disclosure.contact, disclosure.person_id
        queue_email(contact.email, _l("Delete the details of a candidate from ressursbasen.no"),
                    ERASED_EMAIL, locale=contact.locale, contact=contact.name,
                    name=_shared_name(disclosure, names[person_id]), reference=disclosure.id,
                    shared_at=disclosure.shared_at.isoformat(),
                    categories=disclosure.category_keys,
                    documents=[files[i] for i in disclosure.document_ids if i in files])
        record("disclosure.erasure_passed_on", person=person_id, disclosure=disclosure.id,
               customer=disclosure.customer_id)
        whom = told.setdefault(person_id, [])
        if recipient(disclosure) not in whom:
            whom.append(recipient(disclosure))
    return told


@email_context(ERASED_EMAIL)
def _erased_context(contact, name, reference, shared_at, categories, documents):
    return {"contact": contact, "name": name, "reference": reference,
            "shared_at": datetime.fromisoformat(shared_at),
            "categories": _labels(categories), "documents": documents}

