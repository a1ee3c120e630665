"""The document store: encrypted bytes under random ids, behind an interface an object store can replace.

    put(data) -> storage_id            get(storage_id) -> bytes
    open_write() -> Writer (.write, .close, .storage_id)   stream(storage_id) -> chunks
    delete(storage_id)                 rotate(storage_id)

A file is written in encrypted chunks of CHUNK bytes, so that a file of any size (a document,
an access export's zip) is written and read in bounded memory: `open_write()` and `stream()`
never hold more than two chunks. Each chunk is sealed with AES-256-GCM under a key derived from
the first of DOCUMENT_KEYS; its nonce is the file's random prefix and the chunk's number, and
the chunk's number and a "last chunk" flag are authenticated with it, so chunks cannot be
reordered, dropped, swapped between files or cut off at the end without the read failing.

DOCUMENT_KEYS lists Fernet keys (the first encrypts, all decrypt: key rotation); each file names
the key it was sealed with by a short id derived from it. Files written before chunking (one
Fernet token) are still read, whole, and `rotate()` rewrites them in chunks. In development,
without DOCUMENT_KEYS, one key is generated into <instance>/document.key (mode 0600).
"""
import base64
import hashlib
import hmac
import os
import re
import secrets
import struct
import time
from pathlib import Path

from flask import current_app

from portal.config import instance_secret
from portal.private_files import open_private, private_dir

_ID = re.compile(r"^[A-Za-z0-9_-]{32,64}$")

CHUNK = 64 * 1024
MAGIC = b"PCHUNK1\n"            # a chunked file starts so; a Fernet token starts with "gAAAAA"
_KEY_ID = 8                     # bytes naming the key a file was sealed with
_PREFIX = 8                     # random bytes of each file's nonces
_HEADER = len(MAGIC) + _KEY_ID + _PREFIX
_LENGTH = struct.Struct(">I")   # each sealed chunk is preceded by its length
_TAG = 16
_LAST, _MORE = b"\x01", b"\x00"


class StorageError(Exception):
    """A stored file is missing, malformed or cannot be decrypted."""


def _instance_dir(app):
    return Path(app.config.get("INSTANCE_DIR") or app.instance_path)


def _keys(app):
    from cryptography.fernet import Fernet  # cryptography loads when a file is first touched
    configured = [k.strip() for k in app.config.get("DOCUMENT_KEYS", "").split(",") if k.strip()]
    if configured:
        return configured
    if app.config["ENV_NAME"] == "production":
        raise RuntimeError("DOCUMENT_KEYS must be set in production")
    return [instance_secret(_instance_dir(app) / "document.key",
                            lambda: Fernet.generate_key().decode())]


def _fernet(app=None):
    from cryptography.fernet import Fernet, MultiFernet
    app = app or current_app
    return MultiFernet([Fernet(k.encode()) for k in _keys(app)])


def _derive(key, purpose):
    """A 32-byte key for one purpose from a Fernet key (HMAC-SHA256 as the derivation)."""
    return hmac.new(base64.urlsafe_b64decode(key.encode()), purpose, hashlib.sha256).digest()


