"""The development outbox (MAIL_BACKEND=file): Flask-Mailman's file backend, written privately.

Each file holds a whole e-mail, links and names included, so the folder is 0700 and every file
0600, whatever the umask. `create_app` uses this class wherever the settings say "file".
"""
import os

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
