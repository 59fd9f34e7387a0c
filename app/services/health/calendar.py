"""The working calendar for /healthz: the office hours limits in working time count, and a
warning for this year — or the next, once it is a month away — when neither the statutory
calendar (the chinese-calendar package) nor the city's overrides know it: its limits then count
Monday to Friday, through holidays and past make-up days. Upgrading the package, or setting the
year's days with `flask calendar set`, answers it.

The next year waits until December because its schedule is published late in the year before
(the State Council's notice, then the package), and until then no limit in working time filed
today reaches into it; warning all year round would be a warning nobody reads."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ...config import WorkingHours
from ..city import work_calendar

NEXT_YEAR_AHEAD = timedelta(days=31)


def calendar_status(session: Session, hours: WorkingHours, now: datetime) -> dict:
    """{"office_hours": ["08:30-12:00", …], "timezone", "unknown_years": [2027],
    "warnings": [(code, params)]}."""
    today = now.astimezone(ZoneInfo(hours.timezone)).date()
    unknown = [year for year in work_calendar.unknown_years(session, today, hours)
               if year == today.year or date(year, 1, 1) - today <= NEXT_YEAR_AHEAD]
    return {
        "office_hours": [f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in hours.office_hours],
        "timezone": hours.timezone,
        "unknown_years": unknown,
        "warnings": [("calendar.unknown_year", {"year": year}) for year in unknown],
    }
