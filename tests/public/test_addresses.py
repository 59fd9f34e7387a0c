"""Where a resident says the problem is (services/public/addresses.py, /api/v1/public/addresses):
a community or a street found by its name in Chinese or English, after a building whose address
is exactly the words; a tapped point told as inside or outside the city, by the same rule as a
report there; the city's outline as a public tile; the broken link's page in the chosen language."""
from __future__ import annotations

from sqlalchemy import text

from app.services.incidents import responsibility
from tests.public.conftest import file_report

OUTSIDE = (116.397, 39.909)         # Tiananmen: far from the city the tests load


def search(client, words, **headers):
    response = client.get("/api/v1/public/addresses", query_string={"q": words}, headers=headers)
    assert response.status_code == 200
    return response.get_json()["places"]


def a_community(session):
    return session.execute(text("""
        SELECT a.name_zh, a.name_en, ST_XMin(a.geom::box2d), ST_YMin(a.geom::box2d), ST_XMax(a.geom::box2d),
               ST_YMax(a.geom::box2d), s.name_zh
        FROM area a JOIN area s ON s.id = a.parent_id WHERE a.level = 'community' ORDER BY a.code LIMIT 1""")).one()


def test_a_community_is_found_by_its_chinese_or_english_name_with_a_point_inside_it(client, session):
    name_zh, name_en, west, south, east, north, street = a_community(session)
    for words in (name_zh, name_zh[:2], name_en.lower().replace(" ", "")):
        found = [p for p in search(client, words) if p["kind"] == "community"]
        assert [p["name"] for p in found][:1] == [{"zh": name_zh, "en": name_en}], words
    [community] = [p for p in search(client, name_zh) if p["kind"] == "community"]
    assert set(community) == {"kind", "name", "within", "point", "bounds"}
    assert community["within"]["zh"] == street
    assert community["bounds"] == [round(v, 6) for v in (west, south, east, north)]
    lon, lat = community["point"]
    inside = session.execute(text("""
        SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)) FROM area WHERE name_zh = :name"""),
        {"lon": lon, "lat": lat, "name": name_zh}).scalar_one()
    assert inside


def test_a_street_is_found_and_an_exact_building_comes_before_the_areas(client, session, places):
    street = session.execute(text("SELECT name_zh FROM area WHERE level = 'street' ORDER BY code LIMIT 1")).scalar_one()
    assert "street" in [p["kind"] for p in search(client, street)]
    address = places["building"][0]
    found = search(client, address)
    assert found[0]["kind"] == "building" and found[0]["address"] == address
    # words no area holds find only buildings, as before
    assert {p["kind"] for p in search(client, address[:5])} == {"building"}


def test_a_tapped_point_says_whether_the_city_serves_it(client, session, places):
    _, lon, lat = places["grids"][0]
    inside = client.get(f"/api/v1/public/addresses/nearest?lon={lon}&lat={lat}").get_json()
    assert inside["in_city"] is True
    outside = client.get("/api/v1/public/addresses/nearest?lon=%s&lat=%s" % OUTSIDE).get_json()
    assert outside == {"in_city": False}
    # the same rule a report there is judged by: the report outside is refused
    assert responsibility.locate(session, *OUTSIDE).in_city is False
    refused = file_report(client, *OUTSIDE, expect=422)
    assert set(refused["errors"]) & {"lon", "lat", "point"}


def test_the_citys_outline_is_a_public_tile(client, session):
    west, south, east, north = session.execute(text(
        "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom) e FROM area WHERE parent_id IS NULL) s")).one()
    import math
    z = 10
    x = int((west + east) / 2 / 360 * 2 ** z + 2 ** z / 2)
    lat = math.radians((south + north) / 2)
    y = int((1 - math.log(math.tan(lat) + 1 / math.cos(lat)) / math.pi) / 2 * 2 ** z)
    tile = client.get(f"/api/v1/public/tiles/city/{z}/{x}/{y}.mvt")
    assert tile.status_code == 200 and tile.mimetype == "application/vnd.mapbox-vector-tile" and tile.data
    assert b"households" not in tile.data and "public" in tile.headers["Cache-Control"]


def test_a_broken_link_has_the_residents_header_in_the_chosen_language(client):
    page = client.get("/r/" + "x" * 32, headers={"Accept-Language": "zh-CN"})
    body = page.get_data(as_text=True)
    assert page.status_code == 404 and "我的反映" in body and "/report#mine" in body and "重新反映" in body
    assert 'class="bar"' in body and page.headers["Cache-Control"] == "no-store"
    client.set_cookie("gridmap_lang", "en")
    chosen = client.get("/r/" + "x" * 32, headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    client.delete_cookie("gridmap_lang")
    assert "This link is not valid" in chosen and "My reports" in chosen and '<html lang="en">' in chosen
