"""The person registry: every table is declared, export finds everything, erasure leaves nothing.

The walk over models reads every feature's models (not the catalog's list), so a new table
with personal data fails here until its feature declares it.
"""
import json
import os
from datetime import date

import pytest
from peewee import CharField, TextField

from portal import catalog, features
from portal.audit.models import AuditEvent
from portal.auth import throttle
from portal.auth.actions import request_password_reset
from portal.auth.models import User
from portal.candidates import models as cand
from portal.consent.actions import decide
from portal.db import is_postgres
from portal.documents.models import Document
from portal.mail import limits
from portal.mail.models import Outbox
from portal.people import registry
from portal.people.holdings import NoPersonalData, Rows
from portal.people.models import Person, Tombstone
from portal.ratelimit import keyed_hash
from portal.verification.actions import address_key
from tests.booking.conftest import book_with_code, booking_form, consultant, free_slot  # noqa: F401
from tests.candidates import files
from tests.factories import PASSWORD

NAME = "Zyxwa Qvornsdatter"
EMAIL = "zyxwa.qvorn@example.no"
PHONE = "+4791827364"
TYPED_PHONE = "918 27 364"
STREET = "Qvornveien 77"


# -- Every table is declared --------------------------------------------------------------------

def undeclared(models, declarations):
    """Models that no holding names and no declaration calls free of personal data."""
    named = {d.model for d in declarations if isinstance(d, (Rows, NoPersonalData))}
    return [f"{m.__module__}.{m.__name__} ({', '.join(m._meta.sorted_field_names)})"
            for m in models if m not in named]


def test_every_model_of_every_feature_is_registered_or_declared_free():
    missing = undeclared(features.all_models(), registry.declarations() + registry.free_models())
    assert missing == [], ("declare these in their feature.py: `personal_data` (a Rows holding: "
                           "how it reaches the person, what erasure does) or `no_personal_data`")


def test_a_new_table_with_an_email_column_is_caught():
    from portal.db import BaseModel

    class Newsletter(BaseModel):
        email = CharField()

    found = undeclared([Newsletter], registry.declarations() + registry.free_models())
    assert found and "Newsletter (id, email)" in found[0]


def test_every_back_reference_of_person_is_a_holding_that_reaches_the_person():
    reached = {h.model for h in registry.row_holdings() if h.person or h.reach}
    for backref in Person._meta.backrefs:
        assert backref.model in reached, backref.model.__name__


def test_every_column_of_a_holding_is_catalogued_bookkeeping_or_withheld():
    known = set(catalog.fields()) | catalog.NOT_PERSONAL
    unknown = [f"{h.name}.{c}" for h in registry.row_holdings() for c in h.model._meta.fields
               if f"{h.name}.{c}" not in known and c not in h.withheld]
    assert unknown == [], "add these to portal/catalog.py (a category or NOT_PERSONAL)"


def test_holdings_name_real_categories_and_columns():
    keys = {c.key for c in catalog.CATEGORIES}
    for h in registry.row_holdings():
        if not callable(h.category):
            assert h.category in keys, h
        for column in (h.person, h.email, h.phone, *h.rectify, *h.withheld, h.created):
            assert column is None or column in h.model._meta.fields, (h.name, column)


def test_models_declared_free_hold_no_person_link():
    for declared in registry.free_models():
        assert declared.why
        links = [f for f in declared.model._meta.refs if f.rel_model is Person]
        assert links == [], declared.model.__name__


# -- A person with every kind of data -----------------------------------------------------------

@pytest.fixture
def app_config(tmp_path):
    """Rate limits counted in the real Redis, e-mails written to the development outbox."""
    from tests.conftest import TEST_REDIS_URL
    return {"RATELIMIT_STORAGE_URI": TEST_REDIS_URL, "MAIL_BACKEND": "file",
            "MAIL_FILE_PATH": str(tmp_path / "outbox")}


@pytest.fixture
def redis(app):
    from portal.extensions import limiter
    conn = limiter.storage.storage
    conn.flushdb()
    yield conn
    conn.flushdb()


def _deliver():
    from portal.mail.actions import send
    for row in Outbox.select(Outbox.id).where(Outbox.sent_at.is_null()):
        send(row.id)


