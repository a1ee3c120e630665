"""Documents: judged by content, encrypted at rest, photos cleaned, only for their owner and staff."""
import io
import os

import pytest
from PIL import ExifTags, Image

from portal import catalog
from portal.audit.models import AuditEvent
from portal.candidates.models import Person
from portal.documents.models import Document
from tests.candidates import files
from tests.candidates.files import upload


def stored_files(app):
    root = app.config["DOCUMENT_DIR"]
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


def test_cv_is_stored_encrypted_and_opens_the_candidate_stage(app, client, booked):
    data = files.pdf("Kari Nordmann plaintext marker 4711")
    response = upload(client, "cv", data, "Min CV.pdf")
    assert response.status_code == 302
    page = client.get("/account/documents").get_data(as_text=True)
    assert "Min CV.pdf" in page and "er lastet opp" in page
    document = Document.get()
    assert (document.kind, document.content_type, document.size) == ("cv", "application/pdf", len(data))
    assert Person.get_by_id(booked.person_id).stage == catalog.CANDIDATE
    [path] = stored_files(app)
    raw = open(path, "rb").read()
    assert b"plaintext marker" not in raw and b"%PDF" not in raw
    assert document.storage_id in path and "Min CV" not in path
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"

    download = client.get(f"/account/documents/{document.id}/download")
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("maker, name, kind", [
    (files.docx, "cv.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (files.odt, "cv.odt", "application/vnd.oasis.opendocument.text"),
])
def test_word_and_opendocument_cvs_are_accepted(client, booked, maker, name, kind):
    assert upload(client, "cv", maker(), name).status_code == 302
    assert Document.get().content_type == kind


def test_a_new_cv_replaces_the_old_one_and_its_file(app, client, candidate):
    upload(client, "cv", files.pdf("first"), "first.pdf")
    upload(client, "cv", files.pdf("second"), "second.pdf")
    assert [d.filename for d in Document.select()] == ["second.pdf"]
    assert len(stored_files(app)) == 1


def test_photo_comes_back_without_gps_and_scaled(client, candidate):
    original = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # precondition
    assert upload(client, "photo", original, "me.jpg").status_code == 302
    photo = Document.get(Document.kind == "photo")
    back = client.get(f"/account/documents/{photo.id}/download").data
    image = Image.open(io.BytesIO(back))
    assert image.format == "JPEG" and max(image.size) == 800
    exif = image.getexif()
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo) and ExifTags.Base.Make not in exif
    assert b"SpyCam" not in back


def test_webp_photo_is_re_encoded(client, candidate):
    assert upload(client, "photo", files.webp(), "me.webp").status_code == 302
    assert Document.get().content_type == "image/jpeg"
    assert Document.get().filename == "me.jpg"


def test_photo_and_certificates_wait_for_the_candidate_stage(client, booked):
    response = upload(client, "photo", files.png(), "me.png")
    assert response.status_code == 400
    assert "Last opp CV-en din først" in response.get_data(as_text=True)
    assert Document.select().count() == 0


BAD = [
    ("cv", files.HTML, "cv.pdf", "En CV må være en PDF-, Word- (DOCX) eller OpenDocument-fil (ODT)."),
    ("cv", files.EXE, "cv.pdf", "En CV må være en PDF-, Word- (DOCX) eller OpenDocument-fil (ODT)."),
    ("cv", files.ELF, "cv.docx", "En CV må være en PDF-, Word- (DOCX) eller OpenDocument-fil (ODT)."),
    ("photo", files.SVG, "me.png", "Et profilbilde må være et JPEG-, PNG- eller WebP-bilde."),
    ("photo", files.HTML, "x.php.jpg", "Et profilbilde må være et JPEG-, PNG- eller WebP-bilde."),
    ("certificate", files.docx(), "cert.pdf", "Et sertifikat må være en PDF-, JPEG- eller PNG-fil."),
    ("cv", files.docx_bomb(), "cv.docx", "pakkes ut til langt mer enn"),
    ("photo", files.png_claiming(30000, 30000), "big.png", "Bildet er for stort"),
    ("cv", files.pdf() + b"0" * (11 * 1024 * 1024), "big.pdf", "Filen er større enn 10 MB"),
    ("cv", files.pdf(), "../../etc/cv.pdf", "Filnavnet inneholder tegn"),
    ("cv", files.pdf(), "a" * 296 + ".pdf", "Filnavnet er for langt"),
    ("cv", b"", "empty.pdf", "Filen er tom"),
]


