"""Sharing a candidate with a business customer, and the link that shows what was shared.

Staff choose the candidate, one contact person of a customer with an agreement in force, and
which shareable catalog categories (the catalog decides) and which documents. `share()` checks
everything again in one transaction: the candidate's consent to sharing stands (the person row
is locked, so a withdrawal at the same moment either comes first and refuses the share, or
comes after and closes its link), the customer has an agreement in force, the contact person has
an address, every category is shareable and every document is the candidate's and shareable.
The disclosure (who shared, what, to whom, when, on what basis), its audit event and the e-mail
with the link are written together.

What the link shows: the current values of the shared categories, and the shared documents;
not a copy taken when it was shared. Nothing is copied out of the registry, so there is no
second copy to keep correct, to erase and to age: a correction reaches the customer's page at
once, an erasure or a withdrawn consent empties it at once, and the disclosure row still says
exactly which categories and documents, when and to whom. The link lives 14 days.

Opening it needs a six-digit code e-mailed to the contact person's address (a proven address,
portal/verification), so a forwarded link shows nothing; each opening is logged, and shown to
the candidate.
"""
import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from portal import catalog
from portal.audit.actions import record
from portal.consent.models import Consent
from portal.customers import actions as customers
from portal.customers.models import (
    CONSENT_WITHDRAWN,
    CONTACT_CHANGED,
    STAFF,
    Customer,
    CustomerContact,
    Disclosure,
    DisclosureOpening,
)
from portal.db import any_of, db, is_postgres, oslo_date, utcnow
from portal.documents.models import Document
from portal.mail.actions import Gone, email_context, queue_email
from portal.people import registry
from portal.people.holdings import Subject
from portal.people.models import Person
from portal.problems import Problem
from portal.verification import actions as verification
from portal.web.links import external_url

LINK_DAYS = 14
PURPOSE = "share_with_customers"   # the consent purpose sharing rests on (catalog.PURPOSES)
CODE_PURPOSE = "share_link"        # the purpose of the codes that open a link
SHARED_EMAIL = "customers/email/shared"
REVOKED_WHY = {STAFF: _l("Closed by our staff"),
               CONSENT_WITHDRAWN: _l("Closed when you withdrew your consent"),
               CONTACT_CHANGED: _l("Closed when the contact person's e-mail address changed")}


class ShareProblem(Problem):
    """A share that is not made; `code` picks the message, nothing was shared."""
    MESSAGES = {
        "no_consent": _l("This candidate has not consented to sharing with business customers, "
                         "or has withdrawn the consent. Nothing was shared."),
        "no_agreement": _l("%(customer)s has no agreement with us in force today. Nothing was "
                           "shared."),
        "no_email": _l("This contact person has no e-mail address to send the link to. Nothing "
                       "was shared."),
        "unknown_contact": _l("This contact person is no longer registered. Nothing was shared."),
        "not_shareable": _l("%(what)s cannot be shared with business customers. Nothing was "
                            "shared."),
        "not_their_document": _l("A document chosen is not one of this candidate's shareable "
                                 "documents. Nothing was shared."),
        "nothing": _l("Choose at least one thing to share."),
        "no_candidate": _l("This person is no longer registered. Nothing was shared."),
    }


class LinkProblem(Problem):
    """A link that shows nothing; `code` picks the message and the status."""
    MESSAGES = {
        "invalid": _l("This link is not valid. Use the link in our e-mail as it is."),
        "not_here": _l("This browser has not opened this link. Open the link in our e-mail "
                       "again."),
        "expired": _l("This link has expired: a shared candidate can be seen for 14 days. Ask "
                      "us if you need it again."),
        "revoked": _l("This link has been closed, and shows nothing any more."),
        "closed": _l("This link shows nothing any more. Ask us if you need it again."),
        "other_contact": _l("This code was sent for another link. Ask for a code for this one."),
    }
    STATUS = {"invalid": 404, "not_here": 404, "expired": 410, "revoked": 410, "closed": 410,
              "other_contact": 422}


