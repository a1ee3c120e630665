"""Time a re-authenticated candidate's copy from asking to download, and the build's peak memory.

    python -m bench.export                          # SQLite in a temporary directory
    DATABASE_URL=postgresql://... python -m bench.export
    BENCH_EXPORT_DOCUMENTS=5,50 BENCH_EXPORT_MB=5 python -m bench.export

For each number of documents (5 MB each, random bytes: as incompressible as PDFs and photos),
a candidate logs in, asks for a copy on /account/requests, an RQ worker runs the job, and the
page's progress fragment is polled until the download link is there; then the zip is
downloaded. The build is run once more under tracemalloc to measure its peak memory. Goals are
printed beside each (not asserted): under a minute from asking to the link, and a peak that does
not grow with the documents (it stays near a few chunks of 64 KiB, never a document or the zip).
"""
import os
import re
import shutil
import tempfile
import time
import tracemalloc

from flask.testing import FlaskClient
from rq import SimpleWorker

from portal import catalog, create_app, storage
from portal.auth.actions import create_user
from portal.config import TestConfig
from portal.documents.models import Document
from portal.people.models import Person
from portal.queue import get_queue, redis_connection
from portal.requests import export
from portal.requests.models import AccessExport, PrivacyRequest
from portal.schema import migrate

PASSWORD = "benchmark passphrase for the export"

COUNTS = [int(n) for n in os.environ.get("BENCH_EXPORT_DOCUMENTS", "5,50").split(",")]
MEGABYTES = int(os.environ.get("BENCH_EXPORT_MB", 5))
LINK = re.compile(r'href="(/privacy/exports/[^"]+)"')


class Browser(FlaskClient):
    """Each request in its own app context, as in a real server: nothing (the logged-in user)
    carries over in `g` from one request to the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def _documents(person, count, size):
    """`count` stored documents of `size` bytes, written in chunks as an upload would be."""
    block = os.urandom(storage.CHUNK)
    for n in range(count):
        with storage.open_write() as out:
            for _ in range(size // storage.CHUNK):
                out.write(block)
        Document.create(person=person, kind="certificate", storage_id=out.storage_id,
                        filename=f"attest-{n + 1}.pdf", content_type="application/pdf",
                        size=out.size)


def _high_water_kb():
    """The process's peak resident memory so far (VmHWM), in KiB; None off Linux."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    except (OSError, StopIteration):
        return None


def _reset_high_water():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current resident size
        return True
    except OSError:
        return False


def _one(app, count, size):
    email = f"kandidat{count}.{os.urandom(4).hex()}@example.no"
    person = Person.create(name=f"Kari Kandidat {count}", email=email, stage=catalog.CANDIDATE)
    user = create_user(email, PASSWORD, role="candidate", person=person)
    _documents(person, count, size)
    client = app.test_client()
    login = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert login.headers.get("Location") == "/account", login.status_code  # fresh: re-authenticated
    queue = get_queue(app)
    worker = SimpleWorker([queue], connection=queue.connection)

    started = time.perf_counter()
    response = client.post("/account/requests", data={"kind": "access", "details": ""})
    assert response.status_code == 303, response.status_code
    detail = response.headers["Location"]
    link = None
    while link is None:
        worker.work(burst=True, logging_level="WARNING")
        fragment = client.get(detail + "/progress", headers={"HX-Request": "true"})
        found = LINK.search(fragment.get_data(as_text=True))
        link = found.group(1) if found else None
        if time.perf_counter() - started > 600:
            raise RuntimeError("no download link after ten minutes")
    ready = time.perf_counter() - started
    download = client.get(link)
    received = sum(len(chunk) for chunk in download.response)
    downloaded = time.perf_counter() - started - ready

    # The same build once more, measured: Python's peak allocations and the resident peak.
    request = PrivacyRequest.get(PrivacyRequest.person == person.id)
    reset = _reset_high_water()
    before_kb = _high_water_kb()
    tracemalloc.start()
    storage_id, _ = export.write_zip(export.contents(request))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after_kb = _high_water_kb()
    storage.delete(storage_id)

    zip_mb = AccessExport.get(AccessExport.request == request.id).size / 1e6
    rss = (f"resident peak +{(after_kb - before_kb) / 1024:6.1f} MB" if reset and before_kb
           else "resident peak n/a")
    print(f"{count:>3} documents of {size // 2**20} MB (zip {zip_mb:7.1f} MB): "
          f"ask -> link {ready:6.2f} s (goal < 60 s), download {downloaded:5.2f} s "
          f"({received / 1e6:.1f} MB); build peak: Python {peak / 2**20:6.2f} MB, {rss}")
    return peak


def main():
    workdir = tempfile.mkdtemp(prefix="portal-bench-export-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir}/bench.sqlite3"

    class Config(TestConfig):
        DATABASE_URL = url
        # Jobs and e-mails go to a Redis database of their own, emptied before and after.
        REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
        MAIL_OUTBOX_DIR = f"{workdir}/outbox"
        DOCUMENT_DIR = f"{workdir}/documents"
        INSTANCE_DIR = workdir

    app = create_app(Config)
    app.test_client_class = Browser
    try:
        with app.app_context():
            migrate()
            redis_connection(app).flushdb()
            print(f"access export, {url.split(':')[0]}, chunks of {storage.CHUNK // 1024} KiB")
            peaks = [_one(app, count, MEGABYTES * 2**20) for count in COUNTS]
            if len(peaks) > 1:
                print(f"peak with {COUNTS[-1]} documents / with {COUNTS[0]}: "
                      f"{peaks[-1] / peaks[0]:.2f} (goal: about 1, it must not grow with them)")
            redis_connection(app).flushdb()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
