"""Files and folders for the portal's own user only: 0600 and 0700, whatever the umask.

The database, the development secrets and outbox, and the document store hold personal data or
keys; a umask of 022 would leave them readable by every local user. Each is created with the
private mode from the start (never created open and narrowed afterwards), and the mode is set
again explicitly so that an unusual umask cannot take the owner's own bits away either.
Folders and files that already exist are left as they are.
"""
import os
from pathlib import Path

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path):
    """Make a folder, and each missing parent, with mode 0700; returns the path."""
    target = folder = Path(path)
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:  # another process made it at the same moment, also 0700
            continue
        os.chmod(folder, DIR_MODE)
    return target


def open_private(path, append=False):
    """Open a new file for writing in binary, mode 0600 (append=True: add to it, making it if needed).

    Without append the file must not exist yet (O_EXCL): a file or link someone else put there
    first is never written through.
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if append else os.O_EXCL | os.O_TRUNC)
    fd = os.open(path, flags | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, "ab" if append else "wb")
    except BaseException:
        os.close(fd)
        raise


def create_private(path):
    """Make an empty file with mode 0600 unless one exists already; returns the path."""
    try:
        open_private(path).close()
    except FileExistsError:
        pass
    return Path(path)