def _chunk_keys(app=None):
    """[(key id, AESGCM)] for every configured key, the encrypting one first."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    return [(_derive(k, b"portal.storage key id v1")[:_KEY_ID],
             AESGCM(_derive(k, b"portal.storage chunks v1")))
            for k in _keys(app or current_app)]


def _path(storage_id, app=None):
    app = app or current_app
    if not _ID.match(storage_id or ""):
        raise StorageError("malformed storage id")
    root = Path(app.config["DOCUMENT_DIR"])
    # Two levels of fan-out keep directories small.
    return root / storage_id[:2] / storage_id


def _nonce(prefix, index):
    return prefix + struct.pack(">I", index)


def _aad(header, index, last):
    return header + struct.pack(">I", index) + (_LAST if last else _MORE)


class Writer:
    """A new stored file, written in encrypted chunks as bytes come; `close()` makes it appear
    under `storage_id` whole (a reader never sees half a file). Not seekable: zipfile writes
    a streaming archive to it. Used as a context manager, an exception leaves nothing behind."""

    def __init__(self, app=None, storage_id=None):
        app = app or current_app
        self.storage_id = storage_id or secrets.token_urlsafe(32)
        self.path = _path(self.storage_id, app)
        private_dir(self.path.parent)  # the store and its fan-out folders: 0700
        self._tmp = self.path.with_name(f"{self.path.name}.{secrets.token_hex(4)}.tmp")
        self._file = open_private(self._tmp)
        key_id, self._aead = _chunk_keys(app)[0]
        self._prefix = secrets.token_bytes(_PREFIX)
        self._header = MAGIC + key_id + self._prefix
        self._file.write(self._header)
        self._buffer = bytearray()
        self._index = 0
        self.size = 0  # plaintext bytes written
        self.closed = False

    def write(self, data):
        if self.closed:
            raise ValueError("write to a closed storage writer")
        self._buffer += data
        self.size += len(data)
        # Keep at least one byte back: the chunk sealed last must carry the "last" flag.
        while len(self._buffer) > CHUNK:
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain, last):
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index), plain,
                                    _aad(self._header, self._index, last))
        self._file.write(_LENGTH.pack(len(sealed)) + sealed)
        self._index += 1

    def flush(self):
        pass  # chunks go to the file as they fill; close() makes it durable

    def close(self):
        """Seal the last chunk, make the file durable and put it in place; returns the id."""
        if self.closed:
            return self.storage_id
        self._seal(bytes(self._buffer), last=True)
        self._buffer = bytearray()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._tmp, self.path)
        self.closed = True
        return self.storage_id

    def abort(self):
        """Forget everything written; no file appears."""
        if not self.closed:
            self._file.close()
            self._tmp.unlink(missing_ok=True)
            self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()
        return False


def open_write():
    """A Writer for a new stored file (use `with`); its `storage_id` names it once closed."""
    return Writer()


def put(data: bytes) -> str:
    """Encrypt and store bytes under a new random id; returns the id."""
    with Writer() as writer:
        for start in range(0, len(data), CHUNK):
            writer.write(data[start:start + CHUNK])
    return writer.storage_id


def _read_exact(f, n):
    data = f.read(n)
    if len(data) != n:
        raise StorageError("truncated")
    return data


def _chunks(f, header, app):
    from cryptography.exceptions import InvalidTag
    """Decrypt a chunked file after its header; yields plaintext chunks."""
    keys = dict(_chunk_keys(app))
    aead = keys.get(header[len(MAGIC):len(MAGIC) + _KEY_ID])
    if aead is None:
        raise StorageError("sealed with a key that is not configured")
    prefix = header[len(MAGIC) + _KEY_ID:]
    index = 0
    while True:
        length = _LENGTH.unpack(_read_exact(f, _LENGTH.size))[0]
        if not _TAG <= length <= CHUNK + _TAG:  # never read more than a chunk, whatever it says
            raise StorageError("malformed chunk")
        sealed = _read_exact(f, length)
        for last in (False, True):
            try:
                plain = aead.decrypt(_nonce(prefix, index), sealed, _aad(header, index, last))
                break
            except InvalidTag:
                continue
        else:
            raise StorageError("chunk does not authenticate")
        yield plain
        if last:
            if f.read(1):
                raise StorageError("data after the last chunk")
            return
        index += 1


def stream(storage_id: str, app=None):
    """The decrypted bytes stored under an id, chunk by chunk; StorageError when missing,
    altered or undecryptable (raised before the first chunk when the file is missing)."""
    app = app or current_app._get_current_object()  # the generator may outlive the request
    try:
        f = open(_path(storage_id, app), "rb")  # closed by _stream when it ends
    except FileNotFoundError as exc:
        raise StorageError("FileNotFoundError") from exc
    return _stream(f, app)


def _stream(f, app):
    from cryptography.fernet import InvalidToken
    with f:
        header = f.read(_HEADER)
        if header[:len(MAGIC)] != MAGIC:
            # Written before chunking: one Fernet token, decrypted whole.
            try:
                data = _fernet(app).decrypt(header + f.read())
            except InvalidToken as exc:
                raise StorageError("InvalidToken") from exc
            for start in range(0, len(data), CHUNK):
                yield data[start:start + CHUNK]
            return
        if len(header) != _HEADER:
            raise StorageError("truncated")
        yield from _chunks(f, header, app)


def get(storage_id: str) -> bytes:
    """The decrypted bytes stored under an id; StorageError when missing or undecryptable."""
    return b"".join(stream(storage_id))


def delete(storage_id: str) -> None:
    """Remove a stored file; a missing file is not an error (deleting twice is harmless), and
    an id that cannot name a file (None, say, for a copy never built) names nothing to delete."""
    try:
        _path(storage_id).unlink()
    except (FileNotFoundError, StorageError):
        pass


def rotate(storage_id: str) -> None:
    """Re-encrypt one file with the first key (after a new key was put first in DOCUMENT_KEYS),
    in chunks; the same id names it afterwards."""
    with Writer(storage_id=storage_id) as writer:  # replaces the file once it is whole
        for chunk in stream(storage_id):
            writer.write(chunk)


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
