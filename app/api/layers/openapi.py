"""The OpenAPI 3.0 document of the OGC API, written from the collection declarations so the
two cannot disagree."""
from __future__ import annotations

from ...services.layers.features import Collection

_EXCEPTION = {"description": "An error, in the OGC exception format",
              "content": {"application/json": {"schema": {"$ref": "#/components/schemas/exception"}}}}


def _param(name: str, description: str, schema: dict, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "description": description, "required": required,
            "schema": schema, "style": "form", "explode": False}


def openapi_document(server: str, collections: list[Collection]) -> dict:
    common = [
        _param("bbox", "minLon,minLat,maxLon,maxLat in WGS84 degrees",
               {"type": "array", "minItems": 4, "maxItems": 4, "items": {"type": "number"}}),
        _param("limit", "features per page (1–10000, default 100)",
               {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100}),
        _param("offset", "features to skip (the next/prev links carry it)",
               {"type": "integer", "minimum": 0, "default": 0}),
    ]
    paths: dict = {
        "/": {"get": {"summary": "Landing page", "operationId": "landing",
                      "responses": {"200": {"description": "links to the API"}}}},
        "/conformance": {"get": {"summary": "Conformance classes", "operationId": "conformance",
                                 "responses": {"200": {"description": "conformsTo"}}}},
        "/api": {"get": {"summary": "This document", "operationId": "api",
                         "responses": {"200": {"description": "OpenAPI 3.0"}}}},
        "/collections": {"get": {"summary": "The collections you may read", "operationId": "collections",
                                 "responses": {"200": {"description": "collections"}}}},
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
            "responses": {"200": {"description": "the collection"}, "404": _EXCEPTION}}}
        paths[f"/collections/{c.id}/items"] = {"get": {
            "summary": f"{c.title_en}: features", "operationId": f"items-{c.id}",
            "parameters": parameters,
            "responses": {"200": {"description": "a GeoJSON FeatureCollection",
                                  "content": {"application/geo+json": {"schema": {"type": "object"}}}},
                          "304": {"description": "unchanged since the ETag sent in If-None-Match"},
                          "400": _EXCEPTION}}}
        paths[f"/collections/{c.id}/items/{{featureId}}"] = {"get": {
            "summary": f"{c.title_en}: one feature", "operationId": f"item-{c.id}",
            "parameters": [_param("featureId", "the feature's id", {"type": "string"}, "path", True)],
            "responses": {"200": {"description": "a GeoJSON Feature",
                                  "content": {"application/geo+json": {"schema": {"type": "object"}}}},
                          "404": _EXCEPTION}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Gridmap OGC API – Features", "version": "1.0.0"},
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "schemas": {"exception": {"type": "object", "required": ["code"], "properties": {
                "code": {"type": "string"}, "description": {"type": "string"}}}},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"},
                                "basic": {"type": "http", "scheme": "basic"}}},
        "security": [{"bearer": []}, {"basic": []}],
    }
