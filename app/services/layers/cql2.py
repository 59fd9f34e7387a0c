"""CQL2 filters (OGC API – Features Part 3) as SQL with bound parameters.

`cql2` (the Rust cql2-rs with its Python binding) reads cql2-text into CQL2-JSON and checks
every expression against the standard's JSON schema (after our own checks, whose words name
the part at fault). We chose it over pygeofilter, whose cql2-text grammar predates the
standard (no T_AFTER(…) function form, no INTERVAL('2026-01-01', '..'), no one-letter property
names) — and neither library's SQL is usable here: cql2's `to_sql` and pygeofilter's SQL
backend paste the literals into the text, and pygeofilter's SQLAlchemy backend wants ORM
columns where a layer's properties are SQL expressions (a grid's code from a subquery).

So the translation is ours and small: each property is the collection's own SQL for it (a
property with an indexed form of "= value", such as an incident's grid, uses that form); each
literal is a bound parameter, cast to the property's type; a function or operator the standard
names but we do not serve is refused by name, never guessed at."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime

import cql2

from ...messages import Both, Said
from .crs import Crs

MAX_FILTER_CHARS = 20_000
MAX_NODES = 2_000
GEOMETRY = "geometry"          # the name the geometry has in a filter and in the queryables

COMPARISONS = {"=": "=", "<>": "<>", "<": "<", ">": ">", "<=": "<=", ">=": ">="}
SPATIAL = {f"s_{name}": f"ST_{name.capitalize()}" for name in
           ("intersects", "equals", "disjoint", "touches", "within", "overlaps", "crosses", "contains")}
ARITHMETIC = {"+": "+", "-": "-", "*": "*", "/": "/"}
# The Allen relations of CQL2 (Table "Temporal operators"), on [start, end]; an instant is
# an interval whose start is its end.
TEMPORAL = {
    "t_after": "{s1} > {e2}",
    "t_before": "{e1} < {s2}",
    "t_contains": "{s1} < {s2} AND {e1} > {e2}",
    "t_disjoint": "({e1} < {s2} OR {s1} > {e2})",
    "t_during": "{s1} > {s2} AND {e1} < {e2}",
    "t_equals": "{s1} = {s2} AND {e1} = {e2}",
    "t_finishedby": "{s1} < {s2} AND {e1} = {e2}",
    "t_finishes": "{s1} > {s2} AND {e1} = {e2}",
    "t_intersects": "{s1} <= {e2} AND {e1} >= {s2}",
    "t_meets": "{e1} = {s2}",
    "t_metby": "{s1} = {e2}",
    "t_overlappedby": "{s1} > {s2} AND {s1} < {e2} AND {e1} > {e2}",
    "t_overlaps": "{s1} < {s2} AND {e1} > {s2} AND {e1} < {e2}",
    "t_startedby": "{s1} = {s2} AND {e1} > {e2}",
    "t_starts": "{s1} = {s2} AND {e1} < {e2}",
}
NUMERIC = ("integer", "number")
# a type as the refusal says it
TYPE_WORDS = {"string": Both("文本", "text"), "integer": Both("整数", "whole number"),
              "number": Both("数值", "number"), "boolean": Both("真假值", "true or false"),
              "date": Both("日期", "date"), "date-time": Both("时间", "date and time"),
              "geometry": Both("几何图形", "geometry"), "interval": Both("时段", "interval"),
              "array": Both("列表", "list"), "null": Both("NULL", "NULL")}
TIMES = ("date", "date-time")


class FilterRefused(Said):
    """A filter the server cannot serve; its words name the part refused."""


def _mismatch(part: str, expected: str, found: "_Expr") -> FilterRefused:
    if found.literal is not None:
        return FilterRefused("layers.filter_type", part=part, expected=TYPE_WORDS[expected], got=str(found.literal))
    return FilterRefused("layers.filter_type_of", part=part, expected=TYPE_WORDS[expected],
                         got=TYPE_WORDS[found.type])


@dataclass(frozen=True)
class Queryable:
    name: str
    sql: str                   # on alias t
    type: str                  # string, integer, number, boolean, date, date-time, geometry
    equals: str | None = None  # an indexed condition for "= {value}" (a code looked up)


@dataclass(frozen=True)
class _Expr:
    sql: str
    type: str                  # as Queryable.type, or "interval", "null", "array"
    end: str | None = None     # an interval's end (sql is its start)
    property: Queryable | None = None
    literal: object = None


LANGUAGES = ("cql2-text", "cql2-json", "cql-text")
# GDAL's OGC API client (up to 3.12 at least) announces and writes the draft's "cql-text",
# whose forms CQL2 kept but for ILIKE: `name ILIKE 'a%'` reads as CASEI(name) LIKE CASEI('a%')
_ILIKE = re.compile(r"""("[^"]+"|\b[A-Za-z_][\w.:]*)\s+ILIKE\s+('(?:[^']|'')*')""", re.IGNORECASE)


