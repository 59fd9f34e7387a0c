"""The assertions of the OGC API – Features conformance suites that apply here (Part 1 core,
GeoJSON, HTML and OpenAPI 3.0; Part 2 CRS by reference; Part 3 filtering with CQL2; and Part 4
declared only where it is served), each naming the requirement it checks, asked of the live
server over HTTP as a client would."""
import base64
import json
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from tests.conftest import PASSWORD

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@pytest.fixture()
def ask(live_server, users):
    credentials = base64.b64encode(f"{users['operator']['username']}:{PASSWORD}".encode()).decode()

    def get(path: str, accept: str = "application/json"):
        url = path if path.startswith("http") else f"{live_server}/ogcapi{path}"
        request = urllib.request.Request(url, headers={"Authorization": f"Basic {credentials}", "Accept": accept,
                                                       "Accept-Language": "en"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()
    return get


def as_json(answer):
    return json.loads(answer[2])


def link(document: dict, rel: str) -> dict:
    return next(l for l in document["links"] if l["rel"] == rel)


# --- Part 1: core -------------------------------------------------------------------------------

def test_req_core_root_op_and_root_success(ask):
    """/req/core/root-op, /req/core/root-success: the landing page links the API definition,
    the conformance declaration and the collections."""
    status, _, _ = answer = ask("")
    landing = as_json(answer)
    assert status == 200
    for rel in ("service-desc", "conformance", "data"):
        assert link(landing, rel)["href"].startswith("http")


def test_req_core_conformance_success(ask):
    """/req/core/conformance-success: the classes this server implements."""
    classes = as_json(ask("/conformance"))["conformsTo"]
    for name in ("core", "geojson", "html", "oas30"):
        assert CORE + name in classes


def test_req_oas30_oas_definition(ask):
    """/req/oas30/oas-definition-1 and -2: the API definition is OpenAPI 3.0 JSON."""
    status, headers, body = ask("/api", "application/vnd.oai.openapi+json;version=3.0")
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.oai.openapi+json")
    assert json.loads(body)["openapi"].startswith("3.0")


def test_req_core_fc_md_success_and_sfc_md_success(ask):
    """/req/core/fc-md-op, fc-md-success, fc-md-links, fc-md-items, sfc-md-op, sfc-md-success:
    each collection has an id, an items link and the same description on its own URL."""
    listing = as_json(ask("/collections"))
    assert link(listing, "self")
    for c in listing["collections"]:
        assert link(c, "items")["type"] == "application/geo+json"
        assert as_json(ask(f"/collections/{c['id']}"))["id"] == c["id"]


def test_req_core_fc_response_links_and_numbers(ask):
    """/req/core/fc-op, fc-response, fc-links, fc-timeStamp, fc-numberMatched, fc-numberReturned,
    fc-limit-response-1, /req/geojson/content: a page is a GeoJSON FeatureCollection of at most
    `limit` features, with self and next links, counts and a time stamp."""
    status, headers, body = ask("/collections/buildings/items?limit=10")
    page = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/geo+json")
    assert page["type"] == "FeatureCollection" and page["numberReturned"] == len(page["features"]) == 10
    assert page["numberMatched"] > 10 and page["timeStamp"]
    following = as_json(ask(link(page, "next")["href"]))
    assert not {f["id"] for f in following["features"]} & {f["id"] for f in page["features"]}
    assert link(page, "self")["type"] == "application/geo+json"


def test_req_core_fc_bbox_and_time(ask):
    """/req/core/fc-bbox-definition, fc-bbox-response, fc-time-definition, fc-time-response."""
    everything = as_json(ask("/collections/buildings/items?limit=1"))["numberMatched"]
    corner = as_json(ask("/collections/buildings/items?limit=1&bbox=24.93,60.16,24.94,60.165"))["numberMatched"]
    assert 0 < corner < everything
    assert ask("/collections/incidents/items?datetime=2020-01-01T00:00:00Z/..")[0] == 200
    assert ask("/collections/incidents/items?datetime=yesterday")[0] == 400


def test_req_core_query_param_unknown_and_invalid(ask):
    """/req/core/query-param-unknown, /req/core/query-param-invalid: 400."""
    assert ask("/collections/grids/items?colour=red")[0] == 400
    assert ask("/collections/grids/items?limit=-1")[0] == 400


def test_req_core_f_success(ask):
    """/req/core/f-op, f-success, f-links: one feature, linked to itself and its collection."""
    first = as_json(ask("/collections/grids/items?limit=1"))["features"][0]
    status, _, body = ask(f"/collections/grids/items/{first['id']}")
    feature = json.loads(body)
    assert status == 200 and feature["type"] == "Feature" and feature["id"] == first["id"]
    assert link(feature, "self") and link(feature, "collection")
    assert ask("/collections/grids/items/999999999")[0] == 404


def test_req_html_content(ask):
    """/req/html/definition, /req/html/content: every resource as HTML too."""
    for path in ("", "/collections", "/collections/grids", "/collections/grids/items?limit=2"):
        status, headers, _ = ask(path + ("&" if "?" in path else "?") + "f=html")
        assert status == 200 and headers["Content-Type"].startswith("text/html"), path


# --- Part 2: CRS by reference ------------------------------------------------------------------

def test_req_crs_collection_lists_and_storage_crs(ask):
    """/req/crs/fc-md-crs-list, fc-md-storageCrs, fc-md-crs-list-global: the CRSs offered,
    CRS84 among them, and the one the data is stored in."""
    grids = as_json(ask("/collections/grids"))
    assert CRS84 in grids["crs"] and grids["storageCrs"] == CRS84
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in as_json(ask("/conformance"))["conformsTo"]


def test_req_crs_fc_crs_valid_value_and_header(ask):
    """/req/crs/fc-crs-definition, fc-crs-valid-value, ogc-crs-header: a listed CRS is served
    and named in Content-Crs; one not listed is a 400."""
    cgcs = "http://www.opengis.net/def/crs/EPSG/0/4490"
    status, headers, _ = ask(f"/collections/grids/items?limit=1&crs={quote(cgcs)}")
    assert status == 200 and headers["Content-Crs"] == f"<{cgcs}>"
    assert ask(f"/collections/grids/items?crs={quote('http://www.opengis.net/def/crs/EPSG/0/2056')}")[0] == 400
    document = as_json(ask("/api"))
    parameters = {p["name"] for p in document["paths"]["/collections/grids/items"]["get"]["parameters"]}
    assert {"crs", "bbox-crs"} <= parameters


# --- Part 3: filtering ---------------------------------------------------------------------------

def test_req_queryables_get_queryables(ask):
    """/req/queryables/get-queryables-op, get-queryables-response: linked from the collection
    (rel .../queryables), a JSON Schema of an object."""
    grids = as_json(ask("/collections/grids"))
    found = next(l for l in grids["links"] if l["rel"] == "http://www.opengis.net/def/rel/ogc/1.0/queryables")
    status, headers, body = ask(found["href"], "application/schema+json")
    schema = json.loads(body)
    assert status == 200 and headers["Content-Type"].startswith("application/schema+json")
    assert schema["type"] == "object" and schema["$id"] == found["href"] and "code" in schema["properties"]


def test_req_filter_param_lang_and_response(ask):
    """/req/filter/filter-param, filter-lang-default, filter-lang-param, response: only the
    features meeting the filter, in cql2-text (the default) and cql2-json; an unknown language
    or an unreadable filter is a 400."""
    text = quote("kind = 'apartments'")
    by_text = as_json(ask(f"/collections/buildings/items?limit=1&filter={text}"))["numberMatched"]
    as_cql2_json = quote(json.dumps({"op": "=", "args": [{"property": "kind"}, "apartments"]}))
    by_json = as_json(ask(f"/collections/buildings/items?limit=1&filter-lang=cql2-json&filter={as_cql2_json}"))
    assert by_text == by_json["numberMatched"] > 0
    for feature in as_json(ask(f"/collections/buildings/items?limit=50&filter={text}"))["features"]:
        assert feature["properties"]["kind"] == "apartments"
    assert ask(f"/collections/buildings/items?filter-lang=ecql&filter={text}")[0] == 400
    assert ask(f"/collections/buildings/items?filter={quote('kind =')}")[0] == 400


def test_req_filter_crs(ask):
    """/req/filter/filter-crs-wgs84, filter-crs-param: literals are CRS84 unless filter-crs
    names another offered CRS."""
    in_crs84 = quote("S_INTERSECTS(geometry, BBOX(24.93, 60.16, 24.94, 60.165))")
    in_4326 = quote("S_INTERSECTS(geometry, BBOX(60.16, 24.93, 60.165, 24.94))")
    a = as_json(ask(f"/collections/buildings/items?limit=1&filter={in_crs84}"))["numberMatched"]
    b = as_json(ask(f"/collections/buildings/items?limit=1&filter={in_4326}"
                    f"&filter-crs={quote('http://www.opengis.net/def/crs/EPSG/0/4326')}"))["numberMatched"]
    assert a == b > 0


def test_the_cql2_classes_served_are_declared(ask):
    classes = as_json(ask("/conformance"))["conformsTo"]
    for name in ("cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators", "basic-spatial-functions",
                 "spatial-functions", "temporal-functions", "case-insensitive-comparison", "property-property",
                 "arithmetic"):
        assert f"http://www.opengis.net/spec/cql2/1.0/conf/{name}" in classes
    for name in ("filter", "features-filter", "queryables"):
        assert f"http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/{name}" in classes


# --- Part 4: declared, and only where served ------------------------------------------------------

def test_writes_are_declared_and_documented_only_on_plan_collections(ask, client, auth):
    """Part 4 create-replace-delete and update are declared; the API definition offers POST,
    PUT, PATCH and DELETE (with If-Match) on plan-{id} alone, and a city layer refuses them."""
    classes = as_json(ask("/conformance"))["conformsTo"]
    for name in ("create-replace-delete", "update"):
        assert f"http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/{name}" in classes
    community = as_json(ask("/collections/communities/items?limit=1"))["features"][0]["properties"]["code"]
    plan = client.post("/api/v1/plans", headers=auth("planner"), json={"area": community})
    assert plan.status_code == 201, plan.get_json()
    plan_id = plan.get_json()["id"]
    document = client.get("/ogcapi/api", headers=auth("planner")).get_json()
    writes = {path for path, operations in document["paths"].items()
              if {"post", "put", "patch", "delete"} & operations.keys()}
    assert f"/collections/plan-{plan_id}/items" in writes
    assert all(path.startswith("/collections/plan-") for path in writes)
    put = document["paths"][f"/collections/plan-{plan_id}/items/{{featureId}}"]["put"]
    assert any(p["name"] == "If-Match" and p["required"] for p in put["parameters"])
    refused = client.post("/ogcapi/collections/grids/items", headers=auth("admin"),
                          json={"type": "Feature", "geometry": None, "properties": {}})
    assert refused.status_code in (403, 405)
