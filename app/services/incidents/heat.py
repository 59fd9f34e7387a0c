"""The wall's heat map: the incidents reported in a period, optionally of one category, counted
in hexagons of the city's UTM grid (ST_HexagonGrid) — a few hundred cells to the browser, not
thousands of points. Only hexagons holding at least one incident are sent.

A hexagon is named by its side in metres and its place (i, j) in the grid that starts at the
zone's origin, the same for every request; the incident list's filter `hexagon=size,i,j`
(views.py) lists the incidents inside one, by the same test (`cell`) as they are counted here.
"""
from __future__ import annotations

import json
import math

from sqlalchemy import text
from sqlalchemy.orm import Session

from ..accounts.scope import Scope
from ..city.frame import city_utm
from ..layers.features import COORDINATE_DECIMALS
from .statistics import Period, listed, without_jit

DEFAULT_SIZE = 250
SIZES = (100, 2000)             # metres: what the heat layer draws
CELL_SIZES = (50, 5000)         # metres: what the incident list's hexagon filter takes

# Where a hexagon may lie in the zone (metres from its origin): beyond any city, and well inside
# where PROJ takes a point back to degrees (further out ST_Transform fails).
EASTINGS = (-1_000_000, 2_000_000)
NORTHINGS = (-10_000_000, 10_000_000)


def cell(size: str, i: str, j: str, srid: str) -> str:
    """SQL: hexagon (i, j) of side `size` of the grid of UTM zone `srid`, in WGS84 to be tested
    against incident.geom on its index. The arguments are SQL expressions."""
    return f"ST_Transform(ST_Hexagon({size}, {i}, {j}, ST_SetSRID(ST_MakePoint(0, 0), {srid})), 4326)"


def in_zone(size: float, i: int, j: int) -> bool:
    """Whether hexagon (i, j) of side `size` lies where a city can be (ST_HexagonGrid puts
    column i at 1.5 × size × i metres east, row j at √3 × size × j north)."""
    return (EASTINGS[0] <= 1.5 * size * i <= EASTINGS[1]
            and NORTHINGS[0] <= math.sqrt(3) * size * j <= NORTHINGS[1])


def hexagons(session: Session, scope: Scope, within: Period, size: int = DEFAULT_SIZE,
             category: str | None = None) -> str:
    """A GeoJSON FeatureCollection, as text made by PostGIS: one Feature per hexagon with
    incidents, most first, with properties count, i, j, size and `filter` (the incident
    list's query that lists them). Each incident finds its hexagon among the few whose
    boxes touch a metre around it, by the test the filter uses, so the counts and the lists
    agree to the incident."""
    condition, params = scope.incidents(session, "t")
    base = listed(since=within.start, until=within.end, **({"category": category} if category else {}))
    of_category = "AND t.category_code = :category" if category else ""
    without_jit(session)
    return session.execute(text(f"""
        WITH counted AS (
            SELECT h.i, h.j, count(*) AS n
            FROM incident t
            CROSS JOIN LATERAL ST_HexagonGrid(:size, ST_Expand(ST_Transform(t.geom, :srid), 1)) h
            WHERE t.reported_at >= :start AND t.reported_at < :end AND t.merged_into_id IS NULL
              {of_category} AND {condition}
              AND ST_Intersects(t.geom, {cell(':size', 'h.i', 'h.j', ':srid')})
            GROUP BY h.i, h.j)
        SELECT json_build_object('type', 'FeatureCollection', 'features', coalesce(json_agg(
            json_build_object(
                'type', 'Feature', 'id', concat_ws(',', :size, c.i, c.j),
                'geometry', ST_AsGeoJSON({cell(':size', 'c.i', 'c.j', ':srid')}, {COORDINATE_DECIMALS})::json,
                'properties', json_build_object(
                    'count', c.n, 'i', c.i, 'j', c.j, 'size', :size,
                    'filter', CAST(:base AS jsonb) || jsonb_build_object('hexagon', concat_ws(',', :size, c.i, c.j))))
            ORDER BY c.n DESC, c.i, c.j), '[]'))::text
        FROM counted c"""),
        {**params, "size": size, "srid": city_utm(session), "start": within.start, "end": within.end,
         "category": category, "base": json.dumps(base)}).scalar_one()
