"""Camera coverage in the database: the Helsinki extract's real cameras get what they see past
the buildings, a building put in front of one changes it (and only the cameras near it are
recomputed), and blind spots follow."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.services.cameras import coverage as camera_coverage


def test_the_helsinki_cameras_all_get_their_coverage(session):
    cameras = session.execute(text("SELECT count(*) FROM camera")).scalar_one()
    assert cameras > 0
    assert session.execute(text("SELECT count(*) FROM camera_dirty")).scalar_one() == 0
    seen, visibility, valid = session.execute(text("""
        SELECT count(*), count(*) FILTER (WHERE method = 'visibility'), bool_and(ST_IsValid(geom))
        FROM camera_coverage""")).one()
    assert seen == visibility and valid and seen >= 0.9 * cameras
    # none sees more than its plain sector, and the buildings take something from most
    larger = session.execute(text("""
        SELECT count(*) FROM camera c JOIN camera_coverage cc ON cc.camera_id = c.id
        WHERE ST_Area(cc.geom::geography) > pi() * c.range_m ^ 2 * c.fov / 360 * 1.01""")).scalar_one()
    assert larger == 0
    assert session.execute(text("SELECT count(*) FROM camera_blind_spot")).scalar_one() > 0


@pytest.fixture()
def open_camera(session):
    """A camera in the open: nothing within 10 m of it, and what it sees ahead."""
    row = session.execute(text("""
        SELECT c.id, ST_X(c.geom), ST_Y(c.geom), coalesce(c.bearing, 0), ST_Area(cc.geom::geography)
        FROM camera c JOIN camera_coverage cc ON cc.camera_id = c.id
        WHERE NOT EXISTS (SELECT 1 FROM building b WHERE ST_DWithin(b.geom::geography, c.geom::geography, 12))
          AND c.range_m >= 25 AND c.status = 'online'
        ORDER BY c.id LIMIT 1""")).one()
    return {"id": row[0], "lon": row[1], "lat": row[2], "bearing": row[3], "area": row[4]}


def test_a_building_put_in_front_of_a_camera_takes_away_what_is_behind_it(session, open_camera):
    c = open_camera
    ahead = """ST_Project(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, :d, radians(:bearing))::geometry"""
    session.execute(text(f"""
        INSERT INTO building (source_id, kind, geom)
        SELECT 'test:in-front', 'yes', ST_Multi(ST_Transform(ST_Buffer(ST_Transform({ahead}, 3067), 3, 'quad_segs=1'), 4326))"""),
        {**c, "d": 8})
    queued = session.execute(text("SELECT array_agg(camera_id) FROM camera_dirty")).scalar_one()
    session.commit()
    assert c["id"] in queued and len(queued) < 20          # only the cameras that can see it
    try:
        camera_coverage.refresh(session)
        behind_seen, area = session.execute(text(f"""
            SELECT ST_Intersects(cc.geom, {ahead.replace(':d', '20')}), ST_Area(cc.geom::geography)
            FROM camera_coverage cc WHERE cc.camera_id = :id"""), {**c}).one()
        assert not behind_seen and area < c["area"] * 0.95
    finally:
        session.execute(text("DELETE FROM building WHERE source_id = 'test:in-front'"))
        session.commit()
        camera_coverage.refresh(session)
    restored = session.execute(text("SELECT ST_Area(geom::geography) FROM camera_coverage WHERE camera_id = :id"),
                               {"id": c["id"]}).scalar_one()
    assert restored == pytest.approx(c["area"], rel=1e-6)


def test_a_camera_going_offline_leaves_a_blind_spot_on_its_road(session, open_camera):
    c = open_camera
    blind = "SELECT coalesce(sum(length_m), 0) FROM camera_blind_spot WHERE ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 15)"
    before = session.execute(text(blind), c).scalar_one()
    session.execute(text("UPDATE camera SET status = 'offline' WHERE id = :id"), c)
    session.commit()
    try:
        camera_coverage.refresh(session)
        assert session.execute(text(blind), c).scalar_one() >= before
    finally:
        session.execute(text("UPDATE camera SET status = 'online' WHERE id = :id"), c)
        session.commit()
        camera_coverage.refresh(session)
    assert session.execute(text(blind), c).scalar_one() == pytest.approx(before)


@pytest.fixture(scope="module")
def grid_point(app):
    from app import db
    with app.app_context():
        return tuple(db.session().execute(text("""
            SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)) FROM grid g
            WHERE g.valid_to IS NULL ORDER BY g.code LIMIT 1""")).one())


def test_an_operator_adds_turns_and_removes_a_camera_and_sees_what_it_covers(client, auth, session, grid_point):
    _, lon, lat = grid_point
    headers = {**auth("operator"), "Idempotency-Key": "camera-add-1"}
    made = client.post("/api/v1/cameras", headers=headers, json={"lon": lon, "lat": lat, "kind": "fixed", "bearing": 0})
    assert made.status_code == 201, made.get_json()
    again = client.post("/api/v1/cameras", headers=headers, json={"lon": lon, "lat": lat, "kind": "fixed", "bearing": 0})
    assert again.get_json()["id"] == made.get_json()["id"]          # a retry adds nothing
    camera = made.get_json()
    assert camera["properties"]["seen_m2"] > 0 and camera["properties"]["coverage"]["type"] == "MultiPolygon"
    assert set(camera["properties"]["estimated"]) == {"fov", "height_m", "range_m"}
    turned = client.patch(f"/api/v1/cameras/{camera['id']}", headers=auth("operator"), json={"bearing": "SW"})
    assert turned.status_code == 200 and turned.get_json()["properties"]["bearing"] == 225
    assert turned.get_json()["properties"]["coverage"] != camera["properties"]["coverage"]
    assert client.delete(f"/api/v1/cameras/{camera['id']}", headers=auth("operator")).status_code == 204
    assert client.get(f"/api/v1/cameras/{camera['id']}", headers=auth("operator")).status_code == 404
    assert session.execute(text("SELECT count(*) FROM camera_coverage WHERE camera_id = :id"),
                           {"id": camera["id"]}).scalar_one() == 0


@pytest.mark.parametrize("body, field", [
    ({"lat": 60.17}, "lon"),
    ({"lon": 0.0, "lat": 0.0}, "point"),
    ({"lon": 24.95, "lat": 60.17, "fov": 400}, "fov"),
    ({"lon": 24.95, "lat": 60.17, "bearing": "up"}, "bearing"),
    ({"lon": 24.95, "lat": 60.17, "kind": "bullet"}, "kind"),
])
def test_a_camera_that_cannot_be_is_refused_with_the_field_named(client, auth, session, body, field):
    before = session.execute(text("SELECT count(*) FROM camera")).scalar_one()
    answer = client.post("/api/v1/cameras", headers=auth("operator"), json=body)
    assert answer.status_code == 422 and field in answer.get_json()["errors"]
    assert session.execute(text("SELECT count(*) FROM camera")).scalar_one() == before


def test_coverage_per_area_blind_spots_and_suggestions_over_http(client, auth, grid_point):
    code = grid_point[0]
    streets = client.get("/api/v1/cameras/coverage?level=street", headers=auth("operator")).get_json()["areas"]
    assert streets and all(0 <= s["road_coverage"] <= 1 and 0 <= s["public_coverage"] <= 1 for s in streets)
    assert sum(s["cameras"] for s in streets) > 0
    table = client.get("/api/v1/cameras/coverage?format=csv", headers=auth("operator")).data.decode()
    assert table.startswith("level,code,name_zh,name_en,area_m2")
    assert client.get("/api/v1/cameras/coverage?level=planet", headers=auth("operator")).status_code == 400
    spots = client.get("/api/v1/cameras/blind-spots?limit=20", headers=auth("operator")).get_json()["features"]
    lengths = [s["properties"]["length_m"] for s in spots]
    assert len(spots) == 20 and lengths == sorted(lengths, reverse=True)
    found = client.get(f"/api/v1/cameras/suggestions?area={code}&k=3", headers=auth("operator")).get_json()
    gains = [f["properties"]["gain_m"] for f in found["features"] if f["properties"]["kind"] == "camera"]
    assert 1 <= len(gains) <= 3 and gains == sorted(gains, reverse=True) and sum(gains) <= found["properties"]["blind_m"]
    assert client.get("/api/v1/cameras/suggestions?area=nowhere", headers=auth("operator")).status_code == 404


def test_only_a_building_whose_footprint_moved_queues_the_cameras_that_see_it(session, open_camera):
    c = open_camera
    near = session.execute(text("""
        SELECT b.id FROM building b, camera cam WHERE cam.id = :id
        ORDER BY b.geom <-> cam.geom LIMIT 1"""), c).scalar_one()
    session.execute(text("UPDATE building SET households = households WHERE id = :b"), {"b": near})
    session.execute(text("UPDATE building SET geom = geom WHERE id = :b"), {"b": near})
    assert session.execute(text("SELECT count(*) FROM camera_dirty")).scalar_one() == 0
    session.execute(text("UPDATE building SET geom = ST_Translate(geom, 0.00001, 0) WHERE id = :b"), {"b": near})
    queued = session.execute(text("SELECT array_agg(camera_id) FROM camera_dirty")).scalar_one()
    session.rollback()
    assert queued and len(queued) < 20


def test_cameras_import_from_csv_with_defaults_flagged_and_bad_lines_named(runner, session, grid_point, tmp_path):
    _, lon, lat = grid_point
    path = tmp_path / "cameras.csv"
    path.write_text("id,lon,lat,kind,bearing,height_m,name\n"
                    f"C-1,{lon},{lat},fixed,NE,6,Gate\n"
                    f"C-2,{lon + 0.0003},{lat},dome,,,\n"
                    f"C-3,{lon},{lat},bullet,,,\n"
                    "C-4,0,0,fixed,90,,\n", encoding="utf-8")
    for _ in range(2):                                         # a second import updates, never duplicates
        result = runner.invoke(args=["import", "cameras", str(path), "--source", "test-csv"])
        assert result.exit_code == 0, result.output
        assert "2 cameras; 1 outside the city left out; 1 lines refused" in result.output
        assert "line 4: kind" in result.output
    rows = session.execute(text("""
        SELECT c.source_id, c.bearing, c.fov, c.range_m, c.estimated, cc.camera_id IS NOT NULL
        FROM camera c LEFT JOIN camera_coverage cc ON cc.camera_id = c.id
        WHERE c.source = 'test-csv' ORDER BY c.source_id""")).all()
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [("C-1", 45.0, 60.0, 60.0), ("C-2", None, 360.0, 40.0)]
    assert set(rows[0][4]) == {"fov", "range_m"} and set(rows[1][4]) == {"height_m", "range_m"}
    # their coverage was computed by the import (one may stand in a building, seeing nothing)
    assert any(r[5] for r in rows) and session.execute(text("SELECT count(*) FROM camera_dirty")).scalar_one() == 0
    session.execute(text("DELETE FROM camera WHERE source = 'test-csv'"))
    session.commit()


def test_every_real_camera_is_cast_as_exactly_at_two_degrees_as_at_a_twentieth(session):
    """The polygon is exact at corners and where walls leave the range, so the arc step only
    draws the arc: on the real extract every camera's 2-degree cast agrees with a fine one."""
    import numpy as np
    import shapely

    from app.geo import visibility
    from app.geo.crs import MetricFrame, utm_epsg
    cameras = session.execute(text("""
        SELECT ST_X(c.geom), ST_Y(c.geom), c.bearing, c.fov, c.range_m,
               (SELECT array_agg(ST_AsBinary(b.geom)) FROM building b
                 WHERE b.geom && ST_Expand(c.geom, c.range_m / (111320 * cos(radians(ST_Y(c.geom)))), c.range_m / 110540))
        FROM camera c ORDER BY c.id""")).all()
    lon, lat = np.array([c[0] for c in cameras]), np.array([c[1] for c in cameras])
    frame = MetricFrame(utm_epsg(float(lon.mean()), float(lat.mean())))
    points = shapely.get_coordinates(frame.to_metric(shapely.points(lon, lat)))
    worst = 1.0
    for (_, _, bearing, fov, range_m, footprints), (x, y) in zip(cameras, points):
        buildings = list(frame.to_metric(shapely.from_wkb(np.array(footprints or [], dtype=object))))
        coarse = visibility.visible(x, y, bearing, fov, range_m, buildings)
        fine = visibility.visible(x, y, bearing, fov, range_m, buildings, arc_step_deg=0.05)
        union = shapely.union(coarse, fine).area
        if union > 1:
            worst = min(worst, shapely.intersection(coarse, fine).area / union)
    assert worst > 0.99
