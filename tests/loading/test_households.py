"""Households per building from its kind (README, "Households"): a house is one home however
big its footprint, a terrace a row of them, a block of flats counted by its floor space, and a
building's own `building:flats` count wins over any estimate."""
from __future__ import annotations

import math

import pytest
from sqlalchemy import text

from app import db
from app.config import HouseholdRule
from app.geo.households import estimate_households, parse_flats
from tests.conftest import city_app

RULE = HouseholdRule()
M_PER_DEG = 111_320.0


@pytest.mark.parametrize("kind, footprint, levels, flats, households", [
    ("house", 174.0, None, None, 1),             # by floor space: 174 × 5 × 0.8 / 80 = 8.7
    ("detached", 174.0, None, None, 1),
    ("detached", 260.0, 2.0, None, 1),
    ("bungalow", 140.0, None, None, 1),
    ("semidetached_house", 90.0, 2.0, None, 1),  # each half is mapped as a building of its own
    ("terrace", 300.0, None, None, 6),           # six houses of 50 m²
    ("terrace", 30.0, None, None, 1),            # a row has at least one house
    ("terrace", 300.0, 2.0, 8, 8),               # building:flats counts them
    ("apartments", 400.0, None, None, 20),       # 400 × 5 × 0.8 / 80, as before
    ("apartments", 400.0, 8.0, None, 32),
    ("apartments", 400.0, None, 12, 12),         # building:flats wins for any kind
    ("dormitory", 400.0, 3.0, None, 12),
    ("yes", 400.0, 5.0, None, 12),               # an untyped block in a city centre: 0.6 of it homes
    ("detached", 174.0, None, 2, 2),
    ("office", 400.0, 5.0, None, 0),
    ("church", 400.0, None, None, 0),
])
def test_households_follow_the_kind_of_building(kind, footprint, levels, flats, households):
    assert estimate_households(footprint, kind, levels, RULE, flats) == households


@pytest.mark.parametrize("value, flats", [
    ("12", 12), ("12;14", 14), ("~10", 10), (" 3 ", 3), ("0", 0), ("yes", None), ("12-14", None),
    ("", None), (None, None),
])
def test_building_flats_is_read_as_a_count_or_not_at_all(value, flats):
    assert parse_flats(value) == flats


def house(node_id: int, way_id: int, lon: float, lat: float, width_m: float, depth_m: float,
          tags: dict) -> tuple[list[str], str]:
    """A rectangular building as OSM XML: four nodes and a closed way."""
    dx, dy = width_m / (M_PER_DEG * math.cos(math.radians(lat))), depth_m / M_PER_DEG
    corners = [(lon, lat), (lon + dx, lat), (lon + dx, lat + dy), (lon, lat + dy)]
    nodes = [f'<node id="{node_id + i}" version="1" lat="{y:.7f}" lon="{x:.7f}"/>'
             for i, (x, y) in enumerate(corners)]
    refs = "".join(f'<nd ref="{node_id + i}"/>' for i in (0, 1, 2, 3, 0))
    tagged = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
    return nodes, f'<way id="{way_id}" version="1">{refs}{tagged}</way>'


@pytest.fixture(scope="module")
def suburb(make_database, tmp_path_factory):
    """A suburb of Espoo as OpenStreetMap maps one: 40 detached houses of 12 × 14.5 m (174 m²,
    no levels tagged), a terrace of six, and a block of flats that says how many it holds."""
    nodes, ways = [], []
    for n in range(40):
        row, column = divmod(n, 8)
        built = house(1000 + 4 * n, 100 + n, 24.70 + column * 0.0006, 60.20 + row * 0.0004, 12, 14.5,
                      {"building": "detached", "addr:street": "Koivukuja", "addr:housenumber": n + 1})
        nodes += built[0]
        ways.append(built[1])
    for node_id, way_id, lat, tags, width in (
            (2000, 300, 60.199, {"building": "terrace"}, 30.0),
            (2100, 301, 60.198, {"building": "apartments", "building:levels": "4", "building:flats": "36"}, 40.0)):
        built = house(node_id, way_id, 24.70, lat, width, 10.0, tags)
        nodes += built[0]
        ways.append(built[1])
    path = tmp_path_factory.mktemp("suburb") / "suburb.osm"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n'
                    + "\n".join(nodes + ways) + "\n</osm>\n", encoding="utf-8")
    url = make_database("suburb")
    db.upgrade(url)
    app = city_app(url, ["import", "osm", str(path)])
    with app.app_context():
        yield db.session()


def test_a_town_of_detached_houses_has_one_household_per_house(suburb):
    houses = suburb.execute(text("""
        SELECT count(*), sum(households), min(ST_Area(geom::geography)), bool_and(households_estimated)
        FROM building WHERE kind = 'detached'""")).one()
    assert houses[0] == 40 and houses[2] > 170           # 174 m² each, not a small house
    assert houses[1] / houses[0] == 1.0 and houses[3]     # not 8.7


def test_a_terrace_is_a_row_of_houses_and_a_tagged_count_is_taken_as_given(suburb):
    rows = dict(suburb.execute(text("SELECT kind, households FROM building WHERE kind <> 'detached'")).all())
    assert rows == {"terrace": 6, "apartments": 36}
    assert suburb.execute(text(
        "SELECT households_estimated FROM building WHERE kind = 'apartments'")).scalar_one() is False
