"""Importing the shipped OpenStreetMap extract."""
import osmium
import pytest
from sqlalchemy import text

from app.services.cameras.sources import camera_from_osm_tags, parse_direction
from app.services.loading.osm import is_camera, named_place
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
    counted = "SELECT (SELECT count(*) FROM building) + (SELECT count(*) FROM road) + (SELECT count(*) FROM place)"
    before = scalar(session, counted)
    # a building whose households were counted (building:flats) is estimated by the file
    # again on a re-import, and says so: the estimate and its flag are refreshed together
    flagged = scalar(session, "SELECT source_id FROM building WHERE households_estimated LIMIT 1")
    session.execute(text("UPDATE building SET households = households + 7, households_estimated = false "
                         "WHERE source_id = :id"), {"id": flagged})
    session.commit()
    result = runner.invoke(args=["import", "osm", str(HELSINKI)])
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert scalar(session, counted) == before
    assert scalar(session, "SELECT households_estimated FROM building WHERE source_id = :id", id=flagged) is True


PLACES = ("city", "town", "village", "suburb", "quarter", "neighbourhood")


def test_named_places_are_kept_with_their_chinese_and_english_names(session):
    # Helsinki's boundaries reach past the extract, so osmium cannot close them: its places are
    # points (Monaco's whole quarters: tests/planning/test_naming.py)
    places = {obj.id for obj in osmium.FileProcessor(str(HELSINKI))
              if obj.is_node() and obj.tags.get("place") in PLACES and "name" in obj.tags}
    assert scalar(session, "SELECT count(*) FROM place WHERE source_id LIKE 'osm:n%'") == len(places) > 5
    city = session.execute(text("SELECT name, name_zh, name_en, GeometryType(geom) FROM place "
                                "WHERE place = 'city'")).one()
    assert tuple(city) == ("Helsinki", "赫尔辛基", "Helsinki", "POINT")     # name:zh-Hans, not name:zh (赫爾辛基)


@pytest.mark.parametrize("tags, kept", [
    ({"boundary": "administrative", "admin_level": "10", "name": "Kamppi"},
     {"admin_level": 10, "place": None, "name": "Kamppi", "name_zh": None, "name_en": None}),
    ({"boundary": "administrative", "admin_level": "8", "place": "city", "name": "Monaco",
      "name:zh": "摩納哥", "name:zh-Hans": "摩纳哥", "name:en": "Monaco"},
     {"admin_level": 8, "place": "city", "name": "Monaco", "name_zh": "摩纳哥", "name_en": "Monaco"}),
    ({"place": "suburb", "name": "France", "name:zh": "法国/法國"},
     {"admin_level": None, "place": "suburb", "name": "France", "name_zh": "法国", "name_en": None}),
    ({"boundary": "administrative", "admin_level": "6", "name": "Uusimaa"}, None),     # a region
    ({"admin_level": "10", "name": "Fontvieille"}, None),                                # not a boundary
    ({"place": "square", "name": "Narinkkatori"}, None),
    ({"boundary": "administrative", "admin_level": "10"}, None),                         # names nothing
])
def test_a_boundary_or_place_is_kept_when_it_is_a_named_one_of_the_levels_that_name_a_town(tags, kept):
    assert named_place(tags) == kept


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
