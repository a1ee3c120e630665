"""What booking brings: the public booking page, consultants' hours, reminders, the queue's bookings."""
from jobs.booking import remove_expired_pending, send_reminders
from portal.booking import actions, demo, models, views

__all__ = ["blueprint", "models", "load_demo_data", "queue_section", "cron"]  # what this feature declares

blueprint = views.bp
load_demo_data = demo.load_demo_data
queue_section = actions.queue_section
cron = ((send_reminders, {"interval": 15 * 60}),
        (remove_expired_pending, {"interval": 60}))
