"""Overdue is a fact, not a state: an incident past its limit stays overdue — on the list, the
wall's counts and the export — whatever level it moved to, until it is handled; and it is late
from the first limit it missed."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app import db
from app.config import IncidentRules
from app.services.incidents import escalation, loop as incidents
from app.services.incidents.loop import Participant, Report


@pytest.fixture(scope="module")
def late_ones(app):
    """Three cases reported five hours ago in one grid: one the clock marked and escalated, one
    accepted late between ticks (the clock never saw it), one answered in time."""
    started = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=5)
    desk = Participant("user:lateness", dispatcher=True)
    with app.app_context():
        session = db.session()
        lon, lat = session.execute(text("""
            SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid
            WHERE valid_to IS NULL ORDER BY code DESC LIMIT 1 OFFSET 5""")).one()
        made = {}
        for n, name in enumerate(("escalated", "unseen", "in_time")):
            made[name] = incidents.report(session, Report("environment", lon + 0.001 * n, lat, name), desk,
                                          IncidentRules(), started)
        incidents.act(session, made["unseen"].id, "accept", desk, started + timedelta(minutes=130))
        incidents.act(session, made["in_time"].id, "accept", desk, started + timedelta(minutes=30))
        ticked = escalation.tick(session, started + timedelta(minutes=121))
        session.commit()
        assert made["escalated"].code in ticked.escalated and made["unseen"].code not in ticked.overdue
    return {k: v.code for k, v in made.items()}, started


def listed(client, auth, **filters):
    answer = client.get("/api/v1/incidents", query_string=filters, headers=auth("operator")).get_json()
    return {f["properties"]["code"]: f["properties"] for f in answer["features"]}


def test_an_incident_escalated_for_lateness_is_still_overdue_and_late_from_its_first_limit(client, auth, late_ones):
    codes, started = late_ones
    [escalated] = listed(client, auth, code=codes["escalated"]).values()
    assert escalated["level"] == "community" and escalated["overdue"] is True
    assert escalated["overdue_since"] is None            # the clock's mark, cleared by escalating
    assert datetime.fromisoformat(escalated["overdue_from"]) == started + timedelta(hours=2)
    assert codes["escalated"] in listed(client, auth, overdue="true")


def test_a_case_answered_late_between_ticks_is_overdue_until_it_is_handled(client, auth, late_ones):
    codes, started = late_ones
    [unseen] = listed(client, auth, code=codes["unseen"]).values()
    assert unseen["overdue"] is True and unseen["ever_overdue"] is False
    assert datetime.fromisoformat(unseen["overdue_from"]) == started + timedelta(hours=2)
    [in_time] = listed(client, auth, code=codes["in_time"]).values()
    assert in_time["overdue"] is False and in_time["overdue_from"] is None
    assert codes["in_time"] not in listed(client, auth, overdue="true")


def test_the_wall_counts_and_lists_them_and_the_export_says_so(client, auth, late_ones):
    codes, _ = late_ones
    wall = client.get("/api/v1/wall", headers=auth("operator")).get_json()
    on_list = {f["properties"]["code"] for f in wall["overdue"]["items"]}
    assert {codes["escalated"], codes["unseen"]} <= on_list and codes["in_time"] not in on_list
    assert wall["today"]["total"]["overdue"] >= 2
    froms = [f["properties"]["overdue_from"] for f in wall["overdue"]["items"]]
    assert froms == sorted(froms)           # the longest overdue first
    rows = client.get("/api/v1/incidents", query_string={"format": "csv", "lang": "en", "code": ",".join(codes.values())},
                      headers=auth("operator")).get_data(as_text=True).lstrip("\ufeff").splitlines()
    overdue_column = rows[0].split(",").index("overdue")
    flags = {r.split(",")[0]: r.split(",")[overdue_column] for r in rows[1:]}
    assert flags == {codes["escalated"]: "yes", codes["unseen"]: "yes", codes["in_time"]: "no"}
