"""Demo consultants for an empty development database."""
from datetime import date, time, timedelta

from portal.booking.availability import add_consultant, add_exception, add_weekly_hours
from portal.booking.models import Consultant


def load_demo_data(password):
    """Demo consultants with weekday opening hours."""
    for name, email, hours in (
            ("Ingrid Bakke", "ingrid.bakke@ressursbasen.no", (time(9), time(15))),
            ("Jonas Lie", "jonas.lie@ressursbasen.no", (time(8), time(12))),
            ("Amina Hassan", "amina.hassan@ressursbasen.no", (time(12), time(17)))):
        consultant = add_consultant(name, email)
        for weekday in range(5):
            add_weekly_hours(consultant, weekday, *hours)
    today = date.today()
    add_exception(Consultant.get(Consultant.name == "Jonas Lie"),
                  today + timedelta(days=(5 - today.weekday()) % 7 + 7), "extra",
                  time(10), time(13))
