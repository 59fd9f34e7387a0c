"""What a collection's properties are, asked of the database: each property's SQL is run with
no rows and PostgreSQL says its type, so the schema, the queryables and the filter's typing
cannot drift from the SQL that writes the features — and an empty collection still has them.

The JSON Schema documents: /queryables (OGC API – Features Part 3) and /schema (Part 5), the
latter as a whole GeoJSON Feature, which is what GDAL reads a layer's field types from (its
`describedby` link)."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from .cql2 import GEOMETRY, Queryable
from .features import Collection, choices
from .kept import Kept

JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
# PostgreSQL type oid → JSON Schema (type, format)
_TYPES = {
    16: ("boolean", None),
    20: ("integer", None), 21: ("integer", None), 23: ("integer", None),
    700: ("number", None), 701: ("number", None), 1700: ("number", None),
    1082: ("string", "date"), 1114: ("string", "date-time"), 1184: ("string", "date-time"),
    114: ("object", None), 3802: ("object", None),
}
_GEOMETRY_FORMATS = {"Point": "geometry-point", "LineString": "geometry-linestring",
                     "MultiLineString": "geometry-multilinestring", "MultiPolygon": "geometry-multipolygon",
                     "Polygon": "geometry-polygon"}
_types = Kept(size=256)


def property_types(session: Session, c: Collection) -> dict[str, tuple[str, str | None]]:
    """Each property's JSON type and format, as PostgreSQL types its SQL (kept per database
    and declaration: a plan's collections share one)."""
    key = (session.get_bind().url.database, c.table, tuple(c.properties.items()))
    known = _types.get(key)
    if known is None:
        columns = ", ".join(f"{sql} AS \"{name}\"" for name, sql in c.properties.items())
        result = session.execute(text(f"SELECT {columns} FROM {c.table} t WHERE false"))
        known = {column.name: _TYPES.get(column.type_code, ("string", None))
                 for column in result.cursor.description}
        result.close()
        _types.put(key, known)
    return known


def _property(json_type: str, fmt: str | None, title: str | None = None) -> dict:
    described = {"type": json_type}
    if fmt:
        described["format"] = fmt
    if title:
        described["title"] = title
    return described


def queryables(session: Session, c: Collection) -> dict[str, Queryable]:
    """The properties a filter may name (every property; the geometry is `geometry`), each
    with its SQL, its type and, where the collection has one, its indexed "= value" form."""
    found = {}
    for name, (json_type, fmt) in property_types(session, c).items():
        kind = fmt if fmt in ("date", "date-time") else json_type
        equals = c.filters.get(name)
        found[name] = Queryable(name, c.properties[name], kind,
                                equals if equals and "{value}" in equals else None)
    return found


def time_roles(c: Collection) -> dict[str, str]:
    """The properties that hold the collection's time: x-ogc-role primary-instant, or the
    interval's start and end."""
    if c.temporal is None:
        return {}
    begins, ends = c.temporal
    by_sql = {sql: name for name, sql in c.properties.items()}
    if ends is None:
        return {by_sql[begins]: "primary-instant"} if begins in by_sql else {}
    return {name: role for sql, role in ((begins, "primary-interval-start"), (ends, "primary-interval-end"))
            if (name := by_sql.get(sql))}


def queryables_document(session: Session, c: Collection, url: str) -> dict:
    """/collections/{id}/queryables: exactly what the filter accepts."""
    roles = time_roles(c)
    properties = {GEOMETRY: {"format": _GEOMETRY_FORMATS.get(c.geometry_type, "geometry-any"),
                             "x-ogc-role": "primary-geometry"}}
    for name, (json_type, fmt) in property_types(session, c).items():
        properties[name] = _property(json_type, fmt, name)
        if name in roles:
            properties[name]["x-ogc-role"] = roles[name]
        allowed = choices(session, c, name)
        if allowed:
            properties[name]["enum"] = list(allowed)
    return {
        "$schema": JSON_SCHEMA, "$id": url, "type": "object",
        "title": f"{c.title_zh} / {c.title_en}", "properties": properties,
        "additionalProperties": False,
        # GDAL before 3.9 reads the queryables from the draft's list of ids, not `properties`
        "queryables": [{"id": name} for name in properties if name != GEOMETRY],
    }


def feature_schema(session: Session, c: Collection, url: str) -> dict:
    """/collections/{id}/schema: one feature of the collection, its properties typed."""
    roles = time_roles(c)
    properties = {}
    for name, (json_type, fmt) in property_types(session, c).items():
        properties[name] = {**_property(json_type, fmt, name), "readOnly": c.plan_id is None}
        if name in roles:
            properties[name]["x-ogc-role"] = roles[name]
    return {
        "$schema": JSON_SCHEMA, "$id": url, "type": "object",
        "title": f"{c.title_zh} / {c.title_en}", "required": ["type", "geometry", "properties"],
        "properties": {
            "type": {"type": "string", "enum": ["Feature"]},
            "id": {"type": "string" if c.text_key else "integer", "x-ogc-role": "id"},
            "geometry": {"format": _GEOMETRY_FORMATS.get(c.geometry_type, "geometry-any"),
                         "x-ogc-role": "primary-geometry"},
            "properties": {"type": "object", "properties": properties},
        },
    }
