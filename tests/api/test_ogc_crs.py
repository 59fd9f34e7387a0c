"""Coordinate reference systems by reference (OGC API – Features Part 2): every collection is
served in CRS84, WGS84, CGCS2000 (EPSG:4490) and its Gauss-Krüger zones, Web Mercator and the
city's UTM zone; the coordinates are PostGIS's, in each CRS's own axis order."""
import json
from urllib.parse import quote

import pytest
from sqlalchemy import text

EPSG = "http://www.opengis.net/def/crs/EPSG/0/{}"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def get(client, auth, url, language="en"):
    return client.get(url, headers={**auth("operator"), "Accept-Language": language})


def first_point(geometry) -> list[float]:
    coordinates = geometry["coordinates"]
    while isinstance(coordinates[0], list):
        coordinates = coordinates[0]
    return coordinates


def test_each_collection_lists_the_crs_it_is_served_in(client, auth):
    """/req/crs/crs-action (collection crs, storageCrs)."""
    grids = get(client, auth, "/ogcapi/collections/grids").get_json()
    assert grids["storageCrs"] == CRS84 and grids["crs"][0] == CRS84
    for srid in (4326, 4490, 3857, 32635):
        assert EPSG.format(srid) in grids["crs"]
    # Helsinki lies in no Gauss-Krüger zone of CGCS2000 (they cover 73.5°–136.5°E)
    assert not [uri for uri in grids["crs"] if uri.startswith(EPSG.format("")) and 4491 <= int(uri.rsplit("/", 1)[1]) <= 4554]
    # /req/crs/fc-md-crs-list-global: in the list, each collection refers to the list's own
    listing = get(client, auth, "/ogcapi/collections").get_json()
    assert listing["crs"] == grids["crs"]
    assert all(c["crs"] == ["#/crs"] for c in listing["collections"])


@pytest.mark.parametrize("srid, swapped", [(4490, True), (4326, True), (3857, False), (32635, False)])
def test_coordinates_are_postgis_transform_in_the_crs_axis_order(client, auth, session, srid, swapped):
    """/req/crs/fc-crs-valid-value, /req/crs/ogc-crs-header (Content-Crs): a grid's first vertex
    is where PostGIS puts it, latitude or northing first where the CRS says so (EPSG:4326,
    4490 and the Gauss-Krüger zones)."""
    grid = session.execute(text("SELECT min(id) FROM grid WHERE valid_to IS NULL")).scalar_one()
    response = get(client, auth, f"/ogcapi/collections/grids/items/{grid}?crs={quote(EPSG.format(srid))}")
    assert response.status_code == 200
    assert response.headers["Content-Crs"] == f"<{EPSG.format(srid)}>"
    got = first_point(response.get_json()["geometry"])
    x, y = session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), "
        ":srid) AS p FROM grid WHERE id = :id) s"), {"srid": srid, "id": grid}).one()
    expected = [y, x] if swapped else [x, y]
    tolerance = 1e-6 if srid in (4326, 4490) else 0.01
    assert got == pytest.approx(expected, abs=tolerance)


def test_a_chinese_city_is_served_in_its_own_gauss_kruger_zones_northing_first(zhenxing_app):
    """In a Chinese city the zones whose band holds it are offered — its 6° zone and its 3°
    zone, each with and without the zone number before the easting — and a vertex comes out
    where PostGIS puts it, northing first (EPSG's axis order for these CRSs)."""
    from app import db
    from app.services.accounts.scope import Scope
    from app.services.city.frame import city_centre
    from app.services.layers import crs, features
    with zhenxing_app.app_context():
        session = db.session()
        centre = city_centre(session)
        zones = [c.srid for c in crs.offered(centre) if c.srid in crs.GAUSS_KRUGER]
        assert len(zones) == 4 and sum(z <= 4512 for z in zones) == 2          # two 6°, two 3°
        assert all(crs.zone_band(z)[0] <= centre[0] <= crs.zone_band(z)[1] for z in zones)
        srid = zones[-1]                  # the 3° zone by its central meridian (no zone number)
        page = features.page(session, features.COLLECTIONS["grids"],
                             features.ItemsQuery(limit=1, crs=crs.find(f"EPSG:{srid}", centre)), Scope(everything=True))
        feature = json.loads(page.chunks[0])
        x, y = session.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_PointN(ST_ExteriorRing(ST_GeometryN(geom, 1)), 1), "
            ":srid) AS p FROM grid WHERE id = :id) s"), {"id": feature["id"], "srid": srid}).one()
        assert first_point(feature["geometry"]) == pytest.approx([y, x], abs=0.01)
        assert y > 2e6 and 3e5 < x < 7e5           # a northing in China; an easting near 500 km
        session.rollback()


