"""The life of a privacy request: asking, proving the address, joining duplicates, the steps
staff take, deadlines, and tidying up. Views and jobs both call these.

received ──code──▶ verified ──▶ in progress ──▶ done
   │ (24 h without the code: deleted)  ├──────────┴──▶ denied (with a reason)
                                       └──────────┴──▶ withdrawn (an erasure, by the person)

A correction is done when staff have decided each value it proposes (portal/corrections); an
erasure when staff approve it, which erases the person (and the request with them) through the
registry, keeping what a legal hold names.

Every step is audited in its own transaction and e-mailed to the person in their language.
Staff steps carry the `version` the staff member saw: of two staff acting at once, the second
is told that the request changed and nothing of theirs is applied.
"""
import secrets
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l

from portal.audit.actions import record
from portal.db import db, utcnow
from portal.mail.actions import Gone, email_context, queue_email
from portal.people import registry
from portal.people.models import Person, Tombstone
from portal.problems import Problem
from portal.queue import enqueue
from portal.requests import deadlines
from portal.requests.forms import DETAILS_MAX, KIND_LABELS
from portal.requests.models import (
    BUILDING,
    CLOSED,
    DENIED,
    DONE,
    EXPIRED,
    FAILED,
    IN_PROGRESS,
    OPEN,
    QUEUED,
    READY,
    RECEIVED,
    VERIFIED,
    WITHDRAWN,
    AccessExport,
    PrivacyRequest,
)
from portal.verification import actions as verification
from portal.web.formats import OSLO
from portal.web.links import external_url

PURPOSE = "privacy_request"       # the purpose of the codes (portal/verification)
UNPROVEN = timedelta(hours=24)    # a request whose address is not proven by then is deleted
EXPORT_DAYS = 5                   # a released copy can be downloaded this long, then it is deleted
BUILD_JOB = "jobs.requests.build_access_export"
STALE_BUILD = timedelta(minutes=15)  # a build started this long ago without finishing: run again
MAX_BUILDS = 8
# What one request may hold, with the text of later requests of the same kind joined to it: a
# script asking again and again must not grow one request (and the staff queue) without end.
JOINED_MAX = 4 * DETAILS_MAX
# Rows that exist only because someone asked: a request, its code, the e-mails about it. A
# person we hold nothing else about is told that we hold nothing.
PROCESS_CATEGORIES = frozenset({"requests", "codes", "messages"})

STATUS_LABELS = {
    RECEIVED: _l("Waiting for the code"),
    VERIFIED: _l("Received"),
    IN_PROGRESS: _l("In progress"),
    DONE: _l("Done"),
    DENIED: _l("Denied"),
    WITHDRAWN: _l("Withdrawn"),
}


class RequestProblem(Problem):
    """A step that cannot be taken; `code` picks the message, nothing was changed."""
    MESSAGES = {
        "gone": _l("No request is waiting for a code in this browser: it was confirmed "
                   "already, or 24 hours passed and what you typed was deleted. Fill in the "
                   "form again."),
        "per_ip": _l("Too many requests from your network are waiting for their code. Use the "
                     "codes we sent, or try again tomorrow."),
        "per_address": _l("Requests for this e-mail address are already waiting for their "
                          "code. Use the code we sent, or try again tomorrow."),
        "daily": _l("You have asked for a copy of your data today already. You can ask for a "
                    "new one tomorrow."),
        "changed": _l("Someone else acted on this request at the same moment. This is how it "
                      "stands now; your step was not applied."),
        "closed": _l("This request is closed already. Nothing was changed."),
        "after_due": _l("The first due date has passed: a request can only be extended before "
                        "it. Nothing was changed."),
        "too_long": _l("A request can be extended to at most three months after it was "
                       "received. Nothing was changed."),
        "not_ready": _l("The copy is not ready yet; it can be released once it is built."),
        "access_done": _l("An access request is done when its copy is released."),
        "not_access": _l("Only an access request has a copy to release."),
        "full": _l("Your open request of this kind already holds as much text as it can. Wait "
                   "for our answer to it, or write to us by e-mail. Nothing was added."),
        "erasure_done": _l("An erasure request is done when the erasure is approved: see what "
                           "it removes first."),
        "values_pending": _l("Decide each proposed value first: review the correction."),
        "not_erasure": _l("Only an erasure request can be approved or withdrawn."),
        "withdrawn": _l("The person withdrew this request. Nothing was erased."),
        "not_by_address": _l("This address now belongs to a staff login or to a candidate's "
                             "account: handle the erasure from there. Nothing was erased."),
        "approved_already": _l("Someone else approved this erasure a moment ago: the person is "
                               "erased (erasure number %(tombstone)s). Nothing more was done."),
        "erased_already": _l("This person was erased already (erasure number %(tombstone)s, "
                             "%(reason)s). Nothing more was done."),
        "request_gone": _l("This request no longer exists: the person was erased meanwhile, and their "
                   "requests with them. Nothing was done."),
    }


