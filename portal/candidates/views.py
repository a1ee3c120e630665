"""The candidate's own pages: the overview of what we hold, and the profile edited in place."""
from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.auth.guard import roles
from portal.candidates import actions, overview
from portal.candidates.forms import ContactForm
from portal.people import registry
from portal.people.actions import current_person, own_or_404
from portal.web.forms import EmptyForm
from portal.web.render import render, wants_fragment

bp = Blueprint("candidates", __name__, url_prefix="/account")


def _section(key):
    section = actions.SECTIONS.get(key)
    if section is None:
        abort(404)
    return section


def _own_row(section_key, row_id):
    """(person, section, row) of the logged-in candidate's own row; redirects while closed."""
    person, section = current_person(), _section(section_key)
    if not person.is_candidate:
        abort(_stage_closed())
    row = own_or_404(section.model, row_id, person)
    return person, section, row


def _stage_closed():
    flash(_("These sections open when you upload your CV, or after your meeting with us."), "info")
    return redirect(url_for("candidates.profile"))


def _row_page(section, row, mode, form=None, status=200, created=False):
    return render("candidates/row.html", fragment="row", status=status, section=section, row=row,
                  mode=mode, form=form, created=created, describe=actions.describe)


@bp.route("")
@roles("candidate")
def account():
    """Show everything the agency holds about the person: why, on what basis, until when, who
    gave it and who received it; bookings, consents, logins and sessions too."""
    person = current_person()
    this_browser = getattr(getattr(current_user, "login_session", None), "id", None)
    groups, records = overview.account_page(person, this_browser)
    return render("candidates/account.html", person=person, groups=groups, records=records,
                  sources=overview.SOURCES, open=request.args.get("open"))


def _contact_page(person, mode, form=None, status=200, saved=None):
    return render("candidates/contact.html", fragment="contact", status=status, person=person,
                  mode=mode, contact_form=form if form is not None else _shown_contact(person), saved=saved)


def _shown_contact(person):
    """The correction form filled in with what is held, nothing posted (labels and values)."""
    return ContactForm(obj=person, formdata=None)


@bp.route("/profile/contact", methods=["GET", "POST"])
@roles("candidate")
def contact():
    """Show the contact details, or correct them from the edit form (at any stage)."""
    person = current_person()
    form = ContactForm(obj=person)
    if not form.is_submitted():
        return _contact_page(person, "show")
    if form.validate():
        try:
            changed = registry.rectify(person, form.changes(), by="person")
        except registry.NotRectifiable as exc:
            form.form_errors.append(exc.message)
        else:
            message = (_("Thank you. Your contact details are corrected.") if changed
                       else _("Nothing was changed."))
            if wants_fragment():
                return _contact_page(person, "show", saved=message)
            flash(message, "success" if changed else "info")
            return redirect(url_for("candidates.profile", _anchor="contact"))
    return _contact_page(person, "edit", form, status=_error_status(form))


@bp.route("/profile/contact/edit")
@roles("candidate")
def edit_contact():
    """Show the form that corrects the contact details."""
    person = current_person()
    return _contact_page(person, "edit", ContactForm(obj=person))


@bp.route("/profile")
@roles("candidate")
def profile():
    """Show every profile section with its rows."""
    person = current_person()
    sections = [(s, actions.rows(person, s) if person.is_candidate else [])
                for s in actions.SECTIONS.values()]
    return render("candidates/profile.html", person=person, sections=sections,
                  describe=actions.describe, delete_form=EmptyForm(),
                  contact_form=_shown_contact(person))


@bp.route("/profile/<section>/new", methods=["GET", "POST"])
@roles("candidate")
def new_row(section):
    """Show an empty row form and add the row."""
    person, section = current_person(), _section(section)
    if not person.is_candidate or section.single:
        return _stage_closed() if not person.is_candidate else abort(404)
    form = section.form()
    if form.validate_on_submit():
        row = actions.save_row(person, section, form)
        if wants_fragment():
            return _row_page(section, row, "show", created=True)
        flash(_("Saved."), "success")
        return redirect(url_for("candidates.profile", _anchor=f"section-{section.key}"))
    return _row_page(section, None, "edit", form, status=_error_status(form))


def _error_status(form):
    # htmx swaps only 2xx answers; a browser without JS gets the honest 400.
    return 400 if form.errors and not wants_fragment() else 200


@bp.route("/profile/<section>/<int:row_id>", methods=["GET", "POST"])
@roles("candidate")
def row(section, row_id):
    """Show one row, or save it from its edit form."""
    person, section, row = _own_row(section, row_id)
    form = section.form(obj=row)
    if form.is_submitted():
        if form.validate():
            row = actions.save_row(person, section, form, row)
            if wants_fragment():
                return _row_page(section, row, "show")
            flash(_("Saved."), "success")
            return redirect(url_for("candidates.profile", _anchor=f"section-{section.key}"))
        return _row_page(section, row, "edit", form, status=_error_status(form))
    return _row_page(section, row, "show")


@bp.route("/profile/<section>/<int:row_id>/edit")
@roles("candidate")
def edit_row(section, row_id):
    """Show the edit form of one row."""
    person, section, row = _own_row(section, row_id)
    return _row_page(section, row, "edit", section.form(obj=row))


@bp.route("/profile/<section>/<int:row_id>/delete", methods=["POST"])
@roles("candidate")
def delete_row(section, row_id):
    """Delete one row of a list section."""
    person, section, row = _own_row(section, row_id)
    if section.single:
        abort(404)
    actions.delete_row(person, section, row)
    if wants_fragment():
        return render("candidates/row.html", fragment="deleted", section=section)
    flash(_("Deleted."), "success")
    return redirect(url_for("candidates.profile", _anchor=f"section-{section.key}"))
