"""Importing the shipped OpenStreetMap extract."""
import osmium
import pytest
from sqlalchemy import text

from app.services.cameras.sources import camera_from_osm_tags, parse_direction
from app.services.loading.osm import is_camera
from tests.conftest import HELSINKI, scalar


def count_in_file():
    """What the file holds, counted straight from the OSM objects (not through our reader)."""
    counts = {"buildings": 0, "roads": 0, "cameras": 0}
    for obj in osmium.FileProcessor(str(HELSINKI)).with_locations().with_areas():
        if obj.is_area() and "building" in obj.tags:
            counts["buildings"] += 1
        elif obj.is_way() and "highway" in obj.tags:
            # A road cut by the extract's edge is kept for the part inside it: two points suffice.
            points = {(n.location.x, n.location.y) for n in obj.nodes if n.location.valid()}
            if len(points) >= 2:
                counts["roads"] += 1
        elif obj.is_node() and is_camera(obj.tags):
            counts["cameras"] += 1
    return counts


def test_every_building_road_and_camera_of_the_extract_is_imported(session):
    expected = count_in_file()
    assert expected["buildings"] > 400 and expected["cameras"] > 200
    assert scalar(session, "SELECT count(*) FROM building WHERE source_id LIKE 'osm:%'") == expected["buildings"]
    assert scalar(session, "SELECT count(*) FROM road WHERE source_id LIKE 'osm:%'") == expected["roads"]
    assert scalar(session, "SELECT count(*) FROM camera WHERE source = 'osm'") == expected["cameras"]


def test_railways_rivers_shores_and_compounds_are_kept_as_ground_lines(session):
    """Lines a grid boundary may follow besides roads; a tunnel is not one (nobody sees it)."""
    railways = sum(1 for obj in osmium.FileProcessor(str(HELSINKI)).with_locations()
                   if obj.is_way() and obj.tags.get("railway") in ("rail", "light_rail", "narrow_gauge")
                   and obj.tags.get("tunnel", "no") == "no" and not obj.tags.get("layer", "0").startswith("-")
                   and len({(n.location.x, n.location.y) for n in obj.nodes if n.location.valid()}) >= 2)
    kinds = dict(session.execute(text("SELECT kind, count(*) FROM ground_line GROUP BY kind")).all())
    assert railways > 100 and kinds["railway"] == railways
    assert kinds["compound"] > 0 and kinds["water"] > 0
    assert scalar(session, "SELECT count(*) FROM ground_line g JOIN road r ON r.source_id = g.source_id") == 0


def test_multipolygon_buildings_are_imported_from_relations(session):
    assert scalar(session, "SELECT count(*) FROM building WHERE source_id LIKE 'osm:r%'") > 50


def test_reimporting_updates_instead_of_duplicating(runner, session):
    before = scalar(session, "SELECT count(*) FROM building") + scalar(session, "SELECT count(*) FROM road")
    result = runner.invoke(args=["import", "osm", str(HELSINKI)])
    assert result.exit_code == 0, result.output
    session.expire_all()
    after = scalar(session, "SELECT count(*) FROM building") + scalar(session, "SELECT count(*) FROM road")
    assert after == before


def test_households_are_estimated_for_residential_buildings_only(session):
    rows = session.execute(text("""
        SELECT kind, sum(households) FROM building GROUP BY kind""")).all()
    by_kind = dict(rows)
    assert by_kind["apartments"] > 0
    assert by_kind.get("church", 0) == 0 and by_kind.get("office", 0) == 0
    total = sum(by_kind.values())
    assert 5_000 < total < 30_000  # central Helsinki: a few thousand homes per km²


@pytest.mark.parametrize("value, degrees", [
    ("90", 90.0), ("270.5", 270.5), ("-90", 270.0), ("N", 0.0), ("NE", 45.0), ("SSW", 202.5),
    ("north-east", 45.0), ("west", 270.0), ("sideways", None), (None, None),
])
def test_camera_directions_are_read_as_numbers_or_compass_points(value, degrees):
    assert parse_direction(value) == degrees


def test_camera_defaults_are_documented_and_flagged_as_estimated():
    dome = camera_from_osm_tags({"man_made": "surveillance", "camera:type": "dome", "height": "8"})
    assert dome["kind"] == "dome" and dome["fov"] == 360 and dome["bearing"] is None
    assert dome["height_m"] == 8 and dome["range_m"] == 80 and dome["estimated"] == ["range_m"]

    fixed = camera_from_osm_tags({"man_made": "surveillance", "camera:type": "fixed",
                                  "camera:direction": "SE"})
    assert fixed["bearing"] == 135 and fixed["fov"] == 60
    assert set(fixed["estimated"]) == {"fov", "height_m", "range_m"}

    untagged = camera_from_osm_tags({"man_made": "surveillance"})
    assert untagged["kind"] == "fixed" and "bearing" in untagged["estimated"]
