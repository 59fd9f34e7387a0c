"""Bearings for cameras whose source gives none, estimated from the buildings and roads around
them (app/geo/facing.py) just before their coverage is cast, and recorded with how they were
found (camera.bearing_from). A bearing a person set (set_by_operator) is never estimated."""
from __future__ import annotations

import numpy as np
import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...geo import facing
from ...geo.crs import MetricFrame, utm_epsg

# degrees of longitude and latitude covering `metres` around the camera (alias c)
_AROUND = "ST_Expand(c.geom, {m} / (111320 * cos(radians(ST_Y(c.geom)))), {m} / 110540)"

_SET_BEARING = text("""
    UPDATE camera SET bearing = :bearing, bearing_from = :how
    WHERE id = :id AND (bearing IS DISTINCT FROM :bearing OR bearing_from IS DISTINCT FROM :how)""")
_MAKE_DOME = text(f"""
    UPDATE camera SET kind = 'dome', fov = 360, range_m = least(range_m, {facing.DOME_RANGE_M}),
           bearing = NULL, bearing_from = 'dome',
           estimated = ARRAY(SELECT DISTINCT unnest(estimated || ARRAY['kind', 'fov', 'range_m']::varchar[]))
    WHERE id = :id AND bearing_from IS DISTINCT FROM 'dome'""")


def estimate(session: Session, ids: list[int]) -> list[int]:
    """Estimates the bearing of those of `ids` that need one; returns the ids it changed."""
    rows = session.execute(text(f"""
        SELECT c.id, ST_X(c.geom), ST_Y(c.geom), c.fov, c.range_m,
               (SELECT array_agg(ST_AsBinary(b.geom)) FROM building b
                 WHERE b.geom && {_AROUND.format(m="greatest(c.range_m, 5)")}),
               (SELECT array_agg(ST_AsBinary(r.geom)) FROM road r
                 WHERE r.geom && {_AROUND.format(m=facing.ROAD_REACH_M)})
        FROM camera c
        WHERE c.id = ANY(:ids) AND 'bearing' = ANY(c.estimated) AND NOT 'bearing' = ANY(c.set_by_operator)
          AND c.fov < 360"""), {"ids": ids}).all()
    if not rows:
        return []
    lon = np.array([r[1] for r in rows])
    lat = np.array([r[2] for r in rows])
    frame = MetricFrame(utm_epsg(float(lon.mean()), float(lat.mean())))
    points = shapely.get_coordinates(frame.to_metric(shapely.points(lon, lat)))
    changed = []
    for (camera_id, _, _, fov, range_m, footprints, roads), (x, y) in zip(rows, points):
        found = facing.estimate(x, y, fov, range_m, _metric(frame, footprints), _metric(frame, roads))
        if found.how == "dome":
            done = session.execute(_MAKE_DOME, {"id": camera_id}).rowcount
        else:
            done = session.execute(_SET_BEARING, {"id": camera_id, "bearing": round(found.bearing, 1) % 360,
                                                  "how": found.how}).rowcount
        if done:
            changed.append(camera_id)
    return changed


def _metric(frame: MetricFrame, wkbs) -> list:
    return list(frame.to_metric(shapely.from_wkb(np.array(wkbs or [], dtype=object))))
