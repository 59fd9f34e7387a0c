"""Where a resident's problem is, in the city's own words: a building found by its address or
name anywhere in the city, a community, street or named place found by its name (to move the
map there: the resident then taps the spot), and what a point tapped on the map is called and
whether the city serves it — searched in PostGIS, never an internet geocoder. Addresses are no
secret; what goes out is only what a resident needs to say where: the address, the building's
name, its community, a point to file the report at.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import Said
from ..incidents import responsibility

MAX_WORDS = 100             # characters of a search or an address
MAX_RESULTS = 10
NEAR_BUILDING_M = 40.0      # a point this close to a building is "at" it
NEAR_ROAD_M = 150.0         # farther from any named road, the place has no name
EXAMPLES = 3                # buildings named when an address fits several


class AddressRefused(Said, ValueError):
    """An address that names no building, or several far apart."""


@dataclass(frozen=True)
class Place:
    address: str | None
    name: str | None
    community: dict | None      # {"zh", "en"}
    lon: float
    lat: float

    def as_dict(self) -> dict:
        return {"kind": "building", "address": self.address, "name": self.name, "community": self.community,
                "point": [self.lon, self.lat]}

    @property
    def words(self) -> str:
        return self.address or self.name or ""


@dataclass(frozen=True)
class Area:
    """A community, a street or a named place: somewhere to move the map to, not a spot to file
    a report at (its point is only where its name is written)."""
    kind: str                   # community | street | place
    name: dict                  # {"zh", "en"}
    within: dict | None         # a community's street {"zh", "en"}
    lon: float
    lat: float
    bounds: list[float]         # [west, south, east, north]

    def as_dict(self) -> dict:
        return {"kind": self.kind, "name": self.name, "within": self.within,
                "point": [self.lon, self.lat], "bounds": self.bounds}


def _compact(column: str) -> str:
    """Case and spacing aside: "kaivokatu2" finds "Kaivokatu 2", "33 b" finds "33b"."""
    return f"lower(regexp_replace({column}, '\\s', '', 'g'))"


def _compacted(words: str) -> str:
    return "".join(words.split()).lower()


def _like(words: str) -> str:
    """LIKE's wildcards in the words are words."""
    return words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# a building as a resident's place; `{measured}` adds a column, `{here}` a point to measure from
_PLACE = """
    SELECT b.address, b.name, c.name_zh AS community_zh, c.name_en AS community_en,
           round(ST_X(ST_PointOnSurface(b.geom))::numeric, 7) AS lon,
           round(ST_Y(ST_PointOnSurface(b.geom))::numeric, 7) AS lat{measured}
    FROM {here}building b
    LEFT JOIN grid g ON g.id = b.grid_id
    LEFT JOIN area c ON c.id = g.community_id"""
_BUILDINGS = _PLACE.format(measured="", here="")
_MATCHING = _PLACE.format(
    measured=f", coalesce({_compact('b.address')} = :exact OR {_compact('b.name')} = :exact, false) AS exact",
    here="") + f"""
    WHERE {_compact('b.address')} LIKE :inside OR {_compact('b.name')} LIKE :inside
    ORDER BY exact DESC, coalesce({_compact('b.address')} LIKE :start OR {_compact('b.name')} LIKE :start, false) DESC,
             length(coalesce(b.address, b.name)), b.address, b.name, b.id
    LIMIT :limit"""
_NEAR = _PLACE.format(
    measured=", round(ST_Distance(b.geom::geography, here.p::geography)::numeric, 1) AS distance_m",
    here="(SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p) here, ")


def _place(row) -> Place:
    community = ({"zh": row["community_zh"], "en": row["community_en"]}
                 if row["community_zh"] or row["community_en"] else None)
    return Place(row["address"], row["name"], community, float(row["lon"]), float(row["lat"]))


AREA_KINDS = ("community", "street")
# a named place worth moving the map to: one inside the city, smaller than it, not already an area
_NAMED = f"""
    SELECT 'place' AS kind, coalesce(pl.name_zh, pl.name) AS name_zh, coalesce(pl.name_en, pl.name) AS name_en,
           NULL AS within_zh, NULL AS within_en, pl.geom, 2 AS rank,
           coalesce({_compact('pl.name')} LIKE :start OR {_compact('pl.name_zh')} LIKE :start
                    OR {_compact('pl.name_en')} LIKE :start, false) AS starts
    FROM place pl
    WHERE ({_compact('pl.name')} LIKE :inside OR {_compact('pl.name_zh')} LIKE :inside
           OR {_compact('pl.name_en')} LIKE :inside)
      AND (pl.place IS NULL OR pl.place NOT IN ('city', 'town'))
      AND (pl.admin_level IS NULL OR pl.admin_level > 8)
      AND EXISTS (SELECT 1 FROM area c WHERE c.parent_id IS NULL AND c.geom && pl.geom
                  AND ST_Intersects(c.geom, ST_PointOnSurface(pl.geom)))
      AND NOT EXISTS (SELECT 1 FROM area a WHERE a.name_zh IN (pl.name, pl.name_zh) OR a.name_en IN (pl.name, pl.name_en))"""
