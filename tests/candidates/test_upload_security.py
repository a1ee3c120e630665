"""Uploads a tester would try next: macro, ActiveX, OLE and script parts in office files, pixel
floods just under the limit, and one account sending upload after upload."""
import io
import os
import re
import threading
import warnings
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from PIL import ImageFile

from portal import catalog
from portal.audit.models import AuditEvent
from portal.auth.actions import start_session
from portal.documents.models import Document
from tests.candidates import files
from tests.candidates.files import (
    DOCM_MAIN,
    DOCX_MAIN,
    VBA,
    content_types,
    default,
    docx_package,
    manifest,
    odt_package,
    override,
    upload,
)
from tests.factories import make_person, make_user


def _twice(first, second):
    """A DOCX with two [Content_Types].xml entries: which one would Word read?"""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile: "Duplicate name"
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("[Content_Types].xml", first)
            z.writestr("[Content_Types].xml", second)
            z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def stored_files(app):
    root = app.config["DOCUMENT_DIR"]
    return [os.path.join(d, f) for d, _, names in os.walk(root) for f in names]


ACTIVE = "Dokumentet inneholder makroer eller programmer"
EMBEDDED = "Dokumentet inneholder innebygde objekter"
UNREADABLE = "Vi klarte ikke å lese dokumentet. Det kan være skadet eller passordbeskyttet."
WRONG_CV = "En CV må være en PDF-, Word- (DOCX) eller OpenDocument-fil (ODT)."
MAIN = override("/word/document.xml", DOCX_MAIN)
OLE = "application/vnd.openxmlformats-officedocument.oleObject"
BILLION_LAUGHS = ('<!DOCTYPE Types [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                  '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>')

MACRO_OFFICE = [
    ("docm-disguised", files.disguised_docm(), ACTIVE),
    ("vba-part-under-an-image-name", docx_package(
        content_types(MAIN, override("/word/media/image1.png", VBA)),
        {"word/media/image1.png": files.VBA_BYTES}), ACTIVE),
    ("vba-by-default-extension", docx_package(
        content_types(default("dat", VBA), MAIN), {"word/settings2.dat": files.VBA_BYTES}), ACTIVE),
    ("vba-type-in-capitals", docx_package(
        content_types(MAIN, override("/word/x.bin", VBA.upper())), {"word/x.bin": files.VBA_BYTES}),
     ACTIVE),
    ("vba-data", docx_package(content_types(
        MAIN, override("/word/vbaData.xml", "application/vnd.ms-word.vbaData+xml"))), ACTIVE),
    ("macro-template-beside-docx-main", docx_package(content_types(
        MAIN, override("/word/glossary/document.xml",
                       "application/vnd.ms-word.template.macroEnabledTemplate.main+xml"))), ACTIVE),
    ("embedded-xlsm", docx_package(content_types(
        MAIN, default("xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12")),
        {"word/embeddings/Sheet1.xlsm": b"PK\x03\x04"}), ACTIVE),
    ("keymap", docx_package(content_types(
        MAIN, override("/word/customizations.xml",
                       "application/vnd.ms-word.keyMapCustomizations+xml"))), ACTIVE),
    ("activex", docx_package(content_types(
        MAIN, default("bin", "application/vnd.ms-office.activeX"),
        override("/word/activeX/activeX1.xml", "application/vnd.ms-office.activeX+xml")),
        {"word/activeX/activeX1.xml": b"<ax:ocx/>", "word/activeX/activeX1.bin": b"\0" * 32}),
     ACTIVE),
    ("ole-object", docx_package(content_types(MAIN, default("bin", OLE)),
                                {"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 60}),
     EMBEDDED),
    ("docx-type-only-in-a-comment", docx_package(content_types(f"<!-- {MAIN} -->")), WRONG_CV),
    ("docx-type-only-in-the-prolog", docx_package(content_types(before=f"<!-- {DOCX_MAIN} -->")),
     WRONG_CV),
    ("docx-type-as-a-part-name", docx_package(content_types(
        override("/word/document.xml", "application/xml"),
        override(f"/{DOCX_MAIN}", "application/xml"))), WRONG_CV),
    ("docx-type-in-another-namespace", docx_package(
        content_types().replace(files.CT_NS, "urn:example:not-opc")
        .replace("</Types>", f"{MAIN}</Types>")), WRONG_CV),
    ("content-types-with-entities", docx_package(content_types(MAIN, before=BILLION_LAUGHS)),
     UNREADABLE),
    ("content-types-twice", _twice(content_types(override("/word/document.xml", DOCM_MAIN)),
                                   content_types(MAIN)), UNREADABLE),
    ("content-types-not-xml", docx_package(f"<Types><Override ContentType='{DOCX_MAIN}'"),
     UNREADABLE),
    ("odt-basic", files.odt_with_basic(), ACTIVE),
    ("odt-python-script", odt_package(
        manifest(("Scripts/", "application/binary"), ("Scripts/python/run.py", "")),
        {"Scripts/python/run.py": b"import os\nos.system('id')\n"}), ACTIVE),
    ("odt-basic-in-capitals", odt_package(
        manifest(("BASIC/Standard/Module1.xml", "text/xml")),
        {"BASIC/Standard/Module1.xml": files.BASIC_MODULE}), ACTIVE),
    ("odt-basic-not-in-the-manifest", odt_package(
        manifest(), {"Basic/Standard/Module1.xml": files.BASIC_MODULE}), ACTIVE),
    ("odt-ole-object", odt_package(
        manifest(("Object 1", "application/vnd.sun.star.oleobject")),
        {"Object 1": b"\xd0\xcf\x11\xe0" + b"\0" * 60}), EMBEDDED),
    ("odt-manifest-with-entities", odt_package(manifest(before=BILLION_LAUGHS.replace(
        "Types", "manifest:manifest"))), UNREADABLE),
    ("odt-without-manifest", odt_package(None), UNREADABLE),
]


@pytest.mark.parametrize("data", [m[1] for m in MACRO_OFFICE], ids=[m[0] for m in MACRO_OFFICE])
def test_office_files_with_active_parts_are_refused_by_their_content_types(app, client, candidate,
                                                                           data, request):
    message = {m[0]: m[2] for m in MACRO_OFFICE}[request.node.callspec.id]
    events = AuditEvent.select().count()
    response = upload(client, "cv", data, "cv.odt" if data[30:38] == b"mimetype" else "cv.docx")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert Document.select().count() == 0 and stored_files(app) == []
    assert AuditEvent.select().count() == events


ORDINARY_DOCX = docx_package(content_types(
    default("png", "image/png"), default("jpeg", "image/jpeg"),
    default("odttf", "application/vnd.openxmlformats-officedocument.obfuscatedFont"),
    override("/WORD/Document.xml", DOCX_MAIN),
    override("/word/styles.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"),
    override("/word/footnotes.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"),
    override("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml")),
    {"word/media/image1.png": files.png(), "word/fonts/font1.odttf": b"\0" * 64})
ORDINARY_ODT = odt_package(
    manifest(("styles.xml", "text/xml"), ("meta.xml", "text/xml"), ("settings.xml", "text/xml"),
             ("manifest.rdf", "application/rdf+xml"),
             ("Configurations2/", "application/vnd.sun.xml.ui.configuration"),
             ("Pictures/1.png", "image/png"), ("Thumbnails/thumbnail.png", "image/png"),
             ("Object 1/", "application/vnd.oasis.opendocument.chart"),
             ("Object 1/content.xml", "text/xml")),
    {"Pictures/1.png": files.png(), "Thumbnails/thumbnail.png": files.png(),
     "Object 1/content.xml": b"<office:document-content/>"})


@pytest.mark.parametrize("data, name, content_type", [
    (ORDINARY_DOCX, "cv.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (ORDINARY_ODT, "cv.odt", "application/vnd.oasis.opendocument.text"),
], ids=["docx-with-images-fonts-footnotes", "odt-with-pictures-and-a-chart"])
def test_ordinary_office_cvs_are_still_accepted(client, candidate, data, name, content_type):
    assert upload(client, "cv", data, name).status_code == 302
    assert Document.get().content_type == content_type


def test_macro_refusal_in_english(client, candidate):
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = upload(client, "cv", files.disguised_docm(), "cv.docx").get_data(as_text=True)
    assert "The document contains macros or programs, which we do not accept." in page
    page = upload(client, "cv", MACRO_OFFICE[9][1], "cv.docx").get_data(as_text=True)
    assert "The document contains embedded objects" in page


# Pixel floods: refused from the header, before a single pixel is decoded.

@pytest.fixture
def no_decoding(monkeypatch):
    """Records every decode; the tests below expect none."""
    decoded = []
    real = ImageFile.ImageFile.load

    def load(self):
        decoded.append(self.size)
        return real(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return decoded


@pytest.mark.parametrize("kind, data, name", [
    ("certificate", files.png_pixels(6300, 6300), "scan.png"),
    ("photo", files.png_claiming(5000, 5001), "me.png"),
    ("certificate", files.jpeg_claiming(6000, 4500), "scan.jpg"),
], ids=["real-6300x6300-png", "png-one-row-over-25mp", "jpeg-header-27mp"])
def test_images_over_25_megapixels_are_refused_before_decoding(app, client, candidate, no_decoding,
                                                               kind, data, name):
    response = upload(client, kind, data, name)
    assert response.status_code == 400
    assert "Bildet er for stort (mer enn 25 megapiksler)" in response.get_data(as_text=True)
    assert no_decoding == []
    assert Document.select().count() == 0 and stored_files(app) == []


def test_an_image_of_exactly_25_megapixels_gets_past_the_size_check(client, candidate):
    # The header says 5000 x 5000; the data is one pixel, so it fails later, at decoding.
    response = upload(client, "photo", files.png_claiming(5000, 5000), "me.png")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Bildet er for stort" not in page and "Vi klarte ikke å lese bildet" in page


# Uploads per account per hour.

NOON = datetime(2026, 3, 2, 11, 15, tzinfo=UTC)  # 12:15 in Oslo (CET)


@pytest.fixture
def noon():
    """The clock stands at 12:15 Oslo time; asked for first, so the login happens at that time too."""
    with time_machine.travel(NOON, tick=False) as clock:
        yield clock


def _log_in(client, user):
    with client.session_transaction() as session:
        session.clear()
        session.update(sid=start_session(user), _user_id=str(user.id), _fresh=True)


def _limit(app, n=3):
    app.config["UPLOADS_PER_HOUR"] = n


def test_uploads_per_hour_are_limited_per_account(noon, app, client, candidate):
    _limit(app)
    for i in range(3):
        assert upload(client, "certificate", files.pdf(f"c{i}"), f"c{i}.pdf").status_code == 302
    events = AuditEvent.select().count()
    response = upload(client, "certificate", files.pdf("c3"), "c3.pdf")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "For mange opplastinger" in page and "Prøv igjen kl. 13:15" in page
    assert Document.select().count() == 3 and len(stored_files(app)) == 3
    assert AuditEvent.select().count() == events

    replace = Document.select().first()
    response = upload(client, "certificate", files.pdf("r"), "r.pdf",
                      url=f"/account/documents/{replace.id}/replace")
    assert response.status_code == 429
    assert "For mange opplastinger" in response.get_data(as_text=True)
    assert Document.select().count() == 3 and len(stored_files(app)) == 3

    noon.shift(timedelta(minutes=61))
    _log_in(client, candidate)  # the session ran out meanwhile
    assert upload(client, "certificate", files.pdf("c4"), "c4.pdf").status_code == 302
    assert Document.select().count() == 4


def test_refused_files_count_too(noon, app, client, candidate, no_decoding):
    """A flood of bad files is as much work as good ones: every attempt counts, before decoding."""
    _limit(app)
    for _ in range(3):
        assert upload(client, "photo", files.png_claiming(30000, 30000), "x.png").status_code == 400
    response = upload(client, "photo", files.png(), "me.png")
    assert response.status_code == 429
    assert no_decoding == []  # the fourth, a fine photo, was not even looked at
    assert Document.select().count() == 0 and stored_files(app) == []


def test_the_upload_limit_is_per_account(noon, app, client, candidate):
    _limit(app, 1)
    assert upload(client, "cv", files.pdf(), "cv.pdf").status_code == 302
    assert upload(client, "cv", files.pdf(), "cv.pdf").status_code == 429
    other = app.test_client()
    _log_in(other, make_user(role="candidate", person=make_person(stage=catalog.CANDIDATE)))
    assert upload(other, "cv", files.pdf(), "cv.pdf").status_code == 302


def test_upload_limit_message_in_english(noon, app, client, candidate):
    _limit(app, 1)
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert upload(client, "cv", files.pdf(), "cv.pdf").status_code == 302
    response = upload(client, "cv", files.pdf(), "cv.pdf")
    assert response.status_code == 429
    assert "Too many uploads. Try again at 13:15." in response.get_data(as_text=True)


def test_upload_limit_holds_for_uploads_at_once_in_redis(app, client, candidate, queue):
    """Counted atomically in Redis before the work: ten at once with a limit of three store three."""
    from portal import create_app
    from tests.conftest import TEST_REDIS_URL, FreshContextClient

    settings = dict(app.config)
    settings.update(RATELIMIT_STORAGE_URI=TEST_REDIS_URL, UPLOADS_PER_HOUR=3)
    redis_app = create_app(type("RedisLimited", (), settings))
    redis_app.test_client_class = FreshContextClient
    with client.session_transaction() as session:
        saved = dict(session)
    clients = []
    for _ in range(10):
        c = redis_app.test_client()
        with c.session_transaction() as session:
            session.update(saved)
        clients.append(c)
    barrier = threading.Barrier(10, timeout=10)
    codes = [None] * 10

    def run(i):
        barrier.wait()
        codes[i] = upload(clients[i], "certificate", files.pdf(f"p{i}"), f"p{i}.pdf").status_code

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(codes) == [302] * 3 + [429] * 7
    assert Document.select().count() == 3 and len(stored_files(app)) == 3
    keys = [k.decode() for k in queue.connection.keys("*")]
    assert any("upload" in k for k in keys)  # the count lived in Redis
    assert not any(re.search(r"@", k) for k in keys)
