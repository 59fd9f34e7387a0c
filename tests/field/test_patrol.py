"""Patrol coverage on a hand-made day: the worker walks the longest road of their grid, then
stands outside it for five minutes. PostGIS's figures are checked against the same geometry
measured with Shapely, and the times against the fixes' clock."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import shapely
from sqlalchemy import text

from app.config import PositionRules
from app.geo.crs import frame_for
from app.services.accounts.scope import Scope
from app.services.field import patrol

# tomorrow: within the worker's assignment (which began when the test city was made), and a day
# no other test sends fixes for (the intake refuses future ones)
DAY = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
WALK_STEP_M, EVERY_S = 10.0, 10


@pytest.fixture(scope="module")
def patrolled(app, users):
    """The t_worker's grid, its roads, the walk along its longest road, and the fixes."""
    from app import db
    with app.app_context():
        session = db.session()
        worker, code, grid_wkb = session.execute(text("""
            SELECT u.worker_id, g.code, ST_AsBinary(g.geom) FROM app_user u
            JOIN worker_assignment a ON a.worker_id = u.worker_id AND a.valid_to IS NULL
            JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
            WHERE u.username = 't_worker' ORDER BY g.code LIMIT 1""")).one()
        grid = shapely.from_wkb(grid_wkb)
        roads = [shapely.from_wkb(r) for r in session.execute(text(
            "SELECT ST_AsBinary(geom) FROM road WHERE ST_Intersects(geom, ST_GeomFromWKB(:g, 4326))"),
            {"g": grid_wkb}).scalars()]
        frame = frame_for(grid)
        grid_m = frame.to_metric(grid)
        pieces = [p for r in roads for p in getattr(shapely.intersection(frame.to_metric(r), grid_m), "geoms",
                                                    [shapely.intersection(frame.to_metric(r), grid_m)])
                  if p.geom_type == "LineString" and not p.is_empty]
        longest = max(pieces, key=lambda p: p.length)
        walk_m = [longest.interpolate(d) for d in np.arange(0, longest.length, WALK_STEP_M)]
        outside = frame.to_metric(shapely.Point(
            session.execute(text("SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) "
                                 "FROM grid WHERE valid_to IS NULL AND code <> :c ORDER BY code LIMIT 1"),
                            {"c": code}).one()))
        fixes = [(DAY + timedelta(hours=2, seconds=i * EVERY_S), frame.to_wgs84(p)) for i, p in enumerate(walk_m)]
        after = fixes[-1][0]
        fixes += [(after + timedelta(seconds=(j + 1) * EVERY_S), frame.to_wgs84(outside)) for j in range(31)]
        session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": DAY})
        session.execute(text("DELETE FROM position WHERE worker_id = :w AND fixed_at >= :d AND fixed_at < :e"),
                        {"w": worker, "d": DAY, "e": DAY + timedelta(days=1)})
        for at, point in fixes:
            session.execute(text("INSERT INTO position (worker_id, fixed_at, geom) "
                                 "VALUES (:w, :at, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"),
                            {"w": worker, "at": at, "x": point.x, "y": point.y})
        session.commit()
        buildings = [shapely.from_wkb(b) for b in session.execute(text("""
            SELECT ST_AsBinary(geom) FROM building
            WHERE ST_Intersects(ST_GeomFromWKB(:g, 4326), ST_PointOnSurface(geom))"""), {"g": grid_wkb}).scalars()]
    return {"code": code, "grid_m": grid_m, "roads_m": [frame.to_metric(r) for r in roads], "frame": frame,
            "walk": shapely.LineString(walk_m), "route": shapely.LineString([frame.to_metric(p) for _, p in fixes]),
            "buildings_m": [frame.to_metric(b) for b in buildings], "inside_fixes": len(walk_m)}


