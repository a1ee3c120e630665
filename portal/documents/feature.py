"""What documents bring: encrypted CVs, certificates and photos."""
from portal.documents import models, views

blueprint = views.bp
