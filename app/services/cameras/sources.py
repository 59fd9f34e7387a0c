"""Cameras as their sources describe them, with documented defaults for what they leave out.

Defaults (each one recorded in `estimated`, so the map can say which figures are guesses):
  kind     camera:type dome → dome, panning/ptz → ptz, fixed → fixed; untagged: revolving=yes
           → ptz, else fixed
  fov      dome and ptz 360° (a PTZ sweeps its whole circle), fixed 60°
  height   height, else est_height, else 4 m
  range    camera:range (m), else 10 × height, between 20 m and 80 m
  bearing  camera:direction or direction, in degrees or compass points; unknown for a fixed
           camera → 0° and flagged; none for a full circle

The same defaults apply to cameras from a CSV file or the API (`camera_from_fields`).
"""
from __future__ import annotations

import csv
import io
import math

COMPASS = {name: i * 22.5 for i, name in enumerate(
    "N NNE NE ENE E ESE SE SSE S SSW SW WSW W WNW NW NNW".split())}
# 北 东北 东 …: the eight points as a Chinese operator types them (正北, 朝东 too)
COMPASS_ZH = {name: i * 45.0 for i, name in enumerate("北 东北 东 东南 南 西南 西 西北".split())}
DEFAULT_FOV = {"dome": 360.0, "ptz": 360.0, "fixed": 60.0}
DEFAULT_HEIGHT_M = 4.0


def parse_direction(value: str | None) -> float | None:
    """'90', '270.5', 'NE', 'north-east', '东北', '正北'... → degrees clockwise from north, or None."""
    if not value:
        return None
    text = value.strip().upper().replace("-", "").replace(" ", "")
    text = (text.replace("NORTH", "N").replace("SOUTH", "S").replace("EAST", "E")
            .replace("WEST", "W"))
    if text in COMPASS:
        return COMPASS[text]
    chinese = value.strip().removeprefix("朝").removeprefix("正").removesuffix("向").removesuffix("方")
    if chinese in COMPASS_ZH:
        return COMPASS_ZH[chinese]
    try:
        return float(value.split(";")[0]) % 360
    except ValueError:
        return None


def _number(value: str | None) -> float | None:
    if not value:
        return None
    try:
        number = float(value.lower().replace("m", "").strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


KINDS = {"dome": "dome", "panning": "ptz", "ptz": "ptz", "fixed": "fixed"}


class InvalidCamera(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def with_defaults(kind: str | None = None, fov: float | None = None, height_m: float | None = None,
                  range_m: float | None = None, bearing: float | None = None, revolving: bool = False,
                  name: str | None = None) -> dict:
    """A camera's figures with the documented defaults for what is missing, and which were
    defaulted (`estimated`)."""
    estimated = []
    if kind is None:
        kind = "ptz" if revolving else "fixed"
        estimated.append("kind")
    if fov is None or not 0 < fov <= 360:
        fov = DEFAULT_FOV[kind]
        if kind == "fixed":
            estimated.append("fov")
    if height_m is None or height_m <= 0:
        height_m = DEFAULT_HEIGHT_M
        estimated.append("height_m")
    if range_m is None or range_m <= 0:
        range_m = min(80.0, max(20.0, 10 * height_m))
        estimated.append("range_m")
    if fov >= 360:
        bearing = None
    elif bearing is None:
        bearing = 0.0
        estimated.append("bearing")
    else:
        bearing = bearing % 360
    return dict(name=name, kind=kind, fov=fov, height_m=height_m, range_m=range_m, bearing=bearing,
                estimated=estimated)


def camera_from_osm_tags(tags: dict[str, str]) -> dict:
    return with_defaults(KINDS.get(tags.get("camera:type", "").lower()), None,
                         _number(tags.get("height")) or _number(tags.get("est_height")),
                         _number(tags.get("camera:range")),
                         parse_direction(tags.get("camera:direction") or tags.get("direction")),
                         revolving=tags.get("revolving") == "yes", name=tags.get("name"))


def camera_from_fields(fields: dict) -> dict:
    """A camera from a CSV row or a JSON body: lon, lat, and any of kind, bearing (degrees or
    compass points), fov, range_m, height_m, name, owner, status. Raises InvalidCamera."""
    errors = {}
    point = []
    for axis, low, high in (("lon", -180, 180), ("lat", -90, 90)):
        value = _number(str(fields.get(axis, "")))
        if value is None or not low <= value <= high:
            errors[axis] = f"{axis} is a number between {low} and {high}."
        point.append(value)
    kind_text = str(fields.get("kind") or "").strip().lower()
    kind = KINDS.get(kind_text) if kind_text else None
    if kind_text and kind is None:
        errors["kind"] = f"kind is one of fixed, ptz, dome; got {kind_text!r}."
    numbers = {}
    for name in ("fov", "range_m", "height_m"):
        raw = fields.get(name)
        numbers[name] = None if raw in (None, "") else _number(str(raw))
        if raw not in (None, "") and (numbers[name] is None or numbers[name] <= 0 or
                                       (name == "fov" and numbers[name] > 360)):
            errors[name] = f"{name} is a positive number" + (" up to 360." if name == "fov" else ".")
    raw_bearing = fields.get("bearing")
    bearing = None if raw_bearing in (None, "") else parse_direction(str(raw_bearing))
    if raw_bearing not in (None, "") and bearing is None:
        errors["bearing"] = f"bearing is degrees from north or a compass point (N, NE, …); got {raw_bearing!r}."
    status = str(fields.get("status") or "online").strip().lower()
    if status not in ("online", "offline", "maintenance"):
        errors["status"] = "status is one of online, offline, maintenance."
    if errors:
        raise InvalidCamera(errors)
    camera = with_defaults(kind, numbers["fov"], numbers["height_m"], numbers["range_m"], bearing,
                           name=(str(fields.get("name")).strip() or None) if fields.get("name") else None)
    return {**camera, "lon": point[0], "lat": point[1], "status": status,
            "owner": (str(fields.get("owner")).strip() or None) if fields.get("owner") else None}


CSV_COLUMNS = ("id", "lon", "lat", "kind", "bearing", "fov", "range_m", "height_m", "name", "owner", "status")


def read_camera_csv(text: str) -> tuple[list[dict], dict[int, str]]:
    """Cameras from CSV text (a header row naming any of CSV_COLUMNS; `id` is the source's own
    identifier, so a re-import updates instead of duplicating). Returns the cameras and, per
    line number, why a line was refused."""
    reader = csv.DictReader(io.StringIO(text))
    missing = {"lon", "lat"} - set(reader.fieldnames or ())
    if missing:
        return [], {1: f"the header names no {', '.join(sorted(missing))} column (columns: {', '.join(CSV_COLUMNS)})"}
    cameras, refused = [], {}
    for line, row in enumerate(reader, start=2):
        try:
            camera = camera_from_fields({k.strip(): (v or "").strip() for k, v in row.items() if k})
        except InvalidCamera as error:
            refused[line] = str(error)
            continue
        camera["source_id"] = (row.get("id") or "").strip() or f"{camera['lon']:.7f},{camera['lat']:.7f}"
        cameras.append(camera)
    return cameras, refused
