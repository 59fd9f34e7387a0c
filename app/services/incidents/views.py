"""Incidents as their users read them: one query gives each incident with its place names,
assignee, time limits and what remains of them, filtered by scope and by the list's filters."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.orm import Session

from ... import csvfile, dates, personal
from ...messages import CATALOGUE, Said, say
from ...models import OPEN_STATUSES, STATUSES
from ..accounts.scope import Scope
from ..city.frame import city_utm
from . import heat, lateness

# Names come from scalar subqueries, not eight joins: with the joins, planning the query took
# 5 ms (the join order search) against 0.2 ms to run it, on every report's answer.
_NAMES = "json_build_object('code', x.code, 'zh', x.name_zh, 'en', x.name_en)"
# What an incident's answer holds, for any row source aliased `t` with incident's columns
# (the incident table, or the row a report has just inserted: incidents._FILE). The contact is a
# resident's own phone or e-mail (kept with their consent), else the older free-text one.
COLUMNS = f"""
           t.id, t.code, t.category_code,
           (SELECT json_build_object('zh', c.name_zh, 'en', c.name_en) FROM category c
             WHERE c.code = t.category_code) AS category_name,
           t.severity, t.status, t.channel, t.description, t.address, t.level, t.flag, t.triage,
           round(ST_X(t.geom)::numeric, 7) AS lon, round(ST_Y(t.geom)::numeric, 7) AS lat,
           (SELECT g.code FROM grid g WHERE g.id = t.grid_id) AS grid,
           (SELECT json_build_object('zh', g.name_zh, 'en', g.name_en) FROM grid g WHERE g.id = t.grid_id) AS grid_name,
           coalesce(t.reporter_phone, t.reporter_email, t.reporter_contact) AS reporter_contact, t.public_note,
           (SELECT {_NAMES} FROM area x WHERE x.id = t.community_id) AS community,
           (SELECT {_NAMES} FROM area x WHERE x.id = t.street_id) AS street,
           (SELECT json_build_object('id', x.id, 'code', x.code, 'zh', x.name_zh, 'en', x.name_en)
              FROM worker x WHERE x.id = t.assignee_id) AS assignee,
           t.handling, (SELECT {_NAMES} FROM department x WHERE x.id = t.department_id) AS department,
           t.suspended_since, t.extensions,
           (SELECT json_build_object('kind', r.kind, 'reason', r.reason, 'until', r.until, 'asked_by', r.asked_by,
                                     'asked_at', r.asked_at)
              FROM incident_request r WHERE r.incident_id = t.id AND r.status = 'pending') AS pending_request,
           -- the latest request and its decision, so a handler sees the answer on the case, not
           -- only in its history: the refusal's reason is the decision's note
           (SELECT json_build_object('kind', r.kind, 'reason', r.reason, 'until', r.until, 'status', r.status,
                                     'decided_at', r.decided_at,
                                     'note', (SELECT e.note FROM incident_event e WHERE e.id = r.decided_event_id))
              FROM incident_request r WHERE r.incident_id = t.id AND r.status <> 'dropped'
             ORDER BY r.id DESC LIMIT 1) AS last_request,
           (SELECT array_agg(x.code ORDER BY k.id) FROM incident_task k JOIN department x ON x.id = k.department_id
             WHERE k.incident_id = t.id AND k.role = 'helper' AND k.status IN ('open', 'accepted')) AS helpers,
           t.reported_by, t.reported_at, t.assigned_at, t.due_respond_at, t.due_resolve_at,
           t.responded_at, t.resolved_at, t.closed_at, t.overdue_since, t.ever_overdue,
           {lateness.overdue('t', 'now()')} AS overdue_now,
           CASE WHEN {lateness.overdue('t', 'now()')} THEN {lateness.late_since('t', 'now()')} END AS overdue_from,
           t.escalations, t.satisfaction, t.duplicate_of_id,
           (SELECT d.code FROM incident d WHERE d.id = t.duplicate_of_id) AS duplicate_of,
           t.merged_into_id, (SELECT m.code FROM incident m WHERE m.id = t.merged_into_id) AS merged_into,
           -- the city part (部件) it is about: kind, the standard's code, and its place in the register
           (SELECT json_build_object('id', p.id, 'kind', p.kind, 'zh', k.name_zh, 'en', k.name_en,
                                     'standard_code', k.standard_code, 'name', p.name, 'status', p.status)
              FROM part p JOIN part_kind k ON k.code = p.kind WHERE p.id = t.part_id) AS part,
           t.version,
           (SELECT array_agg(p.id ORDER BY p.id) FROM incident_photo p WHERE p.incident_id = t.id) AS photos,
           (SELECT json_agg(json_build_object('id', p.id, 'step', coalesce(e.action, 'report')) ORDER BY p.id)
              FROM incident_photo p LEFT JOIN incident_event e ON e.id = p.event_id
             WHERE p.incident_id = t.id) AS photo_steps"""
_SELECT = f"SELECT {COLUMNS} FROM incident t"

FILTERS = ("status", "category", "grid", "community", "street", "level", "severity", "channel",
           "assignee", "overdue", "triage", "open", "since", "until", "q", "code", "bbox",
           "late", "merged", "closed_since", "closed_until", "hexagon", "department", "role", "returned")
# since/until: when reported; closed_since/closed_until: when closed (the wall's charts)
_TIMES = {"since": "t.reported_at >= :since", "until": "t.reported_at < :until",
          "closed_since": "t.closed_at >= :closed_since", "closed_until": "t.closed_at < :closed_until"}


class BadFilter(Said, ValueError):
    """A list filter refused: `name` names it, the catalogue key and blanks say why."""

    def __init__(self, name: str, key: str, /, **params):
        super().__init__(key, **params)
        self.name = name


@dataclass(frozen=True)
class Listing:
    total: int
    items: list[dict]


def _visibility(session: Session, scope: Scope, worker_id: int | None, own_only: bool) -> tuple[str, dict]:
    if scope.department_id is not None:
        return scope.incidents(session, "t")        # a department's cases, wherever they are
    if own_only:
        # a grid worker: incidents in their grids, and anything assigned to them elsewhere
        condition, params = scope.condition(session, "t")
        return f"(({condition}) OR t.assignee_id = :me)", {**params, "me": worker_id}
    condition, params = scope.condition(session, "t")
    return f"({condition})", params


_ONE = text(_SELECT + " WHERE t.id = :id")


def describe(session: Session, incident_id: int, now: datetime) -> dict | None:
    row = session.execute(_ONE, {"id": incident_id}).mappings().first()
    return shape(row, now) if row else None


def search(session: Session, filters: dict[str, str], scope: Scope, now: datetime, *,
           worker_id: int | None = None, own_only: bool = False, limit: int = 100,
           offset: int = 0, order: str = "reported") -> Listing:
    where, params = _where(filters, worker_id, now, session)
    visible, visible_params = _visibility(session, scope, worker_id, own_only)
    params.update(visible_params)
    clauses = " AND ".join([visible, *where])
    # "deadline": a worker's task list, the nearest time limit first
    order_sql = {"reported": "t.reported_at DESC, t.id DESC",
                 "deadline": "least(CASE WHEN t.responded_at IS NULL THEN t.due_respond_at END, "
                             "t.due_resolve_at) NULLS LAST, t.id",
                 # the wall's overdue list: the longest overdue first (escalation's fresh
                 # limits would put the latest cases last, or off the list)
                 "lateness": f"{lateness.late_since('t', ':now')} NULLS LAST, t.id"}[order]
    total = session.execute(text(f"SELECT count(*) FROM incident t WHERE {clauses}"), params).scalar_one()
    rows = session.execute(text(f"{_SELECT} WHERE {clauses} ORDER BY {order_sql} "
                                "LIMIT :limit OFFSET :offset"),
                           {**params, "limit": limit, "offset": offset}).mappings().all()
    return Listing(total, [shape(r, now) for r in rows])


_HISTORY = text("""
    SELECT e.id, e.at, e.actor, gridmap_actor(e.actor) AS by, e.action, e.from_status, e.to_status,
           e.note, e.data,
           -- whom a dispatch sent it to, by name
           (SELECT json_build_object('zh', w.name_zh, 'en', w.name_en) FROM worker w
             WHERE e.action = 'assign' AND w.id = (e.data->>'worker_id')::bigint) AS to_worker,
           (SELECT json_build_object('zh', d.name_zh, 'en', d.name_en) FROM department d
             WHERE d.code = e.data->>'department') AS to_department
    FROM incident_event e WHERE e.incident_id = :id ORDER BY e.id""")


# What the system wrote in English before its notes were said in both languages (migration
# 0021) is the catalogue's English of the same notes; the log is append-only, so they are said
# in the reader's language when read.
_EARLIER_SYSTEM_NOTES = {texts["en"]: key for key, texts in CATALOGUE.items() if key.startswith("system_note.")}


def history(session: Session, incident_id: int, language: str) -> list[dict]:
    """An incident's steps as people read them: who by name (gridmap_actor, migration 0021),
    and a system step's note in the reader's language."""
    steps = []
    for e in session.execute(_HISTORY, {"id": incident_id}).mappings():
        said = (e["data"] or {}).get("said") or {}
        note = e["note"]
        if e["actor"].startswith("system") and note in _EARLIER_SYSTEM_NOTES:
            note = say(_EARLIER_SYSTEM_NOTES[note], language)
        steps.append(dict(id=e["id"], at=e["at"].isoformat(), actor=e["actor"], by=e["by"],
                          action=e["action"], from_status=e["from_status"], to_status=e["to_status"],
                          note=note or said.get(language), data=e["data"], to_worker=e["to_worker"],
                          to_department=e["to_department"]))
    return steps


LINKS = ("possible_duplicate_of", "merged_into")


def without_unseen_links(session: Session, features: list[dict], scope: Scope,
                         worker_id: int | None = None) -> list[dict]:
    """Duplicate and merge links name only incidents the reader may see (in their scope, or
    assigned to them): the code of a case outside the reader's area tells them it exists."""
    codes = {f["properties"][k] for f in features for k in LINKS if f["properties"].get(k)}
    if not codes or (scope.everything and scope.department_id is None):
        return features
    visible, params = _visibility(session, scope, worker_id, own_only=True)     # as loop.visible_to
    seen = set(session.execute(text(f"SELECT t.code FROM incident t WHERE t.code = ANY(:codes) AND {visible}"),
                               {**params, "codes": sorted(codes)}).scalars())
    for feature in features:
        for key in LINKS:
            if feature["properties"].get(key) not in seen:
                feature["properties"][key] = None
    return features