@pytest.mark.parametrize("kind, data, name, message", BAD, ids=[
    "html-as-pdf", "exe-as-pdf", "elf-as-docx", "svg-photo", "html-as-jpg", "docx-certificate",
    "docx-zip-bomb", "pixel-flood", "11-mb", "dotdot-name", "300-char-name", "empty"])
def test_bad_uploads_are_refused_with_a_message_and_store_nothing(app, client, candidate, kind,
                                                                 data, name, message):
    events = AuditEvent.select().count()
    response = upload(client, kind, data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert Document.select().count() == 0
    assert stored_files(app) == []
    assert AuditEvent.select().count() == events


def test_file_name_with_cr_lf_is_refused(app, client, candidate):
    # A browser percent-encodes CR/LF; only a crafted request carries them, here RFC 2231-encoded.
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncv\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename*=UTF-8''cv%0D%0AContent-Type%3A%20text%2Fhtml.pdf\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + files.pdf() + (
            f"\r\n--{boundary}--\r\n").encode()
    response = client.post("/account/documents", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400
    assert "Filnavnet inneholder tegn som ikke er tillatt" in response.get_data(as_text=True)
    assert Document.select().count() == 0 and stored_files(app) == []


def test_bad_upload_message_in_english(client, candidate):
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = upload(client, "photo", files.SVG, "me.svg")
    assert "A profile photo must be a JPEG, PNG or WebP image." in response.get_data(as_text=True)


def test_quota_per_person(app, client, candidate):
    app.config["DOCUMENT_QUOTA_BYTES"] = 5000
    assert upload(client, "certificate", files.pdf(), "a.pdf").status_code == 302
    assert upload(client, "certificate", files.pdf(), "b.pdf").status_code == 302
    response = upload(client, "certificate", files.pdf(), "c.pdf")
    assert response.status_code == 400
    assert "Delete a document" not in response.get_data(as_text=True)
    assert "Slett et dokument" in response.get_data(as_text=True)
    assert Document.select().count() == 2


def test_replace_and_delete(app, client, candidate):
    upload(client, "certificate", files.pdf("one"), "one.pdf")
    document = Document.get()
    response = upload(client, "certificate", files.png(), "scan.png",
                      url=f"/account/documents/{document.id}/replace")
    assert response.status_code == 302
    [new] = Document.select()
    assert (new.filename, new.content_type) == ("scan.png", "image/png")
    assert len(stored_files(app)) == 1
    assert client.post(f"/account/documents/{new.id}/delete").status_code == 302
    assert Document.select().count() == 0 and stored_files(app) == []
    assert AuditEvent.select().where(AuditEvent.action == "document.deleted").count() == 1


def test_staff_download_is_audited_and_candidates_cannot_use_it(client, login_as, candidate):
    upload(client, "cv", files.pdf(), "cv.pdf")
    document = Document.get()
    assert client.get(f"/staff/documents/{document.id}/download").status_code == 403
    staff = login_as("staff")
    response = client.get(f"/staff/documents/{document.id}/download")
    assert response.status_code == 200 and response.headers["Content-Disposition"].startswith("attachment")
    event = AuditEvent.select().where(AuditEvent.action == "document.downloaded_by_staff").get()
    assert (event.actor_id, event.person_id) == (staff.id, candidate.person_id)


def test_key_rotation_keeps_old_files_readable(app):
    from cryptography.fernet import Fernet

    from portal import storage
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["DOCUMENT_KEYS"] = old
    storage_id = storage.put(b"secret bytes")
    app.config["DOCUMENT_KEYS"] = f"{new},{old}"
    assert storage.get(storage_id) == b"secret bytes"
    storage.rotate(storage_id)
    app.config["DOCUMENT_KEYS"] = new
    assert storage.get(storage_id) == b"secret bytes"
