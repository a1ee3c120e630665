"""Upload, replace, delete and download documents: the owner, and staff for download."""
import io

from flask import Blueprint, abort, current_app, flash, redirect, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from playhouse.flask_utils import get_object_or_404

from portal.auth.guard import roles, staff_only
from portal.documents import actions
from portal.documents.forms import UploadForm
from portal.documents.models import Document
from portal.people.actions import current_person, own_or_404
from portal.storage import StorageError
from portal.web.forms import EmptyForm
from portal.web.render import render

bp = Blueprint("documents", __name__)


def _read(upload):
    # One byte more than allowed is enough to know it is too large.
    return upload.read(current_app.config["DOCUMENT_MAX_BYTES"] + 1)


def _page(person, forms=None, status=200):
    forms = forms or {}
    for kind in actions.ALLOWED:
        forms.setdefault(kind, UploadForm(formdata=None, kind=kind))
    return render("documents/documents.html", status=status, person=person,
                  documents=actions.documents_of(person), forms=forms, empty=EmptyForm(),
                  max_mb=current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024))


@bp.route("/account/documents", methods=["GET", "POST"])
@roles("candidate")
def documents():
    """List the person's documents and upload a new one."""
    person = current_person()
    form = UploadForm()
    if form.is_submitted():
        kind = form.kind.data if form.kind.data in actions.ALLOWED else "cv"
        if form.validate():
            upload = form.file.data
            try:
                document = actions.upload(person, form.kind.data, upload.filename, _read(upload))
            except actions.DocumentError as exc:
                form.file.errors = [str(exc)]
                return _page(person, {kind: form}, status=exc.status)
            flash(_("%(name)s is uploaded.", name=document.filename), "success")
            return redirect(url_for("documents.documents"))
        return _page(person, {kind: form}, status=400)
    return _page(person)


@bp.route("/account/documents/<int:document_id>/replace", methods=["POST"])
@roles("candidate")
def replace(document_id):
    """Replace a document with a new file of the same kind."""
    person = current_person()
    document = own_or_404(Document, document_id, person)
    form = UploadForm()
    status = 400
    if form.validate():
        upload = form.file.data
        try:
            new = actions.upload(person, document.kind, upload.filename, _read(upload),
                                 replace=document)
        except actions.DocumentError as exc:
            form.file.errors = [str(exc)]
            status = exc.status
        else:
            flash(_("%(name)s is uploaded.", name=new.filename), "success")
            return redirect(url_for("documents.documents"))
    flash(" ".join(str(e) for e in form.file.errors), "error")
    return _page(person, status=status)


@bp.route("/account/documents/<int:document_id>/delete", methods=["POST"])
@roles("candidate")
def delete(document_id):
    """Delete a document and its file."""
    person = current_person()
    document = own_or_404(Document, document_id, person)
    if EmptyForm().validate_on_submit():
        actions.delete_document(person, document)
        flash(_("%(name)s is deleted.", name=document.filename), "success")
    return redirect(url_for("documents.documents"))


def _send(document, data):
    response = send_file(io.BytesIO(data), mimetype=document.content_type, as_attachment=True,
                         download_name=document.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/documents/<int:document_id>/download")
@roles("candidate")
def download(document_id):
    """Send the owner one of their documents, as an attachment."""
    document = own_or_404(Document, document_id, current_person())
    try:
        return _send(document, actions.read_document(document))
    except StorageError:
        abort(404)


@bp.route("/staff/documents/<int:document_id>/download")
@staff_only
def staff_download(document_id):
    """Send staff a candidate's document, as an attachment; the read is audited."""
    document = get_object_or_404(Document, Document.id == document_id)
    try:
        return _send(document, actions.read_document(document, staff=current_user))
    except StorageError:
        abort(404)
