"""What legal holds bring: holds placed, changed and ended by administrators, what an erasure
keeps under them (restricted), the queue section of holds ending soon, and `flask holds`."""
from flask_babel import lazy_gettext as _l

from portal.db import any_of
from portal.holds import actions, cli, models, views
from portal.people.holdings import Files, Keep, Restriction, Rows

__all__ = ["blueprint", "models", "cli", "queue_section", "personal_data"]  # what this feature declares

blueprint = views.bp
cli = (cli.holds,)
queue_section = actions.queue_section
LegalHold, HeldData = models.LegalHold, models.HeldData


def _erased_holds(subject):
    """Holds on someone erased, found by the keyed hash of an address (the tombstone's): the
    person can still ask what is kept and why."""
    if not subject.emails:
        return None
    from portal.people.registry import _email_hash  # the registry reads this feature
    return LegalHold.select(LegalHold.id).where(any_of(
        LegalHold.email_hash, sorted(_email_hash(e) for e in subject.emails)))


def _hold_reach(subject):
    living = (any_of(LegalHold.person_id, subject.ids()) & LegalHold.tombstone.is_null()
              if subject.person_ids else None)
    erased = _erased_holds(subject)
    erased = LegalHold.id.in_(erased) if erased is not None else None
    return living | erased if living is not None and erased is not None else living or erased


def _held_reach(subject):
    condition = _hold_reach(subject)
    if condition is None:
        return None
    return HeldData.hold.in_(LegalHold.select(LegalHold.id).where(condition))


# A hold and what it kept are about the person: found by their id while they live, by the
# tombstone's hash of their address once erased. An erasure keeps a hold (it says why some
# data stays) until it ends; a hold that ended is erased with the person, and the nightly
# retention run erases what holds on erased people kept once they end (registry.end_holds).
_KEEP = Keep(_l("A legal hold: it says what must be kept and why, until its last day."),
             until=lambda row: row.ends_on)
held = Rows(HeldData, category="legal_holds", reach=_held_reach, whole_row=True,
            source="portal", created="kept_at",
            erase=Keep(_l("Kept under a legal hold, restricted: out of search, never shared, not "
                          "used, until the hold ends."),
                       until=lambda row: LegalHold.get_by_id(row.hold_id).ends_on))
personal_data = (
    Rows(LegalHold, category="legal_holds", reach=_hold_reach, whole_row=True, source="portal",
         created="placed_at", erase=_KEEP),
    held,
    Files(held),
    Restriction("legal holds", standing=actions.standing, keep=actions.keep,
                erased=actions.erased, release=actions.release, due=actions.due),
)
