"""Files the portal writes are readable by its own user only: 0600 files, 0700 folders, whatever
the umask (here the common 022, which would leave them readable by every local user)."""
import os
import stat

import pytest

from portal import create_app, storage
from portal.config import TestConfig, instance_secret
from portal.db import make_database
from portal.mail import actions
from portal.mail.models import Outbox
from tests.factories import make_person


def mode(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_sqlite_database_its_wal_and_its_folder_are_private(tmp_path, open_umask):
    path = tmp_path / "instance" / "portal.sqlite3"
    database = make_database(f"sqlite:///{path}")
    database.connect()
    database.execute_sql("CREATE TABLE t (x TEXT)")
    database.execute_sql("INSERT INTO t VALUES ('kari@example.no')")
    assert os.path.exists(f"{path}-wal") and os.path.exists(f"{path}-shm")  # open while connected
    assert [mode(p) for p in (path, f"{path}-wal", f"{path}-shm")] == ["0o600"] * 3
    assert mode(path.parent) == "0o700"
    database.close()


def test_document_store_folders_are_private(app, open_umask, tmp_path):
    app.config["DOCUMENT_DIR"] = str(tmp_path / "store" / "documents")
    storage_id = storage.put(b"CV")
    path = tmp_path / "store" / "documents" / storage_id[:2] / storage_id
    assert mode(path) == "0o600"
    assert [mode(p) for p in (path.parent, path.parent.parent, path.parent.parent.parent)] == [
        "0o700"] * 3
    storage.rotate(storage_id)
    assert mode(path) == "0o600"


def test_development_secrets_and_their_folder_are_private(tmp_path, open_umask):
    path = tmp_path / "instance" / "secret_key"
    assert instance_secret(path, lambda: "s3cret") == "s3cret"
    assert (mode(path), mode(path.parent)) == ("0o600", "0o700")


def test_development_outbox_files_are_private(db, database_url, tmp_path, open_umask):
    """`make run` writes e-mails to files (MAIL_BACKEND=file): each one holds links and names."""
    class Development(TestConfig):
        DATABASE_URL = database_url
        INSTANCE_DIR = str(tmp_path)
        MAIL_BACKEND = "file"
        MAIL_FILE_PATH = str(tmp_path / "instance" / "outbox")

    app = create_app(Development)
    with app.app_context():
        row = Outbox.create(to="kari@example.no", subject="Hei", template="mail/email/rendered",
                            params='{"text": "Hei Kari"}', person=make_person())
        actions.send(row.id)
    [mail] = list((tmp_path / "instance" / "outbox").iterdir())
    assert "kari@example.no" in mail.read_text()
    assert (mode(mail), mode(mail.parent), mode(mail.parent.parent)) == ("0o600", "0o700", "0o700")
