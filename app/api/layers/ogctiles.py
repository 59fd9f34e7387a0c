"""OGC API – Tiles, Part 1, beside /tiles and over the same tile query (services/layers/tiles.py):
the WebMercatorQuad tile matrix set, each collection's vector tileset
(/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}) and the dataset's,
one tile holding a layer per collection (/tiles/WebMercatorQuad/…?collections=a,b). GDAL's and
QGIS's OGC API clients find them from the landing page and each collection's description."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify, request, url_for

from ...auth import current_scope, current_user, permits, requires
from ...messages import Message
from ...services.layers import features, tiles, versions
from ...services.layers.tilematrixsets import CRS84, held, limits, union, web_mercator_quad
from .. import http
from ..errors import Refused, described
from ..params import InvalidParameter
from .request import LayerRequest, layer_request, read_session

bp = Blueprint("ogctiles", __name__, url_prefix="/ogcapi")

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
TILE_MATRIX_SETS = {tms.id: tms for tms in [web_mercator_quad(tiles.MAX_ZOOM)]}
SPEC = "http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf"
CONFORMANCE = [f"{SPEC}/{name}" for name in (
    "core", "tileset", "tilesets-list", "geodata-tilesets", "dataset-tilesets", "collections-selection",
    "mvt", "oas30")]
REL = "http://www.opengis.net/def/rel/ogc/1.0"
TILESETS_VECTOR = f"{REL}/tilesets-vector"
TILING_SCHEME = f"{REL}/tiling-scheme"
GEOMETRY_DIMENSION = {"Point": 0, "LineString": 1, "MultiLineString": 1, "MultiPolygon": 2}
_TEMPLATE = {"tile_matrix": "{tileMatrix}", "tile_row": "{tileRow}", "tile_col": "{tileCol}"}
WHOLE = re.compile(r"[0-9]{1,9}")


def _link(href: str, rel: str, type_: str | None = JSON, title: str | None = None, **more) -> dict:
    link = {"href": href, "rel": rel}
    if type_:
        link["type"] = type_
    if title:
        link["title"] = title
    return {**link, **more}


# -- links from the OGC API – Features documents (app/api/layers/ogcapi.py) ---------------------

def collection_links(collection_id: str) -> list[dict]:
    """For a collection's description (/req/geodata-tilesets/desc-links)."""
    return [_link(url_for("ogctiles.collection_tilesets", collection_id=collection_id, _external=True),
                  TILESETS_VECTOR, title="Vector tiles (OGC API – Tiles)")]


def landing_links() -> list[dict]:
    """For the landing page (/req/dataset-tilesets/landingpage) and the tiling schemes."""
    return [_link(url_for("ogctiles.dataset_tilesets", _external=True), TILESETS_VECTOR,
                  title="Vector tiles of all collections (OGC API – Tiles)"),
            _link(url_for("ogctiles.tile_matrix_sets", _external=True), f"{REL}/tiling-schemes",
                  title="Tile matrix sets")]


# -- tile matrix sets ---------------------------------------------------------------------------

@bp.get("/tileMatrixSets")
@requires("layers:read", basic=True)
def tile_matrix_sets():
    _format(("json",))
    return jsonify(tileMatrixSets=[
        {"id": tms.id, "title": tms.title, "uri": tms.uri, "crs": tms.crs,
         "links": [_link(url_for(".tile_matrix_set", tms_id=tms.id, _external=True), "self", title=tms.title)]}
        for tms in TILE_MATRIX_SETS.values()])


@bp.get("/tileMatrixSets/<tms_id>")
@requires("layers:read", basic=True)
def tile_matrix_set(tms_id: str):
    _format(("json",))
    return jsonify(_tms(tms_id).document())


# -- a collection's tilesets --------------------------------------------------------------------

@bp.get("/collections/<collection_id>/tiles")
@requires("layers:read", basic=True)
def collection_tilesets(collection_id: str):
    _format(("json",))
    c = layer_request(collection_id, conditional=False).collection
    return jsonify(links=[_link(request.base_url, "self")], tilesets=[
        _tileset_item(tms, f"{c.title_en} ({c.title_zh})",
                      url_for(".collection_tileset", collection_id=c.id, tms_id=tms.id, _external=True))
        for tms in TILE_MATRIX_SETS.values()])


@bp.get("/collections/<collection_id>/tiles/<tms_id>")
@requires("layers:read", basic=True)
def collection_tileset(collection_id: str, tms_id: str):
    _format(("json",))
    tms = _tms(tms_id)
    c = layer_request(collection_id, conditional=False).collection
    template = _template(url_for(".collection_tile", collection_id=c.id, tms_id=tms.id, **_TEMPLATE, _external=True))
    more = [_link(url_for("ogcapi.collection_", collection_id=c.id, _external=True), f"{REL}/geodata"),
            _link(url_for("tiles.tilejson", collection_id=c.id, _external=True), "alternate", title="TileJSON")]
    return jsonify(_tileset(tms, [c], f"{c.title_en} ({c.title_zh})", template, more))