def _limit(name, default):
    return int(current_app.config.get(name, default))


# --- Who a request is about --------------------------------------------------------------------

def subject_of(request):
    """The data subject of a request: its Person, or whoever its proven address points at."""
    if request.person_id is not None:
        return registry.subject_of(Person.get_by_id(request.person_id))
    return registry.subject_for_address(request.email)


def holds_anything_about(subject):
    """Whether the portal holds data about this subject beyond the request itself (its rows,
    its code, the e-mails about it): every kind of data subject the registry knows counts."""
    return any(registry.rows_of(h, subject).exists() for h in registry.row_holdings()
               if not (isinstance(h.category, str) and h.category in PROCESS_CATEGORIES))


def _same_person(request):
    """A condition matching requests of the same person: by their Person, or their address."""
    same = PrivacyRequest.email == request.email
    if request.person_id is not None:
        same |= PrivacyRequest.person == request.person_id
    return same


def _start_of_today(now):
    midnight = datetime.combine(deadlines.oslo_date(now), time(0), tzinfo=OSLO)
    return midnight.astimezone(UTC).replace(tzinfo=None)


def _joins(request, now):
    """The request this one joins: an open verified one of the same kind from the same person,
    or, for a copy, one asked for today (one copy per person per day)."""
    found = PrivacyRequest.select().where(
        PrivacyRequest.id != request.id, PrivacyRequest.kind == request.kind,
        _same_person(request), PrivacyRequest.status.in_(OPEN)).order_by(PrivacyRequest.id).first()
    if found is None and request.kind == "access":
        found = _copy_of_today(request, now)
    return found


def _copy_of_today(request, now):
    return (PrivacyRequest.select().join(AccessExport)
            .where(PrivacyRequest.id != request.id, PrivacyRequest.kind == "access",
                   _same_person(request), AccessExport.created_at >= _start_of_today(now))
            .order_by(PrivacyRequest.id).first())


# --- E-mails -------------------------------------------------------------------------------

def address_of(request):
    """Where e-mails about a request go: the person's address, or the one proven for it."""
    if request.person_id is not None:
        return Person.get_by_id(request.person_id).email
    return request.email


def _url(endpoint, **values):
    """An absolute link for an e-mail, also from a job (no request to build it from)."""
    return external_url(current_app.url_map.bind("localhost").build(endpoint, values))


def page_url(request):
    """Where the person follows a request: their account, or the page for a proven address."""
    from portal.auth.models import User  # auth's models point at people's: imported on use
    if request.person_id is not None and User.select().where(
            User.person == request.person_id, User.role == "candidate").exists():
        return _url("requests.detail", request_id=request.id)
    return _url("requests.mine")


SUBJECTS = {
    "received": _l("We have received your request"),
    "joined": _l("You already have this request with us"),
    "nothing_held": _l("We hold no data about you"),
    "started": _l("We are working on your request"),
    "extended": _l("We need more time for your request"),
    "denied": _l("Your request is denied"),
    "done": _l("Your request is done"),
    "ready": _l("Your copy of your data is ready"),
    "withdrawn": _l("You have withdrawn your request"),
}


SNAPSHOT = ("status", "answer", "extension_reason")  # as they were when the e-mail was written


