"""Give and withdraw consent; later features ask has_consent() before processing."""
from peewee import fn

from portal import catalog
from portal.audit.actions import record
from portal.consent.models import Consent
from portal.db import db
from portal.people.contact import contact


def current(person):
    """The latest decision per consent purpose: {purpose: Consent or None}."""
    latest = {p: None for p in catalog.CONSENT_PURPOSES}
    newest = (Consent.select(Consent.purpose, fn.MAX(Consent.id).alias("last_id"))
              .where(Consent.person == person.id).group_by(Consent.purpose))
    ids = [row.last_id for row in newest]
    for row in Consent.select().where(Consent.id << ids) if ids else ():
        if row.purpose in latest:
            latest[row.purpose] = row
    return latest


def given(person):
    """The consent purposes whose latest decision is a consent given: what may be used now."""
    return {purpose for purpose, row in current(person).items() if row is not None and row.given}


def has_consent(person, purpose):
    """Whether the person's latest decision for this purpose is a consent given."""
    row = (Consent.select().where((Consent.person == person.id) & (Consent.purpose == purpose))
           .order_by(Consent.id.desc()).first())
    return bool(row and row.given)


def decide(person, purpose, given, how="account page"):
    """Record a consent given or withdrawn for one purpose; takes effect at once."""
    if purpose not in catalog.CONSENT_PURPOSES:
        raise ValueError(f"not a consent purpose: {purpose}")
    with db.atomic():
        row = Consent.create(person=person.id, purpose=purpose, given=bool(given),
                             policy_version=catalog.POLICY_VERSION, how=how)
        if given:  # withdrawing reduces what is held: never contact
            contact(person, "own_change")
        record("consent.given" if given else "consent.withdrawn", person=person, purpose=purpose,
               policy_version=catalog.POLICY_VERSION)
        if not given:  # processing for the purpose stops at once, in this transaction
            _withdrawn(person, purpose)
    return row


def _withdrawn(person, purpose):
    """Tell every feature that declares `consent_withdrawn(person, purpose)` (sharing closes
    its open links)."""
    from portal import features  # the features import this one's views: read on use
    for feature in features.FEATURES:
        hook = getattr(feature, "consent_withdrawn", None)
        if hook is not None:
            hook(person, purpose)


def history(person):
    """Every consent decision of the person, newest first."""
    return list(Consent.select().where(Consent.person == person.id)
                .order_by(Consent.at.desc(), Consent.id.desc()))
