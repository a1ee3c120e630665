"""Whatever is typed into a correction (new values, statements) or a hold: never a 500, never a
partial write; hostile values as explicit examples."""
from datetime import timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from portal import catalog
from portal.candidates.models import Evaluation, Statement
from portal.corrections import actions as corrections
from portal.corrections.models import ProposedValue
from portal.holds import actions as holds
from portal.holds.models import LegalHold
from portal.requests.models import PrivacyRequest
from tests.factories import make_person

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=300)
HOSTILE = ("a\x00b", "x" * 10_000, "<script>alert(1)</script>", "' OR 1=1 --", "1800-01-01",
           "2999-12-31", "-1", "1e99", "\u202eevil", "Ola\x85Nordmann")


def _inputs():
    return [f.input_name for f in corrections.fields()]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(
    ["Person-name", "Person-street", "Person-postal_code", "Person-place", "Person-country",
     "Person-phone", "Person-email", "Profile-birth_date", "Profile-marital_status",
     "Profile-gender", "Profile-nationality", "Profile-available_from", "Profile-availability",
     "Profile-salary_expectation", "NotedAvailability-salary", "NotedAvailability-available_from",
     "NotedAvailability-availability", "Evaluation-result", "details"]),
    TEXT | st.sampled_from(HOSTILE), max_size=6))
@example({"Person-name": "Ola\x00", "Person-phone": "\x00", "details": "x" * 10_000})
@example({"Profile-birth_date": "1800-01-01", "Profile-salary_expectation": "1e99"})
@example({"Profile-marital_status": "<script>", "Person-country": "XX"})
@example({"NotedAvailability-salary": "-1", "Person-email": "ny@example.no"})
def test_the_public_correction_form_survives_any_input(client, outbox, values):
    before = (PrivacyRequest.select().count(), ProposedValue.select().count())
    response = client.post("/privacy/requests/new", data={
        "kind": "correction", "name": "Kari Nordmann", "email": "kari@example.no", "website": "",
        **values})
    assert response.status_code in (303, 422, 429), response.status_code
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    if response.status_code != 303:
        assert (PrivacyRequest.select().count(), ProposedValue.select().count()) == before
    else:
        for pv in ProposedValue.select():
            assert "\x00" not in pv.value and len(pv.value) <= 4000


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT | st.sampled_from(HOSTILE), salary=TEXT | st.sampled_from(HOSTILE))
@example(text="Min merknad\x00", salary="")
@example(text="x" * 10_000, salary="650000")
@example(text="<b>fet</b>", salary="\u0660\u0661")
def test_statements_and_values_from_the_account_survive_any_input(app, client, request, text, salary):
    app.config["PRIVACY_REQUEST_LIMIT"] = "10000 per hour"  # the input is tried here, not the limit
    user = request.getfixturevalue("fresh_candidate")
    evaluation = Evaluation.get_or_none(Evaluation.person == user.person_id) or Evaluation.create(
        person=user.person_id, kind="evaluation", result="Egnet")
    before = (PrivacyRequest.select().count(), Statement.select().count())
    response = client.post("/account/requests", data={
        "kind": "correction", f"statement-{evaluation.id}-text": text,
        "NotedAvailability-salary": salary})
    assert response.status_code in (303, 422), response.status_code
    if response.status_code != 303:
        assert (PrivacyRequest.select().count(), Statement.select().count()) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=TEXT | st.sampled_from(HOSTILE), ends_on=TEXT | st.sampled_from(HOSTILE),
       categories=st.lists(st.sampled_from(["cv", "audit", "codes", "x\x00", "", "evaluations"])
                           | st.lists(TEXT, max_size=2), max_size=3))
@example(reason="Tvist\x00", ends_on="2030-01-01", categories=["cv"])
@example(reason="x" * 10_000, ends_on="9999-99-99", categories=["cv"])
@example(reason="Tvist", ends_on="1800-01-01", categories=["legal_holds"])
def test_the_hold_form_survives_any_input(client, login_as, reason, ends_on, categories):
    person = make_person(stage=catalog.CANDIDATE)
    login_as("admin")
    before = LegalHold.select().count()
    response = client.post(f"/staff/holds/new/{person.id}", data={
        "reason": reason, "ends_on": ends_on, "categories": categories})
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 303:
        hold = LegalHold.select().order_by(LegalHold.id.desc()).get()
        assert hold.ends_on > holds.today_in_oslo()
        assert hold.ends_on <= holds.today_in_oslo() + timedelta(days=366 * 10)
        assert set(hold.categories) <= {c.key for c in holds.holdable()}
    else:
        assert LegalHold.select().count() == before
