"""Two privacy requests in the staff queue, so that its colours and steps can be tried at once."""
import secrets
from datetime import timedelta

from portal.db import db, utcnow
from portal.requests import deadlines
from portal.requests.models import IN_PROGRESS, VERIFIED, PrivacyRequest


def load_demo_data(password):
    """A question asked today, and a correction taken on 25 days ago (due in a few days)."""
    now = utcnow()
    with db.atomic():
        for kind, status, days_ago, name, email, details in (
                ("question", VERIFIED, 0, "Ola Nordmann", "ola.nordmann@example.no",
                 "Hvor lenge tar dere vare på CV-en min?"),
                ("correction", IN_PROGRESS, 25, "Per Hansen", "per.hansen@example.no",
                 "Telefonnummeret mitt er 412 34 567, ikke 412 34 576.")):
            received = now - timedelta(days=days_ago)
            due = deadlines.first_due_date(received)
            PrivacyRequest.create(
                token=secrets.token_urlsafe(32), kind=kind, status=status, name=name, email=email,
                details=details, received_at=received, verified_at=received, verified_how="code",
                started_at=received if status == IN_PROGRESS else None, first_due_on=due,
                due_on=due)
    return None
