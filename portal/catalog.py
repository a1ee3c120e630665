"""The data catalog: every category of personal data the portal holds, as plain data.

It turns the privacy policy of 2021-02-20 into rules. Everything that speaks about personal
data (the booking form, the privacy page, the access export, retention, sharing) reads it
here instead of restating it. A column of a personal-data model that is neither a catalog
field nor listed in NOT_PERSONAL makes tests/test_catalog.py fail.
"""
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l

POLICY_VERSION = "2021-02-20"

BOOKING = "booking"      # online booking of the first conversation, meeting or interview
CANDIDATE = "candidate"  # after a CV is sent or a meeting is held
RECORD = "record"        # what the portal notes about its dealings with a person, at any stage
CUSTOMER = "customer"    # the contact persons of business customers, and the agreements signed
STAGES = (BOOKING, CANDIDATE, CUSTOMER, RECORD)

CONSENT = "consent"
CONTRACT = "contract"
LEGAL_OBLIGATION = "legal_obligation"
LEGITIMATE_INTEREST = "legitimate_interest"
LEGAL_BASES = {
    CONSENT: _l("Consent (GDPR art. 6(1)(a))"),
    CONTRACT: _l("Agreement with you (GDPR art. 6(1)(b))"),
    LEGAL_OBLIGATION: _l("Legal obligation (GDPR art. 6(1)(c))"),
    # The contact persons of business customers: the agreement is with their employer, not
    # with them, so it is our interest in working with that business (never for candidates).
    LEGITIMATE_INTEREST: _l("Legitimate interest (GDPR art. 6(1)(f))"),
}
BASIS_ORDER = (CONTRACT, LEGAL_OBLIGATION, LEGITIMATE_INTEREST, CONSENT)  # the order bases are shown in


@dataclass(frozen=True)
class Purpose:
    key: str
    label: str
    basis: str  # the legal basis processing for this purpose rests on

    @property
    def needs_consent(self):
        return self.basis == CONSENT


# The policy's own list of purposes, in its order, plus sharing with business customers,
# which the policy names separately and which we only do with consent.
PURPOSES = {p.key: p for p in (
    Purpose("service_delivery", _l("Offering and delivering our services"), CONTRACT),
    Purpose("personnel_administration", _l("Personnel administration"), CONTRACT),
    Purpose("development", _l("Developing and improving our services"), CONTRACT),
    Purpose("business_processes", _l("Carrying out business processes"), CONTRACT),
    Purpose("internal_administration", _l("Internal administration"), LEGAL_OBLIGATION),
    Purpose("marketing", _l("Marketing"), CONSENT),
    Purpose("statistics", _l("Statistics and reports"), CONTRACT),
    Purpose("share_with_customers", _l("Sharing your profile with business customers"), CONSENT),
    Purpose("customer_relations",
            _l("Working with the business customers whose contact persons we deal with"),
            LEGITIMATE_INTEREST),
)}
CONSENT_PURPOSES = tuple(k for k, p in PURPOSES.items() if p.needs_consent)


@dataclass(frozen=True)
class Retention:
    """How long data is kept: `years`, `days` and `hours` after the time in column `after`.

    `pace` is how often it is enforced (portal/retention): "daily" by the nightly sweep,
    "minute" for data that lives minutes (codes). A rule of zero length counts from a column
    that is itself the end (`expires_at`, a customer's `agreement_ends_on`). A clock that is a
    date (not a time) is an Oslo date: the data is kept through its last day.
    """
    key: str
    years: int
    after: str  # the column the clock starts from
    label: str
    days: int = 0
    hours: int = 0
    pace: str = "daily"

    @property
    def problem(self):
        """Why this rule cannot be enforced, or None."""
        periods = (self.years, self.days, self.hours)
        if not all(isinstance(n, int) and n >= 0 for n in periods):
            return f"{self.key}: the period must be whole, non-negative numbers"
        if not any(periods) and not self.after.startswith("expires") \
                and not self.after.endswith("_ends_on"):
            return f"{self.key}: no period, and {self.after!r} is not an end of its own"
        if self.pace not in ("daily", "minute"):
            return f"{self.key}: unknown pace {self.pace!r}"
        return None


AFTER_LAST_CONTACT = Retention(
    "after_last_contact", 3, "last_contact_at",
    _l("Three years after our last contact with you"))
