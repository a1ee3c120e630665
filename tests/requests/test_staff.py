"""Staff answer requests from the queue: ordered by due date, days left coloured, every step in
place with htmx, audited and e-mailed; wrong steps and stale ones change nothing."""
import re
import threading
from datetime import timedelta

from portal import catalog
from portal.audit.models import AuditEvent
from portal.auth.actions import start_session
from portal.db import utcnow
from portal.requests import actions, deadlines
from portal.requests.models import PrivacyRequest
from tests.factories import make_person, make_user
from tests.requests.conftest import build_all, others

HTMX = {"HX-Request": "true"}


def _asked(kind="question", days_ago=0, email=None, details="Hva har dere om meg?"):
    person = make_person(**({"email": email} if email else {}))
    asked = actions.ask_as_candidate(person, kind, details, "nb",
                                     now=utcnow() - timedelta(days=days_ago))
    return PrivacyRequest.get_by_id(asked.id)


def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


def test_the_queue_orders_requests_by_due_date_and_colours_the_days_left(client, login_as):
    login_as("staff")
    overdue, urgent, soon, fresh = (_asked(days_ago=d) for d in (40, 28, 24, 1))
    # A request still waiting for its code is not in the queue.
    actions._new("question", "Ukjent", "ukjent@example.no", "", "nb", utcnow())
    page = client.get("/staff/queue").get_data(as_text=True)
    section = page[page.index("Personvernhenvendelser"):]
    order = [int(i) for i in re.findall(r'<tr id="request-(\d+)"', section)]
    assert order == [overdue.id, urgent.id, soon.id, fresh.id]
    colours = re.findall(r'class="days days-(\w+)"', section)
    assert colours == ["overdue", "urgent", "soon", "ok"]
    assert "dager over fristen" in section and "dager igjen" in section


def test_taking_a_request_on_in_place(client, login_as, outbox):
    staff = login_as("staff")
    asked = _asked(email="kari@example.no")
    response = client.post(f"/staff/requests/{asked.id}/start", data={"version": asked.version},
                           headers=HTMX)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith(
        f'<tr id="request-{asked.id}"')
    assert "Under arbeid" in body and "personen har fått beskjed" in body
    assert PrivacyRequest.get_by_id(asked.id).status == "in_progress"
    event = AuditEvent.get(AuditEvent.action == "privacy_request.started")
    assert (event.actor_id, event.person_id) == (staff.id, asked.person_id)
    assert others(outbox, "kari@example.no")[-1].subject == "Vi arbeider med henvendelsen din"


def test_a_denial_needs_a_reason_which_the_person_sees(app, client, login_as, outbox):
    login_as("staff")
    asked = _asked(email="kari@example.no")
    response = client.post(f"/staff/requests/{asked.id}/deny",
                           data={"version": asked.version, "reason": "  "}, headers=HTMX)
    assert "Skriv hvorfor henvendelsen avslås" in response.get_data(as_text=True)
    _english(client)
    response = client.post(f"/staff/requests/{asked.id}/deny",
                           data={"version": asked.version, "reason": ""}, headers=HTMX)
    assert "Write why the request is denied" in response.get_data(as_text=True)
    assert PrivacyRequest.get_by_id(asked.id).status == "verified"
    assert not AuditEvent.select().where(AuditEvent.action == "privacy_request.denied").exists()
    client.post(f"/staff/requests/{asked.id}/deny",
                data={"version": asked.version, "reason": "Vi trenger ikke svare på dette."},
                headers=HTMX)
    denied = PrivacyRequest.get_by_id(asked.id)
    assert (denied.status, denied.answer) == ("denied", "Vi trenger ikke svare på dette.")
    mail = others(outbox, "kari@example.no")[-1]
    assert mail.subject == "Henvendelsen din er avslått" and "Vi trenger ikke svare" in mail.body
    assert "Datatilsynet" in mail.body
    # The person sees the reason on their page.
    person_client = app.test_client()
    user = make_user("candidate", person=denied.person)
    with person_client.session_transaction() as session:
        session["sid"], session["_user_id"] = start_session(user, second_factor=True), str(user.id)
    page = person_client.get(f"/account/requests/{denied.id}").get_data(as_text=True)
    assert "Avslått" in page and "Vi trenger ikke svare på dette." in page


def test_extending_after_the_due_date_or_beyond_three_months_is_refused(client, login_as):
    login_as("staff")
    late = _asked(days_ago=35)
    response = client.post(f"/staff/requests/{late.id}/extend",
                           data={"version": late.version, "months": "1", "reason": "Mye nå."},
                           headers=HTMX)
    assert "Den første fristen har gått ut" in response.get_data(as_text=True)
    assert PrivacyRequest.get_by_id(late.id).due_on == late.due_on
    asked = _asked()
    response = client.post(f"/staff/requests/{asked.id}/extend",
                           data={"version": asked.version, "months": "3", "reason": "Lenge."},
                           headers=HTMX)
    assert "Velg hvor lenge fristen skal forlenges." in response.get_data(as_text=True)
    response = client.post(f"/staff/requests/{asked.id}/extend",
                           data={"version": asked.version, "months": "2", "reason": ""},
                           headers=HTMX)
    assert "Skriv hvorfor det trengs mer tid" in response.get_data(as_text=True)
    response = client.post(f"/staff/requests/{asked.id}/extend",
                           data={"version": asked.version, "months": "2", "reason": "Komplisert."},
                           headers=HTMX)
    extended = PrivacyRequest.get_by_id(asked.id)
    assert extended.due_on == deadlines.add_months(deadlines.oslo_date(asked.received_at), 3)
    response = client.post(f"/staff/requests/{asked.id}/extend",
                           data={"version": extended.version, "months": "1", "reason": "Mer."},
                           headers=HTMX)
    assert "høyst tre måneder" in response.get_data(as_text=True)
    _english(client)
    response = client.post(f"/staff/requests/{asked.id}/extend",
                           data={"version": extended.version, "months": "1", "reason": "More."},
                           headers=HTMX)
    assert "at most three months" in response.get_data(as_text=True)
    assert PrivacyRequest.get_by_id(asked.id).due_on == extended.due_on


