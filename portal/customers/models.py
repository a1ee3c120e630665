"""Business customers, their contact persons and agreements, and what was shared with them.

A customer is a business (not a data subject); its contact persons are data subjects of their
own, found by their e-mail address or phone number (portal/customers/feature.py). A Disclosure
is one share of a candidate's data with one contact person: which catalog categories and which
documents, when, by whom, on what basis, and the link that shows it for 14 days.
"""
import json

from peewee import CharField, DateField, DateTimeField, ForeignKeyField, IntegerField, TextField

from portal.consent.models import Consent
from portal.db import BaseModel, utcnow
from portal.people.models import Person


class Customer(BaseModel):
    """A business the agency finds people for. `agreement_ends_on` is the last day of its latest
    agreement: the clock its agreements and contact persons are kept by (catalog
    AFTER_AGREEMENT_END, WHILE_AGREEMENT), kept up to date whenever an agreement changes."""
    name = CharField(max_length=200)
    org_number = CharField(max_length=9, unique=True)  # nine digits, mod-11 checked
    agreement_ends_on = DateField(index=True)
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class CustomerContact(BaseModel):
    """A contact person at a customer: a data subject. The e-mail address and phone number are
    kept only while the customer has an agreement with us (emptied the day after it ends)."""
    customer = ForeignKeyField(Customer, backref="contacts", on_delete="CASCADE")
    name = CharField(max_length=200)
    title = CharField(max_length=200, default="")  # their role at the customer
    email = CharField(max_length=254, default="", index=True)  # lower-case; "" once emptied
    phone = CharField(max_length=32, default="")  # E.164
    locale = CharField(max_length=5, default="nb")  # the language of our e-mails to them
    created_at = DateTimeField(default=utcnow)
    updated_at = DateTimeField(default=utcnow)


class CustomerAgreement(BaseModel):
    """An agreement with a customer, from `starts_on` through `ends_on`, and the name of whoever
    signed it for the customer (kept with it ten years after the customer's last agreement
    ends); `signer` links the contact person who signed, while they are held."""
    customer = ForeignKeyField(Customer, backref="agreements", on_delete="CASCADE")
    starts_on = DateField()
    ends_on = DateField()
    signed_by = CharField(max_length=200)
    signer = ForeignKeyField(CustomerContact, null=True, backref="agreements_signed",
                             on_delete="SET NULL")
    created_at = DateTimeField(default=utcnow)


STAFF = "staff"
CONSENT_WITHDRAWN = "consent_withdrawn"
CONTACT_CHANGED = "contact_changed"  # a link goes to one address: a new one closes it


class Disclosure(BaseModel):
    """One share of a candidate's data with a customer's contact person.

    `categories` are catalog keys, `documents` Document ids (JSON lists): the link shows the
    current values of these categories and these documents only, until `expires_at`, unless it
    was revoked (`revoked_why`: staff, or the candidate withdrew the consent). The link's token
    is kept only as a hash."""
    person = ForeignKeyField(Person, backref="disclosures", on_delete="CASCADE")
    customer = ForeignKeyField(Customer, backref="disclosures")
    contact = ForeignKeyField(CustomerContact, null=True, backref="disclosures",
                              on_delete="SET NULL")
    categories = TextField(default="[]")
    documents = TextField(default="[]")
    basis = CharField(max_length=32)  # catalog.LEGAL_BASES: consent
    consent = ForeignKeyField(Consent, null=True, on_delete="SET NULL")  # the consent it rests on
    shared_by = IntegerField(null=True)  # staff User id; not a foreign key: outlives the login
    shared_at = DateTimeField(default=utcnow, index=True)
    expires_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    revoked_why = CharField(max_length=32, default="")
    token_hash = CharField(max_length=64, unique=True)

    @property
    def category_keys(self):
        return json.loads(self.categories)

    @property
    def document_ids(self):
        return json.loads(self.documents)

    def is_open(self, now=None):
        return self.revoked_at is None and self.expires_at > (now or utcnow())


class DisclosureOpening(BaseModel):
    """The customer opened a share (its page, or one of its documents: `document`)."""
    disclosure = ForeignKeyField(Disclosure, backref="openings", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    document = IntegerField(null=True)  # the Document id downloaded; None: the page


class PassOnNotice(BaseModel):
    """A customer's contact person told of a correction of data they received (Art. 19)."""
    disclosure = ForeignKeyField(Disclosure, backref="notices", on_delete="CASCADE")
    kind = CharField(max_length=16)  # correction
    categories = TextField(default="[]")  # the catalog keys corrected
    at = DateTimeField(default=utcnow)

    @property
    def category_keys(self):
        return json.loads(self.categories)
