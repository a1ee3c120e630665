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
        z.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
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
