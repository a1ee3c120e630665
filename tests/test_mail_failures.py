"""An e-mail that cannot be sent leaves its kind and an error code behind, never its address.

RQ keeps a failed job's exception (the failed-job registry, the job's results) for a week, and
workers log it: the SMTP server's refusal names the recipient, so the send raises NotSent with
the e-mail's kind and the server's code only.
"""
import base64
import binascii
import logging
import socketserver
import threading
import zlib

import pytest
from rq import SimpleWorker

from portal.db import db as database
from portal.mail import actions
from portal.mail.models import Outbox
from tests.factories import make_person

ADDRESS = "nektet.mottaker@example.no"
NAME = "Nektet Mottakersen"


class _Refusing(socketserver.StreamRequestHandler):
    """An SMTP server that refuses every recipient, naming it, as real ones do."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        self.reply("220 refusing.test ESMTP")
        for raw in self.rfile:
            command = raw.decode(errors="replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 refusing.test")
            elif verb == "MAIL":
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                self.reply(f"550 5.1.1 {command[8:]}: Recipient address rejected: unknown user")
            elif verb == "RSET":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Bye")
                return
            else:
                self.reply("502 5.5.2 Error: command not recognized")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Refusing)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server,
            "MAIL_USE_TLS": False}


def _readable(value):
    """A stored value as text, unpacked where RQ compressed it (a job's exception, its data)."""
    for unpack in (zlib.decompress, lambda v: zlib.decompress(base64.b64decode(v, validate=True))):
        try:
            return unpack(value).decode(errors="replace")
        except (zlib.error, binascii.Error, ValueError):
            continue
    return value.decode(errors="replace")


def _everything_in_redis(conn):
    """Every key and every value Redis holds, as text (strings, hashes, lists, sets, streams)."""
    text = []
    for key in conn.keys("*"):
        text.append(key.decode(errors="replace"))
        kind = conn.type(key).decode()
        if kind == "hash":
            values = [v for pair in conn.hgetall(key).items() for v in pair]
        elif kind == "stream":
            values = [v for _, fields in conn.xrange(key) for pair in fields.items() for v in pair]
        elif kind == "string":
            values = [conn.get(key)]
        elif kind == "list":
            values = conn.lrange(key, 0, -1)
        elif kind == "zset":
            values = conn.zrange(key, 0, -1)
        else:
            values = list(conn.smembers(key))
        text += [_readable(v) for v in values]
    return "\n".join(text)


def test_a_refused_email_leaves_no_address_in_redis_or_the_logs(app, db, queue, caplog, capfd):
    caplog.set_level(logging.INFO)  # what workers log in production
    person = make_person(name=NAME, email=ADDRESS)
    with database.atomic():
        row = actions.queue_email(ADDRESS, "Hei", "auth/email/reset", "nb", person=person,
                                  url="http://portal.test/password/reset/x")
    worker = SimpleWorker([queue], connection=queue.connection)
    worker.work(burst=True)  # the first try fails; a retry is scheduled
    queue.enqueue(actions.SEND_JOB, row.id, retry=None)  # and once more, to the failed registry
    worker.work(burst=True)

    assert Outbox.get_by_id(row.id).sent_at is None  # not sent: the relay tries again later
    stored = _everything_in_redis(queue.connection)
    logged = caplog.text + "".join(capfd.readouterr())
    for needle in (ADDRESS, "nektet.mottaker", NAME):
        assert needle not in stored
        assert needle not in logged
    # What is kept says what failed: the kind of e-mail and the server's code.
    assert "NotSent" in stored and "auth/email/reset" in stored and "550" in stored
    assert "NotSent" in logged


def test_not_sent_names_the_kind_and_the_code_only(app, db):
    person = make_person(name=NAME, email=ADDRESS)
    row = actions.queue_email(ADDRESS, "Hei", "auth/email/reset", "nb", person=person,
                              url="http://portal.test/password/reset/x")
    with pytest.raises(actions.NotSent) as refused:
        actions.send(row.id)
    assert (refused.value.kind, refused.value.code) == ("auth/email/reset", "smtp 550")
    assert ADDRESS not in str(refused.value) and refused.value.__suppress_context__
