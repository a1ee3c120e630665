"""Rules for documents: what may be uploaded (judged by content), quotas, replace, delete."""
import io
import unicodedata
import warnings
import zipfile

import filetype
from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from portal import storage
from portal.audit.actions import record
from portal.candidates.actions import touch_person, open_candidate_stage
from portal.db import db
from portal.documents.models import Document

MAX_PIXELS = 40_000_000          # refused before decoding: a pixel flood never reaches memory
PHOTO_MAX_SIDE = 800
CERTIFICATE_MAX_SIDE = 3000
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_TOTAL = 50 * 1024 * 1024  # uncompressed, from the central directory
ZIP_MAX_RATIO = 200
FILENAME_MAX = 100
ONE_PER_PERSON = ("cv", "photo")  # a new one replaces the old one

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
JPEG, PNG, WEBP = "image/jpeg", "image/png", "image/webp"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx", ODT: ".odt", JPEG: ".jpg", PNG: ".png"}

ALLOWED = {"cv": (PDF, DOCX, ODT), "certificate": (PDF, JPEG, PNG), "photo": (JPEG, PNG, WEBP)}
WRONG_TYPE = {
    "cv": _l("A CV must be a PDF, Word (DOCX) or OpenDocument (ODT) file."),
    "certificate": _l("A certificate must be a PDF, JPEG or PNG file."),
    "photo": _l("A profile photo must be a JPEG, PNG or WebP image."),
}


class DocumentError(ValueError):
    """An upload was refused; the message is for the person."""


def clean_filename(name):
    """The name to keep: refused when it carries a path or control characters or is absurdly long."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if len(name) > 255:
        raise DocumentError(_l("The file name is too long. Rename the file (at most 100 characters) "
                               "and try again."))
    if (any(unicodedata.category(c) in ("Cc", "Cf") for c in name) or "/" in name or "\\" in name
            or name in (".", "..")):
        raise DocumentError(_l("The file name contains characters that are not allowed. Rename "
                               "the file using ordinary letters and digits and try again."))
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem[:FILENAME_MAX - 5].strip() or "document"


def _office_kind(data):
    """DOCX or ODT, checked from the zip's central directory before anything is unpacked."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    total = sum(e.file_size for e in entries)
    if (len(entries) > ZIP_MAX_ENTRIES or total > ZIP_MAX_TOTAL
            or any(e.file_size > ZIP_MAX_RATIO * max(e.compress_size, 1) for e in entries)):
        raise DocumentError(_l("The document unpacks to far more than its own size, so we cannot "
                               "accept it. Save it again as PDF and upload that."))
    names = {e.filename for e in entries}
    if "[Content_Types].xml" in names and "word/document.xml" in names:
        return DOCX
    mimetype = next((e for e in entries if e.filename == "mimetype"), None)
    if mimetype is not None and mimetype.file_size < 100:
        try:
            if archive.read(mimetype).strip() == ODT.encode():
                return ODT
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
    return None