_AREAS = f"""
    SELECT kind, name_zh, name_en, within_zh, within_en,
           round(ST_X(ST_PointOnSurface(geom))::numeric, 7) AS lon, round(ST_Y(ST_PointOnSurface(geom))::numeric, 7) AS lat,
           ST_XMin(geom::box2d) AS west, ST_YMin(geom::box2d) AS south, ST_XMax(geom::box2d) AS east, ST_YMax(geom::box2d) AS north
    FROM (
        SELECT a.level AS kind, a.name_zh, a.name_en, s.name_zh AS within_zh, s.name_en AS within_en, a.geom,
               CASE a.level WHEN 'community' THEN 0 ELSE 1 END AS rank,
               coalesce({_compact('a.name_zh')} LIKE :start OR {_compact('a.name_en')} LIKE :start, false) AS starts
        FROM area a LEFT JOIN area s ON s.id = a.parent_id AND a.level = 'community'
        WHERE a.level IN {AREA_KINDS} AND ({_compact('a.name_zh')} LIKE :inside OR {_compact('a.name_en')} LIKE :inside)
        UNION ALL {_NAMED}
    ) found
    ORDER BY starts DESC, rank, length(name_zh), name_zh, name_en
    LIMIT :limit"""


def _area(row) -> Area:
    within = {"zh": row["within_zh"], "en": row["within_en"]} if row["within_zh"] or row["within_en"] else None
    return Area(row["kind"], {"zh": row["name_zh"], "en": row["name_en"]}, within, float(row["lon"]),
                float(row["lat"]), [round(float(row[k]), 6) for k in ("west", "south", "east", "north")])


def search(session: Session, words: str, limit: int = MAX_RESULTS) -> list[Place | Area]:
    """What the words name: buildings whose address or name is exactly them; then communities,
    streets and named places whose name holds them; then the other buildings whose address or
    name holds them — in each, those that begin with the words first."""
    words = _compacted(str(words)[:MAX_WORDS])
    if not words:
        return []
    limit = min(max(limit, 1), MAX_RESULTS)
    params = {"inside": f"%{_like(words)}%", "start": f"{_like(words)}%", "exact": words, "limit": limit}
    buildings = session.execute(text(_MATCHING), params).mappings().all()
    areas = [_area(r) for r in session.execute(text(_AREAS), params).mappings()]
    return ([_place(r) for r in buildings if r["exact"]] + areas
            + [_place(r) for r in buildings if not r["exact"]])[:limit]


def match(session: Session, words: str) -> Place:
    """The building an address names, for a report that gives no point: its address exactly
    (case and spacing aside; buildings sharing an address stand together), else the one
    building of that name."""
    compact = _compacted(str(words))
    if not compact:
        raise AddressRefused("report.place_missing")
    if len(words) > MAX_WORDS:
        raise AddressRefused("report.address_too_long", most=MAX_WORDS)
    by_address = session.execute(text(_BUILDINGS + f" WHERE {_compact('b.address')} = :words ORDER BY b.id LIMIT 1"),
                                 {"words": compact}).mappings().first()
    if by_address is not None:
        return _place(by_address)
    named = session.execute(text(_BUILDINGS + f" WHERE {_compact('b.name')} = :words ORDER BY b.id LIMIT 50"),
                            {"words": compact}).mappings().all()
    if len(named) == 1:
        return _place(named[0])
    if not named:
        raise AddressRefused("report.address_unknown", address=words.strip())
    raise AddressRefused("report.address_ambiguous", address=words.strip(), count=len(named),
                         examples=[r["address"] or f'{r["lon"]}, {r["lat"]}' for r in named[:EXAMPLES]])


def nearest(session: Session, lon: float, lat: float) -> dict:
    """What a point is called, and whether the city serves it (`in_city`, as a report there is
    judged: responsibility.locate): {"in_city", "address", "name", "community", "distance_m"}
    when a building with an address or name stands within NEAR_BUILDING_M, else {"in_city",
    "road", "distance_m"} for the nearest named road within NEAR_ROAD_M, else {"in_city"}.
    A point outside the city is only {"in_city": false}."""
    if not responsibility.locate(session, lon, lat).in_city:
        return {"in_city": False}
    return {"in_city": True, **_name_of(session, lon, lat)}


def _name_of(session: Session, lon: float, lat: float) -> dict:
    point = {"lon": lon, "lat": lat, "building_m": NEAR_BUILDING_M, "road_m": NEAR_ROAD_M}
    row = session.execute(text(_NEAR + """
        WHERE (b.address IS NOT NULL OR b.name IS NOT NULL)
          AND ST_DWithin(b.geom::geography, here.p::geography, :building_m)
        ORDER BY b.geom <-> here.p LIMIT 1"""), point).mappings().first()
    if row is not None:
        place = _place(row)
        return {"address": place.address, "name": place.name, "community": place.community,
                "distance_m": float(row["distance_m"])}
    road = session.execute(text("""
        SELECT r.name, round(ST_Distance(r.geom::geography, here.p::geography)::numeric, 1)
        FROM road r, (SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p) here
        WHERE r.name IS NOT NULL AND ST_DWithin(r.geom::geography, here.p::geography, :road_m)
        ORDER BY r.geom <-> here.p LIMIT 1"""), point).first()
    if road is not None:
        return {"road": road[0], "distance_m": float(road[1])}
    return {}
