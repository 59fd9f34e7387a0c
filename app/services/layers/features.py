"""The layers, declared once, written by PostGIS as GeoJSON and as vector tiles.

Each collection is declared once (table, key, fixed filter, properties, property filters, time
columns); the SQL for any request is composed here from those declarations, with user input
only ever passed as bound parameters. PostGIS writes the GeoJSON text; Python never decodes
and re-encodes it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Callable

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...models import GRID_KINDS
from ...models.cameras import CAMERA_KINDS, CAMERA_STATUSES
from ...models.incidents import CHANNELS, LEVELS, SEVERITIES, STATUSES
from ...models.parts import PART_GROUPS, PART_STATUSES
from ..accounts.scope import Scope
from ..city import sites as site_kinds
from .crs import Crs
from .crs import default as crs_default
from .kept import Kept

# Seven decimals of a degree: about a centimetre, the precision of the source data.
COORDINATE_DECIMALS = 7
FETCH_ROWS = 1000           # features per chunk of a page
# text() kept per statement: building a TextClause parses the SQL for its parameters, a
# quarter of a millisecond for a layer's statement, on every request
statement = lru_cache(maxsize=1024)(text)
# what an answer reads beside itself when asked nothing (see `also` below)
NOTHING_ELSE = ("NULL::text", {})


@dataclass(frozen=True)
class Collection:
    id: str
    title_zh: str
    title_en: str
    table: str
    geometry_type: str
    properties: dict[str, str] = field(default_factory=dict)  # output name -> SQL on alias t
    where: str = "TRUE"                                        # fixed filter on alias t
    boundary: bool = False      # a division layer: a worker also sees the neighbours' outlines
    ground: bool = False        # the ground itself (roads): no one's data, seen city-wide, so a
                                # phone finds its way to a task beyond the grid
    permission: str = "layers:read"
    # query parameter -> SQL compared (as text) with its value: ?status=open
    filters: dict[str, str] = field(default_factory=dict)
    # `datetime` selects rows whose [start, end) period meets it; end None: an instant column
    temporal: tuple[str, str | None] | None = None
    # with `datetime`, this replaces `where` (grids: the history instead of the current ones)
    where_in_time: str | None = None
    reads: tuple[str, ...] = ()  # other tables the properties come from (for ETags)
    minzoom: int = 0             # vector tiles below this zoom are empty (too dense to draw)
    key: str = "t.id"            # the feature id: the table's primary key
    plan_id: int | None = None   # a grid plan's own collection (plan-{id}), editable while a draft
    order: str | None = None     # the paging order, when it is not the key's
    # a key that is not an integer column: (the pattern its text matches, the SQL condition that
    # finds it from :key, written so that the primary key's index answers it)
    text_key: tuple[str, str] | None = None
    owner: str | None = None     # the worker a row belongs to: an ':own' reach sees only theirs
    # SQL of the extent, for a table too big to measure on every /collections (fixes: the city)
    extent_sql: str | None = None
    # property -> the values it may take: a tuple, SQL that lists them (the categories) or a
    # function that reads them (the site kinds' file): the queryables show them, and a filter
    # naming another is told so instead of finding nothing
    choices: dict[str, tuple[str, ...] | str | Callable[[], tuple[str, ...]]] = field(default_factory=dict)

    @property
    def tables(self) -> tuple[str, ...]:
        return (self.table, *self.reads)


_AREA_PROPS = {"code": "t.code", "name_zh": "t.name_zh", "name_en": "t.name_en",
               "households": "t.households", "population": "t.population"}
_GRID_OF = "(SELECT g.code FROM grid g WHERE g.id = t.grid_id)"
_AREA_OF = "(SELECT a.code FROM area a WHERE a.id = t.{})"
_WORKER_OF = "(SELECT w.code FROM worker w WHERE w.id = t.worker_id)"
_KIND_OF = "(SELECT k.{} FROM part_kind k WHERE k.code = t.kind)"
# a filter's SQL with {value} in it is a whole condition (one an index can answer): rows of a
# grid or an area by its code, and of a worker by theirs
_IN_GRID = "t.grid_id IN (SELECT g.id FROM grid g WHERE g.code = {value})"
_IN_AREA = "t.{} IN (SELECT a.id FROM area a WHERE a.code = {{value}})"
_CITY_EXTENT = "SELECT ST_Extent(geom) FROM area WHERE parent_id IS NULL"
# a grid's street: its community's parent
_STREET_OF = "(SELECT s.code FROM area c JOIN area s ON s.id = c.parent_id WHERE c.id = t.community_id)"
_IN_STREET = ("t.community_id IN (SELECT c.id FROM area c JOIN area s ON s.id = c.parent_id "
              "WHERE s.code = {value})")
_BY_WORKER = "t.worker_id = (SELECT w.id FROM worker w WHERE w.code = {value})"
# a segment's street chief (街长) now: their name is on the sign at the roadside, not private
_CHIEF = """(SELECT {} FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
             WHERE a.road_segment_id = t.id AND a.valid_to IS NULL ORDER BY a.valid_from DESC LIMIT 1)"""

COLLECTIONS: dict[str, Collection] = {c.id: c for c in [
    Collection("cities", "市", "Cities", "area", "MultiPolygon", _AREA_PROPS,
               "t.level = 'city'", boundary=True),
    Collection("districts", "区", "Districts", "area", "MultiPolygon", _AREA_PROPS,
               "t.level = 'district'", boundary=True),
    Collection("streets", "街道", "Streets", "area", "MultiPolygon",
               {**_AREA_PROPS, "district": _AREA_OF.format("parent_id")},
               "t.level = 'street'", boundary=True, filters={"district": _IN_AREA.format("parent_id")}),
    Collection("communities", "社区", "Communities", "area", "MultiPolygon",
               {**_AREA_PROPS, "street": _AREA_OF.format("parent_id")},
               "t.level = 'community'", boundary=True, filters={"street": _IN_AREA.format("parent_id")}),
    Collection("grids", "网格", "Grids", "grid", "MultiPolygon",
               {**_AREA_PROPS, "kind": "t.kind", "site_kind": "t.site_kind",
                "community": _AREA_OF.format("community_id"),
                "street": _STREET_OF, "valid_from": "t.valid_from", "valid_to": "t.valid_to"},
               "t.valid_to IS NULL", boundary=True,
               filters={"community": _IN_AREA.format("community_id"), "kind": "t.kind",
                        "site_kind": "t.site_kind", "code": "t.code", "street": _IN_STREET},
               choices={"kind": GRID_KINDS, "site_kind": site_kinds.kind_codes},
               temporal=("t.valid_from", "t.valid_to"), where_in_time="TRUE", reads=("area",)),
    # The mapped sites (学校, 公园…: `flask import osm`, of the kinds gis_data/site_kinds.csv
    # names) a special grid is carved around: read-only, so a planner sees which the city has.
    Collection("sites", "场所", "Sites", "site", "MultiPolygon",
               {"kind": "t.kind", "name": "t.name", "name_zh": "t.name_zh", "name_en": "t.name_en",
                "area_m2": "round(t.area_m2::numeric)"},
               boundary=True, filters={"kind": "t.kind"}, choices={"kind": site_kinds.kind_codes}),
    Collection("buildings", "楼栋", "Buildings", "building", "MultiPolygon",
               {"name": "t.name", "address": "t.address", "kind": "t.kind", "levels": "t.levels",
                "households": "t.households", "population": "t.population", "grid": _GRID_OF},
               filters={"grid": _IN_GRID, "kind": "t.kind"}, reads=("grid",), minzoom=13),
    Collection("roads", "道路", "Roads", "road", "LineString",
               {"name": "t.name", "class": "t.class"}, filters={"class": "t.class"}, minzoom=11, ground=True),
    Collection("road-segments", "街长路段", "Street-chief road segments", "road_segment",
               "MultiLineString",
               {"code": "t.code", "name_zh": "t.name_zh", "name_en": "t.name_en",
                "length_m": "t.length_m", "street": _AREA_OF.format("street_id"),
                "chief": _CHIEF.format("w.code"), "chief_name_zh": _CHIEF.format("w.name_zh"),
                "chief_name_en": _CHIEF.format("w.name_en")},
               filters={"street": _IN_AREA.format("street_id"), "chief": _CHIEF.format("w.code")},
               reads=("area", "worker_assignment", "worker")),
    Collection("cameras", "视频监控", "Cameras", "camera", "Point",
               {"name": "t.name", "kind": "t.kind", "bearing": "t.bearing", "fov": "t.fov",
                "range_m": "t.range_m", "height_m": "t.height_m", "status": "t.status",
                "owner": "t.owner", "estimated": "array_to_string(t.estimated, ',')",
                "bearing_from": "t.bearing_from"},
               permission="cameras:read", filters={"status": "t.status", "kind": "t.kind"},
               minzoom=12, choices={"status": CAMERA_STATUSES, "kind": CAMERA_KINDS}),
    Collection("camera-coverage", "监控覆盖", "Camera coverage", "camera_coverage", "MultiPolygon",
               {"camera": "t.camera_id", "method": "t.method", "computed_at": "t.computed_at"},
               permission="cameras:read", reads=("camera",), minzoom=12, key="t.camera_id"),
    Collection("camera-blind-spots", "监控盲区", "Camera blind spots", "camera_blind_spot", "LineString",
               {"length_m": "round(t.length_m::numeric, 1)", "road": "(SELECT r.name FROM road r WHERE r.id = t.road_id)"},
               permission="cameras:read", reads=("road",), minzoom=12),
    # City parts (部件): the kind's names, its major class (group, 01–06: the legend's colours)
    # and the standard's code (GB/T 30428.2) beside ours; a removed part leaves the map.
    Collection("parts", "部件", "City parts", "part", "Point",
               {"kind": "t.kind", "group": _KIND_OF.format("group_code"),
                "standard_code": _KIND_OF.format("standard_code"), "name_zh": _KIND_OF.format("name_zh"),
                "name_en": _KIND_OF.format("name_en"), "name": "t.name", "status": "t.status",
                "grid": _GRID_OF, "source": "split_part(t.source_id, ':', 1)"},
               "t.status <> 'removed'",
               filters={"kind": "t.kind", "group": _KIND_OF.format("group_code"), "status": "t.status",
                        "grid": _IN_GRID},
               reads=("part_kind", "grid"), minzoom=13,
               choices={"status": PART_STATUSES, "group": PART_GROUPS, "kind": "SELECT code FROM part_kind ORDER BY code"}),
    Collection("incidents", "事件", "Incidents", "incident", "Point",
               {"code": "t.code", "category": "t.category_code", "severity": "t.severity",
                "status": "t.status", "level": "t.level", "channel": "t.channel",
                "grid": _GRID_OF, "community": _AREA_OF.format("community_id"),
                "street": _AREA_OF.format("street_id"), "reported_at": "t.reported_at",
                "due_resolve_at": "t.due_resolve_at", "closed_at": "t.closed_at"},
               permission="incidents:read",
               filters={"status": "t.status", "category": "t.category_code", "grid": _IN_GRID,
                        "community": _IN_AREA.format("community_id"), "level": "t.level",
                        "severity": "t.severity"},
               temporal=("t.reported_at", None), reads=("grid", "area"),
               choices={"status": STATUSES, "severity": SEVERITIES, "level": LEVELS, "channel": CHANNELS,
                        "category": "SELECT code FROM category ORDER BY code"}),
    # A fix is one worker at one instant: its id is the worker's id and the microsecond.
    Collection("positions", "网格员位置", "Worker positions", "position", "Point",
               {"worker": _WORKER_OF, "fixed_at": "t.fixed_at", "accuracy_m": "t.accuracy_m",
                "speed_mps": "t.speed_mps", "flag": "coalesce(t.flag, 'ok')"},
               permission="tracks:read", filters={"worker": _BY_WORKER, "flag": "coalesce(t.flag, 'ok')"},
               temporal=("t.fixed_at", None), reads=("worker",), minzoom=12,
               key="t.worker_id || '-' || (extract(epoch FROM t.fixed_at) * 1000000)::bigint",
               order="t.worker_id, t.fixed_at", owner="t.worker_id", extent_sql=_CITY_EXTENT,
               text_key=(r"[0-9]{1,9}-[0-9]{1,16}",
                         "t.worker_id = split_part(:key, '-', 1)::int AND t.fixed_at = "
                         "to_timestamp(0) + split_part(:key, '-', 2)::bigint * interval '1 microsecond'")),
    # Finished days only (kept at the day's end, and again when a late upload reaches one);
    # today's route so far is in positions, or /api/v1/workers/{code}/track.
    Collection("tracks", "巡查轨迹", "Worker tracks (one a day)", "track_day", "MultiLineString",
               {"worker": _WORKER_OF, "day": "t.day", "fixes": "t.fixes",
                "distance_m": "round(t.distance_m::numeric, 1)", "first_at": "t.first_at",
                "last_at": "t.last_at"},
               "t.geom IS NOT NULL", permission="tracks:read",
               filters={"worker": _BY_WORKER, "day": "t.day"},
               temporal=("t.first_at", "t.last_at"), reads=("worker",),
               key="t.worker_id || '-' || to_char(t.day, 'YYYYMMDD')", order="t.worker_id, t.day",
               owner="t.worker_id",
               text_key=(r"[0-9]{1,9}-[0-9]{8}", "t.worker_id = split_part(:key, '-', 1)::int "
                                                 "AND to_char(t.day, 'YYYYMMDD') = split_part(:key, '-', 2)")),
]}


class UnknownCollection(LookupError):
    pass


def choices(session: Session, c: Collection, name: str) -> tuple[str, ...] | None:
    """The values property `name` may take, when the collection says: listed, asked of the
    database (SQL), or read from a data file (a function)."""
    allowed = c.choices.get(name)
    if isinstance(allowed, str):
        return tuple(session.execute(text(allowed)).scalars())
    if callable(allowed):
        return tuple(allowed())
    return allowed


class InvalidQuery(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


PLAN_COLLECTION = re.compile(r"plan-([1-9][0-9]{0,8})")
# households a planned grid would hold: the buildings whose point on surface it contains (an
# invalid draft shape holds none until it is repaired)
_PLANNED_HOUSEHOLDS = """(SELECT coalesce(sum(b.households), 0) FROM building b
    WHERE ST_IsValid(t.geom) AND b.geom && t.geom AND ST_Contains(t.geom, ST_PointOnSurface(b.geom)))"""


def plan_collection(plan_id: int) -> Collection:
    return Collection(
        f"plan-{plan_id}", f"网格划分方案 {plan_id}", f"Grid plan {plan_id}", "grid_plan_feature",
        "MultiPolygon",
        {"code": "t.code", "name_zh": "t.name_zh", "name_en": "t.name_en", "kind": "t.kind",
         "site_kind": "t.site_kind", "community": _AREA_OF.format("community_id"),
         "worker": "(SELECT w.code FROM worker w WHERE w.id = t.worker_id)",
         "source_grid": "(SELECT g.code FROM grid g WHERE g.id = t.source_grid_id)",
         "households": _PLANNED_HOUSEHOLDS, "version": "t.version", "repaired": "t.repaired"},
        f"t.plan_id = {int(plan_id)}", boundary=True, permission="plans:read",
        filters={"community": _IN_AREA.format("community_id"), "code": "t.code", "kind": "t.kind",
                 "site_kind": "t.site_kind"},
        reads=("building", "area", "worker", "grid"), plan_id=int(plan_id))


def collection(collection_id: str) -> Collection:
    """A declared layer, or a plan's collection (whether the plan exists is the caller's check)."""
    if collection_id in COLLECTIONS:
        return COLLECTIONS[collection_id]
    plan = PLAN_COLLECTION.fullmatch(collection_id)
    if plan:
        return plan_collection(int(plan[1]))
    raise UnknownCollection(collection_id)


@dataclass(frozen=True)
class ItemsQuery:
    bbox: tuple[float, float, float, float] | None = None
    limit: int = 100
    offset: int = 0
    period: tuple[datetime | None, datetime | None] | None = None   # None: now / not asked
    instant: bool = False
    filters: dict[str, str] = field(default_factory=dict)
    crs: Crs = field(default_factory=crs_default)     # the answer's coordinates
    bbox_crs: Crs = field(default_factory=crs_default)  # the bbox's
    where: tuple[str, dict] | None = None     # a CQL2 filter's SQL and parameters (cql2.translate)
    sortby: tuple[tuple[str, bool], ...] = ()  # (property, descending), before the key
    properties: tuple[str, ...] | None = None  # only these (None: all)
    skip_geometry: bool = False


def in_reach(session: Session, c: Collection, scope: Scope, owner: int | None) -> tuple[str, dict]:
    """The scope's condition; with `owner` (an ':own' reach) that worker's rows instead,
    wherever they are: a worker's own route leaves their grid too."""
    if owner is not None and c.owner is not None:
        return f"{c.owner} = :owner", {"owner": owner}
    if c.ground:
        return "TRUE", {}
    return scope.condition(session, "t", c.boundary)