# --- What may be shared --------------------------------------------------------------------------

def _document_categories():
    """{Document kind: category} for every kind the catalog names ("Document.cv": cv)."""
    return {f.split(".", 1)[1]: c for c in catalog.CATEGORIES for f in c.fields
            if f.startswith("Document.")}


def offered_categories():
    """The shareable categories staff tick: those with more than documents in them (a CV or a
    photo is shared by choosing the document)."""
    return [c for c in catalog.categories(shareable=True)
            if any(not f.startswith("Document.") for f in c.fields)]


def shareable_documents(person):
    """The person's documents whose kind belongs to a shareable category, newest first."""
    kinds = [k for k, c in _document_categories().items() if c.shareable]
    return list(Document.select().where(Document.person == person.id, Document.kind.in_(kinds))
                .order_by(Document.kind, Document.uploaded_at.desc()))


def recipients_offered(today=None):
    """The contact persons who can receive a share now (their customer joined): those with an
    address, of customers with an agreement in force."""
    return list(CustomerContact.select(CustomerContact, Customer).join(Customer)
                .where(Customer.id.in_(customers.in_force(today)), CustomerContact.email != "")
                .order_by(Customer.name, CustomerContact.name))


def consent_of(person):
    """The latest decision on sharing, or None: it must be a consent given to share."""
    return (Consent.select().where(Consent.person == person.id, Consent.purpose == PURPOSE)
            .order_by(Consent.id.desc()).first())


def may_share(person):
    row = consent_of(person)
    return bool(row and row.given)


# --- Sharing -------------------------------------------------------------------------------------

def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token):
    return external_url(f"/shared/{token}")


def _lock(person):
    """The person's row, locked to the end of the transaction on PostgreSQL (SQLite takes its
    write lock up front): a share and a withdrawal of the consent never pass each other."""
    query = Person.select(Person.id).where(Person.id == person.id)
    if is_postgres():
        query = query.for_update()
    return query.first()


def share(person, contact_id, category_keys, document_ids, by, now=None):
    """Share categories and documents of a candidate with a customer's contact person; returns
    the Disclosure (with `.token`, the link's secret, which is kept only as a hash).

    Raises ShareProblem; then nothing is written and nothing is sent."""
    now = now or utcnow()
    today = oslo_date(now)
    with db.atomic():
        if _lock(person) is None:
            raise ShareProblem("no_candidate")
        contact = CustomerContact.get_or_none(CustomerContact.id == contact_id)
        if contact is None:
            raise ShareProblem("unknown_contact")
        customer = Customer.get_by_id(contact.customer_id)
        if customers.status(customer, today) != customers.IN_FORCE:
            raise ShareProblem("no_agreement", customer=customer.name)
        if not contact.email:
            raise ShareProblem("no_email")
        keys = _checked_categories(category_keys)
        documents = _checked_documents(person, document_ids)
        if not keys and not documents:
            raise ShareProblem("nothing")
        consent = consent_of(person)
        if not (consent and consent.given):
            raise ShareProblem("no_consent")
        # A document's category is named for it only when the category is nothing but
        # documents (a CV, a photo): a certificate alone does not share the list of certificates.
        by_kind, rows = _document_categories(), {c.key for c in offered_categories()}
        chosen = set(keys) | {by_kind[d.kind].key for d in documents} - rows
        token = secrets.token_urlsafe(32)
        disclosure = Disclosure.create(
            person=person.id, customer=customer.id, contact=contact.id,
            categories=json.dumps([c.key for c in catalog.CATEGORIES if c.key in chosen]),
            documents=json.dumps(sorted(d.id for d in documents)),
            basis=catalog.PURPOSES[PURPOSE].basis, consent=consent.id,
            shared_by=by.id if by else None, shared_at=now,
            expires_at=now + timedelta(days=LINK_DAYS), token_hash=_hash(token))
        record("disclosure.shared", person=person.id, actor=by, disclosure=disclosure.id,
               customer=customer.id, contact=contact.id, categories=disclosure.category_keys,
               documents=len(documents), basis=disclosure.basis, consent=consent.id)
        queue_email(contact.email, _l("A candidate from ressursbasen.no"), SHARED_EMAIL,
                    locale=contact.locale, disclosure=disclosure.id, url=link_url(token))
    disclosure.token = token
    return disclosure


