"""Rules for documents: what may be uploaded (judged by content), quotas, replace, delete."""
import io
import logging
import re
import unicodedata
import warnings
import zipfile
from datetime import UTC, datetime

import filetype
from defusedxml import ElementTree
from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import RateLimitItemPerHour
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from portal import storage
from portal.audit.actions import record
from portal.candidates.actions import open_candidate_stage
from portal.db import db
from portal.documents.models import Document
from portal.extensions import limiter
from portal.people.contact import contact
from portal.people.models import Person
from portal.web.formats import format_when

log = logging.getLogger(__name__)

MAX_PIXELS = 25_000_000          # refused from the header, before decoding: a 600 dpi A4 scan
                                 # is 35 MP, 300 dpi (plenty for a certificate) 8.7 MP
PHOTO_MAX_SIDE = 800
CERTIFICATE_MAX_SIDE = 3000
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_TOTAL = 50 * 1024 * 1024  # uncompressed, from the central directory
ZIP_MAX_RATIO = 200
ZIP_XML_MAX = 64 * 1024           # the most we unpack of [Content_Types].xml or
                                  # META-INF/manifest.xml; real ones are ~2 KB
EXECUTABLE = (".exe", ".dll", ".js", ".vbs", ".bat", ".cmd", ".scr", ".ps1", ".jar", ".com", ".msi")
FILENAME_MAX = 100                # stored, extension included
FILENAME_REFUSED = 255            # longer names are refused, not cut
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
ONE_PER_PERSON = ("cv", "photo")  # a new one replaces the old one

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
ODT = "application/vnd.oasis.opendocument.text"
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
MANIFEST_NS = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
# A part whose content type (DOCX: every Default and Override; ODT: every manifest media type),
# in lower case, contains one of these makes the document active or a carrier, and is refused:
# macro-enabled main parts and embedded macro-enabled packages, VBA projects and their data
# and signatures, ActiveX controls, Word's macro key bindings and toolbars; OLE objects.
ACTIVE_TYPES = ("macroenabled", "vbaproject", "vbadata", "activex", "keymapcustomizations",
                "attachedtoolbars")
EMBEDDED_TYPES = ("oleobject",)
# ODF folders that hold StarBasic libraries, Python/JavaScript/BeanShell scripts and Basic dialogs.
SCRIPT_FOLDERS = ("basic", "scripts", "dialogs")
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

    status = 400


class TooManyUploads(DocumentError):
    """The person has used up the uploads of this hour."""

    status = 429


_FALLBACK_LIMITER = FixedWindowRateLimiter(MemoryStorage())


def count_upload(person):
    """Count one upload against the person's hourly allowance, before any of its work.

    Counted atomically in the rate-limit storage (Redis; INCR, with the hour's expiry set by the
    first upload), so uploads sent at once cannot slip past it. Refused uploads count too: a
    flood of bad files is as much work as good ones. Should Redis not answer, this process
    counts on its own rather than let every upload through.
    """
    limit = RateLimitItemPerHour(current_app.config["UPLOADS_PER_HOUR"])
    keys = ("documents-upload", str(person.id))
    strategy = limiter.limiter
    try:
        allowed = strategy.hit(limit, *keys)
    except Exception:  # redis.ConnectionError and the like
        log.warning("rate-limit storage unreachable; counting uploads in this process")
        strategy = _FALLBACK_LIMITER
        allowed = strategy.hit(limit, *keys)
    if not allowed:
        reset = datetime.fromtimestamp(strategy.get_window_stats(limit, *keys).reset_time, UTC)
        raise TooManyUploads(_l("Too many uploads. Try again at %(time)s. You can upload at most "
                                "%(n)s files an hour.", time=format_when(reset, "time"),
                                n=limit.amount))


def clean_filename(name):
    """The name to keep, without its extension (the content gives that).

    Refused: a path that climbs (`..`), CR/LF, more than 255 characters. Cleaned: any folders
    before the last / or \\ (old browsers send C:\\Users\\...), other control characters and
    bidi overrides; zero-width joiners (Persian, Urdu, emoji) stay. Cut to fit 100 characters.
    """
    name = unicodedata.normalize("NFC", name or "")
    parts = re.split(r"[/\\]", name)
    if "\r" in name or "\n" in name or ".." in (p.strip() for p in parts):
        raise DocumentError(_l("The file name contains characters that are not allowed. Rename "
                               "the file using ordinary letters and digits and try again."))
    name = parts[-1]
    if len(name) > FILENAME_REFUSED:
        raise DocumentError(_l("The file name is too long. Rename the file (at most %(n)s "
                               "characters) and try again.", n=FILENAME_REFUSED))
    name = "".join(c for c in name if unicodedata.category(c) != "Cc" and c not in BIDI_CONTROLS)
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem.strip()[:FILENAME_MAX - len(".docx")].strip() or "document"