def _conditions(session: Session, c: Collection, q: ItemsQuery, scope: Scope,
                owner: int | None) -> tuple[str, dict]:
    in_scope, params = in_reach(session, c, scope, owner)
    parts = [c.where if q.period is None or c.where_in_time is None else c.where_in_time, in_scope]
    if q.bbox:
        parts.append(f"t.geom && {q.bbox_crs.envelope_sql(('minx', 'miny', 'maxx', 'maxy'))}")
        params.update(zip(("minx", "miny", "maxx", "maxy"), q.bbox))
    if q.where is not None:
        parts.append(q.where[0])
        params.update(q.where[1])
    for n, (name, value) in enumerate(sorted(q.filters.items())):
        if name not in c.filters:
            raise InvalidQuery(name, f"{c.id} cannot be filtered by {name!r}; "
                               f"filters: {', '.join(c.filters) or 'none'}")
        sql = c.filters[name]
        parts.append(sql.format(value=f"CAST(:filter_{n} AS text)") if "{value}" in sql
                     else f"({sql})::text = :filter_{n}")
        params[f"filter_{n}"] = value
    if q.period is not None:
        if c.temporal is None:
            raise InvalidQuery("datetime", f"{c.id} has no time: datetime does not apply")
        start, end = q.period
        begins, ends = c.temporal
        if ends is None:          # an instant column inside the period
            if start is not None:
                parts.append(f"{begins} >= :t_start")
            if end is not None:
                parts.append(f"{begins} {'<=' if q.instant else '<'} :t_end")
        else:                     # a validity period meeting the asked one
            if end is not None:
                parts.append(f"{begins} <= :t_end")
            if start is not None:
                parts.append(f"({ends} IS NULL OR {ends} > :t_start)")
        params.update(t_start=start, t_end=end)
    return " AND ".join(f"({p})" for p in parts), params


