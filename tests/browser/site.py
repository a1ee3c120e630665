"""A portal full of real rows, and the URL of every page in it, for the whole-site browser tests.

`fill(app)` creates consultants with hours and exceptions, upcoming bookings (one with details
typed differently, two of the candidate's own) and past ones (marked, to be marked, cancelled),
a candidate with a row in every profile section, requests assigned in the queue and people due
for deletion within 30 days, documents of every kind, a consent history, staff
entries (with the candidate's statement beside an evaluation) and an opening of their record, a
legal hold on the candidate ending within 30 days, privacy requests of every kind (a correction
with proposed values, an erasure), a staff member (who sets up their second factor in the
walk), an administrator (with one already, and its recovery codes), audit events, and a link of
every kind (cancel, move, invitation, password reset, registration, e-mail change).
`page_paths(app, world)` turns every GET route of
app.url_map into a path with those ids; a new route without ids here makes the test fail.
"""
from datetime import date, time, timedelta

from portal import catalog
from portal.auth import actions as auth_actions
from portal.auth import second_factor
from portal.booking import actions as booking_actions
from portal.booking import availability, schedule
from portal.booking import links as booking_links
from portal.booking.models import Booking
from portal.candidates import actions as candidate_actions
from portal.candidates.models import (
    Certificate,
    Evaluation,
    JobNote,
    LanguageSkill,
    NotedAvailability,
    Profile,
    Qualification,
    Reference,
    Statement,
    WorkExperience,
)
from portal.consent import actions as consent_actions
from portal.db import utcnow
from portal.documents import actions as document_actions
from portal.holds import actions as hold_actions
from portal.people import registry
from portal.retention import actions as retention_actions
from portal.staff import record as staff_record
from tests.candidates import files
from tests.factories import app_code, make_person, make_user, secret_of

# Routes that answer with something other than an HTML page.
NOT_PAGES = {
    "static": "files of the site itself",
    "web.health": "JSON for the load balancer",
    "documents.download": "the stored file",
    "documents.staff_download": "the stored file",
    "requests.download": "the zip of a person's data (or, to someone not yet confirmed, a page "
                         "walked in tests/requests)",
    "shared.document": "a shared document (or, to a browser without the code, the code page "
                       "walked in tests/customers)",
}
# Query strings of pages that show more with one: the staff search with results.
QUERIES = {"staff.find": "q=kari&why=matching"}

LONG_NAME = "Maria Magdalena Ødegård-Bjørnstad Kristiansen"
LONG_EMAIL = "maria.magdalena.odegard-bjornstad.kristiansen@eksempel-bedrift.no"


def _details(**overrides):
    values = dict(name=LONG_NAME, street="Kong Oscars gate 123 B", postal_code="5017",
                  place="Bergen", country="NO", email=LONG_EMAIL, phone="+4798765432")
    values.update(overrides)
    return values


