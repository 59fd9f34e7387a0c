"""Coverage statistics on a hand-checkable fixture: a 200 m square grid with a road through its
middle, one building, a dome camera on the road seeing 30 m around it and an offline camera.
Every figure below can be worked out with a pencil."""
from __future__ import annotations

import math

import pytest
import shapely
import shapely.affinity
from shapely.geometry import box
from sqlalchemy import text

from app import create_app, db
from app.geo.crs import MetricFrame
from app.services.accounts.scope import Scope
from app.services.cameras import coverage as camera_coverage, stats as camera_stats
from tests.conftest import TEST_SETTINGS

FRAME = MetricFrame(32635)          # UTM 35N; the square lies near Helsinki
X0, Y0 = 385_000, 6_670_000


def at(x, y):
    return FRAME.to_wgs84(shapely.Point(X0 + x, Y0 + y))


def wkt(geom_m):
    return shapely.to_wkt(FRAME.to_wgs84(shapely.affinity.translate(geom_m, X0, Y0)), rounding_precision=9)


@pytest.fixture(scope="module")
def square(make_database):
    url = make_database("cameras")
    db.upgrade(url)
    app = create_app({"DATABASE_URL": url, **TEST_SETTINGS})
    with app.app_context():
        session = db.session()
        square_wkt = wkt(box(0, 0, 200, 200))
        for code, level, parent in (("SQ", "city", None), ("SQ-1", "street", "SQ"), ("SQ-1-1", "community", "SQ-1")):
            session.execute(text("""
                INSERT INTO area (code, level, name_zh, name_en, parent_id, geom)
                VALUES (:code, :level, :code, :code, (SELECT id FROM area WHERE code = :parent),
                        ST_Multi(ST_GeomFromText(:g, 4326)))"""), {"code": code, "level": level, "parent": parent, "g": square_wkt})
        session.execute(text("""
            INSERT INTO grid (code, name_zh, name_en, community_id, geom)
            VALUES ('SQ-1-1-1', '方格', 'Square', (SELECT id FROM area WHERE code = 'SQ-1-1'),
                    ST_Multi(ST_GeomFromText(:g, 4326)))"""), {"g": square_wkt})
        session.execute(text("INSERT INTO road (source_id, class, geom) VALUES ('t:road', 'residential', ST_GeomFromText(:g, 4326))"),
                        {"g": wkt(shapely.LineString([(0, 100), (200, 100)]))})
        session.execute(text("INSERT INTO building (source_id, kind, geom) VALUES ('t:b', 'yes', ST_Multi(ST_GeomFromText(:g, 4326)))"),
                        {"g": wkt(box(150, 20, 170, 40))})
        for name, (x, y), status in (("on the road", (100, 100), "online"), ("in the corner", (20, 180), "offline")):
            point = at(x, y)
            session.execute(text("""
                INSERT INTO camera (source, source_id, name, kind, fov, range_m, height_m, status, geom)
                VALUES ('manual', :name, :name, 'dome', 360, 30, 4, :status, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"""),
                {"name": name, "status": status, "x": point.x, "y": point.y})
        session.commit()
        camera_coverage.refresh(session, every_road=True)
        yield session
        session.close()


def test_the_share_of_public_area_and_road_seen_and_the_offline_camera(square):
    [row] = camera_stats.coverage_by_area(square, "grid", Scope(everything=True))
    disc = math.pi * 30 ** 2
    assert row.area_m2 == pytest.approx(200 * 200, rel=5e-3)
    assert row.public_m2 == pytest.approx(200 * 200 - 20 * 20, rel=5e-3)
    assert row.seen_public_m2 == pytest.approx(disc, rel=5e-3)          # the offline camera's view not counted
    assert row.public_coverage == pytest.approx(disc / 39_600, rel=5e-3)
    assert (row.road_m, row.seen_road_m) == (pytest.approx(200, rel=5e-3), pytest.approx(60, rel=5e-3))
    assert row.road_coverage == pytest.approx(0.3, abs=2e-3)
    assert (row.cameras, row.offline) == (2, 1)
    [street] = camera_stats.coverage_by_area(square, "street", Scope(everything=True))
    assert street.road_coverage == row.road_coverage


def test_blind_spots_are_the_road_either_side_of_the_view_longest_first(square):
    spots = camera_stats.blind_spots(square, Scope(everything=True), "SQ-1-1-1")["features"]
    assert [round(f["properties"]["length_m"]) for f in spots] == [70, 70]
    assert camera_stats.blind_spots(square, Scope(everything=True), None, limit=1)["features"][0]["properties"]["length_m"] == \
        pytest.approx(70, rel=5e-3)


def test_placement_on_the_square_points_along_the_unwatched_road(square):
    from app.services.cameras import placement as camera_placement
    found = camera_placement.suggest(square, "SQ-1-1-1", 2, Scope(everything=True), fov=90, range_m=40)
    cameras = [f for f in found["features"] if f["properties"]["kind"] == "camera"]
    assert len(cameras) == 2 and found["properties"]["blind_m"] == pytest.approx(140, rel=5e-3)
    assert all(c["properties"]["gain_m"] > 30 for c in cameras)
    assert found["properties"]["gain_m"] <= 140
