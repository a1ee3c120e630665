"""A hold's step counter out of range (a forged or mangled post) is refused as a stale form, not
a 500 (SQLite takes no integer beyond 64 bits)."""
from datetime import timedelta

import pytest

from portal import catalog
from portal.holds import actions
from portal.holds.models import LegalHold
from tests.factories import make_person


@pytest.mark.parametrize("version", ["99999999999999999999999", "-99999999999999999999999"])
def test_a_hold_change_or_end_with_a_counter_out_of_range_is_refused_not_a_500(
        client, login_as, version):
    admin = login_as("admin")
    hold = actions.place(make_person(stage=catalog.CANDIDATE), "Tvist om et oppdrag",
                         actions.today_in_oslo() + timedelta(days=60), ["cv"], admin)
    changed = client.post(f"/staff/holds/{hold.id}", data={
        "version": version, "reason": "Ny grunn", "ends_on": hold.ends_on.isoformat(),
        "categories": ["cv"]})
    ended = client.post(f"/staff/holds/{hold.id}/end", data={"version": version})
    for response in (changed, ended):
        assert response.status_code == 409
        assert "Noen andre endret denne bevaringsplikten" in response.get_data(as_text=True)
    assert LegalHold.get_by_id(hold.id).reason == "Tvist om et oppdrag"
    assert LegalHold.get_by_id(hold.id).ended_at is None
