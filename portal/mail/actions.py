"""Write e-mails to the outbox, relay them to the queue after commit, render and send them.

An outbox row holds what its e-mail needs, not the e-mail: the address, the subject, the
template, the language and plain values (ids, strings, numbers). The send job renders it, so no
template and no calendar file is rendered inside the transaction that writes the row (a booking
holds SQLite's write lock only as long as its own rows need), and a Redis that is down loses
nothing: the relay queues the row again.
"""
import base64
import json
import logging
import smtplib
from datetime import timedelta

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mailman import EmailMultiAlternatives
from jinja2 import TemplateNotFound

from portal.db import checkpoint, db, prepared_insert, utcnow
from portal.mail.models import Outbox
from portal.queue import enqueue

SEND_JOB = "jobs.mail.send_email"

log = logging.getLogger(__name__)

# template name -> the function that turns an e-mail's values into its template's context.
_CONTEXTS = {}


class Gone(Exception):
    """What an e-mail is about no longer exists (a booking erased before it went out)."""


class NotSent(Exception):
    """An e-mail the mail server did not take: its kind (template) and an error code, never
    its address or anything of its text. The server's own refusal names the recipient, and
    RQ keeps a failed job's exception for a week (and workers log it), so that is not it."""

    def __init__(self, kind, code, outbox_id=None):
        super().__init__(f"e-mail {kind} (outbox {outbox_id}) not sent: {code}")
        self.kind, self.code, self.outbox_id = kind, code, outbox_id


def _error_code(exc):
    """What went wrong, without the words of the server's reply (they name the recipient)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({str(code) for code, _ in exc.recipients.values()})
        return "smtp " + "/".join(codes) if codes else "smtp recipients refused"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"smtp {exc.smtp_code}"
    return type(exc).__name__


def email_context(template):
    """Declare how the values an e-mail was queued with become its template's context.

        @email_context("booking/email/confirmation")
        def confirmation_context(booking, sequence):
            return {"booking": Booking.get_by_id(booking), ..., "attachments": [...]}

    The function runs when the e-mail is sent, in its language; `attachments` in what it
    returns are (filename, bytes, mimetype) tuples, and a `subject` there replaces the one
    written with the e-mail. It raises Gone when there is nothing left to tell. Templates
    without such a function get the values themselves as their context.
    """
    def register(build):
        _CONTEXTS[template] = build
        return build
    return register


def queue_email(to, subject, template, locale="nb", person=None, attachments=(),
                forget_after_send=False, **values):
    """Write an e-mail to the outbox: rendered in the person's language when it is sent, queued
    after commit.

    `template` names templates/<template>.txt (and .html when present), e.g.
    "booking/email/confirmation"; `values` are plain JSON values (ids, not rows); `attachments`
    are (filename, bytes, mimetype) tuples known now; `forget_after_send`: the record loses the
    address too once sent (the confirmation of an erasure).
    """
    row = write_email(to, subject, template, locale, person, attachments,
                      forget_after_send=forget_after_send, **values)
    queue_after_commit(row)
    return row


_new_email = prepared_insert(Outbox)  # on every booking: its SQL built once


def write_email(to, subject, template, locale="nb", person=None, attachments=(),
                forget_after_send=False, **values):
    """Write an e-mail to the outbox, as queue_email, without queueing it: a change that causes
    several e-mails writes each, then queues them together with queue_after_commit()."""
    with force_locale(locale):
        subject = str(subject)
    return _new_email(
        to=to, subject=subject, template=template, locale=locale, person=person,
        params=json.dumps(values), forget_after_send=forget_after_send,
        attachments=json.dumps([[name, base64.b64encode(data).decode(), mime]
                                for name, data, mime in attachments]))


def queue_after_commit(*rows):
    """Queue one job that sends these outbox e-mails, once the transaction commits."""
    ids = [row.id for row in rows]
    app = current_app._get_current_object()
    db.after_commit(lambda: enqueue(SEND_JOB, *ids, job_id=f"email-{ids[0]}", app=app, first=True))


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


def render(row):
    """(subject, text, html, attachments) of an outbox row, in its language; raises Gone."""
    values = json.loads(row.params)
    build = _CONTEXTS.get(row.template)
    with force_locale(row.locale):
        context = build(**values) if build else values
        subject = str(context.pop("subject", row.subject))
        attachments = [(name, base64.b64decode(data), mime)
                       for name, data, mime in json.loads(row.attachments)]
        attachments += context.pop("attachments", [])
        text = render_template(f"{row.template}.txt", **context)
        html = _render_optional(f"{row.template}.html", **context)
    return subject, text, html, attachments


def send(outbox_id):
    """Render and send one outbox e-mail unless it was already sent; safe to run twice."""
    row = Outbox.get_or_none(Outbox.id == outbox_id)
    if row is None or row.sent_at is not None:
        return False
    # Of two jobs sending the same e-mail at once (its first job, late, and the relay's), the
    # one that counts the attempt sends it.
    if not Outbox.update(attempts=Outbox.attempts + 1).where(
            Outbox.id == row.id, Outbox.sent_at.is_null(), Outbox.attempts == row.attempts).execute():
        return False
    try:
        subject, text, html, attachments = render(row)
    except Gone:  # e.g. the booking was erased before its e-mail went out: nothing to tell
        Outbox.delete().where(Outbox.id == row.id).execute()
        return False
    message = EmailMultiAlternatives(subject, text, to=[row.to])
    if html:
        message.attach_alternative(html, "text/html")
    for name, data, mime in attachments:
        message.attach(name, data, mime)
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001 - any failure: reported without the address
        code = _error_code(exc)
        log.warning("e-mail %s (outbox %s) not sent: %s", row.template, row.id, code)
        # `from None`: the refusal it replaces (with the address) is not chained into the
        # traceback that RQ stores and logs.
        raise NotSent(row.template, code, row.id) from None
    # Once sent, the row keeps who and when, not what: its values hold live codes and links
    # that have no reason to stay in the database; an erasure's confirmation keeps no address.
    forgotten = {"to": "", "subject": ""} if row.forget_after_send else {}
    Outbox.update(sent_at=utcnow(), params="{}", attachments="[]", **forgotten).where(
        Outbox.id == row.id).execute()
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
