"""An erased person's ids are never given to anyone else, and what still names an old id (an
e-mailed link, a browser's session, the audit trail) shows nothing of whoever came next.

SQLite gives a table without AUTOINCREMENT the largest id again once its row is deleted: the
booking, person or e-mail erased last. Migration 0013 makes every table AUTOINCREMENT there;
PostgreSQL's sequences never go back. The cancel and move links and /book/booked also check
the booking's calendar UID, so an id alone reaches nothing.
"""
import json
import re

import pytest
from itsdangerous import URLSafeSerializer

from portal import features
from portal.audit.models import AuditEvent
from portal.booking.models import Booking
from portal.db import is_postgres
from portal.mail.models import Outbox
from portal.people import registry
from portal.people.models import Person
from tests.booking.conftest import book_with_code, booking_form, confirmations, consultant, free_slot  # noqa: F401

FIRST = "forste.person@example.no"
STRANGER = dict(name="Fremmed Qwertysen", email="fremmed@example.no", phone="998 87 766",
                meeting_place="phone")
STRANGER_PHONE = "998 87 766"


def _links(outbox, address):
    body = confirmations(outbox, address)[-1].body
    return [re.search(rf"http://portal.test(/book/{action}/\S+)", body).group(1)
            for action in ("cancel", "move")]


def _shows_stranger(response):
    text = response.get_data(as_text=True)
    return any(v in text for v in (STRANGER["name"], STRANGER_PHONE, "99 88 77 66", "99887766"))


def test_old_links_and_session_of_an_erased_booking_show_nothing_of_the_next_one(
        app, client, outbox, consultant, free_slot):
    mine, theirs = free_slot(0), free_slot(3)
    assert book_with_code(client, outbox, booking_form(mine.id, email=FIRST)).status_code == 302
    first = Booking.get(Booking.starts_at == mine.starts_at)
    cancel, move = _links(outbox, FIRST)
    registry.erase_person(first.person, "request 1", confirm=False)

    stranger = app.test_client()  # another browser, another person
    assert book_with_code(stranger, outbox, booking_form(theirs.id, **STRANGER)).status_code == 302
    theirs_booking = Booking.get(Booking.starts_at == theirs.starts_at)
    assert theirs_booking.id != first.id  # never the id of the erased booking

    for path in (cancel, move):
        for response in (client.get(path, follow_redirects=True),
                         client.post(path, data={"slot": free_slot(6).id})):
            assert response.status_code in (404, 410), path
            assert not _shows_stranger(response), path
    # The first browser still remembers "its" booking: it shows nothing of theirs.
    assert not _shows_stranger(client.get("/book/booked", follow_redirects=True))
    booking = Booking.get_by_id(theirs_booking.id)
    assert (booking.status, booking.starts_at) == ("booked", theirs.starts_at)


def test_a_link_or_session_naming_the_right_id_but_another_event_is_refused(
        app, client, outbox, consultant, free_slot):
    """Defence in depth: even where an id was given twice (a database restored from a backup,
    rows from before migration 0013), a link and a session are for one calendar event."""
    slot = free_slot(0)
    assert book_with_code(client, outbox, booking_form(slot.id, **STRANGER)).status_code == 302
    booking = Booking.get()
    for action in ("cancel", "move"):
        signer = URLSafeSerializer(app.config["SECRET_KEY"], salt=f"booking-{action}")
        for data in ({"b": booking.id}, {"b": booking.id, "u": "booking-1@ressursbasen.no"}):
            response = client.get(f"/book/{action}/{signer.dumps(data)}", follow_redirects=True)
            assert response.status_code in (404, 410) and not _shows_stranger(response), data
            assert "Denne lenken" in response.get_data(as_text=True)
    other = app.test_client()
    with other.session_transaction() as session:
        session["booked"] = booking.id  # what a browser held before the UID was kept with it
    assert not _shows_stranger(other.get("/book/booked", follow_redirects=True))
    assert _shows_stranger(client.get("/book/booked"))  # the browser that booked it sees it
    assert Booking.get_by_id(booking.id).status == "booked"


def test_a_new_person_gets_a_new_id_and_none_of_the_erased_persons_audit_trail(app, db):
    from tests.factories import make_person
    first = make_person()
    registry.rectify(first, {"name": "Endret Navn"}, by="person")
    registry.erase_person(Person.get_by_id(first.id), "request 1", confirm=False)
    old_events = {e.id for e in AuditEvent.select().where(AuditEvent.person_id == first.id)}
    assert old_events  # kept, for the audit trail's own five years

    second = make_person()
    assert second.id != first.id
    copy = json.dumps(registry.as_json(registry.export_person(second)))
    audit = [g for g in registry.export_person(second) if g.category.key == "audit"]
    assert not [i for g in audit for i in g.items if i.id in old_events]
    assert "person.rectified" not in copy and "person.erased" not in copy


def test_no_table_gives_a_deleted_rows_id_again(app, db):
    """Person, booking, e-mail, tokens, codes, requests: every table, on every database."""
    from tests.factories import make_person
    person = make_person()
    row = Outbox.create(to="a@example.no", subject="x", template="t")
    Outbox.delete().where(Outbox.id == row.id).execute()
    assert Outbox.create(to="b@example.no", subject="y", template="t").id > row.id
    Person.delete().where(Person.id == person.id).execute()
    assert make_person().id > person.id
    for model in features.all_models():
        table = model._meta.table_name
        if is_postgres():
            default = db.execute_sql(
                "SELECT column_default FROM information_schema.columns WHERE table_name = %s "
                "AND column_name = 'id'", (table,)).fetchone()[0]
            assert default and default.startswith("nextval("), table
        else:
            sql = db.execute_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                 (table,)).fetchone()[0]
            assert re.search(r'"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT', sql), (
                f"{table}: give it AUTOINCREMENT (a new table: create it from the model, whose "
                f"id is portal.db.IdField, or see migrations/0013)")


@pytest.mark.parametrize("model_name", ["Person", "Booking", "Outbox"])
def test_models_create_their_tables_with_ids_never_given_twice(model_name):
    """A table made from a model (a new feature's, in a test) gets AUTOINCREMENT on SQLite."""
    from peewee import SqliteDatabase
    model = next(m for m in features.all_models() if m.__name__ == model_name)
    database = SqliteDatabase(":memory:")
    with database.bind_ctx([model], bind_refs=False, bind_backrefs=False):
        sql = model._schema._create_table().query()[0]
    assert '"id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT' in sql


def test_a_person_given_an_old_id_all_the_same_gets_no_audit_trail_from_before_them(app, db):
    """Defence in depth: a row made under an id given before (a restore, a hand-made row)
    is shown only the audit events from its own creation on."""
    from tests.factories import make_person
    first = make_person()
    registry.rectify(first, {"name": "Endret Navn"}, by="person")
    registry.erase_person(Person.get_by_id(first.id), "request 1", confirm=False)
    second = make_person(id=first.id)
    registry.rectify(second, {"name": "Nytt Navn"}, by="person")
    audit = [i for g in registry.export_person(second) if g.category.key == "audit"
             for i in g.items]
    assert [i.fields["action"] for i in audit] == ["person.rectified"]
    assert all(i.fields["at"] >= second.created_at.isoformat() for i in audit)
