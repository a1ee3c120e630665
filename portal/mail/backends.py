"""The development outbox (MAIL_BACKEND=file): Flask-Mailman's file backend, written privately.

Each file holds a whole e-mail, links and names included, so the folder is 0700 and every file
0600, whatever the umask. `create_app` uses this class wherever the settings say "file".
"""
import os
import re
from email import message_from_bytes, policy

import phonenumbers
from flask import current_app
from flask_mailman.backends.file import EmailBackend as FileEmailBackend

from portal.private_files import open_private, private_dir


class EmailBackend(FileEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        mailman = kwargs.get("mailman") or current_app.extensions["mailman"]
        private_dir(os.path.abspath(file_path or mailman.file_path))  # before Flask-Mailman's makedirs
        super().__init__(*args, file_path=file_path, **kwargs)

    def open(self):
        if self.stream is None:
            self.stream = open_private(self._get_filename(), append=True)
            return True
        return False


SEPARATOR = b"\n" + b"-" * 79 + b"\n"  # what the file backend writes after each message


def forget(needles):
    """Remove from the development outbox every message that names one of `needles` (an
    erased person's addresses, number and name, each whole: not inside a longer one) in a
    header or its text; files left empty go.
    Returns how many messages. Nothing to do unless MAIL_BACKEND=file."""
    if current_app.config.get("MAIL_BACKEND") != "portal.mail.backends.EmailBackend":
        return 0
    folder = current_app.config.get("MAIL_FILE_PATH")
    needles = [n.lower() for n in needles if n]
    needles += [_as_read(n) for n in needles if n.startswith("+") and _as_read(n) != n]
    if not folder or not os.path.isdir(folder) or not needles:
        return 0
    removed = 0
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        with open(path, "rb") as f:
            messages = [m for m in f.read().split(SEPARATOR) if m.strip()]
        kept = [m for m in messages if not _names_any(m, needles)]
        if len(kept) == len(messages):
            continue
        removed += len(messages) - len(kept)
        if kept:
            tmp = f"{path}.tmp"
            with open_private(tmp) as out:
                out.write(b"".join(m + SEPARATOR for m in kept))
            os.replace(tmp, path)
        else:
            os.unlink(path)
    return removed


def _names_any(raw, needles):
    """Whether a stored message names a needle: headers and text parts, decoded."""
    message = message_from_bytes(raw.lstrip(b"\n"), policy=policy.default)
    texts = [str(v) for v in message.values()]
    for part in message.walk():
        if part.get_content_maintype() == "text":
            texts.append(part.get_content())
    text = "\n".join(texts).lower()
    return any(_whole(n).search(text) for n in needles)


def _as_read(number):
    """A stored E.164 number as e-mails print it: +47 412 34 567."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _whole(needle):
    """The needle as a whole word, address or number: erasing a@b.no leaves aa@b.no and
    a@b.no.com alone, erasing "Ann Li" leaves "Ann Lien", +4741234567 leaves +47412345670."""
    return re.compile(r"(?<![\w.+@-])" + re.escape(needle) + r"(?![\w@-]|\.\w)")