def test_a_zone_far_from_the_city_is_refused_saying_why(client, auth):
    response = get(client, auth, "/ogcapi/collections/grids/items?crs=EPSG:4547")
    assert response.status_code == 400
    assert "112.5°–115.5°E" in response.get_json()["description"] and "24.9" in response.get_json()["description"]
    assert "高斯-克吕格" in get(client, auth, "/ogcapi/collections/grids/items?crs=EPSG:4547", "zh").get_json()["description"]


@pytest.mark.parametrize("spelling", ["4490", "EPSG:4490", "[EPSG:4490]", "urn:ogc:def:crs:EPSG::4490",
                                      "http://www.opengis.net/def/crs/EPSG/0/4490"])
def test_every_usual_spelling_of_a_crs_names_it(client, auth, spelling):
    response = get(client, auth, f"/ogcapi/collections/grids/items?limit=1&crs={quote(spelling)}")
    assert response.status_code == 200 and response.headers["Content-Crs"] == f"<{EPSG.format(4490)}>"


def test_the_default_is_crs84_longitude_first(client, auth, session):
    response = get(client, auth, "/ogcapi/collections/grids/items?limit=1")
    assert response.headers["Content-Crs"] == f"<{CRS84}>"
    lon, lat = first_point(response.get_json()["features"][0]["geometry"])
    assert 24 < lon < 26 and 59 < lat < 61


def test_a_bbox_in_another_crs_selects_what_postgis_selects(client, auth, session):
    """/req/crs/fc-bbox-crs-action: a bbox given in Web Mercator, and one given in EPSG:4326's
    latitude-first order, select what the same boxes select in SQL."""
    box3857 = (2775000, 8437000, 2777000, 8439000)
    in3857 = get(client, auth, "/ogcapi/collections/buildings/items?limit=1&bbox=" + ",".join(map(str, box3857))
                 + f"&bbox-crs={quote(EPSG.format(3857))}").get_json()["numberMatched"]
    assert in3857 > 0
    assert in3857 == session.execute(text(
        "SELECT count(*) FROM building WHERE geom && ST_Transform(ST_Segmentize("
        "ST_MakeEnvelope(:a, :b, :c, :d, 3857), 1000), 4326)"),
        dict(zip("abcd", box3857))).scalar_one()
    by_lon = get(client, auth, "/ogcapi/collections/buildings/items?limit=1&bbox=24.93,60.16,24.94,60.165")
    by_lat = get(client, auth, "/ogcapi/collections/buildings/items?limit=1&bbox=60.16,24.93,60.165,24.94"
                 f"&bbox-crs={quote(EPSG.format(4326))}")
    assert by_lat.get_json()["numberMatched"] == by_lon.get_json()["numberMatched"] > 0


def test_a_page_in_cgcs2000_is_the_same_features(client, auth):
    plain = get(client, auth, "/ogcapi/collections/buildings/items?limit=50").get_json()
    cgcs = get(client, auth, f"/ogcapi/collections/buildings/items?limit=50&crs={quote(EPSG.format(4490))}").get_json()
    assert [f["id"] for f in cgcs["features"]] == [f["id"] for f in plain["features"]]
    lon, lat = first_point(plain["features"][0]["geometry"])
    assert first_point(cgcs["features"][0]["geometry"]) == pytest.approx([lat, lon], abs=1e-6)


@pytest.mark.parametrize("param", ["crs", "bbox-crs"])
def test_a_crs_not_offered_is_a_400_listing_those_that_are(client, auth, param):
    """/req/crs/fc-crs-valid-value: an unsupported CRS is a 400."""
    response = get(client, auth, f"/ogcapi/collections/grids/items?{param}={quote(EPSG.format(2056))}"
                                 + ("&bbox=1,2,3,4" if param == "bbox-crs" else ""))
    assert response.status_code == 400
    assert "4490" in response.get_json()["description"] and param in response.get_json()["description"]
    zh = get(client, auth, f"/ogcapi/collections/grids/items?{param}=EPSG:2056", "zh")
    assert "坐标参考系" in zh.get_json()["description"]


def test_a_safe_curie_names_a_crs_too(client, auth):
    response = get(client, auth, "/ogcapi/collections/grids/items?limit=1&crs=[EPSG:4490]")
    assert response.status_code == 200 and response.headers["Content-Crs"] == f"<{EPSG.format(4490)}>"


def test_a_bbox_given_longitude_first_in_a_latitude_first_crs_is_told_so(client, auth):
    response = get(client, auth, f"/ogcapi/collections/buildings/items?bbox=24.93,60.16,24.94,60.165"
                                 f"&bbox-crs={quote(EPSG.format(4490))}")
    assert response.status_code == 400 and "latitude first" in response.get_json()["description"]