class Mailbox:
    """The development outbox as a person's mailbox: codes read from the files."""

    def __init__(self, app):
        self.folder = app.config["MAIL_FILE_PATH"]

    def text(self):
        _deliver()
        from email import message_from_bytes, policy

        from portal.mail.backends import SEPARATOR
        out = []
        for name in sorted(os.listdir(self.folder)) if os.path.isdir(self.folder) else []:
            with open(os.path.join(self.folder, name), "rb") as f:
                for raw in f.read().split(SEPARATOR):
                    if raw.strip():
                        message = message_from_bytes(raw.lstrip(b"\n"), policy=policy.default)
                        parts = [f"{k}: {v}" for k, v in message.items()] + [
                            p.get_content() for p in message.walk()
                            if p.get_content_maintype() == "text"]
                        out.append("\n".join(parts))
        return out

    def to(self, address):
        return [m for m in self.text() if f"To: {address}" in m]


@pytest.fixture
def full_person(app, client, redis, free_slot):
    """A person with every kind of data the portal keeps, made the way people make it."""
    mailbox = Mailbox(app)

    class Box:  # what book_with_code reads codes from
        def to(self, address):
            return [type("M", (), {"subject": m.split("Subject: ")[1].split("\n")[0], "body": m})
                    for m in mailbox.to(address)]

    form = booking_form(free_slot(0).id, name=NAME, email=EMAIL, phone=TYPED_PHONE, street=STREET)
    assert book_with_code(client, Box(), form).status_code in (302, 303)
    client.post("/book", data=booking_form(free_slot(5).id, name=NAME, email=EMAIL,
                                           phone=TYPED_PHONE, street=STREET))  # left waiting
    person = Person.get(Person.email == EMAIL)
    person.stage = catalog.CANDIDATE
    person.save()
    from portal.auth.actions import create_user
    user = create_user(EMAIL, PASSWORD, person=person)
    client.post("/login", data={"email": EMAIL, "password": "not the password"})
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code in (302, 303)
    with app.test_request_context():
        request_password_reset(EMAIL, "nb")
    cand.Profile.create(person=person, birth_date=date(1990, 5, 17), nationality="NO",
                        marital_status="single", gender="female", availability="Straks")
    cand.WorkExperience.create(person=person, employer="Qvorn AS", title="Snekker",
                               description=f"{NAME} bygde hus")
    cand.Reference.create(person=person, name="Ola Referanse", email="ola.ref@example.no",
                          phone="+4790000001")
    cand.Qualification.create(person=person, title="Fagbrev")
    cand.Certificate.create(person=person, title="Truckførerbevis")
    cand.LanguageSkill.create(person=person, language="Norsk", level="C2")
    cand.JobNote.create(person=person, job="Snekker i Oslo", text="Kan starte i januar")
    cand.Evaluation.create(person=person, kind="Intervju", summary="Godt inntrykk", result="Egnet")
    other = Person.create(name="Annen Kandidat", email="annen@example.no")
    cand.Reference.create(person=other, name=NAME, email=EMAIL, phone=PHONE)  # names them
    for maker, kind, name in ((files.pdf, "cv", "cv.pdf"), (files.png, "photo", "photo.png")):
        response = files.upload(client, kind, maker(), name)
        assert response.status_code in (200, 302, 303), response.get_data(as_text=True)[:500]
    decide(person, "marketing", True)
    decide(person, "marketing", False)
    return Person.get_by_id(person.id), user, mailbox


def test_export_finds_every_item_of_every_kind(full_person):
    person, user, _ = full_person
    groups = {g.category.key: g for g in registry.export_person(person)}
    models_by_category = {k: {i.model for i in g.items} for k, g in groups.items()}
    assert {"name", "address", "email", "phone", "birth_date", "marital_status", "gender",
            "nationality", "cv", "photo", "work_experience", "references", "qualifications",
            "certificates", "languages", "evaluations", "availability_salary", "job_specific",
            "bookings", "consents", "login", "codes", "messages", "named_as_reference",
            "audit"} <= set(groups)
    assert {"User", "LoginSession", "AccountToken"} <= models_by_category["login"]
    assert {"Challenge", "PendingBooking", "CodeQuota"} <= models_by_category["codes"]
    assert "Booking" in models_by_category["bookings"]
    assert [i.fields["given"] for i in groups["consents"].items] == [True, False]
    assert groups["evaluations"].items[0].source == "staff"
    assert groups["named_as_reference"].items[0].fields["name"] == NAME
    assert groups["name"].delete_on == registry.deletion_date(person)
    assert groups["messages"].retention is catalog.AFTER_SENDING
    text = json.dumps(registry.as_json(registry.export_person(person)), ensure_ascii=False)
    for value in (NAME, EMAIL, PHONE, STREET, "Qvorn AS", "Truckførerbevis", "Godt inntrykk",
                  "Kan starte i januar", "1990-05-17", "cv.pdf"):
        assert value in text, value
    for secret in (user.password_hash, *[s.token_hash for s in user.sessions]):
        assert secret not in text  # secrets that protect the account are named, never copied
    assert ("User", "password_hash") in registry.withheld()


