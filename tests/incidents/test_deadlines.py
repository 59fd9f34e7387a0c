"""Deadlines in working time (app/services/incidents/deadlines.py): a category whose limits are
in working minutes (as shipped: public_facility and street_vending, respond 120, resolve 1440)
is due within office hours on working days — over China's National Day holiday, counting a 调休
make-up Saturday, as the city's overrides say — while a category in natural minutes is due as
before. On the shipped Helsinki city, in Shanghai time, each test rolled back."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.config import IncidentRules
from app.models import Category
from app.services.city import work_calendar
from app.services.incidents import deadlines, loop as incidents
from app.services.incidents.loop import Participant

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPERATOR = Participant("user:test", dispatcher=True)


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def worker_grid(app):
    """A point inside a current grid with a full-time worker, and the worker's id."""
    from app import db
    with app.app_context():
        return db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)), w.id
            FROM grid g JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
            JOIN worker w ON w.id = a.worker_id AND w.role = 'full_time'
            WHERE g.valid_to IS NULL ORDER BY g.code LIMIT 1""")).one()


@pytest.fixture()
def file(session, worker_grid):
    """file(category, at) → the incident, reported by an operator in the worker's grid."""
    lon, lat, _ = worker_grid

    def make(category: str, when: datetime):
        filed = incidents.report(session, incidents.Report(category, lon, lat, "deadline test"), OPERATOR,
                                 IncidentRules(), when)
        return incidents.load(session, filed.id)
    yield make
    session.rollback()


def test_the_shipped_categories_say_which_count_working_time(session):
    units = dict(session.execute(text("SELECT code, limit_unit FROM category")).all())
    assert {code for code, unit in units.items() if unit == "working"} == {"public_facility", "street_vending"}


def test_a_case_reported_on_the_eve_of_national_day_is_due_after_the_holiday(file):
    # Wednesday 30 September 2026, 16:30: an hour of office time is left before the week off
    incident = file("public_facility", at(9, 30, 16, 30))
    # respond within 120 working minutes: the hour left, then 08:30–09:30 on Thursday 8 October,
    # the first working day after the holiday
    assert incident.due_respond_at == at(10, 8, 9, 30)
    # resolve within 1440: 60 on the eve + 450 on the 8th + 450 on the 9th + 450 on the make-up
    # Saturday the 10th, and the last 30 on Monday the 12th
    assert incident.due_resolve_at == at(10, 12, 9, 0)


def test_a_shorter_working_limit_over_the_holiday_ends_on_the_first_working_day_after_it(session):
    one_day = Category(code="one_day", respond_within_min=60, resolve_within_min=450, limit_unit="working")
    assert deadlines.due(session, one_day, at(9, 30, 16, 30), "respond") == at(9, 30, 17, 30)
    assert deadlines.due(session, one_day, at(9, 30, 16, 30), "resolve") == at(10, 8, 16, 30)


def test_a_case_reported_on_a_make_up_saturday_counts_that_saturday_as_working(file):
    incident = file("street_vending", at(10, 10, 9, 0))
    assert incident.due_respond_at == at(10, 10, 11, 0)
    # an ordinary Saturday a week later is not worked: due on Monday
    later = file("street_vending", at(10, 17, 9, 0))
    assert later.due_respond_at == at(10, 19, 10, 30)


def test_the_citys_override_moves_the_deadline(session, file):
    work_calendar.set_day(session, at(10, 8, 0).date(), False, "台风停工")
    incident = file("public_facility", at(9, 30, 16, 30))
    assert incident.due_respond_at == at(10, 9, 9, 30)
    # and a rest day the city makes a working day counts
    work_calendar.set_day(session, at(10, 7, 0).date(), True, "提前复工")
    assert file("public_facility", at(9, 30, 16, 30)).due_respond_at == at(10, 7, 9, 30)
    work_calendar.unset_day(session, at(10, 7, 0).date())
    work_calendar.unset_day(session, at(10, 8, 0).date())
    assert file("public_facility", at(9, 30, 16, 30)).due_respond_at == at(10, 8, 9, 30)


def test_a_category_in_natural_minutes_is_due_as_before_holiday_or_not(file):
    incident = file("greenery", at(9, 30, 16, 30))
    assert incident.due_respond_at == at(9, 30, 16, 30) + timedelta(hours=2)
    assert incident.due_resolve_at == at(10, 1, 16, 30)


def test_an_escalated_case_gets_fresh_limits_in_working_time(session, file):
    incident = file("public_facility", at(9, 30, 16, 30))
    incidents.escalate(session, incident, Participant.system(), at(10, 8, 9, 31), None)
    assert incident.level == "community"
    assert incident.due_respond_at == at(10, 8, 11, 31)
    # 389 minutes left on the 8th, 450 on the 9th and on the make-up 10th, 151 on Monday the 12th
    assert incident.due_resolve_at == at(10, 12, 11, 1)


def test_a_reopened_case_gets_a_fresh_resolve_limit_in_working_time(session, file, worker_grid):
    worker = Participant("user:a_worker", worker_id=worker_grid[2])
    incident = file("public_facility", at(9, 30, 9, 0))
    incidents.act(session, incident.id, "accept", worker, at(9, 30, 9, 10))
    incidents.act(session, incident.id, "resolve", worker, at(9, 30, 15, 0), note="bench fixed")
    incidents.act(session, incident.id, "reopen", OPERATOR, at(9, 30, 17, 0), note="still broken")
    # 30 minutes on the eve, 450 on the 8th, the 9th and the make-up 10th, 60 on Monday the 12th
    assert incident.due_resolve_at == at(10, 12, 9, 30)


# -- the unit in the category table ------------------------------------------------------------

HEADER = "code,name_zh,name_en,respond_within_min,resolve_within_min,default_level,complex,duplicate_radius_m,weight"


def test_a_table_without_the_unit_counts_natural_minutes_and_an_unknown_unit_is_refused(tmp_path):
    from app.services.incidents.categories import read_categories
    old = tmp_path / "old.csv"
    old.write_text(f"{HEADER}\nroad_damage,道路破损,Damaged road,120,1440,grid,false,50,12\n", encoding="utf-8")
    assert read_categories(old)[0]["limit_unit"] == "natural"
    wrong = tmp_path / "wrong.csv"
    wrong.write_text(f"{HEADER},limit_unit\nroad_damage,道路破损,Damaged road,120,1440,grid,false,50,12,days\n",
                     encoding="utf-8")
    with pytest.raises(ValueError, match=r"wrong.csv:2: limit_unit is one of natural, working, not days"):
        read_categories(wrong)
