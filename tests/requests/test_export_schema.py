"""The schema of data.json is generated from the registry and the catalog; the committed copy
must match, so that a change to what people receive shows up in review."""
from pathlib import Path

import jsonschema
import pytest

from portal.requests import export_schema

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "export.schema.json"


def test_the_committed_schema_is_the_generated_one(app):
    assert COMMITTED.read_text() == export_schema.as_text(), (
        "what an access export holds changed: review it, then run "
        "`flask --app app requests schema > docs/export.schema.json`")


def test_the_schema_is_a_valid_draft_2020_12_schema(app):
    jsonschema.Draft202012Validator.check_schema(export_schema.export_schema())


def test_every_catalog_category_with_holdings_is_in_it(app):
    from portal import catalog
    from portal.people import registry
    held = {h.category for h in registry.row_holdings() if isinstance(h.category, str)}
    properties = export_schema.export_schema()["properties"]["categories"]["properties"]
    assert held <= set(properties)
    assert {c.key for c in catalog.CATEGORIES} >= set(properties)


def test_a_field_nobody_declared_is_refused(app):
    from portal.requests.export import validate
    minimal = {"format": export_schema.FORMAT, "generated_at": "2026-11-25T10:00:00",
               "policy_version": "2021-02-20",
               "request": {"id": 1, "kind": "access", "received_at": "2026-11-25T10:00:00",
                           "due_on": "2026-12-25"},
               "subject": {"email": "kari@example.no", "person_id": 1},
               "categories": {"name": {"label": "Navn", "stage": "booking", "purposes": [],
                                       "bases": [], "retention": "after_last_contact",
                                       "delete_on": "2029-11-25", "items": [
                                           {"model": "Person", "id": 1, "source": "person",
                                            "fields": {"name": "Kari"}}]}},
               "documents": [], "recipients": [], "withheld": []}
    validate(minimal)
    minimal["categories"]["name"]["items"][0]["fields"]["shoe_size"] = 38
    with pytest.raises(jsonschema.ValidationError):
        validate(minimal)
