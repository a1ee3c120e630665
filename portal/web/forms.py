"""What every form shares: refusing control characters, and the one e-mail and phone rule."""
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import StopValidation, ValidationError

# Line breaks and tabs are text only where a field has several lines.
MULTI_LINE = frozenset("\n\r\t")
LINE_BREAKS = frozenset("\n\r\v\f\x85")


def _control_characters(value, multi_line):
    """Whether a typed value holds characters no person types: C0/C1 controls, surrogates."""
    for c in value:
        if multi_line and c in MULTI_LINE:
            continue
        if unicodedata.category(c) in ("Cc", "Cs") or c in "\ufffe\uffff":
            return True
    return False


def control_characters(value):
    """Whether a one-line value typed outside a form (a search) holds control characters."""
    return _control_characters(value, False)


def no_control_characters(form, field):
    """Stop at NUL and other control characters before any other check sees the value.

    A hidden field is not typed by the person (say `next` after login): its control
    characters are dropped instead, so the form still works.
    """
    if isinstance(field, HiddenField):
        if isinstance(field.data, str):
            field.data = "".join(c for c in field.data if not _control_characters(c, False))
        return
    multi_line = isinstance(field, TextAreaField)
    for raw in field.raw_data or ():
        if isinstance(raw, str) and _control_characters(raw, multi_line):
            field.data = None if not isinstance(field.data, str) else ""
            if not _control_characters("".join(c for c in raw if c not in LINE_BREAKS), False):
                raise StopValidation(_l("Write this on one line."))
            raise StopValidation(_l("Remove the invisible control characters."))


class Form(FlaskForm):
    """The base of every form: each field refuses control characters first."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            field = super().bind_field(form, unbound_field, options)
            field.validators = [no_control_characters, *field.validators]
            return field


class EmptyForm(Form):
    """A form with only the CSRF token, for buttons that POST."""


def strip(value):
    return value.strip() if isinstance(value, str) else value


def nfc(value):
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


def plain_text(form, field):
    """Refuse invisible format characters and markup in a one-line text field."""
    value = field.data or ""
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co") for c in value):
        raise ValidationError(_l("Remove the invisible control characters."))
    if "<" in value or ">" in value:
        raise ValidationError(_l("Remove the angle brackets: code and markup are not allowed here."))


def has_letter(form, field):
    """A name is written with letters."""
    if not any(unicodedata.category(c).startswith("L") for c in field.data or ""):
        raise ValidationError(_l("Write your name with letters."))


_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:/|(?<![a-z])(javascript|data|mailto|file):")
_WWW = re.compile(r"(?<![a-z0-9])www\d*\.")
_DOMAIN_WITH_PATH = re.compile(r"[a-z0-9-]\.[a-z]{2,}[/?#:]")
_TOP_LEVEL_DOMAINS = ("com|net|org|info|biz|io|co|me|no|se|dk|fi|is|de|uk|eu|ru|cn|nl|fr|es|it|"
                      "pl|us|ca|xyz|top|online|site|app|dev|link|click|shop|store|live|ly|gl|"
                      "to|tk|ml|ga|cf|gq|cc|tv|ws|su|in|ai")
_DOMAIN = re.compile(rf"[a-z0-9-]\.({_TOP_LEVEL_DOMAINS})(?![a-z0-9-])")


def one_line_name(form, field):
    """A person's name: one line, and no web address, link or e-mail address in it.

    Names reach the agency's pages and e-mails; a name must not be able to carry a paragraph or
    a link there. Look-alike characters (a full-width dot) are folded before looking.
    """
    value = field.data or ""
    if any(c in _LINE_BREAKS for c in value):
        raise ValidationError(_l("Write the name on one line."))
    folded = unicodedata.normalize("NFKC", value).casefold()
    if "@" in folded or any(p.search(folded) for p in (_SCHEME, _WWW, _DOMAIN_WITH_PATH, _DOMAIN)):
        raise ValidationError(_l("A name cannot contain a web address or link."))


def email_address(value):
    """The normalised, lower-case address, or None when it is not a usable e-mail address."""
    value = (value or "").strip()
    if not value or len(value) > 254:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def valid_email(form, field):
    """Check the address by its form only (no network look-ups) and keep it lower-case."""
    if not field.data:
        return  # DataRequired or Optional decides whether it may be empty
    address = email_address(field.data)
    if address is None:
        raise ValidationError(_l("Enter a valid e-mail address, like name@example.no."))
    field.data = address


def phone_number(value):
    """The number in E.164 (Norwegian numbers with or without +47/0047), or None."""
    try:
        number = phonenumbers.parse(value or "", "NO")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def valid_phone(form, field):
    """Accept Norwegian and foreign numbers; keep E.164."""
    if not field.data:
        return
    number = phone_number(field.data)
    if number is None:
        raise ValidationError(_l("Enter a valid phone number, like 412 34 567 or +46 70 123 45 67."))
    field.data = number

