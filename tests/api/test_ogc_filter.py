"""Filtering, sorting and choosing properties (OGC API – Features Part 3 with CQL2, and the
sortby / properties / skipGeometry parameters): what the server answers is what the same
condition written in SQL finds, with the scope still underneath."""
import json
import uuid
from urllib.parse import quote

import pytest
from sqlalchemy import text


def items(client, auth, collection, role="operator", language="en", **params):
    query = "&".join(f"{name.replace('_', '-')}={quote(str(value))}" for name, value in params.items())
    return client.get(f"/ogcapi/collections/{collection}/items?{query}",
                      headers={**auth(role), "Accept-Language": language})


def matched(client, auth, collection, role="operator", **params) -> int:
    response = items(client, auth, collection, role, limit=1, **params)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["numberMatched"]


def count(session, sql: str, **params) -> int:
    return session.execute(text(sql), params).scalar_one()


@pytest.fixture()
def reports(client, auth, a_grid_point):
    """Four fresh reports of two categories and severities."""
    lon, lat = a_grid_point
    made = []
    for category, severity in (("environment", "normal"), ("environment", "high"),
                               ("road_damage", "normal"), ("road_damage", "low")):
        response = client.post("/api/v1/incidents", headers=auth("operator"), json={
            "category": category, "point": [lon, lat], "severity": severity,
            "description": f"filter test {uuid.uuid4().hex[:8]}"})
        assert response.status_code == 201, response.get_json()
        made.append(response.get_json())
    return made


# --- Part 3: the filter finds what SQL finds -------------------------------------------------

@pytest.mark.parametrize("condition, sql", [
    ("households > 100", "households > 100"),
    ("households BETWEEN 20 AND 60", "households BETWEEN 20 AND 60"),
    ("kind IN ('apartments', 'house')", "kind IN ('apartments', 'house')"),
    ("kind = 'apartments' AND NOT (households < 30)", "kind = 'apartments' AND NOT households < 30"),
    ("kind = 'house' OR levels >= 5", "kind = 'house' OR levels >= 5"),
    ("name IS NULL", "name IS NULL"),
    ("name IS NOT NULL", "name IS NOT NULL"),
    ("address LIKE 'Mannerheim%'", "address LIKE 'Mannerheim%'"),
    ("CASEI(address) LIKE CASEI('mannerheim%')", "lower(address) LIKE 'mannerheim%'"),
    ("households > population", "households > population"),            # property-property
    ("households * 3 > population + 10", "households * 3 > population + 10"),  # arithmetic
])
def test_a_cql2_text_filter_finds_what_the_same_condition_finds_in_sql(client, auth, session, condition, sql):
    """/req/filter/filter-param, /req/basic-cql2/*, /req/advanced-comparison-operators/*,
    /req/case-insensitive-comparison, /req/property-property, /req/arithmetic"""
    assert matched(client, auth, "buildings", filter=condition) == count(
        session, f"SELECT count(*) FROM building WHERE {sql}")


def test_cql2_json_is_read_as_the_same_condition(client, auth, session):
    """/req/cql2-json/*: the JSON encoding of a condition filters as its text does."""
    as_json = {"op": "and", "args": [{"op": "=", "args": [{"property": "kind"}, "apartments"]},
                                     {"op": ">", "args": [{"property": "households"}, 40]}]}
    by_json = matched(client, auth, "buildings", filter=json.dumps(as_json), filter_lang="cql2-json")
    by_text = matched(client, auth, "buildings", filter="kind = 'apartments' AND households > 40")
    assert by_json == by_text == count(session, "SELECT count(*) FROM building WHERE kind = 'apartments' "
                                                "AND households > 40")


