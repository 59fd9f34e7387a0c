"""The OGC API's OpenAPI document (/ogcapi/api) says what the server does: it is OpenAPI 3.0,
every collection is read with GET and only plan collections take writes (with If-Match and
their errors), bbox and limit carry the bounds the server enforces, and every path served
under /ogcapi is in it — and nothing that is not."""
from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import text
from werkzeug.exceptions import MethodNotAllowed, NotFound

from app.api.params import BBOX_LAT, BBOX_LON

pytestmark = pytest.mark.usefixtures("users")

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
WRITES = {"post", "put", "patch", "delete"}


# -- OpenAPI 3.0, checked by its rules ----------------------------------------------------------

PATH_ITEM_KEYS = METHODS | {"summary", "description", "servers", "parameters", "$ref"}
OPERATION_KEYS = {"tags", "summary", "description", "externalDocs", "operationId", "parameters",
                  "requestBody", "responses", "callbacks", "deprecated", "security", "servers"}
PARAMETER_KEYS = {"name", "in", "description", "required", "deprecated", "allowEmptyValue", "style",
                  "explode", "allowReserved", "schema", "example", "examples", "content"}
STYLES = {"query": {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
          "path": {"simple", "label", "matrix"}, "header": {"simple"}, "cookie": {"form"}}
SCHEMA_KEYS = {"title", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
               "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties",
               "minProperties", "required", "enum", "type", "allOf", "oneOf", "anyOf", "not", "items",
               "properties", "additionalProperties", "description", "format", "default", "nullable",
               "discriminator", "readOnly", "writeOnly", "xml", "externalDocs", "example", "deprecated", "$ref"}
TYPES = {"string", "number", "integer", "boolean", "array", "object"}
RESPONSE_KEY = re.compile(r"default|[1-5](\d\d|XX)")


def resolve(doc: dict, ref: str):
    node = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def schema_problems(doc: dict, schema, where: str) -> list[str]:
    if not isinstance(schema, dict):
        return [f"{where}: a schema is an object"]
    problems = [f"{where}: {k} is not a keyword of an OpenAPI 3.0 schema" for k in set(schema) - SCHEMA_KEYS]
    if "type" in schema and (not isinstance(schema["type"], str) or schema["type"] not in TYPES):
        problems.append(f"{where}: type {schema['type']!r} (3.0 takes one type name)")
    if schema.get("type") == "array" and "items" not in schema:
        problems.append(f"{where}: an array schema needs items")
    for key in ("items", "not", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            problems += schema_problems(doc, schema[key], f"{where}.{key}")
    for key in ("allOf", "oneOf", "anyOf"):
        for n, sub in enumerate(schema.get(key, [])):
            problems += schema_problems(doc, sub, f"{where}.{key}[{n}]")
    for name, sub in schema.get("properties", {}).items():
        problems += schema_problems(doc, sub, f"{where}.{name}")
    return problems


def oas30_problems(doc: dict) -> list[str]:
    """What breaks the rules of the OpenAPI 3.0 specification in `doc`."""
    problems = []
    if not re.fullmatch(r"3\.0\.\d+", str(doc.get("openapi"))):
        problems.append("openapi is 3.0.x")
    if not isinstance(doc.get("info", {}).get("title"), str) or not isinstance(doc["info"].get("version"), str):
        problems.append("info needs a title and a version")
    for match in re.finditer(r'"\$ref": "([^"]+)"', json.dumps(doc)):
        try:
            resolve(doc, match.group(1))
        except (KeyError, TypeError):
            problems.append(f"$ref {match.group(1)} leads nowhere")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for requirement in doc.get("security", []):
        problems += [f"security names an unknown scheme {name}" for name in requirement if name not in schemes]
    for name, scheme in schemes.items():
        if scheme.get("type") not in ("apiKey", "http", "oauth2", "openIdConnect"):
            problems.append(f"securityScheme {name}: unknown type")
    for name, schema in doc.get("components", {}).get("schemas", {}).items():
        problems += schema_problems(doc, schema, f"schemas.{name}")
    operation_ids = []
    for path, item in doc.get("paths", {}).items():
        if not path.startswith("/"):
            problems.append(f"{path}: a path starts with /")
        problems += [f"{path}: {k} is not a field of a path item" for k in set(item) - PATH_ITEM_KEYS]
        templated = set(re.findall(r"{([^}]+)}", path))
        for method in set(item) & METHODS:
            operation, at = item[method], f"{method.upper()} {path}"
            problems += [f"{at}: {k} is not a field of an operation" for k in set(operation) - OPERATION_KEYS]
            operation_ids.append(operation.get("operationId"))
            seen, in_path = set(), set()
            for parameter in item.get("parameters", []) + operation.get("parameters", []):
                parameter = resolve(doc, parameter["$ref"]) if "$ref" in parameter else parameter
                problems += [f"{at}: parameter field {k}" for k in set(parameter) - PARAMETER_KEYS]
                key = (parameter.get("name"), parameter.get("in"))
                if key in seen:
                    problems.append(f"{at}: parameter {key} twice")
                seen.add(key)
                if parameter.get("in") not in STYLES:
                    problems.append(f"{at}: parameter {key} in an unknown place")
                elif parameter.get("style", next(iter(STYLES[parameter["in"]]))) not in STYLES[parameter["in"]]:
                    problems.append(f"{at}: parameter {key} has a style its place does not take")
                if ("schema" in parameter) == ("content" in parameter):
                    problems.append(f"{at}: parameter {key} needs a schema or a content, not both")
                if "schema" in parameter:
                    problems += schema_problems(doc, parameter["schema"], f"{at} {key}")
                if parameter.get("in") == "path":
                    in_path.add(parameter["name"])
                    if parameter.get("required") is not True:
                        problems.append(f"{at}: path parameter {key} must be required")
            if in_path != templated:
                problems.append(f"{at}: path parameters {sorted(in_path)} against the path's {sorted(templated)}")
            body = operation.get("requestBody")
            if body is not None and not body.get("content"):
                problems.append(f"{at}: a request body needs content")
            for media in (body or {}).get("content", {}).values():
                problems += schema_problems(doc, media.get("schema", {}), f"{at} body")
            responses = operation.get("responses") or {}
            if not responses:
                problems.append(f"{at}: an operation needs responses")
            for status, response in responses.items():
                if not RESPONSE_KEY.fullmatch(str(status)):
                    problems.append(f"{at}: response key {status}")
                response = resolve(doc, response["$ref"]) if "$ref" in response else response
                if not isinstance(response.get("description"), str):
                    problems.append(f"{at} {status}: a response needs a description")
                for media in response.get("content", {}).values():
                    problems += schema_problems(doc, media.get("schema", {}), f"{at} {status}")
                for name, header in response.get("headers", {}).items():
                    if {"name", "in"} & set(header) or "schema" not in header:
                        problems.append(f"{at} {status}: header {name} is a header object with a schema")
    problems += [f"operationId {o} is not unique" for o in set(operation_ids) if operation_ids.count(o) > 1]
    problems += ["an operation without an operationId"] if None in operation_ids else []
    return problems


# -- the document against the server ------------------------------------------------------------

@pytest.fixture(scope="module")
def plan_id(app, users):
    """A draft plan the planner may see and edit: its collection plan-{id} is listed."""
    from app import db
    client = app.test_client()
    with app.app_context():
        community = db.session().execute(text(
            "SELECT code FROM area WHERE level = 'community' ORDER BY code LIMIT 1")).scalar_one()
    made = client.post("/api/v1/plans", json={"area": community},
                       headers={"Authorization": f"Bearer {users['planner']['token']}"})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


@pytest.fixture()
def document(client, auth, plan_id):
    response = client.get("/ogcapi/api", headers=auth("planner"))
    assert response.status_code == 200
    return response.get_json()


def test_the_document_is_openapi_3_0(document):
    assert oas30_problems(document) == []


def test_every_collection_is_read_and_only_plan_collections_take_writes(document, plan_id, client, auth):
    listed = [c["id"] for c in client.get("/ogcapi/collections", headers=auth("planner")).get_json()["collections"]]
    assert f"plan-{plan_id}" in listed
    for c in listed:
        assert "get" in document["paths"][f"/collections/{c}"]
        assert "get" in document["paths"][f"/collections/{c}/items"]
        assert "get" in document["paths"][f"/collections/{c}/items/{{featureId}}"]
    writes = {(path, method) for path, item in document["paths"].items() for method in set(item) & WRITES}
    # other drafts the planner may see (made by other tests) take writes too, on their own paths
    assert all(path.startswith("/collections/plan-") for path, _ in writes)
    assert {(p, m) for p, m in writes if p.startswith(f"/collections/plan-{plan_id}/")} == \
        {(f"/collections/plan-{plan_id}/items", "post")} | {
            (f"/collections/plan-{plan_id}/items/{{featureId}}", m) for m in ("put", "patch", "delete")}
    one = document["paths"][f"/collections/plan-{plan_id}/items/{{featureId}}"]
    for method in ("put", "patch", "delete"):
        headers = {p["name"]: p for p in one[method]["parameters"] if p["in"] == "header"}
        assert headers["If-Match"]["required"] is True
        assert {"400", "401", "403", "404", "409", "412", "422", "428"} <= set(one[method]["responses"])
    for status in ("400", "401", "403", "404", "409", "412", "422", "428"):
        answer = document["components"]["responses"][status]
        assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/exception"}
    # and the server does refuse a write on a collection the document lists no write for
    refused = client.post("/ogcapi/collections/grids/items", headers=auth("planner"),
                          json={"type": "Feature", "geometry": None, "properties": {}})
    assert refused.status_code == 409 and refused.get_json()["code"] == "NotEditable"


def test_bbox_and_limit_state_the_bounds_the_server_enforces(document, client, auth):
    parameters = {p["name"]: p for p in document["paths"]["/collections/grids/items"]["get"]["parameters"]}
    bbox, limit = parameters["bbox"]["schema"], parameters["limit"]["schema"]
    assert (bbox["minItems"], bbox["maxItems"]) == (4, 4)
    assert (bbox["items"]["minimum"], bbox["items"]["maximum"]) == (BBOX_LON[0], BBOX_LON[1])
    assert f"latitudes {BBOX_LAT[0]:g} to {BBOX_LAT[1]:g}" in parameters["bbox"]["description"]
    assert limit["minimum"] == 1 and limit["default"] == 100

    def status(query):
        return client.get(f"/ogcapi/collections/grids/items?{query}", headers=auth("planner")).status_code
    # above the maximum the page is served at it (OGC API – Features, /req/core/fc-limit-response-1)
    assert [status(f"limit={limit['maximum']}"), status(f"limit={limit['maximum'] + 1}"), status("limit=0")] \
        == [200, 200, 400]
    assert [status("bbox=-180,-90,180,90"), status("bbox=-181,0,0,1"), status("bbox=0,-91,1,0"),
            status("bbox=1,0,0,1")] == [200, 400, 400, 400]


def test_every_path_served_under_ogcapi_is_in_the_document_and_nothing_else(app, document, plan_id):
    served = [(rule, method.lower()) for rule in app.url_map.iter_rules() if rule.rule.startswith("/ogcapi")
              for method in rule.methods - {"HEAD", "OPTIONS"}]
    documented = [("/ogcapi" + path.rstrip("/"), method) for path, item in document["paths"].items()
                  for method in set(item) & METHODS]
    for rule, method in served:
        pattern = re.sub(r"<(?:[^:>]+:)?[^>]+>", "[^/]+", rule.rule)
        assert any(m == method and re.fullmatch(pattern, p.replace("{featureId}", "1")) for p, m in documented), \
            f"{method.upper()} {rule.rule} is served but not in the document"
    adapter = app.url_map.bind("localhost")
    for path, method in documented:
        try:
            adapter.match(path.replace("{featureId}", "1"), method=method.upper())
        except (NotFound, MethodNotAllowed):
            pytest.fail(f"{method.upper()} {path} is in the document but not served")
