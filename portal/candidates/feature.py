"""What the candidate area brings: the account overview and the profile."""
from portal import catalog
from portal.candidates import demo, models, views
from portal.people.holdings import Rows

__all__ = ["blueprint", "models", "load_demo_data", "personal_data"]  # what this feature declares

blueprint = views.bp
load_demo_data = demo.load_demo_data


def _profile_rows(model, source="person"):
    """A profile model: found by its Person; every catalogued column may be corrected. What
    staff wrote is staff's record: changed by staff, or by an accepted correction request,
    never by the person on their own."""
    columns = tuple(catalog.columns_of(model.__name__))
    category = catalog.category_of(f"{model.__name__}.{columns[0]}").key
    by = ("staff", "request") if source == "staff" else ("person", "staff", "request")
    return Rows(model, category=category, person="person", rectify=columns, source=source,
                rectified_by=by)


# The people a candidate names as references are data subjects too: found by their address
# or number, so that a reference who asks what we hold gets a true answer.
personal_data = tuple(_profile_rows(m) for m in (
    models.Profile, models.WorkExperience, models.Reference, models.Qualification,
    models.Certificate, models.LanguageSkill, models.JobNote)) + (
    # What staff write: evaluations, and availability and salary as noted in a meeting.
    _profile_rows(models.Evaluation, source="staff"),
    _profile_rows(models.NotedAvailability, source="staff"),
    # The person's statements beside evaluations: their own words, never changed by staff.
    Rows(models.Statement, category="evaluations", person="person"),
    Rows(models.Reference, category="named_as_reference", email="email", phone="phone",
         whole_row=True, source="candidate", subject_kind="reference"),
)