# A customer's agreements and contact persons: the clock is the last day of the customer's
# latest agreement (Customer.agreement_ends_on), so every agreement and contact person of one
# customer goes on the same day.
AFTER_AGREEMENT_END = Retention(
    "after_agreement_end", 10, "agreement_ends_on",
    _l("Ten years after the customer agreement ended"))
WHILE_AGREEMENT = Retention(
    "while_agreement", 0, "agreement_ends_on",
    _l("While the business you work for has an agreement with us: deleted the day after its "
       "last agreement ends"))
UNTIL_PROVEN = Retention(
    "until_proven", 0, "expires_at",
    _l("Until the code is given or has expired, and at most one day"), pace="minute")
CODE_COUNT = Retention(
    "code_count", 0, "window_start",
    _l("One hour: how many codes went to an address"), hours=1, pace="minute")
UNTIL_USED = Retention(
    "until_used", 0, "expires_at", _l("Until the link is used or has expired"))
AFTER_SENDING = Retention(
    "after_sending", 0, "sent_at",
    _l("Who an e-mail went to and when: 30 days after it was sent; its text is deleted when it is sent"),
    days=30)
UNSENT = Retention(
    "unsent", 0, "created_at",
    _l("An e-mail we could not send (or that never went out): deleted with its address 30 days "
       "after it was written"),
    days=30)
AUDIT_TRAIL = Retention(
    "audit_trail", 5, "at",
    _l("Five years after the event, as proof of how your data was handled"))
AFTER_REQUEST_CLOSED = Retention(
    "after_request_closed", 3, "closed_at",
    _l("Three years after your request was answered, as proof of how we answered it; a request "
       "whose e-mail address was never confirmed is deleted after one day, and a copy of your "
       "data five days after it was ready"))
UNTIL_HOLD_ENDS = Retention(
    "until_hold_ends", 0, "ends_on",
    _l("As long as the legal hold stands, and with you for as long as we hold your data; what "
       "a hold kept after your data was erased is erased the day after it ends"), days=1)
RETENTION_RULES = {r.key: r for r in (AFTER_LAST_CONTACT, AFTER_AGREEMENT_END, WHILE_AGREEMENT,
                                      UNTIL_PROVEN, CODE_COUNT, UNTIL_USED, AFTER_SENDING, UNSENT,
                                      AUDIT_TRAIL, AFTER_REQUEST_CLOSED, UNTIL_HOLD_ENDS)}


@dataclass(frozen=True)
class Category:
    key: str
    label: str
    stage: str
    fields: tuple          # "Model.column" for every column holding this data
    purposes: tuple        # the basis is each purpose's own (PURPOSES[key].basis)
    retention: Retention
    shareable: bool        # may be shared with a business customer (with consent)
    source: str = "person"  # who gives it: the person, or staff (evaluations)

    @property
    def bases(self):
        """The legal bases this data is processed on: those of its purposes, in BASIS_ORDER."""
        return tuple(basis for basis, _ in self.purposes_by_basis)

    @property
    def purposes_by_basis(self):
        """[(basis, [Purpose, ...])]: every purpose of this data under the basis it rests on."""
        return by_basis([PURPOSES[p] for p in self.purposes])


_CORE = ("service_delivery", "personnel_administration", "business_processes",
         "internal_administration", "statistics")
_PROFILE = ("service_delivery", "personnel_administration", "development", "statistics")