def _where(filters: dict[str, str], worker_id: int | None, now: datetime,
           session: Session) -> tuple[list[str], dict]:
    where, params = [], {"now": now}
    unknown = set(filters) - set(FILTERS)
    if unknown:
        raise BadFilter(sorted(unknown)[0], "filter.unknown", name=sorted(unknown)[0], known=FILTERS)
    for name, value in filters.items():
        if name == "status":
            statuses = value.split(",")
            bad = [s for s in statuses if s not in STATUSES]
            if bad:
                raise BadFilter(name, "filter.status", status=bad[0], known=STATUSES)
            where.append("t.status = ANY(:status)")
            params["status"] = statuses
        elif name in ("category", "level", "severity", "channel"):
            column = "category_code" if name == "category" else name
            where.append(f"t.{column} = ANY(:{name})")
            params[name] = value.split(",")
        elif name == "grid":
            where.append("t.grid_id IN (SELECT id FROM grid WHERE code = ANY(:grid))")
            params["grid"] = value.split(",")
        elif name in ("community", "street"):
            where.append(f"t.{name}_id IN (SELECT id FROM area WHERE code = ANY(:{name}))")
            params[name] = value.split(",")
        elif name == "assignee":
            if value == "me":
                if worker_id is None:
                    raise BadFilter(name, "filter.assignee_me")
                where.append("t.assignee_id = :assignee")
                params["assignee"] = worker_id
            else:
                where.append("t.assignee_id IN (SELECT id FROM worker WHERE code = :assignee)")
                params["assignee"] = value
        elif name in ("overdue", "triage", "open", "late", "merged"):
            if value not in ("true", "false"):
                raise BadFilter(name, "param.boolean", name=name)
            condition = {"overdue": lateness.overdue("t", ":now"), "triage": "t.triage",
                         "open": f"t.status IN {OPEN_STATUSES}", "late": lateness.late("t", ":now"),
                         "merged": "t.merged_into_id IS NOT NULL"}[name]
            where.append(condition if value == "true" else f"NOT ({condition})")
        elif name in _TIMES:
            try:
                params[name] = value if isinstance(value, datetime) else dates.moment(value, timezone.utc)
            except dates.Unusable:
                raise BadFilter(name, "filter.time", name=name) from None
            where.append(_TIMES[name])
        elif name == "department":
            # a department's queue: the cases it has a task in now (as lead or helper)
            where.append("EXISTS (SELECT 1 FROM incident_task k JOIN department d ON d.id = k.department_id"
                         " WHERE k.incident_id = t.id AND d.code = ANY(:department)"
                         " AND k.status IN ('open', 'accepted') AND (CAST(:role AS text) IS NULL OR k.role = :role))")
            params["department"] = value.split(",")
            params.setdefault("role", None)
        elif name == "role":
            if value not in ("lead", "helper"):
                raise BadFilter(name, "filter.task_role")
            params["role"] = value
        elif name == "returned":
            if value not in ("true", "false"):
                raise BadFilter(name, "param.boolean", name=name)
            where.append("t.flag = 'returned'" if value == "true" else "t.flag IS DISTINCT FROM 'returned'")
        elif name == "code":
            where.append("t.code = ANY(:code)")
            params["code"] = value.split(",")
        elif name == "hexagon":
            # the heat map's hexagon (heat.py), on the incidents' index
            where.append("ST_Intersects(t.geom, " + heat.cell("CAST(:hexagon_size AS float8)", "CAST(:hexagon_i AS integer)",
                                                              "CAST(:hexagon_j AS integer)", ":hexagon_srid") + ")")
            params.update(_hexagon(value), hexagon_srid=city_utm(session))
        elif name == "bbox":
            box = value if isinstance(value, tuple) else _bbox(value)
            where.append("t.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)")
            params.update(zip(("minx", "miny", "maxx", "maxy"), box))
        elif name == "q":
            # people search by the place's names as they say them ("和平社区"), not only the address
            where.append("(t.description ILIKE :q OR t.code ILIKE :q OR t.address ILIKE :q"
                         " OR t.grid_id IN (SELECT id FROM grid WHERE name_zh ILIKE :q OR name_en ILIKE :q)"
                         " OR t.community_id IN (SELECT id FROM area WHERE level = 'community'"
                         " AND (name_zh ILIKE :q OR name_en ILIKE :q))"
                         " OR t.street_id IN (SELECT id FROM area WHERE level = 'street'"
                         " AND (name_zh ILIKE :q OR name_en ILIKE :q)))")
            params["q"] = f"%{value}%"
    return where, params


