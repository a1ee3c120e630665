"""NUL and other control characters are refused by every text field of every form, in one place.

On PostgreSQL a NUL byte reaching a query was a 500 (`A string literal cannot contain NUL`).
"""
from urllib.parse import urlencode

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict
from wtforms import FileField, HiddenField, StringField

from portal.auth.models import AccountToken, LoginSession, User
from portal.candidates.forms import JobNoteForm
from portal.web.forms import Form

MESSAGE_NB = "Fjern de usynlige kontrolltegnene."
MESSAGE_EN = "Remove the invisible control characters."
ONE_LINE_NB = "Skriv dette på én linje."  # what a line break in a one-line field is told
REFUSALS = {MESSAGE_NB, ONE_LINE_NB}


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _forms():
    return sorted({c for c in _subclasses(FlaskForm) if c.__module__.startswith("portal.")},
                  key=lambda c: (c.__module__, c.__name__))


def _text_fields(form):
    return [f for f in form if isinstance(f, StringField) and not isinstance(f, (HiddenField, FileField))
            and f.name != "csrf_token"]


def test_every_form_of_the_portal_is_built_on_the_one_base(app):
    forms = _forms()
    assert len(forms) > 15
    assert [c.__name__ for c in forms if not issubclass(c, Form)] == []


@pytest.mark.parametrize("form_class", _forms(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("value", ["a\x00b", "x\x85y", "ola\x1b[31m"])
def test_every_text_field_refuses_control_characters(app, form_class, value):
    with app.test_request_context("/", method="POST", data={}):
        for field in _text_fields(form_class(meta={"csrf": False}, formdata=None)):
            form = form_class(meta={"csrf": False}, formdata=MultiDict({field.name: value}))
            form.validate()
            assert REFUSALS & {str(e) for e in form[field.name].errors}, (form_class, field.name)


def test_line_breaks_only_where_a_field_has_several_lines(app):
    with app.test_request_context("/"):
        form = JobNoteForm(meta={"csrf": False}, formdata=MultiDict({"job": "Lager\nsjef", "text": "a\r\nb\tc"}))
        form.validate()
        assert [str(e) for e in form.job.errors] == [ONE_LINE_NB]
        assert form.text.errors == []


def _post_raw(client, path, fields):
    """Post form data as raw UTF-8 bytes, lone surrogates included (a browser can send those bytes)."""
    body = urlencode(fields, encoding="utf-8", errors="surrogatepass")
    return client.post(path, data=body, content_type="application/x-www-form-urlencoded")


def _login_rows():
    return (User.select().count(), LoginSession.select().count(), AccountToken.select().count())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=st.text(max_size=80), password=st.text(max_size=40))
@example(email="a\x00@example.no", password="x")
@example(email="ola@example.no", password="pass\x00word")
@example(email="\x01\x02\x1f@x.no", password="\x7f")
@example(email="x\x85\x9f@example.no", password="\x9b")
@example(email="\ud800@example.no", password="\udfff")
@example(email="a" * 10_000 + "@example.no", password="b" * 10_000)
def test_login_never_fails_on_hostile_text(client, email, password):
    before = _login_rows()
    response = _post_raw(client, "/login", {"email": email, "password": password})
    assert response.status_code in (200, 413, 429), response.status_code
    assert _login_rows() == before


@pytest.mark.parametrize("path, fields, lang", [
    ("/login", {"email": "a\x00@example.no", "password": "x"}, "nb"),
    ("/login", {"email": "a\x00@example.no", "password": "x"}, "en"),
    ("/register", {"name": "Ola\x00", "email": "ola@example.no"}, "nb"),
    ("/password/forgot", {"email": "ola\x00@example.no"}, "en"),
])
def test_the_person_is_told_in_their_language(client, path, fields, lang):
    client.post("/language", data={"lang": lang})
    before = _login_rows()
    response = client.post(path, data=fields)
    assert response.status_code in (200, 400)
    assert (MESSAGE_NB if lang == "nb" else MESSAGE_EN) in response.get_data(as_text=True)
    assert _login_rows() == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=60), email=st.text(max_size=60))
@example(name="Ola\x00Nordmann", email="ola@example.no")
@example(name="Ola", email="ola\x00@example.no")
@example(name="\ud800", email="\udc00@example.no")
@example(name="x" * 10_000, email="y" * 10_000)
@example(name="Ola\u0085Nordmann", email="ola@example.no")
def test_registration_never_fails_on_hostile_text(client, name, email):
    before = _login_rows()
    response = _post_raw(client, "/register", {"name": name, "email": email})
    assert response.status_code in (200, 400, 413, 429), response.status_code
    if response.status_code != 200:
        assert _login_rows() == before