def _tell(request, step, expires_at=None, **context):
    """E-mail one step of a request to the person, in their language: written now, rendered
    when it is sent, with the request as it was at this step (the outbox holds plain values)."""
    queue_email(address_of(request), SUBJECTS[step], f"requests/email/{step}",
                locale=request.locale, person=request.person_id, request=request.id,
                url=page_url(request), days=deadlines.days_left(request.due_on),
                expires_at=expires_at.isoformat() if expires_at else None,
                due_on=request.due_on.isoformat(),
                at_step={name: getattr(request, name) for name in SNAPSHOT}, **context)


def _step_context(request, due_on, at_step, expires_at=None, **values):
    """The context of a request's e-mail, from the values it was written with."""
    found = PrivacyRequest.get_or_none(PrivacyRequest.id == request)
    if found is None:
        raise Gone(request)  # erased before the e-mail went out: nothing left to tell
    found.due_on = date.fromisoformat(due_on)
    for name, value in at_step.items():
        setattr(found, name, value)
    from portal.corrections import actions as corrections
    correction = found.kind == "correction"
    return {"request": found, "kind": KIND_LABELS[found.kind],
            "expires_at": datetime.fromisoformat(expires_at) if expires_at else None,
            "proposals": corrections.proposals_of(found) if correction else [],
            "statements": corrections.statements_of(found) if correction else [], **values}


for _step_name in SUBJECTS:
    email_context(f"requests/email/{_step_name}")(_step_context)


# --- Asking ------------------------------------------------------------------------------------

def _new(kind, name, email, details, locale, now, proposals=None, **values):
    """A request as asked; a correction keeps the values it proposes (checked by their forms)."""
    from portal.corrections import actions as corrections  # corrections build on requests
    due = deadlines.first_due_date(now)
    request = PrivacyRequest.create(token=secrets.token_urlsafe(32), kind=kind, name=name,
                                    email=email.lower(), details=details or "", locale=locale,
                                    received_at=now, first_due_on=due, due_on=due, **values)
    if kind == "correction" and proposals:
        corrections.propose(request, proposals)
    return request


def ask_publicly(kind, name, email, details, locale, ip, replaces=None, now=None,
                 proposals=None):
    """Keep what was typed (with a correction's proposed values) and e-mail a code to the
    address; returns the received request.

    Nothing else happens before the code: no lookup, no e-mail but the code, so the answer is
    the same whether we know the address or not. Raises RequestProblem (too many waiting),
    verification.TooManyCodes or TooManyMails; then nothing is written.
    """
    now = now or utcnow()
    ip_key = verification.keyed("ip", ip or "")
    with db.atomic():
        if replaces:  # the same browser asked again before giving the code: the first goes
            PrivacyRequest.delete().where(PrivacyRequest.token == replaces,
                                          PrivacyRequest.status == RECEIVED).execute()
        waiting = PrivacyRequest.select().where(PrivacyRequest.status == RECEIVED,
                                                PrivacyRequest.received_at > now - UNPROVEN)
        if waiting.where(PrivacyRequest.ip_key == ip_key).count() >= _limit(
                "REQUESTS_WAITING_PER_IP", 10):
            raise RequestProblem("per_ip")
        # Per address from this network: counted over every network, a stranger's three
        # requests left unproven would shut the address's owner out for a day (the codes they
        # cause to be sent are limited per address and hour by portal/verification).
        if waiting.where(PrivacyRequest.email == email.lower(),
                         PrivacyRequest.ip_key == ip_key).count() >= _limit(
                "REQUESTS_WAITING_PER_ADDRESS", 3):
            raise RequestProblem("per_address")
        challenge = verification.start(email, PURPOSE, locale, now)
        return _new(kind, name, email, details, locale, now, proposals, challenge=challenge,
                    ip_key=ip_key)


def waiting(token, now=None):
    """The received request behind a session's token, unless its 24 hours are over."""
    if not token:
        return None
    return PrivacyRequest.get_or_none(PrivacyRequest.token == token,
                                      PrivacyRequest.status == RECEIVED,
                                      PrivacyRequest.received_at > (now or utcnow()) - UNPROVEN)