@pytest.mark.parametrize("condition, sql", [
    ("S_INTERSECTS(geometry, BBOX(24.93, 60.16, 24.94, 60.165))",
     "ST_Intersects(geom, ST_MakeEnvelope(24.93, 60.16, 24.94, 60.165, 4326))"),
    ("S_WITHIN(geometry, POLYGON((24.93 60.16, 24.95 60.16, 24.95 60.17, 24.93 60.17, 24.93 60.16)))",
     "ST_Within(geom, ST_MakeEnvelope(24.93, 60.16, 24.95, 60.17, 4326))"),
    ("S_DISJOINT(geometry, POINT(24.94 60.165))", "ST_Disjoint(geom, ST_SetSRID(ST_Point(24.94, 60.165), 4326))"),
])
def test_spatial_functions_are_answered_by_postgis(client, auth, session, condition, sql):
    """/req/basic-spatial-functions, /req/spatial-functions: WKT and BBOX literals in CRS84."""
    assert matched(client, auth, "buildings", filter=condition) == count(
        session, f"SELECT count(*) FROM building WHERE {sql}")


def test_a_geojson_geometry_and_a_filter_crs_name_the_same_place(client, auth, session):
    """/req/filter/filter-crs-wgs84 and filter-crs: a box written in Web Mercator finds what the
    same box transformed by PostGIS finds."""
    box = "ST_MakeEnvelope(2775000, 8437000, 2777000, 8439000, 3857)"
    polygon = json.loads(session.execute(text(f"SELECT ST_AsGeoJSON({box})")).scalar_one())
    as_json = {"op": "s_intersects", "args": [{"property": "geometry"}, polygon]}
    found = matched(client, auth, "buildings", filter=json.dumps(as_json), filter_lang="cql2-json",
                    filter_crs="http://www.opengis.net/def/crs/EPSG/0/3857")
    assert found == count(session, f"SELECT count(*) FROM building WHERE ST_Intersects(geom, ST_Transform({box}, 4326))")
    assert found > 0


def test_temporal_functions_compare_with_the_collections_time(client, auth, session, reports):
    """/req/temporal-functions: T_AFTER, T_BEFORE, T_DURING and T_INTERSECTS on the time a
    report was made, and on a grid's period of validity."""
    middle = session.execute(text("SELECT reported_at FROM incident WHERE id = :id"),
                             {"id": reports[2]["id"]}).scalar_one().isoformat()
    for condition, sql in [
        (f"T_AFTER(reported_at, TIMESTAMP('{middle}'))", "reported_at > :m"),
        (f"T_BEFORE(reported_at, TIMESTAMP('{middle}'))", "reported_at < :m"),
        (f"T_INTERSECTS(reported_at, INTERVAL('{middle}', '..'))", "reported_at >= :m"),
        (f"T_DURING(reported_at, INTERVAL('2000-01-01T00:00:00Z', '{middle}'))",
         "reported_at > '2000-01-01' AND reported_at < :m"),
    ]:
        assert matched(client, auth, "incidents", filter=condition) == count(
            session, f"SELECT count(*) FROM incident WHERE {sql}", m=middle), condition
    assert matched(client, auth, "grids", filter="T_INTERSECTS(INTERVAL(valid_from, valid_to), "
                                                 "INTERVAL('2000-01-01', '..'))") \
        == count(session, "SELECT count(*) FROM grid WHERE valid_to IS NULL")


def test_a_grid_named_in_a_filter_is_looked_up_by_its_code(client, auth, session, reports):
    """The incident's grid is a code the database looks up once, not per row; the answer is
    the reports inside that grid."""
    code = session.execute(text("SELECT g.code FROM incident i JOIN grid g ON g.id = i.grid_id WHERE i.id = :id"),
                           {"id": reports[0]["id"]}).scalar_one()
    assert matched(client, auth, "incidents", filter=f"grid = '{code}' AND category = 'environment'") == count(
        session, "SELECT count(*) FROM incident i JOIN grid g ON g.id = i.grid_id "
                 "WHERE g.code = :c AND i.category_code = 'environment'", c=code)


