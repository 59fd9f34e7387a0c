"""The city's metric frame: its UTM zone, where lengths and areas are measured in metres."""
from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo.crs import utm_epsg


def city_utm(session: Session) -> int:
    lon, lat = session.execute(text(
        "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(ST_Union(geom)) AS c FROM area "
        "WHERE parent_id IS NULL) s")).one()
    return utm_epsg(lon or 0.0, lat or 0.0)