def new_code(request, now=None):
    """Send a new code for a request waiting for one (the first expired, or was mistyped)."""
    now = now or utcnow()
    with db.atomic():
        challenge = verification.start(request.email, PURPOSE, request.locale, now)
        PrivacyRequest.update(challenge=challenge).where(PrivacyRequest.id == request.id).execute()
    request.challenge = challenge
    return request


def confirm(request, code, now=None):
    """Check the code sent for a request, then verify it; raises CodeProblem or RequestProblem.

    A request that cannot be joined to the open one it belongs to (it holds as much as it can)
    is deleted with what was typed: nothing will come of it."""
    if request.challenge_id is None:
        raise verification.CodeProblem("unknown")
    verification.check(request.challenge.token, code, PURPOSE, now)
    try:
        return verify(request, "code", now)
    except RequestProblem as problem:
        if problem.code == "full":
            PrivacyRequest.delete().where(PrivacyRequest.id == request.id,
                                          PrivacyRequest.status == RECEIVED).execute()
        raise


def ask_as_candidate(person, kind, details, locale, now=None, proposals=None, statements=None):
    """A logged-in, re-authenticated candidate asks: the account is the identity check, so the
    request is verified at once. A correction keeps its proposed values, and its statements
    ({evaluation id: text}) beside those evaluations at once. Raises RequestProblem("daily")
    for a second copy in a day, registry.NotRectifiable for someone else's evaluation."""
    from portal.corrections import actions as corrections
    now = now or utcnow()
    with db.atomic():
        request = _new(kind, person.name, person.email, details, locale, now, proposals,
                       person=person.id)
        if kind == "correction" and statements:
            corrections.add_statements(request, person, statements)
        if kind == "access":
            today = _copy_of_today(request, now)
            if today is not None and today.status in CLOSED:
                raise RequestProblem("daily")
        return verify(request, "account", now)


def verify(request, how, now=None):
    """The address (or the account) is proven: the request counts from now on.

    A verified request of the same kind from the same person still open (or, for a copy, one
    asked today) takes this one in: what was written is added to it, this one goes, and the
    returned request (the first) has `joined` set. Someone we hold nothing about (beyond the
    request) is told so at once, unless they asked a question. An access request starts its copy.
    """
    now = now or utcnow()
    with db.atomic():
        person = (Person.get_or_none(Person.id == request.person_id) if request.person_id
                  else Person.get_or_none(Person.email == request.email))
        # Only a received request is verified, once: two right codes at once verify it once.
        # The keyed hash of the IP only counted requests waiting for their code: it goes.
        if not PrivacyRequest.update(
                status=VERIFIED, verified_at=now, verified_how=how, ip_key="",
                person=person.id if person else None, version=PrivacyRequest.version + 1,
                updated_at=now).where(PrivacyRequest.id == request.id,
                                      PrivacyRequest.status == RECEIVED).execute():
            raise RequestProblem("gone")
        request = PrivacyRequest.get_by_id(request.id)
        first = _joins(request, now)
        if first is not None:
            return _join(request, first, now)
        record("privacy_request.verified", person=request.person_id, request=request.id,
               kind=request.kind, how=how)
        if request.kind != "question" and not holds_anything_about(subject_of(request)):
            PrivacyRequest.update(status=DONE, nothing_held=True, closed_at=now,
                                  version=PrivacyRequest.version + 1, updated_at=now).where(
                PrivacyRequest.id == request.id).execute()
            request = PrivacyRequest.get_by_id(request.id)
            record("privacy_request.done", person=request.person_id, request=request.id,
                   nothing_held=True)
            _tell(request, "nothing_held")
            request.joined = False
            return request
        _tell(request, "received")
        if request.kind == "access":
            start_export(request)
    request.joined = False
    return request


def _join(request, first, now):
    from portal.corrections import actions as corrections
    details = "\n\n".join(d for d in (first.details, request.details) if d.strip())
    if len(details) > JOINED_MAX:
        raise RequestProblem("full")  # the transaction of verify() undoes the verification
    PrivacyRequest.update(details=details, updated_at=now).where(
        PrivacyRequest.id == first.id).execute()
    corrections.move_to(request, first)
    PrivacyRequest.delete().where(PrivacyRequest.id == request.id).execute()
    record("privacy_request.joined", person=first.person_id, request=first.id, joined=request.id)
    first = PrivacyRequest.get_by_id(first.id)
    _tell(first, "joined")
    first.joined = True
    return first