@dataclass(frozen=True)
class Page:
    matched: int                # features meeting the query, on every page
    chunks: list[str]           # the page's features as comma-joined GeoJSON, in key order
    versions: str | None = None  # what `also` read, in the same snapshot


# The number matched, per query, with the layer versions it was counted at: a wall map asks
# for the same pages again and again, and while the versions stand the count cannot change.
_counted = Kept(size=512)


SEQUENCE_SEPARATOR = "\n\x1e"     # between GeoJSON texts of a sequence (RFC 8142: RS before, LF after each)


def page(session: Session, c: Collection, q: ItemsQuery, scope: Scope,
         owner: int | None = None, also: tuple[str, dict] | None = None, sequence: bool = False) -> Page:
    """One page and the number matched, in one statement (one snapshot, one round trip);
    `also`, a scalar subquery and its parameters, is read in it too: the layer versions, which
    also let a count made at the same versions stand instead of counting again (a second
    statement counts when the layer changed since). PostGIS joins the features into chunks of
    FETCH_ROWS, so Python handles one string per chunk, not one row per feature: joined by
    commas, or with `sequence` by SEQUENCE_SEPARATOR."""
    where, params = _conditions(session, c, q, scope, owner)
    also_sql, also_params = also or NOTHING_ELSE
    key = (session.get_bind().url.database, c.table, where, tuple(sorted(params.items(), key=str)))
    known = _counted.get(key) if also else None
    # a sort ends with the key, so that pages under it neither repeat nor skip a feature
    separator = "E'\\n\\x1e'" if sequence else "','"
    order = ", ".join([*(f"{c.properties[name]} {'DESC' if descending else 'ASC'} NULLS LAST"
                         for name, descending in q.sortby), c.order or c.key])

    def read(known: tuple[str, int] | None) -> list:
        if known:
            # NULL when the versions moved on since the count was made. With no count in the
            # statement, PostgreSQL keeps one plan for it instead of planning it every time.
            count = "CASE WHEN also.v = :known_versions THEN CAST(:known_matched AS bigint) END"
            counting = {"known_versions": known[0], "known_matched": known[1]}
        else:
            count, counting = f"(SELECT count(*) FROM {c.table} t WHERE {where})", {}
        # An ordinary cursor: a page is at most MAX_LIMIT features, ten chunks. A server-side
        # cursor made PostgreSQL plan for the first rows and cost a third more time. OFFSET 0
        # keeps the versions a subquery read once, not copied into each use. LIMIT and OFFSET
        # are written in (whole numbers, checked): a generic plan takes a bound LIMIT for a
        # tenth of the table, so it lost to planning afresh each time (0.7 ms of 3.7).
        return session.execute(statement(f"""
            SELECT m.matched, m.versions, p.chunk
            FROM (SELECT {count} AS matched, also.v AS versions
                  FROM (SELECT {also_sql} AS v OFFSET 0) also) m
            LEFT JOIN (
                SELECT n / {FETCH_ROWS} AS part, string_agg(feature, {separator} ORDER BY n) AS chunk FROM (
                    SELECT row_number() OVER (ORDER BY {order}) - 1 AS n, {_feature(c, q)}::text AS feature
                    FROM {c.table} t WHERE {where}
                    ORDER BY {order} LIMIT {int(q.limit)} OFFSET {int(q.offset)}) numbered
                GROUP BY n / {FETCH_ROWS}) p ON true
            ORDER BY p.part"""), {**params, **also_params, **counting}).all()
    rows = read(known)
    if rows[0][0] is None:          # counted at other versions: read again, counting
        rows = read(None)
    matched, versions = rows[0][0], rows[0][1]
    if also and versions is not None:
        _counted.put(key, (versions, matched))
    return Page(matched, [chunk for _, _, chunk in rows if chunk is not None], versions)


