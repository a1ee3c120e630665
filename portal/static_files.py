"""The portal's own static files: served by WhiteNoise under content-hashed names, compressed,
cached by browsers for a year.

At start-up `build()` copies every file of `static/` (including `static/vendor/`, which `make
setup` fills from npm) to `STATIC_BUILD_DIR` under a name with a hash of its content
(`css/portal.css` -> `css/portal.<hash>.css`), with Brotli and gzip versions beside it. A file
whose hashed name is already there is not written again, so a restart costs a few hashes, and
processes starting together write the same bytes (each file is written to a temporary name and
renamed into place).

`url_for('static', filename='css/portal.css')` yields the hashed URL (a `url_defaults` hook),
so templates name files as they are in `static/`. A hashed URL never changes its content and is
answered with `Cache-Control: public, max-age=31536000, immutable`: a returning browser asks
for no static file at all, and a changed file gets a new URL. The plain names still work
(`/static/css/portal.css`, cached for a minute), so an old link does not break; so do hashed
names of earlier versions, which the build folder keeps.
"""
import hashlib
import os
import re
from pathlib import Path, PurePosixPath

from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

from portal.private_files import private_dir

# A hashed name is for ever: browsers may keep it a year and never ask again.
IMMUTABLE = "public, max-age=31536000, immutable"
PLAIN_MAX_AGE = 60  # seconds, for the unhashed names
HASH_LENGTH = 16    # hex digits of SHA-256
BUILT_NAME = re.compile(rf"\.[0-9a-f]{{{HASH_LENGTH}}}(\.[^./]+)?(\.br|\.gz)?$")
TEMPORARY = re.compile(r"^\.(.+)\.\d+\.[0-9a-f]{8}$")  # a write in progress, or one a crash left
# Like the pages' nosniff (portal/web/errors.py); and no other site may embed the files.
FILE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "same-origin"}


def hashed_name(name, data):
    """`css/portal.css` -> `css/portal.<first 16 hex digits of SHA-256>.css`."""
    path = PurePosixPath(name)
    digest = hashlib.sha256(data).hexdigest()[:HASH_LENGTH]
    return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))


def _write(path, data):
    """Write a file under a temporary name and rename it into place (never seen half-written)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")  # see TEMPORARY
    tmp.write_bytes(data)
    os.replace(tmp, path)


def build(source, target):
    """Copy each file of `source` to `target` under its hashed name, with .br and .gz versions
    where they are smaller; returns {name in source: hashed name}."""
    source, target = Path(source), private_dir(target)  # in instance/, which is 0700
    compressor = Compressor(quiet=True)
    manifest = {}
    for path in sorted(source.rglob("*")):
        if not path.is_file() or any(part.startswith(".") for part in path.relative_to(source).parts):
            continue
        name = path.relative_to(source).as_posix()
        data = path.read_bytes()
        manifest[name] = hashed = hashed_name(name, data)
        out = target / hashed
        if out.exists():
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        if compressor.should_compress(name):
            # The compressed versions first: once the file itself exists, they do too.
            for suffix, compressed in ((".br", Compressor.compress_brotli(data)),
                                       (".gz", Compressor.compress_gzip(data))):
                if len(compressed) < 0.95 * len(data):
                    _write(out.with_name(out.name + suffix), compressed)
        _write(out, data)
    return manifest


def _only_built_files(target):
    """Refuse a STATIC_BUILD_DIR that holds anything but built files: all of it is public."""
    def built(name):
        temporary = TEMPORARY.match(name)
        return BUILT_NAME.search(temporary.group(1) if temporary else name)

    strays = [p for p in target.rglob("*") if p.is_file() and not built(p.name)]
    if strays:
        raise RuntimeError(f"STATIC_BUILD_DIR ({target}) is served to everyone, and holds files the "
                           f"portal did not build there, e.g. {strays[0].name}: point it at a "
                           f"folder of its own")


def init_app(app):
    """Build the hashed files, make url_for('static') name them, and serve them with WhiteNoise."""
    source = Path(app.static_folder)
    target = Path(app.config["STATIC_BUILD_DIR"])
    manifest = build(source, target)
    _only_built_files(target)

    @app.url_defaults
    def hashed_static_url(endpoint, values):
        if endpoint == "static" and values.get("filename") in manifest:
            values["filename"] = manifest[values["filename"]]

    built = str(target.resolve()) + os.sep

    def add_headers(headers, path, url):
        for name, value in FILE_HEADERS.items():
            headers[name] = value
        if path.startswith(built):
            headers["Cache-Control"] = IMMUTABLE

    # In front of Flask: a static file never reaches the app (nor its session or database).
    server = WhiteNoise(app.wsgi_app, max_age=PLAIN_MAX_AGE, allow_all_origins=False,
                        add_headers_function=add_headers)
    prefix = app.static_url_path + "/"
    server.add_files(target.resolve(), prefix)  # hashed names, with .br and .gz beside them
    server.add_files(source, prefix)            # plain names, for old links
    app.wsgi_app = server