CATEGORIES = (
    # Booking stage: name, address, e-mail, phone and nothing more.
    # Booking.typed_* keep what a person typed at a booking when it differs from what we hold.
    # PendingBooking keeps what a visitor typed until the code sent to the address is given,
    # and Challenge the address a code went to; both are gone within minutes.
    Category("name", _l("Name"), BOOKING,
             ("Person.name", "Booking.typed_name", "PendingBooking.name"),
             _CORE + ("marketing",), AFTER_LAST_CONTACT, True),
    Category("address", _l("Address"), BOOKING,
             ("Person.street", "Person.postal_code", "Person.place", "Person.country",
              "Booking.typed_street", "Booking.typed_postal_code", "Booking.typed_place",
              "Booking.typed_country", "PendingBooking.street", "PendingBooking.postal_code",
              "PendingBooking.place", "PendingBooking.country"),
             _CORE, AFTER_LAST_CONTACT, False),
    Category("email", _l("E-mail address"), BOOKING,
             ("Person.email", "PendingBooking.email", "Challenge.email"),
             _CORE + ("marketing",), AFTER_LAST_CONTACT, False),
    Category("phone", _l("Phone number"), BOOKING,
             ("Person.phone", "Booking.typed_phone", "PendingBooking.phone"),
             _CORE, AFTER_LAST_CONTACT, False),
    # Candidate stage: after a CV is sent or a meeting is held.
    Category("birth_date", _l("Date of birth"), CANDIDATE, ("Profile.birth_date",),
             _PROFILE, AFTER_LAST_CONTACT, False),
    Category("marital_status", _l("Marital status"), CANDIDATE, ("Profile.marital_status",),
             _PROFILE, AFTER_LAST_CONTACT, False),
    Category("gender", _l("Gender"), CANDIDATE, ("Profile.gender",),
             ("personnel_administration", "statistics"), AFTER_LAST_CONTACT, False),
    Category("photo", _l("Profile photo"), CANDIDATE, ("Document.photo",),
             _PROFILE, AFTER_LAST_CONTACT, True),
    Category("nationality", _l("Nationality"), CANDIDATE, ("Profile.nationality",),
             _PROFILE, AFTER_LAST_CONTACT, False),
    Category("cv", _l("CV"), CANDIDATE, ("Document.cv",),
             _PROFILE, AFTER_LAST_CONTACT, True),
    Category("work_experience", _l("Work experience"), CANDIDATE,
             ("WorkExperience.employer", "WorkExperience.title", "WorkExperience.started_on",
              "WorkExperience.ended_on", "WorkExperience.description"),
             _PROFILE, AFTER_LAST_CONTACT, True),
    Category("references", _l("References"), CANDIDATE,
             ("Reference.name", "Reference.relation", "Reference.email", "Reference.phone"),
             _PROFILE, AFTER_LAST_CONTACT, False),
    Category("qualifications", _l("Qualifications"), CANDIDATE,
             ("Qualification.title", "Qualification.institution", "Qualification.completed_on"),
             _PROFILE, AFTER_LAST_CONTACT, True),
    Category("certificates", _l("Certificates"), CANDIDATE,
             ("Certificate.title", "Certificate.issuer", "Certificate.valid_until",
              "Document.certificate"),
             _PROFILE, AFTER_LAST_CONTACT, True),
    Category("languages", _l("Language skills"), CANDIDATE,
             ("LanguageSkill.language", "LanguageSkill.level"),
             _PROFILE, AFTER_LAST_CONTACT, True),
    # A statement is the person's own words kept beside an evaluation (GDPR art. 16).
    Category("evaluations", _l("Evaluations and competence analyses"), CANDIDATE,
             ("Evaluation.kind", "Evaluation.held_on", "Evaluation.summary", "Evaluation.result",
              "Statement.text"),
             _PROFILE, AFTER_LAST_CONTACT, True, source="staff"),
    Category("availability_salary", _l("Availability and salary"), CANDIDATE,
             ("Profile.available_from", "Profile.availability", "Profile.salary_expectation",
              "NotedAvailability.available_from", "NotedAvailability.availability",
              "NotedAvailability.salary"),
             _PROFILE, AFTER_LAST_CONTACT, True),
    Category("job_specific", _l("Other information relevant to a specific job"), CANDIDATE,
             ("JobNote.job", "JobNote.text"),
             ("service_delivery",), AFTER_LAST_CONTACT, False),
    # Records of our dealings with the person, at any stage: what the portal itself notes.
    Category("bookings", _l("Bookings and meetings"), RECORD,
             ("Booking.starts_at", "Booking.ends_at", "Booking.kind", "Booking.place",
              "Booking.status", "Booking.consultant", "Booking.locale", "Booking.moved_to",
              "Booking.reminder_sent_at"),
             ("service_delivery", "business_processes", "statistics"), AFTER_LAST_CONTACT, False,
             source="booking"),
    Category("consents", _l("Your consents and withdrawals"), RECORD,
             ("Consent.purpose", "Consent.given", "Consent.policy_version", "Consent.at",
              "Consent.how"),
             ("internal_administration",), AFTER_LAST_CONTACT, False),
    Category("login", _l("Your account and logins"), RECORD,
             ("User.email", "User.role", "User.active", "User.created_at", "User.last_login_at",
              "LoginSession.created_at", "LoginSession.last_seen_at", "LoginSession.fresh_at",
              "LoginSession.second_factor_at", "SecondFactor.created_at",
              "SecondFactor.confirmed_at", "SecondFactor.last_step", "RecoveryCode.created_at",
              "RecoveryCode.used_at",
              "AccountToken.purpose", "AccountToken.email", "AccountToken.name",
              "AccountToken.created_at", "AccountToken.expires_at", "AccountToken.used_at"),
             ("service_delivery",), AFTER_LAST_CONTACT, False, source="portal"),
    Category("codes", _l("Codes and bookings waiting for a code"), RECORD,
             ("Challenge.email", "Challenge.purpose", "Challenge.created_at",
              "Challenge.expires_at", "Challenge.used_at", "PendingBooking.slot",
              "PendingBooking.kind", "PendingBooking.meeting_place", "PendingBooking.created_at",
              "PendingBooking.expires_at", "CodeQuota.window_start", "CodeQuota.count"),
             ("service_delivery",), UNTIL_PROVEN, False, source="portal"),
    Category("messages", _l("E-mails about you"), RECORD,
             ("Outbox.to", "Outbox.subject", "Outbox.template", "Outbox.params",
              "Outbox.attachments", "Outbox.created_at", "Outbox.sent_at",
              "RetentionNotice.deadline", "RetentionNotice.sent_at"),
             ("service_delivery",), AFTER_SENDING, False, source="portal"),
    Category("named_as_reference", _l("Named as a reference by a candidate"), RECORD,
             ("Reference.name", "Reference.relation", "Reference.email", "Reference.phone"),
             ("service_delivery",), AFTER_LAST_CONTACT, False, source="candidate"),
    # Requests about one's data (portal/requests) and the copies made for access requests.
    Category("requests", _l("Your requests about your data"), RECORD,
             ("PrivacyRequest.kind", "PrivacyRequest.status", "PrivacyRequest.name",
              "PrivacyRequest.email", "PrivacyRequest.details", "PrivacyRequest.received_at",
              "PrivacyRequest.verified_at", "PrivacyRequest.verified_how",
              "PrivacyRequest.started_at", "PrivacyRequest.first_due_on", "PrivacyRequest.due_on",
              "PrivacyRequest.extended_at", "PrivacyRequest.extension_reason",
              "PrivacyRequest.closed_at", "PrivacyRequest.answer", "PrivacyRequest.nothing_held",
              "AccessExport.email", "AccessExport.status", "AccessExport.size",
              "AccessExport.documents", "AccessExport.created_at", "AccessExport.built_at",
              "AccessExport.released_at", "AccessExport.expires_at", "AccessExport.downloaded_at",
              "ProposedValue.target", "ProposedValue.value", "ProposedValue.decision",
              "ProposedValue.reason", "ProposedValue.decided_at", "ProposedValue.told"),
             ("internal_administration",), AFTER_REQUEST_CLOSED, False, source="person"),
    # Legal holds (portal/holds): what an administrator must keep of a person, why and until
    # when; and what a hold kept, restricted, when the person's data was erased meanwhile.
    Category("legal_holds", _l("Legal holds on your data"), RECORD,
             ("LegalHold.reason", "LegalHold.covers", "LegalHold.ends_on",
              "LegalHold.placed_at", "LegalHold.changed_at", "LegalHold.ended_at",
              "HeldData.category", "HeldData.model", "HeldData.fields", "HeldData.kept_at"),
             ("internal_administration",), UNTIL_HOLD_ENDS, False, source="portal"),
    Category("record_views", _l("When our staff opened your record"), RECORD,
             ("RecordView.at", "RecordView.role", "RecordView.purpose"),
             ("internal_administration",), AFTER_LAST_CONTACT, False, source="portal"),
    Category("audit", _l("Log of what was done with your data"), RECORD,
             ("AuditEvent.at", "AuditEvent.action", "AuditEvent.actor_role", "AuditEvent.details"),
             ("internal_administration",), AUDIT_TRAIL, False, source="portal"),
    # What was shared with business customers (portal/customers): to whom, what, when, on what
    # basis, when the link was opened and closed, and which corrections they were told of.
    Category("disclosures", _l("Shared with business customers"), RECORD,
             ("Disclosure.customer", "Disclosure.contact", "Disclosure.categories",
              "Disclosure.documents", "Disclosure.basis", "Disclosure.consent",
              "Disclosure.shared_at", "Disclosure.expires_at", "Disclosure.revoked_at",
              "Disclosure.revoked_why", "DisclosureOpening.at", "DisclosureOpening.document",
              "PassOnNotice.kind", "PassOnNotice.categories", "PassOnNotice.at"),
             ("internal_administration",), AFTER_LAST_CONTACT, False, source="portal"),
    # The contact persons of business customers are data subjects of their own (portal/customers):
    # their name and role as long as the customer's agreements are kept, their e-mail address
    # and phone number only while the customer has an agreement with us.
    Category("customer_contacts", _l("Contact person at a business customer"), CUSTOMER,
             ("CustomerContact.name", "CustomerContact.title"),
             ("customer_relations",), AFTER_AGREEMENT_END, False, source="customer"),
    Category("customer_contact_details",
             _l("A contact person's e-mail address and phone number"), CUSTOMER,
             ("CustomerContact.email", "CustomerContact.phone"),
             ("customer_relations",), WHILE_AGREEMENT, False, source="customer"),
    Category("customer_agreements", _l("Customer agreements, with the name of who signed them"),
             CUSTOMER,
             ("CustomerAgreement.signed_by", "CustomerAgreement.starts_on",
              "CustomerAgreement.ends_on"),
             ("internal_administration",), AFTER_AGREEMENT_END, False, source="customer"),
)

