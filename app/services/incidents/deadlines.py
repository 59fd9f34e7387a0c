"""When a case is due: its category's limit to respond or to resolve, counted from a moment in
natural minutes (every minute) or in working minutes (office hours on working days, China's
statutory holidays and 调休 make-up days, the city's overrides: city/work_calendar.py), as the
category's `limit_unit` says. The one place the loop's deadlines are computed."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from ..city import work_calendar

# which limit → the category's field holding it, in minutes
LIMITS = {"respond": "respond_within_min", "resolve": "resolve_within_min"}


def due(session: Session, category, start: datetime, which: str) -> datetime:
    """The moment the case is due to be responded to or resolved (`which`), counted from
    `start`. `category` is a Category or anything with the same limit fields (the loop's
    CategoryRule); one without `limit_unit` counts natural minutes."""
    minutes = getattr(category, LIMITS[which])
    if getattr(category, "limit_unit", "natural") == "working":
        return work_calendar.calendar(session).add(start, minutes)
    return start + timedelta(minutes=minutes)
