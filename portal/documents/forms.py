from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField

from portal.web.forms import Form


class UploadForm(Form):
    kind = HiddenField()
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])

