"""The residents' side over HTTP, for anyone, no account (/api/v1/public): the kinds of problem,
the city's addresses, filing a report with photos and a contact, following it by its private
link and rating it, the public cases and their published photos, and the ground to see them on.
The pages (/report, /r/<token>, /public: app/web/public.py) call these.

A report's answer holds the private link's token, which is kept nowhere: it is never stored as
an idempotent answer (app/api/idempotent.py would), and a retry with the same key is answered
by the service instead (services/public/reporting.py)."""
from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import select

from .. import db
from ..auth import current_user, public
from ..messages import Message
from ..models import Category
from ..services.incidents import loop as incidents
from ..services.layers import tiles
from ..services.public import addresses, basemap, follow, reporting, view as public_view, words
from .errors import Refused, described, in_language, request_language
from .params import InvalidParameter, parse_bbox, parse_int

bp = Blueprint("residents", __name__, url_prefix="/api/v1/public")

LIST_DAYS = 90          # the public list: cases reported in the last 90 days (view.MAX_WINDOW)
COMMENT_FIELD = "comment"


def now() -> datetime:
    return datetime.now(timezone.utc)


def _settings():
    return current_app.config["GRIDMAP"]


# -- refusals, in the reader's language ------------------------------------------------------

@bp.errorhandler(incidents.IncidentError)
def _incident_error(error: incidents.IncidentError):
    db.session().rollback()
    body = {"code": type(error).__name__, "description": described(error)}
    if isinstance(error, incidents.Invalid):
        body["errors"] = in_language(error.errors)
    return jsonify(body), error.status


@bp.errorhandler(reporting.TooMany)
def _too_many(error: reporting.TooMany):
    db.session().rollback()
    response = jsonify(code="TooManyRequests", description=described(error))
    response.headers["Retry-After"] = str(error.retry_after)
    return response, 429


@bp.errorhandler(InvalidParameter)
def _bad_parameter(error: InvalidParameter):
    return jsonify(code="InvalidParameterValue", description=described(error), parameter=error.name), 400


@bp.errorhandler(tiles.InvalidTile)
@bp.errorhandler(basemap.UnknownLayer)
def _no_tile(_error):
    return jsonify(code="NotFound", description=described(Message("http.404"))), 404


def _private(response: Response) -> Response:
    """An answer about one resident's case: for them only, kept by no cache."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# -- what to report, and where -------------------------------------------------------------

@bp.get("/categories")
@public
def categories():
    return jsonify(categories=in_language([
        {**c, "respond": words.span(c["respond_within_min"]), "resolve": words.span(c["resolve_within_min"])}
        for c in reporting.reportable(db.session())]))


@bp.get("/addresses")
@public
def address_search():
    """?q=words: buildings whose address or name is them, then communities, streets and named
    places whose name holds them (each with its `kind`; an area with its `bounds`), then the
    other buildings whose address or name holds them, anywhere in the city."""
    limit = parse_int(request.args.get("limit"), "limit", addresses.MAX_RESULTS, 1, addresses.MAX_RESULTS)
    found = addresses.search(db.session(), request.args.get("q", ""), limit)
    return jsonify(places=[p.as_dict() for p in found])


def _coordinate(name: str, limit: float) -> float:
    raw = request.args.get(name, "")
    try:
        value = float(raw)
    except ValueError:
        raise InvalidParameter(name, "param.degrees", name=name, value=raw[:40]) from None
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise InvalidParameter(name, "param.range", name=name, low=-limit, high=limit, value=raw[:40])
    return value


@bp.get("/addresses/nearest")
@public
def address_nearest():
    """?lon=&lat=: whether the city serves the tapped point (`in_city`), and what it is called
    (a building, else a road)."""
    return jsonify(addresses.nearest(db.session(), _coordinate("lon", 180), _coordinate("lat", 90)))


# -- reporting -----------------------------------------------------------------------------

def number(value):
    """A form's or JSON's coordinate; what is not one is passed on for the service to name."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return float(value)
    try:
        return float(str(value).strip())
    except ValueError:
        return str(value)


def yes(value) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("1", "true", "on", "yes"))


def submission_from_request() -> reporting.Submission:
    """The page's form (multipart, with photos) or a JSON body; anything else is refused."""
    key = request.headers.get("Idempotency-Key")
    if request.mimetype == "multipart/form-data":
        form, uploads = request.form, request.files.getlist("photos")
        point = (form.get("lon"), form.get("lat"))
        photos = tuple(upload.read() for upload in uploads if upload.filename)
    elif request.is_json and isinstance(request.get_json(silent=True), dict):
        form, photos = request.get_json(), ()
        point = form.get("point") if isinstance(form.get("point"), list) and len(form["point"]) == 2 \
            else (form.get("lon"), form.get("lat"))
    else:
        raise Refused(400, "InvalidBody", "report.body")
    text = {name: (form.get(name) if isinstance(form.get(name), str) else None)
            for name in ("description", "address", "phone", "email", reporting.HONEYPOT, "submission")}
    category = form.get("category")
    return reporting.Submission(
        category=category if isinstance(category, str) else None,
        description=form.get("description") if isinstance(form.get("description"), str) else None,
        lon=number(point[0]), lat=number(point[1]), address=text["address"], phone=text["phone"],
        email=text["email"], consent=yes(form.get("consent")), photos=photos,
        trap=text[reporting.HONEYPOT], key=text["submission"] or key)


