"""OGC API – Features. So far the items of each collection, with bbox and limit; the
landing page, conformance, OpenAPI and paging links follow (layers API issue)."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from .. import db
from ..auth import current_scope, require, requires
from ..services import features
from .params import InvalidParameter, parse_bbox, parse_int

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")

MAX_LIMIT = 10_000


@bp.get("/collections/<collection_id>/items")
@requires("layers:read", basic=True)
def items(collection_id: str):
    require(features.collection(collection_id).permission)
    bbox = parse_bbox(request.args.get("bbox"))
    limit = parse_int(request.args.get("limit"), "limit", 100, 1, MAX_LIMIT)
    offset = parse_int(request.args.get("offset"), "offset", 0, 0, 10**9)
    body = features.items_geojson(db.session(), collection_id, bbox, limit, offset, current_scope())
    return Response(body, mimetype="application/geo+json")


@bp.get("/collections/<collection_id>/items/<int:feature_id>")
@requires("layers:read", basic=True)
def item(collection_id: str, feature_id: int):
    require(features.collection(collection_id).permission)
    body = features.item_geojson(db.session(), collection_id, feature_id, current_scope())
    if body is None:
        return jsonify(code="NotFound", description=f"There is no feature {feature_id} in "
                       f"{collection_id!r} that you may see."), 404
    return Response(body, mimetype="application/geo+json")


# OGC exception format: {"code": ..., "description": ...}
@bp.errorhandler(InvalidParameter)
def _invalid(error: InvalidParameter):
    return jsonify(code="InvalidParameterValue", description=str(error)), 400


@bp.errorhandler(features.UnknownCollection)
def _unknown(error: features.UnknownCollection):
    return jsonify(code="NotFound", description=f"There is no collection named {error.args[0]!r}. "
                   f"Collections: {', '.join(features.COLLECTIONS)}"), 404
