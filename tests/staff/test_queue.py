"""The staff queue: one list of what needs a person, put together from every feature's section;
filters by kind, status and assignee (a GET form); keyset pages; counts in the navigation;
"assign to me" in place (two staff at once: the second is told); bad filters and page links,
and actions on items that moved on meanwhile, get a message and change nothing."""
import logging
import re
import threading
from contextlib import contextmanager
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jinja2 import ChoiceLoader, DictLoader

from portal import features
from portal.audit.models import AuditEvent
from portal.auth.actions import start_session
from portal.booking.models import Booking, Consultant
from portal.db import utcnow
from portal.requests import actions
from portal.requests.models import PrivacyRequest
from portal.staff import queue
from portal.staff.sections import Item, Section
from tests.factories import make_person, make_user

HTMX = {"HX-Request": "true"}
THREE_YEARS = timedelta(days=3 * 365)


def _asked(kind="question", days_ago=0, details="Hva har dere om meg?"):
    person = make_person()
    asked = actions.ask_as_candidate(person, kind, details, "nb",
                                     now=utcnow() - timedelta(days=days_ago))
    return PrivacyRequest.get_by_id(asked.id)


def _booking(minutes, person=None):
    n = Consultant.select().count() + 1  # one each: a consultant holds one booking a time
    consultant = Consultant.create(name=f"Konsulent {n}", email=f"konsulent{n}@ressursbasen.no")
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return Booking.create(person=person or make_person(), consultant=consultant, starts_at=starts,
                          ends_at=starts + timedelta(minutes=45), kind="meeting", place="office")


def _due(days, **overrides):
    """A person whose data is erased in about `days` days (three years after the last contact)."""
    return make_person(last_contact_at=utcnow() - THREE_YEARS + timedelta(days=days), **overrides)


def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def _staff_client(app, user=None):
    """Another member of staff, in a browser of their own (second factor given)."""
    user = user or make_user("staff")
    other = app.test_client()
    with other.session_transaction() as session:
        session["sid"], session["_user_id"] = start_session(user, second_factor=True), str(user.id)
    return other, user


def _sections(page):
    return re.findall(r'<section class="queue-section" id="queue-(\w+)"', page)


def _rows(page, prefix="request"):
    return [int(i) for i in re.findall(rf'<tr id="{prefix}-(\d+)"', page)]


def _state():
    """What an action could change: every request's assignee and version, and the audit trail."""
    return (sorted(PrivacyRequest.select(PrivacyRequest.id, PrivacyRequest.assignee,
                                         PrivacyRequest.version, PrivacyRequest.status).tuples()),
            AuditEvent.select().count())


@contextmanager
def statements():
    """The SQL statements run inside the block, as peewee logs them."""
    seen = []

    class Keep(logging.Handler):
        def emit(self, record):
            seen.append(str(record.msg))

    logger, handler = logging.getLogger("peewee"), Keep()
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


# --- One list ----------------------------------------------------------------------------------

def test_one_list_of_every_kind_most_urgent_first_with_counts_in_the_navigation(client, login_as):
    login_as("staff")
    late, fresh = _asked(days_ago=40), _asked(days_ago=1)
    correction = _asked("correction", details="Adressen min er Storgata 2.")
    started, tomorrow = _booking(-20), _booking(60 * 24 + 60)
    soon = _due(10, name="Siri Snart Slettet")
    _due(60, name="Lars Lenge Igjen")  # erased in two months: not in the next 30 days
    page = client.get("/staff/queue").get_data(as_text=True)
    assert _sections(page) == [s.kind for s in queue.sections()]  # every feature's, in order
    assert _sections(page)[:4] == ["requests", "corrections", "bookings", "deletions"]
    requests_part = page[page.index('id="queue-requests"'):page.index('id="queue-corrections"')]
    assert _rows(requests_part) == [late.id, fresh.id]
    assert re.findall(r'class="days days-(\w+)"', requests_part) == ["overdue", "ok"]
    assert _rows(page[page.index('id="queue-corrections"'):]) [:1] == [correction.id]
    assert "Rettinger til vurdering" in page and "Adressen min er Storgata 2." in page
    assert _rows(page, "booking") == [started.id, tomorrow.id]
    deletions = page[page.index('id="queue-deletions"'):]
    assert _rows(deletions, "deletion") == [soon.id]
    assert "Siri Snart Slettet" in deletions and "Lars Lenge Igjen" not in page
    assert "Ikke varslet ennå" in deletions and re.search(r"om \d+ dager", deletions)
    # The navigation counts what waits, per kind, on every staff page.
    for path in ("/staff/queue", "/staff/candidates"):
        nav = client.get(path).get_data(as_text=True)
        nav = nav[nav.index('id="queue-count"'):]
        assert '<span class="count" aria-hidden="true">6</span>' in nav
        assert ("Personvernhenvendelser 2, Rettinger til vurdering 1, "
                "Bestillinger i dag og fremover 2, Slettinger de neste 30 dagene 1") in nav


