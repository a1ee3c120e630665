"""The JSON Schema of data.json, the machine-readable part of an access export (Art. 15, 20).

It is generated from what every feature declares to the person registry and from the catalog,
so it changes whenever they do: docs/export.schema.json keeps the last generated copy, and
tests/requests/test_export_schema.py fails until that copy is regenerated, so that a change to
what a person receives shows up in review:

    flask --app app requests schema > docs/export.schema.json
"""
import json

from flask_babel import force_locale
from peewee import (
    AutoField,
    BigIntegerField,
    BooleanField,
    DateField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
    TimeField,
)

from portal import catalog
from portal.people import registry

FORMAT = "ressursbasen.no access export 1"
SCHEMA_ID = "https://ressursbasen.no/schemas/access-export-1.schema.json"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
DATETIME = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$",
            "description": "UTC, ISO 8601 without an offset"}
TIME = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"}
SOURCES = ("person", "staff", "booking", "portal", "candidate", "customer")


def _nullable(schema):
    if "type" in schema and set(schema) <= {"type", "pattern", "description"}:
        return {**schema, "type": [schema["type"], "null"]}
    return {"anyOf": [schema, {"type": "null"}]}


def column_schema(field):
    """The JSON type of one exported column, from its peewee field."""
    if isinstance(field, (AutoField, ForeignKeyField, IntegerField, BigIntegerField)):
        schema = {"type": "integer"}
    elif isinstance(field, BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, FloatField):
        schema = {"type": "number"}
    elif isinstance(field, DateTimeField):
        schema = dict(DATETIME)
    elif isinstance(field, DateField):
        schema = dict(DATE)
    elif isinstance(field, TimeField):
        schema = dict(TIME)
    else:
        schema = {"type": "string"}
    return _nullable(schema) if field.null else schema


def _home_categories(holding):
    """The categories a holding's rows go to as a whole: its own, or (a function of the row)
    every category whose fields name its model."""
    if not callable(holding.category):
        return [holding.category]
    return [c.key for c in catalog.CATEGORIES
            if any(f.split(".", 1)[0] == holding.name for f in c.fields)]


def exported_columns():
    """{category: {model: ({column: field}, {source})}}: what can appear where in data.json,
    following registry._items (each column under its catalog category, the rest at home)."""
    found = {}
    for holding in registry.row_holdings():
        fields = holding.model._meta.fields
        for home in _home_categories(holding):
            for name in holding.model._meta.sorted_field_names:
                if name in holding.withheld:
                    continue
                listed = None if holding.whole_row else catalog.category_of(f"{holding.name}.{name}")
                key = listed.key if listed else home
                columns, sources = found.setdefault(key, {}).setdefault(holding.name, ({}, set()))
                columns[name] = fields[name]
                sources.add(holding.source)
    return found


def _item_schema(model, columns, sources):
    return {
        "type": "object", "additionalProperties": False,
        "required": ["model", "id", "source", "fields"],
        "properties": {
            "model": {"const": model},
            "id": {"type": "integer"},
            "source": {"enum": sorted(sources)},
            "fields": {"type": "object", "additionalProperties": False,
                       "properties": {c: column_schema(f) for c, f in sorted(columns.items())}},
        },
    }


def _category_schema(category, models):
    return {
        "type": "object", "additionalProperties": False,
        "description": str(category.label),
        "required": ["label", "stage", "purposes", "bases", "retention", "delete_on", "items"],
        "properties": {
            "label": {"type": "string"},
            "stage": {"const": category.stage},
            "purposes": {"type": "array", "uniqueItems": True,
                         "items": {"enum": list(category.purposes)}},
            "bases": {"type": "array", "uniqueItems": True, "items": {"enum": list(category.bases)}},
            "retention": {"const": category.retention.key},
            "delete_on": _nullable(dict(DATE)),
            "items": {"type": "array", "items": {"oneOf": [
                _item_schema(model, columns, sources)
                for model, (columns, sources) in sorted(models.items())]}},
        },
    }


def _object(properties, required=None):
    return {"type": "object", "additionalProperties": False,
            "required": sorted(required if required is not None else properties),
            "properties": properties}


def export_schema():
    """The JSON Schema (draft 2020-12) every data.json of an access export validates against."""
    columns = exported_columns()
    with force_locale("en"):  # the descriptions: the same schema whatever the language
        categories = {c.key: _category_schema(c, columns[c.key])
                      for c in catalog.CATEGORIES if c.key in columns}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "A person's copy of their data at ressursbasen.no (GDPR art. 15 and 20)",
        **_object({
            "format": {"const": FORMAT},
            "generated_at": DATETIME,
            "policy_version": {"const": catalog.POLICY_VERSION},
            "request": _object({"id": {"type": "integer"}, "kind": {"const": "access"},
                                "received_at": DATETIME, "due_on": DATE}),
            "subject": _object({"email": {"type": "string"},
                                "person_id": {"type": ["integer", "null"]}}),
            "categories": {"type": "object", "additionalProperties": False,
                           "properties": categories},
            "documents": {"type": "array", "items": _object({
                "model": {"type": "string"}, "id": {"type": "integer"},
                "category": {"enum": sorted({k for k, models in columns.items()
                                             for m in models if m in _file_models()})},
                "filename": {"type": "string"}, "content_type": {"type": "string"},
                "size": {"type": "integer", "minimum": 0}, "path": {"type": "string"}})},
            "recipients": {"type": "array", "items": _object({
                "recipient": {"type": "string"}, "categories": _category_keys(),
                "at": DATETIME, "basis": {"enum": list(catalog.LEGAL_BASES)},
                "documents": {"type": "array", "items": {"type": "string"},
                              "description": "the file names of the documents shared"},
                "expires_at": _nullable(dict(DATETIME)),
                "revoked_at": _nullable(dict(DATETIME)),
                "opened": {"type": "array", "items": DATETIME,
                           "description": "each time the recipient opened what was shared"},
                "told": {"type": "array", "description": "corrections the recipient was told of",
                         "items": _object({"at": DATETIME, "categories": _category_keys()})}})},
            "withheld": {"type": "array", "items": _object({
                "model": {"type": "string"}, "column": {"type": "string"}})},
        }),
    }


def _category_keys():
    return {"type": "array", "items": {"enum": [c.key for c in catalog.CATEGORIES]}}


def _file_models():
    from portal.requests.models import AccessExport  # the copies themselves are not copied
    return {h.rows.name for h in registry.declarations()
            if isinstance(h, registry.Files) and h.rows.model is not AccessExport}


def as_text(schema=None):
    """The schema as it is kept in docs/export.schema.json."""
    return json.dumps(schema or export_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
