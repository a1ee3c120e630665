"""The candidate's own pages: the overview of what we hold, and the profile edited in place."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _

from portal.auth.guard import roles
from portal.candidates import actions
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
    """Show what the agency holds about the person, why, on what basis, until when, and for whom."""
    person = current_person()
    return render("candidates/account.html", person=person, groups=actions.overview_groups(person))


@bp.route("/profile")
@roles("candidate")
def profile():
    """Show every profile section with its rows."""
    person = current_person()
    sections = [(s, actions.rows(person, s) if person.is_candidate else [])
                for s in actions.SECTIONS.values()]
    return render("candidates/profile.html", person=person, sections=sections,
                  describe=actions.describe, delete_form=EmptyForm())


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
