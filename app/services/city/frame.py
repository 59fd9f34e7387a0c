"""The city's frame: its outline, and its UTM zone, where lengths and areas are measured in metres."""
from __future__ import annotations

import time

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo.crs import utm_epsg

_city: tuple[float, object] = (0.0, None)
CITY_CACHE_SECONDS = 60


def city_utm(session: Session) -> int:
    lon, lat = session.execute(text(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Union(geom)) AS c FROM area "
        "WHERE parent_id IS NULL) s")).one()
    return utm_epsg(lon or 0.0, lat or 0.0)


def city_outline(session: Session):
    """The served city as a prepared geometry; each process keeps it for a minute."""
    global _city
    loaded_at, city = _city
    if city is None or time.monotonic() - loaded_at > CITY_CACHE_SECONDS:
        wkb = session.execute(text(
            "SELECT ST_AsBinary(ST_Union(geom)) FROM area WHERE parent_id IS NULL")).scalar_one()
        city = shapely.from_wkb(wkb) if wkb else shapely.GeometryCollection()
        shapely.prepare(city)
        _city = (time.monotonic(), city)
    return city