def start_export(request):
    """Make the copy of an access request: a row now, the job after commit."""
    export = AccessExport.create(request=request.id, person=request.person_id, email=request.email)
    app = current_app._get_current_object()
    db.after_commit(lambda: enqueue(BUILD_JOB, export.id, job_id=f"export-{export.id}", app=app))
    return export


# --- Staff steps -------------------------------------------------------------------------------

def _step(request, version, allowed, by, action, tell=None, now=None, **changes):
    """Take one step if the request is still as the staff member saw it (its `version`) and in
    one of the `allowed` states; audited and e-mailed. Raises RequestProblem otherwise."""
    now = now or utcnow()
    with db.atomic():
        condition = (PrivacyRequest.id == request.id) & PrivacyRequest.status.in_(allowed)
        if version is not None:
            condition &= PrivacyRequest.version == version
        if not PrivacyRequest.update(version=PrivacyRequest.version + 1, updated_at=now,
                                     **changes).where(condition).execute():
            current = PrivacyRequest.get_or_none(PrivacyRequest.id == request.id)
            if current is None or (version is not None and current.version != version):
                raise RequestProblem("changed")
            raise RequestProblem("closed" if current.status in CLOSED else "changed")
        request = PrivacyRequest.get_by_id(request.id)
        record(f"privacy_request.{action}", person=request.person_id, actor=by,
               request=request.id, status=request.status)
        if tell:
            _tell(request, tell)
    return request


def assign(request, by, version, to, now=None):
    """Assign an open request to a member of staff (`to`, a User; None: to nobody), if it is
    still as `by` saw it (its `version`); audited. Raises RequestProblem otherwise, changing
    nothing: of two staff taking it at once, the second is refused, never silently overruled."""
    now = now or utcnow()
    with db.atomic():
        before = PrivacyRequest.get_or_none(PrivacyRequest.id == request.id)
        if before is None or before.version != version:
            raise RequestProblem("changed")
        if before.status not in OPEN:
            raise RequestProblem("closed")
        if not PrivacyRequest.update(
                assignee=to.id if to else None, assigned_at=now if to else None,
                version=PrivacyRequest.version + 1, updated_at=now).where(
                PrivacyRequest.id == request.id, PrivacyRequest.version == version,
                PrivacyRequest.status.in_(OPEN)).execute():
            raise RequestProblem("changed")
        record("privacy_request.assigned" if to else "privacy_request.unassigned",
               person=before.person_id, actor=by, request=before.id,
               assignee=to.id if to else None, was=before.assignee)
    return PrivacyRequest.get_by_id(request.id)


def start(request, by, version, now=None):
    """Staff take the request on: in progress."""
    now = now or utcnow()
    return _step(request, version, (VERIFIED,), by, "started", "started", now,
                 status=IN_PROGRESS, started_at=now)


def extend(request, by, version, months, reason, now=None):
    """Extend the due date by one or two months, with a reason the person is told.

    Only on or before the first due date, and to at most three months after receipt."""
    now = now or utcnow()
    if not (reason or "").strip():
        raise ValueError("an extension needs a reason")  # the form asks for it first
    if request.status in CLOSED:
        raise RequestProblem("closed")
    if deadlines.oslo_date(now) > request.first_due_on:
        raise RequestProblem("after_due")
    already = deadlines.months_extended(request.received_at, request.due_on)
    if months not in (1, 2) or already + months + deadlines.FIRST_PERIOD > deadlines.MAX_PERIOD:
        raise RequestProblem("too_long")
    due = deadlines.add_months(deadlines.oslo_date(request.received_at),
                               deadlines.FIRST_PERIOD + already + months)
    return _step(request, version, OPEN, by, "extended", "extended", now, due_on=due,
                 extended_at=now, extension_reason=reason.strip())


