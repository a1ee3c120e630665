"""Documents: judged by content, encrypted at rest, photos cleaned, only for their owner and staff."""
import io
import os
import struct
import threading
import tracemalloc
import zipfile
from urllib.parse import quote

import pytest
from PIL import ExifTags, Image

from portal import catalog, storage
from portal.audit.models import AuditEvent
from portal.documents.models import Document
from portal.people.models import Person
from tests.candidates import files
from tests.candidates.files import upload


def stored_files(app):
    root = app.config["DOCUMENT_DIR"]
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT_TYPE = b"application/vnd.oasis.opendocument.text"


def docx(main=DOCX_MAIN, extra=()):
    """A DOCX as Word writes it: [Content_Types].xml first, declaring the main document part."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/word/document.xml" '
                   f'ContentType="{main}"/></Types>')
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", "<w:document><w:body>Arbeidserfaring</w:body></w:document>")
        for name in extra:
            z.writestr(name, b"MZ" + b"\0" * 64)
    return buf.getvalue()


def odt(mimetype=ODT_TYPE, method=zipfile.ZIP_STORED, declared=None):
    """An ODT whose first entry is `mimetype`; `declared` overrides the size its headers claim."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", mimetype, method)
        z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", files.manifest(), zipfile.ZIP_DEFLATED)
    data = bytearray(buf.getvalue())
    if declared is not None:
        struct.pack_into("<I", data, 22, declared)                              # local header
        struct.pack_into("<I", data, data.index(b"PK\x01\x02") + 24, declared)  # central directory
    return bytes(data)


def damaged(data, method=None, encrypted=False, corrupt=False):
    """The zip with its first entry given an unknown method, the encrypted flag or broken data."""
    data = bytearray(data)
    central = data.index(b"PK\x01\x02")
    if method is not None:
        struct.pack_into("<H", data, 8, method)
        struct.pack_into("<H", data, central + 10, method)
    if encrypted:
        struct.pack_into("<H", data, 6, 1)
        struct.pack_into("<H", data, central + 8, 1)
    if corrupt:
        start = 30 + sum(struct.unpack_from("<HH", data, 26))
        data[start:start + 6] = b"\xff" * 6
    return bytes(data)