def read(value: str, language: str) -> dict:
    """The filter as CQL2-JSON, from `filter-lang` cql2-text or cql2-json (or the draft's
    cql-text, as GDAL sends it)."""
    if len(value) > MAX_FILTER_CHARS:
        raise FilterRefused("layers.filter_too_long", most=MAX_FILTER_CHARS)
    if language not in LANGUAGES:
        raise FilterRefused("layers.filter_lang", value=language, known=list(LANGUAGES))
    if language == "cql-text":
        value = _ILIKE.sub(r"CASEI(\1) LIKE CASEI(\2)", value)
    if language == "cql2-json":
        try:
            return json.loads(value)
        except ValueError as error:
            raise FilterRefused("layers.filter_invalid", lang=language, detail=str(error)[:200]) from None
    try:
        return cql2.parse_text(value).to_json()
    except cql2.ParseError as error:
        raise _unreadable(value, str(error)) from None
    except ValueError as error:
        raise FilterRefused("layers.filter_invalid", lang=language, detail=str(error)[:200]) from None


def _valid(expression: dict) -> None:
    """The standard's JSON schema, checked after the translation has said what it could in
    its own words (the schema's are "not valid under any of the schemas")."""
    try:
        cql2.parse_json(json.dumps(expression))
    except (cql2.ValidationError, cql2.ParseError, ValueError) as error:
        raise FilterRefused("layers.filter_invalid", lang="CQL2", detail=str(error)[:200]) from None


# what a Chinese input method types for ' ( ) = , and the like
FULL_WIDTH = "‘’“”（），＝＜＞！；"


def _unreadable(value: str, detail: str) -> FilterRefused:
    """cql2's parse error points at a line and column: say where, and what stands there (a
    full-width mark outside a string, typed by a Chinese input method, said as such)."""
    marks = [mark for mark in FULL_WIDTH if mark in re.sub(r"'(?:[^']|'')*'", "", value)]
    if marks:
        return FilterRefused("layers.filter_full_width", marks=" ".join(marks))
    place = re.search(r"-->\s*(\d+):(\d+)", detail)
    if not place:
        return FilterRefused("layers.filter_invalid", lang="cql2-text", detail=detail.splitlines()[0][:200])
    line, column = int(place[1]), int(place[2])
    lines = value.splitlines() or [""]
    text = lines[min(line, len(lines)) - 1]
    at = sum(len(one) + 1 for one in lines[:line - 1]) + column
    near = text[column - 1:column + 19]
    return FilterRefused("layers.filter_syntax", at=at, near=near or Both("（末尾）", "(the end)"))


