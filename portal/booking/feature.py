"""What booking brings: the public booking page, consultants' hours, reminders, the queue's bookings."""
from flask_babel import lazy_gettext as _l

from jobs.booking import send_reminders
from portal import catalog
from portal.booking import demo, emails, models, staff_queue, views
from portal.people.holdings import Expiry, NoPersonalData, Rows, Tell

__all__ = ["blueprint", "models", "load_demo_data", "queue_section", "cron", "personal_data",
           "no_personal_data"]  # what this feature declares

blueprint = views.bp
load_demo_data = demo.load_demo_data
queue_section = staff_queue.queue_section
cron = ((send_reminders, {"interval": 15 * 60}),)

# A booking's typed details are exported under name, address and phone; the meeting itself
# under bookings. A booking waiting for its code is found by the address it was typed with.
# Erasing a person with a meeting still to come cancels it in the consultant's calendar.
bookings = Rows(models.Booking, category="bookings", person="person", source="booking")
personal_data = (
    bookings,
    Tell(bookings, gather=emails.coming_meetings, tell=emails.send_erased_cancellations,
         name="the consultant of a meeting still to come"),
    Rows(models.PendingBooking, category="codes", email="email", source="booking",
         withheld=("token",), expires=Expiry(catalog.UNTIL_PROVEN)),
)
_STAFF = _l("The agency's consultants and their working hours: staff data, not data about the "
            "people who book.")
no_personal_data = tuple(NoPersonalData(m, _STAFF) for m in (
    models.Consultant, models.WeeklyHours, models.AvailabilityException))
