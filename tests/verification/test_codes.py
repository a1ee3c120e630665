"""Codes by e-mail: random, hashed, ten minutes, three tries, once, five an hour per address."""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale

from portal.db import utcnow
from portal.verification import actions
from portal.verification.models import Challenge, CodeQuota

SUBJECT = re.compile(r"ressursbasen\.no: ([0-9]{6})$")


def _code(outbox, address):
    return SUBJECT.search([m for m in outbox.to(address) if SUBJECT.search(m.subject)][-1].subject).group(1)


def _problem(token, code, purpose="booking", now=None):
    with pytest.raises(actions.CodeProblem) as caught:
        actions.check(token, code, purpose, now=now)
    return caught.value


def test_code_email_holds_the_code_and_its_purpose_and_the_code_is_kept_hashed(db, outbox):
    challenge = actions.start("Ase@Example.no", "booking", "nb")
    [mail] = outbox.to("ase@example.no")
    code = SUBJECT.search(mail.subject).group(1)
    assert mail.subject == f"Din kode fra ressursbasen.no: {code}"
    assert f"Koden din er {code}" in mail.body and "bekrefte bestillingen" in mail.body
    assert "10 minutter" in mail.body
    row = Challenge.get()
    assert (row.email, row.purpose, row.tries, row.used_at) == ("ase@example.no", "booking", 0, None)
    assert code not in " ".join(str(v) for v in row.__data__.values())
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    assert challenge.token == row.token


def test_codes_are_random(db, outbox):
    for n in range(5):
        actions.start(f"p{n}@example.no", "booking")
    codes = {_code(outbox, f"p{n}@example.no") for n in range(5)}
    assert len(codes) == 5


def test_the_right_code_is_accepted_once(db, outbox):
    challenge = actions.start("ase@example.no", "booking")
    code = _code(outbox, "ase@example.no")
    assert actions.check(challenge.token, code, "booking").email == "ase@example.no"
    assert _problem(challenge.token, code).code == "used"
    with force_locale("nb"):
        assert "allerede brukt" in str(_problem(challenge.token, code).message)
    with force_locale("en"):
        assert "already been used" in str(_problem(challenge.token, code).message)


def test_a_code_expires_after_ten_minutes(db, outbox):
    now = utcnow()
    challenge = actions.start("ase@example.no", "booking", now=now)
    code = _code(outbox, "ase@example.no")
    problem = _problem(challenge.token, code, now=now + timedelta(minutes=10))
    assert problem.code == "expired" and problem.needs_new_code
    with force_locale("nb"):
        assert "Koden er utløpt" in str(problem.message)
    assert actions.check(challenge.token, code, "booking", now=now + timedelta(minutes=9, seconds=59))


def test_three_wrong_tries_kill_the_code(db, outbox):
    challenge = actions.start("ase@example.no", "booking")
    code = _code(outbox, "ase@example.no")
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    first, second, third = (_problem(challenge.token, wrong) for _ in range(3))
    assert (first.code, first.tries_left, second.tries_left) == ("wrong", 2, 1)
    with force_locale("nb"):
        assert "Du kan prøve 2 ganger til" in first.message
        assert "Du kan prøve 1 gang til" in second.message
    with force_locale("en"):
        assert "You can try 2 more times" in first.message
    assert third.code == "dead" and third.needs_new_code
    assert _problem(challenge.token, code).code == "dead"  # even the right one, now


def test_a_code_for_another_address_or_purpose_does_not_fit(db, outbox):
    mine = actions.start("ase@example.no", "booking")
    actions.start("other@example.no", "booking")
    share = actions.start("ase@example.no", "share_link")
    other_code, share_code = _code(outbox, "other@example.no"), None
    share_code = SUBJECT.search([m for m in outbox.to("ase@example.no")][-1].subject).group(1)
    assert _problem(mine.token, other_code).code == "wrong"
    assert _problem(mine.token, share_code).code == "wrong"
    # The challenge of another purpose cannot be used for a booking at all.
    assert _problem(share.token, share_code, purpose="booking").code == "unknown"
    assert _problem("guessed-token", "123456").code == "unknown"
    assert actions.check(share.token, share_code, "share_link")


def test_at_most_five_codes_an_hour_to_one_address_then_a_time_to_try_again(app, db, outbox):
    app.config["MAIL_LIMIT_PER_RECIPIENT"] = "1000 per hour"  # the code rule alone
    start = utcnow().replace(second=0, microsecond=0)
    for n in range(5):
        actions.start("ase@example.no", "booking", now=start + timedelta(minutes=n))
    with pytest.raises(actions.TooManyCodes) as caught:
        actions.start("ase@example.no", "booking", now=start + timedelta(minutes=30))
    assert caught.value.retry_at == start + timedelta(hours=1)
    from portal.booking.schedule import to_oslo
    at = to_oslo(start + timedelta(hours=1)).strftime("%H:%M")
    with app.test_request_context(), force_locale("nb"):
        assert f"Prøv igjen kl. {at}" in str(caught.value.message)
    with app.test_request_context(), force_locale("en"):
        assert f"Try again at {at}" in str(caught.value.message)
    assert Challenge.select().count() == 5 and len(outbox.to("ase@example.no")) == 5
    actions.start("other@example.no", "booking", now=start + timedelta(minutes=30))  # not limited
    actions.start("ase@example.no", "booking", now=start + timedelta(hours=1, seconds=1))
    assert len(outbox.to("ase@example.no")) == 6
    # The count is kept by a keyed hash, never the address itself.
    assert "ase@example.no" not in {q.address_key for q in CodeQuota.select()}


def test_used_and_expired_codes_are_deleted_by_the_minute_job(db, outbox):
    from jobs.retention import sweep_minute
    now = utcnow()
    used = actions.start("a@example.no", "booking", now=now)
    actions.check(used.token, _code(outbox, "a@example.no"), "booking", now=now)
    actions.start("b@example.no", "booking", now=now - timedelta(minutes=11))
    waiting = actions.start("c@example.no", "booking", now=now)
    sweep_minute()
    assert [c.token for c in Challenge.select()] == [waiting.token]
