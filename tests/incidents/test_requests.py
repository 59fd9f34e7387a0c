"""Suspension (挂起) and extension (延期): the handler asks with a reason, the dispatcher approves
or refuses; a suspended case's clock stands still — not marked overdue, not late, its limits
moved on by the time it stood when it resumes — and an extended case gets its new limit, the
assessment counting it on time against that limit with the number of extensions. On the
shipped Helsinki city, each test rolled back."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app.config import IncidentRules
from app.services.incidents import escalation, lateness, loop as incidents
from app.services.incidents.loop import Participant

SHANGHAI = ZoneInfo("Asia/Shanghai")
OPERATOR = Participant("user:test_operator", dispatcher=True)


def at(month, day, hour, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(scope="module")
def worker_grid(app):
    from app import db
    with app.app_context():
        return db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)), w.id
            FROM grid g JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
            JOIN worker w ON w.id = a.worker_id AND w.role = 'full_time'
            WHERE g.valid_to IS NULL ORDER BY g.code DESC LIMIT 1""")).one()


@pytest.fixture()
def case(session, worker_grid):
    """case(category, reported) → (incident, the grid worker who handles it)."""
    lon, lat, worker_id = worker_grid

    def make(category: str, when: datetime):
        filed = incidents.report(session, incidents.Report(category, lon, lat, "挂起延期测试"), OPERATOR,
                                 IncidentRules(), when)
        return incidents.load(session, filed.id), Participant(f"user:w{worker_id}", worker_id=worker_id)
    yield make
    session.rollback()


def late(session, incident, now) -> bool:
    session.flush()
    return session.execute(text(f"SELECT {lateness.late('t', ':now')} FROM incident t WHERE t.id = :i"),
                           {"i": incident.id, "now": now}).scalar()


def test_a_suspension_stops_the_clock_and_the_case_is_counted_on_time(session, case):
    t0 = at(11, 2, 9)                                           # greenery: respond 2 h, resolve 24 h
    incident, worker = case("greenery", t0)
    incidents.act(session, incident.id, "accept", worker, t0 + timedelta(hours=1))
    # asking needs the reason and words; until the dispatcher decides, nothing stops
    with pytest.raises(incidents.Invalid):
        incidents.act(session, incident.id, "ask_suspend", worker, t0 + timedelta(hours=2), note="x", reason="lunch")
    incidents.act(session, incident.id, "ask_suspend", worker, t0 + timedelta(hours=2), reason="resident",
                  note="业主出差，三天后才能入户查看")
    assert incident.suspended_since is None
    with pytest.raises(incidents.IllegalTransition):           # one request waits at a time
        incidents.act(session, incident.id, "ask_extend", worker, t0 + timedelta(hours=2), reason="parts",
                      until=(t0 + timedelta(days=5)).isoformat(), note="x")
    incidents.act(session, incident.id, "approve", OPERATOR, t0 + timedelta(hours=3))
    assert incident.suspended_since == t0 + timedelta(hours=3)
    # past its limit while it stands: the clock passes it by, and it is not late
    ticked = escalation.tick(session, t0 + timedelta(hours=40))
    assert incident.code not in ticked.overdue and incident.overdue_since is None
    assert not late(session, incident, t0 + timedelta(hours=40))
    # it resumes: its limit moves on by the 60 hours it stood
    incidents.act(session, incident.id, "resume", worker, t0 + timedelta(hours=63), note="业主已回")
    assert incident.suspended_since is None
    assert incident.due_resolve_at == t0 + timedelta(hours=24 + 60)
    incidents.act(session, incident.id, "resolve", worker, t0 + timedelta(hours=70), note="已修剪")
    assert not late(session, incident, t0 + timedelta(hours=70))
    history = [e.action for e in session.execute(text(
        "SELECT action FROM incident_event WHERE incident_id = :i ORDER BY id"), {"i": incident.id})]
    assert history[-5:] == ["accept", "ask_suspend", "suspend", "resume", "resolve"]


def test_a_case_resolved_while_suspended_does_not_count_the_time_it_stood(session, case):
    t0 = at(11, 2, 9)
    incident, worker = case("greenery", t0)
    incidents.act(session, incident.id, "accept", worker, t0 + timedelta(minutes=30))
    incidents.act(session, incident.id, "ask_suspend", worker, t0 + timedelta(hours=1), reason="weather", note="台风")
    incidents.act(session, incident.id, "approve", OPERATOR, t0 + timedelta(hours=1))
    incidents.act(session, incident.id, "resolve", worker, t0 + timedelta(hours=30), note="台风过后已处理")
    assert incident.suspended_since is None and not late(session, incident, t0 + timedelta(hours=30))