def _needles(person, user):
    return [NAME, EMAIL, PHONE, STREET, throttle.account_key(EMAIL),
            keyed_hash("mail-to", limits.recipient_key(EMAIL)), address_key(EMAIL),
            keyed_hash("reauth", user.id), f"documents-upload/{person.id}/"]


def _text_columns():
    for model in features.all_models():
        for field in model._meta.sorted_fields:
            if isinstance(field, (CharField, TextField)):
                yield model, field


def _found_in_database(needles):
    found = []
    for model, field in _text_columns():
        for needle in needles:
            if model.select().where(field.contains(needle)).exists():
                found.append(f"{model.__name__}.{field.name}: {needle}")
    return found


def test_erasure_leaves_nothing_but_the_tombstone_and_the_log(app, client, full_person, redis):
    person, user, mailbox = full_person
    storage_ids = [d.storage_id for d in Document.select().where(Document.person == person.id)]
    needles = _needles(person, user)
    assert _found_in_database(needles)  # the scan finds them while they are held
    assert any(any(n in k.decode() for n in needles) for k in redis.keys("*"))

    tombstone = registry.erase_person(person, "request 1")
    mails = mailbox.to(EMAIL)  # delivers the confirmation, the last e-mail

    assert _found_in_database(needles) == []
    leftovers = [k.decode() for k in redis.keys("*")
                 if any(n in k.decode() or n in str(redis.dump(k)) for n in needles)]
    assert leftovers == []
    stored = [n for _, _, names in os.walk(app.config["DOCUMENT_DIR"]) for n in names]
    assert not set(storage_ids) & set(stored)
    # The development outbox stands for the mailboxes mail was delivered to: only the
    # confirmation of the erasure, the one e-mail sent after it, still names them.
    naming = [m for m in mailbox.text() if any(n.lower() in m.lower() for n in (NAME, EMAIL))]
    assert len(naming) == 1 and "Subject: Dine opplysninger er slettet" in naming[0]
    assert NAME not in naming[0]
    assert Outbox.select().where(Outbox.forget_after_send).get().to == ""
    assert client.get("/account").status_code in (302, 303)  # the browser's session ended
    assert client.post("/login", data={"email": EMAIL, "password": PASSWORD}).status_code == 200
    assert User.select().where(User.email == EMAIL).count() == 0
    assert registry.was_erased(EMAIL) == [tombstone]
    tombstone = Tombstone.get_by_id(tombstone.id)
    assert tombstone.reason == "request 1" and tombstone.redis_pending == ""
    # The audit trail stays, with ids only: the erasure itself is in it.
    assert AuditEvent.select().where(AuditEvent.action == "person.erased").count() == 1
    # Another candidate's data stays; only the reference naming the erased person went.
    other = Person.get(Person.email == "annen@example.no")
    assert list(other.references) == []
    assert Person.select().count() == 1


def test_erasure_finds_the_mails_to_an_address_given_up_for_a_new_one(app, db):
    """Mails to an address before anyone was linked (a reset, a code) and the notice that it
    changed are found by the person once the address is no longer theirs."""
    from datetime import timedelta

    from portal.auth import actions as auth
    person = Person.create(name=NAME, email="gammel.adresse@example.no")
    user = User.create(email=person.email, password_hash="x", role="candidate", person=person)
    with app.test_request_context():
        auth.request_password_reset(person.email, "nb")
        token = auth.issue_token(auth.CHANGE_EMAIL, EMAIL, timedelta(hours=1), user=user)
        auth.confirm_email_change(token, "nb")
    _deliver()
    assert Outbox.select().where(Outbox.to == "gammel.adresse@example.no").count() == 2
    registry.erase_person(Person.get_by_id(person.id), "request 1", confirm=False)
    assert _found_in_database(["gammel.adresse", EMAIL, NAME]) == []