def test_the_scope_still_applies_underneath_a_filter(client, auth, session, users):
    """A worker's filter never reaches beyond their grids: asking for another grid's
    buildings by name finds none."""
    own = session.execute(text("""
        SELECT g.code FROM app_user u JOIN worker_assignment a ON a.worker_id = u.worker_id
        JOIN grid g ON g.id = a.grid_id
        WHERE u.id = :u AND a.valid_to IS NULL AND g.valid_to IS NULL"""), {"u": users["worker"]["id"]}).scalars().all()
    assert own
    other = session.execute(text("SELECT code FROM grid WHERE valid_to IS NULL AND NOT code = ANY(:own) "
                                 "ORDER BY code LIMIT 1"), {"own": list(own)}).scalar_one()
    assert matched(client, auth, "buildings", "operator", filter=f"grid = '{other}'") > 0
    assert matched(client, auth, "buildings", "worker", filter=f"grid = '{other}'") == 0


def test_a_literal_is_bound_never_pasted(client, auth, session):
    """A quote inside a string stays inside it."""
    response = items(client, auth, "buildings", filter="name = 'x'' OR 1=1 --'")
    assert response.status_code == 200 and response.get_json()["numberMatched"] == 0


def test_gdals_draft_cql_text_with_ilike_and_quoted_times_is_read(client, auth, session):
    """GDAL's client announces itself by sending filter-lang=cql-text, writes ILIKE, and
    writes a moment as a quoted string."""
    assert matched(client, auth, "buildings", filter="(address ILIKE 'MANNERHEIM%')", filter_lang="cql-text") \
        == count(session, "SELECT count(*) FROM building WHERE address ILIKE 'mannerheim%'")
    assert matched(client, auth, "grids", filter="(valid_from >= '2000-01-01T00:00:00Z')", filter_lang="cql-text") \
        == count(session, "SELECT count(*) FROM grid WHERE valid_to IS NULL AND valid_from >= '2000-01-01'")


@pytest.mark.parametrize("condition, language, words", [
    ("households >", "en", "cannot be read at character 13: '(the end)'"),
    ("households > 1 AND", "zh", "第 19 个字符处无法解析"),
    ('{"op": "=", "args": [1', "en", "not valid cql2-json"),
    ("colour = 'red'", "en", "'colour', which is not queryable; queryables: geometry, address"),
    ("colour = 'red'", "zh", "属性 colour 不可查询"),
    ("households = 'many'", "en", "households takes a whole number; 'many' is not one"),
    ("households = 'many'", "zh", "households 需要整数，而“many”不是"),
    ("households = name", "en", "households takes a whole number, not a text"),
    ('kind = "apartments"', "en", "write a text value in single quotes: 'apartments'"),
    ("kind = ‘house’", "zh", "全角符号 ‘ ’"),
    ("name = '（一）' AND kind ＝ 'house'", "en", "full-width marks ＝"),
    ("ACCENTI(name) = 'a'", "en", "uses 'accenti'"),
    ("name = NULL", "en", "write IS NULL"),
    ("households", "en", "must be a condition"),
    ("S_INTERSECTS(geometry, 'here')", "en", "S_* takes a geometry; 'here' is not one"),
])
def test_a_filter_the_server_cannot_serve_is_a_400_naming_the_part(client, auth, condition, language, words):
    """/req/filter/filter-param: an invalid filter is a 400; its words say what is wrong."""
    response = items(client, auth, "buildings", language=language, filter=condition,
                     filter_lang="cql2-json" if condition.startswith("{") else "cql2-text")
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "InvalidParameterValue" and body["parameter"] == "filter"
    assert words in body["description"]


def test_an_unknown_filter_language_is_refused(client, auth):
    response = items(client, auth, "buildings", filter="households > 1", filter_lang="ecql")
    assert response.status_code == 400 and "cql2-text" in response.get_json()["description"]


# --- Queryables: exactly what the filter takes, typed by the database -------------------------

