"""The staff work queue."""
from flask import Blueprint

from portal.auth.guard import staff_only
from portal.staff import actions
from portal.web.render import render

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.route("/queue")
@staff_only
def queue():
    """Show what waits for staff, most urgent first."""
    return render("staff/queue.html", sections=actions.queue_sections())