def item_geojson(session: Session, collection_id: str, feature_id: str,
                 scope: Scope | None = None, owner: int | None = None,
                 also: tuple[str, dict] | None = None, crs: Crs | None = None) -> tuple[str | None, str | None]:
    """One feature as GeoJSON text, None when it does not exist or lies outside the scope
    (the two are not told apart, so a scope never reveals what exists beyond it); and what
    `also` read in the same statement."""
    c = collection(collection_id)
    if c.text_key is not None:
        pattern, found_by = c.text_key
        if not re.fullmatch(pattern, feature_id):
            return None, None
        key = feature_id
    else:
        try:
            key = int(feature_id)
        except ValueError:
            return None, None
        if not 0 < key < 2 ** 63:
            return None, None
        found_by = f"{c.key} = :key"
    in_scope, params = in_reach(session, c, scope or Scope(), owner)
    also_sql, also_params = also or NOTHING_ELSE
    # by id, a grid's history is reachable too: a closed grid keeps its id
    where = c.where_in_time if c.where_in_time is not None else c.where
    sql = f"""SELECT f.feature, {also_sql} FROM (SELECT 1) one LEFT JOIN (
        SELECT {_feature(c, ItemsQuery(crs=crs or crs_default()))}::text AS feature FROM {c.table} t
        WHERE ({found_by}) AND {where} AND {in_scope}) f ON true"""
    feature, read = session.execute(statement(sql), {**params, **also_params, "key": key}).one()
    return feature, read