def test_erasing_twice_is_refused_and_changes_nothing(full_person):
    person, _, _ = full_person
    tombstone = registry.erase_person(person, "request 1")
    with pytest.raises(registry.AlreadyErased) as refused:
        registry.erase_person(person, "request 2")
    assert refused.value.tombstone == tombstone
    assert Tombstone.select().count() == 1


def test_a_file_already_missing_does_not_stop_the_erasure(app, full_person):
    from portal import storage
    person, _, _ = full_person
    for document in Document.select().where(Document.person == person.id):
        storage.delete(document.storage_id)
    registry.erase_person(person, "request 1")
    assert Person.get_or_none(Person.id == person.id) is None


def test_erasure_while_redis_is_down_is_finished_by_the_next_run(full_person, redis, monkeypatch):
    import portal.people.registry as module
    person, user, _ = full_person
    needles = _needles(person, user)

    def down(fragments):
        raise ConnectionError("Redis is down")
    monkeypatch.setattr(module, "forget_keys", down)
    tombstone = registry.erase_person(person, "request 1")
    assert Person.get_or_none(Person.id == person.id) is None  # the database part is done
    assert Tombstone.get_by_id(tombstone.id).redis_pending != ""  # and it says what is left
    assert registry.finish_erasures() == 0  # still down

    monkeypatch.undo()
    assert registry.finish_erasures() == 1
    assert Tombstone.get_by_id(tombstone.id).redis_pending == ""
    assert [k for k in redis.keys("*") if any(n in k.decode() for n in needles)] == []


def test_a_restored_backup_is_erased_again_but_a_person_who_came_back_is_not(app, full_person, runner):
    """Restore = the rows come back (here: re-created as they were before the erasure)."""
    person, _, _ = full_person
    created = person.created_at
    registry.erase_person(person, "request 1", confirm=False)
    restored = Person.create(name=NAME, email=EMAIL, phone=PHONE, created_at=created)
    cand.JobNote.create(person=restored, job="Fra backup", text="x", created_at=created)
    Outbox.create(to=EMAIL, subject="old", template="auth/email/reset", created_at=created)
    Tombstone.delete().execute()  # the backup predates the tombstone too

    result = runner.invoke(args=["people", "replay-erasures"])
    assert result.exit_code == 0, result.output
    assert "1 people" in result.output
    assert Person.select().where(Person.email == EMAIL).count() == 0
    assert Outbox.select().where(Outbox.to == EMAIL).count() == 0
    assert registry.was_erased(EMAIL)  # the tombstone is back from the log

    came_back = Person.create(name=NAME, email=EMAIL)  # after the erasure: a new relationship
    runner.invoke(args=["people", "replay-erasures"])
    assert Person.get_or_none(Person.id == came_back.id) is not None


def _restore_tombstones_from_before(db):
    """A backup taken before every erasure: no tombstones, and the id sequence where it was."""
    Tombstone.delete().execute()
    if is_postgres():
        db.execute_sql("ALTER SEQUENCE tombstone_id_seq RESTART WITH 1")


def test_replay_erases_a_person_whose_address_changed_after_the_backup(app, db):
    person = Person.create(name=NAME, email="backup.adresse@example.no", phone=PHONE)
    created = person.created_at
    cand.JobNote.create(person=person, job="x", text="y", created_at=created)
    Person.update(email=EMAIL).where(Person.id == person.id).execute()  # changed, then erased
    registry.erase_person(Person.get_by_id(person.id), "request 1", confirm=False)
    restored = Person.create(id=person.id, name=NAME, email="backup.adresse@example.no",
                             phone=PHONE, created_at=created)
    cand.JobNote.create(person=restored, job="x", text="y", created_at=created)
    _restore_tombstones_from_before(db)

    assert registry.replay_erasures()[0] == 1
    assert Person.get_or_none(Person.id == person.id) is None
    assert cand.JobNote.select().count() == 0


def test_replay_keeps_every_tombstone_when_erasures_came_between_restore_and_replay(app, db):
    from tests.factories import make_person
    first = make_person()
    registry.erase_person(first, "request 1", confirm=False)
    _restore_tombstones_from_before(db)
    second = make_person()  # erased after the restore, before anyone replayed: the same id
    registry.erase_person(second, "request 2", confirm=False)

    registry.replay_erasures()
    registry.replay_erasures()  # twice is harmless
    assert [t.reason for t in registry.was_erased(first.email)] == ["request 1"]
    assert [t.reason for t in registry.was_erased(second.email)] == ["request 2"]
    third = make_person()
    assert registry.erase_person(third, "request 3", confirm=False)  # new ids are still free
    assert Tombstone.select().count() == 3


