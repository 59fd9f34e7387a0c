"""City parts (部件): kinds after GB/T 30428.2 with the standard's code beside ours, the parts
of the shipped Helsinki extract read during `flask import osm`, parts from a CSV file with a
row-by-row report, each in the grid that holds it, the `parts` layer, and an incident that
names the part it is about."""
import math

import osmium
import pytest
from sqlalchemy import text

from app.config import DEFAULT_ROLES
from app.models import USER_ROLES
from tests.conftest import HELSINKI, scalar
from tests.web.test_pages import browser, sign_in  # noqa: F401  (the real browser, shared with the map page)

# in the extract: the OSM tags of a few kinds, counted by pyosmium here, apart from the import
TAGS = {"street_lamp": ("highway", "street_lamp"), "fire_hydrant": ("emergency", "fire_hydrant"),
        "bus_stop": ("highway", "bus_stop"), "bench": ("amenity", "bench")}


@pytest.fixture(scope="module")
def in_extract():
    class Count(osmium.SimpleHandler):
        def __init__(self):
            super().__init__()
            self.found = {kind: 0 for kind in TAGS}

        def node(self, n):
            for kind, (key, value) in TAGS.items():
                self.found[kind] += n.tags.get(key) == value
    counter = Count()
    counter.apply_file(str(HELSINKI))
    return counter.found


@pytest.fixture()
def csv_parts(session):
    yield
    session.rollback()
    session.execute(text("DELETE FROM part WHERE source_id LIKE 'test:%'"))
    session.commit()


def a_part(session, kind: str) -> dict:
    """A part of this kind inside a current grid, with its grid's code."""
    return session.execute(text("""
        SELECT p.id, ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat, g.code AS grid FROM part p
        JOIN grid g ON g.id = p.grid_id WHERE p.kind = :kind AND p.status <> 'removed'
        ORDER BY p.id LIMIT 1"""), {"kind": kind}).mappings().one()


# -- kinds and classes ------------------------------------------------------------------------

def test_kinds_keep_the_national_standards_class_beside_our_names(session):
    kinds = {r.code: r for r in session.execute(text("SELECT * FROM part_kind"))}
    assert (kinds["street_lamp"].name_zh, kinds["street_lamp"].group_code, kinds["street_lamp"].standard_code) \
        == ("路灯", "01", "0118")
    assert (kinds["water_cover"].standard_code, kinds["bench"].standard_code, kinds["bus_stop"].standard_code) \
        == ("0101", "0407", "0203")
    # finer than the standard: a hydrant is among its fire-fighting facilities
    assert (kinds["fire_hydrant"].standard_code, kinds["fire_hydrant"].standard_name) == ("0113", "消防设施")
    # a small class's code the sources did not confirm is left empty, not guessed
    assert kinds["traffic_signals"].standard_code is None
    assert all(k.standard_code is None or k.standard_code[:2] == k.group_code for k in kinds.values())


def test_incident_categories_are_mapped_to_the_standards_classes_where_one_matches(session):
    classes = {r.category_code: r for r in session.execute(text("SELECT * FROM category_standard"))}
    assert (classes["public_facility"].standard_kind, classes["public_facility"].standard_code) == ("part", "01")
    assert classes["illegal_parking"].standard_kind == "event" and "街面秩序" in classes["illegal_parking"].class_zh
    assert "neighbour_dispute" not in classes and "elderly_care" not in classes   # outside the standard


# -- from the extract -------------------------------------------------------------------------

def test_the_extracts_lamps_hydrants_and_bus_stops_are_parts(session, in_extract):
    loaded = dict(session.execute(text(
        "SELECT kind, count(*) FROM part WHERE source_id LIKE 'osm:n%' GROUP BY kind")).all())
    assert in_extract["street_lamp"] > 500 and in_extract["fire_hydrant"] > 10
    for kind in ("street_lamp", "fire_hydrant", "bus_stop"):
        assert loaded[kind] == in_extract[kind], kind
    # a bench tagged on a bus stop's node is that bus stop: one part per node
    assert 0.9 * in_extract["bench"] <= loaded["bench"] <= in_extract["bench"]
    assert loaded["water_cover"] > 0 and loaded["unknown_cover"] > 0


def test_each_part_is_in_the_grid_holding_it(session):
    wrong = scalar(session, """
        SELECT count(*) FROM part p WHERE p.grid_id IS DISTINCT FROM (
            SELECT g.id FROM grid g WHERE g.valid_to IS NULL AND ST_Intersects(g.geom, p.geom)
            ORDER BY g.id LIMIT 1)""")
    assert wrong == 0
    assert scalar(session, "SELECT count(*) FROM part WHERE grid_id IS NOT NULL") > 1000


