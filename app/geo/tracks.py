"""A worker's fixes of a day as a route: pieces split where the phone fell silent, lightly
simplified, and the stops where the worker stayed put. Pure functions on arrays of fixes
(times in seconds, WGS84 coordinates), oldest first."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from .crs import frame_for
from .distance import haversine_m

SIMPLIFY_M = 2.0      # below GPS noise: the drawn route loses nothing a reader could see


@dataclass(frozen=True)
class Stop:
    first: int            # index of the first fix of the stop
    last: int             # and of the last
    lon: float            # where: the stop's fixes' mean
    lat: float
    seconds: float


def pieces(t: np.ndarray, gap_s: float) -> list[tuple[int, int]]:
    """(start, end) index ranges, end exclusive, split wherever two fixes are more than
    `gap_s` apart; single fixes are pieces too."""
    if len(t) == 0:
        return []
    breaks = np.flatnonzero(np.diff(t) > gap_s) + 1
    edges = np.concatenate([[0], breaks, [len(t)]])
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:])]


def distance_m(lon: np.ndarray, lat: np.ndarray, ranges: list[tuple[int, int]]) -> float:
    """Metres walked within the pieces (a gap is not walked: it is not known where)."""
    return float(sum(haversine_m(lon[a:b - 1], lat[a:b - 1], lon[a + 1:b], lat[a + 1:b]).sum()
                     for a, b in ranges if b - a > 1))


def lines(lon: np.ndarray, lat: np.ndarray, ranges: list[tuple[int, int]]) -> list:
    """Each piece of two fixes or more as a LineString, simplified by SIMPLIFY_M metres."""
    drawn = [shapely.linestrings(np.column_stack([lon[a:b], lat[a:b]])) for a, b in ranges if b - a > 1]
    if not drawn:
        return []
    frame = frame_for(np.array(drawn, dtype=object))
    simplified = shapely.simplify(frame.to_metric(np.array(drawn, dtype=object)), SIMPLIFY_M)
    return list(frame.to_wgs84(simplified))


def stops(t: np.ndarray, lon: np.ndarray, lat: np.ndarray, radius_m: float, min_s: float) -> list[Stop]:
    """Runs of fixes that stay within `radius_m` of the run's first fix for `min_s` or more.
    A run ends at the first fix outside the radius; the next run starts there."""
    found, i, n = [], 0, len(t)
    while i < n:
        away = np.flatnonzero(haversine_m(lon[i], lat[i], lon[i:], lat[i:]) > radius_m)
        j = i + (int(away[0]) if len(away) else n - i) - 1          # the run's last fix
        if t[j] - t[i] >= min_s:
            found.append(Stop(i, j, float(lon[i:j + 1].mean()), float(lat[i:j + 1].mean()),
                              float(t[j] - t[i])))
            i = j + 1
        else:
            i += 1
    return found
