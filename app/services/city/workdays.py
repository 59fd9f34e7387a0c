"""Working days and working minutes: which days are working days (China's statutory holidays and
调休 make-up days, from the chinese-calendar package, under the city's own overrides) and the
moment N working minutes after another (office hours on working days, in the city's time zone).

Pure: no Flask, no database. The overrides come from work_calendar_day through
work_calendar.py; a year the package does not know counts Monday to Friday.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from ...config import WorkingHours
from ...messages import Said

# The statutory holidays by the package's English name → our key (messages: holiday.<key>).
HOLIDAYS = {holiday.value: holiday.name for holiday in chinese_calendar.Holiday}
# Why a day is or is not a working day.
WHY = ("override", "holiday", "make_up", "weekend", "weekday")
# A search for working time gives up after this many days: only a calendar of overrides that
# rest for years on end gets there.
MOST_DAYS = 3660


class CalendarError(Said):
    pass


@dataclass(frozen=True)
class Override:
    working: bool
    note: str = ""


@dataclass(frozen=True)
class Day:
    day: date
    working: bool
    why: str                    # one of WHY
    holiday: str | None = None  # the statutory holiday (a key of HOLIDAYS' values) a holiday or make-up day is for
    note: str = ""              # an override's note
    known: bool = True          # False: a year the statutory calendar does not know (Monday–Friday)


@lru_cache(maxsize=64)
def statutory_knows(year: int) -> bool:
    """Whether the chinese-calendar package has the State Council's schedule for `year`."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def statutory_day(day: date) -> Day:
    """The day as the statutory calendar has it, or Monday–Friday in a year it does not know."""
    weekend = day.weekday() >= 5
    if not statutory_knows(day.year):
        return Day(day, not weekend, "weekend" if weekend else "weekday", known=False)
    working = chinese_calendar.is_workday(day)
    _, name = chinese_calendar.get_holiday_detail(day)
    holiday = HOLIDAYS.get(name) if name else None
    if working:
        return Day(day, True, "make_up" if weekend else "weekday", holiday if weekend else None)
    if holiday:
        return Day(day, False, "holiday", holiday)
    return Day(day, False, "weekend")


class Calendar:
    """The city's working days and office hours. `overrides` (day → Override) win over the
    statutory calendar."""

    def __init__(self, hours: WorkingHours, overrides: Mapping[date, Override] | None = None):
        if not hours.office_hours:
            raise CalendarError("calendar.no_office_hours")
        self.hours = hours
        self.zone = ZoneInfo(hours.timezone)
        self.overrides = dict(overrides or {})

    def day(self, day: date) -> Day:
        underneath = statutory_day(day)
        override = self.overrides.get(day)
        if override is None:
            return underneath
        return Day(day, override.working, "override", underneath.holiday, override.note, underneath.known)

    def is_working(self, day: date) -> bool:
        override = self.overrides.get(day)
        return override.working if override is not None else statutory_day(day).working

    def month(self, year: int, month: int) -> list[Day]:
        first = date(year, month, 1)
        days = []
        while first.month == month:
            days.append(self.day(first))
            first += timedelta(days=1)
        return days

    def knows(self, year: int) -> bool:
        """Whether this calendar has a say on `year` beyond Monday–Friday: the statutory
        schedule, or any override the city made in it."""
        return statutory_knows(year) or any(d.year == year for d in self.overrides)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` working minutes after `start`: time counts only within office
        hours on working days. A limit that ends exactly at a closing time ends there, not at
        the next opening. Answered in `start`'s time zone."""
        if start.tzinfo is None:
            raise CalendarError("calendar.naive_start", start=start.isoformat())
        left = timedelta(minutes=minutes)
        if left <= timedelta(0):
            return start
        local = start.astimezone(self.zone)
        day = local.date()
        for _ in range(MOST_DAYS):
            if self.is_working(day):
                for opens, closes in self.hours.office_hours:
                    begin = max(datetime.combine(day, opens, self.zone), local)
                    end = datetime.combine(day, closes, self.zone)
                    if begin >= end:
                        continue
                    if left <= end - begin:
                        return (begin + left).astimezone(start.tzinfo)
                    left -= end - begin
            day += timedelta(days=1)
        raise CalendarError("calendar.no_working_time", days=MOST_DAYS, start=start.isoformat())

    def between(self, start: datetime, end: datetime) -> float:
        """The working minutes from `start` to `end` (0 when end is not after start): what a
        suspension took of a working-time limit."""
        if start.tzinfo is None or end.tzinfo is None:
            raise CalendarError("calendar.naive_start", start=start.isoformat())
        if end <= start:
            return 0.0
        begin_local, end_local = start.astimezone(self.zone), end.astimezone(self.zone)
        total, day = timedelta(0), begin_local.date()
        while day <= end_local.date():
            if self.is_working(day):
                for opens, closes in self.hours.office_hours:
                    begin = max(datetime.combine(day, opens, self.zone), begin_local)
                    finish = min(datetime.combine(day, closes, self.zone), end_local)
                    if finish > begin:
                        total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 60
