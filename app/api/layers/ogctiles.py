"""OGC API – Tiles, Part 1, beside /tiles and over the same tile query (services/layers/tiles.py):
the WebMercatorQuad and WorldCRS84Quad tile matrix sets, each collection's vector tilesets
(/collections/{id}/tiles/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}) and the dataset's,
one tile holding a layer per collection (/tiles/WebMercatorQuad/…?collections=a,b). GDAL's and
QGIS's OGC API clients find them from the landing page and each collection's description.

WorldCRS84Quad is GDAL's: its OGCAPI driver prefers it, and cuts a vector tileset by the
collection's extent taken as coordinates of the tile matrix set's CRS (frmts/ogcapi, up to
3.12), which only a CRS84 set makes true: in WebMercatorQuad it needs the extent by hand."""
from __future__ import annotations

import re

from flask import Blueprint, jsonify, request, url_for

from ...auth import current_scope, current_user, permits, requires
from ...messages import Message
from ...services.layers import features, tiles, versions
from ...services.layers.tilematrixsets import CRS84, held, limits, union, web_mercator_quad, world_crs84_quad
from .. import http
from ..errors import Refused, described
from ..params import InvalidParameter
from .request import LayerRequest, layer_request, read_session

bp = Blueprint("ogctiles", __name__, url_prefix="/ogcapi")

MVT = "application/vnd.mapbox-vector-tile"
JSON = "application/json"
# each set with how PostGIS cuts its tiles, down to the same finest scale
TILE_MATRIX_SETS = {tms.id: tms for tms in [web_mercator_quad(tiles.MAX_ZOOM),
                                            world_crs84_quad(tiles.MAX_ZOOM - tiles.CRS84.shift)]}
GRIDS = {"WebMercatorQuad": tiles.MERCATOR, "WorldCRS84Quad": tiles.CRS84}
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
    _params(("json",))
    return jsonify(tileMatrixSets=[
        {"id": tms.id, "title": tms.title, "uri": tms.uri, "crs": tms.crs,
         "links": [_link(url_for(".tile_matrix_set", tms_id=tms.id, _external=True), "self", title=tms.title)]}
        for tms in TILE_MATRIX_SETS.values()])


@bp.get("/tileMatrixSets/<tms_id>")
@requires("layers:read", basic=True)
def tile_matrix_set(tms_id: str):
    _params(("json",))
    return jsonify(_tms(tms_id).document())


# -- a collection's tilesets --------------------------------------------------------------------

@bp.get("/collections/<collection_id>/tiles")
@requires("layers:read", basic=True)
def collection_tilesets(collection_id: str):
    _params(("json",))
    c = layer_request(collection_id, conditional=False).collection
    return jsonify(links=[_link(request.base_url, "self")], tilesets=[
        _tileset_item(tms, f"{c.title_en} ({c.title_zh})",
                      url_for(".collection_tileset", collection_id=c.id, tms_id=tms.id, _external=True))
        for tms in TILE_MATRIX_SETS.values()])


@bp.get("/collections/<collection_id>/tiles/<tms_id>")
@requires("layers:read", basic=True)
def collection_tileset(collection_id: str, tms_id: str):
    _params(("json",))
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
    _params(("mvt",))
    z, row, col = _tile(tms, tile_matrix, tile_row, tile_col)
    grid = GRIDS[tms.id]
    r = layer_request(collection_id, request.path)
    if r.not_modified:
        return r.not_modified
    made = tiles.tile(r.session, r.collection, z, col, row, r.scope, r.owner, also=r.versions, grid=grid)
    found = limits(tms, tiles.extent_at(r.session, r.collection, made.versions),
                   tiles.first_matrix(r.collection, grid))
    _check_held(found, collection_id, z, row, col)
    return http.whole(made.data, MVT, r.etag(made.versions))


# -- the dataset's tilesets: every collection, or those named -----------------------------------

@bp.get("/tiles")
@requires("layers:read", basic=True)
def dataset_tilesets():
    _params(("json",))
    return jsonify(links=[_link(request.base_url, "self")], tilesets=[
        _tileset_item(tms, "Gridmap 网格地图", url_for(".dataset_tileset", tms_id=tms.id, _external=True))
        for tms in TILE_MATRIX_SETS.values()])


