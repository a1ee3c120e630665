"""What a hold kept of someone erased is restricted: when their address comes back with someone
new (or the same person, registering again), the staff record of the newcomer shows none of it."""
from datetime import timedelta

from portal import catalog
from portal.candidates.models import Evaluation
from portal.holds import actions
from portal.people import registry
from tests.factories import make_person, make_user

EMAIL = "tilbake@example.no"


def test_held_data_of_someone_erased_stays_out_of_the_record_of_a_newcomer_at_the_address(
        client, login_as):
    person = make_person(stage=catalog.CANDIDATE, email=EMAIL)
    Evaluation.create(person=person, kind="evaluation", result="Bør ikke brukes til ledelse")
    actions.place(person, "Tvist om et oppdrag i Drammen", actions.today_in_oslo()
                  + timedelta(days=60), ["evaluations"], make_user("admin"))
    registry.erase_person(person, "request 9", confirm=False)
    newcomer = make_person(stage=catalog.CANDIDATE, email=EMAIL, name="Nina Ny")
    mine = make_person(stage=catalog.CANDIDATE)
    actions.place(mine, "Egen tvist om lønn", actions.today_in_oslo() + timedelta(days=30),
                  ["cv"], make_user("admin"))

    login_as("staff")
    page = client.get(f"/staff/candidates/{newcomer.id}/matching").get_data(as_text=True)
    assert "Nina Ny" in page
    assert "Bør ikke brukes til ledelse" not in page  # kept, restricted: never used
    assert "Tvist om et oppdrag i Drammen" not in page  # someone else's hold
    own = client.get(f"/staff/candidates/{mine.id}/matching").get_data(as_text=True)
    assert "Egen tvist om lønn" in own  # a living person's own hold is still shown
