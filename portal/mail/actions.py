"""Write e-mails to the outbox, relay them to the queue after commit, and send them."""
import base64
import json
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from jinja2 import TemplateNotFound

from portal.db import checkpoint, db, utcnow
from portal.mail.models import Outbox
from portal.queue import enqueue

SEND_JOB = "jobs.mail.send_email"


def queue_email(to, subject, template, locale="nb", person=None, attachments=(),
                forget_after_send=False, **context):
    """Render an e-mail in the person's language into the outbox; it is queued after commit.

    `template` names templates/<template>.txt (and .html when present), e.g.
    "booking/email/confirmation";
    `attachments` are (filename, bytes, mimetype) tuples; `forget_after_send`: the record
    loses the address too once sent (the confirmation of an erasure).
    """
    with force_locale(locale):
        text = render_template(f"{template}.txt", **context)
        html = _render_optional(f"{template}.html", **context)
        subject = str(subject)
    row = Outbox.create(
        to=to, subject=subject, body_text=text, body_html=html, person=person,
        forget_after_send=forget_after_send,
        attachments=json.dumps([[name, base64.b64encode(data).decode(), mime]
                                for name, data, mime in attachments]))
    app = current_app._get_current_object()
    db.after_commit(lambda: enqueue(SEND_JOB, row.id, job_id=f"email-{row.id}", app=app))
    return row


def link_to_person(address, person):
    """Records of e-mails sent to an address before anyone was linked to them (codes, links)
    go with this person from now on: after the address changes, erasure finds them by the
    person, not by an address that is no longer theirs."""
    Outbox.update(person=person).where((Outbox.to == address) & Outbox.person.is_null()).execute()


def _render_optional(_template_name, **context):
    try:
        current_app.jinja_env.get_template(_template_name)
    except TemplateNotFound:
        return ""
    return render_template(_template_name, **context)


def send(outbox_id):
    """Send one outbox e-mail unless it was already sent; safe to run twice."""
    row = Outbox.get_or_none(Outbox.id == outbox_id)
    if row is None or row.sent_at is not None:
        return False
    Outbox.update(attempts=Outbox.attempts + 1).where(Outbox.id == row.id).execute()
    message = EmailMultiAlternatives(row.subject, row.body_text, to=[row.to])
    if row.body_html:
        message.attach_alternative(row.body_html, "text/html")
    for name, data, mime in json.loads(row.attachments):
        message.attach(name, base64.b64decode(data), mime)
    message.send()
    # Once sent, the row keeps who and when, not what: bodies hold live links (reset,
    # verification) and personal data that have no reason to stay in the database.
    forgotten = {"to": "", "subject": ""} if row.forget_after_send else {}
    Outbox.update(sent_at=utcnow(), body_text="", body_html="", attachments="[]",
                  **forgotten).where(Outbox.id == row.id).execute()
    if row.forget_after_send:
        checkpoint()  # the address of an erased person: not left in SQLite's log or file
    return True


def relay_unsent(older_than=timedelta(seconds=30)):
    """Queue again every e-mail still unsent (Redis was down, a worker died); returns the count."""
    due = (Outbox.select(Outbox.id)
           .where(Outbox.sent_at.is_null(), Outbox.created_at <= utcnow() - older_than))
    count = 0
    for row in due:
        if enqueue(SEND_JOB, row.id, job_id=f"email-{row.id}") is not None:
            count += 1
    return count
