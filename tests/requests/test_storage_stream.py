"""The document store writes and reads in encrypted chunks: any size in bounded memory, and a
file altered on disk (a byte, a chunk dropped, reordered or cut off) is refused."""
import os
import struct

import pytest
from cryptography.fernet import Fernet

from portal import storage


def _path(app, storage_id):
    return os.path.join(app.config["DOCUMENT_DIR"], storage_id[:2], storage_id)


@pytest.mark.parametrize("size", [0, 1, storage.CHUNK - 1, storage.CHUNK, storage.CHUNK + 1,
                                  3 * storage.CHUNK + 5])
def test_round_trip_of_every_size(app, size):
    data = os.urandom(size)
    storage_id = storage.put(data)
    assert storage.get(storage_id) == data
    assert all(len(c) <= storage.CHUNK for c in storage.stream(storage_id))


def test_a_writer_puts_chunks_on_disk_as_they_come_and_the_file_appears_whole(app):
    with storage.open_write() as out:
        for _ in range(5):
            out.write(b"x" * storage.CHUNK)
        tmp = [p for p in os.listdir(os.path.dirname(out.path)) if p.endswith(".tmp")]
        assert len(tmp) == 1 and not os.path.exists(out.path)  # not visible before close
        written = os.path.getsize(os.path.join(os.path.dirname(out.path), tmp[0]))
        assert written > 3 * storage.CHUNK  # on disk already, not held in memory
    assert storage.get(out.storage_id) == b"x" * 5 * storage.CHUNK and out.size == 5 * storage.CHUNK


def test_a_failed_write_leaves_nothing(app):
    with pytest.raises(RuntimeError):
        with storage.open_write() as out:
            out.write(b"half a zip")
            raise RuntimeError("the job died")
    assert not os.listdir(os.path.dirname(out.path))


def _records(raw):
    """(header, [sealed chunk records]) of a stored file."""
    header, rest, records = raw[:24], raw[24:], []
    while rest:
        length = struct.unpack(">I", rest[:4])[0]
        records.append(rest[:4 + length])
        rest = rest[4 + length:]
    return header, records


def _rewrite(app, storage_id, change):
    path = _path(app, storage_id)
    with open(path, "rb") as f:
        raw = f.read()
    header, records = _records(raw)
    with open(path, "wb") as f:
        f.write(change(header, records))


@pytest.mark.parametrize("change", [
    lambda h, r: h + b"".join(r)[:-1] + bytes([b"".join(r)[-1] ^ 1]),       # one bit flipped
    lambda h, r: h + b"".join(r[:-1]),                                        # last chunk dropped
    lambda h, r: h + b"".join(r[:1] + r[2:]),                                 # a chunk dropped
    lambda h, r: h + b"".join([r[1], r[0]] + r[2:]),                          # two swapped
    lambda h, r: h + b"".join(r) + r[-1],                                     # data after the end
    lambda h, r: h + b"".join(r)[:-7],                                        # cut off
    lambda h, r: h + struct.pack(">I", 2 ** 30) + b"".join(r)[4:],            # a huge length
], ids=["bit", "last", "dropped", "swapped", "appended", "cut", "length"])
def test_an_altered_file_is_refused(app, change):
    storage_id = storage.put(os.urandom(3 * storage.CHUNK + 10))
    _rewrite(app, storage_id, change)
    with pytest.raises(storage.StorageError):
        storage.get(storage_id)


def test_chunks_of_one_file_do_not_fit_another(app):
    data = os.urandom(2 * storage.CHUNK)
    first, second = storage.put(data), storage.put(data)
    with open(_path(app, second), "rb") as f:
        _, theirs = _records(f.read())
    _rewrite(app, first, lambda h, r: h + theirs[0] + b"".join(r[1:]))
    with pytest.raises(storage.StorageError):
        storage.get(first)


def test_files_from_before_chunking_are_read_and_rotated_into_chunks(app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["DOCUMENT_KEYS"] = old
    storage_id = storage.put(b"placeholder")
    with open(_path(app, storage_id), "wb") as f:  # a file as the store wrote it before
        f.write(Fernet(old.encode()).encrypt(b"gammel CV"))
    assert storage.get(storage_id) == b"gammel CV"
    app.config["DOCUMENT_KEYS"] = f"{new},{old}"
    storage.rotate(storage_id)
    with open(_path(app, storage_id), "rb") as f:
        assert f.read(len(storage.MAGIC)) == storage.MAGIC
    app.config["DOCUMENT_KEYS"] = new
    assert storage.get(storage_id) == b"gammel CV"


def test_a_file_sealed_with_a_key_no_longer_configured_is_refused(app):
    app.config["DOCUMENT_KEYS"] = Fernet.generate_key().decode()
    storage_id = storage.put(b"CV")
    app.config["DOCUMENT_KEYS"] = Fernet.generate_key().decode()
    with pytest.raises(storage.StorageError):
        storage.get(storage_id)


def test_deleting_an_id_that_names_no_file_is_harmless(app):
    storage.delete(None)
    storage.delete("../../etc/passwd")
    with pytest.raises(storage.StorageError):
        storage.get("../../etc/passwd")
