"""The rating feeds the assessment: a grid's (its worker's, community's, street's) satisfaction
is the mean of its cases' ratings — residents' own, and operators' call-backs for cases that
left no contact — with how many rated, and how many of those are residents', beside it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app.config import AssessmentRules
from app.services.accounts.scope import Scope
from app.services.incidents import assessment
from tests.public.conftest import a_phone, close, file_report, incident_id


def figures(session, unit, code):
    now = datetime.now(timezone.utc)
    rows = assessment.assess(session, unit, now - timedelta(hours=2), now + timedelta(minutes=5),
                             Scope(everything=True), AssessmentRules())
    row = next((r for r in rows if r.code == code), None)
    return (row.satisfaction, row.rated, row.rated_by_residents) if row else (None, 0, 0)


def beside(session, grid, lon, lat):
    """A point some 20 m from (lon, lat) in the same grid: both reports count for its units."""
    for east, north in ((0.0003, 0), (-0.0003, 0), (0, 0.0002), (0, -0.0002), (0.0001, 0), (-0.0001, 0)):
        if session.execute(text("""SELECT ST_Contains(geom, ST_SetSRID(ST_Point(:lon, :lat), 4326)) FROM grid
                                   WHERE code = :grid AND valid_to IS NULL"""),
                           {"lon": lon + east, "lat": lat + north, "grid": grid}).scalar():
            return lon + east, lat + north
    raise AssertionError(f"no point beside {lon}, {lat} in {grid}")


def units_of(session, code):
    return session.execute(text("""
        SELECT g.code, c.code, s.code, (SELECT w.code FROM worker w WHERE w.id = (
                   SELECT (e.data->>'assignee_id')::int FROM incident_event e
                   WHERE e.incident_id = i.id AND e.action = 'assign' ORDER BY e.id LIMIT 1))
        FROM incident i JOIN grid g ON g.id = i.grid_id JOIN area c ON c.id = i.community_id
        JOIN area s ON s.id = i.street_id WHERE i.code = :c"""), {"c": code}).one()


def test_residents_and_call_back_ratings_are_counted_per_unit(client, auth, session, places):
    code, lon, lat = places["grids"][11]
    resident = file_report(client, lon, lat, phone=a_phone(), consent="1")
    called = file_report(client, *beside(session, code, lon, lat))
    close(client, auth, session, resident["code"])
    close(client, auth, session, called["code"])
    units = dict(zip(("grid", "community", "street", "worker"), units_of(session, resident["code"])))
    assert units["worker"], "the grid has a full-time worker, who was sent the case"
    before = {unit: figures(session, unit, code) for unit, code in units.items()}
    reopened = client.post(f"/api/v1/public/follow/{resident['token']}/rating",
                           json={"satisfaction": 2, "comment": "还没修好", "not_solved": True})
    assert reopened.status_code == 200, reopened.get_json()
    ident = incident_id(session, called["code"])
    assert client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"),
                       json={"action": "rate", "satisfaction": 4, "note": "电话回访"}).status_code == 200
    session.expire_all()
    for unit, code in units.items():
        mean, rated, residents = before[unit]
        after = figures(session, unit, code)
        expected = ((mean or 0) * rated + 2 + 4) / (rated + 2)
        assert after[1:] == (rated + 2, residents + 1), unit
        assert after[0] == pytest.approx(round(expected, 2), abs=0.006), unit


def test_the_count_is_shown_beside_the_figure(client, auth, places):
    period = {"from": (datetime.now(timezone.utc) - timedelta(hours=2)).isoformat(),
              "to": (datetime.now(timezone.utc) + timedelta(minutes=5)).isoformat()}
    body = client.get("/api/v1/assessment", query_string={"unit": "grid", **period}, headers=auth("operator")).get_json()
    rated = [r for r in body["ranking"] if r["rated"]]
    assert rated and all({"satisfaction", "rated", "rated_by_residents"} <= set(r) for r in rated)
    table = client.get("/api/v1/assessment", query_string={"unit": "grid", "format": "csv", **period},
                       headers=auth("operator")).get_data(as_text=True).splitlines()
    assert ",satisfaction,rated,rated_by_residents," in table[0]
    wall = client.get("/api/v1/wall?period=today", headers=auth("operator")).get_json()
    assert all("rated" in r and "satisfaction" in r for r in wall["ranking"])