def deny(request, by, version, reason, now=None):
    """Deny the request, with a reason the person sees; a copy made for it is deleted."""
    from portal.corrections import actions as corrections
    now = now or utcnow()
    if not (reason or "").strip():
        raise ValueError("a denial needs a reason")  # the form asks for it first
    with db.atomic():
        request = _step(request, version, OPEN, by, "denied", None, now, status=DENIED,
                        closed_at=now, answer=reason.strip(), decided_by=by.id if by else None)
        _discard_exports(request)
        corrections.refuse_pending(request, reason.strip(), by, now)  # each value: told why
        _tell(request, "denied")
    return request


def finish(request, by, version, message="", now=None):
    """Mark a request done, with an optional message to the person (not for access: its
    copy's release is what finishes it)."""
    from portal.corrections import actions as corrections
    now = now or utcnow()
    if request.kind == "access":
        raise RequestProblem("access_done")
    if request.kind == "erasure":
        raise RequestProblem("erasure_done")
    if corrections.pending_count(request):
        raise RequestProblem("values_pending")
    return _step(request, version, OPEN, by, "done", "done", now, status=DONE, closed_at=now,
                 answer=(message or "").strip(), decided_by=by.id if by else None)


# --- Erasure (Art. 17) ---------------------------------------------------------------------------

def _erased_by(request_id):
    """The tombstone of the erasure this request was approved for, or None."""
    return Tombstone.select().where(Tombstone.reason == f"request {request_id}").order_by(
        Tombstone.id).first()


def approve_erasure(request, by, version, now=None):
    """Approve an erasure request: the person is erased through the registry (what a legal
    hold names stays, restricted), the tombstone names the request, and the person gets the
    confirmation, the last e-mail, before their address goes. The request leaves with the
    person; the audit trail keeps the step. Returns the Tombstone.

    Raises RequestProblem: someone else acted first ("changed", or "approved_already" naming
    the erasure), the person withdrew it, it is closed, or the person was erased already."""
    now = now or utcnow()
    if request.kind != "erasure":
        raise RequestProblem("not_erasure")
    try:
        with db.atomic():
            request = _step(request, version, OPEN, by, "done", None, now, status=DONE,
                            closed_at=now, decided_by=by.id if by else None)
            if request.person_id is None:  # a contact person, a reference: known by the address
                try:
                    return registry.erase_known_by(request.email, "", f"request {request.id}",
                                                   confirm=True)[0]
                except (registry.NothingHeld, ValueError):  # a staff login, or a Person now
                    raise RequestProblem("not_by_address") from None
            person = Person.get_or_none(Person.id == request.person_id)
            if person is None:  # erased by another way meanwhile (the command line, retention)
                raise registry.AlreadyErased()
            return registry.erase_person(person, f"request {request.id}", confirm=True,
                                         request=request.id)
    except RequestProblem as problem:
        tombstone = _erased_by(request.id)
        if tombstone is not None:
            raise RequestProblem("approved_already", tombstone=tombstone.id) from None
        current = PrivacyRequest.get_or_none(PrivacyRequest.id == request.id)
        if current is not None and current.status == WITHDRAWN:
            raise RequestProblem("withdrawn") from None
        raise problem
    except registry.AlreadyErased as erased:
        tombstone = erased.tombstone
        raise RequestProblem("erased_already", tombstone=tombstone.id if tombstone else "?",
                             reason=tombstone.reason if tombstone else "") from None


def withdraw(request, now=None):
    """The person takes back an erasure request that staff have not approved yet: withdrawn,
    audited, and confirmed by e-mail. Raises RequestProblem once it is closed (approved,
    denied) or for another kind of request."""
    now = now or utcnow()
    if request.kind != "erasure":
        raise RequestProblem("not_erasure")
    with db.atomic():
        if not PrivacyRequest.update(status=WITHDRAWN, closed_at=now, updated_at=now,
                                     version=PrivacyRequest.version + 1).where(
                PrivacyRequest.id == request.id, PrivacyRequest.status.in_(OPEN)).execute():
            raise RequestProblem("closed")
        request = PrivacyRequest.get_by_id(request.id)
        record("privacy_request.withdrawn", person=request.person_id, request=request.id)
        _tell(request, "withdrawn")
    return request


