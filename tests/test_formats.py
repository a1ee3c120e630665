"""Dates, times and countries read the same everywhere: European English (day before month,
24-hour clock, no seconds), Norwegian as Norwegians write it, countries by name."""
import re
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import time_machine
from flask_babel import force_locale

from portal import catalog
from portal.booking.models import Booking
from portal.candidates.models import WorkExperience
from portal.documents.models import Document
from portal.people.models import Person
from portal.web.formats import countries, country_name, format_when
from tests.booking.conftest import book_with_code, booking_form, confirmations, consultant, free_slot  # noqa: F401 (fixtures)
from tests.candidates.files import pdf, upload
from tests.factories import make_person

ROOT = Path(__file__).resolve().parent.parent
AT = datetime(2026, 11, 25, 14, 32, 7)  # naive UTC, as stored: 15:32:07 in Oslo
AMERICAN = re.compile(r"\b(?:[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}|[0-9]:[0-9]{2}(?::[0-9]{2})?\s?[AP]M|(?:January|February|March|April|"
                      r"May|June|July|August|September|October|November|December|Jan|Feb|Mar|"
                      r"Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{1,2}\b)")


@pytest.mark.parametrize("style, value, nb, en", [
    ("date", date(2026, 11, 25), "25. november 2026", "25 November 2026"),
    ("date", AT, "25. november 2026", "25 November 2026"),
    ("datetime", AT, "25. november 2026 kl. 15:32", "25 November 2026, 15:32"),
    ("meeting", AT, "onsdag 25. november 2026 kl. 15:32", "Wednesday 25 November 2026, 15:32"),
    ("weekday", date(2026, 11, 25), "onsdag 25. november", "Wednesday 25 November"),
    ("weekday_date", date(2026, 11, 25), "onsdag 25. november 2026", "Wednesday 25 November 2026"),
    ("day_month", date(2026, 11, 25), "25. november", "25 November"),
    ("short", AT, "ons. 25. nov. 15:32", "Wed 25 Nov, 15:32"),
    ("time", AT, "15:32", "15:32"),
    ("time", time(9, 5), "09:05", "09:05"),
    # Summer time: UTC+2.
    ("datetime", datetime(2026, 6, 1, 13, 5), "1. juni 2026 kl. 15:05", "1 June 2026, 15:05"),
    ("datetime", datetime(2026, 6, 1, 13, 5, tzinfo=UTC), "1. juni 2026 kl. 15:05", "1 June 2026, 15:05"),
])
def test_one_set_of_formats_in_both_languages(app, style, value, nb, en):
    with force_locale("nb"):
        assert format_when(value, style) == nb
    with force_locale("en"):
        assert format_when(value, style) == en


def test_nothing_formats_dates_on_its_own():
    """Every date and time shown goes through portal/web/formats.py (filter `when`)."""
    offenders = []
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            text = path.read_text()
            for word in ("datetimeformat", "dateformat", "timeformat", "strftime(", "isoformat("):
                if word in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {word}")
    for path in (ROOT / "portal").rglob("*.py"):
        if path.name == "formats.py":
            continue
        text = path.read_text()
        for word in ("format_date", "format_datetime", "format_time", "format_skeleton"):
            if re.search(rf"\b{word}\b", text):
                offenders.append(f"{path.relative_to(ROOT)}: {word}")
    assert offenders == []


def test_consent_times_read_as_in_europe_without_seconds(client, login_as):
    from portal.consent import actions as consent
    user = login_as("candidate")
    with time_machine.travel(AT.replace(tzinfo=UTC), tick=False):
        consent.decide(user.person, "marketing", True)
    nb = client.get("/account/consents").get_data(as_text=True)
    assert "Gitt 25. november 2026 kl. 15:32" in nb and "15:32:07" not in nb
    client.post("/language", data={"lang": "en"})
    en = client.get("/account/consents").get_data(as_text=True)
    assert "Given on 25 November 2026, 15:32" in en
    assert re.search(r"<td[^>]*>25 November 2026, 15:32</td>", en)  # the history table
    assert "15:32:07" not in en and not AMERICAN.search(en), AMERICAN.search(en)


def test_account_and_profile_dates_read_as_in_europe(client, login_as):
    # Logging in is contact: the date kept follows it, so the whole visit is at AT (in Oslo,
    # 25 November), whatever the day the test runs.
    with time_machine.travel(AT.replace(tzinfo=UTC), tick=False):
        person = make_person(stage=catalog.CANDIDATE)
        WorkExperience.create(person=person, employer="Bygg AS", title="Leder",
                              started_on=date(2019, 8, 1), ended_on=date(2025, 6, 30))
        login_as("candidate", person=person)
        client.post("/language", data={"lang": "en"})
        account = client.get("/account").get_data(as_text=True)
        assert "We keep it until 25 November 2029" in account
        assert "1 August 2019" in account and "30 June 2025" in account
        profile = client.get("/account/profile").get_data(as_text=True)
        assert "1 August 2019" in profile
        for page in (account, profile):
            assert not AMERICAN.search(page), AMERICAN.search(page)
        client.post("/language", data={"lang": "nb"})
        assert "til og med 25. november 2029" in client.get("/account").get_data(as_text=True)