def fill(app):
    """Create the data; returns the ids and tokens the routes need, and the two logins."""
    consultants = []
    for name, email in (("Ingrid Bakke", "ingrid@ressursbasen.no"),
                        ("Per Christian Johannessen-Haugland", "per.christian@ressursbasen.no")):
        consultant = availability.add_consultant(name, email)
        for weekday in range(7):
            availability.add_weekly_hours(consultant, weekday, time(8), time(16))
        consultants.append(consultant)
    soon = schedule.oslo_today() + timedelta(days=3)
    availability.add_exception(consultants[0], soon, "off")
    availability.add_exception(consultants[0], soon + timedelta(days=1), "extra",
                                  time(17), time(19))

    person = make_person(name=LONG_NAME.replace("Maria", "Kari"),
                         email="kari.kandidat.med.langt.navn@example.no", stage=catalog.CANDIDATE)
    days = [schedule.oslo_today() + timedelta(days=d) for d in range(1, 8)]
    slots = schedule.free_slots(days)
    own = [booking_actions.book(slots[n].id, "conversation", "video",
                                _details(name=person.name, street=person.street,
                                         postal_code=person.postal_code, place=person.place,
                                         email=person.email, phone=person.phone), "nb")
           for n in (7, 9)]
    bookings = [booking_actions.book(slots[0].id, "interview", "video", _details(), "nb"),
                booking_actions.book(slots[3].id, "conversation", "office",
                                     _details(street="Storgata 1", place="Oslo",
                                              postal_code="0155", name="Maria M. Kristiansen"),
                                     "nb"),
                booking_actions.book(slots[5].id, "meeting", "phone",
                                     _details(name="Ola Nordmann", email="ola@example.no"), "en")]

    _profile(person)
    for kind, name, data in (
            ("cv", "CV Kari Ødegård-Bjørnstad Kristiansen 2026 (oppdatert versjon).pdf",
             files.pdf()),
            ("photo", "portrettbilde-fra-sommeren-i-lofoten.jpg", files.jpeg_with_gps()),
            ("certificate", "Fagbrev_tømrer_og_sikkerhetskurs_for_arbeid_i_høyden.pdf",
             files.pdf("certificate")),
            ("certificate", "Truckførerbevis.pdf", files.pdf("truck"))):
        document = document_actions.upload(person, kind, name, data)
    for given in (True, False, True):
        consent_actions.decide(person, "marketing", given)
    consent_actions.decide(person, "share_with_customers", True)
    candidate = make_user("candidate", person=person, email="kari.kandidat@example.no")
    staff = make_user("staff", email="stab@ressursbasen.no")
    admin = make_user("admin", email="administrator.med.langt.navn@ressursbasen.no")
    second_factor.enrolment(admin)
    admin_codes = second_factor.confirm(admin, app_code(secret_of(admin)))
    invited = make_person(name="Nils Inviterte")
    own_request, asked = _privacy_requests(person)
    _past(consultants, person)
    Evaluation.create(person=person, kind="evaluation", held_on=date(2026, 11, 2),
                      summary="Ryddig og tydelig i intervjuet", result="Anbefales",
                      recorded_by=staff.id)
    NotedAvailability.create(person=person, available_from=date(2027, 2, 1),
                             availability="Heltid fra februar", salary=640000, noted_by=staff.id)
    staff_record.open_record(person.id, "follow_up", staff)  # shown on /account
    # The queue's deletions of the next 30 days: one told by the sweep below, one not yet.
    three_years = timedelta(days=3 * 365)
    make_person(name="Gunnar Gammel-Kontakt", email=f"gammel.kontakt.{LONG_EMAIL}",
                last_contact_at=utcnow() - three_years + timedelta(days=12))
    customer, contact, shared = _customers(person, staff)
    retention_actions.sweep()  # a run for the staff retention page to list
    make_person(name="Vera Varslet-Ikke", last_contact_at=utcnow() - three_years + timedelta(days=20))
    _assign(staff)
    # A statement beside an evaluation (on /account and the record), and a legal hold ending
    # within 30 days (on /account, in the queue, on the holds pages).
    evaluation = Evaluation.get(Evaluation.person == person.id, Evaluation.kind == "evaluation")
    Statement.create(person=person, evaluation=evaluation, text="Jeg var syk den dagen; se "
                     "vurderingen fra oktober.")
    hold = hold_actions.place(person, "Tvist om et oppdrag, varslet av advokat: opplysningene "
                              "bevares til saken er avgjort.", schedule.oslo_today()
                              + timedelta(days=20), ["cv", "evaluations"], admin)

    return {
        "candidate": candidate, "staff": staff, "admin": admin,
        # Each login of the walk past the first uses one (the app's code works once a step).
        "recovery_codes": {admin.id: admin_codes},
        "values": {
            "consultant_id": consultants[0].id, "booking_id": own[0].id,
            # A /link/<handle> page this browser holds no link for; the real page behind a
            # link is reached through its <token> route, which redirects to a handle.
            "handle": "no-such-handle",
            "document_id": document.id, "section": "experience",
            "row_id": WorkExperience.get(WorkExperience.person == person.id).id,
            "purpose": "marketing",
            "user_id": staff.id,  # an administrator's page about a staff account
            "request_id": own_request.id,
            "person_id": person.id, "why": "matching",
            "hold_id": hold.id,
            "customer_id": customer.id, "contact_id": contact.id,
        },
        # Routes whose <request_id> is a request of one kind: an erasure, a correction.
        "endpoint_values": {
            "requests.erasure": {"request_id": asked["erasure"]},
            "corrections.review": {"request_id": asked["correction"]},
        },
        # Links from e-mails: one of each, valid, so each shows its real page.
        "tokens": {
            "booking.cancel": booking_links.link_token(bookings[1], "cancel"),
            "booking.move": booking_links.link_token(bookings[1], "move"),
            "auth.accept_invite": candidate_actions.invite_path(invited).rsplit("/", 1)[1],
            "auth.reset_password": auth_actions.issue_token(
                auth_actions.RESET, staff.email, timedelta(hours=1), user=staff),
            "auth.verify": auth_actions.issue_token(
                auth_actions.REGISTER, "ny.person@example.no", timedelta(hours=1), name="Ny Person"),
            "retention.keep": retention_actions.keep_serializer().dumps(
                {"p": person.id, "d": registry.deletion_date(person).isoformat()}),
            "auth.confirm_email": auth_actions.issue_token(
                auth_actions.CHANGE_EMAIL, "kari.ny.adresse@example.no", timedelta(hours=1),
                user=candidate),
            "shared.page": shared.token,
        },
    }