def _checked_categories(keys):
    offered = {c.key: c for c in offered_categories()}
    checked = []
    for key in keys:
        if key not in offered:
            found = next((c for c in catalog.CATEGORIES if c.key == key), None)
            what = str(found.label) if found else str(key)[:60]
            raise ShareProblem("not_shareable", what=what)
        checked.append(key)
    return checked


def _checked_documents(person, ids):
    ids = list(dict.fromkeys(ids))
    if not ids:
        return []
    documents = {d.id: d for d in shareable_documents(person)}
    if any(i not in documents for i in ids):
        raise ShareProblem("not_their_document")
    return [documents[i] for i in ids]


@email_context(SHARED_EMAIL)
def _shared_context(disclosure, url):
    found = Disclosure.get_or_none(Disclosure.id == disclosure)
    if found is None or found.revoked_at is not None:
        raise Gone(disclosure)  # erased or closed before the e-mail went out
    return {"disclosure": found, "customer": found.customer, "contact": found.contact,
            "url": url, "days": LINK_DAYS}


def revoke(disclosure, by, why=STAFF, now=None):
    """Close a link at once; returns whether it was open."""
    now = now or utcnow()
    with db.atomic():
        closed = Disclosure.update(revoked_at=now, revoked_why=why).where(
            Disclosure.id == disclosure.id, Disclosure.revoked_at.is_null()).execute()
        if closed:
            record("disclosure.revoked", person=disclosure.person_id, actor=by,
                   disclosure=disclosure.id, why=why)
    return bool(closed)


def consent_withdrawn(person, purpose, now=None):
    """The candidate withdrew a consent: a withdrawn consent to sharing closes every link to
    their data at once, in the transaction that records the withdrawal."""
    if purpose != PURPOSE:
        return 0
    now = now or utcnow()
    _lock(person)
    ids = [d.id for d in Disclosure.select(Disclosure.id).where(
        Disclosure.person == person.id, Disclosure.revoked_at.is_null(),
        Disclosure.expires_at > now)]
    if ids:
        Disclosure.update(revoked_at=now, revoked_why=CONSENT_WITHDRAWN).where(
            any_of(Disclosure.id, ids)).execute()
        record("disclosure.revoked", person=person.id, disclosures=ids, why=CONSENT_WITHDRAWN)
    return len(ids)


# --- The link -------------------------------------------------------------------------------------

def disclosure_of(token, now=None):
    """The open disclosure a link's token names; raises LinkProblem (invalid, expired,
    revoked, closed: the customer's agreement or the consent is gone)."""
    now = now or utcnow()
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise LinkProblem("invalid")
    disclosure = Disclosure.get_or_none(Disclosure.token_hash == _hash(token))
    if disclosure is None:
        raise LinkProblem("invalid")
    if disclosure.revoked_at is not None:
        raise LinkProblem("revoked")
    if disclosure.expires_at <= now:
        raise LinkProblem("expired")
    contact = CustomerContact.get_or_none(CustomerContact.id == disclosure.contact_id)
    if contact is None or not contact.email or not may_share(disclosure.person) \
            or customers.status(disclosure.customer, oslo_date(now)) != customers.IN_FORCE:
        raise LinkProblem("closed")
    return disclosure


