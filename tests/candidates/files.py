"""Synthetic files for upload tests, built in memory."""
import io
import struct
import zipfile
import zlib

from PIL import ExifTags, Image


def pdf(text="Kari Nordmann CV plaintext marker"):
    body = f"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n% {text}\n".encode()
    return body + b"0" * 2000 + b"\n%%EOF\n"


def docx(text="Arbeidserfaring"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("word/document.xml", f"<w:document><w:body>{text}</w:body></w:document>")
    return buf.getvalue()


def odt():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.text", zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest(), zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def docx_bomb():
    """A real-looking DOCX whose document.xml unpacks to 200 MB of zeros."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        with z.open("word/document.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(200):
                f.write(chunk)
    return buf.getvalue()


def jpeg_with_gps(size=(1600, 1200)):
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "SpyCam"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (59.0, 54.0, 30.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (10.0, 45.0, 10.0)
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    return buf.getvalue()


def png(size=(64, 64), mode="RGB"):
    buf = io.BytesIO()
    Image.new(mode, size, (10, 120, 200) if mode == "RGB" else (10, 120, 200, 128)).save(buf, "PNG")
    return buf.getvalue()


def webp(size=(64, 64)):
    buf = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(buf, "WEBP")
    return buf.getvalue()


def png_claiming(width, height):
    """A tiny PNG whose header claims width x height pixels (a pixel flood)."""
    data = png((1, 1))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    start = data.index(b"IHDR")
    return data[:start] + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[start + 4 + 13 + 4:]


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ" + b"\x90\x00" * 30 + b"\x00" * 200 + b"PE\x00\x00" + b"\x00" * 500
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 500


def upload(client, kind, data, name, url="/account/documents"):
    return client.post(url, data={"kind": kind, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


# Office packages whose [Content_Types].xml (DOCX) or META-INF/manifest.xml (ODT) is written out,
# for the tests of macro, ActiveX, OLE and script parts.
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
VBA = "application/vnd.ms-office.vbaProject"
RELS = "application/vnd.openxmlformats-package.relationships+xml"
VBA_BYTES = b"\xcc\x61\xff\xff" + b"Attribute VB_Name = \"ThisDocument\"\nSub AutoOpen()\n" + b"\0" * 64


def default(extension, content_type):
    return f'<Default Extension="{extension}" ContentType="{content_type}"/>'


def override(part, content_type):
    return f'<Override PartName="{part}" ContentType="{content_type}"/>'


def content_types(*entries, before=""):
    """[Content_Types].xml as Word writes it, with these entries after the usual two Defaults."""
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{before}'
            f'<Types xmlns="{CT_NS}">{default("rels", RELS)}{default("xml", "application/xml")}'
            + "".join(entries) + "</Types>")


def docx_package(types, parts=None):
    """A DOCX-shaped zip: this [Content_Types].xml text, the usual parts, and `parts` {name: bytes}."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                   'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
                   'http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                   'officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml", "<w:document><w:body>Arbeidserfaring</w:body></w:document>")
        for name, data in (parts or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def disguised_docm():
    """The tester's file: a macro-enabled main part, the VBA project under an innocent name, and
    the plain DOCX type string in an XML comment."""
    types = content_types(f"<!-- {DOCX_MAIN} -->",
                          override("/word/document.xml", DOCM_MAIN),
                          override("/word/styles2.dat", VBA))
    return docx_package(types, {"word/styles2.dat": VBA_BYTES})


ODT_MIME = "application/vnd.oasis.opendocument.text"
MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


def manifest(*entries, before=""):
    """META-INF/manifest.xml with the root and content.xml entries, then (path, media type) ones."""
    rows = [("/", ODT_MIME), ("content.xml", "text/xml"), *entries]
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n{before}'
            f'<manifest:manifest xmlns:manifest="{MANIFEST_NS}" manifest:version="1.3">'
            + "".join(f'<manifest:file-entry manifest:full-path="{path}" '
                      f'manifest:media-type="{media}"/>' for path, media in rows)
            + "</manifest:manifest>")


def odt_package(manifest_xml=None, parts=None):
    """An ODT as LibreOffice writes it: stored mimetype first, then content, the manifest and parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("mimetype", ODT_MIME, zipfile.ZIP_STORED)
        z.writestr("content.xml", "<office:document-content/>", zipfile.ZIP_DEFLATED)
        for name, data in (parts or {}).items():
            z.writestr(name, data, zipfile.ZIP_DEFLATED)
        if manifest_xml is not None:
            z.writestr("META-INF/manifest.xml", manifest_xml, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


BASIC_MODULE = (b'<?xml version="1.0" encoding="UTF-8"?><script:module xmlns:script="http://openoffice'
                b'.org/2000/script" script:name="Module1" script:language="StarBasic">Sub Main\n'
                b'Shell("calc.exe")\nEnd Sub</script:module>')


def odt_with_basic():
    """An ODT carrying a StarBasic library, listed in its manifest as LibreOffice lists it."""
    return odt_package(manifest(("Basic/", "application/binary"),
                                ("Basic/Standard/", "application/binary"),
                                ("Basic/Standard/Module1.xml", "text/xml"),
                                ("Basic/script-lc.xml", "text/xml")),
                       {"Basic/Standard/Module1.xml": BASIC_MODULE,
                        "Basic/script-lc.xml": b"<library:libraries/>"})


def png_pixels(width, height):
    """A real PNG of width x height pixels (one bit each, so it is small to build and send)."""
    buf = io.BytesIO()
    Image.new("1", (width, height)).save(buf, "PNG")
    return buf.getvalue()


def jpeg_claiming(width, height):
    """A small JPEG whose frame header claims width x height pixels."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 120, 40)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)
