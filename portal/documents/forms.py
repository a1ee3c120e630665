from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField


class UploadForm(FlaskForm):
    kind = HiddenField()
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to upload."))])
