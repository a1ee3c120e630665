"""The privacy policy, rendered from the data catalog."""
from flask import Blueprint

from portal import catalog
from portal.auth.guard import public
from portal.web.render import render

bp = Blueprint("privacy", __name__)


@bp.route("/privacy")
@public
def policy():
    """Show what we hold, why, on what basis, for how long, who gets it, and the person's rights."""
    return render("privacy/policy.html", catalog=catalog,
                  stages=[(catalog.BOOKING, catalog.categories(catalog.BOOKING)),
                          (catalog.CANDIDATE, catalog.categories(catalog.CANDIDATE)),
                          (catalog.CUSTOMER, catalog.categories(catalog.CUSTOMER))])
