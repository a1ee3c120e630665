"""What corrections bring (GDPR art. 16): the values a correction request proposes, checked by
the profile's own forms; staff's decision on each, applied through the registry's rectify(). They are
listed in the staff queue with the privacy requests (portal/requests/staff_queue.py)."""
from portal.corrections import models, views
from portal.db import any_of
from portal.people.holdings import Rows
from portal.requests.models import PrivacyRequest

__all__ = ["blueprint", "models", "personal_data"]  # what this feature declares

blueprint = views.bp
ProposedValue = models.ProposedValue


def _by_request(subject):
    """Proposed values go with their request: found as the request is (its person, its address)."""
    parts = []
    if subject.person_ids:
        parts.append(any_of(PrivacyRequest.person, subject.ids()))
    if subject.emails:
        parts.append(any_of(PrivacyRequest.email, sorted(subject.emails)))
    if not parts:
        return None
    condition = parts[0] if len(parts) == 1 else parts[0] | parts[1]
    return ProposedValue.request.in_(PrivacyRequest.select(PrivacyRequest.id).where(condition))


# A proposed value is part of its request: kept as long as the request is (three years after
# it was answered, as proof of how we answered), and erased with it.
personal_data = (
    Rows(ProposedValue, category="requests", reach=_by_request, whole_row=True),
)