def jpeg_with_broken_exif():
    """A JPEG whose EXIF asks for rotation and has a mistyped tag (Pillow: struct.error)."""
    ifd = struct.pack(">H", 2)
    ifd += struct.pack(">HHI", 0x0112, 3, 1) + struct.pack(">HH", 6, 0)  # Orientation 6
    ifd += struct.pack(">HHI", 0x0140, 2, 2) + b"x\0\0\0"               # ColorMap, as text
    app1 = b"Exif\0\0" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd + struct.pack(">I", 0)
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buf, "JPEG")
    jpeg = buf.getvalue()
    return jpeg[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + jpeg[2:]


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
    (docx, "cv.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (odt, "cv.odt", "application/vnd.oasis.opendocument.text"),
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
    ("certificate", docx(), "cert.pdf", "Et sertifikat må være en PDF-, JPEG- eller PNG-fil."),
    ("cv", files.docx_bomb(), "cv.docx", "pakkes ut til langt mer enn"),
    ("photo", files.png_claiming(30000, 30000), "big.png", "Bildet er for stort"),
    ("cv", files.pdf() + b"0" * (11 * 1024 * 1024), "big.pdf", "Filen er større enn 10 MB"),
    ("cv", files.pdf(), "../../etc/cv.pdf", "Filnavnet inneholder tegn"),
    ("cv", files.pdf(), "a" * 296 + ".pdf", "Filnavnet er for langt. Gi filen et kortere navn "
                                           "(høyst 255 tegn)"),
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


UNREADABLE = "Vi klarte ikke å lese dokumentet. Det kan være skadet eller passordbeskyttet."
WRONG_CV = "En CV må være en PDF-, Word- (DOCX) eller OpenDocument-fil (ODT)."
ACTIVE = "Dokumentet inneholder makroer eller programmer"

BAD_OFFICE = [
    (damaged(docx(), corrupt=True), "cv.docx", UNREADABLE),
    (damaged(docx(), method=99), "cv.docx", UNREADABLE),
    (damaged(docx(), encrypted=True), "cv.docx", UNREADABLE),
    (damaged(odt(method=zipfile.ZIP_DEFLATED), corrupt=True), "cv.odt", UNREADABLE),
    (damaged(odt(method=zipfile.ZIP_DEFLATED), method=99), "cv.odt", UNREADABLE),
    (damaged(odt(method=zipfile.ZIP_DEFLATED), encrypted=True), "cv.odt", UNREADABLE),
    (damaged(odt(), corrupt=True), "cv.odt", UNREADABLE),
    (odt(method=zipfile.ZIP_DEFLATED), "cv.odt", UNREADABLE),
    (odt(mimetype=ODT_TYPE + b"\n"), "cv.odt", WRONG_CV),
    (odt(mimetype=b"application/vnd.oasis.opendocument.text-template"), "cv.odt", WRONG_CV),
    (docx(main="application/vnd.ms-word.document.macroEnabled.main+xml",
          extra=["word/vbaProject.bin"]), "cv.docx", ACTIVE),
    (docx(extra=["word/vbaProject.bin"]), "cv.docx", ACTIVE),
    (docx(extra=["word/embeddings/Setup.EXE"]), "cv.docx", ACTIVE),
    (docx(extra=["word/media/run.ps1"]), "cv.docx", ACTIVE),
    (docx(main="application/vnd.openxmlformats-officedocument.presentationml.presentation"
               ".main+xml"),
     "cv.docx", WRONG_CV),
]


@pytest.mark.parametrize("data, name, message", BAD_OFFICE, ids=[
    "docx-corrupt-deflate", "docx-unknown-compression", "docx-encrypted", "odt-corrupt-deflate",
    "odt-unknown-compression", "odt-encrypted", "odt-corrupt-stored", "odt-compressed-mimetype",
    "odt-mimetype-newline", "odt-template", "docm", "docx-vba", "docx-exe", "docx-ps1", "pptx"])
def test_damaged_or_active_office_files_are_refused_and_store_nothing(app, client, candidate,
                                                                      data, name, message):
    events = AuditEvent.select().count()
    response = upload(client, "cv", data, name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert Document.select().count() == 0 and stored_files(app) == []
    assert AuditEvent.select().count() == events


def test_odt_mimetype_declared_small_but_a_deflate_bomb_is_never_unpacked(app, client, candidate):
    bomb = odt(mimetype=b"\0" * (60 * 1024 * 1024), method=zipfile.ZIP_DEFLATED, declared=40)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        response = upload(client, "cv", bomb, "cv.odt")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * 1024 * 1024  # the 60 MB inside never came to memory
    assert response.status_code == 400
    assert UNREADABLE in response.get_data(as_text=True)
    assert Document.select().count() == 0 and stored_files(app) == []


def test_photo_with_broken_exif_is_kept_unrotated(client, candidate):
    response = upload(client, "photo", jpeg_with_broken_exif(), "me.jpg")
    assert response.status_code == 302
    photo = Document.get(Document.kind == "photo")
    back = Image.open(io.BytesIO(client.get(f"/account/documents/{photo.id}/download").data))
    assert back.size == (40, 30)


def upload_named(client, data, name):
    """A CV upload whose file name arrives exactly as given (RFC 2231), backslashes included."""
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\ncv\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
            f"filename*=UTF-8''{quote(name, safe='')}\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + (
            f"\r\n--{boundary}--\r\n").encode()
    return client.post("/account/documents", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


@pytest.mark.parametrize("name, kept", [
    ("رزومه\u200cی من.pdf", "رزومه\u200cی من.pdf"),             # Persian, zero-width non-joiner
    ("\U0001F469\u200d\U0001F4BB CV.pdf", "\U0001F469\u200d\U0001F4BB CV.pdf"),  # emoji ZWJ
    ("C:\\Users\\kari\\Documents\\Min CV.pdf", "Min CV.pdf"),   # old browsers send the path
    ("/home/kari/Min CV.pdf", "Min CV.pdf"),
    ("Min\tCV\x07.pdf", "MinCV.pdf"),                             # control characters dropped
    ("faktura\u202efdp.exe", "fakturafdp.pdf"),                    # no right-to-left override
    ("Rapport..endelig.pdf", "Rapport..endelig.pdf"),
    ("a" * 250 + ".pdf", "a" * 95 + ".pdf"),                        # cut to the stored 100
])
def test_file_names_are_cleaned_not_refused(client, candidate, name, kept):
    response = upload_named(client, files.pdf(), name)
    assert response.status_code == 302
    assert Document.get().filename == kept
    assert kept in client.get("/account/documents").get_data(as_text=True)


@pytest.mark.parametrize("name", ["..\\..\\cv.pdf", "C:\\Users\\..\\cv.pdf", "..", "a/../cv.pdf"])
def test_file_names_that_climb_are_refused(app, client, candidate, name):
    response = upload_named(client, files.pdf(), name)
    assert response.status_code == 400
    assert "Filnavnet inneholder tegn som ikke er tillatt" in response.get_data(as_text=True)
    assert Document.select().count() == 0 and stored_files(app) == []


def _same_person_twice(app, client):
    """A second browser of the same logged-in person."""
    with client.session_transaction() as session:
        saved = dict(session)
    other = app.test_client()
    with other.session_transaction() as session:
        session.update(saved)
    return other


def _at_once(app, monkeypatch, uploads):
    """Run the uploads in threads that all get past the checks before any is saved."""
    from cryptography.fernet import Fernet
    # A configured key, as in production: the generated development key file is not made for
    # two first uploads at once.
    app.config["DOCUMENT_KEYS"] = Fernet.generate_key().decode()
    barrier = threading.Barrier(len(uploads), timeout=10)
    real_put = storage.put

    def put(data):
        storage_id = real_put(data)
        barrier.wait()  # every upload has its file written; now they race to the database
        return storage_id

    monkeypatch.setattr(storage, "put", put)
    responses = [None] * len(uploads)

    def run(i):
        responses[i] = uploads[i]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(uploads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def test_two_cvs_at_once_leave_one_cv(app, client, candidate, monkeypatch):
    other = _same_person_twice(app, client)
    responses = _at_once(app, monkeypatch, [
        lambda: upload(client, "cv", files.pdf("first"), "first.pdf"),
        lambda: upload(other, "cv", files.pdf("second"), "second.pdf")])
    assert [r.status_code for r in responses] == [302, 302]
    assert Document.select().where(Document.kind == "cv").count() == 1
    assert len(stored_files(app)) == 1


def test_quota_holds_for_uploads_at_once(app, client, candidate, monkeypatch):
    app.config["DOCUMENT_QUOTA_BYTES"] = 3000  # one PDF of ~2 KB fits, two do not
    other = _same_person_twice(app, client)
    responses = _at_once(app, monkeypatch, [
        lambda: upload(client, "certificate", files.pdf("a"), "a.pdf"),
        lambda: upload(other, "certificate", files.pdf("b"), "b.pdf")])
    assert sorted(r.status_code for r in responses) == [302, 400]
    refused = next(r for r in responses if r.status_code == 400)
    assert "Slett et dokument" in refused.get_data(as_text=True)
    assert Document.select().count() == 1
    assert len(stored_files(app)) == 1  # the refused upload's file is gone again
    assert AuditEvent.select().where(AuditEvent.action == "document.uploaded").count() == 1


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
