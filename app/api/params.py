"""Parsing and validating query parameters, apart from running any query."""
from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo

from .. import dates
from ..messages import CATALOGUE, Said


# What parse_bbox accepts, WGS84 degrees (the OpenAPI document states it from here)
BBOX_LON = (-180.0, 180.0)
BBOX_LAT = (-90.0, 90.0)


class InvalidParameter(Said, ValueError):
    """A parameter refused: `name` names it, the catalogue key and blanks say why."""

    def __init__(self, name: str, key: str, /, **params):
        if key not in CATALOGUE:
            # a sentence written where it refuses, by code not yet moved to the catalogue: said
            # as written (tests/test_messages.py finds such sentences)
            key, params = "unworded", {"text": key}
        super().__init__(key, **params)
        self.name = name


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    parts = value.split(",")
    if len(parts) != 4:
        raise InvalidParameter("bbox", "param.bbox_four")
    try:
        minx, miny, maxx, maxy = (float(p) for p in parts)
    except ValueError:
        raise InvalidParameter("bbox", "param.bbox_number", value=value) from None
    (west, east), (south, north) = BBOX_LON, BBOX_LAT
    if not (west <= minx <= east and west <= maxx <= east and south <= miny <= north and south <= maxy <= north):
        raise InvalidParameter("bbox", "param.bbox_range", west=west, east=east, south=south, north=north)
    if minx > maxx or miny > maxy:
        raise InvalidParameter("bbox", "param.bbox_order")
    return minx, miny, maxx, maxy


def parse_int(value: str | None, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise InvalidParameter(name, "param.whole", name=name, value=value) from None
    if not low <= number <= high:
        raise InvalidParameter(name, "param.range", name=name, low=low, high=high, value=number)
    return number


def parse_datetime(value: str | None, name: str, zone: tzinfo | None = timezone.utc) -> datetime | None:
    """An ISO 8601 moment (app/dates.py), or None when absent. Without an offset it is read in
    `zone`; `zone=None` requires one."""
    if value is None or value == "":
        return None
    try:
        return dates.moment(value, zone)
    except dates.Unusable:
        raise _not_a_date(name, value) from None


def parse_date(value: str | None, name: str) -> date | None:
    """A calendar date YYYY-MM-DD, or None when absent."""
    if value is None or value == "":
        return None
    try:
        return dates.day(value)
    except dates.Unusable:
        raise _not_a_date(name, value) from None


def _not_a_date(name: str, value) -> InvalidParameter:
    return InvalidParameter(name, "input.date", field=name, value=value)