def test_patrol_coverage_of_a_grid_matches_its_geometry(app, patrolled):
    from app import db
    with app.app_context():
        [row] = patrol.coverage(db.session(), DAY, DAY + timedelta(days=1), Scope(everything=True),
                                PositionRules(), grids=[patrolled["code"]])
    roads_in_grid = shapely.intersection(shapely.union_all(patrolled["roads_m"]), patrolled["grid_m"])
    near = patrolled["route"].buffer(patrol.ROAD_REACH_M)
    expected = shapely.intersection(roads_in_grid, near).length / roads_in_grid.length
    assert row.road_m == pytest.approx(roads_in_grid.length, rel=0.01)
    assert row.road_coverage == pytest.approx(expected, abs=0.01)
    assert 0 < row.road_coverage < 1          # one road walked, not the whole grid
    passed = sum(1 for b in patrolled["buildings_m"] if b.distance(patrolled["route"]) <= patrol.BUILDING_REACH_M)
    assert (row.buildings, row.buildings_passed) == (len(patrolled["buildings_m"]), passed)
    # every walking fix counts until the next (the last one until the first outside), the
    # thirty-one outside fixes 300 s, the last fix nothing
    assert row.inside_s == pytest.approx(patrolled["inside_fixes"] * EVERY_S)
    assert row.outside_s == pytest.approx(30 * EVERY_S)
    assert row.walked_m == pytest.approx(patrolled["route"].length, rel=0.01)


def test_a_grid_nobody_walked_has_no_coverage(app, patrolled):
    from app import db
    with app.app_context():
        rows = patrol.coverage(db.session(), DAY + timedelta(days=1), DAY + timedelta(days=2), Scope(everything=True),
                               PositionRules(), grids=[patrolled["code"]])
    assert [(r.road_coverage, r.walked_m, r.buildings_passed) for r in rows] == [(0.0, 0.0, 0)]


def test_the_patrol_ranking_is_served_as_json_and_csv(client, auth, patrolled):
    period = {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()}
    answer = client.get("/api/v1/patrol", query_string={**period, "grid": patrolled["code"]}, headers=auth("operator"))
    assert answer.status_code == 200
    [row] = answer.get_json()["ranking"]
    assert row["grid"] == patrolled["code"] and 0 < row["road_coverage"] < 1 and row["rank"] == 1
    table = client.get("/api/v1/patrol", query_string={**period, "format": "csv"}, headers=auth("operator"))
    assert table.status_code == 200 and table.data.decode().startswith("rank,grid,workers,road_m")
    backwards = client.get("/api/v1/patrol", query_string={"from": period["to"], "to": period["from"]},
                           headers=auth("operator"))
    assert backwards.status_code == 400


def test_a_worker_outside_their_grid_too_long_on_duty_raises_the_alert(app, patrolled):
    from zoneinfo import ZoneInfo

    from app import db
    from app.services.field import workers_live
    zone = ZoneInfo("Asia/Shanghai")
    now = (DAY + timedelta(days=2)).astimezone(zone).replace(hour=11, minute=0)   # on duty
    frame = patrolled["frame"]
    inside = frame.to_wgs84(patrolled["walk"].interpolate(0.5, normalized=True))
    outside = frame.to_wgs84(shapely.Point(patrolled["route"].coords[-1]))
    with app.app_context():
        session = db.session()
        worker = session.execute(text("SELECT worker_id FROM app_user WHERE username = 't_worker'")).scalar_one()
        session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": now})
        for minutes_ago in range(40, -1, -1):
            where = inside if minutes_ago > 30 else outside
            session.execute(text("INSERT INTO position (worker_id, fixed_at, geom) VALUES "
                                 "(:w, :at, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) ON CONFLICT DO NOTHING"),
                            {"w": worker, "at": now - timedelta(minutes=minutes_ago), "x": where.x, "y": where.y})
        session.commit()
        day_start = now.replace(hour=0, minute=0)

        def me(rules):
            found = workers_live.live(session, Scope(everything=True), rules, now, day_start)
            return next(f["properties"] for f in found["features"] if f["id"] == worker)

        seen = me(PositionRules(out_of_grid_minutes=15))
        assert seen["inside"] is False and not seen["stale"] and seen["out_of_grid_alert"]
        assert datetime.fromisoformat(seen["outside_since"]) == now - timedelta(minutes=30)
        assert not me(PositionRules(out_of_grid_minutes=45))["out_of_grid_alert"]      # not long enough
        assert not me(PositionRules(out_of_grid_minutes=15, duty_hours=(13, 18)))["out_of_grid_alert"]  # off duty


