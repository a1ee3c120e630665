"""Free times: opening hours in Oslo time, stored in UTC, through daylight-saving changes."""
from datetime import date, datetime, time, timedelta

import time_machine

from portal.booking import availability, schedule
from portal.booking.models import Consultant


def _consultant(weekday, starts, ends):
    c = Consultant.create(name="Ingrid Bakke", email="ingrid@ressursbasen.no")
    availability.add_weekly_hours(c, weekday, starts, ends)
    return c


def test_slot_length_and_buffer_come_from_the_settings(app, db):
    c = _consultant(0, time(9), time(12))
    monday = date(2027, 1, 4)
    with time_machine.travel(datetime(2027, 1, 1, 12)):
        assert [s.starts_at.time() for s in schedule.free_slots([monday])] == [
            time(8), time(9), time(10)]  # 09:00, 10:00, 11:00 Oslo = UTC+1
        assert all(s.ends_at - s.starts_at == timedelta(minutes=45) for s in schedule.free_slots([monday]))
        app.config.update(SLOT_MINUTES=30, SLOT_BUFFER_MINUTES=0)
        assert len(schedule.free_slots([monday])) == 6
    assert c.id


def test_spring_forward_and_fall_back_keep_the_wall_clock(app, db):
    _consultant(6, time(1), time(4))  # Sunday night hours, across the change
    with time_machine.travel(datetime(2027, 3, 1, 12)):
        spring = [schedule.to_oslo(s.starts_at).time() for s in schedule.free_slots([date(2027, 3, 28)])]
    # 02:00 does not exist on 28 March 2027; 01:00 and 03:00 do.
    assert spring == [time(1), time(3)]
    with time_machine.travel(datetime(2026, 10, 1, 12)):
        autumn = schedule.free_slots([date(2026, 10, 25)])
    assert [schedule.to_oslo(s.starts_at).time() for s in autumn] == [time(1), time(2), time(3)]
    # 02:00 happens twice that night; the first one (summer time) is offered.
    assert autumn[1].starts_at == datetime(2026, 10, 25, 0, 0)


def test_summer_and_winter_times_are_stored_in_utc(app, db):
    _consultant(0, time(9), time(10))
    with time_machine.travel(datetime(2026, 6, 1, 12)):
        [summer] = schedule.free_slots([date(2026, 6, 8)])
        [winter] = schedule.free_slots([date(2026, 12, 7)])
    assert summer.starts_at == datetime(2026, 6, 8, 7, 0)
    assert winter.starts_at == datetime(2026, 12, 7, 8, 0)


def test_only_future_times_this_week(app, db):
    _consultant(2, time(8), time(16))
    with time_machine.travel(datetime(2027, 1, 6, 11, 30)):  # Wednesday 12:30 Oslo
        [(day, slots)] = schedule.slots_by_day(0)
        assert day == date(2027, 1, 6)
        assert [schedule.to_oslo(s.starts_at).time() for s in slots] == [time(13), time(14), time(15)]
        assert schedule.clamp_week(-3) == 0 and schedule.clamp_week(50) == 3
