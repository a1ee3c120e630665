"""Every feature of the portal, each declared once in its own `portal/<feature>/feature.py`.

A feature module may declare:
    blueprint        its routes
    models           its models module (every model in it gets a table)
    init_app(app)    hooks on the app beyond its blueprint
    cli              click commands or groups for `flask --app app ...`
    cron             (job function, schedule) pairs for `rq cron jobs/cron.py`
    load_demo_data(password)  demo rows for an empty database; may return a (role, e-mail) login
    queue_section()  the Section of the staff queue it contributes, or a tuple of them: its
                     kind of work, found, counted and assigned (portal/staff/sections.py)
    disclosures(subject)  what of a person's data went to whom outside the agency, and when:
                     [{recipient, categories, at, basis, ...}] (the access export lists them)
    consent_withdrawn(person, purpose)  what stops when a consent is withdrawn, run in the
                     transaction that records the withdrawal

A new feature adds one line to FEATURES; create_app, the schema, demo data, the cron process
and the tests read everything else from here. The order is the order of set-up and demo data.
"""
from peewee import sort_models

from portal.audit import feature as audit
from portal.auth import feature as auth
from portal.booking import feature as booking
from portal.candidates import feature as candidates
from portal.consent import feature as consent
from portal.corrections import feature as corrections
from portal.customers import feature as customers
from portal.db import BaseModel
from portal.documents import feature as documents
from portal.holds import feature as holds
from portal.mail import feature as mail
from portal.people import feature as people
from portal.privacy import feature as privacy
from portal.requests import feature as requests
from portal.retention import feature as retention
from portal.staff import feature as staff
from portal.verification import feature as verification
from portal.web import feature as web

FEATURES = (web, auth, people, audit, mail, verification, requests, booking, candidates,
            corrections, documents, consent, staff, privacy, retention, holds, customers)


def models_in(module):
    """The models a models module defines (not those it imports)."""
    return [v for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, BaseModel) and v is not BaseModel
            and v.__module__ == module.__name__]


def all_models():
    """Every model of every feature, parents before children."""
    return sort_models([m for f in FEATURES if hasattr(f, "models") for m in models_in(f.models)])


def cron_entries():
    """Every feature's periodic jobs, as (job function, schedule) pairs."""
    return [entry for f in FEATURES for entry in getattr(f, "cron", ())]


def queue_sections():
    """The staff queue's section makers, in feature order."""
    return [f.queue_section for f in FEATURES if hasattr(f, "queue_section")]


def init_app(app):
    """Register every feature's blueprint, hooks and commands."""
    for feature in FEATURES:
        if hasattr(feature, "init_app"):
            feature.init_app(app)
        if hasattr(feature, "blueprint"):
            app.register_blueprint(feature.blueprint)
        for command in getattr(feature, "cli", ()):
            app.cli.add_command(command)
