"""Cameras without a mapped direction, on the real Helsinki extract: each faces away from its
wall or along its road, so none of the online ones looks into a building unless it stands
inside one (and then it is listed, with why); and a bearing an operator sets stays through a
re-import of the extract."""
from __future__ import annotations

from sqlalchemy import text

from app.services.cameras import coverage as camera_coverage
from tests.conftest import HELSINKI


def test_most_mapped_cameras_have_no_direction_and_each_now_says_how_its_bearing_was_found(session):
    total, no_direction = session.execute(text(
        "SELECT count(*), count(*) FILTER (WHERE 'bearing' = ANY(estimated)) FROM camera")).one()
    assert no_direction > total / 2          # as in OpenStreetMap at large
    # every one found its bearing from the ground, or is taken for a dome
    assert session.execute(text("""
        SELECT count(*) FROM camera WHERE 'bearing' = ANY(estimated) AND 'bearing' <> ALL(set_by_operator)
          AND (bearing_from IS NULL OR bearing_from NOT IN ('wall', 'road', 'dome'))""")).scalar_one() == 0
    how = dict(session.execute(text("SELECT bearing_from, count(*) FROM camera GROUP BY 1")).all())
    assert how.get("wall", 0) > 0 and how.get("source", 0) > 0


def test_no_online_camera_with_an_estimated_bearing_sees_less_than_a_tenth_unless_inside_a_building(session):
    blind = camera_coverage.seeing_little(session, 0.10)
    estimated = set(session.execute(text(
        "SELECT id FROM camera WHERE bearing_from IN ('wall', 'road', 'dome')")).scalars())
    wrong = [b for b in blind if b.camera_id in estimated and b.why == "facing_wall"]
    assert wrong == []
    for b in blind:     # each listed one says why, and "inside" is true of it
        if b.why == "inside_building":
            assert session.execute(text("""
                SELECT EXISTS (SELECT 1 FROM building g, camera c
                               WHERE c.id = :id AND ST_Within(c.geom, g.geom))"""), {"id": b.camera_id}).scalar()


def test_an_operators_bearing_stays_through_a_re_import_and_its_coverage_follows(app, client, auth, session):
    camera_id, before = session.execute(text("""
        SELECT c.id, ST_Area(cc.geom::geography) FROM camera c JOIN camera_coverage cc ON cc.camera_id = c.id
        WHERE c.source = 'osm' AND c.bearing_from = 'wall' AND c.status = 'online' ORDER BY c.id LIMIT 1""")).one()
    turned = client.patch(f"/api/v1/cameras/{camera_id}", headers=auth("operator"), json={"bearing": 123})
    assert turned.status_code == 200, turned.get_json()
    properties = turned.get_json()["properties"]
    assert properties["bearing"] == 123 and properties["bearing_from"] == "operator"
    assert "bearing" not in properties["estimated"]
    result = app.test_cli_runner().invoke(args=["import", "osm", str(HELSINKI)])
    assert result.exit_code == 0, result.output
    session.rollback()
    bearing, how, estimated = session.execute(text(
        "SELECT bearing, bearing_from, estimated FROM camera WHERE id = :id"), {"id": camera_id}).one()
    assert (bearing, how) == (123, "operator") and "bearing" not in estimated


def test_the_coverage_command_says_how_many_cameras_see_little_and_why(app):
    result = app.test_cli_runner().invoke(args=["cameras", "coverage"])
    assert result.exit_code == 0, result.output
    assert "of their view" in result.output or "Every camera sees" in result.output


def test_a_bearing_typed_as_a_chinese_compass_point_and_cleared_back_to_the_estimate(client, auth, session):
    camera_id, estimated = session.execute(text("""
        SELECT id, bearing FROM camera WHERE source = 'osm' AND bearing_from = 'wall' AND status = 'online'
        ORDER BY id DESC LIMIT 1""")).one()
    turned = client.patch(f"/api/v1/cameras/{camera_id}", headers=auth("operator"), json={"bearing": "东北"})
    assert turned.status_code == 200, turned.get_json()
    assert (turned.get_json()["properties"]["bearing"], turned.get_json()["properties"]["bearing_from"]) == (45, "operator")
    back = client.patch(f"/api/v1/cameras/{camera_id}", headers=auth("operator"), json={"bearing": None})
    assert back.status_code == 200, back.get_json()
    properties = back.get_json()["properties"]
    assert properties["bearing_from"] == "wall" and properties["bearing"] == estimated
    assert "bearing" in properties["estimated"]