CATEGORIES_BY_KEY = {c.key: c for c in CATEGORIES}

# Columns of personal-data models that are bookkeeping, not personal data about the person.
NOT_PERSONAL = frozenset({
    "Person.id", "Person.created_at", "Person.updated_at", "Person.last_contact_at", "Person.stage",
    "Person.locale",
    # Staff search keys: the name and the phone number again, folded for comparing (erased with
    # the row, never shown).
    "Person.name_key", "Person.phone_key",
    # Candidate-stage models: ids, the person link and timestamps.
    "Profile.id", "Profile.person", "Profile.created_at", "Profile.updated_at",
    "WorkExperience.id", "WorkExperience.person", "WorkExperience.created_at",
    "Reference.id", "Reference.person", "Reference.created_at",
    "Qualification.id", "Qualification.person", "Qualification.created_at",
    "Certificate.id", "Certificate.person", "Certificate.created_at",
    "LanguageSkill.id", "LanguageSkill.person", "LanguageSkill.created_at",
    "JobNote.id", "JobNote.person", "JobNote.created_at",
    "Evaluation.id", "Evaluation.person", "Evaluation.recorded_by", "Evaluation.created_at",
    "Evaluation.updated_at",
    "NotedAvailability.id", "NotedAvailability.person", "NotedAvailability.noted_by",
    "NotedAvailability.created_at", "NotedAvailability.updated_at",
    "RecordView.id", "RecordView.person",
    # A Document row is catalogued by its kind ("Document.cv", ...); these columns describe the file.
    "Document.id", "Document.person", "Document.kind", "Document.storage_id", "Document.filename",
    "Document.content_type", "Document.size", "Document.uploaded_at",
    "Booking.id", "Booking.person", "Booking.created_at", "Booking.updated_at",
    "Booking.calendar_uid", "Booking.sequence",  # the calendar event: a random UID and a count
    "Booking.marked_at",  # when staff marked it attended or no-show
    "Booking.contact_before",  # the retention clock before "attended", for an undo that day
    # A booking waiting for its code: its random name in the session, the code's challenge, a
    # keyed hash of the IP address (for the per-IP limit), when the code was given.
    "PendingBooking.id", "PendingBooking.token", "PendingBooking.challenge",
    "PendingBooking.locale", "PendingBooking.ip_key", "PendingBooking.proven_at",
    "Challenge.id", "Challenge.token", "Challenge.code_hash", "Challenge.tries",
    # Hourly code counts per mailbox: named by a keyed hash of the address.
    "CodeQuota.id", "CodeQuota.address_key",
    # Logins: ids, links, and the hashes of passwords and tokens (secrets, never exported).
    "User.id", "User.person", "User.password_hash",
    "LoginSession.id", "LoginSession.user", "LoginSession.token_hash",
    "AccountToken.id", "AccountToken.user", "AccountToken.token_hash",
    # The second factor of staff: the encrypted secret and the hashes of recovery codes.
    "SecondFactor.id", "SecondFactor.user", "SecondFactor.secret",
    "RecoveryCode.id", "RecoveryCode.user", "RecoveryCode.code_hash",
    "Consent.id", "Consent.person",
    "Outbox.id", "Outbox.person", "Outbox.attempts", "Outbox.forget_after_send", "Outbox.locale",
    "RetentionNotice.id", "RetentionNotice.person",
    # The audit trail: who acted (an id and a role), about whom (an id), and the chain.
    "AuditEvent.id", "AuditEvent.actor_id", "AuditEvent.person_id", "AuditEvent.prev_hash",
    "AuditEvent.hash", "AuditEvent.seq",
    # Requests: ids and links, the random name of an unproven request in its browser's session,
    # a keyed hash of the IP address (for the per-network limit), the language e-mails go in,
    # which staff login decided (an id), which one it is assigned to and since when, and the
    # step counter that keeps two staff apart.
    "PrivacyRequest.id", "PrivacyRequest.token", "PrivacyRequest.person",
    "PrivacyRequest.challenge", "PrivacyRequest.ip_key", "PrivacyRequest.locale",
    "PrivacyRequest.decided_by", "PrivacyRequest.version", "PrivacyRequest.updated_at",
    "PrivacyRequest.assignee", "PrivacyRequest.assigned_at",
    "AccessExport.id", "AccessExport.request", "AccessExport.person", "AccessExport.storage_id",
    "AccessExport.attempts", "AccessExport.started_at",
    # A correction's proposed values: ids and links, which staff login decided (an id).
    "ProposedValue.id", "ProposedValue.request", "ProposedValue.decided_by",
    "ProposedValue.created_at",
    # A statement beside an evaluation: ids, links (the request that brought it), when.
    "Statement.id", "Statement.person", "Statement.evaluation", "Statement.request",
    "Statement.created_at",
    # Legal holds: ids, whose (an id, and once erased the tombstone and the keyed hash of the
    # address from it), which administrators placed and ended it (ids), the step counter.
    "LegalHold.id", "LegalHold.person_id", "LegalHold.placed_by", "LegalHold.ended_by",
    "LegalHold.version", "LegalHold.tombstone", "LegalHold.email_hash",
    "HeldData.id", "HeldData.hold", "HeldData.person_id", "HeldData.row_id",
    "HeldData.storage_id",
    # Sharing with business customers: ids and links, who on the staff shared (a user id), the
    # hash of the link's random token (a secret, never exported).
    "Disclosure.id", "Disclosure.person", "Disclosure.shared_by", "Disclosure.token_hash",
    "DisclosureOpening.id", "DisclosureOpening.disclosure",
    "PassOnNotice.id", "PassOnNotice.disclosure",
    # Contact persons and agreements: ids, the customer, the language e-mails go in, times.
    "CustomerContact.id", "CustomerContact.customer", "CustomerContact.locale",
    "CustomerContact.created_at", "CustomerContact.updated_at",
    "CustomerAgreement.id", "CustomerAgreement.customer", "CustomerAgreement.signer",
    "CustomerAgreement.created_at",
})


