"""Open311 GeoReport v2 at /open311/v2: citizens, hotlines and other city systems report a
problem at a place and follow it. JSON and XML; the spec's error format (a list of
{code, description}). Anonymous reports are rate-limited and wait in the triage queue until
an operator dispatches them; until then they are not listed publicly either.

Extension: GET requests accepts bbox=minLon,minLat,maxLon,maxLat.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from xml.etree import ElementTree

from flask import Blueprint, Response, current_app, jsonify, request

from .. import db
from ..auth import current_user, public
from ..models import OPEN_STATUSES, Category
from ..services.accounts.scope import Scope
from ..services.incidents import loop as incidents, views as incident_views
from .idempotent import transactional
from .incidents import participant

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")

FORMATS = ("json", "xml")
DEFAULT_DAYS, MAX_RESULTS = 90, 1000


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


def _format(fmt: str) -> str | None:
    return fmt if fmt in FORMATS else None


# -- services ---------------------------------------------------------------------------------

@bp.get("/services.<fmt>")
@public
def services(fmt: str):
    if not _format(fmt):
        return errors("json", 404, [f"Unknown format {fmt!r}; use .json or .xml."])
    lang = "zh" if request.accept_languages.best_match(["zh", "en"]) == "zh" else "en"
    rows = db.session().query(Category).order_by(Category.weight.desc(), Category.code).all()
    return answer(fmt, "services", "service", [{
        "service_code": c.code, "service_name": c.name_zh if lang == "zh" else c.name_en,
        "description": f"{c.name_zh} / {c.name_en}", "metadata": False, "type": "realtime",
        "keywords": "", "group": c.default_level} for c in rows])


# -- requests -------------------------------------------------------------------------------

def _status(status: str) -> str:
    return "open" if status in OPEN_STATUSES or status == "resolved" else "closed"


def _notes(p: dict) -> str:
    if p["merged_into"]:
        return f"Merged into {p['merged_into']}."
    if p["status"] == "resolved":
        return "Handled; waiting for verification."
    if p["status"] == "rejected":
        return "Not within the city's remit."
    return p["status"].replace("_", " ")


def as_request(feature: dict) -> dict:
    p = feature["properties"]
    lon, lat = feature["geometry"]["coordinates"]
    updated = max(t for t in (p["reported_at"], p["assigned_at"], p["responded_at"], p["resolved_at"],
                              p["closed_at"]) if t)
    return {
        "service_request_id": p["code"], "status": _status(p["status"]), "status_notes": _notes(p),
        "service_name": p["category_name"]["en"], "service_code": p["category"],
        "description": p["description"],
        "agency_responsible": (p["street"] or {}).get("en") or "",
        "service_notice": "", "requested_datetime": p["reported_at"], "updated_datetime": updated,
        "expected_datetime": p["due_resolve_at"], "address": p["address"] or "", "address_id": "",
        "zipcode": "", "lat": lat, "long": lon,
        "media_url": "",
    }


def _date(value: str, name: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise incident_views.BadFilter(name, f"{name} is an ISO 8601 time with a zone, "
                                             "e.g. 2026-11-23T08:00:00Z.") from None
    if parsed.tzinfo is None:
        raise incident_views.BadFilter(name, f"{name} needs a time zone (Z or ±HH:MM).")
    return parsed


@bp.get("/requests.<fmt>")
@public
def requests_(fmt: str):
    if not _format(fmt):
        return errors("json", 404, [f"Unknown format {fmt!r}; use .json or .xml."])
    args = request.args
    filters: dict = {"triage": "false"}
    try:
        if args.get("service_request_id"):
            filters["code"] = args["service_request_id"]
        else:
            end = _date(args["end_date"], "end_date") if args.get("end_date") else now()
            start = _date(args["start_date"], "start_date") if args.get("start_date") \
                else end - timedelta(days=DEFAULT_DAYS)
            filters["since"], filters["until"] = start.isoformat(), end.isoformat()
            if args.get("service_code"):
                filters["category"] = args["service_code"]
            if args.get("status"):
                if args["status"] not in ("open", "closed"):
                    raise incident_views.BadFilter("status", "status is open or closed.")
                filters["open"] = "true" if args["status"] == "open" else "false"
            if args.get("bbox"):
                filters["bbox"] = args["bbox"]
        listing = incident_views.search(db.session(), filters, Scope(everything=True), now(),
                                        limit=MAX_RESULTS)
    except incident_views.BadFilter as error:
        return errors(fmt, 400, [f"{error.name}: {error}"])
    return answer(fmt, "service_requests", "request", [as_request(f) for f in listing.items])


@bp.get("/requests/<code>.<fmt>")
@public
def request_(code: str, fmt: str):
    if not _format(fmt):
        return errors("json", 404, [f"Unknown format {fmt!r}; use .json or .xml."])
    listing = incident_views.search(db.session(), {"code": code, "triage": "false"},
                                    Scope(everything=True), now(), limit=1)
    if not listing.items:
        return errors(fmt, 404, [f"There is no service request {code} (a new anonymous report is "
                                 "listed once an operator has accepted it)."])
    return answer(fmt, "service_requests", "request", [as_request(listing.items[0])])


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
        return errors("json", 404, [f"Unknown format {fmt!r}; use .json or .xml."])
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
        return errors(fmt, 400, [f"{names.get(k, k)}: {v}" for k, v in invalid.errors.items()])
    notice = ("Thank you. An operator will check your report and dispatch it."
              if incident.triage else "Thank you. Your report has been sent to the grid worker.")
    return answer(fmt, "service_requests", "request", [{
        "service_request_id": incident.code, "service_notice": notice, "account_id": ""}], 201)