def test_a_street_chief_who_walked_half_their_segment_covered_half_of_it(zhenxing_app):
    """On the synthetic city, a chief walks the first half of their segment's longest piece;
    the coverage is the segment's length within reach of that walk, measured by Shapely."""
    from app import db
    with zhenxing_app.app_context():
        session = db.session()
        code, chief, line_wkb = session.execute(text("""
            SELECT s.code, a.worker_id, ST_AsBinary(s.geom) FROM road_segment s
            JOIN worker_assignment a ON a.road_segment_id = s.id AND a.valid_to IS NULL
            ORDER BY s.code LIMIT 1""")).one()
        segment = shapely.from_wkb(line_wkb)
        frame = frame_for(segment)
        segment_m = frame.to_metric(segment)
        longest = max(shapely.get_parts(segment_m), key=lambda p: p.length)
        walk_m = [longest.interpolate(d) for d in np.arange(0, longest.length / 2, WALK_STEP_M)]
        session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": DAY})
        for i, p in enumerate(walk_m):
            point = frame.to_wgs84(p)
            session.execute(text("INSERT INTO position (worker_id, fixed_at, geom) VALUES "
                                 "(:w, :at, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) ON CONFLICT DO NOTHING"),
                            {"w": chief, "at": DAY + timedelta(hours=3, seconds=i * EVERY_S), "x": point.x, "y": point.y})
        session.commit()
        [row] = patrol.segment_coverage(session, DAY, DAY + timedelta(days=1), Scope(everything=True),
                                        PositionRules(), segments=[code])
        [idle] = patrol.segment_coverage(session, DAY + timedelta(days=1), DAY + timedelta(days=2),
                                         Scope(everything=True), PositionRules(), segments=[code])
    near = shapely.LineString(walk_m).buffer(patrol.ROAD_REACH_M)
    assert row.road_m == pytest.approx(segment_m.length, rel=0.01)
    assert row.road_coverage == pytest.approx(shapely.intersection(segment_m, near).length / segment_m.length, abs=0.01)
    assert 0.3 < row.road_coverage < 0.8 and len(row.chiefs) == 1
    assert idle.road_coverage == 0.0 and idle.walked_m == 0.0


def test_street_chief_coverage_is_served_as_json_and_csv(client, auth):
    """Helsinki has no street-chief segments: an empty ranking, not an error."""
    answer = client.get("/api/v1/patrol/segments", headers=auth("operator"))
    assert answer.status_code == 200 and answer.get_json()["ranking"] == []
    table = client.get("/api/v1/patrol/segments?format=csv", headers=auth("operator"))
    assert table.data.decode().startswith("rank,segment,name_zh,name_en,chiefs,road_m")
    assert client.get("/api/v1/patrol/segments?from=yesterday", headers=auth("operator")).status_code == 400


def test_the_street_chief_layer_names_each_segments_chief(zhenxing_app):
    import json

    from app import db
    from app.services.layers import features
    with zhenxing_app.app_context():
        session = db.session()
        layer = features.collection("road-segments")
        found = json.loads("[" + ",".join(features.page(
            session, layer, features.ItemsQuery(limit=1000), Scope(everything=True)).chunks) + "]")
        chiefs = dict(session.execute(text("""
            SELECT s.code, w.code FROM road_segment s JOIN worker_assignment a ON a.road_segment_id = s.id
            JOIN worker w ON w.id = a.worker_id WHERE a.valid_to IS NULL""")).all())
    assert len(found) == 84 and {f["properties"]["code"]: f["properties"]["chief"] for f in found} == chiefs
    assert all(f["properties"]["chief_name_zh"] for f in found)