def _reencode(data, max_side):
    """Decode an image and write it again: no EXIF, no GPS, no metadata, at most max_side pixels."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size  # read from the header; nothing decoded yet
            source_format = image.format
            if width * height > MAX_PIXELS:
                raise DocumentError(_l("The image is too large (more than 40 megapixels). Make it "
                                       "smaller and try again."))
            image.load()
            image = ImageOps.exif_transpose(image)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentError(_l("The image is too large (more than 40 megapixels). Make it smaller "
                               "and try again.")) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise DocumentError(_l("The image could not be read. It may be damaged; try another file.")) from None
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    lossless = has_alpha or source_format == "PNG"  # a scanned certificate stays sharp
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((max_side, max_side))
    image.info = {}  # nothing of the original's metadata travels on
    out = io.BytesIO()
    if lossless:
        image.save(out, "PNG", optimize=True)
        return out.getvalue(), PNG
    image.save(out, "JPEG", quality=88, optimize=True)
    return out.getvalue(), JPEG


def inspect(kind, data):
    """What the bytes really are, checked against what this kind allows; returns (bytes, type)."""
    guessed = filetype.guess(data)
    mime = guessed.mime if guessed else None
    if data[:4] == b"PK\x03\x04":
        mime = _office_kind(data)
    if mime not in ALLOWED[kind]:
        raise DocumentError(WRONG_TYPE[kind])
    if mime in (JPEG, PNG, WEBP):
        return _reencode(data, PHOTO_MAX_SIDE if kind == "photo" else CERTIFICATE_MAX_SIDE)
    if mime == PDF and not data.startswith(b"%PDF-"):
        raise DocumentError(WRONG_TYPE[kind])
    return data, mime


def _used_bytes(person, except_ids=()):
    query = Document.select().where(Document.person == person.id)
    return sum(d.size for d in query if d.id not in except_ids)


def upload(person, kind, filename, data, replace=None):
    """Check, encrypt and store one file for a person; a CV opens the candidate stage."""
    cfg = current_app.config
    if kind not in ALLOWED:
        raise DocumentError(_l("Choose what kind of document this is."))
    if kind != "cv" and not person.is_candidate:
        raise DocumentError(_l("Upload your CV first. Photos and certificates open after that."))
    if not data:
        raise DocumentError(_l("The file is empty. Choose another file."))
    if len(data) > cfg["DOCUMENT_MAX_BYTES"]:
        raise DocumentError(_l("The file is larger than %(mb)s MB. Upload a smaller file.",
                               mb=cfg["DOCUMENT_MAX_BYTES"] // (1024 * 1024)))
    name = clean_filename(filename)
    payload, content_type = inspect(kind, data)
    replaced = list(Document.select().where((Document.person == person.id) & (Document.kind == kind))
                    ) if kind in ONE_PER_PERSON else []
    if replace is not None:
        replaced.append(replace)
    if _used_bytes(person, {d.id for d in replaced}) + len(payload) > cfg["DOCUMENT_QUOTA_BYTES"]:
        raise DocumentError(_l("Your documents would take more than the %(mb)s MB you have. Delete "
                               "a document before you upload another.",
                               mb=cfg["DOCUMENT_QUOTA_BYTES"] // (1024 * 1024)))
    storage_id = storage.put(payload)
    try:
        with db.atomic():
            document = Document.create(
                person=person.id, kind=kind, storage_id=storage_id,
                filename=name + EXTENSIONS.get(content_type, ""), content_type=content_type,
                size=len(payload))
            if replaced:
                Document.delete().where((Document.id << [d.id for d in replaced])
                                        & (Document.person == person.id)).execute()
            if kind == "cv":
                open_candidate_stage(person, "cv_uploaded")
            touch_person(person)
            record("document.uploaded", person=person, document=document.id, kind=kind,
                   size=len(payload), replaced=[d.id for d in replaced])
    except Exception:
        storage.delete(storage_id)  # the row never came to be: no orphan file
        raise
    for old in replaced:
        storage.delete(old.storage_id)
    return document


def documents_of(person):
    """The person's documents, by kind then upload time."""
    return list(Document.select().where(Document.person == person.id)
                .order_by(Document.kind, Document.uploaded_at, Document.id))


def get_document(person, document_id):
    """One document of this person, or None: another person's id finds nothing."""
    return Document.get_or_none((Document.id == document_id) & (Document.person == person.id))


def delete_document(person, document):
    """Delete a document row and its encrypted file; audited."""
    with db.atomic():
        Document.delete().where((Document.id == document.id)
                                & (Document.person == person.id)).execute()
        touch_person(person)
        record("document.deleted", person=person, document=document.id, kind=document.kind)
    storage.delete(document.storage_id)


def read_document(document, staff=None):
    """The decrypted bytes of a document; a staff read is audited."""
    if staff is not None:
        with db.atomic():
            record("document.downloaded_by_staff", person=document.person_id, actor=staff,
                   document=document.id, kind=document.kind)
    return storage.get(document.storage_id)