@bp.get("/collections/<collection_id>/tiles/<tms_id>/<tile_matrix>/<tile_row>/<tile_col>")
@requires("layers:read", basic=True)
def collection_tile(collection_id: str, tms_id: str, tile_matrix: str, tile_row: str, tile_col: str):
    tms = _tms(tms_id)
    _format(("mvt",))
    z, row, col = _tile(tile_matrix, tile_row, tile_col)
    r = layer_request(collection_id, request.path)
    if r.not_modified:
        return r.not_modified
    made = tiles.tile(r.session, r.collection, z, col, row, r.scope, r.owner, also=r.versions)
    found = limits(tms, tiles.extent_at(r.session, r.collection, made.versions), r.collection.minzoom)
    _check_held(found, collection_id, z, row, col)
    return http.whole(made.data, MVT, r.etag(made.versions))


# -- the dataset's tilesets: every collection, or those named -----------------------------------

@bp.get("/tiles")
@requires("layers:read", basic=True)
def dataset_tilesets():
    _format(("json",))
    return jsonify(links=[_link(request.base_url, "self")], tilesets=[
        _tileset_item(tms, "Gridmap 网格地图", url_for(".dataset_tileset", tms_id=tms.id, _external=True))
        for tms in TILE_MATRIX_SETS.values()])


@bp.get("/tiles/<tms_id>")
@requires("layers:read", basic=True)
def dataset_tileset(tms_id: str):
    _format(("json",))
    tms = _tms(tms_id)
    layers = [r.collection for r in _dataset_layers()]
    named = request.args.get("collections")
    template = _template(url_for(".dataset_tile", tms_id=tms.id, **_TEMPLATE, _external=True))
    if named:
        template += "?collections=" + ",".join(c.id for c in layers)
    return jsonify(_tileset(tms, layers, "Gridmap 网格地图", template,
                            [_link(url_for("ogcapi.landing", _external=True), f"{REL}/dataset")]))


@bp.get("/tiles/<tms_id>/<tile_matrix>/<tile_row>/<tile_col>")
@requires("layers:read", basic=True)
def dataset_tile(tms_id: str, tile_matrix: str, tile_row: str, tile_col: str):
    """One MVT with a layer per collection: MVT tiles concatenate, so each layer is the same
    tile the collection's own URL answers."""
    tms = _tms(tms_id)
    _format(("mvt",))
    z, row, col = _tile(tile_matrix, tile_row, tile_col)
    layers = _dataset_layers()
    session, scope = read_session(tuple(r.collection for r in layers)), current_scope()
    key = f"{','.join(str(r.owner) for r in layers)}|{request.full_path}"
    tables = tuple(sorted({t for r in layers for t in r.collection.tables}))
    if request.headers.get("If-None-Match"):
        not_modified = http.not_modified(versions.etag(session, tables, scope, key))
        if not_modified:
            return not_modified
    # the versions are read with the first layer drawn, so the ETag never names data newer than
    # the tile's: layers too dense at this zoom are left out, as the collections' own tiles are
    drawn = [r for r in layers if z >= r.collection.minzoom]
    made = [tiles.tile(session, r.collection, z, col, row, r.scope, r.owner,
                       also=versions.read_sql(tables, scope) if n == 0 else None) for n, r in enumerate(drawn)]
    read = made[0].versions if made else None
    etag = versions.tag(read, scope, key) if made else versions.etag(session, tables, scope, key)
    bbox = union([tiles.extent_at(session, r.collection, read) for r in layers])
    _check_held(limits(tms, bbox, min((r.collection.minzoom for r in layers), default=0)), "tiles", z, row, col)
    return http.whole(b"".join(m.data for m in made), MVT, etag)


def _dataset_layers() -> list[LayerRequest]:
    """The collections named in `collections` (ids, or their URLs: /req/collections-selection),
    each checked against the role as its own URL is; without it, every collection of the city
    the role may read."""
    named = request.args.get("collections")
    if not named:
        role = current_user().role
        return [layer_request(c.id, conditional=False) for c in features.COLLECTIONS.values()
                if permits(role, c.permission)]
    ids = []
    for item in named.split(","):
        item = item.strip().rstrip("/")
        if "/" in item:             # a collection's URL: …/collections/{id}
            item = item.rpartition("/collections/")[2]
        if item and item not in ids:
            ids.append(item)
    found = []
    for collection_id in ids:
        try:
            found.append(layer_request(collection_id, conditional=False))
        except features.UnknownCollection:
            raise InvalidParameter("collections", "layers.no_collection", name=collection_id,
                                   known=list(features.COLLECTIONS)) from None
    return found


