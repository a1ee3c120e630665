"""When a privacy request is due, as GDPR art. 12(3) counts it, and how urgent it is.

"Within one month of receipt" is counted as Regulation 1182/71 counts periods in months: the
period ends on the day of the following month with the same number as the day of receipt, or,
when that month has no such day, on its last day (received 31 January: due 28 February, or 29
in a leap year). Days are Oslo calendar days. A due date that falls on a weekend or holiday is
not moved later: answering earlier is always allowed, later never.
"""
import calendar
from datetime import date

from portal.db import utcnow
from portal.web.formats import to_oslo

FIRST_PERIOD = 1   # months
MAX_PERIOD = 3     # months in all, the extension of art. 12(3) included

# How many days are left, as the staff queue colours it.
OK, SOON, URGENT, OVERDUE = "ok", "soon", "urgent", "overdue"


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, or the last day of that month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def oslo_date(moment=None):
    """The Oslo calendar day of a stored (naive UTC) datetime; today by default."""
    return to_oslo(moment or utcnow()).date()


def first_due_date(received_at):
    """The day a request received at `received_at` (naive UTC) must be answered by."""
    return add_months(oslo_date(received_at), FIRST_PERIOD)


def latest_due_date(received_at):
    """The latest a request may be answered with every extension the law allows."""
    return add_months(oslo_date(received_at), MAX_PERIOD)


def months_extended(received_at, due_on):
    """How many months a request's due date has been extended by (0, 1 or 2)."""
    start = oslo_date(received_at)
    return next((m - FIRST_PERIOD for m in range(FIRST_PERIOD, MAX_PERIOD + 1)
                 if add_months(start, m) == due_on), 0)


def days_left(due_on, today=None):
    """Whole days until the due date: 0 on the day itself, negative once it has passed."""
    return (due_on - (today or oslo_date())).days


def urgency(days):
    """The colour class of a number of days left: at least 10, under 10, under 5, overdue."""
    if days < 0:
        return OVERDUE
    if days < 5:
        return URGENT
    if days < 10:
        return SOON
    return OK
