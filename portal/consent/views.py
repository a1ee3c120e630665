"""The person's consents: give or withdraw with one click, and see every earlier decision."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _

from portal import catalog
from portal.auth.guard import roles
from portal.consent import actions
from portal.people.actions import current_person
from portal.web.forms import EmptyForm
from portal.web.render import render

bp = Blueprint("consent", __name__, url_prefix="/account/consents")


@bp.route("")
@roles("candidate")
def consents():
    """Show the current consent per purpose and the full history."""
    person = current_person()
    return render("consent/consents.html", current=actions.current(person),
                  history=actions.history(person), purposes=catalog.PURPOSES, form=EmptyForm(),
                  policy_version=catalog.POLICY_VERSION)


@bp.route("/<purpose>", methods=["POST"])
@roles("candidate")
def decide(purpose):
    """Give or withdraw consent for one purpose; it takes effect at once."""
    if purpose not in catalog.CONSENT_PURPOSES:
        abort(404)
    person = current_person()
    if EmptyForm().validate_on_submit():
        given = request.form.get("given") == "1"
        actions.decide(person, purpose, given)
        label = catalog.PURPOSES[purpose].label
        flash(_("Consent given: %(purpose)s.", purpose=label) if given
              else _("Consent withdrawn: %(purpose)s. It applies from now on.", purpose=label),
              "success")
    return redirect(url_for("consent.consents"))
