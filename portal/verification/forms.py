"""The code form every proven-address step uses."""
import re

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, ValidationError

from portal.web.forms import Form


def digits_only(value):
    """The code as typed, without spaces or dashes (people copy "123 456")."""
    return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


def six_digits(form, field):
    if not re.fullmatch(r"[0-9]{6}", field.data or ""):
        raise ValidationError(_l("The code has six digits, like 123456."))


class CodeForm(Form):
    code = StringField(_l("Code from the e-mail"), filters=[digits_only], validators=[
        DataRequired(_l("Enter the code from the e-mail.")), six_digits],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 12})