def test_the_queryables_are_exactly_the_properties_a_filter_takes(client, auth):
    """/req/queryables/get-queryables-op, get-queryables-response: a JSON Schema listing every
    property the filter accepts (and the geometry), typed as PostgreSQL types them."""
    collection = client.get("/ogcapi/collections/buildings", headers=auth("operator")).get_json()
    link = next(l for l in collection["links"] if l["rel"].endswith("/queryables"))
    response = client.get(link["href"], headers=auth("operator"))
    assert response.status_code == 200 and response.mimetype == "application/schema+json"
    schema = response.get_json()
    assert schema["type"] == "object" and schema["$schema"].startswith("https://json-schema.org/")
    first = items(client, auth, "buildings", limit=1).get_json()["features"][0]
    assert set(schema["properties"]) == {"geometry", *first["properties"]}
    assert schema["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
    assert schema["properties"]["levels"]["type"] == "number"        # a string before
    assert schema["properties"]["households"]["type"] == "integer"
    for name in schema["properties"]:
        if name != "geometry":
            assert items(client, auth, "buildings", filter=f"{name} IS NULL").status_code == 200


def test_times_are_typed_and_an_empty_collection_still_has_its_fields(client, auth, session):
    """Part 5 schemas: a grid's valid_to is a date-time, though no current grid has one; an
    empty plan collection still describes its fields."""
    grids = client.get("/ogcapi/collections/grids/schema", headers=auth("operator")).get_json()
    valid_to = grids["properties"]["properties"]["properties"]["valid_to"]
    assert valid_to["type"] == "string" and valid_to["format"] == "date-time"
    queryables = client.get("/ogcapi/collections/incidents/queryables", headers=auth("operator")).get_json()
    assert queryables["properties"]["reported_at"]["x-ogc-role"] == "primary-instant"
    empty = client.get("/ogcapi/collections/camera-blind-spots/schema", headers=auth("operator"))
    assert empty.status_code == 200
    assert empty.get_json()["properties"]["properties"]["properties"]["length_m"]["type"] == "number"


# --- sortby, properties, skipGeometry ------------------------------------------------------

def test_pages_under_a_sort_neither_repeat_nor_skip_a_feature(client, auth, session):
    """sortby with ties (many buildings hold the same households): the key breaks them, so
    walking the pages gives every building once, in order."""
    seen, offset = [], 0
    total = count(session, "SELECT count(*) FROM building WHERE kind = 'apartments'")
    while offset < total:
        page = items(client, auth, "buildings", filter="kind = 'apartments'", sortby="-households",
                     properties="households", skipGeometry="true", limit=97, offset=offset).get_json()
        seen += [(f["properties"]["households"], f["id"]) for f in page["features"]]
        offset += 97
    assert len(seen) == len({i for _, i in seen}) == total
    households = [h for h, _ in seen]
    assert households == sorted(households, reverse=True)


def test_properties_and_skip_geometry_choose_what_each_feature_carries(client, auth):
    page = items(client, auth, "grids", properties="code,name_zh", skipGeometry="true", limit=3).get_json()
    for feature in page["features"]:
        assert set(feature["properties"]) == {"code", "name_zh"} and feature["geometry"] is None


@pytest.mark.parametrize("param, value, words", [
    ("sortby", "-colour", "'colour', which cannot be sorted by"),
    ("properties", "code,colour", "'colour', which is not a property"),
    ("skipGeometry", "yes", "skipGeometry"),
])
def test_a_sort_or_property_that_is_not_there_is_a_400(client, auth, param, value, words):
    response = items(client, auth, "grids", **{param: value})
    assert response.status_code == 400 and words in response.get_json()["description"]


# --- more formats ---------------------------------------------------------------------------

def test_csv_holds_the_page_with_wkt_geometry(client, auth):
    response = items(client, auth, "grids", f="csv", limit=3, properties="code,name_zh")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "id,code,name_zh,wkt" and len(lines) == 4
    assert lines[1].split(",")[3].startswith('"MULTIPOLYGON (((')


def test_geojson_text_sequences_hold_one_feature_per_record(client, auth):
    """RFC 8142: each GeoJSON text after a record separator, ending in a line feed."""
    response = items(client, auth, "grids", f="geojsonseq", limit=4)
    assert response.mimetype == "application/geo+json-seq"
    records = response.data.decode().split("\x1e")
    assert records[0] == "" and len(records) == 5
    assert all(record.endswith("\n") and json.loads(record)["type"] == "Feature" for record in records[1:])


def test_a_date_is_the_citys_whole_day_and_a_time_without_offset_the_citys(client, auth, session, app, reports):
    """datetime=2026-11-24 means that day in the city (GRIDMAP_TIMEZONE), not an instant at
    UTC midnight; a moment with no offset is the city's time, as everywhere else."""
    zone = app.config["GRIDMAP"].timezone
    day = session.execute(text("SELECT (reported_at AT TIME ZONE :z)::date FROM incident WHERE id = :id"),
                          {"z": zone, "id": reports[0]["id"]}).scalar_one()
    in_day = count(session, "SELECT count(*) FROM incident WHERE (reported_at AT TIME ZONE :z)::date = :d",
                   z=zone, d=day)
    assert in_day >= len(reports)
    assert matched(client, auth, "incidents", datetime=day.isoformat()) == in_day
    assert matched(client, auth, "incidents", datetime=f"{day.isoformat()}/{day.isoformat()}") == in_day
    assert matched(client, auth, "incidents", datetime=f"{day.isoformat()}T00:00:00/..") == count(
        session, "SELECT count(*) FROM incident WHERE reported_at >= (CAST(:d AS timestamp) AT TIME ZONE :z)",
        z=zone, d=day)


def test_a_streets_grids_are_one_filter_away(client, auth, session):
    street = session.execute(text("SELECT code FROM area WHERE level = 'street' ORDER BY code LIMIT 1")).scalar_one()
    in_sql = count(session, """SELECT count(*) FROM grid g JOIN area c ON c.id = g.community_id
        JOIN area s ON s.id = c.parent_id WHERE s.code = :s AND g.valid_to IS NULL""", s=street)
    assert in_sql > 0
    assert matched(client, auth, "grids", street=street) == in_sql
    assert matched(client, auth, "grids", filter=f"street = '{street}'") == in_sql


def test_titles_follow_the_readers_language_chinese_when_none_is_asked(client, auth):
    """QGIS and GDAL send no Accept-Language: their layer list reads in Chinese."""
    plain = client.get("/ogcapi/collections/grids", headers=auth("operator")).get_json()
    english = client.get("/ogcapi/collections/grids", headers={**auth("operator"), "Accept-Language": "en"}).get_json()
    assert (plain["title"], english["title"]) == ("网格", "Grids")
    page = client.get("/ogcapi/collections/grids/items?limit=2", headers=auth("operator")).get_json()
    assert next(l for l in page["links"] if l["rel"] == "next")["title"] == "下一页"


def test_a_csv_page_is_saved_under_its_collections_name(client, auth):
    response = items(client, auth, "grids", f="csv", limit=5, offset=5)
    assert response.headers["Content-Disposition"] == 'inline; filename="grids-6.csv"'


def test_the_queryables_list_the_values_a_property_takes_and_another_is_refused(client, auth, session):
    """An incident's category is one of the categories; asking for another finds nothing, so
    the answer says which there are."""
    queryables = client.get("/ogcapi/collections/incidents/queryables", headers=auth("operator")).get_json()
    categories = session.execute(text("SELECT code FROM category ORDER BY code")).scalars().all()
    assert queryables["properties"]["category"]["enum"] == categories
    assert "reported" in queryables["properties"]["status"]["enum"]
    refused = items(client, auth, "incidents", category="parking")
    assert refused.status_code == 400 and "illegal_parking" in refused.get_json()["description"]
    assert items(client, auth, "incidents", category="illegal_parking").status_code == 200
