"""The catalog is the spine: it matches the policy and knows every personal-data column."""
from portal import catalog
from portal.features import all_models


def test_booking_stage_is_name_address_email_phone_only():
    assert {c.key for c in catalog.categories(catalog.BOOKING)} == {"name", "address", "email", "phone"}
    assert catalog.columns_of("Person", catalog.BOOKING) == [
        "name", "street", "postal_code", "place", "country", "email", "phone"]


def test_candidate_stage_holds_every_category_the_policy_names():
    assert {c.key for c in catalog.categories(catalog.CANDIDATE)} == {
        "birth_date", "marital_status", "gender", "photo", "nationality", "cv", "work_experience",
        "references", "qualifications", "certificates", "languages", "evaluations",
        "availability_salary", "job_specific"}


def test_purposes_are_the_policys_list_and_consent_ones_are_marked():
    assert list(catalog.PURPOSES)[:7] == [
        "service_delivery", "personnel_administration", "development", "business_processes",
        "internal_administration", "marketing", "statistics"]
    assert set(catalog.CONSENT_PURPOSES) == {"marketing", "share_with_customers"}


def test_every_category_is_complete():
    for category in catalog.CATEGORIES:
        assert category.fields and category.purposes, category.key
        assert set(category.purposes) <= set(catalog.PURPOSES), category.key
        assert all(catalog.PURPOSES[p].basis in catalog.LEGAL_BASES for p in category.purposes), category.key
        assert category.retention in catalog.RETENTION_RULES.values(), category.key
        assert category.stage in catalog.STAGES, category.key


def test_retention_follows_the_policy():
    assert catalog.AFTER_LAST_CONTACT.years == 3
    assert catalog.AFTER_AGREEMENT_END.years == 10


def _personal_models():
    named = {f.split(".")[0] for f in catalog.fields()}
    return [m for m in all_models() if m.__name__ in named]


def test_every_column_of_a_personal_data_model_is_known_to_the_catalog():
    known = set(catalog.fields()) | catalog.NOT_PERSONAL
    unknown = [f"{m.__name__}.{name}" for m in _personal_models()
               for name in m._meta.fields
               if f"{m.__name__}.{name}" not in known]
    assert unknown == [], "add these to portal/catalog.py (a category or NOT_PERSONAL)"


def test_catalog_fields_name_real_columns_or_document_kinds():
    models = {m.__name__: m for m in all_models()}
    for field in catalog.fields():
        model, column = field.split(".")
        if model in models and model != "Document":
            assert column in models[model]._meta.fields, field