@bp.post("/reports")
@public(rate="public")
def report():
    """A resident's report: multipart/form-data (category, description, lon and lat or address,
    up to three files named photos, phone and/or email with consent=1) or the same as JSON
    without photos. With a `submission` field (or an Idempotency-Key header) a retry gets the
    first answer. 201 with the case code and the private link."""
    submission = submission_from_request()
    user = current_user()
    by = incidents.Participant(f"user:{user.username}" if user else reporting.REPORTER)
    session = db.session()
    settings = _settings()
    language = request_language()
    receipt = reporting.file(session, submission, by, settings.incidents, now(), settings.secret_key,
                             language=language)
    session.commit()
    body = receipt_body(receipt, language)
    response = jsonify(body)
    response.status_code = 200 if receipt.replayed else 201
    if receipt.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = body["link"]
    return _private(response)


def receipt_body(receipt: reporting.Receipt, language: str) -> dict:
    respond = words.moment(receipt.due_respond_at, _settings().timezone)
    return {
        "code": receipt.code, "token": receipt.token,
        "link": url_for("public_pages.follow", token=receipt.token, _external=True),
        "triage": receipt.triage, "contact_kept": receipt.contact_kept,
        "due_respond_at": receipt.due_respond_at.isoformat(), "due_resolve_at": receipt.due_resolve_at.isoformat(),
        "notice": in_language(Message("report.thanks_triage", respond=respond)) if receipt.triage else None,
        # the time in the notice as it is written there, for the page to keep on one line
        "notice_due": in_language(respond) if receipt.triage else None,
    }


# -- following one's own case --------------------------------------------------------------

def _own_case(token: str, lock: bool = False):
    found = follow.find(db.session(), token, now(), _settings().incidents.link_days, lock=lock)
    if found is None:
        raise follow.not_found()
    return found


@bp.get("/follow/<token>")
@public
def follow_case(token: str):
    incident = _own_case(token)
    return _private(jsonify(in_language(follow.view(db.session(), incident, now(), _settings().timezone))))


@bp.post("/follow/<token>/rating")
@public(rate="public")
def rate(token: str):
    """{"satisfaction": 1–5, "comment": "…", "not_solved": false}: once, when the case is closed;
    not_solved (with a comment) reopens it with those words."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Refused(400, "InvalidBody", "report.rating_body")
    session = db.session()
    comment = body.get(COMMENT_FIELD)
    incident = follow.rate(session, token, now(), _settings().incidents.link_days, satisfaction=body.get("satisfaction"),
                           comment=comment if isinstance(comment, str) else None,
                           not_solved=body.get("not_solved") is True)
    session.commit()
    return _private(jsonify(in_language(follow.view(session, incident, now(), _settings().timezone))))


def _photo(row) -> Response:
    response = Response(row.data, mimetype=row.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/follow/<token>/photos/<int:photo_id>")
@public
def own_photo(token: str, photo_id: int):
    incident = _own_case(token)
    row = follow.photo(db.session(), incident, photo_id)
    if row is None:
        raise follow.not_found()
    return _private(_photo(row))


# -- what the public sees -------------------------------------------------------------------

def cases_query(args) -> public_view.Query:
    """?category=a,b&status=open|closed&bbox=: the last LIST_DAYS days' public cases."""
    categories = tuple(c for c in (v.strip() for v in args.get("category", "").split(",")) if c)
    known = set(db.session().scalars(select(Category.code)))
    if set(categories) - known:
        raise InvalidParameter("category", "param.one_of", name="category", known=sorted(known))
    status = args.get("status", "")
    if status not in ("", "open", "closed"):
        raise InvalidParameter("status", "param.one_of", name="status", known=["open", "closed"])
    until = now()
    return public_view.Query(since=until - timedelta(days=LIST_DAYS), until=until, categories=categories,
                             open=None if not status else status == "open", bbox=parse_bbox(args.get("bbox")))


def case_feature(case: public_view.Case) -> dict:
    """A public case as GeoJSON: the public view's fields, nothing else."""
    return {
        "type": "Feature", "id": case.code,
        "geometry": {"type": "Point", "coordinates": [case.lon, case.lat]} if case.lon is not None else None,
        "properties": {
            "code": case.code, "category": case.category, "category_name": case.category_name,
            "visibility": case.visibility, "status": case.status, "open": case.open,
            "status_words": words.status(case.status, case.merged_into is not None), "note": case.note,
            "merged_into": case.merged_into, "community": case.community, "street": case.street,
            "agency": case.agency, "reported_at": case.reported_at.isoformat(),
            "updated_at": case.updated_at.isoformat(),
            "expected_at": case.expected_at.isoformat() if case.expected_at else None,
            "photos": [url_for("residents.photo", photo_id=p) for p in case.photos],
        },
    }


@bp.get("/cases")
@public
def cases():
    try:
        found = public_view.cases(db.session(), cases_query(request.args))
    except public_view.Refusal as refusal:
        raise InvalidParameter(refusal.name, refusal.key, **refusal.params) from None
    return jsonify(in_language({"type": "FeatureCollection", "numberReturned": len(found),
                                "features": [case_feature(c) for c in found]}))


@bp.get("/photos/<int:photo_id>")
@public
def photo(photo_id: int):
    """A photo an operator published with a public case (services/public/view.py)."""
    row = public_view.photo(db.session(), photo_id)
    if row is None:
        raise incidents.NotFound("photo.not_found", id=photo_id)
    response = _photo(row)
    # a withdrawn case's photo leaves caches within minutes
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/tiles/<layer>/<int:z>/<int:x>/<int:y>.mvt")
@public
def tile(layer: str, z: int, x: int, y: int):
    """Roads and buildings for the residents' map (services/public/basemap.py)."""
    data = basemap.tile(db.session(), layer, z, x, y)
    response = Response(data, mimetype="application/vnd.mapbox-vector-tile")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