def release(request, by=None, version=None, now=None):
    """Release the built copy of an access request: it can be downloaded for EXPORT_DAYS, and
    the request is done. Staff release it (`by`, `version`) when only the address was proven;
    the build releases it itself when the person asked from their account."""
    now = now or utcnow()
    if request.kind != "access":
        raise RequestProblem("not_access")
    export = AccessExport.get_or_none(AccessExport.request == request.id)
    if export is None or export.status != READY:
        raise RequestProblem("not_ready")
    with db.atomic():
        request = _step(request, version, OPEN, by, "done", None, now, status=DONE,
                        closed_at=now, decided_by=by.id if by else None)
        expires = now + timedelta(days=EXPORT_DAYS)
        AccessExport.update(released_at=now, expires_at=expires).where(
            AccessExport.id == export.id).execute()
        export = AccessExport.get_by_id(export.id)
        record("privacy_request.export_released", person=request.person_id, actor=by,
               request=request.id, export=export.id)
        _tell(request, "ready", link=download_url(export), expires_at=expires,
              export_days=EXPORT_DAYS)
    return request


def begin_automatically(request, now=None):
    """The copy's build has started: an access request nobody has taken on is in progress."""
    now = now or utcnow()
    try:
        return _step(request, None, (VERIFIED,), None, "started", "started", now,
                     status=IN_PROGRESS, started_at=now)
    except RequestProblem:
        return PrivacyRequest.get_by_id(request.id)  # staff took it on, or it was closed


def _discard_exports(request):
    for export in AccessExport.select().where(AccessExport.request == request.id):
        storage_id = export.storage_id
        AccessExport.update(status=EXPIRED, storage_id=None).where(
            AccessExport.id == export.id).execute()
        if storage_id:
            db.after_commit(lambda s=storage_id: _delete_file(s))


def _delete_file(storage_id):
    from portal import storage
    storage.delete(storage_id)


# --- The download link -------------------------------------------------------------------------

def _signer():
    from itsdangerous import URLSafeSerializer
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="privacy-export")


def _fingerprint(export):
    return verification.keyed("export", str(export.id), export.storage_id or "")[:16]


def download_token(export):
    """The token of a copy's download link: names the copy and the file, cannot be altered."""
    return _signer().dumps({"x": export.id, "f": _fingerprint(export)})


def download_url(export):
    return _url("requests.download", token=download_token(export))


class LinkProblem(Problem):
    """A download link that does not lead to a copy; `code` picks the message."""
    MESSAGES = {
        "invalid": _l("This download link is not valid. Use the link from the e-mail or from "
                      "the page of your request, as it is."),
        "expired": _l("This copy was deleted: a copy can be downloaded for five days after it "
                      "is ready. You can ask for a new one."),
        "not_yours": _l("This copy belongs to someone else. Log out, and log in with the account "
                        "that asked for it, or confirm the address it was sent to."),
    }
    STATUS = {"invalid": 404, "expired": 410, "not_yours": 403}