def _bounded_read(archive, entry, limit):
    """At most limit bytes of one zip entry, or None when it holds more: nothing unpacks further."""
    with archive.open(entry) as stream:
        content = stream.read(limit + 1)
    return content if len(content) <= limit else None


ACTIVE_CONTENT = _l("The document contains macros or programs, which we do not accept. Save it "
                    "as an ordinary document or as PDF and upload that.")
EMBEDDED_CONTENT = _l("The document contains embedded objects (such as a spreadsheet or a file "
                      "inside it), which we do not accept. Save it as PDF and upload that.")


def _xml(archive, entry):
    """One small XML part, parsed: no DTD, no entities, nothing fetched; comments are dropped."""
    content = _bounded_read(archive, entry, ZIP_XML_MAX)
    if content is None:
        raise zipfile.BadZipFile(f"{entry.filename} too large")
    return ElementTree.fromstring(content, forbid_dtd=True)


def _refuse_active(content_types):
    for content_type in content_types:
        if any(token in content_type for token in ACTIVE_TYPES):
            raise DocumentError(ACTIVE_CONTENT)
        if any(token in content_type for token in EMBEDDED_TYPES):
            raise DocumentError(EMBEDDED_CONTENT)


def _docx_kind(types):
    """DOCX or None, from the parsed [Content_Types].xml: the types of every Default and Override."""
    if types.tag != f"{CONTENT_TYPES_NS}Types":
        return None
    declared = [(entry.get("ContentType") or "").strip().lower() for entry in types
                if entry.tag in (f"{CONTENT_TYPES_NS}Default", f"{CONTENT_TYPES_NS}Override")]
    _refuse_active(declared)
    return DOCX if DOCX_MAIN.lower() in declared else None


def _odt_kind(manifest, names):
    """ODT, from the parsed META-INF/manifest.xml: every entry's path and media type.

    The zip's own entry names are looked at too: a script folder left out of the manifest is
    still there for an office suite that repairs the file.
    """
    if manifest.tag != f"{MANIFEST_NS}manifest":
        raise zipfile.BadZipFile("not an ODF manifest")
    listed = [(entry.get(f"{MANIFEST_NS}full-path") or "",
               (entry.get(f"{MANIFEST_NS}media-type") or "").strip().lower())
              for entry in manifest.iter(f"{MANIFEST_NS}file-entry")]
    for path in [path for path, _ in listed] + list(names):
        folders = [part.strip().lower() for part in path.split("/")[:-1]]
        if any(folder in SCRIPT_FOLDERS for folder in folders):
            raise DocumentError(ACTIVE_CONTENT)
    _refuse_active(media_type for _, media_type in listed)
    return ODT


