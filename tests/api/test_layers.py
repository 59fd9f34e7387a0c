"""The layers API as a GIS client and the map use it: OGC API – Features (landing page,
conformance, collections, paged items with filters and time, single features, OpenAPI),
conditional and compressed answers, and vector tiles."""
import gzip
import json
from urllib.parse import quote

import pytest
from sqlalchemy import text

from tests.conftest import scalar


def get(client, auth, url, role="operator", **headers):
    response = client.get(url, headers={**auth(role), **headers})
    response.data
    return response


def test_the_landing_page_links_to_the_api_conformance_and_collections(client, auth):
    body = get(client, auth, "/ogcapi").get_json()
    rels = {link["rel"] for link in body["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= rels
    conformance = get(client, auth, "/ogcapi/conformance").get_json()["conformsTo"]
    assert any(c.endswith("/conf/core") for c in conformance)
    assert any(c.endswith("/conf/geojson") for c in conformance)
    api = get(client, auth, "/ogcapi/api")
    assert api.status_code == 200 and "/collections/grids/items" in api.get_json()["paths"]


def test_collections_list_what_the_role_may_read_with_extent_and_links(client, auth):
    operator = {c["id"]: c for c in get(client, auth, "/ogcapi/collections").get_json()["collections"]}
    viewer = {c["id"] for c in get(client, auth, "/ogcapi/collections", "viewer").get_json()["collections"]}
    assert {"grids", "buildings", "roads", "streets", "communities", "cameras", "incidents",
            "road-segments", "camera-coverage"} <= operator.keys()
    assert "cameras" not in viewer and "incidents" not in viewer and "grids" in viewer
    grids = operator["grids"]
    minx, miny, maxx, maxy = grids["extent"]["spatial"]["bbox"][0]
    assert 24.8 < minx < maxx < 25.1 and 60.1 < miny < maxy < 60.2
    assert any(link["rel"] == "items" for link in grids["links"])


def test_paging_follows_next_and_prev_links_through_every_building(client, auth, session):
    total = scalar(session, "SELECT count(*) FROM building")
    seen, url, pages = [], "/ogcapi/collections/buildings/items?limit=100", 0
    while url:
        page = get(client, auth, url).get_json()
        assert page["numberMatched"] == total
        assert page["numberReturned"] == len(page["features"])
        seen += [f["id"] for f in page["features"]]
        nxt = [l["href"] for l in page["links"] if l["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
        pages += 1
    assert pages == -(-total // 100) and len(seen) == len(set(seen)) == total
    second = get(client, auth, "/ogcapi/collections/buildings/items?limit=100&offset=100").get_json()
    prev = [l["href"] for l in second["links"] if l["rel"] == "prev"][0]
    assert "offset=0" in prev and "limit=100" in prev


def test_the_number_matched_follows_every_change_though_a_page_is_asked_again_and_again(
        client, auth, session):
    # a count made at the same layer versions is kept; a write bumps them and it is made again
    grid, other = session.execute(text("SELECT code FROM grid ORDER BY code LIMIT 2")).scalars().all()
    url = f"/ogcapi/collections/buildings/items?grid={grid}&limit=1"
    counted = scalar(session, "SELECT count(*) FROM building b JOIN grid g ON g.id = b.grid_id "
                              "WHERE g.code = :c", c=grid)
    assert [get(client, auth, url).get_json()["numberMatched"] for _ in range(3)] == [counted] * 3
    moved = scalar(session, "SELECT min(b.id) FROM building b JOIN grid g ON g.id = b.grid_id "
                            "WHERE g.code = :c", c=grid)
    hand_over = text("UPDATE building SET grid_id = (SELECT id FROM grid WHERE code = :to) WHERE id = :b")
    session.execute(hand_over, {"to": other, "b": moved})
    session.commit()
    assert get(client, auth, url).get_json()["numberMatched"] == counted - 1
    session.execute(hand_over, {"to": grid, "b": moved})
    session.commit()
    assert get(client, auth, url).get_json()["numberMatched"] == counted


def test_property_filters_select_by_grid_and_community(client, auth, session):
    grid = scalar(session, "SELECT code FROM grid ORDER BY code LIMIT 1")
    body = get(client, auth, f"/ogcapi/collections/buildings/items?grid={grid}&limit=10000").get_json()
    assert body["numberMatched"] == scalar(session, "SELECT count(*) FROM building b JOIN grid g "
                                                    "ON g.id = b.grid_id WHERE g.code = :c", c=grid)
    assert {f["properties"]["grid"] for f in body["features"]} == {grid}
    community = grid.rsplit("-", 1)[0]
    grids = get(client, auth, f"/ogcapi/collections/grids/items?community={community}").get_json()
    assert grids["numberMatched"] >= 1 and all(f["properties"]["community"] == community
                                               for f in grids["features"])


def test_an_unknown_filter_or_time_on_a_timeless_layer_is_a_400(client, auth):
    english = {"Accept-Language": "en"}
    wrong = get(client, auth, "/ogcapi/collections/buildings/items?colour=red", **english)
    assert wrong.status_code == 400 and "colour" in wrong.get_json()["description"]
    timeless = get(client, auth, "/ogcapi/collections/buildings/items?datetime=2026-01-01T00:00:00Z", **english)
    assert timeless.status_code == 400 and "no time" in timeless.get_json()["description"]
    garbled = get(client, auth, "/ogcapi/collections/grids/items?datetime=yesterday", **english)
    assert garbled.status_code == 400 and "RFC 3339" in garbled.get_json()["description"]


def test_grids_as_of_a_time_come_from_the_boundary_history(client, auth, session):
    created = session.execute(text("SELECT min(valid_from) FROM grid")).scalar_one()
    before = get(client, auth, "/ogcapi/collections/grids/items?datetime=2000-01-01T00:00:00Z").get_json()
    assert before["numberMatched"] == 0            # nothing was divided yet in 2000
    now = get(client, auth, "/ogcapi/collections/grids/items?datetime=../..").get_json()
    assert now["numberMatched"] == scalar(session, "SELECT count(*) FROM grid")
    since = get(client, auth, f"/ogcapi/collections/grids/items?datetime={quote(created.isoformat())}/..")
    assert since.get_json()["numberMatched"] == now["numberMatched"]


def test_an_unchanged_answer_is_a_304_and_a_change_makes_a_new_etag(client, auth, session):
    url = "/ogcapi/collections/roads/items?limit=5"
    first = get(client, auth, url)
    etag = first.headers["ETag"]
    assert get(client, auth, url, **{"If-None-Match": etag}).status_code == 304
    # a user with another scope (a worker: their grid) never shares the cached answer
    assert get(client, auth, url, "worker").headers["ETag"] != etag
    session.execute(text("UPDATE road SET name = name || '' WHERE id = (SELECT min(id) FROM road)"))
    session.commit()
    changed = get(client, auth, url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_a_fix_in_a_new_months_partition_changes_the_positions_layer(client, auth, session):
    """Fixes live in a partition per month; the layer's version is the table's, whichever
    partition the row went to (migration 0033)."""
    from datetime import datetime, timezone
    url = "/ogcapi/collections/positions/items?limit=5"
    first = get(client, auth, url)
    at = datetime(2024, 2, 3, 4, 5, tzinfo=timezone.utc)
    session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": at})
    session.execute(text("""INSERT INTO position (worker_id, fixed_at, geom)
        SELECT min(id), :at, ST_SetSRID(ST_MakePoint(24.94, 60.17), 4326) FROM worker"""), {"at": at})
    session.commit()
    changed = get(client, auth, url, **{"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert changed.get_json()["numberMatched"] == first.get_json()["numberMatched"] + 1


@pytest.mark.parametrize("url", ["/ogcapi/collections/buildings/items?limit=5",
                                 "/ogcapi/collections/buildings/items/{id}",
                                 "/tiles/buildings/16/37308/18969.mvt"])
def test_the_etag_read_with_an_answer_is_the_one_a_revalidation_checks(client, auth, session, url):
    # without If-None-Match the versions are read by the answer's own statement; with it, on
    # their own first: both must name the same version
    url = url.format(id=scalar(session, "SELECT min(id) FROM building"))
    etag = get(client, auth, url).headers["ETag"]
    assert get(client, auth, url, **{"If-None-Match": etag}).status_code == 304
    session.execute(text("UPDATE building SET name = name WHERE id = (SELECT min(id) FROM building)"))
    session.commit()
    changed = get(client, auth, url, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert get(client, auth, url, **{"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_answers_are_gzipped_for_clients_that_accept_it(client, auth):
    plain = get(client, auth, "/ogcapi/collections/buildings/items?limit=500")
    zipped = get(client, auth, "/ogcapi/collections/buildings/items?limit=500", **{"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data.replace(
        plain.get_json()["timeStamp"].encode(), zipped_time(zipped))
    assert len(zipped.data) < len(plain.data) / 3


def zipped_time(response):
    return json.loads(gzip.decompress(response.data))["timeStamp"].encode()


def test_one_feature_by_id_with_its_links(client, auth, session):
    grid = scalar(session, "SELECT id FROM grid ORDER BY id LIMIT 1")
    body = get(client, auth, f"/ogcapi/collections/grids/items/{grid}").get_json()
    assert body["type"] == "Feature" and body["id"] == grid
    assert {l["rel"] for l in body["links"]} == {"self", "collection"}
    assert get(client, auth, "/ogcapi/collections/grids/items/not-a-number").status_code == 404


def test_a_tile_over_the_city_holds_buildings_and_one_far_away_is_empty(client, auth):
    tile = get(client, auth, "/tiles/buildings/16/37308/18969.mvt")   # central Helsinki
    assert tile.status_code == 200 and tile.mimetype == "application/vnd.mapbox-vector-tile"
    assert len(tile.data) > 1000
    assert get(client, auth, "/tiles/buildings/16/100/100.mvt").data == b""
    assert get(client, auth, "/tiles/buildings/8/145/75.mvt").data == b""     # below minzoom
    bad = get(client, auth, "/tiles/buildings/3/9/0.mvt", **{"Accept-Language": "en"})
    assert bad.status_code == 400 and "0 to 7" in bad.get_json()["description"]


def test_tilejson_describes_the_tiles(client, auth):
    body = get(client, auth, "/tiles/grids.json").get_json()
    assert body["tilejson"] == "3.0.0" and body["tiles"][0].endswith("/tiles/grids/{z}/{x}/{y}.mvt")
    assert body["vector_layers"][0]["id"] == "grids" and "households" in body["vector_layers"][0]["fields"]


def test_grids_say_their_kind_and_site_kind_and_are_filtered_by_them(client, auth, session):
    """Special grids (专属网格: a school, a park… carved out) apart from comprehensive ones, in the
    features, the tiles and the queryables, each value a filter names checked."""
    special = get(client, auth, "/ogcapi/collections/grids/items?kind=special&limit=1000").get_json()
    assert special["numberMatched"] == scalar(session, "SELECT count(*) FROM grid WHERE valid_to IS NULL "
                                                       "AND kind = 'special'") > 0
    assert all(f["properties"]["site_kind"] for f in special["features"])
    schools = get(client, auth, "/ogcapi/collections/grids/items?site_kind=school").get_json()
    assert schools["numberMatched"] == 3 and {f["properties"]["kind"] for f in schools["features"]} == {"special"}
    plain = get(client, auth, "/ogcapi/collections/grids/items?kind=comprehensive&limit=1000").get_json()
    assert plain["numberMatched"] > 0 and {f["properties"]["site_kind"] for f in plain["features"]} == {None}
    queryables = get(client, auth, "/ogcapi/collections/grids/queryables").get_json()["properties"]
    assert queryables["kind"]["enum"] == ["comprehensive", "special"] and "park" in queryables["site_kind"]["enum"]
    wrong = get(client, auth, "/ogcapi/collections/grids/items?site_kind=zoo", **{"Accept-Language": "en"})
    assert wrong.status_code == 400 and "school" in wrong.get_json()["description"]
    fields = get(client, auth, "/tiles/grids.json").get_json()["vector_layers"][0]["fields"]
    assert {"kind", "site_kind"} <= set(fields)


def test_the_citys_sites_are_a_read_only_layer_with_their_kind_names_and_area(client, auth, session):
    """The mapped sites a special grid is carved around (three schools, the university, parks,
    the market hall in Helsinki), for a planner to see which the city has: their kind from the
    kinds table, their names and area; read by whoever reads the grids, written by no one."""
    sites = get(client, auth, "/ogcapi/collections/sites/items?limit=1000", "planner").get_json()
    assert sites["numberMatched"] == scalar(session, "SELECT count(*) FROM site") > 0
    schools = [f["properties"] for f in sites["features"] if f["properties"]["kind"] == "school"]
    assert len(schools) == 3 and all(s["name"] and s["area_m2"] >= 2000 for s in schools), schools
    assert set(schools[0]) >= {"kind", "name", "name_zh", "name_en", "area_m2"}
    assert get(client, auth, "/ogcapi/collections/sites/items?kind=park", "viewer").get_json()["numberMatched"] == \
        scalar(session, "SELECT count(*) FROM site WHERE kind = 'park'") > 0
    queryables = get(client, auth, "/ogcapi/collections/sites/queryables").get_json()["properties"]
    assert "kindergarten" in queryables["kind"]["enum"] and "retail" in queryables["kind"]["enum"]
    wrong = get(client, auth, "/ogcapi/collections/sites/items?kind=zoo", **{"Accept-Language": "en"})
    assert wrong.status_code == 400 and "school" in wrong.get_json()["description"]
    one = sites["features"][0]["id"]
    assert client.delete(f"/ogcapi/collections/sites/items/{one}", headers=auth("admin")).status_code in (403, 405)


def test_layer_answers_give_their_database_connection_back(app, live_server, users):
    # read outside a transaction, the session must still be closed when the answer ends, or a
    # busy server runs out of connections
    import urllib.request

    from app import db
    headers = {"Authorization": f"Bearer {users['operator']['token']}"}
    for _ in range(15):
        with urllib.request.urlopen(urllib.request.Request(
                f"{live_server}/ogcapi/collections/grids/items?limit=5", headers=headers)) as r:
            r.read()
    with app.app_context():
        assert db.engine().pool.checkedout() == 0