def send_code(disclosure, locale):
    """E-mail a code to the address the link was sent to; returns the Challenge. Raises
    verification.TooManyCodes or TooManyMails."""
    return verification.start(disclosure.contact.email, CODE_PURPOSE, locale)


def prove(disclosure, challenge_token, code, now=None):
    """Accept the code sent for this link; raises verification.CodeProblem, or LinkProblem
    ("other_contact") for a code sent to another address than this link's."""
    challenge = verification.check(challenge_token or "", code, CODE_PURPOSE, now=now, spend=False)
    if challenge.email != disclosure.contact.email:
        raise LinkProblem("other_contact")
    verification.spend_code(challenge, now)
    return challenge


def opened(disclosure, document=None, now=None):
    """Log an opening of the page, or of one of its documents."""
    with db.atomic():
        DisclosureOpening.create(disclosure=disclosure.id, document=document.id if document else None,
                                 at=now or utcnow())
        record("disclosure.opened", person=disclosure.person_id, disclosure=disclosure.id,
               document=document.id if document else None)


@dataclass
class SharedCategory:
    category: catalog.Category
    lines: list = field(default_factory=list)  # one text per row


@dataclass
class Shared:
    """What a link shows: the candidate's name (when it was shared), the shared categories'
    current values, the shared documents."""
    disclosure: Disclosure
    name: str
    categories: list
    documents: list


def _rectifiable():
    """The registry's holdings of a candidate's own current data: found by the Person, and only
    the columns a correction may change (what `rectify()` keeps true)."""
    return [h for h in registry.row_holdings("candidate") if h.person and h.rectify]


def shown(disclosure):
    """What the link shows now: only the shared categories and documents."""
    from portal.staff.record import readable  # the staff feature's way of reading values
    person = Person.get_by_id(disclosure.person_id)
    subject = Subject(person, person_ids=frozenset({person.id}))
    keys = set(disclosure.category_keys)
    categories = []
    for category in catalog.CATEGORIES:
        if category.key not in keys or not category.shareable:
            continue
        shown_category = SharedCategory(category)
        for holding in _rectifiable():
            columns = [f.split(".", 1)[1] for f in category.fields
                       if f.split(".", 1)[0] == holding.name
                       and f.split(".", 1)[1] in holding.rectify]
            if not columns:
                continue
            for row in registry.rows_of(holding, subject):
                text = " · ".join(t for t in (readable(holding.model, c, getattr(row, c), {})
                                              for c in columns) if t)
                if text:
                    shown_category.lines.append(text)
        if shown_category.lines:
            categories.append(shown_category)
    documents = shared_documents(disclosure)
    # Without the name, the customer sees an anonymous profile: nothing names the candidate.
    return Shared(disclosure, person.name if "name" in keys else None, categories, documents)


def shared_documents(disclosure):
    ids = disclosure.document_ids
    if not ids:
        return []
    by_kind = _document_categories()
    return [d for d in Document.select().where(any_of(Document.id, ids),
                                               Document.person == disclosure.person_id)
            .order_by(Document.kind, Document.id) if by_kind[d.kind].shareable]


def shared_document(disclosure, document_id):
    """A document of the link, or None."""
    return next((d for d in shared_documents(disclosure) if d.id == document_id), None)


# --- What staff and the candidate see ------------------------------------------------------------

@dataclass
class DisclosureLine:
    """One share as a list shows it."""
    id: int
    person_id: int
    person: str
    customer: str
    contact: str
    keys: list        # catalog keys
    categories: list  # their labels
    documents: list
    shared_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_why: str
    openings: list
    told: list  # [(at, [category keys])]: the contact person told of a correction
    open: bool


def category_labels(keys):
    """The labels of catalog categories, in catalog order."""
    return [c.label for c in catalog.CATEGORIES if c.key in set(keys)]


