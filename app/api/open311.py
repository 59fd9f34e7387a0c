"""Open311 GeoReport v2 at /open311/v2: citizens, hotlines and other city systems report a
problem at a place and follow it. JSON and XML; the spec's error format (a list of
{code, description}). Accept-Language picks Chinese or English for service names and
descriptions, status notes, the unit in charge, notices and errors (Chinese when it names
neither). Anonymous reports are rate-limited and wait in the triage queue until an operator
dispatches them; until then they are not listed publicly either, but their reporter follows
them by the token the POST answers with (tokens/{token}, or requests/{id}?token=). What a listed
request shows is the public view (services/public/view.py): never a private category, the
reporter's words or contact, or a place finer than about 100 m; media_url is a photo an
operator published with it.

A request is filed as a resident's report is (services/public/reporting.py): a place by lat and
long, or an address_string that names one of the city's buildings (else 400, saying so); a
phone or email kept only with contact_consent=true (an extension: the contact is then used only
to tell the reporter how the case goes); up to three photos as multipart files named media.

Extensions: GET requests accepts bbox=minLon,minLat,maxLon,maxLat; POST accepts contact_consent
and media files; requests/{id} accepts token.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from sqlalchemy import select

from .. import db
from ..auth import current_user, public
from ..auth.identity import AccessDenied
from ..messages import Message, rendered, say
from ..models import Category
from ..services.incidents import loop as incidents, views as incident_views
from ..services.public import follow, reporting, view as public_view, words
from .errors import Refused, answer as answer_refused, request_language
from .incidents import participant
from .params import InvalidParameter, parse_bbox, parse_datetime
from .public_reports import number, yes

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMATS = ("json", "xml")
DEFAULT_DAYS = 90


def now() -> datetime:
    return datetime.now(timezone.utc)


# -- the answer in the asked format ----------------------------------------------------------

def _xml(root: str, item: str, rows: list[dict]) -> Response:
    top = ElementTree.Element(root)
    for row in rows:
        element = ElementTree.SubElement(top, item)
        for key, value in row.items():
            child = ElementTree.SubElement(element, key)
            if isinstance(value, list):
                child.text = ",".join(str(v) for v in value)
            elif value is not None:
                child.text = str(value).lower() if isinstance(value, bool) else str(value)
    body = b'<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(top, encoding="utf-8")
    return Response(body, mimetype="text/xml", content_type="text/xml; charset=utf-8")


def answer(fmt: str, root: str, item: str, rows: list[dict], status: int = 200):
    if fmt == "xml":
        response = _xml(root, item, rows)
    else:
        response = jsonify(rows)
    response.status_code = status
    return response


def errors(fmt: str, status: int, messages: list[str]):
    return answer(fmt, "errors", "error", [{"code": status, "description": m} for m in messages], status)


@bp.errorhandler(Refused)
def _refused(error: Refused):
    """A refusal from before the view (the input layer): in the spec's error list and format.
    Access (a sign-in, the rate limit) is refused as everywhere else."""
    if isinstance(error, AccessDenied):
        return answer_refused(error)
    fmt = (request.view_args or {}).get("fmt")
    response = errors(fmt if fmt in FORMATS else "json", error.code, [error.describe(request_language())])
    for name, value in error.extra_headers.items():
        response.headers[name] = value
    return response


def _format(fmt: str) -> str | None:
    return fmt if fmt in FORMATS else None


# -- services ---------------------------------------------------------------------------------

@bp.get("/services.<fmt>")
@public
def services(fmt: str):
    if not _format(fmt):
        return errors("json", 404, [say("open311.format", request_language(), fmt=fmt)])
    lang = request_language()
    rows = db.session().query(Category).order_by(Category.weight.desc(), Category.code).all()
    return answer(fmt, "services", "service", [{
        "service_code": c.code, "service_name": c.name_zh if lang == "zh" else c.name_en,
        # the city's promise for the kind: answered within 2 h, resolved within 24 h (72 h when complex)
        "description": say("public.open311.service", lang, name=c.name_zh if lang == "zh" else c.name_en,
                           respond=words.span(c.respond_within_min, c.limit_unit),
                           resolve=words.span(c.resolve_within_min, c.limit_unit)),
        "metadata": False, "type": "realtime", "keywords": "", "group": c.default_level} for c in rows])


# -- requests -------------------------------------------------------------------------------
# What a request shows is decided by services/public/view.py, the one rule for every public
# surface: private categories never, other channels' cases only when an operator published
# them, the operator's public note instead of the description, a place rounded to ~100 m.

def _notes(case: public_view.Case, language: str) -> str:
    if case.note:
        return case.note
    if case.status == "closed" and case.merged_into:
        return say("public.status.merged", language, code=case.merged_into)
    return words.status(case.status, case.merged_into is not None).say(language)


def as_request(case: public_view.Case, language: str) -> dict:
    place = case.community or case.street or {}
    return {
        "service_request_id": case.code, "status": "open" if case.open else "closed",
        "status_notes": _notes(case, language),
        "service_name": case.category_name[language], "service_code": case.category,
        "description": case.note or "",
        # the unit in charge, no finer than the place shown (view.py)
        "agency_responsible": (case.agency or {}).get(language) or "",
        "service_notice": "", "requested_datetime": case.reported_at.isoformat(),
        "updated_datetime": case.updated_at.isoformat(),
        "expected_datetime": case.expected_at.isoformat() if case.expected_at else None,
        "address": place.get(language) or "", "address_id": "", "zipcode": "",
        "lat": case.lat, "long": case.lon,
        "media_url": url_for("residents.photo", photo_id=case.photos[0], _external=True) if case.photos else "",
    }


def own_request(token: str, language: str) -> dict | None:
    """A request as its reporter follows it by the token: from the moment it is filed (triage
    too, a private category too), with their own words, place and photos."""
    session = db.session()
    incident = follow.find(session, token, now(), current_app.config["GRIDMAP"].incidents.link_days)
    if incident is None:
        return None
    seen = rendered(follow.view(session, incident, now(), current_app.config["GRIDMAP"].timezone), language)
    shown = public_view.case(session, incident.code)
    return {
        "service_request_id": seen["code"], "status": "open" if incident.status in public_view.OPEN_TO_THE_PUBLIC
        else "closed", "status_notes": seen["note"] or seen["next"],
        "service_name": seen["category"]["name"][language], "service_code": seen["category"]["code"],
        "description": seen["description"],
        "agency_responsible": ((shown.agency if shown else None) or seen["community"] or {}).get(language) or "",
        "service_notice": seen["status_words"], "requested_datetime": seen["reported_at"],
        "updated_datetime": (shown.updated_at.isoformat() if shown else None) or seen["reported_at"],
        "expected_datetime": seen["due_resolve_at"],
        "address": seen["address"] or (seen["community"] or {}).get(language) or "", "address_id": "",
        "zipcode": "", "lat": seen["point"][1], "long": seen["point"][0],
        "media_url": url_for("residents.own_photo", token=token, photo_id=seen["photos"][0], _external=True)
        if seen["photos"] else "",
    }


def _query(args) -> public_view.Query:
    if args.get("service_request_id"):
        codes = tuple(c.strip() for c in args["service_request_id"].split(",") if c.strip())
        return public_view.Query(codes=codes)
    city = ZoneInfo(current_app.config["GRIDMAP"].timezone)     # a time without an offset is the city's
    end = parse_datetime(args.get("end_date"), "end_date", zone=city) or now()
    start = parse_datetime(args.get("start_date"), "start_date", zone=city) or end - timedelta(days=DEFAULT_DAYS)
    statuses = {v.strip() for v in args.get("status", "").split(",") if v.strip()}
    if statuses - {"open", "closed"}:
        raise incident_views.BadFilter("status", "open311.status", value=args["status"])
    bbox = None
    if args.get("bbox"):
        bbox = parse_bbox(args["bbox"])
    categories = tuple(c.strip() for c in args.get("service_code", "").split(",") if c.strip())
    known = set(db.session().scalars(select(Category.code)))
    if set(categories) - known:
        raise incident_views.BadFilter("service_code", "open311.service_code",
                                       codes=sorted(set(categories) - known), known=sorted(known))
    return public_view.Query(since=start, until=end, categories=categories,
                             open=None if len(statuses) != 1 else statuses == {"open"}, bbox=bbox)


@bp.get("/requests.<fmt>")
@public
def requests_(fmt: str):
    if not _format(fmt):
        return errors("json", 404, [say("open311.format", request_language(), fmt=fmt)])
    language = request_language()
    try:
        found = public_view.cases(db.session(), _query(request.args))
    except (incident_views.BadFilter, InvalidParameter) as error:
        return errors(fmt, 400, [f"{error.name}: {error.describe(language)}"])
    except public_view.Refusal as refusal:
        return errors(fmt, 400, [f"{refusal.name}: {say(refusal.key, language, **refusal.params)}"])
    return answer(fmt, "service_requests", "request", [as_request(c, language) for c in found])


@bp.get("/requests/<code>.<fmt>")
@public
def request_(code: str, fmt: str):
    if not _format(fmt):
        return errors("json", 404, [say("open311.format", request_language(), fmt=fmt)])
    token = request.args.get("token")
    if token:
        # the reporter's own request: the same answer for a wrong token as for a wrong code
        own = own_request(token, request_language())
        if own is None or own["service_request_id"] != code:
            return errors(fmt, 404, [say("public.open311.token_unknown", request_language())])
        return answer(fmt, "service_requests", "request", [own])
    found = public_view.case(db.session(), code)
    if found is None:
        return errors(fmt, 404, [say("open311.not_found", request_language(), code=code)])
    return answer(fmt, "service_requests", "request", [as_request(found, request_language())])


@bp.get("/tokens/<token>.<fmt>")
@public
def token_(token: str, fmt: str):
    """The spec's token → service_request_id, for the reporter who filed it."""
    if not _format(fmt):
        return errors("json", 404, [say("open311.format", request_language(), fmt=fmt)])
    incident = follow.find(db.session(), token, now(), current_app.config["GRIDMAP"].incidents.link_days)
    if incident is None:
        return errors(fmt, 404, [say("public.open311.token_unknown", request_language())])
    return answer(fmt, "service_requests", "request", [{"service_request_id": incident.code, "token": token}])


