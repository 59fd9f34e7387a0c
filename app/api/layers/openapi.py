"""The OpenAPI 3.0 document of the OGC API, written from what decides the server's behaviour —
the collection declarations, parse_bbox's ranges (app/api/params.py), the page limits of
ogcapi.py, the writes of edits.py on plan collections and the errors each answers — so the
document and the server cannot disagree.

Every collection is read (GET); only a grid plan's own collection, plan-{id}, takes writes
(OGC API – Features Part 4: POST, PUT, PATCH, DELETE with If-Match). The city's layers change
only by filing a plan."""
from __future__ import annotations

from ...models import GRID_KINDS
from ...services.accounts.idempotency import MAX_KEY_LENGTH
from ...services.layers.features import Collection
from ...services.planning.edits import PROPERTIES
from ..params import BBOX_LAT, BBOX_LON
from .ogctiles import openapi_paths as tiles_paths

GEOJSON = "application/geo+json"


def _error(description: str, headers: dict | None = None) -> dict:
    answer = {"description": description,
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}}
    if headers:
        answer["headers"] = headers
    return answer


_STRING_HEADER = {"schema": {"type": "string"}}

# The answers the server gives, each in one place; operations refer to them by status.
RESPONSES = {
    "400": _error("A parameter or body the server cannot read: a bbox, limit, offset, datetime or f "
                  "outside what is stated, an unknown parameter, or text holding a NUL character or "
                  "not UTF-8 (code InvalidParameterValue or InvalidBody)."),
    "401": _error("No credentials, or credentials that are unknown, expired or revoked (code "
                  "Unauthorized).", {"WWW-Authenticate": {**_STRING_HEADER,
                                                          "description": 'Bearer, Basic realm="Gridmap"'}}),
    "403": _error("The role may not do this, or a signed-in browser's write lacks its CSRF token "
                  "(code Forbidden or CSRFTokenMissing)."),
    "404": _error("No such collection, or no such feature that you may see (code NotFound)."),
    "409": _error("The plan is no longer a draft or a rejected plan, so it takes no edits: withdraw "
                  "a submitted plan first (code NotEditable)."),
    "412": _error("The feature changed since the ETag sent in If-Match was read: `current` holds the "
                  "feature as it is now (code PreconditionFailed)."),
    "413": _error("The request is larger than the server takes (code PayloadTooLarge)."),
    "422": _error("Not a feature of a plan: a geometry that is not a WGS84 Polygon or MultiPolygon, an "
                  "unknown or wrong property (code InvalidEdit; `errors` by property), or an "
                  "Idempotency-Key sent before with another request (code IdempotencyKeyReused)."),
    "428": _error("No If-Match: say which version of the feature you edited (code "
                  "PreconditionRequired)."),
}


def _param(name: str, description: str, schema: dict, where: str = "query", required: bool = False) -> dict:
    found = {"name": name, "in": where, "description": description, "required": required, "schema": schema}
    if where == "query":
        found.update(style="form", explode=False)
    return found


def _answers(ok: dict, *errors: str) -> dict:
    return {**ok, **{status: {"$ref": f"#/components/responses/{status}"} for status in errors}}


def _feature(description: str, status: str = "200", **headers) -> dict:
    return {status: {"description": description,
                     "headers": {"ETag": {**_STRING_HEADER,
                                          "description": 'the version to send back in If-Match ("pf{id}-{version}")'},
                                 **headers},
                     "content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/planFeature"}}}}}


_READ_ERRORS = ("400", "401", "403", "404")
_WRITE_ERRORS = ("400", "401", "403", "404", "409", "413", "422")
_NOT_MODIFIED = {"304": {"description": "Unchanged since the ETag sent in If-None-Match."}}


