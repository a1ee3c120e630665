"""The outbox: e-mails are written with the change, queued after commit, never lost."""
import json

import jinja2
import pytest
from flask_babel import lazy_gettext as _l
from rq import SimpleWorker

from portal.db import db as database
from portal.mail import actions
from portal.mail.models import Outbox
from tests.factories import make_person


@pytest.fixture(autouse=True)
def test_templates(app):
    app.jinja_loader = jinja2.ChoiceLoader([
        app.jinja_loader, jinja2.FileSystemLoader(str(__import__("pathlib").Path(__file__).parent / "templates"))])


def write(person, locale="nb"):
    return actions.queue_email(person.email, _l("Log in"), "test/email/hello", locale,
                               person=person, attachments=[("a.txt", b"hei", "text/plain")],
                               name=person.name)


def test_rolled_back_transaction_leaves_no_email_and_no_job(db, queue):
    person = make_person()
    with pytest.raises(RuntimeError):
        with database.atomic():
            write(person)
            raise RuntimeError("the change failed")
    assert Outbox.select().count() == 0
    assert queue.count == 0


def test_committed_email_is_queued_and_sent_once(db, queue, outbox):
    person = make_person(name="Åse Ødegård")
    with database.atomic():
        row = write(person)
        assert queue.count == 0  # not before the commit
    assert queue.job_ids == [f"email-{row.id}"]
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert Outbox.get_by_id(row.id).sent_at is not None
    sent = outbox.messages
    assert len(sent) == 1
    assert sent[0].subject == "Logg inn" and "Logg inn, Åse Ødegård." in sent[0].body
    assert sent[0].attachments[0][0] == "a.txt"
    assert actions.send(row.id) is False  # a second run sends nothing
    assert len(outbox.messages) == 1


def test_email_is_written_in_the_persons_language(db, outbox):
    person = make_person()
    write(person, locale="en")
    assert outbox.messages[0].subject == "Log in"


def test_email_survives_redis_being_down_and_goes_out_after(app, db, queue, outbox):
    person = make_person()
    good_url = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    app.extensions.pop("portal_redis")
    with database.atomic():
        row = write(person)
    assert Outbox.get_by_id(row.id).sent_at is None  # kept, not lost
    app.config["REDIS_URL"] = good_url
    app.extensions.pop("portal_redis")
    assert actions.relay_unsent(older_than=__import__("datetime").timedelta(0)) == 1
    assert actions.relay_unsent(older_than=__import__("datetime").timedelta(0)) == 0  # no duplicate
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert len(outbox.to(person.email)) == 1


def test_file_backend_writes_each_message_under_the_outbox_dir(app, db, tmp_path):
    app.config["MAIL_BACKEND"] = "file"
    app.config["MAIL_FILE_PATH"] = str(tmp_path / "mails")
    app.extensions["mailman"].backend = "file"
    app.extensions["mailman"].file_path = str(tmp_path / "mails")
    row = write(make_person(email="fil@example.no"))
    actions.send(row.id)
    files = list((tmp_path / "mails").iterdir())
    assert len(files) == 1 and "fil@example.no" in files[0].read_text()


def test_relay_requeues_an_email_whose_job_failed_for_good(db, queue, outbox):
    from datetime import timedelta

    from rq.job import Job
    person = make_person()
    row = write(person)  # queued as job email-<id>
    job = Job.fetch(f"email-{row.id}", connection=queue.connection)
    queue.remove(job)
    job.set_status("failed")  # as when a worker died and the retries ran out
    assert actions.relay_unsent(older_than=timedelta(0)) == 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    assert len(outbox.to(person.email)) == 1


def test_relay_leaves_a_waiting_job_alone(db, queue):
    from datetime import timedelta
    write(make_person())
    assert queue.count == 1
    assert actions.relay_unsent(older_than=timedelta(0)) == 0
    assert queue.count == 1


def test_a_sent_email_leaves_no_body_or_links_behind_and_is_forgotten_after_30_days(db, outbox):
    from datetime import UTC, datetime, timedelta

    import time_machine
    row = write(make_person(name="Ola Hemmelig"))
    assert len(outbox.messages) == 1
    kept = Outbox.get_by_id(row.id)
    assert kept.sent_at is not None
    assert (kept.params, kept.attachments) == ("{}", "[]")
    from portal.retention.actions import sweep
    sweep()
    assert Outbox.select().count() == 1
    with time_machine.travel(datetime.now(UTC) + timedelta(days=31)):
        assert json.loads(sweep().counts)["after_sending:Outbox"] == 1
    assert Outbox.select().count() == 0


def test_an_email_is_rendered_from_its_values_when_sent_and_dropped_when_its_subject_is_gone(
        app, db, outbox, monkeypatch):
    """The outbox row holds values, not text: the e-mail is made when it goes out, from what
    exists then; when that is gone (erased before the job ran), nothing is sent."""
    people = {}

    def hello_context(who):
        if who not in people:
            raise actions.Gone(who)
        return {"name": people[who]}

    monkeypatch.setitem(actions._CONTEXTS, "test/email/hello", hello_context)
    people[1] = "Kari Nordmann"
    with database.atomic():
        kept = actions.queue_email("kari@example.no", _l("Log in"), "test/email/hello", who=1)
        gone = actions.queue_email("ola@example.no", _l("Log in"), "test/email/hello", who=2)
    assert "Kari" not in kept.params  # no text yet: the values
    [mail] = outbox.messages
    assert mail.to == ["kari@example.no"] and "Logg inn, Kari Nordmann." in mail.body
    assert Outbox.get_or_none(Outbox.id == gone.id) is None


def test_emails_written_before_the_change_keep_their_text(app, tmp_path):
    """Unsent e-mails of the old outbox (rendered text) go out as they were written."""
    from datetime import datetime

    from playhouse.migrations import Runner

    from portal.db import make_database
    from portal.schema import MIGRATIONS
    database = make_database(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    runner = Runner(database, directory=str(MIGRATIONS))
    assert runner.up(target="0005_calendar")
    now = datetime(2026, 11, 1, 9, 0)
    database.execute_sql(
        "INSERT INTO outbox (\"to\", subject, body_text, body_html, attachments, created_at, "
        "attempts) VALUES ('kari@example.no', 'Hei', 'Hei Kari, her er koden: 123456', '', "
        "'[]', ?, 0)", (now,))
    assert "0011_outbox_values" in runner.up()
    template, locale, params = database.execute_sql(
        "SELECT template, locale, params FROM outbox").fetchone()
    database.close()
    row = Outbox(to="kari@example.no", subject="Hei", template=template, locale=locale,
                 params=params)
    assert actions.render(row) == ("Hei", "Hei Kari, her er koden: 123456", "", [])


def test_of_two_jobs_sending_one_email_at_once_only_one_sends_it(db, outbox, monkeypatch):
    """A batch job that runs late and the relay's job for one of its e-mails: one e-mail."""
    row = write(make_person())
    found = Outbox.get_or_none

    def read_while_another_job_counts_its_attempt(*args, **kwargs):
        row = found(*args, **kwargs)
        Outbox.update(attempts=Outbox.attempts + 1).where(Outbox.id == row.id).execute()
        return row

    monkeypatch.setattr(Outbox, "get_or_none", read_while_another_job_counts_its_attempt)
    assert actions.send(row.id) is False
    monkeypatch.undo()
    assert len(outbox.messages) == 1 and actions.send(row.id) is False