def test_erasures_go_on_after_a_replay_gave_tombstones_back_their_ids(app, db):
    from tests.factories import make_person
    first = make_person()
    tombstone = registry.erase_person(first, "request 1", confirm=False)
    _restore_tombstones_from_before(db)
    registry.replay_erasures()
    assert [t.id for t in registry.was_erased(first.email)] == [tombstone.id]
    second = make_person()
    assert registry.erase_person(second, "request 2", confirm=False).id != tombstone.id


def test_replay_hashes_each_row_once_however_long_the_log(app, db, monkeypatch):
    """A replay after a year of nightly sweeps: the log x the people would never end."""
    from tests.factories import make_person
    for n in range(10):
        registry.erase_person(make_person(), f"request {n}", confirm=False)
    for _ in range(5):
        make_person()
    calls = []
    real = registry.keyed_hash
    monkeypatch.setattr(registry, "keyed_hash", lambda *a: calls.append(a) or real(*a))
    registry.replay_erasures()
    short = len(calls)
    for n in range(10, 40):
        registry.erase_person(make_person(), f"request {n}", confirm=False)
    calls.clear()
    registry.replay_erasures()
    assert len(calls) == short


def test_the_erasure_log_is_written_outside_the_database(app, full_person):
    person, _, _ = full_person
    tombstone = registry.erase_person(person, "request 1", confirm=False)
    entries = registry.read_erasure_log()
    assert entries[-1]["tombstone"] == tombstone.id
    assert entries[-1]["email_hash"] == tombstone.email_hash
    assert EMAIL not in open(app.config["ERASURE_LOG_PATH"]).read()
    assert oct(os.stat(app.config["ERASURE_LOG_PATH"]).st_mode & 0o777) == "0o600"


def test_sqlite_file_holds_no_erased_value(database_url, tmp_path):
    """On SQLite (its own file here, whichever database the suite runs on), nothing erased
    stays readable in the database file or its write-ahead log."""
    from portal import create_app
    from portal import db as portal_db
    from portal.schema import migrate
    from tests.conftest import config_for
    path = tmp_path / "erase.sqlite3"
    app = create_app(config_for(f"sqlite:///{path}", tmp_path))
    try:
        with app.app_context():
            migrate()
            portal_db.db.connect(reuse_if_open=True)
            person = Person.create(name=NAME, email=EMAIL, phone=PHONE, street=STREET)
            cand.WorkExperience.create(person=person, employer="Qvorn AS", title="Snekker")
            person.name = "Zyxwa Qvornsdatter Before"  # an old value, freed by the update
            person.save()
            registry.erase_person(person, "request 1", confirm=False)
            portal_db.db.close()
        for suffix in ("", "-wal"):
            if os.path.exists(f"{path}{suffix}"):
                data = open(f"{path}{suffix}", "rb").read()
                for needle in (NAME, EMAIL, STREET, "Qvorn AS"):
                    assert needle.encode() not in data, (suffix, needle)
        assert open(path, "rb").read().count(b"SQLite format 3") == 1  # it is the database
    finally:
        portal_db.db.initialize(portal_db.make_database(database_url))


def test_sqlite_file_holds_no_address_once_the_confirmation_is_sent(database_url, tmp_path):
    """The confirmation of an erasure keeps the address until it is sent; then it is gone
    from the file and its write-ahead log too, while other processes hold the database open."""
    from portal import create_app
    from portal import db as portal_db
    from portal.mail.actions import send
    from portal.schema import migrate
    from tests.conftest import config_for
    path = tmp_path / "erase.sqlite3"
    app = create_app(config_for(f"sqlite:///{path}", tmp_path))
    other = portal_db.make_database(f"sqlite:///{path}")  # a web or worker process
    try:
        with app.app_context():
            migrate()
            portal_db.db.connect(reuse_if_open=True)
            other.connect()
            person = Person.create(name=NAME, email=EMAIL, phone=PHONE, street=STREET)
            registry.erase_person(person, "request 1")
            for row in Outbox.select():
                send(row.id)
            for suffix in ("", "-wal"):
                if os.path.exists(f"{path}{suffix}"):
                    assert EMAIL.encode() not in open(f"{path}{suffix}", "rb").read(), suffix
            portal_db.db.close()
    finally:
        other.close()
        portal_db.db.initialize(portal_db.make_database(database_url))


