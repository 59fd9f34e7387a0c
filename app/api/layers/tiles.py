"""Vector tiles /tiles/{collection}/{z}/{x}/{y}.mvt and a TileJSON per collection."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from ...auth import require, requires
from ...services.layers import features, tiles
from ...messages import Message
from .. import http
from ..errors import described
from .ogcapi import unknown_collection
from .request import layer_request, read_session

bp = Blueprint("tiles", __name__, url_prefix="/tiles")
MVT = "application/vnd.mapbox-vector-tile"


@bp.get("/<collection_id>.json")
@requires("layers:read", basic=True)
def tilejson(collection_id: str):
    c = features.collection(collection_id)
    require(c.permission)
    template = url_for(".tile", collection_id=c.id, z=0, x=0, y=0, _external=True).replace(
        "/0/0/0.mvt", "/{z}/{x}/{y}.mvt")
    return jsonify(tiles.tilejson(c, template, features.extent(read_session((c,)), c)))


@bp.get("/<collection_id>/<int:z>/<int:x>/<int:y>.mvt")
@requires("layers:read", basic=True)
def tile(collection_id: str, z: int, x: int, y: int):
    tiles.check_tile(z, x, y)
    r = layer_request(collection_id, request.path)
    if r.not_modified:
        return r.not_modified
    made = tiles.tile(r.session, r.collection, z, x, y, r.scope, r.owner, also=r.versions)
    return http.whole(made.data, MVT, r.etag(made.versions))


@bp.errorhandler(tiles.InvalidTile)
def _invalid(_error):
    # the tile service words it in English only (app/services/layers/tiles.py): said here
    # from the tile asked for
    z = (request.view_args or {}).get("z", 0)
    message = (Message("tile.zoom", most=tiles.MAX_ZOOM) if not 0 <= z <= tiles.MAX_ZOOM
               else Message("tile.xy", z=z, most=2 ** z - 1))
    return jsonify(code="InvalidParameterValue", description=described(message)), 400


bp.register_error_handler(features.UnknownCollection, unknown_collection)
