"""What privacy requests bring: asking about one's data (access, correction, erasure, a
question) publicly with a code or from the account, deadlines, the staff steps in the queue,
and the copy of one's data for access."""
from jobs.requests import expire_exports, relay_exports, remove_unproven_requests
from portal import catalog
from portal.people.holdings import Expiry, Files, Rows
from portal.requests import cli, demo, models, staff_queue, views

__all__ = ["blueprint", "models", "cli", "cron", "queue_section", "load_demo_data",
           "personal_data"]  # what this feature declares

blueprint = views.bp
cli = (cli.requests,)
queue_section = staff_queue.queue_sections
load_demo_data = demo.load_demo_data
cron = ((relay_exports, {"interval": 60}),
        (remove_unproven_requests, {"interval": 10 * 60}),
        (expire_exports, {"interval": 60 * 60}))

# A request is found by its Person, or by the address it was asked from (someone we may know
# only by it); the random token naming an unproven request in its browser is never copied out.
# An answered request goes three years after it was closed (the retention sweep; its copy goes
# with it, the zip the same night as a file no row names); one never proven, after 24 hours
# (remove_unproven_requests). A copy is found as its request is; its zip is deleted five days
# after release (expire_exports) and leaves with the row at an erasure.
exports = Rows(models.AccessExport, category="requests", person="person", email="email",
               whole_row=True, source="portal")
# A request nobody proved is what a stranger may have typed with someone's address: not part of
# that person's copy or account page (it would put a stranger's name and words there, as if
# they were the person's own); it still goes with them at an erasure, and after 24 hours.
personal_data = (
    Rows(models.PrivacyRequest, category="requests", person="person", email="email",
         whole_row=True, withheld=("token",), created="received_at",
         expires=Expiry(catalog.AFTER_REQUEST_CLOSED),
         exported=lambda: models.PrivacyRequest.status != models.RECEIVED),
    exports,
    Files(exports),
)
