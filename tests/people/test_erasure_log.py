"""The erasure log after a crash while appending: a torn last line is reported and skipped,
every whole line still replays, and the next erasure starts on a line of its own."""
import json

from portal.people import registry
from portal.people.models import Person, Tombstone
from tests.factories import make_person


def _restore(person):
    """The person back as a restored backup holds them (made before their erasure)."""
    return Person.create(id=person.id, name=person.name, email=person.email,
                         created_at=person.created_at)


def test_a_torn_line_is_reported_and_every_whole_line_replays(app, db, runner):
    first, second = make_person(), make_person()
    registry.erase_person(first, "request 1", confirm=False)
    path = app.config["ERASURE_LOG_PATH"]
    with open(path, "ab") as log:  # the process died while writing this one
        log.write(b'{"tombstone": 41, "at": "2026-11-2')
    registry.erase_person(second, "request 2", confirm=False)

    lines = open(path, "rb").read().split(b"\n")
    assert lines[1] == b'{"tombstone": 41, "at": "2026-11-2'  # not glued to the next one
    assert json.loads(lines[2])["reason"] == "request 2"

    for person in (first, second):
        _restore(person)
    Tombstone.delete().execute()
    result = runner.invoke(args=["people", "replay-erasures"])
    assert result.exit_code == 0, result.output
    assert "line 2" in result.output and "not a whole entry" in result.output
    assert "2 erasures" in result.output and "2 people" in result.output
    assert Person.select().where(Person.id.in_([first.id, second.id])).count() == 0
    assert sorted(t.reason for t in Tombstone.select()) == ["request 1", "request 2"]


def test_a_log_whose_last_line_is_torn_takes_the_next_erasure_on_a_new_line(app, db):
    path = app.config["ERASURE_LOG_PATH"]
    with open(path, "wb") as log:
        log.write(b'{"tombstone": 7, "at"')
    tombstone = registry.erase_person(make_person(), "request 3", confirm=False)
    entries, torn = registry.read_erasure_log_checked()
    assert [e["tombstone"] for e in entries] == [tombstone.id]
    assert torn == [1]