def test_documents_list_reads_as_in_europe(client, login_as):
    login_as("candidate", person=make_person(stage=catalog.CANDIDATE))
    client.post("/language", data={"lang": "en"})
    assert upload(client, "cv", pdf(), "cv.pdf").status_code in (200, 302)
    Document.update(uploaded_at=AT).execute()
    page = client.get("/account/documents").get_data(as_text=True)
    assert "25 November 2026, 15:32" in page
    assert not AMERICAN.search(page), AMERICAN.search(page)


def test_booking_email_page_and_staff_queue_read_as_in_europe(client, free_slot, outbox, login_as):
    slot = free_slot(3)
    book_with_code(client, outbox, booking_form(slot.id), headers={"Accept-Language": "en"})
    local = slot.starts_at.replace(tzinfo=UTC).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Oslo"))
    weekday, month = f"{local:%A}", f"{local:%B}"
    expected = f"{weekday} {local.day} {month} {local.year}, {local:%H:%M}"
    [mail] = confirmations(outbox, "ase@example.no")
    assert expected in mail.body, mail.body
    assert not AMERICAN.search(mail.body)
    login_as("staff")
    client.post("/language", data={"lang": "en"})
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert f"{local:%a} {local.day} {local:%b}, {local:%H:%M}" in queue
    assert not AMERICAN.search(queue), AMERICAN.search(queue)
    book = client.get("/book").get_data(as_text=True)
    assert not AMERICAN.search(book), AMERICAN.search(book)


# --- Countries ----------------------------------------------------------------------------------

def test_country_list_starts_with_norway_and_the_nordics_and_has_no_pseudo_locales(app):
    for lang, first in (("nb", ["Norge", "Sverige", "Danmark", "Finland", "Island"]),
                        ("en", ["Norway", "Sweden", "Denmark", "Finland", "Iceland"])):
        with force_locale(lang):
            listed = countries()
        codes = [code for code, _ in listed]
        assert [name for _, name in listed[:5]] == first
        assert not {"XA", "XB", "ZZ", "EU", "UN", "QO", "EZ"} & set(codes)
        assert not [name for _, name in listed if "seudo" in name]
        assert len(codes) == len(set(codes)) > 240
    with force_locale("nb"):
        names = [name for _, name in countries()[5:]]
    # Norwegian order: Æ, Ø and Å come last.
    assert names.index("Østerrike") > names.index("Zimbabwe")
    assert names.index("Åland") > names.index("Østerrike")
    with force_locale("en"):
        names = [name for _, name in countries()[5:]]
    assert names.index("Åland Islands") < names.index("Albania")


def test_booking_form_offers_the_same_list(client, consultant):
    page = client.get("/book", headers={"Accept-Language": "en"}).get_data(as_text=True)
    options = re.findall(r'<option[^>]*value="([A-Z]{2})"', page)
    assert options[:5] == ["NO", "SE", "DK", "FI", "IS"]
    assert "XA" not in options and "Pseudo" not in page
    refused = client.post("/book", data=booking_form("1-202611250700", country="XA"))
    assert refused.status_code == 422 and "Velg et land fra listen" in refused.get_data(as_text=True)


def test_country_names_in_both_languages(app):
    with force_locale("nb"):
        assert (country_name("GB"), country_name("NO"), country_name("??")) == ("Storbritannia", "Norge", "??")
    with force_locale("en"):
        assert country_name("GB") == "United Kingdom"


def test_account_shows_the_country_by_name(client, login_as):
    login_as("candidate", person=make_person(country="SE"))
    page = client.get("/account").get_data(as_text=True)
    # The address is one line: street · postal code · place · country.
    assert "· Oslo · Sverige</li>" in page and "· SE</li>" not in page
    client.post("/language", data={"lang": "en"})
    assert "· Oslo · Sweden</li>" in client.get("/account").get_data(as_text=True)


def test_staff_queue_shows_a_differently_typed_country_by_name(client, free_slot, login_as, outbox):
    book_with_code(client, outbox, booking_form(free_slot(0).id))
    book_with_code(client, outbox, booking_form(free_slot(3).id, country="DK", postal_code="1050",
                                                place="København"))
    login_as("staff")
    assert Booking.select().where(Booking.typed_country == "DK").count() == 1
    queue = client.get("/staff/queue").get_data(as_text=True)
    assert "Land: Danmark" in queue and ": DK<" not in queue
    assert Person.get().country == "NO"  # what we hold stays; the typed country is the booking's