def export_from_token(token, now=None):
    """The released copy a download token names; raises LinkProblem."""
    from itsdangerous import BadSignature
    try:
        data = _signer().loads(token or "")
    except BadSignature:
        raise LinkProblem("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("x"), int):
        raise LinkProblem("invalid")
    export = AccessExport.get_or_none(AccessExport.id == data["x"])
    if export is None:
        raise LinkProblem("expired")  # its request was removed, and the copy with it
    if export.status == EXPIRED or (export.expires_at and export.expires_at <= (now or utcnow())):
        raise LinkProblem("expired")
    if export.released_at is None or export.status != READY or data.get("f") != _fingerprint(export):
        raise LinkProblem("invalid")
    return export


def owns(export, person=None, proven_email=None):
    """Whether a logged-in person, or someone who just proved an address, may have this copy."""
    if person is not None:
        return export.person_id == person.id
    if proven_email:
        if export.person_id is None:
            return proven_email.lower() == export.email
        owner = Person.get_or_none(Person.id == export.person_id)  # by the address they hold now
        return owner is not None and proven_email.lower() == owner.email
    return False


def mark_downloaded(export, by=None, now=None):
    now = now or utcnow()
    with db.atomic():
        AccessExport.update(downloaded_at=now).where(AccessExport.id == export.id).execute()
        record("privacy_request.export_downloaded", person=export.person_id, actor=by,
               request=export.request_id, export=export.id)


# --- What the person and staff see -------------------------------------------------------------

def requests_of(person=None, email=None):
    """A person's verified requests, newest first: by their Person, or by a proven address."""
    condition = None
    if person is not None:
        condition = PrivacyRequest.person == person.id
    if email:
        # A request of a Person is theirs by the address they hold now, not the one they asked
        # with: whoever holds an address the person left reaches none of their requests.
        owner = Person.get_or_none(Person.email == email.lower())
        by_address = (PrivacyRequest.email == email.lower()) & PrivacyRequest.person.is_null()
        if owner is not None:
            by_address |= PrivacyRequest.person == owner.id
        condition = by_address if condition is None else condition | by_address
    if condition is None:
        return PrivacyRequest.select().where(False)
    return (PrivacyRequest.select().where(condition, PrivacyRequest.status != RECEIVED)
            .order_by(PrivacyRequest.received_at.desc(), PrivacyRequest.id.desc()))


def export_of(request):
    return AccessExport.get_or_none(AccessExport.request == request.id)


def steps(request):
    """[(label, when, text)] of what happened so far, in order, for the person to read."""
    done = [(_l("Received"), request.received_at, "")]
    if request.verified_at:
        done.append((_l("Confirmed by your account") if request.verified_how == "account"
                     else _l("Confirmed with the code to your e-mail address"),
                     request.verified_at, ""))
    if request.started_at:
        done.append((_l("In progress"), request.started_at, ""))
    if request.extended_at:
        done.append((_l("Due date extended"), request.extended_at, request.extension_reason))
    if request.status == DONE and request.closed_at:
        text = (_l("We hold no data about you.") if request.nothing_held else request.answer)
        done.append((_l("Done"), request.closed_at, text))
    if request.status == DENIED and request.closed_at:
        done.append((_l("Denied"), request.closed_at, request.answer))
    if request.status == WITHDRAWN and request.closed_at:
        done.append((_l("Withdrawn by you"), request.closed_at, ""))
    return done


def _folded(name):
    return " ".join(unicodedata.normalize("NFKC", name or "").casefold().split())


def held_name(request, person):
    """The name held for the person (the one a request is about), when the name typed differs
    from it (case and spaces aside): for staff, the reasonable doubt that calls for asking more
    before a copy proven by a code alone is released. None when they match or nobody is known."""
    if person is None or _folded(person.name) == _folded(request.name):
        return None
    return person.name


# --- Tidying up ------------------------------------------------------------------------------

def remove_unproven(now=None):
    """Delete requests whose address was not proven within 24 hours, with what was typed."""
    now = now or utcnow()
    removed = PrivacyRequest.delete().where(PrivacyRequest.status == RECEIVED,
                                            PrivacyRequest.received_at <= now - UNPROVEN).execute()
    if removed:
        with db.atomic():
            record("privacy_request.unproven_removed", count=removed)
    return removed


def expire_exports(now=None):
    """Delete copies whose five days are over; returns how many."""
    now = now or utcnow()
    expired = 0
    for export in AccessExport.select().where(AccessExport.status == READY,
                                              AccessExport.expires_at <= now):
        with db.atomic():
            if AccessExport.update(status=EXPIRED, storage_id=None).where(
                    AccessExport.id == export.id, AccessExport.status == READY).execute():
                record("privacy_request.export_expired", person=export.person_id,
                       request=export.request_id, export=export.id)
                expired += 1
        if export.storage_id:
            _delete_file(export.storage_id)
    return expired


def relay_exports(now=None):
    """Queue again every copy still to be built (Redis was down, a worker died); returns how
    many were queued."""
    now = now or utcnow()
    due = AccessExport.select(AccessExport.id).where(
        ((AccessExport.status == QUEUED) & (AccessExport.created_at <= now - timedelta(seconds=30)))
        | ((AccessExport.status.in_((BUILDING, FAILED))) & (AccessExport.started_at <= now - STALE_BUILD)
           & (AccessExport.attempts < MAX_BUILDS)))
    count = 0
    for export in due:
        if enqueue(BUILD_JOB, export.id, job_id=f"export-{export.id}") is not None:
            count += 1
    return count
