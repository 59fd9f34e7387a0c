"""Working days and working minutes (app/services/city/workdays.py): China's statutory holidays
and 调休 make-up days, the city's overrides over them, and the moment N working minutes after
another within office hours (08:30–12:00, 13:30–17:30 in Shanghai as shipped). No database."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from zoneinfo import ZoneInfo

import pytest

from app.config import WorkingHours, parse_office_hours
from app.services.city.workdays import Calendar, CalendarError, Override, statutory_knows

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITY = Calendar(WorkingHours())


def at(month, day, hour, minute=0, year=2026):
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


# -- which days are working days --------------------------------------------------------------

def test_national_day_2026_is_a_week_of_statutory_holidays_between_working_days():
    assert CITY.is_working(date(2026, 9, 30))
    for day in range(1, 8):
        found = CITY.day(date(2026, 10, day))
        assert not found.working and found.why == "holiday" and found.holiday == "national_day"
    assert CITY.is_working(date(2026, 10, 8))


def test_a_make_up_saturday_is_a_working_day_and_says_which_holiday_it_pays_for():
    saturday = CITY.day(date(2026, 10, 10))
    assert saturday.day.weekday() == 5
    assert saturday.working and saturday.why == "make_up" and saturday.holiday == "national_day"


def test_an_ordinary_weekend_rests_and_an_ordinary_weekday_works():
    assert CITY.day(date(2026, 10, 17)).why == "weekend" and not CITY.is_working(date(2026, 10, 17))
    assert CITY.day(date(2026, 10, 19)).why == "weekday" and CITY.is_working(date(2026, 10, 19))


def test_the_citys_override_wins_and_keeps_what_lies_under_it():
    typhoon = Calendar(WorkingHours(), {date(2026, 10, 8): Override(False, "台风停工"),
                                        date(2026, 10, 17): Override(True, "全市补班")})
    closed = typhoon.day(date(2026, 10, 8))
    assert not closed.working and closed.why == "override" and closed.note == "台风停工"
    assert typhoon.is_working(date(2026, 10, 17))
    holiday_worked = Calendar(WorkingHours(), {date(2026, 10, 1): Override(True)}).day(date(2026, 10, 1))
    assert holiday_worked.working and holiday_worked.holiday == "national_day"


def test_a_year_the_package_does_not_know_counts_monday_to_friday_until_the_city_says_otherwise():
    assert not statutory_knows(2099)
    thursday, saturday = date(2099, 1, 1), date(2099, 1, 3)
    assert CITY.is_working(thursday) and not CITY.day(thursday).known
    assert not CITY.is_working(saturday)
    assert not CITY.knows(2099)
    assert Calendar(WorkingHours(), {thursday: Override(False, "元旦")}).knows(2099)
    assert CITY.knows(2026)


def test_a_month_lists_every_day():
    october = CITY.month(2026, 10)
    assert [d.day.day for d in october] == list(range(1, 32))
    assert sum(d.working for d in october) == 18     # 31 days − 7 of the holiday − 6 weekend days (the 10th is worked)


# -- adding working minutes -------------------------------------------------------------------

@pytest.mark.parametrize("start, minutes, due", [
    (at(10, 8, 7, 0), 30, at(10, 8, 9, 0)),          # before office hours: counted from the opening
    (at(10, 8, 10, 0), 60, at(10, 8, 11, 0)),        # inside the morning
    (at(10, 8, 11, 0), 120, at(10, 8, 14, 30)),      # the lunch break does not count
    (at(10, 8, 12, 30), 30, at(10, 8, 14, 0)),       # during lunch: counted from 13:30
    (at(10, 8, 11, 30), 30, at(10, 8, 12, 0)),       # ending exactly at the lunch close: at 12:00
    (at(10, 8, 17, 0), 30, at(10, 8, 17, 30)),       # ending exactly at closing: at 17:30, not next morning
    (at(10, 8, 17, 30), 30, at(10, 9, 9, 0)),        # starting exactly at closing: next working morning
    (at(10, 8, 18, 0), 30, at(10, 9, 9, 0)),         # after hours: the next working morning
    (at(10, 9, 17, 0), 60, at(10, 10, 9, 0)),        # Friday evening → the make-up Saturday
    (at(9, 30, 17, 0), 60, at(10, 8, 9, 0)),         # the eve of National Day → the first day after
    (at(10, 8, 8, 30), 450, at(10, 8, 17, 30)),      # one whole working day is 7.5 hours
    (at(10, 8, 10, 15), 0, at(10, 8, 10, 15)),       # no limit: the start itself
])
def test_working_minutes_count_only_office_hours_on_working_days(start, minutes, due):
    assert CITY.add(start, minutes) == due


def test_the_answer_is_in_the_start_s_time_zone():
    start = datetime(2026, 9, 30, 8, 30, tzinfo=timezone.utc)        # 16:30 in Shanghai
    due = CITY.add(start, 120)
    assert due == datetime(2026, 10, 8, 1, 30, tzinfo=timezone.utc) and due.tzinfo is timezone.utc


def test_office_hours_are_configurable():
    one_block = Calendar(WorkingHours(parse_office_hours("09:00-17:00")))
    assert one_block.add(at(10, 8, 16, 30), 60) == at(10, 9, 9, 30)
    assert one_block.add(at(10, 8, 12, 0), 60) == at(10, 8, 13, 0)          # no lunch break


def test_office_hours_that_do_not_read_as_periods_of_a_day_are_refused():
    for wrong in ("8-12", "12:00-08:30", "08:30-12:00,11:00-13:00", "25:00-26:00"):
        with pytest.raises(ValueError, match="GRIDMAP_OFFICE_HOURS"):
            parse_office_hours(wrong)
    assert parse_office_hours("08:30-12:00, 13:30-17:30") == ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))


def test_a_start_without_a_time_zone_is_refused():
    with pytest.raises(CalendarError):
        CITY.add(datetime(2026, 10, 8, 9, 0), 30)