def test_reconciliation_removes_files_without_rows(app, full_person):
    from datetime import timedelta

    from portal import storage
    orphan = storage.put(b"left behind by a crash")
    assert registry.reconcile_files(older_than=timedelta(0)) == 1
    with pytest.raises(storage.StorageError):
        storage.get(orphan)
    assert all(storage.get(d.storage_id) for d in Document.select())


# -- Correction ---------------------------------------------------------------------------------

def test_rectify_changes_allowed_fields_audits_and_touches_only_for_the_person(full_person):
    person, _, _ = full_person
    before = person.last_contact_at
    assert registry.rectify(person, {"name": "Zyxwa Ny"}, by="staff") == {"name": NAME}
    person = Person.get_by_id(person.id)
    assert person.name == "Zyxwa Ny" and person.last_contact_at == before
    registry.rectify(person, {"phone": "+4791111111"}, by="person")
    assert Person.get_by_id(person.id).last_contact_at > before
    event = AuditEvent.select().where(AuditEvent.action == "person.rectified").order_by(
        AuditEvent.id.desc()).get()
    assert json.loads(event.details)["fields"] == ["phone"]
    assert "+4791111111" not in event.details


def test_rectify_refuses_a_field_that_may_not_change_and_changes_nothing(full_person):
    person, _, _ = full_person
    with pytest.raises(registry.NotRectifiable) as refused:
        registry.rectify(person, {"name": "Ny", "email": "ny@example.no"}, by="person")
    assert refused.value.fields == ("email",)
    assert Person.get_by_id(person.id).name == NAME


def test_rectify_refuses_another_persons_row(full_person):
    person, _, _ = full_person
    other = Person.create(name="Annen", email="annen2@example.no")
    note = cand.JobNote.create(person=other, job="x", text="y")
    with pytest.raises(registry.NotRectifiable):
        registry.rectify(person, {"text": "z"}, by="person", row=note)
    assert cand.JobNote.get_by_id(note.id).text == "y"


@pytest.mark.parametrize("model, changes", [
    (cand.Evaluation, {"summary": "Strålende", "result": "Svært egnet"}),
    (cand.Evaluation, {"kind": "Kompetanseanalyse"}),
    (cand.NotedAvailability, {"salary": 900000}),
    (cand.NotedAvailability, {"availability": "Straks"}),
])
def test_what_staff_wrote_is_refused_to_the_person_and_changed_by_staff(app, db, model, changes):
    """Evaluations, competence analyses and availability and salary as staff noted them are
    staff's record: the person asks for a correction, they do not rewrite it themself."""
    from flask_babel import force_locale
    person = Person.create(name=NAME, email=EMAIL, stage=catalog.CANDIDATE)
    row = (cand.Evaluation.create(person=person, kind="Intervju", summary="Godt", result="Egnet")
           if model is cand.Evaluation else
           cand.NotedAvailability.create(person=person, availability="Fra mars", salary=600000))
    before = {c: getattr(row, c) for c in changes}
    events = AuditEvent.select().count()
    with pytest.raises(registry.NotRectifiable) as refused:
        registry.rectify(person, changes, by="person", row=row)
    assert refused.value.fields == tuple(changes)
    with force_locale("nb"):
        assert "ansatte" in str(refused.value.message)
    with force_locale("en"):
        assert "staff" in str(refused.value.message)
    assert {c: getattr(model.get_by_id(row.id), c) for c in changes} == before
    assert AuditEvent.select().count() == events

    assert registry.rectify(person, changes, by="staff", row=row) == before
    assert {c: getattr(model.get_by_id(row.id), c) for c in changes} == changes
    assert registry.rectify(person, {c: before[c] for c in changes}, by="request", row=row)


def test_a_reference_is_found_by_their_address_or_number(db):
    other = Person.create(name="Kandidat", email="kandidat@example.no")
    cand.Reference.create(person=other, name="Ref Erance", email="ref@example.no", phone="+4790000002")
    by_mail = registry.subject_for_address("REF@example.no")
    assert registry.holds_anything(by_mail)
    groups = registry.export_subject(by_mail)
    assert [g.category.key for g in groups] == ["named_as_reference"]
    assert groups[0].items[0].fields["name"] == "Ref Erance"
    assert not registry.holds_anything(registry.subject_for_address("nobody@example.no"))


