"""The public booking page, the cancel and move links, and staff availability and attendance."""
from flask import Blueprint, abort, current_app, flash, make_response, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from portal import catalog
from portal.auth.guard import public, roles, staff_only
from portal.booking import actions, attendance, availability, calendar, links, schedule
from portal.booking import pending as pendings
from portal.booking.forms import (
    WEEKDAY_LABELS,
    BookingForm,
    ConsultantForm,
    ExceptionForm,
    PastBookingsForm,
    SlotForm,
    WeeklyHoursForm,
)
from portal.booking.models import (
    FIELD_LABELS,
    KIND_LABELS,
    PLACE_LABELS,
    STATUS_LABELS,
    AvailabilityException,
    Booking,
    Consultant,
    WeeklyHours,
)
from portal.extensions import limiter
from portal.mail.limits import TooManyMails
from portal.people.actions import current_person
from portal.verification import actions as verification
from portal.verification.forms import CodeForm
from portal.web.forms import EmptyForm
from portal.web.links import kept_token, leave_token_url
from portal.web.render import render, wants_fragment

bp = Blueprint("booking", __name__)


@bp.app_context_processor
def booking_labels():
    return {"booking_kind_labels": KIND_LABELS, "booking_place_labels": PLACE_LABELS,
            "booking_field_labels": FIELD_LABELS, "booking_status_labels": STATUS_LABELS,
            "booking_typed_offers": actions.typed_offers, "booking_where": calendar.where,
            "booking_attendance": attendance}


def _week():
    return schedule.clamp_week(request.args.get("week", 0))


def _slot_context(week, page_endpoint, fragment_endpoint, **values):
    """What the slot list needs: the week's free slots and links to the weeks around it."""
    return dict(
        week=week, last_week=schedule.weeks_ahead() - 1, days=schedule.slots_by_day(week),
        week_dates=schedule.week_days(week),
        week_href=lambda n: url_for(page_endpoint, week=n, **values),
        week_hx=lambda n: url_for(fragment_endpoint, week=n, **values))


PENDING = "pending_booking"  # the session key of this browser's booking waiting for a code


def _book_page(form, status=200, week=None, fragment=None, problem=None):
    week = _week() if week is None else week
    if fragment is None and wants_fragment():
        fragment, status = "booking", 200  # htmx swaps only 2xx answers
    return render("booking/book.html", fragment=fragment, status=status, form=form,
                  problem=problem, logged_in_person=_own_person(),
                  **_slot_context(week, "booking.book", "booking.slots"))


def _own_person():
    """The Person of a logged-in candidate: they book without a code, as themselves."""
    if current_user.is_authenticated and current_user.role == "candidate":
        return current_user.person
    return None