# -- the documents ------------------------------------------------------------------------------

def _tileset_item(tms, title: str, href: str) -> dict:
    """A tileset in a list (/req/tilesets-list/tileset-links)."""
    return {"title": title, "dataType": "vector", "crs": tms.crs, "tileMatrixSetURI": tms.uri,
            "links": [_link(href, "self", title=f"{title}: {tms.id}"),
                      _link(url_for(".tile_matrix_set", tms_id=tms.id, _external=True), TILING_SCHEME,
                            title=tms.title)]}


def _tileset(tms, layers: list[features.Collection], title: str, template: str, more_links: list[dict]) -> dict:
    """Tileset metadata (OGC 17-083r4, clause 8, JSON): its layers with their fields, the tile
    URL template, the limits of the tiles that hold data and the bounding box."""
    session = read_session(tuple(layers))
    boxes = {c.id: features.extent(session, c) for c in layers}
    bbox = union(list(boxes.values()))
    body = {
        "title": title, "description": "; ".join(f"{c.title_zh} / {c.title_en}" for c in layers),
        "dataType": "vector", "crs": tms.crs, "tileMatrixSetURI": tms.uri, "mediaTypes": [MVT],
        "links": [_link(request.url, "self"),
                  _link(url_for(".tile_matrix_set", tms_id=tms.id, _external=True), TILING_SCHEME,
                        title=tms.title),
                  _link(template, "item", MVT, "Mapbox vector tile", templated=True),
                  *more_links],
        "layers": [_layer(tms, c, boxes[c.id]) for c in layers],
    }
    if bbox:
        body["boundingBox"] = _box(bbox)
        body["tileMatrixSetLimits"] = [lim.document() for lim in limits(
            tms, bbox, min((c.minzoom for c in layers), default=0))]
    return body


def _layer(tms, c: features.Collection, bbox: list[float] | None) -> dict:
    # an integer key is the MVT feature's id; any other travels as the property "id"
    fields = ({} if c.text_key is None else {"id": {"title": "id"}}) | {name: {"title": name} for name in c.properties}
    layer = {"id": c.id, "title": c.title_en, "description": f"{c.title_zh} / {c.title_en}", "dataType": "vector",
             "geometryDimension": GEOMETRY_DIMENSION[c.geometry_type],
             "minTileMatrix": str(c.minzoom), "maxTileMatrix": tms.matrices[-1].id,
             "maxScaleDenominator": tms.matrix(c.minzoom).scale_denominator,
             "minScaleDenominator": tms.matrices[-1].scale_denominator,
             "propertiesSchema": {"type": "object", "properties": fields},
             "links": [_link(url_for("ogcapi.collection_", collection_id=c.id, _external=True), f"{REL}/geodata",
                             title=c.title_en)]}
    if bbox:
        layer["boundingBox"] = _box(bbox)
    return layer


def _box(bbox: list[float]) -> dict:
    return {"lowerLeft": bbox[:2], "upperRight": bbox[2:], "crs": CRS84}


def _template(url: str) -> str:
    # url_for escapes a template's braces
    return url.replace("%7B", "{").replace("%7D", "}")


# -- refusals -----------------------------------------------------------------------------------

def _tms(tms_id: str):
    if tms_id not in TILE_MATRIX_SETS:
        raise Refused(404, "NotFound", "tile.no_matrix_set", name=tms_id, known=list(TILE_MATRIX_SETS))
    return TILE_MATRIX_SETS[tms_id]


def _format(known: tuple[str, ...]) -> None:
    """f= may only name the one format each resource has."""
    asked = request.args.get("f")
    if asked is not None and asked not in known:
        raise InvalidParameter("f", "param.one_of", name="f", known=known)


def _check_held(found, tileset: str, z: int, row: int, col: int) -> None:
    """A tile outside the tileset's limits is not one of its tiles (/req/core/tc-error); with no
    limits (a layer with no data yet) the tile matrix set's own bounds are the only ones."""
    if found and not held(found, z, row, col):
        raise Refused(404, "NotFound", "tile.not_held", tileset=tileset, z=z, row=row, col=col)


