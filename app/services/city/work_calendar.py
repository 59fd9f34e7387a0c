"""The working calendar as this city has it: workdays.Calendar over the overrides in
work_calendar_day, kept per process and built again whenever that table changes (one small
query tells); and the overrides' own edits (flask calendar set / unset)."""
from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import delete, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ...config import WorkingHours, working_hours
from ...models import WorkCalendarDay
from .workdays import Calendar, Day, Override

# What the table holds, in one short value: any insert, update or delete changes it.
_STAMP = text("""SELECT count(*), md5(coalesce(string_agg(day::text || working::text || note, '|' ORDER BY day), ''))
                 FROM work_calendar_day""")
_lock = threading.Lock()
_kept: tuple[tuple, Calendar] | None = None


def calendar(session: Session, hours: WorkingHours | None = None) -> Calendar:
    """The city's calendar, with its office hours (by default the environment's,
    config.working_hours())."""
    global _kept
    hours = hours or working_hours()
    key = (tuple(session.execute(_STAMP).one()), hours)
    kept = _kept
    if kept is not None and kept[0] == key:
        return kept[1]
    overrides = {row.day: Override(row.working, row.note) for row in session.scalars(select(WorkCalendarDay))}
    made = Calendar(hours, overrides)
    with _lock:
        _kept = (key, made)
    return made


def set_day(session: Session, day: date, working: bool, note: str = "") -> Day:
    """The city says `day` is (or is not) a working day, whatever the statutory calendar
    says. The caller commits."""
    statement = insert(WorkCalendarDay).values(day=day, working=working, note=note.strip())
    session.execute(statement.on_conflict_do_update(
        index_elements=["day"], set_={"working": statement.excluded.working, "note": statement.excluded.note,
                                      "changed_at": text("now()")}))
    return calendar(session).day(day)


def unset_day(session: Session, day: date) -> Day | None:
    """The day goes back to the statutory calendar; None when the city had not set it. The
    caller commits."""
    removed = session.execute(delete(WorkCalendarDay).where(WorkCalendarDay.day == day)).rowcount
    return calendar(session).day(day) if removed else None


def unknown_years(session: Session, today: date, hours: WorkingHours | None = None) -> list[int]:
    """Of this year and the next, those the calendar knows nothing of beyond Monday–Friday."""
    known = calendar(session, hours)
    return [year for year in (today.year, today.year + 1) if not known.knows(year)]
