"""Parsing and validating query parameters, apart from running any query."""
from __future__ import annotations


class InvalidParameter(ValueError):
    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise InvalidParameter("bbox", "bbox must be four numbers: minLon,minLat,maxLon,maxLat")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox", f"bbox has a value that is not a number: {value}") from None
    if not (-180 <= minx <= 180 and -180 <= maxx <= 180 and -90 <= miny <= 90 and -90 <= maxy <= 90):
        raise InvalidParameter("bbox", "bbox must be in WGS84 degrees (lon -180..180, lat -90..90)")
    if minx > maxx or miny > maxy:
        raise InvalidParameter("bbox", "bbox minimum must not exceed its maximum")
    return minx, miny, maxx, maxy


def parse_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameter(name, f"{name} must be a whole number, got {value!r}") from None
    if not low <= number <= high:
        raise InvalidParameter(name, f"{name} must be between {low} and {high}, got {number}")
    return number
