"""Storage is WGS84 (EPSG:4326); lengths and areas are measured in the data's UTM zone."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

WGS84 = 4326


def utm_epsg(lon: float, lat: float) -> int:
    zone = int((lon + 180) // 6) + 1
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True)
class MetricFrame:
    """Moves geometries between WGS84 and a metric CRS, vectorised over coordinates."""

    epsg: int

    def to_metric(self, geom):
        forward = _transformer(WGS84, self.epsg)
        return shapely.transform(geom, lambda xy: np.column_stack(forward.transform(xy[:, 0], xy[:, 1])))

    def to_wgs84(self, geom):
        back = _transformer(self.epsg, WGS84)
        return shapely.transform(geom, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))


def frame_for(geom) -> MetricFrame:
    """The UTM zone of a geometry (or array of them) given in WGS84."""
    minx, miny, maxx, maxy = shapely.total_bounds(geom)
    return MetricFrame(utm_epsg((minx + maxx) / 2, (miny + maxy) / 2))


@lru_cache(maxsize=16)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)