def lines(query, now=None):
    """[DisclosureLine] of the disclosures a query selects, as they are given."""
    now = now or utcnow()
    disclosures = list(query)
    if not disclosures:
        return []
    ids = [d.id for d in disclosures]
    openings, told = {}, {}
    for o in DisclosureOpening.select().where(any_of(DisclosureOpening.disclosure, ids)).order_by(
            DisclosureOpening.at):
        openings.setdefault(o.disclosure_id, []).append(o.at)
    from portal.customers.models import PassOnNotice
    for n in PassOnNotice.select().where(any_of(PassOnNotice.disclosure, ids)).order_by(
            PassOnNotice.at):
        told.setdefault(n.disclosure_id, []).append((n.at, n.category_keys))
    names = {p.id: p.name for p in Person.select(Person.id, Person.name).where(
        any_of(Person.id, sorted({d.person_id for d in disclosures})))}
    customer_names = {c.id: c.name for c in Customer.select(Customer.id, Customer.name).where(
        any_of(Customer.id, sorted({d.customer_id for d in disclosures})))}
    contact_ids = sorted({d.contact_id for d in disclosures if d.contact_id})
    contacts = {c.id: c.name for c in CustomerContact.select(
        CustomerContact.id, CustomerContact.name).where(any_of(CustomerContact.id, contact_ids))
    } if contact_ids else {}
    document_ids = sorted({i for d in disclosures for i in d.document_ids})
    documents = {d.id: d.filename for d in Document.select(Document.id, Document.filename).where(
        any_of(Document.id, document_ids))} if document_ids else {}
    return [DisclosureLine(
        d.id, d.person_id, names.get(d.person_id, ""), customer_names.get(d.customer_id, ""),
        contacts.get(d.contact_id, ""), d.category_keys, category_labels(d.category_keys),
        [documents[i] for i in d.document_ids if i in documents], d.shared_at, d.expires_at,
        d.revoked_at, d.revoked_why, openings.get(d.id, []), told.get(d.id, []), d.is_open(now))
        for d in disclosures]


def disclosures_of(person):
    return (Disclosure.select().where(Disclosure.person == person.id)
            .order_by(Disclosure.shared_at.desc(), Disclosure.id.desc()))


def to_customer(customer):
    return (Disclosure.select().where(Disclosure.customer == customer.id)
            .order_by(Disclosure.shared_at.desc(), Disclosure.id.desc()))


def every_disclosure(limit=200):
    return Disclosure.select().order_by(Disclosure.shared_at.desc(), Disclosure.id.desc()).limit(limit)


def received_by(person):
    """{category key: [customer names]}: who received each of the person's categories (the
    categories shared, and those of the documents shared)."""
    by_kind = _document_categories()
    kinds = {d.id: d.kind for d in Document.select(Document.id, Document.kind).where(
        Document.person == person.id)}
    found = {}
    disclosures = list(disclosures_of(person))
    for line, disclosure in zip(lines(disclosures), disclosures):
        keys = list(line.keys) + [by_kind[kinds[i]].key for i in disclosure.document_ids
                                  if i in kinds]
        for key in keys:
            if line.customer not in found.setdefault(key, []):
                found[key].append(line.customer)
    return found


def recipients(subject):
    """What the access export lists under "recipients": every disclosure of the subject's
    data, with the customer, what, when, on what basis, when it was opened, and whether the
    link was closed, and the corrections the recipient was told of."""
    if not subject.person_ids:
        return []
    query = (Disclosure.select().where(any_of(Disclosure.person, subject.ids()))
             .order_by(Disclosure.shared_at, Disclosure.id))
    found = []
    for d, line in zip(list(query), lines(query)):
        recipient = line.customer + (f" ({line.contact})" if line.contact else "")
        found.append({"recipient": recipient, "categories": d.category_keys, "at": d.shared_at,
                      "basis": d.basis, "documents": line.documents, "expires_at": d.expires_at,
                      "revoked_at": d.revoked_at, "opened": line.openings,
                      "told": [{"at": at, "categories": keys} for at, keys in line.told]})
    return found