# -- from a CSV file --------------------------------------------------------------------------

def test_a_csv_file_adds_parts_in_their_grids_and_says_why_each_refused_line_was(
        runner, session, tmp_path, a_grid_point, csv_parts):
    lon, lat = a_grid_point
    path = tmp_path / "parts.csv"
    path.write_text("lon,lat,kind,status,name,id\n"
                    f"{lon},{lat},路灯,损坏,Lamp 7,L-7\n"          # by its Chinese name, a Chinese status
                    f"{lon},{lat},rocket,,,L-8\n"
                    f"abc,{lat},bench,,,L-9\n"
                    f"{lon},{lat},0407,in_use,,L-10\n"             # by the standard's code
                    f"{lon},{lat},bench,broken,,L-11\n"
                    "10.0,50.0,bench,,,L-12\n"
                    f"{lon},{lat},bench,,,L-10\n", encoding="utf-8")
    english = {"LC_ALL": "en_US.UTF-8"}
    result = runner.invoke(args=["import", "parts", str(path), "--source", "test"], env=english)
    assert result.exit_code == 0, result.output
    assert "2 parts (2 new, 0 updated, 0 in no grid); 5 lines refused" in result.output
    for line, why in ((3, "Unknown kind rocket"), (4, f"abc, {lat} is not a longitude and latitude"),
                      (6, "Status broken is not one of"), (7, "The point 10.000000, 50.000000 is outside the city"),
                      (8, "The id L-10 already appears on line 5")):
        assert f"line {line}: {why}" in result.output
    lamp = session.execute(text("""
        SELECT p.kind, p.status, p.name, g.code AS grid FROM part p JOIN grid g ON g.id = p.grid_id
        WHERE p.source_id = 'test:L-7'""")).one()
    holder = scalar(session, """SELECT code FROM grid WHERE valid_to IS NULL
        AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) ORDER BY id LIMIT 1""", lon=lon, lat=lat)
    assert tuple(lamp) == ("street_lamp", "damaged", "Lamp 7", holder)
    assert scalar(session, "SELECT kind FROM part WHERE source_id = 'test:L-10'") == "bench"

    again = runner.invoke(args=["import", "parts", str(path), "--source", "test"], env=english)
    assert "2 parts (0 new, 2 updated" in again.output        # keyed by the file's ids: no duplicate
    assert scalar(session, "SELECT count(*) FROM part WHERE source_id LIKE 'test:%'") == 2


def test_a_csv_file_without_a_point_or_kind_column_is_refused_whole(runner, tmp_path):
    path = tmp_path / "parts.csv"
    path.write_text("x,y,type\n24.94,60.17,bench\n", encoding="utf-8")
    result = runner.invoke(args=["import", "parts", str(path)], env={"LC_ALL": "en_US.UTF-8"})
    assert "0 parts" in result.output and "line 1: The header names no lon, lat, kind column" in result.output


# -- the layer --------------------------------------------------------------------------------

def test_parts_are_a_layer_for_every_role_that_reads_layers(client, auth):
    for role in USER_ROLES:
        status = client.get("/ogcapi/collections/parts/items?limit=1", headers=auth(role)).status_code
        assert status == (200 if "layers:read" in DEFAULT_ROLES[role] else 403), role
    assert client.get("/ogcapi/collections/parts/items?limit=1").status_code == 401


def test_the_layer_gives_each_part_its_kind_its_class_and_the_standards_code(client, auth):
    body = client.get("/ogcapi/collections/parts/items?kind=street_lamp&limit=3", headers=auth("viewer")).get_json()
    assert body["numberMatched"] > 500 and len(body["features"]) == 3
    lamp = body["features"][0]["properties"]
    assert (lamp["kind"], lamp["group"], lamp["standard_code"], lamp["name_zh"], lamp["name_en"]) == \
        ("street_lamp", "01", "0118", "路灯", "Street lamp")
    assert lamp["status"] == "in_use" and lamp["grid"] and lamp["source"] == "osm"
    utilities = client.get("/ogcapi/collections/parts/items?group=04&limit=1000", headers=auth("viewer")).get_json()
    assert {f["properties"]["group"] for f in utilities["features"]} == {"04"}


def test_a_removed_part_leaves_the_map(client, auth, session):
    part = a_part(session, "fire_hydrant")
    before = client.get("/ogcapi/collections/parts/items?kind=fire_hydrant", headers=auth("viewer")).get_json()
    session.execute(text("UPDATE part SET status = 'removed' WHERE id = :id"), {"id": part["id"]})
    session.commit()
    try:
        after = client.get("/ogcapi/collections/parts/items?kind=fire_hydrant", headers=auth("viewer")).get_json()
        assert after["numberMatched"] == before["numberMatched"] - 1
        assert client.get(f"/ogcapi/collections/parts/items/{part['id']}", headers=auth("viewer")).status_code == 404
    finally:
        session.execute(text("UPDATE part SET status = 'in_use' WHERE id = :id"), {"id": part["id"]})
        session.commit()