def openapi_document(server: str, collections: list[Collection], limit: tuple[int, int],
                     formats: tuple[tuple[str, ...], tuple[str, ...]] = (("json", "html"), ("json",)),
                     crs: list[str] = ()) -> dict:
    """`limit`: (default, maximum) features per page; `formats`: the f= of the documents and
    of the items; `crs`: the CRSs every collection is served in."""
    default_limit, max_limit = limit
    document_formats, items_formats = formats
    crs_schema = {"type": "string", "format": "uri", "enum": list(crs)} if crs else {"type": "string"}
    in_crs = _param("crs", "the CRS of the answer's coordinates, in that CRS's axis order (default CRS84: "
                           "longitude, latitude); the answer's Content-Crs header names it", crs_schema)
    (west, east), (south, north) = BBOX_LON, BBOX_LAT
    common = [
        _param("bbox", f"minLon,minLat,maxLon,maxLat in WGS84 degrees: longitudes {west:g} to {east:g}, "
                       f"latitudes {south:g} to {north:g}, each minimum not above its maximum",
               {"type": "array", "minItems": 4, "maxItems": 4,
                "items": {"type": "number", "minimum": min(west, south), "maximum": max(east, north)}}),
        _param("limit", f"features per page (1–{max_limit}, default {default_limit}; a larger limit is served "
                        f"at {max_limit})",
               {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit}),
        _param("offset", "features to skip (the next/prev links carry it)",
               {"type": "integer", "minimum": 0, "default": 0}),
        _param("f", "the answer's format: GeoJSON, a page to read (html), CSV with WKT geometry, or "
                    "GeoJSON text sequences (RFC 8142)",
               {"type": "string", "enum": list(items_formats), "default": "json"}),
        in_crs,
        _param("bbox-crs", "the CRS the bbox is given in, in its axis order (default CRS84)", crs_schema),
        _param("filter", "a CQL2 condition on the queryables (/collections/{id}/queryables), e.g. "
                         "status = 'reported' AND S_INTERSECTS(geometry, BBOX(24.9,60.1,25.0,60.2))",
               {"type": "string"}),
        # GDAL's client sends its filters only when this list names the draft's "cql-text"
        _param("filter-lang", "cql2-text (default) or cql2-json; cql-text, the draft's name, reads as cql2-text",
               {"type": "string", "enum": ["cql2-text", "cql2-json", "cql-text"], "default": "cql2-text"}),
        _param("filter-crs", "the CRS of the geometries in the filter (default CRS84)", crs_schema),
        _param("sortby", "properties to order by, each +name (ascending, the default) or -name, "
                         "comma-separated; the feature id breaks ties, so pages are stable",
               {"type": "array", "items": {"type": "string"}}),
        _param("properties", "only these properties, comma-separated", {"type": "array", "items": {"type": "string"}}),
        _param("skipGeometry", "true: features without their geometry", {"type": "boolean", "default": False}),
    ]
    documents_f = _param("f", "the answer's format", {"type": "string", "enum": list(document_formats),
                                                      "default": "json"})
    schema_answer = {"200": {"description": "a JSON Schema",
                             "content": {"application/schema+json": {"schema": {"type": "object"}}}}}
    plain = {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
    paths: dict = {
        "/": {"get": {"summary": "Landing page", "operationId": "landing",
                      "responses": _answers(plain, "401", "403")}},
        "/conformance": {"get": {"summary": "Conformance classes", "operationId": "conformance",
                                 "responses": _answers(plain, "401", "403")}},
        "/api": {"get": {"summary": "This document", "operationId": "api",
                         "responses": _answers({"200": {"description": "OpenAPI 3.0", "content": {
                             "application/vnd.oai.openapi+json;version=3.0": {"schema": {"type": "object"}}}}},
                             "401", "403")}},
        "/collections": {"get": {"summary": "The collections you may read", "operationId": "collections",
                                 "responses": _answers(plain, "401", "403")}},
    }
    for c in collections:
        parameters = list(common)
        if c.temporal:
            parameters.append(_param("datetime", "an RFC 3339 instant, or start/end ('..' for open)",
                                     {"type": "string"}))
        parameters += [_param(name, f"only features whose {name} equals this", {"type": "string"})
                       for name in sorted(c.filters)]
        paths[f"/collections/{c.id}"] = {"get": {
            "summary": f"{c.title_en} ({c.title_zh})", "operationId": f"describe-{c.id}",
            "parameters": [documents_f], "responses": _answers(plain, *_READ_ERRORS)}}
        paths[f"/collections/{c.id}/queryables"] = {"get": {
            "summary": f"{c.title_en}: what a filter may name", "operationId": f"queryables-{c.id}",
            "parameters": [documents_f], "responses": _answers(schema_answer, *_READ_ERRORS)}}
        paths[f"/collections/{c.id}/schema"] = {"get": {
            "summary": f"{c.title_en}: a feature's schema", "operationId": f"schema-{c.id}",
            "parameters": [documents_f], "responses": _answers(schema_answer, *_READ_ERRORS)}}
        items = {"get": {
            "summary": f"{c.title_en}: features", "operationId": f"items-{c.id}",
            "parameters": parameters,
            "responses": _answers({"200": {"description": "a GeoJSON FeatureCollection, a page of it",
                                           "headers": {"ETag": _STRING_HEADER},
                                           "content": {GEOJSON: {"schema": {"type": "object"}}}},
                                   **_NOT_MODIFIED}, *_READ_ERRORS)}}
        item = {"get": {
            "summary": f"{c.title_en}: one feature", "operationId": f"item-{c.id}",
            "parameters": [_param("featureId", "the feature's id", {"type": "string"}, "path", True),
                           in_crs, documents_f],
            "responses": _answers({"200": {"description": "a GeoJSON Feature",
                                           "headers": {"ETag": _STRING_HEADER},
                                           "content": {GEOJSON: {"schema": {"type": "object"}}}},
                                   **_NOT_MODIFIED}, *_READ_ERRORS)}}
        if c.plan_id is not None:
            items["post"], write_item = _plan_writes(c)
            item.update(write_item)
        paths[f"/collections/{c.id}/items"] = items
        paths[f"/collections/{c.id}/items/{{featureId}}"] = item
    paths.update(tiles_paths(collections))
    return {
        "openapi": "3.0.3",
        "info": {"title": "Gridmap OGC API – Features", "version": "1.0.0",
                 "description": "Every collection is read with GET. Only a grid plan's collection "
                                "(plan-{id}) takes writes, while the plan is a draft or rejected; the "
                                "city's layers change only by filing a plan."},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": {
                "exception": {"type": "object", "required": ["code", "description"], "properties": {
                    "code": {"type": "string"}, "description": {"type": "string"},
                    "description_zh": {"type": "string"},
                    "parameter": {"type": "string", "description": "the parameter refused"},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"}},
                    "current": {"type": "array", "items": {"$ref": "#/components/schemas/planFeature"},
                                "description": "with 412: the features as they are now"}}},
                "planFeature": {
                    "type": "object", "required": ["type", "geometry"],
                    "properties": {
                        "type": {"type": "string", "enum": ["Feature"]},
                        "id": {"type": "integer"},
                        "geometry": {"$ref": "#/components/schemas/planGeometry"},
                        "properties": {"$ref": "#/components/schemas/planProperties"}}},
                "planGeometry": {
                    "type": "object", "required": ["type", "coordinates"],
                    "description": "WGS84 longitude, latitude",
                    "properties": {"type": {"type": "string", "enum": ["Polygon", "MultiPolygon"]},
                                   "coordinates": {"type": "array", "items": {}}}},
                "planProperties": {"type": "object", "properties": {
                    **{name: {"type": "string", "nullable": True} for name in PROPERTIES},
                    "kind": {"type": "string", "enum": list(GRID_KINDS)}}},
            },
            "responses": RESPONSES,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "basic": {"type": "http", "scheme": "basic"}}},
        "security": [{"bearer": []}, {"basic": []}],
    }