def test_the_navigation_counts_with_one_query_per_kind_and_the_list_without_a_query_per_row(
        client, login_as):
    login_as("staff")

    def queries():
        with statements() as seen:
            assert client.get("/staff/queue").status_code == 200
        return len(seen)

    for _ in range(2):
        _asked(), _asked("correction"), _asked("access"), _booking(-20), _due(5)
    few = queries()
    for _ in range(20):
        _asked(), _asked("correction"), _asked("access"), _booking(60 * 24 * 2), _due(12)
    assert queries() == few
    with statements() as seen:
        client.get("/staff/candidates")
    counts = [s for s in seen if "COUNT(" in s.upper()]
    assert len(counts) == len(queue.sections()) >= 4


def test_counts_stop_at_a_cap_so_they_cost_the_same_at_any_size(client, login_as, monkeypatch):
    login_as("staff")
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    for _ in range(3):
        _asked()
    _booking(-20)
    with statements() as seen:
        page = client.get("/staff/queue").get_data(as_text=True)
    nav = page[page.index('id="queue-count"'):]
    assert '<span class="count" aria-hidden="true">3+</span>' in nav  # 2+ requests, 1 booking
    assert "Personvernhenvendelser 2+, Rettinger til vurdering 0" in nav
    assert '<h2 id="q-requests">Personvernhenvendelser <span class="count">2+</span>' in page
    counted = [s for s in seen if "COUNT(" in str(s).upper()]
    assert len(counted) == len(queue.sections()) and all(re.search(r"LIMIT (\?|%s)\) AS .*, 3, 1\]\)$", s)
                                     for s in counted)  # counted up to the cap + 1


