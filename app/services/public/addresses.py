"""Where a resident's problem is, in the city's own words: a building found by its address or
name anywhere in the city, and what a point tapped on the map is called — searched in PostGIS,
never an internet geocoder. Addresses are no secret; what goes out is only what a resident needs
to say where: the address, the building's name, its community, a point to file the report at.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...messages import Said

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
        return {"address": self.address, "name": self.name, "community": self.community,
                "point": [self.lon, self.lat]}

    @property
    def words(self) -> str:
        return self.address or self.name or ""


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
_NEAR = _PLACE.format(
    measured=", round(ST_Distance(b.geom::geography, here.p::geography)::numeric, 1) AS distance_m",
    here="(SELECT ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) AS p) here, ")


def _place(row) -> Place:
    community = ({"zh": row["community_zh"], "en": row["community_en"]}
                 if row["community_zh"] or row["community_en"] else None)
    return Place(row["address"], row["name"], community, float(row["lon"]), float(row["lat"]))


def search(session: Session, words: str, limit: int = MAX_RESULTS) -> list[Place]:
    """Buildings whose address or name holds the words, those that begin with them first."""
    words = _compacted(str(words)[:MAX_WORDS])
    if not words:
        return []
    rows = session.execute(text(_BUILDINGS + f"""
        WHERE {_compact('b.address')} LIKE :inside OR {_compact('b.name')} LIKE :inside
        ORDER BY ({_compact('b.address')} LIKE :start OR {_compact('b.name')} LIKE :start) DESC,
                 length(coalesce(b.address, b.name)), b.address, b.name, b.id
        LIMIT :limit"""), {"inside": f"%{_like(words)}%", "start": f"{_like(words)}%",
                           "limit": min(max(limit, 1), MAX_RESULTS)}).mappings()
    return [_place(r) for r in rows]


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
    """What a point is called: {"address", "name", "community", "distance_m"} when a building
    with an address or name stands within NEAR_BUILDING_M, else {"road", "distance_m"} for the
    nearest named road within NEAR_ROAD_M, else {}."""
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
