"""OGC API – Features, Part 1 (Core, GeoJSON, OpenAPI 3.0) under /ogcapi. QGIS and GDAL open
it with no plug-in; the map front end reads the same endpoints."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import shapely
import shapely.geometry
from flask import Blueprint, Response, current_app, jsonify, redirect, request, url_for

from ... import csvfile, dates, db
from ...auth import current_scope, current_user, permits, requires
from ...messages import Message, say
from ...services.city.frame import city_centre, city_outline
from ...services.layers import crs as crs_
from ...services.layers import cql2, features, schema
from ...services.layers.features import InvalidQuery, ItemsQuery
from ...services.planning import plans
from .. import http
from ..errors import Refused, answer, described, request_language
from ..params import InvalidParameter, parse_bbox, parse_int
from . import html
from .ogctiles import CONFORMANCE as TILES_CONFORMANCE, collection_links, landing_links
from .openapi import openapi_document
from .request import layer_request, read_session

bp = Blueprint("ogcapi", __name__, url_prefix="/ogcapi")

MAX_LIMIT = 10_000
DEFAULT_LIMIT = 100
GEOJSON = "application/geo+json"
GEOJSON_SEQ = "application/geo+json-seq"
SCHEMA_JSON = "application/schema+json"
STANDARD_PARAMS = {"bbox", "limit", "offset", "datetime", "f", "crs", "bbox-crs", "filter", "filter-lang",
                   "filter-crs", "sortby", "properties", "skipGeometry"}
# f= on the documents and on a feature, and on the items (Part 1, /rec/core/html and beyond)
DOCUMENT_FORMATS = ("json", "html")
ITEMS_FORMATS = ("json", "geojson", "html", "csv", "geojsonseq")
_FEATURES = "http://www.opengis.net/spec/ogcapi-features-{}/1.0/conf/{}"
CONFORMANCE = [
    *(_FEATURES.format(1, c) for c in ("core", "geojson", "html", "oas30")),
    _FEATURES.format(2, "crs"),
    *(_FEATURES.format(3, c) for c in ("filter", "features-filter", "queryables")),
    *(f"http://www.opengis.net/spec/cql2/1.0/conf/{c}" for c in (
        "cql2-text", "cql2-json", "basic-cql2", "advanced-comparison-operators", "case-insensitive-comparison",
        "basic-spatial-functions", "basic-spatial-functions-plus", "spatial-functions", "temporal-functions",
        "property-property", "arithmetic")),
    # writes: only a plan's own collection takes them (openapi.py says where)
    *(_FEATURES.format(4, c) for c in ("create-replace-delete", "update")),
    _FEATURES.format(5, "schemas"),
    *TILES_CONFORMANCE,
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
        title="Gridmap 网格地图", description=say("layers.landing", request_language()),
        links=[_link(url_for(".landing", _external=True), "self", "application/json"),
               _link(url_for(".api", _external=True), "service-desc", "application/vnd.oai.openapi+json;version=3.0"),
               _link(url_for(".conformance", _external=True), "conformance", "application/json"),
               _link(url_for(".collections", _external=True), "data", "application/json"),
               *landing_links()]))


@bp.get("/conformance")
@requires("layers:read", basic=True)
def conformance():
    return _document("conformance", {"conformsTo": CONFORMANCE})


@bp.get("/api")
@requires("layers:read", basic=True)
def api():
    offered = [one.uri for one in crs_.offered(city_centre(db.session()))]
    return Response(json.dumps(openapi_document(url_for(".landing", _external=True), _readable(),
                                                (DEFAULT_LIMIT, MAX_LIMIT), (DOCUMENT_FORMATS, ITEMS_FORMATS),
                                                offered), ensure_ascii=False),
                    mimetype="application/vnd.oai.openapi+json;version=3.0")


def _readable() -> list[features.Collection]:
    user = current_user()
    layers = [c for c in features.COLLECTIONS.values() if permits(user.role, c.permission)]
    if permits(user.role, "plans:read"):       # each plan the user may see is a collection too
        layers += [features.plan_collection(p.id) for p in plans.visible(db.session(), current_scope())]
    return layers


def _title(c: features.Collection) -> str:
    """The title a client shows (QGIS's layer list, GDAL's): in the reader's language, Chinese
    when the request names none (GDAL and QGIS send no Accept-Language)."""
    return c.title_zh if request_language() == "zh" else c.title_en


def _describe(c: features.Collection, listed: bool = False) -> dict:
    """`listed`: within /collections, whose own `crs` list each collection refers to (Part 2,
    /req/crs/fc-md-crs-list-global) instead of repeating seventy URIs."""
    session = read_session((c,))
    items = url_for(".items", collection_id=c.id, _external=True)
    body = {
        "id": c.id, "title": _title(c), "description": f"{c.title_zh} / {c.title_en}",
        "itemType": "feature",
        "crs": ["#/crs"] if listed else [one.uri for one in crs_.offered(city_centre(session))],
        "storageCrs": crs_.CRS84,
        "links": [_link(url_for(".collection_", collection_id=c.id, _external=True), "self", "application/json"),
                  _link(items, "items", GEOJSON, _title(c)),
                  _link(url_for(".queryables", collection_id=c.id, _external=True),
                        "http://www.opengis.net/def/rel/ogc/1.0/queryables", SCHEMA_JSON, "queryables"),
                  # GDAL types a layer's fields from the schema under describedby; before 3.7 it matched
                  # only this spelling (relation types are case-insensitive, RFC 8288)
                  _link(url_for(".feature_schema", collection_id=c.id, _external=True), "describedBy",
                        SCHEMA_JSON, "schema"),
                  _link(url_for(".feature_schema", collection_id=c.id, _external=True),
                        "http://www.opengis.net/def/rel/ogc/1.0/schema", SCHEMA_JSON, "schema"),
                  _link(url_for("tiles.tilejson", collection_id=c.id, _external=True), "tiles",
                        "application/json", "TileJSON (vector tiles)"),
                  *collection_links(c.id)],
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
        "crs": [one.uri for one in crs_.offered(city_centre(db.session()))],
        "collections": [_describe(c, listed=True) for c in _readable()]})


@bp.get("/collections/<collection_id>")
@requires("layers:read", basic=True)
def collection_(collection_id: str):
    return _document("collection", _describe(layer_request(collection_id).collection))


@bp.get("/collections/<collection_id>/queryables")
@requires("layers:read", basic=True)
def queryables(collection_id: str):
    """Part 3: exactly the properties a filter may name, typed as the database types them."""
    r = layer_request(collection_id)
    return _schema_answer(schema.queryables_document(
        r.session, r.collection, url_for(".queryables", collection_id=collection_id, _external=True)))


@bp.get("/collections/<collection_id>/schema")
@requires("layers:read", basic=True)
def feature_schema(collection_id: str):
    """Part 5: a feature of the collection, its properties typed (an empty one's too)."""
    r = layer_request(collection_id)
    return _schema_answer(schema.feature_schema(
        r.session, r.collection, url_for(".feature_schema", collection_id=collection_id, _external=True)))


def _schema_answer(document: dict) -> Response:
    if answer_format() == "html":
        return html.page("schema", document)
    return Response(json.dumps(document, ensure_ascii=False), mimetype=SCHEMA_JSON)


@bp.get("/collections/<collection_id>/items")
@requires("layers:read", basic=True)
def items(collection_id: str):
    fmt = answer_format(ITEMS_FORMATS)
    r = layer_request(collection_id, f"{request.full_path}|{fmt}")
    c = r.collection
    query = _items_query(r.session, c)
    if r.not_modified:
        return r.not_modified
    found = features.page(r.session, c, query, r.scope, r.owner, also=r.versions, sequence=fmt == "geojsonseq")
    if fmt == "geojsonseq":     # RFC 8142: each feature after an RS, ending in LF
        body = features.SEQUENCE_SEPARATOR.join(found.chunks)
        return _in_crs(_negotiated(http.whole(f"\x1e{body}\n".encode() if body else b"", GEOJSON_SEQ,
                                              r.etag(found.versions))), query.crs)
    if fmt == "csv":
        answer = http.whole(_csv(c, query, found.chunks).encode("utf-8-sig"), "text/csv", r.etag(found.versions))
        # saved under the collection's name and page, not "items.csv"
        answer.headers["Content-Disposition"] = f'inline; filename="{c.id}-{query.offset + 1}.csv"'
        return _in_crs(_negotiated(answer), query.crs)
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
    return _in_crs(_negotiated(http.whole(body.encode(), GEOJSON, r.etag(found.versions))), query.crs)


def _in_crs(response: Response, crs: crs_.Crs) -> Response:
    """Part 2, /req/crs/fc-crs-header: the answer names its coordinates' CRS."""
    response.headers["Content-Crs"] = f"<{crs.uri}>"
    return response


def _csv(c: features.Collection, query: ItemsQuery, chunks: list[str]) -> str:
    """A page as CSV: the id, the properties, the geometry as WKT in the asked CRS (a BOM
    before it, so that Excel reads the Chinese); cells that a spreadsheet would run are
    defused (app/csvfile.py)."""
    names = list(c.properties) if query.properties is None else list(query.properties)
    rows = []
    for feature in json.loads(f"[{','.join(chunks)}]"):
        shape_ = feature["geometry"]
        wkt = "" if shape_ is None else shapely.to_wkt(shapely.geometry.shape(shape_), trim=True,
                                                       rounding_precision=query.crs.decimals)
        values = feature["properties"]
        rows.append([feature["id"], *(values.get(name) for name in names),
                     *(() if query.skip_geometry else (wkt,))])
    return csvfile.table(["id", *names, *(() if query.skip_geometry else ("wkt",))], rows)


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
    unknown = set(request.args) - {"f", "crs"}
    if unknown:
        raise InvalidParameter(sorted(unknown)[0], "layers.unknown_param", name=sorted(unknown)[0],
                               collection=c.id, known="f, crs")
    crs = _crs(r.session, "crs")
    body, read = features.item_geojson(r.session, collection_id, feature_id, r.scope, r.owner,
                                       also=r.versions, crs=crs)
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
    return _in_crs(_negotiated(http.whole(body.encode(), GEOJSON, etag)), crs)


def _items_query(session, c: features.Collection) -> ItemsQuery:
    args = request.args
    unknown = set(args) - STANDARD_PARAMS - set(c.filters)
    if unknown:
        name = sorted(unknown)[0]
        known = ", ".join(sorted(STANDARD_PARAMS))
        if c.filters:
            raise InvalidParameter(name, "layers.unknown_param_filters", name=name, collection=c.id,
                                   filters=sorted(c.filters), known=known)
        raise InvalidParameter(name, "layers.unknown_param", name=name, collection=c.id, known=known)
    for name, value in args.items():
        allowed = features.choices(session, c, name) if name in c.filters else None
        if allowed and value not in allowed:         # a category that is not one finds nothing: say so
            raise InvalidParameter(name, "layers.filter_value", name=name, value=value, known=list(allowed))
    period, instant = _parse_datetime(args.get("datetime"))
    bbox_crs = _crs(session, "bbox-crs")
    return ItemsQuery(bbox=parse_bbox(args.get("bbox")) if bbox_crs.uri == crs_.CRS84
                      else _box(session, args.get("bbox"), bbox_crs),
                      # OGC API – Features, /req/core/fc-limit-response-1: a limit above the
                      # maximum is served at the maximum, not refused
                      limit=min(parse_int(args.get("limit"), "limit", DEFAULT_LIMIT, 1, 10**18), MAX_LIMIT),
                      offset=parse_int(args.get("offset"), "offset", 0, 0, 10**9),
                      period=period, instant=instant,
                      filters={k: v for k, v in args.items() if k in c.filters},
                      crs=_crs(session, "crs"), bbox_crs=bbox_crs,
                      where=_filter(session, c), sortby=_sortby(session, c),
                      properties=_properties(c), skip_geometry=_flag("skipGeometry"))


def _crs(session, name: str) -> crs_.Crs:
    value = request.args.get(name)
    if not value:
        return crs_.default()
    try:
        return crs_.find(value, city_centre(session))
    except crs_.FarZone as error:
        west, east = error.band
        raise InvalidParameter(name, "layers.crs_far_zone", name=name, value=value, west=round(west, 1),
                               east=round(east, 1), longitude=round(error.longitude, 2)) from None
    except crs_.UnknownCrs as error:
        raise InvalidParameter(name, "layers.crs", name=name, value=value, known=error.offered) from None


def _box(session, value: str | None, crs: crs_.Crs) -> tuple[float, float, float, float] | None:
    """A bbox in a bbox-crs: four finite numbers, each minimum not above its maximum. In a
    latitude-first CRS (EPSG:4326, 4490) a box that misses the city as given but holds part of
    it read longitude first is said to be the wrong way round, not answered with nothing."""
    if not value:
        return None
    try:
        numbers = tuple(float(part) for part in value.split(","))
    except ValueError:
        raise InvalidParameter("bbox", "param.bbox_number", value=value) from None
    if len(numbers) != 4 or not all(abs(n) < 1e9 for n in numbers) \
            or numbers[0] > numbers[2] or numbers[1] > numbers[3]:
        raise InvalidParameter("bbox", "layers.bbox_crs_numbers")
    if crs.swapped and crs.decimals == crs_.DEGREE_DECIMALS:
        west, south, east, north = city_outline(session).bounds or (0, 0, 0, 0)

        def meets(lon0, lat0, lon1, lat1) -> bool:
            return lon0 <= east and lon1 >= west and lat0 <= north and lat1 >= south
        a, b, c, d = numbers
        if not meets(b, a, d, c) and meets(a, b, c, d):
            raise InvalidParameter("bbox", "layers.bbox_latitude_first", crs=crs.uri)
    return numbers


def _filter(session, c: features.Collection) -> tuple[str, dict] | None:
    """Part 3: the filter, read by cql2 and written as SQL with bound parameters."""
    text = request.args.get("filter")
    if text is None or text.strip() == "":
        return None
    expression = cql2.read(text, request.args.get("filter-lang", "cql2-text"))
    return cql2.translate(expression, schema.queryables(session, c), _crs(session, "filter-crs"), text)


def _sortby(session, c: features.Collection) -> tuple[tuple[str, bool], ...]:
    """sortby=+name,-reported_at (a sign or none: ascending)."""
    value = request.args.get("sortby", "")
    order = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        descending = part.startswith("-")
        name = part.lstrip("+-").strip()
        if name not in c.properties:
            raise InvalidParameter("sortby", "layers.sortby", name=name, known=sorted(c.properties))
        order.append((name, descending))
    return tuple(order)


def _properties(c: features.Collection) -> tuple[str, ...] | None:
    value = request.args.get("properties")
    if value is None:
        return None
    names = tuple(dict.fromkeys(p.strip() for p in value.split(",") if p.strip()))
    for name in names:
        if name not in c.properties:
            raise InvalidParameter("properties", "layers.properties", name=name, known=sorted(c.properties))
    return names


def _flag(name: str) -> bool:
    value = request.args.get(name, "false").lower()
    if value not in ("true", "false"):
        raise InvalidParameter(name, "param.one_of", name=name, known=("true", "false"))
    return value == "true"


def _parse_datetime(value: str | None):
    """RFC 3339 instant, or interval start/end with '..' for an open end. A moment without an
    offset is the city's time (GRIDMAP_TIMEZONE), as everywhere else; a date alone is the
    city's whole day: an instant becomes that day, an interval's end takes in its day."""
    if not value:
        return None, False
    zone = ZoneInfo(current_app.config["GRIDMAP"].timezone)

    def one(part: str, end: bool = False) -> datetime | None:
        if part in ("", ".."):
            return None
        if len(part) == 11 and part.endswith("T"):      # GDAL turns a -where on a date into "2025-05-06T"
            part = part[:-1]
        try:
            moment = dates.moment(part, zone)
        except dates.Unusable:
            raise InvalidParameter("datetime", "layers.datetime", value=part) from None
        return moment + timedelta(days=1) if end and len(part) == 10 else moment
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        start, end = one(start_text), one(end_text, end=True)
        if start and end and start > end:
            raise InvalidParameter("datetime", "layers.datetime_order")
        return (start, end), False
    if len(value) == 10:          # a day: from its midnight to the next
        return (one(value), one(value, end=True)), False
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
        links.append(_link(at(query.offset + query.limit), "next", GEOJSON, say("layers.next_page", request_language())))
    if query.offset > 0:
        links.append(_link(at(max(0, query.offset - query.limit)), "prev", GEOJSON,
                           say("layers.previous_page", request_language())))
    return links


@bp.errorhandler(Refused)
def _refused(error: Refused):
    """A person in a browser who is not signed in is taken to sign in and brought back; a
    client gets the 401 with its WWW-Authenticate, as everywhere."""
    if error.code == 401 and request.method == "GET":
        try:
            wants_page = answer_format(ITEMS_FORMATS) == "html"
        except InvalidParameter:
            wants_page = False
        if wants_page:
            return redirect(url_for("login.form", next=request.full_path.rstrip("?")))
    return answer(error)


# OGC exception format: {"code": ..., "description": ...}
@bp.errorhandler(InvalidParameter)
def _invalid(error: InvalidParameter):
    return jsonify(code="InvalidParameterValue", description=described(error)), 400


@bp.errorhandler(cql2.FilterRefused)
def _refused_filter(error: cql2.FilterRefused):
    return jsonify(code="InvalidParameterValue", parameter="filter", description=described(error)), 400


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