def test_the_refresh_answers_with_the_list_and_the_count_only(client, login_as):
    login_as("staff")
    asked = _asked()
    page = client.get("/staff/queue").get_data(as_text=True)
    assert re.search(r'data-queue-poll hx-get="/staff/queue" hx-trigger="every 30s"', page)
    response = client.get("/staff/queue", headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in body and "<form method=\"get\"" not in body
    assert f'<tr id="request-{asked.id}"' in body
    assert re.search(r'<span id="queue-count" class="nav-count" hx-swap-oob="true"', body)
    assert "HX-Request" in response.headers["Vary"]


# --- Filters -----------------------------------------------------------------------------------

def test_filters_narrow_the_list_by_kind_status_and_assignee(app, client, login_as):
    me = login_as("staff")
    mine, theirs, nobodys = _asked(), _asked(), _asked()
    taken = _asked()
    actions.start(taken, me, taken.version)
    colleague = make_user("staff", email="kollega@ressursbasen.no")
    actions.assign(mine, me, mine.version, me)
    actions.assign(theirs, colleague, theirs.version, colleague)
    started, later = _booking(-20), _booking(60 * 24 * 3)
    _due(3)

    def shown(**args):
        page = client.get("/staff/queue", query_string=args)
        assert page.status_code == 200
        page = page.get_data(as_text=True)
        return _sections(page), _rows(page) + _rows(page, "booking")

    assert shown(kind="bookings") == (["bookings"], [started.id, later.id])
    assert shown(status="to_mark") == (["bookings"], [started.id])
    assert shown(status="upcoming") == (["bookings"], [later.id])
    assert shown(status="in_progress") == (["requests", "corrections"], [taken.id])
    assert shown(assignee="me") == (["requests", "corrections"], [mine.id])
    assert shown(assignee=str(colleague.id)) == (["requests", "corrections"], [theirs.id])
    assert shown(assignee="nobody", kind="requests") == (["requests"], [nobodys.id, taken.id])
    assert shown(kind="deletions", status="told")[1] == []
    page = client.get("/staff/queue?assignee=me").get_data(as_text=True)
    assert f"Tildelt {me.email} (deg)" in page
    # The form shows what was chosen, and the colleague in the list of staff.
    page = client.get(f"/staff/queue?kind=requests&assignee={colleague.id}").get_data(as_text=True)
    assert '<option selected value="requests">' in page
    assert f'<option selected value="{colleague.id}">kollega@ressursbasen.no</option>' in page
    _english(client)
    page = client.get("/staff/queue?status=in_progress").get_data(as_text=True)
    assert "Privacy requests" in page and "Assign to me" in page and "In progress" in page


BAD_FILTERS = [
    ({"kind": "holds-of-the-moon"}, "Det finnes ingen slik type arbeid i køen"),
    ({"kind": "k" * 10_000}, "Det finnes ingen slik type arbeid i køen"),
    ({"status": "sleeping"}, "Det finnes ingen slik status"),
    ({"status": "' OR 1=1 --"}, "Det finnes ingen slik status"),
    ({"kind": "bookings", "status": "in_progress"}, "Det finnes ingen slik status"),
    ({"assignee": "999999"}, "Det finnes ingen slik ansatt"),
    ({"assignee": "x" * 10_000}, "Det finnes ingen slik ansatt"),
    ({"assignee": "9" * 40}, "Det finnes ingen slik ansatt"),
    ({"kind": "requests", "after": "abc"}, "Denne sidelenken er ødelagt eller utdatert"),
    ({"kind": "requests", "after": "2026-02-31~4"}, "Denne sidelenken er ødelagt eller utdatert"),
    ({"kind": "requests", "after": "2026-12-01~4~5"}, "Denne sidelenken er ødelagt eller utdatert"),
    ({"kind": "requests", "after": "2026-12-01~" + "9" * 19}, "Denne sidelenken er ødelagt"),
    ({"kind": "bookings", "after": "2026-12-01~4"}, "Denne sidelenken er ødelagt eller utdatert"),
    ({"kind": "requests", "after": "a" * 10_000}, "Denne sidelenken er ødelagt eller utdatert"),
    ({"after": "2026-12-01~4"}, "Denne sidelenken er ødelagt eller utdatert"),
    ({"kind": "requests", "after": "<script>alert(1)</script>"}, "Denne sidelenken er ødelagt"),
]


@pytest.mark.parametrize("args,message", BAD_FILTERS)
def test_bad_filters_and_page_links_get_a_message_and_change_nothing(client, login_as, args,
                                                                     message):
    login_as("staff")
    asked = _asked()
    before = _state()
    response = client.get("/staff/queue", query_string=args)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert f'<tr id="request-{asked.id}"' not in page  # nothing listed under a filter not understood
    assert all(value[:50] not in page for value in args.values() if len(value) > 100)
    assert "<script>alert" not in page
    assert _state() == before
    # The refresh of such a page gets the message in place, not an error.
    assert client.get("/staff/queue", query_string=args, headers=HTMX).status_code == 200


def test_bad_filters_are_explained_in_english_too(client, login_as):
    login_as("staff")
    _english(client)
    page = client.get("/staff/queue?status=nope&assignee=42x").get_data(as_text=True)
    assert "There is no such status. Choose one from the list." in page
    assert "There is no such member of staff. Choose someone from the list." in page
    page = client.get("/staff/queue?kind=requests&after=2026-99-01~1").get_data(as_text=True)
    assert "This page link is broken or out of date. Start again from the first page." in page


# --- Keyset pages --------------------------------------------------------------------------------

def test_pages_follow_on_from_the_last_item_shown_without_offset(client, login_as):
    login_as("staff")
    asked = [_asked(days_ago=n) for n in range(45, 5, -1)]  # 40, the one due first first
    with statements() as seen:
        page = client.get("/staff/queue").get_data(as_text=True)
    assert _rows(page) == [a.id for a in asked[:10]]  # every kind: its ten most urgent
    assert not [s for s in seen if "OFFSET" in s.upper()]
    next_url = re.search(r'<a href="([^"]+)" rel="next">Neste side</a>', page).group(1)
    assert "kind=requests" in next_url and "after=" in next_url
    early = _asked(days_ago=50)  # comes in meanwhile, due before everything on the next page
    with statements() as seen:
        second = client.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    assert not [s for s in seen if "OFFSET" in s.upper()]
    assert _rows(second) == [a.id for a in asked[10:35]] and early.id not in _rows(second)
    assert _sections(second) == ["requests"]
    assert "Tilbake til starten" in second
    third_url = re.search(r'<a href="([^"]+)" rel="next">Neste side</a>', second).group(1)
    third = client.get(third_url.replace("&amp;", "&")).get_data(as_text=True)
    assert _rows(third) == [a.id for a in asked[35:]] and 'rel="next"' not in third
    first_of_kind = client.get("/staff/queue?kind=requests").get_data(as_text=True)
    assert _rows(first_of_kind)[:2] == [early.id, asked[0].id] and len(_rows(first_of_kind)) == 25


# --- Assign to me -------------------------------------------------------------------------------

def test_assign_to_me_in_place_and_unassign_both_audited(client, login_as):
    me = login_as("staff")
    asked = _asked()
    response = client.post(f"/staff/queue/requests/{asked.id}/assign",
                           data={"version": asked.version, "to": "me"}, headers=HTMX)
    row = response.get_data(as_text=True)
    assert response.status_code == 200 and row.lstrip().startswith(f'<tr id="request-{asked.id}"')
    assert "Tildelt deg." in row and f"Tildelt {me.email} (deg)" in row and "Gi fra meg" in row
    assigned = PrivacyRequest.get_by_id(asked.id)
    assert (assigned.assignee, assigned.version) == (me.id, asked.version + 1)
    event = AuditEvent.get(AuditEvent.action == "privacy_request.assigned")
    assert (event.actor_id, event.person_id) == (me.id, asked.person_id)
    assert f'"assignee": {me.id}' in event.details
    row = client.post(f"/staff/queue/requests/{asked.id}/assign",
                      data={"version": assigned.version, "to": "nobody"},
                      headers=HTMX).get_data(as_text=True)
    assert "Ikke lenger tildelt noen." in row and "Ikke tildelt" in row and "Tildel til meg" in row
    assert PrivacyRequest.get_by_id(asked.id).assignee is None
    event = AuditEvent.get(AuditEvent.action == "privacy_request.unassigned")
    assert event.actor_id == me.id and f'"was": {me.id}' in event.details


def test_corrections_are_assigned_the_same_way(client, login_as):
    me = login_as("staff")
    correction = _asked("correction")
    client.post(f"/staff/queue/corrections/{correction.id}/assign",
                data={"version": correction.version, "to": "me"}, headers=HTMX)
    assert PrivacyRequest.get_by_id(correction.id).assignee == me.id
    # A request is assigned in its own section only.
    question = _asked()
    response = client.post(f"/staff/queue/corrections/{question.id}/assign",
                           data={"version": question.version, "to": "me"}, headers=HTMX)
    assert response.status_code == 404 and PrivacyRequest.get_by_id(question.id).assignee is None


def test_two_staff_assigning_at_once_the_second_is_told_who_took_it(app, client, login_as):
    first = login_as("staff", email="forste@ressursbasen.no")
    asked = _asked()
    other, second = _staff_client(app)
    seen = asked.version  # both loaded the queue
    client.post(f"/staff/queue/requests/{asked.id}/assign", data={"version": seen, "to": "me"},
                headers=HTMX)
    state = _state()
    row = other.post(f"/staff/queue/requests/{asked.id}/assign",
                     data={"version": seen, "to": "me"}, headers=HTMX).get_data(as_text=True)
    assert ("forste@ressursbasen.no tok denne i mellomtiden, så den ble ikke tildelt deg. "
            "Ingenting ble endret") in row
    assert "Tildelt forste@ressursbasen.no" in row  # as it is now
    assert _state() == state and PrivacyRequest.get_by_id(asked.id).assignee == first.id
    _english(other)
    row = other.post(f"/staff/queue/requests/{asked.id}/assign",
                     data={"version": seen, "to": "me"}, headers=HTMX).get_data(as_text=True)
    assert "forste@ressursbasen.no took this on meanwhile, so it was not assigned to you." in row
    # Seeing it assigned, the second may take it over on purpose.
    current = PrivacyRequest.get_by_id(asked.id).version
    other.post(f"/staff/queue/requests/{asked.id}/assign", data={"version": current, "to": "me"},
               headers=HTMX)
    assert PrivacyRequest.get_by_id(asked.id).assignee == second.id


def test_two_staff_pressing_at_the_same_moment_one_is_assigned(app):
    asked = _asked()
    browsers = [_staff_client(app) for _ in range(2)]
    barrier = threading.Barrier(2, timeout=10)
    answers = [None, None]

    def press(n):
        barrier.wait()
        answers[n] = browsers[n][0].post(f"/staff/queue/requests/{asked.id}/assign",
                                         data={"version": asked.version, "to": "me"},
                                         headers=HTMX).get_data(as_text=True)

    threads = [threading.Thread(target=press, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sum("Tildelt deg." in a for a in answers) == 1
    assert sum("tok denne i mellomtiden" in a for a in answers) == 1
    final = PrivacyRequest.get_by_id(asked.id)
    assert final.version == asked.version + 1
    assert final.assignee in {user.id for _c, user in browsers}
    assert AuditEvent.select().where(AuditEvent.action == "privacy_request.assigned").count() == 1


def test_an_action_on_an_item_that_moved_on_meanwhile_changes_nothing(client, login_as):
    me = login_as("staff")
    asked = _asked()
    seen = asked.version
    actions.extend(asked, make_user("staff"), seen, 1, "Vi trenger mer tid.")  # someone else
    state = _state()
    row = client.post(f"/staff/queue/requests/{asked.id}/assign", data={"version": seen, "to": "me"},
                      headers=HTMX).get_data(as_text=True)
    assert "Noen andre endret dette i mellomtiden. Det vises slik det er nå" in row
    assert "Forlenget" in row and _state() == state
    closed = _asked()
    actions.deny(closed, make_user("staff"), closed.version, "Nei.")
    state = _state()
    row = client.post(f"/staff/queue/requests/{closed.id}/assign",
                      data={"version": closed.version, "to": "me"}, headers=HTMX).get_data(as_text=True)
    assert "Dette ble avsluttet i mellomtiden og venter ikke lenger." in row and "Avsluttet" in row
    assert _state() == state
    # A made-up version, or none: refused the same way.
    for version in ("999", "", "x" * 10_000):
        client.post(f"/staff/queue/requests/{asked.id}/assign", data={"version": version, "to": "me"},
                    headers=HTMX)
    assert _state() == state and PrivacyRequest.get_by_id(asked.id).assignee != me.id
    # A meeting someone marked meanwhile: the booking's row says so, and nothing changes.
    booking = _booking(-30)
    from portal.booking import attendance
    attendance.mark(booking.id, "no_show")
    row = client.post(f"/staff/bookings/{booking.id}/attended", headers=HTMX).get_data(as_text=True)
    assert "Noen andre endret denne bestillingen" in row
    assert Booking.get_by_id(booking.id).status == "no_show"


def test_without_javascript_assigning_returns_to_the_same_page_of_the_queue(client, login_as):
    login_as("staff")
    asked = _asked()
    back = "/staff/queue?kind=requests&assignee=nobody"
    response = client.post(f"/staff/queue/requests/{asked.id}/assign",
                           data={"version": asked.version, "to": "me", "back": back})
    assert response.status_code == 303 and response.headers["Location"] == back
    assert "Tildelt deg." in client.get("/staff/queue").get_data(as_text=True)
    # The step forms carry the page along too.
    response = client.post(f"/staff/requests/{asked.id}/start",
                           data={"version": asked.version + 1, "back": back})
    assert response.headers["Location"] == f"{back}#request-{asked.id}"
    for elsewhere in ("https://evil.example/staff/queue", "//evil.example", "/staff/queue\\@evil",
                      "/account", "/staff/queuex",
                      # Found by attack15: a line break was a 500 (a header cannot hold one).
                      "/staff/queue?\r\nSet-Cookie: x=1", "/staff/queue?kind=requests\n"):
        response = client.post(f"/staff/queue/requests/{asked.id}/assign",
                               data={"version": 0, "to": "me", "back": elsewhere})
        assert response.headers["Location"] == "/staff/queue"


def test_only_sections_that_can_be_assigned_have_an_assign_route(client, login_as):
    login_as("staff")
    booking = _booking(-20)
    asked = _asked()
    assert client.post(f"/staff/queue/bookings/{booking.id}/assign",
                       data={"version": 0, "to": "me"}).status_code == 404
    assert client.post(f"/staff/queue/nothing/{asked.id}/assign",
                       data={"version": 0, "to": "me"}).status_code == 404
    assert client.post("/staff/queue/requests/99999/assign",
                       data={"version": 0, "to": "me"}).status_code == 404
    response = client.post(f"/staff/queue/requests/{asked.id}/assign",
                           data={"version": asked.version, "to": "someone-else"}, headers=HTMX)
    assert "Noen andre endret dette" in response.get_data(as_text=True)
    assert PrivacyRequest.get_by_id(asked.id).assignee is None


def test_candidates_cannot_see_or_assign_anything(client, login_as):
    asked = _asked()
    login_as("candidate")
    assert client.get("/staff/queue").status_code == 403
    assert client.post(f"/staff/queue/requests/{asked.id}/assign",
                       data={"version": asked.version, "to": "me"}).status_code == 403
    assert PrivacyRequest.get_by_id(asked.id).assignee is None


# --- A feature contributes a section: the queue needs no change ------------------------------------

VISIT_TEMPLATE = """<table><tbody>{% for item in items %}<tr id="visit-{{ item.id }}">
<td>{{ item.row.reason }}</td><td>{{ item.status }}</td></tr>{% endfor %}</tbody></table>"""


class Visit:
    def __init__(self, id, reason, at):
        self.id, self.reason, self.at = id, reason, at


def _visits_section():
    """A kind of work no feature has yet: customer visits to plan."""
    visits = [Visit(n, f"Besøk {n}", utcnow() + timedelta(days=n)) for n in range(1, 4)]

    def find(query):
        found = [Item("visits", v.id, (v.at, v.id), v, "to_plan") for v in visits
                 if query.after is None or (v.at, v.id) > query.after]
        return found[:query.limit + 1]

    from datetime import datetime
    return Section(kind="visits", title="Customer visits to plan", template="visits/_queue.html",
                   find=find, count=lambda: len(visits), key=(datetime, int),
                   statuses={"to_plan": "To plan"}, empty="No visits to plan.")


def test_a_feature_adds_its_section_and_the_queue_takes_it_as_it_is(app, client, login_as,
                                                                    monkeypatch):
    login_as("staff")
    _asked()
    app.jinja_loader = ChoiceLoader([DictLoader({"visits/_queue.html": VISIT_TEMPLATE}),
                                     app.jinja_loader])
    before = [s.kind for s in queue.sections()]
    real = features.queue_sections
    monkeypatch.setattr(features, "queue_sections", lambda: [*real(), _visits_section])
    page = client.get("/staff/queue").get_data(as_text=True)
    assert _sections(page) == [*before, "visits"]
    assert _rows(page, "visit") == [1, 2, 3] and "Besøk 2" in page
    assert '<span class="count" aria-hidden="true">4</span>' in page  # 1 request + 3 visits
    assert '<optgroup label="Customer visits to plan"><option value="to_plan">' in page.replace(
        "\n", "").replace("  ", "")
    page = client.get("/staff/queue?status=to_plan").get_data(as_text=True)
    assert _sections(page) == ["visits"]
    page = client.get("/staff/queue?kind=visits&after=" + queue.cursor_of(
        (utcnow() + timedelta(days=1, hours=1), 1))).get_data(as_text=True)
    assert _rows(page, "visit") == [2, 3]
    # Not assignable: it is left out when an assignee is chosen.
    assert "visits" not in _sections(client.get("/staff/queue?assignee=me").get_data(as_text=True))
    # Two features claiming one kind is a mistake that shows at once.
    monkeypatch.setattr(features, "queue_sections",
                        lambda: [*real(), _visits_section, _visits_section])
    with pytest.raises(RuntimeError, match="visits"):
        queue.sections()


# --- Anything in the address or a form: never a 500, never a change -----------------------------

junk = st.one_of(st.text(max_size=200), st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=30),
                 st.sampled_from(["requests", "bookings", "me", "nobody", "in_progress", "0", "-1",
                                  "2026-12-01~1", "9999-12-31T23:59:59~1"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=junk, status=junk, assignee=junk, after=junk, version=junk, to=junk)
@example(kind="requests", status="", assignee="", after="a\x00b", version="1\x00", to="me")
@example(kind="x" * 10_000, status="' OR 1=1 --", assignee="<script>alert(1)</script>",
         after="2026-12-01~" + "9" * 5000, version="9" * 40, to="x" * 10_000)
def test_any_filter_or_assignment_gets_an_answer_and_changes_nothing(client, login_as, kind, status,
                                                                      assignee, after, version, to):
    if not PrivacyRequest.select().exists():
        login_as("staff")
        _asked()
    asked = PrivacyRequest.get()
    before = _state()
    response = client.get("/staff/queue", query_string={"kind": kind, "status": status,
                                                        "assignee": assignee, "after": after})
    assert response.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    response = client.post(f"/staff/queue/requests/{asked.id}/assign",
                           data={"version": version, "to": to, "back": after}, headers=HTMX)
    assert response.status_code == 200
    if to not in ("me", "nobody") or version.strip() != str(asked.version):
        assert _state() == before
