"""The city's working calendar from the database (app/services/city/work_calendar.py): kept per
process and built again when work_calendar_day changes; and /healthz's word on the years it
does not know (app/services/health/calendar.py)."""
from __future__ import annotations

from datetime import date, datetime, timezone

from app.config import WorkingHours
from app.services.city import work_calendar
from app.services.health.calendar import calendar_status


def test_the_calendar_is_kept_while_the_overrides_stay_and_built_again_when_they_change(session):
    first = work_calendar.calendar(session)
    assert work_calendar.calendar(session) is first
    assert first.is_working(date(2026, 10, 9))
    work_calendar.set_day(session, date(2026, 10, 9), False, "台风停工")
    changed = work_calendar.calendar(session)
    assert changed is not first and not changed.is_working(date(2026, 10, 9))
    work_calendar.set_day(session, date(2026, 10, 9), False, "台风停工，延长一天")      # the note alone
    assert work_calendar.calendar(session).day(date(2026, 10, 9)).note == "台风停工，延长一天"
    session.rollback()      # another process's change going away is seen as well
    assert work_calendar.calendar(session).is_working(date(2026, 10, 9))


def test_a_year_neither_the_statutory_calendar_nor_the_city_knows_is_a_warning(session):
    hours = WorkingHours()
    status = calendar_status(session, hours, datetime(2098, 12, 1, tzinfo=timezone.utc))
    assert status["unknown_years"] == [2098, 2099]
    assert status["warnings"] == [("calendar.unknown_year", {"year": 2098}), ("calendar.unknown_year", {"year": 2099})]
    assert status["office_hours"] == ["08:30-12:00", "13:30-17:30"] and status["timezone"] == "Asia/Shanghai"
    # the city setting any day of a year answers for it
    work_calendar.set_day(session, date(2099, 1, 1), False, "元旦")
    assert calendar_status(session, hours, datetime(2098, 12, 1, tzinfo=timezone.utc))["unknown_years"] == [2098]
    session.rollback()
    assert calendar_status(session, hours, datetime(2026, 6, 1, tzinfo=timezone.utc))["unknown_years"] == []


def test_the_next_year_is_warned_of_only_once_it_is_a_month_away(session):
    hours = WorkingHours()
    # its schedule is published late in the year before; no limit filed in June reaches it
    assert calendar_status(session, hours, datetime(2098, 6, 1, tzinfo=timezone.utc))["unknown_years"] == [2098]
    assert calendar_status(session, hours, datetime(2098, 11, 30, 15, tzinfo=timezone.utc))["unknown_years"] == [2098]
    # 1 December in Shanghai (still 30 November in UTC)
    assert calendar_status(session, hours, datetime(2098, 11, 30, 16, tzinfo=timezone.utc))["unknown_years"] == [
        2098, 2099]


def test_healthz_shows_the_calendar_and_warns_of_the_years_it_does_not_know(client):
    body = client.get("/healthz", headers={"Accept-Language": "en"}).get_json()
    calendar = body["calendar"]
    assert calendar["office_hours"] == ["08:30-12:00", "13:30-17:30"]
    assert [w["code"] for w in calendar["warnings"]] == ["calendar.unknown_year"] * len(calendar["unknown_years"])
    for warning, year in zip(calendar["warnings"], calendar["unknown_years"]):
        assert warning["message"].startswith(f"The statutory holiday calendar (chinese-calendar) does not know {year}")
    if calendar["unknown_years"]:
        assert body["status"] == "warning"
