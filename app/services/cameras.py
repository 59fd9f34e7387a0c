"""Cameras as their sources describe them, with documented defaults for what they leave out.

Defaults (each one recorded in `estimated`, so the map can say which figures are guesses):
  kind     camera:type dome → dome, panning/ptz → ptz, fixed → fixed; untagged: revolving=yes
           → ptz, else fixed
  fov      dome and ptz 360° (a PTZ sweeps its whole circle), fixed 60°
  height   height, else est_height, else 4 m
  range    camera:range (m), else 10 × height, between 20 m and 80 m
  bearing  camera:direction or direction, in degrees or compass points; unknown for a fixed
           camera → 0° and flagged; none for a full circle
"""
from __future__ import annotations

COMPASS = {name: i * 22.5 for i, name in enumerate(
    "N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW".split())}
DEFAULT_FOV = {"dome": 360.0, "ptz": 360.0, "fixed": 60.0}
DEFAULT_HEIGHT_M = 4.0


def parse_direction(value: str | None) -> float | None:
    """'90', '270.5', 'NE', 'north-east'... → degrees clockwise from north, or None."""
    if not value:
        return None
    text = value.strip().upper().replace("-", "").replace(" ", "")
    text = (text.replace("NORTH", "N").replace("SOUTH", "S").replace("EAST", "E")
            .replace("WEST", "W"))
    if text in COMPASS:
        return COMPASS[text]
    try:
        return float(value.split(";")[0]) % 360
    except ValueError:
        return None


def _number(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value.lower().replace("m", "").strip())
    except ValueError:
        return None


def camera_from_osm_tags(tags: dict[str, str]) -> dict:
    estimated = []
    kind = {"dome": "dome", "panning": "ptz", "ptz": "ptz", "fixed": "fixed"}.get(
        tags.get("camera:type", "").lower())
    if kind is None:
        kind = "ptz" if tags.get("revolving") == "yes" else "fixed"
        estimated.append("kind")
    fov = DEFAULT_FOV[kind]
    if kind == "fixed":
        estimated.append("fov")
    height = _number(tags.get("height")) or _number(tags.get("est_height"))
    if height is None or height <= 0:
        height = DEFAULT_HEIGHT_M
        estimated.append("height_m")
    range_m = _number(tags.get("camera:range"))
    if range_m is None or range_m <= 0:
        range_m = min(80.0, max(20.0, 10 * height))
        estimated.append("range_m")
    bearing = parse_direction(tags.get("camera:direction") or tags.get("direction"))
    if fov >= 360:
        bearing = None
    elif bearing is None:
        bearing = 0.0
        estimated.append("bearing")
    return dict(name=tags.get("name"), kind=kind, fov=fov, height_m=height, range_m=range_m,
                bearing=bearing, estimated=estimated)