def _office_kind(data):
    """DOCX or ODT, or None; judged from the central directory and a few bounded reads.

    Nothing is unpacked beyond a few kilobytes, whatever sizes the zip declares. A zip that
    cannot be read (damaged, encrypted, unknown compression) is refused, never a 500.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
        total = sum(e.file_size for e in entries)
        if (len(entries) > ZIP_MAX_ENTRIES or total > ZIP_MAX_TOTAL
                or any(e.file_size > ZIP_MAX_RATIO * max(e.compress_size, 1) for e in entries)):
            raise DocumentError(_l("The document unpacks to far more than its own size, so we "
                                   "cannot accept it. Save it again as PDF and upload that."))
        if any(e.flag_bits & 0x1 for e in entries):
            raise zipfile.BadZipFile("encrypted entry")
        lowered_names = [e.filename.lower() for e in entries]
        if len(set(lowered_names)) != len(lowered_names):  # which one would an office suite read?
            raise zipfile.BadZipFile("duplicate entry names")
        for entry in entries:
            lowered = entry.filename.lower()
            if lowered.rsplit("/", 1)[-1] == "vbaproject.bin" or lowered.endswith(EXECUTABLE):
                raise DocumentError(ACTIVE_CONTENT)
        named = {e.filename: e for e in entries}
        if "[Content_Types].xml" in named:
            return _docx_kind(_xml(archive, named["[Content_Types].xml"]))
        mimetype = named.get("mimetype")
        if mimetype is not None:
            if mimetype.compress_type != zipfile.ZIP_STORED:  # the ODF spec requires it stored
                raise zipfile.BadZipFile("mimetype entry is compressed")
            if _bounded_read(archive, mimetype, len(ODT)) != ODT.encode():
                return None
            if "META-INF/manifest.xml" not in named:
                raise zipfile.BadZipFile("no manifest")
            return _odt_kind(_xml(archive, named["META-INF/manifest.xml"]),
                             [e.filename for e in entries])
        return None
    except DocumentError:
        raise
    except Exception:  # zlib.error, NotImplementedError, RuntimeError, BadZipFile, ...
        raise DocumentError(_l("The document could not be read. It may be damaged or "
                               "password-protected; save it again, or as PDF, and upload "
                               "that.")) from None


def _too_large():
    return _l("The image is too large (more than %(mp)s megapixels). Make it smaller and try "
              "again.", mp=MAX_PIXELS // 1_000_000)


def _reencode(data, max_side):
    """Decode an image and write it again: no EXIF, no GPS, no metadata, at most max_side pixels."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # loaded at the first photo, not at start
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=("JPEG", "PNG", "WEBP"))
            width, height = image.size  # read from the header; nothing decoded yet
            source_format = image.format
            if width * height > MAX_PIXELS:
                raise DocumentError(_too_large())
            image.load()
            try:
                image = ImageOps.exif_transpose(image)
            # Malformed EXIF (e.g. struct.error) must not refuse the photo: it is kept
            # unrotated, and the EXIF itself is dropped by the re-encoding below anyway.
            except Exception:  # nosec B110 # deliberate, see above
                pass
    except DocumentError:  # a ValueError too: not to be taken for an unreadable image below
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DocumentError(_too_large()) from None
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
        mime = _office_kind(data) if DOCX in ALLOWED[kind] else "application/zip"
    if mime not in ALLOWED[kind]:
        raise DocumentError(WRONG_TYPE[kind])
    if mime in (JPEG, PNG, WEBP):
        return _reencode(data, PHOTO_MAX_SIDE if kind == "photo" else CERTIFICATE_MAX_SIDE)
    if mime == PDF and not data.startswith(b"%PDF-"):
        raise DocumentError(WRONG_TYPE[kind])
    return data, mime


def upload(person, kind, filename, data, replace=None):
    """Check, encrypt and store one file for a person; a CV opens the candidate stage.

    The quota and the one-CV/one-photo rule are checked in the transaction that inserts, with
    the person locked, so two uploads at once cannot both slip past them.
    """
    cfg = current_app.config
    count_upload(person)
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
    storage_id = storage.put(payload)
    try:
        with db.atomic():
            Person.lock(person.id)
            mine = list(Document.select().where(Document.person == person.id))
            replaced = [d for d in mine if (kind in ONE_PER_PERSON and d.kind == kind)
                        or (replace is not None and d.id == replace.id)]
            used = sum(d.size for d in mine if d.id not in {r.id for r in replaced})
            if used + len(payload) > cfg["DOCUMENT_QUOTA_BYTES"]:
                raise DocumentError(_l("Your documents would take more than the %(mb)s MB you "
                                       "have. Delete a document before you upload another.",
                                       mb=cfg["DOCUMENT_QUOTA_BYTES"] // (1024 * 1024)))
            document = Document.create(
                person=person.id, kind=kind, storage_id=storage_id,
                filename=name + EXTENSIONS.get(content_type, ""), content_type=content_type,
                size=len(payload))
            if replaced:
                Document.delete().where((Document.id << [d.id for d in replaced])
                                        & (Document.person == person.id)).execute()
            if kind == "cv":
                open_candidate_stage(person, "cv_uploaded")
            contact(person, "own_change")
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


def delete_document(person, document):
    """Delete a document row and its encrypted file; audited. Deleting data is no new contact:
    the retention clock is left as it is."""
    with db.atomic():
        Document.delete().where((Document.id == document.id)
                                & (Document.person == person.id)).execute()
        record("document.deleted", person=person, document=document.id, kind=document.kind)
    storage.delete(document.storage_id)


def read_document(document, staff=None):
    """The decrypted bytes of a document; a staff read is audited."""
    if staff is not None:
        with db.atomic():
            record("document.downloaded_by_staff", person=document.person_id, actor=staff,
                   document=document.id, kind=document.kind)
    return storage.get(document.storage_id)
