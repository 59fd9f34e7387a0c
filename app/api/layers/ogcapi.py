"""OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) under /ogcapi. QGIS and GDAL open
it with no plug-in; the map front end reads the same endpoints."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request, url_for

from ... import dates, db
from ...auth import current_scope, current_user, permits, requires
from ...messages import Message
from ...services.layers import features
from ...services.layers.features import InvalidQuery, ItemsQuery
from ...services.planning import plans
from .. import http
from ..errors import Refused, described
from ..params import InvalidParameter, parse_bbox, parse_int
from . import html
from .openapi import openapi_document
from .request import layer_request

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100
GEOJSON = "application/geo+json"
STANDARD_PARAMS = {"bbox", "limit", "offset", "datetime", "f"}
# f= on the documents and on a feature, and on the items (Part 1, /rec/core/html and beyond)
DOCUMENT_FORMATS = ("json", "html")
ITEMS_FORMATS = ("json", "geojson", "html", "csv", "geojsonseq")
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]


def _link(href: str, rel: str, type_: str, title: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": type_}
    if title:
        link["title"] = title
    return link


def answer_format(known: tuple[str, ...] = DOCUMENT_FORMATS) -> str:
    """The format asked for: f= when given, else HTML for a browser (its Accept puts text/html
    first) and JSON for every client (GDAL, QGIS and fetch() ask for JSON or anything)."""
    asked = request.args.get("f")
    if asked is not None:
        if asked not in known:
            raise InvalidParameter("f", "param.one_of", name="f", known=known)
        return asked
    accept = request.accept_mimetypes
    return "html" if accept.best_match(["application/json", "application/geo+json", "text/html"]) == "text/html" \
        else "json"


def _document(kind: str, body: dict) -> Response:
    if answer_format() == "html":
        return html.page(kind, body)
    response = jsonify(body)
    response.vary.add("Accept")
    return response


@bp.get("")
@requires("layers:read", basic=True)
def landing():
    return _document("landing", dict(
        title="Gridmap 网格地图", description="Grid-based community governance layers (OGC API – Features)",
        links=[_link(url_for(".landing", _external=True), "self", "application/json"),
               _link(url_for(".api", _external=True), "service-desc", "application/vnd.oai.openapi+json;version=3.0"),
               _link(url_for(".conformance", _external=True), "conformance", "application/json"),
               _link(url_for(".collections", _external=True), "data", "application/json")]))


@bp.get("/conformance")
@requires("layers:read", basic=True)
def conformance():
    return _document("conformance", {"conformsTo": CONFORMANCE})


@bp.get("/api")
@requires("layers:read", basic=True)
def api():
    return Response(json.dumps(openapi_document(url_for(".landing", _external=True), _readable(),
                                                (DEFAULT_LIMIT, MAX_LIMIT)), ensure_ascii=False),
                    mimetype="application/vnd.oai.openapi+json;version=3.0")


def _readable() -> list[features.Collection]:
    user = current_user()
    layers = [c for c in features.COLLECTIONS.values() if permits(user.role, c.permission)]
    if permits(user.role, "plans:read"):       # each plan the user may see is a collection too
        layers += [features.plan_collection(p.id) for p in plans.visible(db.session(), current_scope())]
    return layers


def _describe(c: features.Collection) -> dict:
    session = db.session()
    items = url_for(".items", collection_id=c.id, _external=True)
    body = {
        "id": c.id, "title": c.title_en, "description": f"{c.title_zh} / {c.title_en}",
        "itemType": "feature", "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "links": [_link(url_for(".collection_", collection_id=c.id, _external=True), "self", "application/json"),
                  _link(items, "items", GEOJSON, c.title_en),
                  _link(url_for("tiles.tilejson", collection_id=c.id, _external=True), "tiles",
                        "application/json", "TileJSON (vector tiles)")],
        "geometryType": c.geometry_type,
        "filters": sorted(c.filters),
    }
    bbox = features.extent(session, c)
    if bbox:
        body["extent"] = {"spatial": {"bbox": [bbox], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}}
    if c.temporal:
        body.setdefault("extent", {})["temporal"] = {"interval": [[None, None]],
                                                      "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"}
    return body


@bp.get("/collections")
@requires("layers:read", basic=True)
def collections():
    return _document("collections", {
        "links": [_link(url_for(".collections", _external=True), "self", "application/json")],
        "collections": [_describe(c) for c in _readable()]})


@bp.get("/collections/<collection_id>")
@requires("layers:read", basic=True)
def collection_(collection_id: str):
    return _document("collection", _describe(layer_request(collection_id).collection))


@bp.get("/collections/<collection_id>/items")
@requires("layers:read", basic=True)
def items(collection_id: str):
    fmt = answer_format(ITEMS_FORMATS)
    r = layer_request(collection_id, f"{request.full_path}|{fmt}")
    c = r.collection
    query = _items_query(c)
    if r.not_modified:
        return r.not_modified
    found = features.page(r.session, c, query, r.scope, r.owner, also=r.versions)
    returned = max(0, min(query.limit, found.matched - query.offset))
    links = _page_links(c, query, found.matched)
    head = '{"type":"FeatureCollection","features":['
    tail = (f'],"numberMatched":{found.matched},"numberReturned":{returned},'
            f'"timeStamp":"{datetime.now(timezone.utc).isoformat(timespec="seconds")}",'
            f'"links":{json.dumps(links)}}}')
    body = f"{head}{','.join(found.chunks)}{tail}"
    if fmt == "html":
        return html.page("items", json.loads(body), collection=_describe(c))
    # the page is in hand (at most MAX_LIMIT features): one compressed body with its length,
    # not a chunked stream of pieces
    return _negotiated(http.whole(body.encode(), GEOJSON, r.etag(found.versions)))


def _negotiated(response: Response) -> Response:
    """An answer that may have been chosen by the Accept header: caches keep them apart."""
    response.headers["Vary"] += ", Accept"
    return response


@bp.get("/collections/<collection_id>/items/<feature_id>")
@requires("layers:read", basic=True)
def item(collection_id: str, feature_id: str):
    fmt = answer_format()
    r = layer_request(collection_id, f"{request.full_path}|{fmt}")
    if r.not_modified:
        return r.not_modified
    c = r.collection
    body, read = features.item_geojson(r.session, collection_id, feature_id, r.scope, r.owner,
                                       also=r.versions)
    etag = r.etag(read)
    if body is None:
        raise Refused(404, "NotFound", "layers.no_feature", feature=feature_id, collection=collection_id)
    if c.plan_id is not None:       # an editable feature: its ETag names its version (If-Match)
        version = json.loads(body)["properties"]["version"]
        etag = plans.feature_etag(int(feature_id), version)
    links = [_link(url_for(".item", collection_id=c.id, feature_id=feature_id, _external=True), "self", GEOJSON),
             _link(url_for(".collection_", collection_id=c.id, _external=True), "collection", "application/json")]
    body = f'{body[:-1]},"links":{json.dumps(links)}}}'
    if fmt == "html":
        return html.page("item", json.loads(body), collection=_describe(c))
    return _negotiated(http.whole(body.encode(), GEOJSON, etag))


def _items_query(c: features.Collection) -> ItemsQuery:
    args = request.args
    unknown = set(args) - STANDARD_PARAMS - set(c.filters)
    if unknown:
        name = sorted(unknown)[0]
        if c.filters:
            raise InvalidParameter(name, "layers.unknown_param_filters", name=name, collection=c.id,
                                   filters=sorted(c.filters))
        raise InvalidParameter(name, "layers.unknown_param", name=name, collection=c.id)
    period, instant = _parse_datetime(args.get("datetime"))
    return ItemsQuery(bbox=parse_bbox(args.get("bbox")),
                      # OGC API – Features, /req/core/fc-limit-response-1: a limit above the
                      # maximum is served at the maximum, not refused
                      limit=min(parse_int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, 10**18), MAX_LIMIT),
                      offset=parse_int(args.get("offset"), "offset", 0, 0, 10**9),
                      period=period, instant=instant,
                      filters={k: v for k, v in args.items() if k in c.filters})


def _parse_datetime(value: str | None):
    """RFC 3339 instant, or interval start/end with '..' for an open end."""
    if not value:
        return None, False
    def one(part: str) -> datetime | None:
        if part in ("", ".."):
            return None
        try:
            # GDAL turns a -where on a date into "2025-05-06T": that day's midnight
            return dates.moment(part[:-1] if len(part) == 11 and part.endswith("T") else part, timezone.utc)
        except dates.Unusable:
            raise InvalidParameter("datetime", "layers.datetime", value=part) from None
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        start, end = one(start_text), one(end_text)
        if start and end and start > end:
            raise InvalidParameter("datetime", "layers.datetime_order")
        return (start, end), False
    moment = one(value)
    return (moment, moment), True


def _page_links(c: features.Collection, query: ItemsQuery, matched: int) -> list[dict]:
    base = url_for(".items", collection_id=c.id, _external=True)

    def at(offset: int) -> str:
        args = [(k, v) for k, v in request.args.items(multi=True) if k != "offset"]
        return f"{base}?{urlencode(args + [('offset', offset)])}"
    links = [_link(at(query.offset), "self", GEOJSON),
             _link(url_for(".collection_", collection_id=c.id, _external=True), "collection", "application/json")]
    if query.offset + query.limit < matched:
        links.append(_link(at(query.offset + query.limit), "next", GEOJSON, "next page"))
    if query.offset > 0:
        links.append(_link(at(max(0, query.offset - query.limit)), "prev", GEOJSON, "previous page"))
    return links


# OGC exception format: {"code": ..., "description": ...}
@bp.errorhandler(InvalidParameter)
def _invalid(error: InvalidParameter):
    return jsonify(code="InvalidParameterValue", description=described(error)), 400


@bp.errorhandler(InvalidQuery)
def _invalid_query(error: InvalidQuery):
    return jsonify(code="InvalidParameterValue", description=described(query_refusal(error))), 400


def query_refusal(error: InvalidQuery) -> Message:
    """The layer service words its refusals in English only (app/services/layers/features.py):
    they are said here from what the request asked."""
    collection = (request.view_args or {}).get("collection_id", "")
    if error.name == "datetime":
        return Message("layers.no_time", collection=collection)
    try:
        filters = sorted(features.collection(collection).filters)
    except features.UnknownCollection:
        filters = []
    return Message("layers.no_filter", collection=collection, name=error.name, filters=filters)


def unknown_collection(error: features.UnknownCollection):
    return jsonify(code="NotFound", description=described(Message(
        "layers.no_collection", name=error.args[0], known=list(features.COLLECTIONS)))), 404


bp.register_error_handler(features.UnknownCollection, unknown_collection)
