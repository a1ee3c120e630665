"""The document store: encrypted bytes under random ids, behind an interface an object store can replace.

`put(data) -> storage_id`, `get(storage_id) -> bytes`, `delete(storage_id)`. Files are encrypted
with Fernet (MultiFernet for key rotation): DOCUMENT_KEYS lists the keys, the first encrypts and
all decrypt. In development, without DOCUMENT_KEYS, one key is generated into
<instance>/document.key (mode 0600).
"""
import os
import re
import secrets
import time
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from portal.config import instance_secret
from portal.private_files import open_private, private_dir

_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


class StorageError(Exception):
    """A stored file is missing or cannot be decrypted."""


def _instance_dir(app):
    return Path(app.config.get("INSTANCE_DIR") or app.instance_path)


def _keys(app):
    configured = [k.strip() for k in app.config.get("DOCUMENT_KEYS", "").split(",") if k.strip()]
    if configured:
        return configured
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError("DOCUMENT_KEYS must be set in production")
    return [instance_secret(_instance_dir(app) / "document.key",
                            lambda: Fernet.generate_key().decode())]


def _fernet(app=None):
    app = app or current_app
    return MultiFernet([Fernet(k.encode()) for k in _keys(app)])


def _path(storage_id, app=None):
    app = app or current_app
    if not _ID.match(storage_id or ""):
        raise StorageError("malformed storage id")
    root = Path(app.config["DOCUMENT_DIR"])
    # Two levels of fan-out keep directories small.
    return root / storage_id[:2] / storage_id


def put(data: bytes) -> str:
    """Encrypt and store bytes under a new random id; returns the id."""
    storage_id = secrets.token_urlsafe(32)
    path = _path(storage_id)
    private_dir(path.parent)  # the store and its fan-out folders: 0700
    token = _fernet().encrypt(data)
    _write(path, token)
    return storage_id


def _write(path, token):
    """Write a file whole, mode 0600 from the start: a reader never sees half a file."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    with open_private(tmp) as f:
        f.write(token)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def get(storage_id: str) -> bytes:
    """The decrypted bytes stored under an id; StorageError when missing or undecryptable."""
    try:
        token = _path(storage_id).read_bytes()
        return _fernet().decrypt(token)
    except (FileNotFoundError, InvalidToken) as exc:
        raise StorageError(type(exc).__name__) from exc


def delete(storage_id: str) -> None:
    """Remove a stored file; a missing file is not an error (deleting twice is harmless)."""
    try:
        _path(storage_id).unlink()
    except FileNotFoundError:
        pass


def rotate(storage_id: str) -> None:
    """Re-encrypt one file with the first key (after a new key was put first in DOCUMENT_KEYS)."""
    path = _path(storage_id)
    _write(path, _fernet().rotate(path.read_bytes()))


def remove_unknown(known, older_than):
    """Remove stored files whose id is not in `known` and that are older than `older_than`
    (a timedelta; younger ones may belong to an upload about to commit). Returns how many."""
    root = Path(current_app.config["DOCUMENT_DIR"])
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for path in root.glob("*/*"):
        if (_ID.match(path.name) and path.name not in known and path.is_file()
                and path.stat().st_mtime < cutoff):
            path.unlink(missing_ok=True)
            removed += 1
    return removed