def _customers(person, staff):
    """Business customers: one with an agreement in force, two contact persons (one with a
    long name and address) and agreements, one whose agreement has ended; the candidate shared
    with the first (a link opened, one closed); returns (customer, contact, open share)."""
    from portal.customers import actions as customers
    from portal.customers import sharing
    today = schedule.oslo_today()
    customer = customers.create_customer(
        "Bygg og Anlegg Vestlandet Aksjeselskap Avdeling Bergen", "974760673",
        today - timedelta(days=400), today + timedelta(days=700), "Ole Olsen", staff)
    contact = customers.add_contact(customer, {
        "name": LONG_NAME, "title": "Rekrutteringsansvarlig for prosjektavdelingen",
        "email": LONG_EMAIL, "phone": "+4798765432", "locale": "nb"}, staff)
    second = customers.add_contact(customer, {"name": "Ole Olsen", "title": "Daglig leder",
                                              "email": "ole@bygg.example.no", "phone": "",
                                              "locale": "en"}, staff)
    customers.add_agreement(customer, today + timedelta(days=701), today + timedelta(days=1100),
                            "Ole Olsen", second.id, staff)
    ended = customers.create_customer("Fjordtransport AS", "923609016",
                                      today - timedelta(days=900), today - timedelta(days=30),
                                      "Ola Fjord", staff)
    customers.add_contact(ended, {"name": "Ola Fjord", "title": "Innkjøper", "email": "",
                                  "phone": "", "locale": "nb"}, staff)
    documents = [d.id for d in sharing.shareable_documents(person)][:2]
    closed = sharing.share(person, second.id, ["name"], [], staff)
    sharing.revoke(closed, staff)
    shared = sharing.share(person, contact.id, ["name", "work_experience", "languages",
                                                "availability_salary"], documents, staff)
    sharing.opened(shared)
    return customer, contact, shared


def _past(consultants, person):
    """Meetings that have started: held (marked today: can be undone), not attended, one still
    to be marked, and one cancelled, with each consultant."""
    now = utcnow().replace(second=0, microsecond=0)
    for n, (status, who) in enumerate((("attended", person), ("booked", person),
                                       ("no_show", make_person(name="Per Uteblitt")),
                                       ("cancelled", make_person(name="Lise Avlyst")))):
        starts = now - timedelta(days=n, hours=2)
        Booking.create(person=who, consultant=consultants[n % 2], starts_at=starts,
                       ends_at=starts + timedelta(minutes=45), kind="meeting", place="office",
                       status=status, marked_at=now if status in ("attended", "no_show") else None)