def _week_of(slot_id):
    parsed = schedule.parse_slot_id(slot_id)
    if parsed is None:
        return _week()
    monday = schedule.week_days(0)[0]
    return schedule.clamp_week((schedule.to_oslo(parsed[1]).date() - monday).days // 7)


def _typed_form(values):
    """The booking form filled in with what was typed (or is held), nothing posted."""
    return BookingForm(formdata=None, data=values)


def _pending_values(pending):
    return dict(pendings.details_of(pending), slot=pending.slot, kind=pending.kind,
                meeting_place=pending.meeting_place)


@bp.route("/book", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config.get("BOOKING_LIMIT", "10 per hour"), methods=["POST"])
def book():
    """Show the free times; book one (with a code e-mailed to the address, unless logged in)."""
    person = _own_person()
    if request.method == "GET":
        pending = pendings.live(session.get(PENDING))
        if request.args.get("edit") and pending is not None:
            return _book_page(_typed_form(_pending_values(pending)))
        if person is None:
            return _book_page(BookingForm())
        return _book_page(_typed_form({c: getattr(person, c)
                                       for c in catalog.columns_of("Person", catalog.BOOKING)}))
    form = BookingForm()
    if person is not None:
        form.email.raw_data, form.email.data = [person.email], person.email  # always their own
    if form.is_robot:
        form.website.errors = [_("Leave this field empty.")]
        return _book_page(form, status=422)
    if not form.validate():
        return _book_page(form, status=422)
    details = form.details()
    locale = str(get_locale() or "nb")
    try:
        if person is not None:
            details["email"] = person.email
            booking = actions.book(form.slot.data, form.kind.data, form.meeting_place.data,
                                   details, locale)
            return _booked(booking)
        pending = pendings.live(session.get(PENDING))
        if pending is not None and pending.proven_at is not None and pending.email == details["email"]:
            # The code was given, but the time was taken meanwhile: another time, no new code.
            booking = pendings.book_proven(pending, slot_id=form.slot.data, kind=form.kind.data,
                                           meeting_place=form.meeting_place.data, details=details)
            session.pop(PENDING, None)
            return _booked(booking)
        pending = pendings.start(form.slot.data, form.kind.data, form.meeting_place.data, details,
                                 locale, request.remote_addr, replaces=session.get(PENDING))
    except schedule.SlotProblem as problem:
        return _slot_taken(form, problem)
    except pendings.PendingProblem as problem:
        return _book_page(form, status=429, problem=problem.message)
    except (verification.TooManyCodes, TooManyMails) as problem:
        return _book_page(form, status=429, problem=problem.message)
    session[PENDING] = pending.token
    if wants_fragment():
        return _code_page(pending, CodeForm(formdata=None))
    return redirect(url_for("booking.code"), 303)


def _slot_taken(form, problem):
    week = _week_of(form.slot.data)
    form.slot.errors = [problem.message]
    form.slot.data = ""
    return _book_page(form, status=409 if problem.code == "taken" else 422, week=week)


def _booked(booking):
    session["booked"] = links.remembered(booking)
    if wants_fragment():
        response = make_response("", 200)
        response.headers["HX-Redirect"] = url_for("booking.booked")
        return response
    return redirect(url_for("booking.booked"))


def _code_page(pending, form, status=200, problem=None, sent_again=False):
    if wants_fragment():
        status = 200
    return render("booking/code.html", fragment="booking", status=status, form=form,
                  pending=pending, problem=problem, sent_again=sent_again,
                  minutes=verification.CODE_MINUTES)


def _gone():
    return _book_page(BookingForm(formdata=None), status=410,
                      problem=pendings.PendingProblem("gone").message)


@bp.route("/book/code", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config.get("BOOKING_LIMIT", "10 per hour"), methods=["POST"])
def code():
    """Ask for the code sent to the address typed, and book with it."""
    pending = pendings.live(session.get(PENDING))
    if pending is None:
        return _gone() if request.method == "POST" else redirect(url_for("booking.book"))
    form = CodeForm()
    if request.method == "GET":
        return _code_page(pending, CodeForm(formdata=None))
    if pending.proven_at is None and not form.validate():
        return _code_page(pending, form, status=422)
    try:
        booking = pendings.confirm(pending, form.code.data)
    except verification.CodeProblem as problem:
        form.code.data = ""
        return _code_page(pending, form, status=422, problem=problem)
    except schedule.SlotProblem as problem:
        # The right code, but someone else got the time: the nearest times, with all typed.
        return _slot_taken(_typed_form(_pending_values(pending)), problem)
    except pendings.PendingProblem:  # a second request with the same proof came first
        return _gone()
    session.pop(PENDING, None)
    return _booked(booking)


@bp.route("/book/code/new", methods=["POST"])
@public
@limiter.limit(lambda: current_app.config.get("BOOKING_LIMIT", "10 per hour"))
def new_code():
    """Send a new code for the booking waiting in this browser."""
    pending = pendings.live(session.get(PENDING))
    if pending is None:
        return _gone()
    if not EmptyForm().validate_on_submit():
        return _code_page(pending, CodeForm(formdata=None), status=400)
    try:
        pendings.new_code(pending)
    except (verification.TooManyCodes, TooManyMails) as problem:
        return _code_page(pending, CodeForm(formdata=None), status=429, problem=problem)
    return _code_page(pending, CodeForm(formdata=None), sent_again=True)


@bp.route("/book/slots")
@public
def slots():
    """Show the free times of one week (the fragment htmx swaps in; a full page otherwise)."""
    return _book_page(BookingForm(formdata=None), fragment="slots")


@bp.route("/book/booked")
@public
def booked():
    """Confirm the booking just made in this browser."""
    kept = session.get("booked")
    booking = (Booking.get_or_none(Booking.id == kept["b"])
               if isinstance(kept, dict) and isinstance(kept.get("b"), int) else None)
    if not links.is_remembered(booking, kept):  # gone, or another booking under its id
        return redirect(url_for("booking.book"))
    return render("booking/booked.html", booking=booking, kind=KIND_LABELS[booking.kind],
                  place=PLACE_LABELS[booking.place])


def _link_problem(problem):
    return render("booking/link_problem.html", status=404 if problem.code == "invalid" else 410,
                  message=problem.message, current=getattr(problem, "current", None))


@bp.route("/book/cancel/<token>", methods=["GET", "POST"])
@bp.route("/book/cancel/link/<handle>", methods=["GET", "POST"])
@public
def cancel(token=None, handle=None):
    """Ask whether to cancel, and cancel, the booking behind a cancel link."""
    token = token or kept_token("booking-cancel", handle) or ""
    form = EmptyForm()
    try:
        if form.validate_on_submit():
            booking = actions.cancel(token)
            return render("booking/cancelled.html", booking=booking)
        booking = actions.booking_from_link(token, "cancel")
    except actions.LinkProblem as problem:
        return _link_problem(problem)
    handle, response = leave_token_url("booking-cancel", token, handle)
    if response is not None:
        return response
    return render("booking/cancel.html", form=form, booking=booking,
                  kind=KIND_LABELS[booking.kind], place=PLACE_LABELS[booking.place])


@bp.route("/book/move/<token>", methods=["GET", "POST"])
@bp.route("/book/move/link/<handle>", methods=["GET", "POST"])
@public
def move(token=None, handle=None):
    """Show other free times, and move the booking behind a move link to one of them."""
    token = token or kept_token("booking-move", handle) or ""
    form = SlotForm()
    try:
        booking = actions.booking_from_link(token, "move")
        handle, response = leave_token_url("booking-move", token, handle)
        if response is not None:
            return response
        status = 200
        if form.validate_on_submit():
            try:
                new = actions.move(token, form.slot.data)
            except schedule.SlotProblem as problem:
                form.slot.errors = [problem.message]
                form.slot.data = ""
                status = 409 if problem.code == "taken" else 422
            else:
                session["booked"] = links.remembered(new)
                flash(_("Your booking has been moved. We have sent you a new confirmation."), "info")
                return redirect(url_for("booking.booked"))
        elif request.method == "POST":
            status = 422
    except actions.LinkProblem as problem:
        return _link_problem(problem)
    return render("booking/move.html", fragment="slots", status=status, form=form, booking=booking,
                  handle=handle, kind=KIND_LABELS[booking.kind],
                  place=PLACE_LABELS[booking.place],
                  **_slot_context(_week(), "booking.move", "booking.move", handle=handle))


# --- A logged-in candidate's own bookings (/account/bookings) ---------------------------------

@bp.route("/account/bookings")
@roles("candidate")
def own_bookings():
    """Show the person's bookings, with cancel and move for those still to come."""
    person = current_person()
    upcoming, earlier = actions.own_bookings(person)
    return render("booking/own_bookings.html", person=person, upcoming=upcoming, earlier=earlier,
                  button=EmptyForm())


def _own_changed(action, booking_id, *args):
    try:
        return action(booking_id, current_person(), *args)
    except LookupError:
        abort(404)


@bp.route("/account/bookings/<int:booking_id>/cancel", methods=["POST"])
@roles("candidate")
def cancel_own(booking_id):
    """Cancel one of the person's own bookings."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        _own_changed(actions.cancel_own, booking_id)
    except actions.ChangeProblem as problem:
        flash(problem.message, "error")
    else:
        flash(_("Your booking has been cancelled. The time is free for others again."), "success")
    return redirect(url_for("booking.own_bookings"))


@bp.route("/account/bookings/<int:booking_id>/move", methods=["GET", "POST"])
@roles("candidate")
def move_own(booking_id):
    """Show other free times, and move one of the person's own bookings to one of them."""
    person = current_person()
    booking = get_object_or_404(Booking, (Booking.id == booking_id) & (Booking.person == person.id))
    form = SlotForm()
    status = 200
    if form.validate_on_submit():
        try:
            _own_changed(actions.move_own, booking_id, form.slot.data)
        except actions.ChangeProblem as problem:
            flash(problem.message, "error")
            return redirect(url_for("booking.own_bookings"))
        except schedule.SlotProblem as problem:
            form.slot.errors = [problem.message]
            form.slot.data = ""
            status = 409 if problem.code == "taken" else 422
        else:
            flash(_("Your booking has been moved. We have sent you a new confirmation."), "success")
            return redirect(url_for("booking.own_bookings"))
    elif request.method == "POST":
        status = 422
    if booking.status != "booked":
        flash(actions.ChangeProblem("used").message, "error")
        return redirect(url_for("booking.own_bookings"))
    return render("booking/move.html", fragment="slots", status=status, form=form, booking=booking,
                  action=url_for("booking.move_own", booking_id=booking.id, week=_week()),
                  **_slot_context(_week(), "booking.move_own", "booking.move_own",
                                  booking_id=booking.id))


def _back():
    """Back to the page the offer was answered on: the overview or the bookings page."""
    if request.form.get("back") == "account":
        return redirect(url_for("candidates.account"))
    return redirect(url_for("booking.own_bookings"))


@bp.route("/account/bookings/<int:booking_id>/typed/apply", methods=["POST"])
@roles("candidate")
def apply_typed(booking_id):
    """Use the details typed at a booking for what we hold."""
    if EmptyForm().validate_on_submit():
        _own_changed(actions.apply_typed, booking_id)
        flash(_("Thank you. We now hold what you typed at that booking."), "success")
    return _back()


@bp.route("/account/bookings/<int:booking_id>/typed/dismiss", methods=["POST"])
@roles("candidate")
def dismiss_typed(booking_id):
    """Keep what we hold and delete the details typed at a booking."""
    if EmptyForm().validate_on_submit():
        _own_changed(actions.dismiss_typed, booking_id)
        flash(_("Done. We keep what we held, and what you typed at that booking is deleted."),
              "success")
    return _back()


# --- Staff -------------------------------------------------------------------------------------

@bp.route("/staff/bookings")
@staff_only
def past():
    """List meetings that have started, newest first, by consultant, date and status."""
    consultants = list(Consultant.select().order_by(Consultant.name))
    form = PastBookingsForm(request.args, consultants=consultants,
                            statuses=[(s, STATUS_LABELS[s]) for s in attendance.STATUSES])
    bookings, more = [], None
    if form.validate():
        filters = attendance.PastFilter(form.consultant.data, form.on_or_after.data,
                                        form.on_or_before.data, form.status.data or None)
        bookings, more = attendance.past_bookings(filters, before=form.before_id())
    args = {k: v for k, v in request.args.items() if k != "before" and v}
    return render("booking/past.html", status=400 if form.errors else 200, form=form,
                  bookings=bookings, first_url=url_for("booking.past", **args),
                  next_url=url_for("booking.past", before=more, **args) if more else None,
                  paged="before" in request.args, **_row_context())


def _row_context():
    """What a booking row of a staff list needs; `back` is the list to return to without JS."""
    back = _staff_back() if request.method == "POST" else request.full_path.rstrip("?")
    return {"back": back}


@bp.route("/staff/bookings/<int:booking_id>/attended", methods=["POST"])
@staff_only
def attended(booking_id):
    """Mark a meeting that has started as held; the person reaches the candidate stage."""
    return _attendance(booking_id, lambda b: attendance.mark(b, "attended", current_user),
                       _("Marked as held."))


@bp.route("/staff/bookings/<int:booking_id>/no-show", methods=["POST"])
@staff_only
def no_show(booking_id):
    """Mark that the person did not come to a meeting that has started."""
    return _attendance(booking_id, lambda b: attendance.mark(b, "no_show", current_user),
                       _("Marked as not attended."))


@bp.route("/staff/bookings/<int:booking_id>/undo", methods=["POST"])
@staff_only
def undo_mark(booking_id):
    """Undo today's marking of a meeting: it is booked again."""
    return _attendance(booking_id, lambda b: attendance.undo(b, current_user),
                       _("Marking undone. The meeting can be marked again."))


def _attendance(booking_id, change, done):
    """Change a booking's attendance; the row in place (htmx) or back to the list with a word."""
    booking = get_object_or_404(Booking, Booking.id == booking_id)
    problem = None
    if not EmptyForm().validate_on_submit():
        problem = _("The page had been open too long. Please try again.")
    else:
        try:
            booking = change(booking.id)
        except attendance.MarkProblem as refused:
            problem = refused.message
            booking = Booking.get_by_id(booking.id)
    if wants_fragment():
        return render("booking/_staff_row.html", b=booking, problem=problem, done=None if problem
                      else done, **_row_context())
    flash(problem or done, "error" if problem else "success")
    return redirect(_staff_back())


def _staff_back():
    """The staff list the form was sent from (a path of ours), else the queue."""
    back = request.form.get("back", "")
    if back.startswith("/staff/") and "//" not in back and "\\" not in back \
            and not any(ord(c) < 32 or ord(c) == 127 for c in back):  # a line break: a 500
        return back
    return url_for("staff.queue")


@bp.route("/staff/consultants", methods=["GET", "POST"])
@staff_only
def consultants():
    """List consultants and add one."""
    form = ConsultantForm()
    if form.validate_on_submit():
        consultant = availability.add_consultant(form.name.data, form.email.data,
                                                 form.video_url.data)
        flash(_("Consultant added. Now set the opening hours."), "info")
        return redirect(url_for("booking.hours", consultant_id=consultant.id))
    return render("booking/consultants.html", form=form, status=422 if form.errors else 200,
                  consultants=Consultant.select().order_by(Consultant.name), toggle=EmptyForm())


@bp.route("/staff/consultants/<int:consultant_id>/active", methods=["POST"])
@staff_only
def toggle_active(consultant_id):
    """Offer or stop offering a consultant's times."""
    consultant = get_object_or_404(Consultant, Consultant.id == consultant_id)
    if EmptyForm().validate_on_submit():
        availability.set_active(consultant, not consultant.active)
    return redirect(url_for("booking.consultants"))


@bp.route("/staff/consultants/<int:consultant_id>/hours", methods=["GET", "POST"])
@staff_only
def hours(consultant_id):
    """Show and edit a consultant's weekly hours and exceptions."""
    consultant = get_object_or_404(Consultant, Consultant.id == consultant_id)
    hours_form = WeeklyHoursForm(prefix="h")
    exception_form = ExceptionForm(prefix="x")
    status = 200
    if request.method == "POST":
        what = request.form.get("what")
        if what == "hours" and hours_form.validate_on_submit():
            availability.add_weekly_hours(consultant, hours_form.weekday.data, hours_form.starts.data,
                                     hours_form.ends.data)
            return redirect(url_for("booking.hours", consultant_id=consultant.id))
        if what == "exception" and exception_form.validate_on_submit():
            availability.add_exception(consultant, exception_form.on.data, exception_form.kind.data,
                                  exception_form.starts.data, exception_form.ends.data)
            return redirect(url_for("booking.hours", consultant_id=consultant.id))
        if what == "delete-hours" and EmptyForm().validate_on_submit():
            availability.remove_weekly_hours(consultant, request.form.get("id", type=int))
            return redirect(url_for("booking.hours", consultant_id=consultant.id))
        if what == "delete-exception" and EmptyForm().validate_on_submit():
            availability.remove_exception(consultant, request.form.get("id", type=int))
            return redirect(url_for("booking.hours", consultant_id=consultant.id))
        status = 422
    return render("booking/hours.html", status=status, consultant=consultant,
                  hours_form=hours_form if request.form.get("what") == "hours" else WeeklyHoursForm(prefix="h", formdata=None),
                  exception_form=exception_form if request.form.get("what") == "exception" else ExceptionForm(prefix="x", formdata=None),
                  delete_form=EmptyForm(), weekdays=WEEKDAY_LABELS,
                  weekly=consultant.weekly_hours.order_by(WeeklyHours.weekday, WeeklyHours.starts),
                  exceptions=consultant.exceptions.where(
                      AvailabilityException.on >= schedule.oslo_today())
                  .order_by(AvailabilityException.on))
