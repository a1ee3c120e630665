"""/account shows everything held, from the registry's export: bookings to come and past ones,
consent decisions, the login (address, dates, every logged-in browser) and where each came from;
a person ends any of their own sessions, and no one else's."""
import re
from datetime import datetime, timedelta

import pytest

from portal.audit.models import AuditEvent
from portal.auth.actions import start_session
from portal.auth.models import LoginSession, User
from portal.booking.models import Booking, Consultant
from portal.consent.actions import decide
from portal.db import utcnow
from portal.mail.models import Outbox
from portal.people.models import Person
from portal.web.formats import format_when
from tests.factories import make_user


def _booking(person, consultant, days, status="booked", kind="interview", place="video"):
    starts = (utcnow() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return Booking.create(person=person.id, consultant=consultant, starts_at=starts,
                          ends_at=starts + timedelta(minutes=45), kind=kind, place=place,
                          status=status)


def _in(app, lang, value, style):
    """A date as the page writes it in a language (the page's own filter)."""
    with app.test_request_context(headers={"Accept-Language": lang}):
        return format_when(value, style)


def _page(client):
    response = client.get("/account")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _card(page, key):
    """The text of one record card of the page."""
    found = re.search(rf'<section class="holding record" id="category-{key}".*?</section>', page,
                      re.S)
    assert found, f"no {key} card"
    return found.group(0)


def test_account_shows_bookings_to_come_and_earlier_ones(app, client, candidate):
    person = Person.get_by_id(candidate.person_id)
    consultant = Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    upcoming = _booking(person, consultant, 5)
    past = _booking(person, consultant, -20, status="attended", kind="conversation",
                    place="office")
    cards = _card(_page(client), "bookings")
    coming, earlier = cards.split("Tidligere, avbestilte og flyttede")
    assert _in(app, "nb", upcoming.starts_at, "meeting") in coming
    assert "Intervju" in coming and "På video" in coming and "Ingrid Bakke" in coming
    assert _in(app, "nb", past.starts_at, "meeting") in earlier and "Gjennomført" in earlier
    assert _in(app, "nb", past.starts_at, "meeting") not in coming
    assert "Fra en bestilling" in cards  # where it came from


def test_account_shows_each_consent_decision_with_its_date(app, client, candidate):
    person = Person.get_by_id(candidate.person_id)
    given = decide(person, "marketing", True)
    withdrawn = decide(person, "marketing", False)
    card = _card(_page(client), "consents")
    assert card.count('"Formål">Markedsføring') == 2 and "Gitt" in card and "Trukket tilbake" in card
    assert "Markedsføring: Trukket tilbake" in card  # folded, it says the decision in force
    assert _in(app, "nb", given.at, "datetime") in card
    assert _in(app, "nb", withdrawn.at, "datetime") in card
    assert "Rettslig forpliktelse" in card  # why, and on what basis


def test_account_shows_the_login_its_last_use_and_every_browser(app, client, candidate):
    other_token = start_session(candidate)  # the same person, logged in in another browser
    user = User.get_by_id(candidate.id)
    card = _card(_page(client), "login")
    assert user.email in card
    assert _in(app, "nb", user.created_at, "datetime") in card
    assert _in(app, "nb", user.last_login_at, "datetime") in card
    ends = re.findall(r'action="/account/sessions/(\d+)/end"', card)
    assert sorted(map(int, ends)) == sorted(s.id for s in LoginSession.select())
    assert len(ends) == 2 and card.count("Denne nettleseren") == 1
    assert other_token not in card  # session secrets are never shown
    assert "Avslutt og logg ut her" in card and ">Avslutt<" in card


def test_account_in_english_says_where_each_thing_came_from(client, candidate):
    with client.session_transaction() as session:
        session["lang"] = "en"
    page = _page(client)
    assert "Your account and logins" in page and "This browser" in page
    assert "From you" in page  # the name, address, e-mail and phone
    assert "Recorded by the portal" in page  # the login and the log
    assert "Three years after our last contact with you" in page


def test_account_lists_e_mails_and_the_log_without_details(app, client, candidate):
    person = Person.get_by_id(candidate.person_id)
    Outbox.create(to=person.email, subject="Hei fra oss", template="t", person=person.id)
    from portal.audit.actions import seal
    seal()  # the chain's hashes are written: the page must still not show them
    page = _page(client)
    assert "Hei fra oss" in _card(page, "messages")
    log = _card(page, "audit")
    assert "Logget inn" in log  # what was done, in words
    assert "Fem år etter hendelsen" in log
    assert "prev_hash" not in page and AuditEvent.get().hash not in page


def test_ending_another_browsers_session_logs_that_browser_out(app, client, candidate):
    other = app.test_client()
    token = start_session(candidate)
    with other.session_transaction() as session:
        session["sid"], session["_user_id"] = token, str(candidate.id)
    assert other.get("/account").status_code == 200
    theirs = LoginSession.select().order_by(LoginSession.id.desc()).first()
    response = client.post(f"/account/sessions/{theirs.id}/end")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account?open=login#category-login")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nettleseren den var i, er logget ut" in page
    assert re.search(r'id="category-login"[^>]*>\s*<details open>', page)  # still open to see
    gone = other.get("/account")
    assert gone.status_code == 302 and gone.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 200  # this browser is still in
    assert LoginSession.select().count() == 1
    assert AuditEvent.select().where(AuditEvent.action == "account.session_ended").count() == 1


def test_ending_this_browsers_session_logs_out_here(client, candidate):
    mine = LoginSession.get(LoginSession.user == candidate.id)
    response = client.post(f"/account/sessions/{mine.id}/end")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/account").headers["Location"].startswith("/login")
    assert LoginSession.select().count() == 0


@pytest.mark.parametrize("whose", ["someone else's", "no one's"])
def test_a_session_that_is_not_yours_is_a_404_and_stays(client, candidate, whose):
    stranger = make_user("candidate")
    start_session(stranger)
    theirs = LoginSession.get(LoginSession.user == stranger.id)
    session_id = theirs.id if whose == "someone else's" else theirs.id + 1000
    assert client.post(f"/account/sessions/{session_id}/end").status_code == 404
    assert LoginSession.select().count() == 2
    assert not AuditEvent.select().where(AuditEvent.action == "account.session_ended").exists()


def test_a_timed_out_session_is_shown_as_such(client, candidate):
    old = utcnow() - timedelta(hours=2)
    start_session(candidate)
    LoginSession.update(created_at=old, last_seen_at=old).where(
        LoginSession.id == LoginSession.select().order_by(LoginSession.id.desc()).first().id
    ).execute()
    card = _card(_page(client), "login")
    assert "Utløpt" in card and card.count("Denne nettleseren") == 1


def test_the_candidate_profile_is_not_collected_yet_at_the_booking_stage(client, booked):
    page = _page(client)
    assert "Ikke samlet inn ennå" in page
    person = Person.get_by_id(booked.person_id)
    assert person.name in page and person.phone in page
    assert datetime.now().year + 3 <= int(re.search(r"til og med \d+\. \w+ (\d{4})", page).group(1))
