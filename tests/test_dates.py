"""Dates and times a request carries (app/dates.py): one reader for every one of them. A moment
at the edge of the calendar — a valid ISO 8601 text that overflows once moved to UTC or
stepped by a day — gets a 400 naming its parameter, never a 500; a phone's fix with such a
time is counted malformed."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from app import dates
from app.messages import say

pytestmark = pytest.mark.usefixtures("users")

EDGES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01", "9999-12-31"]


@pytest.fixture(scope="module")
def worker_code(app):
    from app import db
    with app.app_context():
        return db.session().execute(text(
            "SELECT w.code FROM worker w JOIN app_user u ON u.worker_id = w.id WHERE u.username = 't_worker'")).scalar_one()


@pytest.mark.parametrize("edge", EDGES)
@pytest.mark.parametrize("role, url, parameter", [
    ("operator", "/api/v1/incidents?since={}", "since"),
    ("operator", "/api/v1/incidents?until={}", "until"),
    ("operator", "/api/v1/incidents?since={}&format=csv", "since"),
    ("admin", "/api/v1/audit?since={}", "since"),
    ("admin", "/api/v1/audit?until={}", "until"),
    ("operator", "/api/v1/assessment?from={}", "from"),
    ("operator", "/api/v1/assessment?to={}", "to"),
    ("operator", "/api/v1/patrol?from={}", "from"),
    ("operator", "/api/v1/patrol/segments?to={}", "to"),
])
def test_a_moment_at_the_edge_of_the_calendar_is_a_400_naming_its_parameter(client, auth, role, url, parameter, edge):
    response = client.get(url.format(edge.replace("+", "%2B")), headers={**auth(role), "Accept-Language": "en"})
    assert response.status_code == 400
    assert response.get_json()["description"].startswith(f"{parameter} is not a usable date and time: {edge}")


@pytest.mark.parametrize("edge", EDGES)
def test_the_layers_datetime_at_the_edge_is_a_400(client, auth, edge):
    response = client.get(f"/ogcapi/collections/incidents/items?datetime={edge.replace('+', '%2B')}",
                          headers=auth("operator"))
    assert response.status_code == 400 and "datetime" in response.get_json()["description"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_route_of_a_day_at_the_edge_of_the_calendar_is_a_400(client, auth, worker_code, day):
    response = client.get(f"/api/v1/workers/{worker_code}/track?date={day}", headers=auth("operator"))
    assert response.status_code == 400
    assert response.get_json() == {"code": "InvalidParameterValue", "parameter": "date",
                                   "description": say("input.date", "zh", field="date", value=day)}


def test_a_fix_at_the_edge_of_the_calendar_is_malformed(client, auth, a_grid_point):
    lon, lat = a_grid_point
    now = datetime.now(timezone.utc).isoformat()
    response = client.post("/api/v1/positions", headers=auth("worker"), json={"fixes": [
        {"time": "0001-01-01T00:00:00+14:00", "lon": lon, "lat": lat, "accuracy": 5},
        {"time": "9999-12-31T23:59:59-14:00", "lon": lon, "lat": lat, "accuracy": 5},
        {"time": now, "lon": lon, "lat": lat, "accuracy": 5}]})
    assert response.status_code == 200, response.get_json()
    counts = response.get_json()
    assert counts["received"] == 3 and counts["rejected"]["malformed"] == 2


def test_a_gpx_point_at_the_edge_of_the_calendar_is_left_out_like_one_without_a_time(client, auth, a_grid_point):
    lon, lat = a_grid_point
    now = datetime.now(timezone.utc).isoformat()
    gpx = f"""<?xml version="1.0"?><gpx version="1.1" creator="t" xmlns="http://www.topografix.com/GPX/1/1">
      <trk><trkseg>
        <trkpt lat="{lat}" lon="{lon}"><time>0001-01-01T00:00:00+14:00</time></trkpt>
        <trkpt lat="{lat}" lon="{lon}"><time>9999-12-31T23:59:59-14:00</time></trkpt>
        <trkpt lat="{lat}" lon="{lon}"><time>{now}</time></trkpt>
      </trkseg></trk></gpx>"""
    response = client.post("/api/v1/positions/gpx", headers={**auth("worker"), "Content-Type": "application/gpx+xml"},
                           data=gpx.encode())
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["received"] == 1


def test_the_reader_keeps_the_offset_it_was_given_and_reads_a_bare_time_in_the_zone_asked():
    assert dates.moment("2026-11-24T08:00:00+08:00", None).isoformat() == "2026-11-24T08:00:00+08:00"
    assert dates.moment("2026-11-24T08:00:00Z", None).utcoffset().total_seconds() == 0
    assert dates.moment("2026-11-24T08:00", timezone.utc).tzinfo is timezone.utc
    with pytest.raises(dates.Unusable, match="time zone"):
        dates.moment("2026-11-24T08:00", None)