def last_day(rule, start):
    """The last date data under `rule` is kept when its clock started on date `start`: `years`
    later (29 February becomes 28 February), plus `days`. It is erased the day after."""
    try:
        end = start.replace(year=start.year + rule.years)
    except ValueError:
        end = start.replace(year=start.year + rule.years, day=28)
    return end + timedelta(days=rule.days)


def first_start_kept(rule, today):
    """The earliest start date whose data is still kept on `today`: everything that started
    before it is due (last_day(start) < today)."""
    start = today.replace(year=today.year - rule.years, day=min(today.day, 28)) - timedelta(
        days=rule.days + 3)
    while last_day(rule, start) < today:
        start += timedelta(days=1)
    return start


def purposes_in_force(category, consented=()):
    """The purposes a category's data is used for with this person: a purpose that needs
    consent only while it is given (`consented`: the consent purposes given now)."""
    return [PURPOSES[k] for k in category.purposes
            if not PURPOSES[k].needs_consent or k in consented]


def by_basis(purposes):
    """[(basis, [Purpose, ...])] in BASIS_ORDER, for bases that have any of these purposes."""
    return [(b, [p for p in purposes if p.basis == b]) for b in BASIS_ORDER
            if any(p.basis == b for p in purposes)]


def categories(stage=None, shareable=None):
    """Categories, optionally only those of one stage or only the shareable ones."""
    return [c for c in CATEGORIES
            if (stage is None or c.stage == stage) and (shareable is None or c.shareable == shareable)]


def fields(stage=None):
    """Every "Model.column" of the catalog, optionally of one stage only."""
    return [f for c in categories(stage) for f in c.fields]


def columns_of(model_name, stage=None):
    """Column names of one model that the catalog lists, in catalog order."""
    return [f.split(".", 1)[1] for f in fields(stage) if f.split(".", 1)[0] == model_name]


def category_of(field):
    """The category a "Model.column" belongs to, or None."""
    return next((c for c in CATEGORIES if field in c.fields), None)
