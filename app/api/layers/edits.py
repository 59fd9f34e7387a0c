"""OGC API – Features Part 4 (Create, Replace, Update, Delete) on plan collections: a planner's
desktop GIS or the /planner page writes plan-{id} features with If-Match, and the second of
two planners editing one feature gets 412 with what it is now. The city's own layers are
read-only here: they change only by filing a plan."""
from __future__ import annotations

from flask import Blueprint, jsonify, request, url_for

from ... import db
from ...auth import requires
from ...services.layers import features
from ...services.planning import edits as plan_edits, plans
from ..idempotent import transactional
from ..plans import actor, plan_error
from .ogcapi import unknown_collection

bp = Blueprint("ogcapi_edits", __name__, url_prefix="/ogcapi")
bp.register_error_handler(plans.PlanError, plan_error)
bp.register_error_handler(features.UnknownCollection, unknown_collection)
GEOJSON = "application/geo+json"


def _plan_id(collection_id: str) -> int:
    c = features.collection(collection_id)
    if c.plan_id is None:
        raise plans.NotEditable("layers.read_only", {"collection": collection_id})
    return c.plan_id


def _body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise plans.InvalidEdit("layers.feature_body", field="body")
    return body


def _if_match(feature_id: int) -> int | None:
    sent = request.headers.get("If-Match")
    if sent is None:
        return None
    version = plans.version_from_etag(sent, feature_id)
    if version is None:      # an ETag of something else is never this feature's current one
        return -1
    return version


def _answer(feature, status: int = 200):
    response = jsonify(plan_edits.as_feature(db.session(), feature))
    response.status_code = status
    response.mimetype = GEOJSON
    response.headers["ETag"] = plans.feature_etag(feature.id, feature.version)
    return response


@bp.post("/collections/<collection_id>/items")
@requires("plans:write", basic=True)
@transactional
def create(collection_id: str):
    plan_id = _plan_id(collection_id)
    feature = plan_edits.create(db.session(), plan_id, _body(), actor())
    response = _answer(feature, 201)
    response.headers["Location"] = url_for("ogcapi.item", collection_id=collection_id,
                                           feature_id=feature.id, _external=True)
    return response


@bp.put("/collections/<collection_id>/items/<int:feature_id>")
@requires("plans:write", basic=True)
@transactional
def replace(collection_id: str, feature_id: int):
    feature = plan_edits.replace(db.session(), _plan_id(collection_id), feature_id, _body(),
                                 _if_match(feature_id), actor())
    return _answer(feature)


@bp.patch("/collections/<collection_id>/items/<int:feature_id>")
@requires("plans:write", basic=True)
@transactional
def patch(collection_id: str, feature_id: int):
    body = request.get_json(silent=True)
    feature = plan_edits.patch(db.session(), _plan_id(collection_id), feature_id, body,
                               _if_match(feature_id), actor())
    return _answer(feature)


@bp.delete("/collections/<collection_id>/items/<int:feature_id>")
@requires("plans:write", basic=True)
@transactional
def delete(collection_id: str, feature_id: int):
    plan_edits.delete(db.session(), _plan_id(collection_id), feature_id, _if_match(feature_id), actor())
    return "", 204