def _hexagon(value: str) -> dict:
    """hexagon=size,i,j: the side in metres and the place in the city's hexagon grid."""
    low, high = heat.CELL_SIZES
    try:
        size, i, j = value.split(",")
        size, i, j = float(size), int(i), int(j)
    except ValueError:
        raise BadFilter("hexagon", "filter.hexagon", value=value) from None
    if not low <= size <= high:
        raise BadFilter("hexagon", "filter.hexagon_size", low=low, high=high, value=value)
    if not heat.in_zone(size, i, j):
        raise BadFilter("hexagon", "filter.hexagon", value=value)
    return {"hexagon_size": size, "hexagon_i": i, "hexagon_j": j}


def _bbox(value: str) -> tuple[float, float, float, float]:
    try:
        minx, miny, maxx, maxy = (float(v) for v in value.split(","))
    except ValueError:
        raise BadFilter("bbox", "param.bbox_four") from None
    if minx > maxx or miny > maxy:
        raise BadFilter("bbox", "param.bbox_order")
    return minx, miny, maxx, maxy


def _iso(value):
    return value.isoformat() if value is not None else None


def _remaining(due, now, running: bool) -> int | None:
    return int((due - now).total_seconds()) if running and due is not None else None


def shape(row, now: datetime) -> dict:
    """An incident as a GeoJSON Feature, from a row of COLUMNS."""
    running = row["status"] in OPEN_STATUSES
    return {
        "type": "Feature", "id": row["id"],
        "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
        "properties": {
            "code": row["code"], "category": row["category_code"], "category_name": row["category_name"],
            "severity": row["severity"], "status": row["status"], "channel": row["channel"],
            "description": row["description"], "address": row["address"], "level": row["level"],
            "flag": row["flag"], "triage": row["triage"], "grid": row["grid"], "grid_name": row["grid_name"],
            # masked: a colleague tells two reporters apart, and calls through the case, not the number
            "reporter_contact": personal.masked(row["reporter_contact"]), "public_note": row["public_note"],
            "community": row["community"], "street": row["street"], "assignee": row["assignee"],
            # the department leading it (协同), who handles it, and the departments helping
            "department": row["department"], "handling": row["handling"], "helpers": list(row["helpers"] or []),
            "reported_by": row["reported_by"],
            "reported_at": _iso(row["reported_at"]), "assigned_at": _iso(row["assigned_at"]),
            "due_respond_at": _iso(row["due_respond_at"]), "due_resolve_at": _iso(row["due_resolve_at"]),
            # seconds left (negative: overdue); None when that clock is not running
            # a suspended case's clock stands at what was left when it stopped
            "respond_remaining_s": _remaining(row["due_respond_at"], row["suspended_since"] or now,
                                              running and row["responded_at"] is None),
            "resolve_remaining_s": _remaining(row["due_resolve_at"], row["suspended_since"] or now, running),
            "suspended_since": _iso(row["suspended_since"]), "extensions": row["extensions"],
            "pending_request": row["pending_request"], "last_request": row["last_request"],
            "responded_at": _iso(row["responded_at"]), "resolved_at": _iso(row["resolved_at"]),
            # overdue: late and not yet handled (lateness.py), whatever level it moved to;
            # overdue_from: the first limit it missed; overdue_since: the clock's latest mark
            "closed_at": _iso(row["closed_at"]), "overdue": row["overdue_now"],
            "overdue_from": _iso(row["overdue_from"]),
            "overdue_since": _iso(row["overdue_since"]), "ever_overdue": row["ever_overdue"],
            "escalations": row["escalations"], "satisfaction": row["satisfaction"],
            "possible_duplicate_of": row["duplicate_of"], "merged_into": row["merged_into"],
            "photos": list(row["photos"] or []), "photo_steps": row["photo_steps"] or [],
            "part": row["part"], "version": row["version"],
        },
    }