class Translation:
    """One filter's SQL and its bound parameters (named cql_0, cql_1, …)."""

    def __init__(self, queryables: dict[str, Queryable], filter_crs: Crs | None = None, source: str = ""):
        self.queryables = queryables
        self.filter_crs = filter_crs
        self.source = source        # the filter as written, for hints
        self.params: dict[str, object] = {}
        self.nodes = 0

    def where(self, expression: dict) -> str:
        found = self._expr(expression)
        if found.type != "boolean":
            raise FilterRefused("layers.filter_not_condition")
        return found.sql

    def _bind(self, value, cast: str) -> str:
        name = f"cql_{len(self.params)}"
        self.params[name] = value
        return f"CAST(:{name} AS {cast})"

    # --- the tree -------------------------------------------------------------------------
    def _expr(self, node) -> _Expr:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FilterRefused("layers.filter_too_long", most=MAX_FILTER_CHARS)
        if isinstance(node, bool):
            return _Expr(self._bind(node, "boolean"), "boolean", literal=node)
        if isinstance(node, (int, float)):
            if float(node).is_integer() and abs(node) < 2 ** 63:
                return _Expr(self._bind(int(node), "bigint"), "integer", literal=node)
            return _Expr(self._bind(node, "double precision"), "number", literal=node)
        if isinstance(node, str):
            return _Expr(self._bind(node, "text"), "string", literal=node)
        if node is None:
            return _Expr("NULL", "null")
        if isinstance(node, list):
            return _Expr("", "array", literal=[self._expr(item) for item in node])
        if not isinstance(node, dict):
            raise FilterRefused("layers.filter_invalid", lang="cql2-json", detail=repr(node)[:80])
        if "property" in node:
            return self._property(node["property"])
        if "timestamp" in node:
            return _Expr(self._bind(self._moment(node["timestamp"]), "timestamptz"), "date-time",
                         literal=node["timestamp"])
        if "date" in node:
            return _Expr(self._bind(self._day(node["date"]), "date"), "date", literal=node["date"])
        if "interval" in node:
            return self._interval(node["interval"])
        if "bbox" in node:
            return self._bbox(node["bbox"])
        if "type" in node and ("coordinates" in node or "geometries" in node):
            return self._geometry(node)
        if "op" in node:
            return self._operation(node["op"].lower(), node.get("args", []))
        raise FilterRefused("layers.filter_invalid", lang="cql2-json", detail=json.dumps(node)[:80])

    def _property(self, name: str) -> _Expr:
        if name == GEOMETRY:
            return _Expr("t.geom", "geometry")
        found = self.queryables.get(name)
        if found is None:
            if f'"{name}"' in self.source:        # "text" is a name in CQL2; a text is 'text'
                raise FilterRefused("layers.filter_property_quoted", name=name)
            raise FilterRefused("layers.filter_property", name=name,
                                known=[GEOMETRY, *sorted(self.queryables)])
        return _Expr(found.sql, found.type, property=found)

    def _operation(self, op: str, args: list) -> _Expr:
        if op in ("and", "or"):
            parts = [self._condition(arg) for arg in args]
            return _Expr("(" + f" {op.upper()} ".join(parts) + ")", "boolean")
        if op == "not":
            return _Expr(f"(NOT {self._condition(args[0])})", "boolean")
        if op in COMPARISONS:
            return self._compare(op, *args)
        if op == "like":
            return self._like(*args)
        if op == "between":
            value, low, high = (self._expr(arg) for arg in args)
            _, low = self._timed(value, low)
            _, high = self._timed(value, high)
            for bound in (low, high):
                self._comparable(value, bound)
            return _Expr(f"({value.sql} BETWEEN {low.sql} AND {high.sql})", "boolean")
        if op == "in":
            return self._in(*args)
        if op == "isnull":
            return _Expr(f"({self._expr(args[0]).sql} IS NULL)", "boolean")
        if op == "casei":
            inner = self._expr(args[0])
            if inner.type != "string":
                raise _mismatch("CASEI", "string", inner)
            return _Expr(f"lower({inner.sql})", "string")
        if op in SPATIAL:
            left, right = (self._spatial(arg) for arg in args)
            return _Expr(f"{SPATIAL[op]}({left}, {right})", "boolean")
        if op in TEMPORAL:
            (s1, e1), (s2, e2) = (self._span(arg) for arg in args)
            return _Expr(f"({TEMPORAL[op].format(s1=s1, e1=e1, s2=s2, e2=e2)})", "boolean")
        if op in ARITHMETIC or op in ("%", "div", "^"):
            left, right = (self._expr(arg) for arg in args)
            for side in (left, right):
                if side.type not in NUMERIC:
                    raise _mismatch(op, "number", side)
            if op in ARITHMETIC:
                sql = f"({left.sql} {op} {right.sql})"
            else:
                sql = {"%": "mod", "div": "div", "^": "power"}[op]
                sql = f"{sql}(({left.sql})::numeric, ({right.sql})::numeric)"
            return _Expr(sql, "number")
        raise FilterRefused("layers.filter_function", name=op)

    def _condition(self, node) -> str:
        found = self._expr(node)
        if found.type != "boolean":
            raise FilterRefused("layers.filter_not_condition")
        return found.sql

    # --- comparisons ----------------------------------------------------------------------
    def _timed(self, left: _Expr, right: _Expr) -> tuple[_Expr, _Expr]:
        """A quoted moment compared with a time, as GDAL writes it ('2026-05-06T00:00:00Z',
        a day as '2026-05-06T'): read as the timestamp it names."""
        def as_time(side: _Expr) -> _Expr:
            name = re.fullmatch(r"CAST\(:(cql_\d+) AS text\)", side.sql)
            text = side.literal if isinstance(side.literal, str) else ""
            self.params[name[1]] = self._moment(text[:-1] if len(text) == 11 and text.endswith("T") else text)
            return _Expr(f"CAST(:{name[1]} AS timestamptz)", "date-time", literal=text)
        if left.type in TIMES and right.type == "string" and right.property is None:
            return left, as_time(right)
        if right.type in TIMES and left.type == "string" and left.property is None:
            return as_time(left), right
        return left, right

    def _comparable(self, left: _Expr, right: _Expr) -> None:
        kinds = {left.type, right.type}
        if "null" in kinds or len(kinds) == 1 or kinds <= set(NUMERIC) or kinds <= set(TIMES):
            return
        named = left if left.property else right
        other = right if named is left else left
        raise _mismatch(named.property.name if named.property else "", named.type, other)

    def _compare(self, op: str, left_node, right_node) -> _Expr:
        # a property with an indexed "= value" form (a code looked up), compared with text
        for one, other in ((left_node, right_node), (right_node, left_node)):
            if op == "=" and isinstance(one, dict) and isinstance(other, str) and "property" in one:
                found = self.queryables.get(one["property"])
                if found and found.equals:
                    return _Expr(f"({found.equals.format(value=self._bind(other, 'text'))})", "boolean")
        left, right = self._timed(self._expr(left_node), self._expr(right_node))
        if "null" in (left.type, right.type):
            raise FilterRefused("layers.filter_null")
        self._comparable(left, right)
        return _Expr(f"({left.sql} {COMPARISONS[op]} {right.sql})", "boolean")

    def _like(self, value_node, pattern_node) -> _Expr:
        value, pattern = self._expr(value_node), self._expr(pattern_node)
        for side in (value, pattern):
            if side.type != "string":
                raise _mismatch("LIKE", "string", side)
        return _Expr(f"({value.sql} LIKE {pattern.sql})", "boolean")

    def _in(self, value_node, options) -> _Expr:
        value, listed = self._expr(value_node), self._expr(options)
        if listed.type != "array" or not listed.literal:
            raise FilterRefused("layers.filter_invalid", lang="cql2", detail="IN (…)")
        for option in listed.literal:
            self._comparable(value, option)
        return _Expr(f"({value.sql} IN ({', '.join(option.sql for option in listed.literal)}))", "boolean")

    # --- space and time -------------------------------------------------------------------
    def _spatial(self, node) -> str:
        found = self._expr(node)
        if found.type != "geometry":
            raise _mismatch("S_*", "geometry", found)
        return found.sql

    def _in_storage(self, sql: str) -> str:
        """A literal geometry written in the filter-crs, brought to storage's WGS84."""
        crs = self.filter_crs
        if crs is None or crs.stored:
            return f"ST_SetSRID({sql}, 4326)"
        if crs.swapped:
            sql = f"ST_FlipCoordinates({sql})"
        return f"ST_Transform(ST_SetSRID({sql}, {crs.srid}), 4326)"

    def _geometry(self, node: dict) -> _Expr:
        sql = f"ST_GeomFromGeoJSON({self._bind(json.dumps(node), 'text')})"
        return _Expr(f"{self._in_storage(sql)}", "geometry", literal=node.get("type"))

    def _bbox(self, numbers: list) -> _Expr:
        if len(numbers) == 6:        # a 3D box: its plane
            numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
        if len(numbers) != 4 or not all(isinstance(n, (int, float)) for n in numbers):
            raise FilterRefused("layers.filter_invalid", lang="cql2", detail="BBOX(…)")
        bound = ", ".join(self._bind(float(n), "double precision") for n in numbers)
        return _Expr(self._in_storage(f"ST_MakeEnvelope({bound})"), "geometry", literal="BBOX")

    def _interval(self, ends: list) -> _Expr:
        if len(ends) != 2:
            raise FilterRefused("layers.filter_invalid", lang="cql2", detail="INTERVAL(…)")
        sides = []
        for n, end in enumerate(ends):
            if end == "..":
                sides.append("'-infinity'::timestamptz" if n == 0 else "'infinity'::timestamptz")
            elif isinstance(end, str):
                sides.append(self._bind(self._moment(end), "timestamptz"))
            else:
                found = self._expr(end)
                if found.type not in TIMES:
                    raise _mismatch("INTERVAL", "date-time", found)
                # an open end held as NULL (a grid still in force) is an open end
                sides.append(f"coalesce(({found.sql})::timestamptz, "
                             f"'{'-' if n == 0 else ''}infinity'::timestamptz)")
        return _Expr(sides[0], "interval", end=sides[1])

    def _span(self, node) -> tuple[str, str]:
        found = self._expr(node)
        if found.type == "interval":
            return found.sql, found.end
        if found.type in TIMES:
            sql = f"({found.sql})::timestamptz"
            return sql, sql
        raise _mismatch("T_*", "date-time", found)

    @staticmethod
    def _moment(text: str) -> datetime:
        try:
            if len(text) == 10:
                return datetime.fromisoformat(text + "T00:00:00+00:00")
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise FilterRefused("layers.filter_time", value=text) from None
        if moment.tzinfo is None:
            raise FilterRefused("layers.filter_time", value=text)
        return moment

    @staticmethod
    def _day(text: str) -> date:
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise FilterRefused("layers.filter_time", value=text) from None


def translate(expression: dict, queryables: dict[str, Queryable],
              filter_crs: Crs | None = None, source: str = "") -> tuple[str, dict]:
    """The filter's SQL condition on alias t, and its parameters; `source`, the filter as
    written, lets a refusal point at a slip (a text in double quotes)."""
    translation = Translation(queryables, filter_crs, source)
    where = translation.where(expression)
    _valid(expression)
    return where, translation.params
