"""Every column of the booking tables is either catalogued personal data or bookkeeping."""
from portal import catalog
from portal.booking.models import Booking


def test_every_booking_column_is_known_to_the_catalog():
    known = set(catalog.fields()) | catalog.NOT_PERSONAL
    columns = {f"Booking.{name}" for name in Booking._meta.fields}
    assert columns - known == set()
    # What a person typed differently is filed under the categories of the booking stage.
    typed = [f for f in catalog.fields(catalog.BOOKING) if f.startswith("Booking.")]
    assert {catalog.category_of(f).key for f in typed} == {"name", "address", "phone"}
    assert len(typed) == len([n for n in Booking._meta.fields if n.startswith("typed_")])