def test_a_vector_tile_over_a_lamp_carries_it(client, auth, session):
    lamp = a_part(session, "street_lamp")
    z = 16
    x = int((lamp["lon"] + 180) / 360 * 2 ** z)
    y = int((1 - math.asinh(math.tan(math.radians(lamp["lat"]))) / math.pi) / 2 * 2 ** z)
    tile = client.get(f"/tiles/parts/{z}/{x}/{y}.mvt", headers=auth("viewer"))
    assert tile.status_code == 200 and b"parts" in tile.data and b"street_lamp" in tile.data
    assert client.get("/tiles/parts/16/100/100.mvt", headers=auth("viewer")).data == b""


# -- an incident about a part -----------------------------------------------------------------

def report(client, auth, **fields):
    return client.post("/api/v1/incidents", headers={**auth("operator"), "Accept-Language": "en"},
                       json={"category": "public_facility", "description": "路灯不亮", **fields})


def test_a_report_naming_a_part_without_a_point_is_placed_at_the_part(client, auth, session):
    lamp = a_part(session, "street_lamp")
    response = report(client, auth, part=lamp["id"])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["geometry"]["coordinates"] == pytest.approx([lamp["lon"], lamp["lat"]], abs=1e-6)
    assert body["properties"]["grid"] == lamp["grid"]
    part = body["properties"]["part"]
    assert (part["id"], part["kind"], part["standard_code"], part["zh"]) == (lamp["id"], "street_lamp", "0118", "路灯")
    shown = client.get(f"/api/v1/incidents/{body['id']}", headers=auth("operator")).get_json()
    assert shown["properties"]["part"]["id"] == lamp["id"]


def test_a_report_near_the_part_it_names_keeps_its_own_point(client, auth, session):
    lamp = a_part(session, "street_lamp")
    near = [lamp["lon"], lamp["lat"] + 20 / 111_320]           # 20 m north
    response = report(client, auth, part=lamp["id"], point=near)
    assert response.status_code == 201
    assert response.get_json()["geometry"]["coordinates"] == pytest.approx(near, abs=1e-6)


def test_a_part_that_is_far_unknown_or_not_an_id_is_refused(client, auth, session):
    lamp = a_part(session, "street_lamp")
    far = report(client, auth, part=lamp["id"], point=[lamp["lon"], lamp["lat"] + 300 / 111_320])
    assert far.status_code == 422
    assert "m from the reported point, more than 50 m" in far.get_json()["errors"]["part"]
    unknown = report(client, auth, part=2_000_000_000, point=[lamp["lon"], lamp["lat"]])
    assert unknown.status_code == 422 and "There is no city part 2000000000" in unknown.get_json()["errors"]["part"]
    for wrong in ("7", True, 1.5):
        refused = report(client, auth, part=wrong, point=[lamp["lon"], lamp["lat"]])
        assert refused.status_code == 422 and "errors" in refused.get_json() and "part" in refused.get_json()["errors"]
    # an unknown part with no point of its own: both are said, once each
    both = report(client, auth, part=2_000_000_000).get_json()["errors"]
    assert set(both) == {"part", "point"}


# -- on the city map --------------------------------------------------------------------------

@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_city_map_offers_the_parts_with_a_legend_row_per_major_class(browser, live_server, users, locale):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale=locale)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, users["viewer"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    assert page.evaluate("JSON.parse(document.getElementById('map').dataset.counts)")["parts"] > 500
    words = ("部件", "公用设施", "园林绿化") if locale == "zh-CN" else ("City parts", "Public utilities", "Parks and greenery")
    assert words[0] in page.inner_text(".leaflet-control-layers")
    groups = page.locator("#legend .legend-group")
    assert groups.count() >= 3 and all(w in page.inner_text("#legend") for w in words)
    assert errors == []
    page.close()


def test_a_part_left_without_a_grid_is_placed_again_when_the_division_moves(session):
    from app.services.register import parts
    lamp = a_part(session, "street_lamp")
    holder = scalar(session, "SELECT grid_id FROM part WHERE id = :id", id=lamp["id"])
    session.execute(text("UPDATE part SET grid_id = NULL WHERE id = :id"), {"id": lamp["id"]})
    # what filing a plan does for the grids it closes: theirs, and any part in no grid yet
    assert parts.place_in_grids(session, grid_ids=[]) >= 1
    assert scalar(session, "SELECT grid_id FROM part WHERE id = :id", id=lamp["id"]) == holder
    session.rollback()
