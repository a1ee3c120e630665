"""Due dates as art. 12(3) counts a month, the extension rules and the 24-hour expiry, on a
frozen clock."""
from datetime import UTC, date, datetime

import pytest
import time_machine

from jobs.requests import remove_unproven_requests
from portal.requests import actions, deadlines
from portal.requests.models import PrivacyRequest
from tests.factories import make_user
from tests.requests.conftest import ask_form, code_from


@pytest.mark.parametrize("received, due", [
    (date(2026, 1, 15), date(2026, 2, 15)),
    (date(2026, 1, 31), date(2026, 2, 28)),   # no 31 February: the month's last day
    (date(2028, 1, 31), date(2028, 2, 29)),   # a leap year
    (date(2028, 1, 29), date(2028, 2, 29)),
    (date(2026, 1, 29), date(2026, 2, 28)),
    (date(2026, 3, 31), date(2026, 4, 30)),
    (date(2026, 12, 31), date(2027, 1, 31)),  # over the new year
    (date(2026, 2, 28), date(2026, 3, 28)),   # not "the month's end" to "the month's end"
])
def test_one_calendar_month_after_receipt(received, due):
    assert deadlines.add_months(received, 1) == due


def test_three_months_at_most_and_back_again():
    assert deadlines.add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert deadlines.add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert deadlines.add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert deadlines.add_months(date(2029, 5, 17), -36) == date(2026, 5, 17)


def test_the_day_counts_in_oslo_not_utc():
    # 23:30 UTC on 31 January is already 1 February in Oslo: due 1 March.
    assert deadlines.first_due_date(datetime(2026, 1, 31, 23, 30)) == date(2026, 3, 1)
    assert deadlines.first_due_date(datetime(2026, 1, 31, 22, 30)) == date(2026, 2, 28)


@pytest.mark.parametrize("days, colour", [
    (30, "ok"), (10, "ok"), (9, "soon"), (5, "soon"), (4, "urgent"), (0, "urgent"), (-1, "overdue")])
def test_days_left_have_four_colours(days, colour):
    assert deadlines.urgency(days) == colour


def _verified(received_at, kind="question", email="kari@example.no"):
    with time_machine.travel(received_at.replace(tzinfo=UTC), tick=False):
        asked = actions._new(kind, "Kari", email, "Hva har dere?", "nb", received_at)
        return actions.verify(asked, "code")


def test_a_request_received_on_31_january_is_due_on_the_last_day_of_february(app, db):
    asked = _verified(datetime(2028, 1, 31, 10, 0))
    assert (asked.first_due_on, asked.due_on) == (date(2028, 2, 29), date(2028, 2, 29))


def test_extension_before_the_first_due_date_up_to_three_months(app, db, outbox):
    staff = make_user("staff")
    asked = _verified(datetime(2026, 1, 31, 10, 0))
    with time_machine.travel(datetime(2026, 2, 28, 20, 0, tzinfo=UTC), tick=False):  # the due date
        asked = actions.extend(asked, staff, asked.version, 1, "Mange forespørsler nå.")
        assert asked.due_on == date(2026, 3, 31)
        asked = actions.extend(asked, staff, asked.version, 1, "Fortsatt mye.")
        assert asked.due_on == date(2026, 4, 30)
        with pytest.raises(actions.RequestProblem) as beyond:
            actions.extend(asked, staff, asked.version, 1, "Enda mer.")
        assert beyond.value.code == "too_long"
    mails = [m for m in outbox.to("kari@example.no") if "mer tid" in m.subject]
    assert len(mails) == 2 and "Mange forespørsler nå." in mails[0].body
    assert "30. april 2026" in mails[1].body


def test_two_months_at_once_but_not_three(app, db):
    staff = make_user("staff")
    asked = _verified(datetime(2026, 1, 10, 10, 0))
    with time_machine.travel(datetime(2026, 1, 20, 10, 0, tzinfo=UTC), tick=False):
        with pytest.raises(actions.RequestProblem) as three:
            actions.extend(asked, staff, asked.version, 3, "For mye.")
        assert three.value.code == "too_long"
        asked = actions.extend(asked, staff, asked.version, 2, "Komplisert.")
    assert asked.due_on == date(2026, 4, 10)


def test_no_extension_after_the_first_due_date(app, db, outbox):
    staff = make_user("staff")
    asked = _verified(datetime(2026, 1, 31, 10, 0))
    # 1 March in Oslo: the first due date (28 February) has passed.
    with time_machine.travel(datetime(2026, 2, 28, 23, 30, tzinfo=UTC), tick=False):
        with pytest.raises(actions.RequestProblem) as late:
            actions.extend(asked, staff, asked.version, 1, "For sent.")
    assert late.value.code == "after_due"
    assert PrivacyRequest.get_by_id(asked.id).due_on == date(2026, 2, 28)
    assert not [m for m in outbox.to("kari@example.no") if "mer tid" in m.subject]


def test_an_unproven_request_is_deleted_with_what_was_typed_after_24_hours(app, client, outbox):
    at = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    with time_machine.travel(at, tick=False):
        client.post("/privacy/requests/new", data=ask_form(kind="correction",
                                                            details="Feil adresse: Storgata 2"))
    code = code_from(outbox, "ase@example.no")
    with time_machine.travel(at.replace(hour=23), tick=False):  # still within 24 hours
        assert remove_unproven_requests() == 0
        client.post("/privacy/requests/code/new")  # a new code is fine within the day
    with time_machine.travel(at.replace(day=26, hour=9, minute=1), tick=False):
        assert remove_unproven_requests() == 1
        assert PrivacyRequest.select().count() == 0
        response = client.post("/privacy/requests/code", data={"code": code})
    assert response.status_code == 410
    assert "24 timer" in response.get_data(as_text=True)
    # No reminder or anything else went to the unproven address: codes only.
    assert all("kode" in m.subject for m in outbox.to("ase@example.no"))


def test_an_answered_request_is_kept_three_years_by_the_retention_sweep(app, db):
    from portal.requests.models import AccessExport
    from portal.retention.actions import sweep
    from tests.factories import make_person
    make_person(email="ola@example.no", last_contact_at=datetime(2029, 11, 1))  # not due himself
    kept = _verified(datetime(2026, 11, 20, 10, 0))
    gone = _verified(datetime(2026, 11, 20, 10, 0), kind="access", email="ola@example.no")
    assert AccessExport.select().count() == 1
    still_open = _verified(datetime(2026, 1, 5, 10, 0), email="per@example.no")
    PrivacyRequest.update(status="done", closed_at=datetime(2026, 11, 26, 10, 0)).where(
        PrivacyRequest.id == kept.id).execute()   # three years ago tomorrow: kept
    PrivacyRequest.update(status="done", closed_at=datetime(2026, 11, 24, 10, 0)).where(
        PrivacyRequest.id == gone.id).execute()   # three years and a day ago: gone
    with time_machine.travel(datetime(2029, 11, 25, 12, 0, tzinfo=UTC), tick=False):
        run = sweep()
    assert sorted(r.id for r in PrivacyRequest.select()) == sorted([kept.id, still_open.id])
    assert AccessExport.select().count() == 0  # the copy went with its request
    assert "after_request_closed:PrivacyRequest" in run.counts
