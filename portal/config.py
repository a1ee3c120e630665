"""Configuration, read from the environment (12-factor); TestConfig for pytest."""
import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from portal.private_files import open_private, private_dir

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("INSTANCE_PATH", ROOT / "instance"))


def _bool(name, default):
    value = os.environ.get(name)
    return default if value is None else value.lower() in ("1", "true", "yes", "on")


class Config:
    ENV_NAME = os.environ.get("PORTAL_ENV", "development")
    SECRET_KEY = os.environ.get("SECRET_KEY")  # development key is generated into instance/
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE / 'portal.sqlite3'}")
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    RQ_QUEUE = os.environ.get("RQ_QUEUE", "default")
    # Where links in e-mails point; never taken from the Host header. Required in production;
    # in development it follows PORT (see base_url(), and `make run` exports it to every process).
    BASE_URL = os.environ.get("BASE_URL")

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 12 * 1024 * 1024))
    MAX_FORM_PARTS = 50

    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = ("nb", "en")

    SESSION_COOKIE_NAME = "portal_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", ENV_NAME == "production")
    SESSION_IDLE_TIMEOUT = timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", 30)))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=int(os.environ.get("SESSION_ABSOLUTE_HOURS", 12)))
    # Staff and admin: how long after the password the second factor (or enrolment) may come.
    SECOND_FACTOR_TIMEOUT = timedelta(minutes=int(os.environ.get("SECOND_FACTOR_MINUTES", 15)))
    # Remember-me is not offered; these make a stray cookie harmless anyway.
    REMEMBER_COOKIE_DURATION = timedelta(days=1)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    WTF_CSRF_TIME_LIMIT = 8 * 3600
    WTF_CSRF_SSL_STRICT = SESSION_COOKIE_SECURE

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # A Redis that does not answer must not hold up a login: fail over to memory within a second.
    RATELIMIT_STORAGE_OPTIONS = {"socket_timeout": 1, "socket_connect_timeout": 1}
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_LIMIT_PER_IP = os.environ.get("LOGIN_LIMIT_PER_IP", "20 per minute")
    # Password attempts are counted before the password is checked (portal/auth/throttle.py):
    # per account from browsers it has not logged in from, and per trusted browser.
    LOGIN_LIMIT_PER_ACCOUNT = os.environ.get("LOGIN_LIMIT_PER_ACCOUNT", "5 per 15 minutes")
    LOGIN_LIMIT_PER_DEVICE = os.environ.get("LOGIN_LIMIT_PER_DEVICE", "5 per 15 minutes")
    # E-mails a visitor can cause to one address (registration, reset, e-mail change), whoever
    # asks and from wherever (portal/mail/limits.py); staff and consultant addresses are exempt.
    MAIL_LIMIT_PER_RECIPIENT = os.environ.get("MAIL_LIMIT_PER_RECIPIENT", "5 per hour")

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "file")
    MAIL_OUTBOX_DIR = os.environ.get("MAIL_OUTBOX_DIR", str(INSTANCE / "outbox"))
    MAIL_FILE_PATH = MAIL_OUTBOX_DIR
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "ressursbasen.no <post@ressursbasen.no>")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)

    # Documents: encrypted at rest outside static/; DOCUMENT_KEYS is a comma-separated list of
    # Fernet keys (the first encrypts, all decrypt); without it development generates
    # instance/document.key once.
    DOCUMENT_DIR = os.environ.get("DOCUMENT_DIR", str(INSTANCE / "documents"))
    # One line per erasure, outside the database and outside what a database restore rolls
    # back: back it up on its own, and run `flask --app app people replay-erasures` after a
    # restore (README, "Erasure and backups").
    ERASURE_LOG_PATH = os.environ.get("ERASURE_LOG_PATH", str(INSTANCE / "erasure-log.jsonl"))
    # Days before a deletion that the person is told, with a "keep my data" link.
    RETENTION_NOTICE_DAYS = int(os.environ.get("RETENTION_NOTICE_DAYS", 30))
    # People erased per transaction by the nightly sweep.
    RETENTION_BATCH = int(os.environ.get("RETENTION_BATCH", 2000))
    DOCUMENT_KEYS = os.environ.get("DOCUMENT_KEYS", "")
    DOCUMENT_MAX_BYTES = int(os.environ.get("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))
    DOCUMENT_QUOTA_BYTES = int(os.environ.get("DOCUMENT_QUOTA_BYTES", 40 * 1024 * 1024))
    # Uploads (new and replacing, accepted or refused) per account per hour, counted in Redis.
    UPLOADS_PER_HOUR = int(os.environ.get("UPLOADS_PER_HOUR", 30))
    # Account e-mails: how long the links in them work.
    VERIFY_TOKEN_HOURS = 48
    RESET_TOKEN_MINUTES = 60
    # Booking (portal/booking): meeting length, the break after each meeting, how far ahead.
    SLOT_MINUTES = int(os.environ.get("SLOT_MINUTES", 45))
    SLOT_BUFFER_MINUTES = int(os.environ.get("SLOT_BUFFER_MINUTES", 15))
    BOOKING_WEEKS_AHEAD = int(os.environ.get("BOOKING_WEEKS_AHEAD", 4))
    BOOKING_LIMIT = os.environ.get("BOOKING_LIMIT", "10 per hour")  # POST /book per IP
    # Posts per IP to the page a business customer opens from a shared link (codes asked, given).
    SHARED_LINK_LIMIT = os.environ.get("SHARED_LINK_LIMIT", "20 per hour")
    BOOKINGS_PER_PERSON = int(os.environ.get("BOOKINGS_PER_PERSON", 3))  # upcoming, per person
    # Where meetings happen (shown on the page, in e-mails and as the calendar event's LOCATION):
    # the office's street address, and the video link of consultants who have none of their own.
    OFFICE_ADDRESS = os.environ.get("OFFICE_ADDRESS", "ressursbasen.no, Akersgata 1, 0158 Oslo")
    VIDEO_URL = os.environ.get("VIDEO_URL", "https://ressursbasen.no/video")
    # Privacy requests (portal/requests): posts per IP to the request and code pages and to
    # /account/requests, and requests waiting for their code at once, per IP and per address.
    PRIVACY_REQUEST_LIMIT = os.environ.get("PRIVACY_REQUEST_LIMIT", "10 per hour")
    REQUESTS_WAITING_PER_IP = int(os.environ.get("REQUESTS_WAITING_PER_IP", 10))
    REQUESTS_WAITING_PER_ADDRESS = int(os.environ.get("REQUESTS_WAITING_PER_ADDRESS", 3))

    # The staff queue refreshes itself this often (seconds), except while staff work in it.
    QUEUE_POLL_SECONDS = int(os.environ.get("QUEUE_POLL_SECONDS", 30))

    # Static files under content-hashed names, with .br/.gz beside them (portal/static_files.py).
    STATIC_BUILD_DIR = os.environ.get("STATIC_BUILD_DIR", str(INSTANCE / "static"))
    # HTML pages compressed (portal/compression.py decides which; Flask-Compress does it).
    COMPRESS_REGISTER = False
    COMPRESS_MIMETYPES = ["text/html"]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_BR_LEVEL = 5
    COMPRESS_MIN_SIZE = 1400  # about one network packet: smaller fragments gain nothing
    COMPRESS_STREAMS = False
    COMPRESS_EVALUATE_CONDITIONAL_REQUEST = False  # pages are no-store; no ETags to answer

    PRIVACY_CONTACT = "personvern@ressursbasen.no"
    HSTS = ENV_NAME == "production"
    PROXY_FIX = _bool("PROXY_FIX", False)  # behind one trusted reverse proxy


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    # Only pytest uses TestConfig; production refuses to start without its own SECRET_KEY.
    SECRET_KEY = "test-secret-key-not-for-production"  # nosec B105 # a test-only key, see above
    DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///:memory:")
    REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_BACKEND = "locmem"
    BASE_URL = "http://portal.test"
    SERVER_NAME = None
    SESSION_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False
    # Tests post forms directly; the CSRF tests (tests/test_web.py) and live_server turn it on.
    WTF_CSRF_ENABLED = False
    HSTS = False


def base_url(configured, env_name, port=None):
    """The address links in e-mails start with, without a trailing slash.

    Production must name it; development falls back to this machine on PORT (default 5000).
    Raises RuntimeError with a message saying what to set.
    """
    if not configured:
        if env_name == "production":
            raise RuntimeError("BASE_URL must be set in production: the address links in e-mails "
                               "point to, e.g. BASE_URL=https://ressursbasen.no")
        configured = f"http://127.0.0.1:{port or 5000}"
    parts = urlsplit(configured)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RuntimeError(f"BASE_URL must be a web address starting with https:// or http://, "
                           f"e.g. https://ressursbasen.no (got {configured!r})")
    return configured.rstrip("/")


def instance_secret(path, generate):
    """A development secret kept in instance/, made once; safe when processes start together.

    The value is written to a temporary file and linked into place, so a reader never sees a
    half-written file and two writers cannot both win.
    """
    path = Path(path)
    if not path.exists():
        private_dir(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        with open_private(tmp) as f:  # 0600 from the start
            f.write(generate().encode())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()