def _tile(tile_matrix: str, tile_row: str, tile_col: str) -> tuple[int, int, int]:
    """The tile asked for, in the tile matrix set's bounds: refused with the words /tiles uses
    (the tile service words its check in English only)."""
    for name, value in (("tileMatrix", tile_matrix), ("tileRow", tile_row), ("tileCol", tile_col)):
        if not WHOLE.fullmatch(value):
            raise InvalidParameter(name, "param.whole", name=name, value=value)
    z, row, col = int(tile_matrix), int(tile_row), int(tile_col)
    if not 0 <= z <= tiles.MAX_ZOOM:
        raise InvalidParameter("tileMatrix", "tile.zoom", most=tiles.MAX_ZOOM)
    if not (row < 2 ** z and col < 2 ** z):
        raise InvalidParameter("tileRow" if row >= 2 ** z else "tileCol", "tile.xy", z=z, most=2 ** z - 1)
    return z, row, col


@bp.errorhandler(features.UnknownCollection)
def _unknown_collection(error: features.UnknownCollection):
    # worded as the OGC API – Features words it (ogcapi.unknown_collection), which imports this
    # module for its links
    return jsonify(code="NotFound", description=described(Message(
        "layers.no_collection", name=error.args[0], known=list(features.COLLECTIONS)))), 404


# -- the OpenAPI paths (merged into the document by app/api/layers/openapi.py) ------------------

def openapi_paths(collections: list[features.Collection]) -> dict:
    """The paths above, relative to /ogcapi, for the collections the reader may see."""
    tms_id = _path_param("tileMatrixSetId", "the tile matrix set", {"type": "string", "enum": list(TILE_MATRIX_SETS)})
    most = tiles.MAX_ZOOM
    tile_params = [
        tms_id,
        _path_param("tileMatrix", f"the zoom level, 0–{most}", {"type": "integer", "minimum": 0, "maximum": most}),
        _path_param("tileRow", "the row from the top, 0 to 2^tileMatrix − 1", {"type": "integer", "minimum": 0}),
        _path_param("tileCol", "the column from the left, 0 to 2^tileMatrix − 1", {"type": "integer", "minimum": 0}),
    ]
    collections_param = {
        "name": "collections", "in": "query", "required": False, "style": "form", "explode": False,
        "description": "the collections to draw, by id or URL (default: every collection of the city the role "
                       "may read; a tile leaves out those too dense at its zoom)",
        "schema": {"type": "array", "items": {"type": "string"}}}
    json_ok = {"200": {"description": "OK", "content": {JSON: {"schema": {"type": "object"}}}}}
    tile_ok = {"200": {"description": "a Mapbox vector tile, a layer per collection (empty: no data there)",
                       "headers": {"ETag": {"schema": {"type": "string"}}},
                       "content": {MVT: {"schema": {"type": "string", "format": "binary"}}}},
               "304": {"description": "Unchanged since the ETag sent in If-None-Match."},
               "400": _refusal("A tileMatrix, tileRow or tileCol outside the tile matrix set, or an unknown "
                               "collection named in collections (code InvalidParameterValue)."),
               "404": _refusal("No such collection or tile matrix set, or a tile outside the tileset's "
                               "tileMatrixSetLimits (code NotFound).")}

    def get(summary: str, operation: str, ok: dict, *errors: str, parameters: list | None = None) -> dict:
        answers = {**ok, **{status: {"$ref": f"#/components/responses/{status}"}
                            for status in errors if status not in ok}}
        found = {"summary": summary, "operationId": operation, "responses": answers}
        if parameters:
            found["parameters"] = parameters
        return {"get": found}

    paths = {
        "/tileMatrixSets": get("Tile matrix sets", "tileMatrixSets", json_ok, "401", "403"),
        "/tileMatrixSets/{tileMatrixSetId}": get("A tile matrix set (OGC 17-083r4, JSON)", "tileMatrixSet", json_ok,
                                                 "401", "403", "404", parameters=[tms_id]),
        "/tiles": get("Vector tilesets of all collections", "datasetTilesets", json_ok, "401", "403"),
        "/tiles/{tileMatrixSetId}": get("Vector tileset of all collections, or those named", "datasetTileset",
                                        json_ok, "400", "401", "403", "404", parameters=[tms_id, collections_param]),
        "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": get(
            "A vector tile of all collections, or those named", "datasetTile", tile_ok, "401", "403",
            parameters=[*tile_params, collections_param]),
    }
    for c in collections:
        base = f"/collections/{c.id}/tiles"
        paths[base] = get(f"{c.title_en}: vector tilesets", f"tilesets-{c.id}", json_ok, "401", "403", "404")
        paths[f"{base}/{{tileMatrixSetId}}"] = get(f"{c.title_en}: vector tileset", f"tileset-{c.id}", json_ok,
                                                   "401", "403", "404", parameters=[tms_id])
        paths[f"{base}/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"] = get(
            f"{c.title_en}: a vector tile", f"tile-{c.id}", tile_ok, "401", "403", parameters=tile_params)
    return paths


def _path_param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def _refusal(description: str) -> dict:
    return {"description": description,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/exception"}}}}