def _plan_writes(c: Collection) -> tuple[dict, dict]:
    """POST on the items, PUT/PATCH/DELETE on one item (app/api/layers/edits.py)."""
    idempotency = _param("Idempotency-Key", "a retry with the same key gets the first answer back "
                         "(200, Idempotent-Replayed: true)",
                         {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH}, "header")
    if_match = _param("If-Match", "the ETag of the feature as you read it; without it 428, a stale one 412",
                      {"type": "string"}, "header", True)
    feature_id = _param("featureId", "the feature's id", {"type": "integer"}, "path", True)
    feature_body = {"required": True, "content": {
        media: {"schema": {"$ref": "#/components/schemas/planFeature"}} for media in (GEOJSON, "application/json")}}
    location = {**_STRING_HEADER, "description": "the new feature"}
    create = {"summary": f"{c.title_en}: add a grid", "operationId": f"create-{c.id}",
              "parameters": [idempotency], "requestBody": feature_body,
              "responses": _answers(_feature("the grid as stored", "201", Location=location), *_WRITE_ERRORS)}
    one = {
        "put": {"summary": f"{c.title_en}: replace a grid", "operationId": f"replace-{c.id}",
                "parameters": [feature_id, if_match, idempotency], "requestBody": feature_body,
                "responses": _answers(_feature("the grid as stored"), *_WRITE_ERRORS, "412", "428")},
        "patch": {"summary": f"{c.title_en}: change a grid's geometry or properties (JSON merge patch)",
                  "operationId": f"patch-{c.id}",
                  "parameters": [feature_id, if_match, idempotency],
                  "requestBody": {"required": True, "content": {
                      media: {"schema": {"type": "object", "properties": {
                          "geometry": {"$ref": "#/components/schemas/planGeometry"},
                          "properties": {"$ref": "#/components/schemas/planProperties"}}}}
                      for media in ("application/merge-patch+json", "application/json")}},
                  "responses": _answers(_feature("the grid as stored"), *_WRITE_ERRORS, "412", "428")},
        "delete": {"summary": f"{c.title_en}: remove a grid", "operationId": f"delete-{c.id}",
                   "parameters": [feature_id, if_match, idempotency],
                   "responses": _answers({"204": {"description": "removed"}}, *_WRITE_ERRORS, "412", "428")},
    }
    return create, one