def test_a_suspension_in_working_time_moves_the_limit_by_the_working_time_it_took(session, case):
    # public_facility counts working time; Friday 6 November 2026, 16:00 to Monday 9 November, 10:00
    t0 = at(11, 6, 14)
    incident, worker = case("public_facility", t0)
    due = incident.due_resolve_at
    incidents.act(session, incident.id, "accept", worker, at(11, 6, 15))
    incidents.act(session, incident.id, "ask_suspend", worker, at(11, 6, 16), reason="parts", note="等配件")
    incidents.act(session, incident.id, "approve", OPERATOR, at(11, 6, 16))
    incidents.act(session, incident.id, "resume", worker, at(11, 9, 10), note="配件到了")
    # it stood 1.5 office hours on Friday and 1.5 on Monday: three working hours
    from app.services.city import work_calendar
    assert incident.due_resolve_at == work_calendar.calendar(session).add(due, 180)


def test_an_extension_gives_the_new_limit_and_is_counted(session, case, client, auth):
    t0 = at(11, 3, 9)
    incident, worker = case("greenery", t0)
    incidents.act(session, incident.id, "accept", worker, t0 + timedelta(minutes=20))
    for until, why in (("not a time", "until"), ((t0 + timedelta(hours=10)).isoformat(), "until")):
        with pytest.raises(incidents.Invalid) as refused:
            incidents.act(session, incident.id, "ask_extend", worker, t0 + timedelta(hours=1), reason="parts",
                          until=until, note="x")
        assert why in refused.value.errors
    # a time without an offset is the city's
    incidents.act(session, incident.id, "ask_extend", worker, t0 + timedelta(hours=1), reason="parts",
                  until="2026-11-06T18:00", note="井盖需定制，周五到货")
    allowed = [s["action"] for s in incidents.allowed_steps(incident, OPERATOR, session)]
    assert "approve" in allowed and "refuse" in allowed and "ask_extend" not in allowed
    with pytest.raises(incidents.Invalid):                      # a refusal says why
        incidents.act(session, incident.id, "refuse", OPERATOR, t0 + timedelta(hours=2))
    incidents.act(session, incident.id, "approve", OPERATOR, t0 + timedelta(hours=2))
    assert incident.due_resolve_at == at(11, 6, 18) and incident.extensions == 1
    # resolved after the first limit and within the new one: on time
    incidents.act(session, incident.id, "resolve", worker, at(11, 5, 12), note="已更换")
    assert not late(session, incident, at(11, 5, 12))
    assert "approve" not in [s["action"] for s in incidents.allowed_steps(incident, OPERATOR, session)]


def test_a_refused_request_changes_no_limit(session, case):
    t0 = at(11, 3, 9)
    incident, worker = case("greenery", t0)
    due = incident.due_resolve_at
    incidents.act(session, incident.id, "accept", worker, t0 + timedelta(minutes=20))
    incidents.act(session, incident.id, "ask_extend", worker, t0 + timedelta(hours=1), reason="other",
                  until=(t0 + timedelta(days=3)).isoformat(), note="人手不够")
    incidents.act(session, incident.id, "refuse", OPERATOR, t0 + timedelta(hours=2), note="请协调社区人手，按时办结")
    assert incident.due_resolve_at == due and incident.extensions == 0
    status = session.execute(text("SELECT status FROM incident_request WHERE incident_id = :i"),
                             {"i": incident.id}).scalar()
    assert status == "refused"


def test_the_resident_reads_that_the_case_is_paused_and_why(session, case):
    from app.messages import say
    from app.services.public import follow
    t0 = at(11, 4, 9)
    incident, worker = case("greenery", t0)
    incidents.act(session, incident.id, "accept", worker, t0 + timedelta(minutes=10))
    incidents.act(session, incident.id, "ask_suspend", worker, t0 + timedelta(hours=1), reason="weather", note="暴雨")
    incidents.act(session, incident.id, "approve", OPERATOR, t0 + timedelta(hours=1))
    session.flush()
    seen = follow.view(session, incident, t0 + timedelta(hours=30), "Asia/Shanghai")
    assert say(seen["next"].key, "zh", **seen["next"].params).startswith("暂停办理（天气原因）")
    assert [s["step"] for s in seen["steps"]][-1] == "suspended"
    assert "暴雨" not in str(seen)          # the handler's words are the city's
