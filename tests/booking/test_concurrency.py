"""Twenty people confirm the same time with their codes at once: one gets it, nineteen are told."""
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

from portal.booking.models import Booking
from portal.people.models import Person
from tests.booking.conftest import booking_form, code_from

PEOPLE = 20


def _browser():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _open(opener, url, data=None):
    try:
        with opener.open(url, data=data, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _waiting_for_code(url, slot_id, email):
    """A browser that filled in the form and got the code step: (browser, CSRF token)."""
    opener = _browser()
    status, page = _open(opener, url + "/book")
    assert status == 200 and f'value="{slot_id}"' in page
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(dict(booking_form(slot_id, email=email), csrf_token=token))
    status, page = _open(opener, url + "/book", data.encode())
    assert status == 200 and f"Vi sendte en kode til {email}." in page
    return opener, token


def test_twenty_parallel_confirmations_for_one_slot_make_one_booking(app, live_server, consultant,
                                                                     free_slot, outbox):
    app.config["BOOKING_LIMIT"] = "1000 per minute"  # all twenty come from 127.0.0.1
    app.config["PENDING_PER_IP"] = 100
    slot = free_slot()
    browsers, tokens = [], []
    for n in range(PEOPLE):  # each person has the code step open, with its own session
        opener, token = _waiting_for_code(live_server.url, slot.id, f"person{n}@example.no")
        browsers.append(opener)
        tokens.append(token)
    codes = [code_from(outbox, f"person{n}@example.no") for n in range(PEOPLE)]
    assert Booking.select().count() == 0 and Person.select().count() == 0  # nothing before a code

    start = threading.Barrier(PEOPLE)
    results = [None] * PEOPLE

    def press_book(n):
        data = urllib.parse.urlencode(dict(code=codes[n], csrf_token=tokens[n])).encode()
        start.wait()
        results[n] = _open(browsers[n], live_server.url + "/book/code", data)

    threads = [threading.Thread(target=press_book, args=(n,)) for n in range(PEOPLE)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * (PEOPLE - 1)  # 200 after the redirect to the receipt
    [winner] = [page for status, page in results if status == 200]
    assert "Takk, timen er bestilt" in winner
    for status, page in results:
        if status == 409:
            assert "Denne tiden ble akkurat tatt av noen andre." in page
            assert f'value="{slot.id}"' not in page  # the slot list is fresh
            assert len(re.findall(r'name="slot" value="', page)) > 5
            assert 'value="Åse Ødegård-Ærø"' in page and 'value="Storgata 1"' in page  # kept
    assert Booking.select().where(Booking.starts_at == slot.starts_at).count() == 1
    assert Person.select().count() == 1


def test_overlapping_slots_of_two_grids_are_never_both_booked(app, live_server, db, outbox):
    """Weekly hours give 9:00-9:45, extra hours that day give 9:30-10:15: one person wins."""
    from datetime import time, timedelta

    from portal.booking import availability, schedule
    from portal.booking.models import Consultant
    app.config["BOOKING_LIMIT"] = "1000 per minute"
    app.config["PENDING_PER_IP"] = 100
    consultant = Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    day = schedule.oslo_today() + timedelta(days=2)
    availability.add_weekly_hours(consultant, day.weekday(), time(9), time(10))
    availability.add_exception(consultant, day, "extra", time(9, 30), time(10, 30))
    grid = {schedule.to_oslo(s.starts_at).strftime("%H:%M"): s.id for s in schedule.free_slots([day])}
    assert {"09:00", "09:30"} <= set(grid)
    pairs = [grid["09:00"], grid["09:30"]] * 5
    browsers, tokens = [], []
    for n, slot_id in enumerate(pairs):
        opener, token = _waiting_for_code(live_server.url, slot_id, f"p{n}@example.no")
        browsers.append(opener)
        tokens.append(token)
    codes = [code_from(outbox, f"p{n}@example.no") for n in range(len(pairs))]
    start = threading.Barrier(len(pairs))
    results = [None] * len(pairs)

    def press_book(n):
        data = urllib.parse.urlencode(dict(code=codes[n], csrf_token=tokens[n])).encode()
        start.wait()
        results[n] = _open(browsers[n], live_server.url + "/book/code", data)

    threads = [threading.Thread(target=press_book, args=(n,)) for n in range(len(pairs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(status for status, _ in results) == [200] + [409] * (len(pairs) - 1)
    assert Booking.select().where(Booking.consultant == consultant).count() == 1
