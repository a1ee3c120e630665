"""The public booking page, the cancel and move links, and staff availability and attendance."""
from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from playhouse.flask_utils import get_object_or_404

from portal.auth.guard import public, staff_only
from portal.booking import actions, availability, schedule
from portal.booking.forms import (
    WEEKDAY_LABELS,
    BookingForm,
    ConsultantForm,
    ExceptionForm,
    SlotForm,
    WeeklyHoursForm,
)
from portal.booking.models import (
    FIELD_LABELS,
    KIND_LABELS,
    PLACE_LABELS,
    AvailabilityException,
    Booking,
    Consultant,
    WeeklyHours,
)
from portal.extensions import limiter
from portal.web.forms import EmptyForm
from portal.web.render import render

bp = Blueprint("booking", __name__)


@bp.app_context_processor
def booking_labels():
    return {"booking_kind_labels": KIND_LABELS, "booking_place_labels": PLACE_LABELS,
            "booking_field_labels": FIELD_LABELS}


def _week():
    return schedule.clamp_week(request.args.get("week", 0))


def _slot_context(week, page_endpoint, fragment_endpoint, **values):
    """What the slot list needs: the week's free slots and links to the weeks around it."""
    return dict(
        week=week, last_week=schedule.weeks_ahead() - 1, days=schedule.slots_by_day(week),
        week_dates=schedule.week_days(week),
        week_href=lambda n: url_for(page_endpoint, week=n, **values),
        week_hx=lambda n: url_for(fragment_endpoint, week=n, **values))


def _book_page(form, status=200, week=None, fragment=None):
    week = _week() if week is None else week
    return render("booking/book.html", fragment=fragment, status=status, form=form,
                  **_slot_context(week, "booking.book", "booking.slots"))


@bp.route("/book", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config.get("BOOKING_LIMIT", "10 per hour"), methods=["POST"])
def book():
    """Show the free times and book one."""
    form = BookingForm()
    if request.method == "GET":
        return _book_page(form)
    if form.is_robot:
        form.website.errors = [_("Leave this field empty.")]
        return _book_page(form, status=422)
    if not form.validate():
        return _book_page(form, status=422)
    try:
        booking = actions.book(form.slot.data, form.kind.data, form.meeting_place.data,
                               form.details(), str(get_locale() or "nb"))
    except schedule.SlotProblem as problem:
        form.slot.errors = [problem.message]
        form.slot.data = ""
        return _book_page(form, status=409 if problem.code == "taken" else 422, week=_week())
    session["booked"] = booking.id
    return redirect(url_for("booking.booked"))


@bp.route("/book/slots")
@public
def slots():
    """Show the free times of one week (the fragment htmx swaps in; a full page otherwise)."""
    return _book_page(BookingForm(formdata=None), fragment="slots")


@bp.route("/book/booked")
@public
def booked():
    """Confirm the booking just made in this browser."""
    booking = Booking.get_or_none(Booking.id == session.get("booked", 0))
    if booking is None:
        return redirect(url_for("booking.book"))
    return render("booking/booked.html", booking=booking, kind=KIND_LABELS[booking.kind],
                  place=PLACE_LABELS[booking.place])


def _link_problem(problem):
    return render("booking/link_problem.html", status=404 if problem.code == "invalid" else 410,
                  message=problem.message)


@bp.route("/book/cancel/<token>", methods=["GET", "POST"])
@public
def cancel(token):
    """Ask whether to cancel, and cancel, the booking behind a cancel link."""
    form = EmptyForm()
    try:
        if form.validate_on_submit():
            booking = actions.cancel(token)
            return render("booking/cancelled.html", booking=booking)
        booking = actions.booking_from_link(token, "cancel")
    except actions.LinkProblem as problem:
        return _link_problem(problem)
    return render("booking/cancel.html", form=form, booking=booking,
                  kind=KIND_LABELS[booking.kind], place=PLACE_LABELS[booking.place])


@bp.route("/book/move/<token>", methods=["GET", "POST"])
@public
def move(token):
    """Show other free times, and move the booking behind a move link to one of them."""
    form = SlotForm()
    try:
        booking = actions.booking_from_link(token, "move")
        status = 200
        if form.validate_on_submit():
            try:
                new = actions.move(token, form.slot.data)
            except schedule.SlotProblem as problem:
                form.slot.errors = [problem.message]
                form.slot.data = ""
                status = 409 if problem.code == "taken" else 422
            else:
                session["booked"] = new.id
                flash(_("Your booking has been moved. We have sent you a new confirmation."), "info")
                return redirect(url_for("booking.booked"))
        elif request.method == "POST":
            status = 422
    except actions.LinkProblem as problem:
        return _link_problem(problem)
    return render("booking/move.html", fragment="slots", status=status, form=form, booking=booking,
                  token=token, kind=KIND_LABELS[booking.kind],
                  place=PLACE_LABELS[booking.place],
                  **_slot_context(_week(), "booking.move", "booking.move", token=token))


# --- Staff -------------------------------------------------------------------------------------

@bp.route("/staff/bookings/<int:booking_id>/attended", methods=["POST"])
@staff_only
def attended(booking_id):
    """Mark a meeting as held; the person reaches the candidate stage."""
    return _mark(booking_id, "attended")


@bp.route("/staff/bookings/<int:booking_id>/no-show", methods=["POST"])
@staff_only
def no_show(booking_id):
    """Mark that the person did not come."""
    return _mark(booking_id, "no_show")


def _mark(booking_id, status):
    booking = get_object_or_404(Booking, Booking.id == booking_id)
    if EmptyForm().validate_on_submit() and actions.mark(booking, status):
        flash(_("Marked as attended.") if status == "attended" else _("Marked as no-show."), "info")
    else:
        flash(_("That booking was already marked or cancelled."), "error")
    return redirect(url_for("staff.queue"))


@bp.route("/staff/consultants", methods=["GET", "POST"])
@staff_only
def consultants():
    """List consultants and add one."""
    form = ConsultantForm()
    if form.validate_on_submit():
        consultant = availability.add_consultant(form.name.data, form.email.data)
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
