"""The city's frame: its outline, and its UTM zone, where lengths and areas are measured in metres."""
from __future__ import annotations

import time

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo.crs import utm_epsg

_cities: dict[str, tuple[float, object]] = {}     # database → (loaded at, outline)
CITY_CACHE_SECONDS = 60


def database_of(session: Session) -> str:
    """Which database a session reads (no password): a process may serve more than one
    over its life (the tests do), and what it keeps of one must not answer for another."""
    return session.get_bind().url.render_as_string(hide_password=True)


def city_centre(session: Session) -> tuple[float, float]:
    """The city's centre (lon, lat), from the outline each process keeps a minute."""
    city = city_outline(session)
    if city.is_empty:
        return 0.0, 0.0
    centre = city.centroid
    return centre.x, centre.y


def city_utm(session: Session) -> int:
    """The UTM zone of the city's centre."""
    return utm_epsg(*city_centre(session))


def city_outline(session: Session):
    """The served city as a prepared geometry; each process keeps it for a minute."""
    database = database_of(session)
    loaded_at, city = _cities.get(database, (0.0, None))
    if city is None or time.monotonic() - loaded_at > CITY_CACHE_SECONDS:
        wkb = session.execute(text(
            "SELECT ST_AsBinary(ST_Union(geom)) FROM area WHERE parent_id IS NULL")).scalar_one()
        city = shapely.from_wkb(wkb) if wkb else shapely.GeometryCollection()
        shapely.prepare(city)
        _cities[database] = (time.monotonic(), city)
    return city
