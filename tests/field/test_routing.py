"""The fastest worker along the roads: around a block, never through it; and the ranking an
operator dispatches from."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import shapely
from sqlalchemy import text

from app.geo import network

LON0, LAT0 = 24.9, 60.2
DLON, DLAT = 1 / 55_600, 1 / 111_300      # about a metre at this latitude


def at(x_m, y_m):
    return (LON0 + x_m * DLON, LAT0 + y_m * DLAT)


def test_the_route_goes_around_the_block_not_through_it():
    # a 100 m square block with a road on each side, the roads overshooting the corners
    roads = [shapely.LineString([at(-20, 0), at(120, 0)]), shapely.LineString([at(-20, 100), at(120, 100)]),
             shapely.LineString([at(0, -20), at(0, 120)]), shapely.LineString([at(100, -20), at(100, 120)])]
    block = shapely.Polygon([at(5, 5), at(95, 5), at(95, 95), at(5, 95)])
    roads_net = network.build(roads)
    incident = shapely.Point(at(30, 0))          # on the south road
    workers = [shapely.Point(at(30, 100)),       # across the block: 100 m as the crow flies
               shapely.Point(at(100, 40))]       # on the east road: further straight, nearer by road
    first, second = network.routes(roads_net, incident, workers)
    assert first.target == 1 and first.metres == pytest.approx(70 + 40, abs=1)
    assert second.target == 0 and second.metres == pytest.approx(30 + 100 + 30, abs=1)
    assert second.straight_m == pytest.approx(100, abs=1)
    for route in (first, second):
        assert not route.line.crosses(block) and not route.line.within(block)


def test_a_worker_off_the_network_component_comes_last_without_a_route():
    roads = [shapely.LineString([at(0, 0), at(100, 0)]), shapely.LineString([at(0, 500), at(100, 500)])]
    [near, far] = network.routes(network.build(roads), shapely.Point(at(0, 0)),
                                 [shapely.Point(at(50, 500)), shapely.Point(at(80, 0))])
    assert near.target == 1 and far.line is None and far.metres == float("inf")


def test_every_road_piece_can_be_joined_a_lane_beside_a_street_and_a_turning_loop():
    street = shapely.LineString([at(0, 0), at(100, 0)])
    lane = shapely.LineString([at(0, 0), at(0, 30), at(100, 30), at(100, 0)])      # the same two ends
    loop = shapely.LineString([at(0, 0), at(-30, 0), at(-30, -20), at(0, -20), at(0, 0)])   # closed
    roads = network.build([street, lane, loop])
    kept = sum(line.length for line in roads.lines)
    assert kept == pytest.approx(100 + 160 + 100, abs=1.5)       # no piece dropped
    # two points a metre off the lane: along it, not by way of the street 30 m away
    [along] = network.routes(roads, shapely.Point(at(50, 31)), [shapely.Point(at(30, 31))])
    assert along.metres == pytest.approx(1 + 20 + 1, abs=0.5)
    # a point a metre off the loop reaches the street along the loop
    [round_] = network.routes(roads, shapely.Point(at(-31, -10)), [shapely.Point(at(50, 1))])
    assert round_.metres == pytest.approx(1 + 10 + 30 + 50 + 1, abs=0.5)


def test_an_operator_gets_the_nearest_available_workers_with_their_routes(client, auth, users, session):
    lon, lat = session.execute(text("""
        SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid
        WHERE valid_to IS NULL ORDER BY code LIMIT 1""")).one()
    now = datetime.now(timezone.utc).replace(microsecond=0)
    fixes = [{"time": (now - timedelta(seconds=20 - 10 * i)).isoformat(), "lon": lon + 0.001,
              "lat": lat + 0.0005, "accuracy": 5} for i in range(2)]
    assert client.post("/api/v1/positions", headers=auth("worker"), json={"fixes": fixes}).status_code == 200
    report = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "environment", "point": [lon, lat], "description": "routing test"}).get_json()
    answer = client.get(f"/api/v1/incidents/{report['id']}/nearest-workers", headers=auth("operator"))
    assert answer.status_code == 200
    ranked = answer.get_json()["workers"]
    mine = next(w for w in ranked if w["worker_id"] == session.execute(text(
        "SELECT worker_id FROM app_user WHERE username = 't_worker'")).scalar_one())
    assert mine["road_m"] >= mine["straight_m"] > 0 and mine["route"]["type"] == "LineString"
    assert [w["road_m"] for w in ranked] == sorted(w["road_m"] for w in ranked)
    assert client.get(f"/api/v1/incidents/{report['id']}/nearest-workers",
                      headers=auth("worker")).status_code == 403
