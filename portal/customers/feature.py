"""What business customers bring: customers with their agreements and contact persons (data
subjects of their own), sharing a candidate with one of them (only with consent, only what the
catalog calls shareable), the code-protected page the contact person opens, the disclosures the
candidate sees, and passing corrections and erasures on to those who received the data."""
from flask_babel import lazy_gettext as _l

from portal import catalog
from portal.customers import demo, models, passing_on, sharing, views
from portal.db import any_of
from portal.people import registry
from portal.people.holdings import Expiry, Keep, NoPersonalData, Rows

__all__ = ["blueprint", "models", "init_app", "load_demo_data", "personal_data",
           "no_personal_data", "disclosures", "consent_withdrawn"]  # what this feature declares

blueprint = views.bp
load_demo_data = demo.load_demo_data
disclosures = sharing.recipients
consent_withdrawn = sharing.consent_withdrawn


def init_app(app):
    app.register_blueprint(views.shared_bp)  # /shared/...: the customer's page
    # Art. 19: corrections and erasures reach those who received the data.
    if passing_on.correction not in registry.PASS_ON:
        registry.PASS_ON.append(passing_on.correction)
    if passing_on.erasure not in registry.ERASE_PASS_ON:
        registry.ERASE_PASS_ON.append(passing_on.erasure)


Disclosure, Opening, Notice = models.Disclosure, models.DisclosureOpening, models.PassOnNotice
Contact, Agreement = models.CustomerContact, models.CustomerAgreement


def _of_disclosures(model):
    """Rows about a share: found through the candidate's disclosures."""
    def reach(subject):
        if not subject.person_ids:
            return None
        return model.disclosure.in_(Disclosure.select(Disclosure.id).where(
            any_of(Disclosure.person, subject.ids())))
    return reach


def _signed_by_contact(subject):
    """The agreements a contact person signed, found through their address or number."""
    parts = []
    if subject.emails:
        parts.append(any_of(Contact.email, sorted(subject.emails)))
    if subject.phones:
        parts.append(any_of(Contact.phone, sorted(subject.phones)))
    if not parts:
        return None
    condition = parts[0] | parts[1] if len(parts) == 2 else parts[0]
    return Agreement.signer.in_(Contact.select(Contact.id).where(condition))


def _ten_years_after(row):
    return catalog.last_day(catalog.AFTER_AGREEMENT_END, row.customer.agreement_ends_on)


# What was shared goes with the candidate (three years after the last contact, or at their
# erasure); the link's token is a secret, never exported. A customer's contact person is a data
# subject of their own, found by address or number: their name and role go ten years after the
# customer's last agreement ends, their e-mail and phone the day after it ends (the second
# holding of the same rows reaches nobody: it carries that rule alone). The agreements they
# signed stay, with the name, for the ten years, whatever else is erased.
personal_data = (
    Rows(Disclosure, category="disclosures", person="person", whole_row=True, source="portal",
         created="shared_at", withheld=("token_hash",)),
    Rows(Opening, category="disclosures", reach=_of_disclosures(Opening), whole_row=True,
         source="portal", created="at"),
    Rows(Notice, category="disclosures", reach=_of_disclosures(Notice), whole_row=True,
         source="portal", created="at"),
    Rows(Contact, category="customer_contacts", email="email", phone="phone",
         source="customer", subject_kind="contact",
         expires=Expiry(catalog.AFTER_AGREEMENT_END, via="customer")),
    Rows(Contact, category="customer_contact_details", reach=lambda subject: None,
         source="customer", subject_kind="contact",
         expires=Expiry(catalog.WHILE_AGREEMENT, via="customer", clear=("email", "phone"))),
    Rows(Agreement, category="customer_agreements", reach=_signed_by_contact,
         source="customer", subject_kind="contact", created="created_at",
         erase=Keep(_l("Bookkeeping and proof of the agreement: an agreement, with the name of "
                       "whoever signed it, is kept ten years after the customer's last "
                       "agreement ends."), until=_ten_years_after),
         expires=Expiry(catalog.AFTER_AGREEMENT_END, via="customer")),
)
no_personal_data = (
    NoPersonalData(models.Customer, "A business: its name, organisation number (both public in "
                                    "the Brønnøysund registers) and the end of its last "
                                    "agreement. The people who work there are CustomerContact "
                                    "rows."),
)