def extent(session: Session, c: Collection) -> list[float] | None:
    """The collection's bounding box."""
    measure = c.extent_sql or f"SELECT ST_Extent(t.geom) FROM {c.table} t WHERE {c.where}"
    row = session.execute(text(f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                               f"({measure}) s(e)")).one()
    return None if row[0] is None else [round(v, 7) for v in row]


def _feature(c: Collection, q: ItemsQuery) -> str:
    """The SQL that writes one row of alias t as a GeoJSON Feature: in the query's CRS, with
    the properties it asks for, without its geometry when it asks so (a null geometry)."""
    chosen = c.properties if q.properties is None else {name: c.properties[name] for name in q.properties}
    properties = ", ".join(f"'{name}', {sql}" for name, sql in chosen.items())
    if q.skip_geometry:
        geometry = "NULL::json"
    elif q.crs.stored:
        geometry = f"ST_AsGeoJSON(t.geom, {COORDINATE_DECIMALS})::json"
    else:       # options 0: no "crs" member (Part 2: the Content-Crs header says it)
        geometry = f"ST_AsGeoJSON({q.crs.geometry_sql('t.geom')}, {q.crs.decimals}, 0)::json"
    return (f"json_build_object('type', 'Feature', 'id', {c.key}, "
            f"'geometry', {geometry}, 'properties', json_build_object({properties}))")