def test_the_command_line_erases_and_answers_did_you_erase_me(full_person, runner):
    person, _, _ = full_person
    assert "no erasure" in runner.invoke(args=["people", "was-erased", "--email", EMAIL]).output
    result = runner.invoke(args=["people", "erase", "--email", EMAIL.upper(), "--reason", "request 3"])
    assert result.exit_code == 0 and "tombstone" in result.output
    again = runner.invoke(args=["people", "erase", "--email", EMAIL, "--reason", "request 3"])
    assert again.exit_code != 0 and "erased already" in again.output
    assert "(request 3)" in runner.invoke(args=["people", "was-erased", "--email", EMAIL]).output


def test_the_command_line_refuses_a_reason_that_names_the_person(runner, db):
    """The reason outlives the erasure (tombstone, log, audit trail): it may not name them."""
    person = Person.create(name=NAME, email=EMAIL, phone=PHONE, street=STREET)
    for reason in (f"request from {NAME.upper()}", f"asked by {EMAIL}", f"called from {PHONE}"):
        result = runner.invoke(args=["people", "erase", "--email", EMAIL, "--reason", reason])
        assert result.exit_code == 1 and "must not name the person" in result.output, result.output
    assert Person.get_or_none(Person.id == person.id) is not None
    result = runner.invoke(args=["people", "erase", "--email", EMAIL, "--reason", "x" * 5000])
    assert result.exit_code == 0
    _deliver()  # the confirmation keeps the address until it is sent
    assert _found_in_database(["x" * 201]) == []  # kept as the tombstone keeps it
    assert _found_in_database([NAME, EMAIL, PHONE]) == []


def test_the_command_line_says_when_someone_else_erased_the_person_first(runner, db, monkeypatch):
    person = Person.create(name=NAME, email=EMAIL)
    real = registry.erase_people

    def another_erasure_first(ids, reason, **kwargs):
        real(ids, "request 7", confirm=False)  # a second operator, a moment earlier
        return real(ids, reason, **kwargs)
    monkeypatch.setattr(registry, "erase_people", another_erasure_first)
    result = runner.invoke(args=["people", "erase", "--email", EMAIL, "--reason", "request 8"])
    assert result.exit_code == 1 and "erased already" in result.output, result.output
    assert Person.get_or_none(Person.id == person.id) is None


def test_erase_people_is_set_based_and_leaves_the_others(app, db):
    from tests.factories import make_person
    doomed = [make_person() for _ in range(3)]
    kept = make_person()
    for p in doomed + [kept]:
        cand.JobNote.create(person=p, job="x", text=p.name)
    tombstones = registry.erase_people([p.id for p in doomed], "retention: after_last_contact")
    assert len(tombstones) == 3
    assert [p.id for p in Person.select()] == [kept.id]
    assert [n.text for n in cand.JobNote.select()] == [kept.name]
    assert registry.erase_people([p.id for p in doomed], "again") == []  # nobody left to erase


def test_set_based_erasure_finds_rows_by_address_and_number_on_every_database(db):
    """any_of() with text values (addresses, numbers), not only ids: on PostgreSQL a column's
    own conversion once turned the list into one string and every erasure failed."""
    from portal.db import any_of
    other = Person.create(name="Kandidat", email="kandidat@example.no")
    cand.Reference.create(person=other, name="Ref", email="ref.a@example.no", phone="+4790000003")
    assert cand.Reference.select().where(any_of(cand.Reference.email, ["ref.a@example.no"])).count() == 1
    assert cand.Reference.select().where(any_of(cand.Reference.phone, ["+4790000003"])).count() == 1
    person = Person.create(name="Ref", email="ref.a@example.no")
    registry.erase_person(person, "request 1", confirm=False)
    assert list(other.references) == []  # the reference naming them went with them


def test_two_erasures_at_once_erase_each_person_once(app, db):
    import threading

    from tests.factories import make_person
    people = [make_person() for _ in range(6)]
    ids = [p.id for p in people]
    db.close()
    results, errors = [], []

    def run():
        try:
            with app.app_context():
                db.connect(reuse_if_open=True)
                results.append(len(registry.erase_people(ids, "retention")))
                db.close()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.connect(reuse_if_open=True)
    assert errors == []
    assert sorted(results) == [0, 6]
    assert Tombstone.select().count() == 6
    assert len(registry.read_erasure_log()) == 6
