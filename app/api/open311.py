"""Open311 GeoReport v2 at /open311/v2: citizens, hotlines and other city systems report a
problem at a place and follow it. JSON and XML; the spec's error format (a list of
{code, description}). Anonymous reports are rate-limited and wait in the triage queue until
an operator dispatches them; until then they are not listed publicly either. What a listed
request shows is the public view (services/public/view.py): never a private category, the
reporter's words or contact, or a place finer than about 100 m.

Extension: GET requests accepts bbox=minLon,minLat,maxLon,maxLat.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select

from .. import db
from ..auth import current_user, public
from ..auth.identity import AccessDenied
from ..messages import Message, rendered, say
from ..models import Category
from ..services.incidents import loop as incidents, views as incident_views
from ..services.public import view as public_view
from .errors import Refused, answer as answer_refused, request_language
from .idempotent import transactional
from .incidents import participant
from .params import InvalidParameter, parse_bbox, parse_datetime

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
    lang = "zh" if request.accept_languages.best_match(["zh", "en"]) == "zh" else "en"
    rows = db.session().query(Category).order_by(Category.weight.desc(), Category.code).all()
    return answer(fmt, "services", "service", [{
        "service_code": c.code, "service_name": c.name_zh if lang == "zh" else c.name_en,
        "description": f"{c.name_zh} / {c.name_en}", "metadata": False, "type": "realtime",
        "keywords": "", "group": c.default_level} for c in rows])


# -- requests -------------------------------------------------------------------------------
# What a request shows is decided by services/public/view.py, the one rule for every public
# surface: private categories never, other channels' cases only when an operator published
# them, the operator's public note instead of the description, a place rounded to ~100 m.

_HANDLING = {"accepted", "in_progress", "reopened", "escalated"}


def _notes(case: public_view.Case, language: str) -> str:
    if case.note:
        return case.note
    if case.status == "closed" and case.merged_into:
        return say("public.status.merged", language, code=case.merged_into)
    key = "handling" if case.status in _HANDLING else case.status
    return say(f"public.status.{key}", language)


def as_request(case: public_view.Case, language: str) -> dict:
    place = case.community or case.street or {}
    return {
        "service_request_id": case.code, "status": "open" if case.open else "closed",
        "status_notes": _notes(case, language),
        "service_name": case.category_name[language], "service_code": case.category,
        "description": case.note or "",
        "agency_responsible": (case.street or {}).get(language) or "",
        "service_notice": "", "requested_datetime": case.reported_at.isoformat(),
        "updated_datetime": case.updated_at.isoformat(),
        "expected_datetime": case.expected_at.isoformat() if case.expected_at else None,
        "address": place.get(language) or "", "address_id": "", "zipcode": "",
        "lat": case.lat, "long": case.lon, "media_url": "",
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
    found = public_view.case(db.session(), code)
    if found is None:
        return errors(fmt, 404, [say("open311.not_found", request_language(), code=code)])
    return answer(fmt, "service_requests", "request", [as_request(found, request_language())])


def _fields() -> dict:
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return request.form.to_dict()


def _float(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@bp.post("/requests.<fmt>")
@public(rate="public")
@transactional
def create(fmt: str):
    if not _format(fmt):
        return errors("json", 404, [say("open311.format", request_language(), fmt=fmt)])
    fields = _fields()
    user = current_user()
    contact = " ".join(str(fields[k]) for k in ("first_name", "last_name", "email", "phone")
                       if fields.get(k)) or None
    draft = incidents.Report(
        category=fields.get("service_code"), lon=_float(fields.get("long")), lat=_float(fields.get("lat")),
        description=fields.get("description"), channel="open311",
        address=(fields.get("address_string") or None), reporter_contact=contact,
        triage=user is None)
    by = participant() if user else incidents.Participant("anonymous:open311")
    try:
        incident = incidents.report(db.session(), draft, by, current_app.config["GRIDMAP"].incidents, now())
    except incidents.Invalid as invalid:
        names = {"category": "service_code", "point": "lat/long"}
        said = rendered(invalid.errors, request_language())
        return errors(fmt, 400, [f"{names.get(k, k)}: {v}" for k, v in said.items()])
    notice = Message("open311.thanks_triage" if incident.triage else "open311.thanks_sent").say(request_language())
    return answer(fmt, "service_requests", "request", [{
        "service_request_id": incident.code, "service_notice": notice, "account_id": ""}], 201)