@bp.get("/tiles/<tms_id>")
@requires("layers:read", basic=True)
def dataset_tileset(tms_id: str):
    _params(("json",), "collections")
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
    _params(("mvt",), "collections")
    z, row, col = _tile(tms, tile_matrix, tile_row, tile_col)
    grid = GRIDS[tms.id]
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
    drawn = [r for r in layers if z >= tiles.first_matrix(r.collection, grid)]
    made = [tiles.tile(session, r.collection, z, col, row, r.scope, r.owner, grid=grid,
                       also=versions.read_sql(tables, scope) if n == 0 else None) for n, r in enumerate(drawn)]
    read = made[0].versions if made else None
    etag = versions.tag(read, scope, key) if made else versions.etag(session, tables, scope, key)
    bbox = union([tiles.extent_at(session, r.collection, read) for r in layers])
    first = min((tiles.first_matrix(r.collection, grid) for r in layers), default=0)
    _check_held(limits(tms, bbox, first), "tiles", z, row, col)
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
            tms, bbox, min((tiles.first_matrix(c, GRIDS[tms.id]) for c in layers), default=0))]
    return body


def _layer(tms, c: features.Collection, bbox: list[float] | None) -> dict:
    # an integer key is the MVT feature's id; any other travels as the property "id"
    fields = ({} if c.text_key is None else {"id": {"title": "id"}}) | {name: {"title": name} for name in c.properties}
    first = tiles.first_matrix(c, GRIDS[tms.id])
    layer = {"id": c.id, "title": c.title_en, "description": f"{c.title_zh} / {c.title_en}", "dataType": "vector",
             "geometryDimension": GEOMETRY_DIMENSION[c.geometry_type],
             "minTileMatrix": str(first), "maxTileMatrix": tms.matrices[-1].id,
             "maxScaleDenominator": tms.matrix(first).scale_denominator,
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


def _params(formats: tuple[str, ...], *more: str) -> None:
    """The query takes f=, naming the one format each resource has, and the parameters named in
    `more`: any other is refused by name, as /items refuses one (a misspelt collections= would
    otherwise answer every collection)."""
    known = ("f", *more)
    unknown = sorted(set(request.args) - set(known))
    if unknown:
        raise InvalidParameter(unknown[0], "tile.unknown_param", name=unknown[0], known=known)
    asked = request.args.get("f")
    if asked is not None and asked not in formats:
        raise InvalidParameter("f", "param.one_of", name="f", known=formats)


def _check_held(found, tileset: str, z: int, row: int, col: int) -> None:
    """A tile outside the tileset's limits is not one of its tiles (/req/core/tc-error); with no
    limits (a layer with no data yet) the tile matrix set's own bounds are the only ones."""
    if found and not held(found, z, row, col):
        raise Refused(404, "NotFound", "tile.not_held", tileset=tileset, z=z, row=row, col=col)


def _tile(tms, tile_matrix: str, tile_row: str, tile_col: str) -> tuple[int, int, int]:
    """The tile asked for, in the tile matrix set's bounds: refused with the words /tiles uses
    where they fit, a square matrix (the tile service words its check in English only)."""
    for name, value in (("tileMatrix", tile_matrix), ("tileRow", tile_row), ("tileCol", tile_col)):
        if not WHOLE.fullmatch(value):
            raise InvalidParameter(name, "param.whole", name=name, value=value)
    z, row, col = int(tile_matrix), int(tile_row), int(tile_col)
    most = len(tms.matrices) - 1
    if not 0 <= z <= most:
        raise InvalidParameter("tileMatrix", "tile.zoom", most=most)
    m = tms.matrix(z)
    if row < m.matrix_height and col < m.matrix_width:
        return z, row, col
    name = "tileRow" if row >= m.matrix_height else "tileCol"
    if m.matrix_width == m.matrix_height:
        raise InvalidParameter(name, "tile.xy", z=z, most=m.matrix_width - 1)
    raise InvalidParameter(name, "tile.row_col", z=z, rows=m.matrix_height - 1, cols=m.matrix_width - 1)


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
    most = {tms.id: len(tms.matrices) - 1 for tms in TILE_MATRIX_SETS.values()}
    tile_params = [
        tms_id,
        _path_param("tileMatrix", "the zoom level: " + ", ".join(f"{i} 0–{z}" for i, z in most.items()),
                    {"type": "integer", "minimum": 0, "maximum": max(most.values())}),
        _path_param("tileRow", "the row from the top, 0 to the matrix's matrixHeight − 1 (2^tileMatrix − 1)",
                    {"type": "integer", "minimum": 0}),
        _path_param("tileCol", "the column from the left, 0 to the matrix's matrixWidth − 1 (WebMercatorQuad: "
                               "2^tileMatrix − 1, WorldCRS84Quad: 2^(tileMatrix + 1) − 1)",
                    {"type": "integer", "minimum": 0}),
    ]
    json_f = _query_param("f", "the answer's format (the tile matrix sets and tilesets are JSON)",
                          {"type": "string", "enum": ["json"], "default": "json"})
    tile_f = _query_param("f", "the answer's format: a Mapbox vector tile",
                          {"type": "string", "enum": ["mvt"], "default": "mvt"})
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
               "400": _refusal("A tileMatrix, tileRow or tileCol outside the tile matrix set, an unknown "
                               "collection named in collections, or a query parameter the tile does not take "
                               "(code InvalidParameterValue)."),
               "404": _refusal("No such collection or tile matrix set, or a tile outside the tileset's "
                               "tileMatrixSetLimits (code NotFound).")}

    def get(summary: str, operation: str, ok: dict, *errors: str, parameters: list | None = None) -> dict:
        answers = {**ok, **{status: {"$ref": f"#/components/responses/{status}"}
                            for status in errors if status not in ok}}
        found = {"summary": summary, "operationId": operation, "responses": answers}
        if parameters:
            found["parameters"] = parameters
        return {"get": found}

    # any other query parameter is a 400 naming it (_params)
    paths = {
        "/tileMatrixSets": get("Tile matrix sets", "tileMatrixSets", json_ok, "400", "401", "403",
                               parameters=[json_f]),
        "/tileMatrixSets/{tileMatrixSetId}": get("A tile matrix set (OGC 17-083r4, JSON)", "tileMatrixSet", json_ok,
                                                 "400", "401", "403", "404", parameters=[tms_id, json_f]),
        "/tiles": get("Vector tilesets of all collections", "datasetTilesets", json_ok, "400", "401", "403",
                      parameters=[json_f]),
        "/tiles/{tileMatrixSetId}": get("Vector tileset of all collections, or those named", "datasetTileset",
                                        json_ok, "400", "401", "403", "404",
                                        parameters=[tms_id, collections_param, json_f]),
        "/tiles/{tileMatrixSetId}/{tileMatrix}/{tileRow}/{tileCol}": get(
            "A vector tile of all collections, or those named", "datasetTile", tile_ok, "401", "403",
            parameters=[*tile_params, collections_param, tile_f]),
    }
    for c in collections:
        base = f"/collections/{c.id}/tiles"
        paths[base] = get(f"{c.title_en}: vector tilesets", f"tilesets-{c.id}", json_ok, "400", "401", "403", "404",
                          parameters=[json_f])
        paths[f"{base}/{{tileMatrixSetId}}"] = get(f"{c.title_en}: vector tileset", f"tileset-{c.id}", json_ok,
                                                   "400", "401", "403", "404", parameters=[tms_id, json_f])
        paths[f"{base}/{{tileMatrixSetId}}/{{tileMatrix}}/{{tileRow}}/{{tileCol}}"] = get(
            f"{c.title_en}: a vector tile", f"tile-{c.id}", tile_ok, "401", "403", parameters=[*tile_params, tile_f])
    return paths


def _path_param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": schema}


def _query_param(name: str, description: str, schema: dict) -> dict:
    return {"name": name, "in": "query", "required": False, "style": "form", "explode": False,
            "description": description, "schema": schema}


def _refusal(description: str) -> dict:
    return {"description": description,
            "content": {JSON: {"schema": {"$ref": "#/components/schemas/exception"}}}}