def _fields() -> dict:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return request.form.to_dict()


# the spec's field names for what the service names otherwise
_FIELDS = {"category": "service_code", "point": "lat/long", "lon": "long", "lat": "lat",
           "address": "address_string", "photos": "media", "submission": "Idempotency-Key"}


@bp.post("/requests.<fmt>")
@public(rate="public")
def create(fmt: str):
    if not _format(fmt):
        return errors("json", 404, [say("open311.format", request_language(), fmt=fmt)])
    fields = _fields()
    user = current_user()
    language = request_language()
    consent = yes(fields.get("contact_consent"))
    contact = {k: fields.get(k) if isinstance(fields.get(k), str) else None for k in ("phone", "email")}
    dropped = any(contact.values()) and not consent         # kept only with consent
    media = tuple(f.read() for f in request.files.getlist("media") if f.filename)
    submission = reporting.Submission(
        category=fields.get("service_code"), description=fields.get("description"),
        lon=number(fields.get("long")), lat=number(fields.get("lat")),
        address=fields.get("address_string") if isinstance(fields.get("address_string"), str) else None,
        phone=contact["phone"] if consent else None, email=contact["email"] if consent else None,
        consent=consent, photos=media, key=request.headers.get("Idempotency-Key"))
    by = participant() if user else incidents.Participant("anonymous:open311")
    session = db.session()
    settings = current_app.config["GRIDMAP"]
    try:
        receipt = reporting.file(session, submission, by, settings.incidents, now(), settings.secret_key,
                                 channel="open311", triage=user is None, any_category=True, language=language)
    except incidents.Invalid as invalid:
        session.rollback()
        said = invalid.errors
        if getattr(said.get("point"), "key", None) == "report.place_missing":
            said = {**said, "point": Message("report.place_or_address")}
        return errors(fmt, 413 if invalid.status == 413 else 400,
                      [f"{_FIELDS.get(k, k)}: {v}" for k, v in rendered(said, language).items()])
    except reporting.TooMany as many:
        session.rollback()
        response = errors(fmt, 429, [many.describe(language)])
        response.headers["Retry-After"] = str(many.retry_after)
        return response
    session.commit()
    notice = [Message("open311.thanks_triage" if receipt.triage else "open311.thanks_sent").say(language)]
    if dropped:
        notice.append(Message("report.contact_dropped").say(language))
    response = answer(fmt, "service_requests", "request", [{
        "service_request_id": receipt.code, "token": receipt.token,
        "service_notice": " ".join(notice), "account_id": ""}], 200 if receipt.replayed else 201)
    if receipt.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Cache-Control"] = "no-store"
    return response