def _profile(person):
    Profile.create(person=person, birth_date=date(1990, 5, 17), marital_status="married",
                   gender="female", nationality="Norsk", available_from=date(2027, 1, 15),
                   availability="Fulltid, helst dagtid, fra januar", salary_expectation=650000)
    for year in (2015, 2019, 2022):
        WorkExperience.create(person=person, employer="Bygg og Anlegg Vestlandet AS",
                              title="Prosjektleder for rehabilitering av skolebygg",
                              started_on=date(year, 8, 1), ended_on=date(year + 3, 6, 30),
                              description="Ledet et team på tolv personer. " * 6)
    Qualification.create(person=person, title="Bachelor i byggingeniørfag",
                         institution="OsloMet – storbyuniversitetet", completed_on=date(2014, 6, 15))
    Certificate.create(person=person, title="Fagbrev i tømrerfaget", issuer="Vestland fylkeskommune",
                       valid_until=date(2030, 1, 1))
    LanguageSkill.create(person=person, language="Engelsk", level="C1")
    LanguageSkill.create(person=person, language="Tysk", level="B1")
    Reference.create(person=person, name="Ole Olsen", relation="Tidligere leder",
                     email="ole.olsen.referanse@bygg-og-anlegg-vestlandet.no", phone="+4791234567")
    JobNote.create(person=person, job="Prosjektleder, Bergen kommune",
                   text="Kan starte på kort varsel.")
    Evaluation.create(person=person, kind="competence_analysis", held_on=date(2026, 10, 1),
                      summary="Sterk faglig", result="Godt egnet for prosjektledelse")


def _privacy_requests(person):
    """The candidate's own copy (built and released), and requests of every colour in the queue:
    overdue, under 5 days, under 10, and plenty of time; one extended, one proven by a code."""
    from portal.corrections import actions as corrections
    from portal.db import utcnow
    from portal.requests import actions as request_actions
    from portal.requests import export
    from portal.requests.models import AccessExport
    own = request_actions.ask_as_candidate(person, "access", "", "nb")
    export.build(AccessExport.get(AccessExport.request == own.id).id)
    staff = make_user("staff", email="personvern@ressursbasen.no")
    asked_by_kind = {}
    for n, (kind, days_ago, details) in enumerate((
            ("correction", 33, "Adressen min er feil: det skal stå Kong Oscars gate 123 B, 5017 "
                               "Bergen, ikke Storgata 1."),
            ("erasure", 27, ""), ("question", 24, "Hvem har fått CV-en min, og når?"),
            ("access", 2, ""))):
        asker = make_person(name=f"{LONG_NAME} {n}", email=f"henvendelse{n}.{LONG_EMAIL}")
        proposals = corrections.check({corrections.field_of(f"Person.{c}"): v for c, v in (
            ("street", "Kong Oscars gate 123 B"), ("postal_code", "5017"), ("place", "Bergen"))},
            asker)[0] if kind == "correction" else None
        asked = request_actions.ask_as_candidate(asker, kind, details, "nb",
                                                 now=utcnow() - timedelta(days=days_ago),
                                                 proposals=proposals)
        asked_by_kind[kind] = asked.id
        if kind == "erasure":
            request_actions.extend(asked, staff, asked.version, 1, "Vi venter på svar fra en "
                                                                    "kunde.", now=asked.received_at)
    return own, asked_by_kind


def _assign(staff):
    """Two requests of the queue assigned: one to the staff member of the walk, one to a colleague."""
    from portal.requests import actions as request_actions
    from portal.requests.models import PrivacyRequest
    colleague = make_user("staff", email="kollega.med.langt.navn@ressursbasen.no")
    waiting = list(PrivacyRequest.select().where(PrivacyRequest.status.in_(("verified", "in_progress")))
                   .order_by(PrivacyRequest.due_on))
    for request, who in zip(waiting, (staff, colleague)):
        request_actions.assign(request, who, request.version, who)


def page_paths(app, world):
    """The path of every GET route that renders a page, with the ids of `world` filled in."""
    paths = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES:
            continue
        values = {}
        for arg in rule.arguments:
            if arg == "token":
                values[arg] = world["tokens"][rule.endpoint]
            elif arg in world["endpoint_values"].get(rule.endpoint, {}):
                values[arg] = world["endpoint_values"][rule.endpoint][arg]
            else:
                assert arg in world["values"], f"no value for <{arg}> of {rule.rule}: add one in {__name__}"
                values[arg] = world["values"][arg]
        path = rule.build(values)[1]
        paths.append(f"{path}?{QUERIES[rule.endpoint]}" if rule.endpoint in QUERIES else path)
    return paths