# The export a person opens in a spreadsheet: names beside the codes (the codes stay in their own
# columns for the programs that read it), headers in the reader's language (English: the column
# names themselves) and times in the city's, to the minute.
CSV_COLUMNS = ("code", "category", "category_name", "severity", "severity_name", "status", "status_name",
               "level", "level_name", "grid", "grid_name", "community", "community_name", "street",
               "street_name", "department", "department_name", "assignee", "address", "reported_at",
               "due_respond_at", "due_resolve_at", "responded_at", "resolved_at", "closed_at", "overdue",
               "escalations", "satisfaction", "lon", "lat", "description")
CSV_TIME = "%Y-%m-%d %H:%M"


def as_csv(items: list[dict], language: str, zone: str) -> str:
    city = ZoneInfo(zone)

    def name(names: dict | None) -> str | None:
        return (names.get(language) or names.get("zh")) if names else None

    def word(group: str, value: str | None) -> str | None:
        return say(f"{group}.{value}", language) if f"{group}.{value}" in CATALOGUE else value

    def local(moment: str | None) -> str | None:
        return datetime.fromisoformat(moment).astimezone(city).strftime(CSV_TIME) if moment else None

    def row(item: dict) -> list:
        p = item["properties"]
        lon, lat = item["geometry"]["coordinates"]
        community, street, department = p["community"] or {}, p["street"] or {}, p["department"] or {}
        return [p["code"], p["category"], name(p["category_name"]), p["severity"], word("severity", p["severity"]),
                p["status"], word("status", p["status"]), p["level"], word("level", p["level"]),
                p["grid"], name(p["grid_name"]), community.get("code"), name(community),
                street.get("code"), name(street), department.get("code"), name(department),
                (p["assignee"] or {}).get("code"), p["address"], local(p["reported_at"]),
                local(p["due_respond_at"]), local(p["due_resolve_at"]), local(p["responded_at"]),
                local(p["resolved_at"]), local(p["closed_at"]), say("export.yes" if p["overdue"] else "export.no", language),
                p["escalations"], p["satisfaction"], lon, lat, p["description"]]
    header = [say(f"export.incident.{column}", language) for column in CSV_COLUMNS]
    return csvfile.table(header, map(row, items))
