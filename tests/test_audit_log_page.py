"""The administrators' audit log: newest first, filters, keyset paging, a check of the chain."""
import re
from datetime import datetime

import pytest

from portal.audit.actions import record, seal
from portal.audit.models import AuditEvent
from tests.factories import make_user


@pytest.fixture
def admin(login_as):
    return login_as("admin", email="sjef@ressursbasen.no")


def _ids(body):
    """The event ids on a page, in order (each row links its place in the chain)."""
    return [int(n) for n in re.findall(r'data-event="(\d+)"', body)]


def test_admin_sees_the_newest_events_first_sealed_with_their_place(client, admin):
    staff = make_user(role="staff", email="ola.ansatt@ressursbasen.no")
    record("person.viewed", person=7, actor=staff, section="profile")
    record("booking.created", person=8)
    body = client.get("/staff/admin/audit").get_data(as_text=True)
    ids = _ids(body)
    assert ids == sorted(ids, reverse=True) and len(ids) >= 2
    assert "ola.ansatt@ressursbasen.no" in body and "section: profile" in body
    assert "Ikke forseglet ennå" not in body  # the page seals what waits before it shows it
    assert AuditEvent.select().where(AuditEvent.seq.is_null()).count() == 0


def test_filters_by_action_person_actor_role_and_dates(client, admin):
    staff = make_user(role="staff")
    viewed = record("person.viewed", person=7, actor=staff)
    record("person.viewed", person=8, actor=staff)
    booked = record("booking.created", person=7)
    old = record("booking.created", person=7)
    AuditEvent.update(at=datetime(2025, 3, 1, 12)).where(AuditEvent.id == old.id).execute()

    def ids(**query):
        response = client.get("/staff/admin/audit", query_string=query)
        assert response.status_code == 200
        return set(_ids(response.get_data(as_text=True)))

    assert ids(action="person.viewed", person=7) == {viewed.id}
    assert ids(actor=staff.id, role="staff") >= {viewed.id} and booked.id not in ids(actor=staff.id)
    assert ids(role="anonymous", person=7) == {booked.id, old.id}
    assert ids(person=7, since="2025-03-01", until="2025-03-01") == {old.id}
    assert ids(person=7, until="2025-12-31") == {old.id}
    assert old.id not in ids(person=7, since="2026-01-01")
    assert ids(person=424242) == set()


def test_pages_go_back_by_event_id_without_gaps_or_repeats(client, admin):
    events = [record("person.viewed", person=5, n=n).id for n in range(120)]
    seen, url = [], "/staff/admin/audit?person=5"
    while url:
        body = client.get(url).get_data(as_text=True)
        page = _ids(body)
        assert len(page) <= 50
        seen += page
        older = re.search(r'href="([^"]+)">(?:Eldre hendelser|Older events)</a>', body)
        url = older.group(1).replace("&amp;", "&") if older else None
        if url:
            assert "person=5" in url and "before=" in url
    assert seen == sorted(events, reverse=True)
    assert "Tilbake til de nyeste hendelsene" in client.get(
        f"/staff/admin/audit?person=5&before={events[60]}").get_data(as_text=True)


@pytest.mark.parametrize("query, lang, message", [
    ({"person": "abc"}, "nb", "Oppgi en person-id: et helt tall fra 1."),
    ({"person": "-3"}, "en", "Give a person id: a whole number from 1."),
    ({"actor": "x"}, "nb", "Oppgi en bruker-id: et helt tall fra 1."),
    ({"since": "25.11.2026"}, "nb", "Skriv datoen som ÅÅÅÅ-MM-DD"),
    ({"since": "1800-01-01"}, "en", "Give a date between 2000 and 2100."),
    ({"since": "2026-11-25", "until": "2026-11-01"}, "nb", "Til-datoen kan ikke være før fra-datoen."),
    ({"action": "no.such.action"}, "nb", "Velg ett av alternativene."),
    ({"role": "root"}, "en", "Choose one of the options."),
])
def test_bad_filters_get_a_message_and_change_nothing(client, admin, query, lang, message):
    record("person.viewed", person=7)
    seal()
    before = [(e.id, e.seq, e.hash) for e in AuditEvent.select().order_by(AuditEvent.id)]
    response = client.get("/staff/admin/audit", query_string=query,
                          headers={"Accept-Language": lang})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    assert _ids(body) == []
    assert [(e.id, e.seq, e.hash) for e in AuditEvent.select().order_by(AuditEvent.id)] == before


def test_a_strange_page_marker_shows_the_newest_events(client, admin):
    event = record("person.viewed", person=7)
    for before in ("abc", "²", "-1", "9" * 40):
        response = client.get("/staff/admin/audit", query_string={"before": before})
        assert response.status_code == 200 and event.id in _ids(response.get_data(as_text=True))


def test_the_check_button_says_whether_the_chain_holds(client, admin):
    events = [record("person.viewed", person=n) for n in range(1, 4)]
    response = client.post("/staff/admin/audit/check")
    assert response.status_code == 302
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kjeden holder: alle" in body
    AuditEvent.update(person_id=99).where(AuditEvent.id == events[1].id).execute()
    client.post("/staff/admin/audit/check")
    body = client.get("/staff/admin/audit").get_data(as_text=True)
    assert (f"Kjeden er brutt ved hendelse {events[1].id}" in body
            and "innholdet ble endret etter at den ble forseglet." in body)


def test_staff_who_are_not_administrators_cannot_read_the_log(client, login_as):
    login_as("staff")
    assert client.get("/staff/admin/audit").status_code == 403
    assert client.post("/staff/admin/audit/check").status_code == 403