def test_a_step_on_a_request_someone_else_just_changed_is_not_applied(client, login_as, outbox):
    login_as("staff")
    asked = _asked(email="kari@example.no")
    seen = asked.version
    client.post(f"/staff/requests/{asked.id}/start", data={"version": seen}, headers=HTMX)
    mails = len(outbox.messages)
    response = client.post(f"/staff/requests/{asked.id}/deny",
                           data={"version": seen, "reason": "Nei."}, headers=HTMX)
    body = response.get_data(as_text=True)
    assert "Noen andre behandlet denne henvendelsen i samme øyeblikk" in body
    assert "Under arbeid" in body  # how it stands now
    assert PrivacyRequest.get_by_id(asked.id).status == "in_progress"
    assert len(outbox.messages) == mails


def test_two_staff_acting_at_the_same_moment_one_wins(app, login_as, outbox):
    asked = _asked()
    clients = []
    for _ in range(2):
        c = app.test_client()
        user = make_user("staff")
        with c.session_transaction() as session:
            session["sid"], session["_user_id"] = start_session(user, second_factor=True), str(user.id)
        clients.append(c)
    barrier = threading.Barrier(2, timeout=10)
    answers = [None, None]
    steps = [("deny", {"reason": "Nei."}), ("extend", {"months": "1", "reason": "Tid."})]

    def act(n):
        step, data = steps[n]
        barrier.wait()
        answers[n] = clients[n].post(f"/staff/requests/{asked.id}/{step}",
                                     data=dict(data, version=asked.version), headers=HTMX)

    threads = [threading.Thread(target=act, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    texts = [a.get_data(as_text=True) for a in answers]
    assert sum("Noen andre behandlet" in t for t in texts) == 1
    final = PrivacyRequest.get_by_id(asked.id)
    assert final.version == asked.version + 1
    assert (final.status == "denied") != (final.extended_at is not None)


def test_done_with_a_message_and_the_rules_of_access(client, login_as, outbox):
    login_as("staff")
    question = _asked(email="kari@example.no")
    client.post(f"/staff/requests/{question.id}/done",
                data={"version": question.version, "message": "Vi har bare navnet ditt."},
                headers=HTMX)
    assert PrivacyRequest.get_by_id(question.id).status == "done"
    assert "Vi har bare navnet ditt." in others(outbox, "kari@example.no")[-1].body
    access = _asked(kind="access", email="ola@example.no")
    response = client.post(f"/staff/requests/{access.id}/done", data={"version": access.version},
                           headers=HTMX)
    assert "En innsynsbegjæring er ferdig når kopien er frigitt." in response.get_data(as_text=True)
    response = client.post(f"/staff/requests/{question.id}/release",
                           data={"version": question.version + 1}, headers=HTMX)
    assert "Bare en innsynsbegjæring har en kopi å frigi." in response.get_data(as_text=True)


def test_releasing_a_copy_proven_by_a_code(client, login_as, outbox):
    from tests.requests.conftest import ask_with_code
    make_person(email="kari@example.no", stage=catalog.CANDIDATE)
    visitor = client.application.test_client()
    ask_with_code(visitor, outbox, kind="access", email="kari@example.no")
    asked = PrivacyRequest.get()
    login_as("staff")
    response = client.post(f"/staff/requests/{asked.id}/release", data={"version": asked.version},
                           headers=HTMX)
    assert "Kopien er ikke klar ennå" in response.get_data(as_text=True)
    build_all()
    asked = PrivacyRequest.get()
    assert "Godkjenn og frigi kopien" in client.get("/staff/queue").get_data(as_text=True)
    response = client.post(f"/staff/requests/{asked.id}/release", data={"version": asked.version},
                           headers=HTMX)
    assert "Frigitt" in response.get_data(as_text=True)
    assert PrivacyRequest.get().status == "done"
    assert [m for m in others(outbox, "kari@example.no") if "klar" in m.subject]


def test_without_javascript_a_step_comes_back_to_the_queue_with_a_message(client, login_as):
    login_as("staff")
    asked = _asked()
    response = client.post(f"/staff/requests/{asked.id}/deny",
                           data={"version": asked.version, "reason": ""})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/staff/queue#request-{asked.id}"
    page = client.get("/staff/queue").get_data(as_text=True)
    assert "Skriv hvorfor henvendelsen avslås" in page


def test_a_step_on_a_request_that_does_not_exist_is_a_404(client, login_as):
    login_as("staff")
    assert client.post("/staff/requests/999/start", data={"version": 0}).status_code == 404
