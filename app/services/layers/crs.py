"""The coordinate reference systems the layers are served in (OGC API – Features Part 2).

Storage is WGS84 (EPSG:4326, longitude first, as PostGIS keeps it). A layer is also served in
CGCS2000 (EPSG:4490, the national datum Chinese deployments deliver in), its Gauss-Krüger
zones (EPSG:4491–4554), Web Mercator and the city's own UTM zone; PostGIS transforms.

Axis order is the CRS's own (Part 2, /req/crs/crs-uri and the GeoJSON exception for CRS84):
EPSG:4326 and 4490 are latitude first, the Gauss-Krüger zones northing first. PROJ's axis
description decides it, not a list of ours."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pyproj import CRS as ProjCrs

from ...geo.crs import utm_epsg

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
STORAGE_SRID = 4326
CGCS2000 = 4490
WEB_MERCATOR = 3857
# CGCS2000 / Gauss-Krüger: 6° zones 13–23 and 3° zones 25–45, with and without the zone prefix
GAUSS_KRUGER = range(4491, 4555)
# the decimals written: a centimetre in degrees (7) or in metres (2)
DEGREE_DECIMALS = 7
METRE_DECIMALS = 2

_CURIE = re.compile(r"\[?EPSG:([0-9]{4,5})\]?", re.IGNORECASE)
_URI = re.compile(r"https?://www\.opengis\.net/def/crs/EPSG/0/([0-9]{4,5})")
_URN = re.compile(r"urn:ogc:def:crs:EPSG:[0-9.]*:([0-9]{4,5})", re.IGNORECASE)
_BARE = re.compile(r"([0-9]{4,5})")


class UnknownCrs(ValueError):
    """A CRS not among those a collection offers: `offered` lists them."""

    def __init__(self, value: str, offered: list[str]):
        super().__init__(value)
        self.value, self.offered = value, offered


@dataclass(frozen=True)
class Crs:
    uri: str
    srid: int                 # PostGIS's code for it
    swapped: bool             # the first axis is latitude or northing: coordinates go out (y, x)
    decimals: int

    @property
    def stored(self) -> bool:
        """Served as stored: no transform and no swap."""
        return self.srid == STORAGE_SRID and not self.swapped

    def geometry_sql(self, geom: str) -> str:
        """SQL that writes `geom` (WGS84) in this CRS and axis order."""
        if self.srid != STORAGE_SRID:
            geom = f"ST_Transform({geom}, {self.srid})"
        return f"ST_FlipCoordinates({geom})" if self.swapped else geom

    def envelope_sql(self, names: tuple[str, str, str, str]) -> str:
        """SQL of a WGS84 box from four bound numbers given in this CRS and axis order: a
        bbox-crs. A projected box becomes the WGS84 box around its transformed outline."""
        a, b, c, d = (f":{n}" for n in names)
        if self.swapped:
            a, b, c, d = b, a, d, c
        box = f"ST_MakeEnvelope({a}, {b}, {c}, {d}, {self.srid})"
        return box if self.srid == STORAGE_SRID else f"ST_Transform(ST_Segmentize({box}, "\
            f"{'0.01' if self.decimals == DEGREE_DECIMALS else '1000'}), {STORAGE_SRID})"


@lru_cache(maxsize=256)
def _epsg(srid: int) -> Crs:
    described = ProjCrs.from_epsg(srid)
    first = described.axis_info[0].direction.lower()
    geographic = described.is_geographic
    return Crs(EPSG_URI.format(srid), srid, first == "north",
               DEGREE_DECIMALS if geographic else METRE_DECIMALS)


@lru_cache(maxsize=128)
def zone_band(srid: int) -> tuple[float, float]:
    """The longitudes a Gauss-Krüger zone is drawn for (its EPSG area of use)."""
    area = ProjCrs.from_epsg(srid).area_of_use
    return area.west, area.east


_CRS84 = Crs(CRS84, STORAGE_SRID, False, DEGREE_DECIMALS)


@lru_cache(maxsize=16)
def _offered(utm: int, longitude: float) -> tuple[Crs, ...]:
    zones = [srid for srid in GAUSS_KRUGER if zone_band(srid)[0] <= longitude <= zone_band(srid)[1]]
    return (_CRS84, *(_epsg(srid) for srid in (STORAGE_SRID, CGCS2000, WEB_MERCATOR, utm, *zones)))


def offered(centre: tuple[float, float]) -> list[Crs]:
    """What every collection of a city centred at (lon, lat) is served in, CRS84 (the default)
    first: the Gauss-Krüger zones whose band holds the city (6° and 3°, with and without the
    zone number before the easting), not the other sixty, in which its lengths would be
    a third too long."""
    longitude, latitude = centre
    return list(_offered(utm_epsg(longitude, latitude), round(longitude, 3)))


def default() -> Crs:
    return _CRS84


class FarZone(ValueError):
    """A Gauss-Krüger zone whose band does not hold the city."""

    def __init__(self, srid: int, band: tuple[float, float], longitude: float):
        super().__init__(srid)
        self.srid, self.band, self.longitude = srid, band, longitude


def find(value: str, centre: tuple[float, float]) -> Crs:
    """The CRS a `crs`, `bbox-crs` or `filter-crs` parameter names: its URI, its URN, the safe
    CURIE [EPSG:4490], EPSG:4490 or the bare code."""
    text = value.strip()
    if text in (CRS84, "[OGC:CRS84]", "OGC:CRS84", "urn:ogc:def:crs:OGC:1.3:CRS84"):
        return _CRS84
    found = _URI.fullmatch(text) or _CURIE.fullmatch(text) or _URN.fullmatch(text) or _BARE.fullmatch(text)
    choices = offered(centre)
    if found:
        srid = int(found[1])
        for crs in choices:
            if crs.srid == srid and crs.uri != CRS84:
                return crs
        if srid in GAUSS_KRUGER:
            raise FarZone(srid, zone_band(srid), centre[0])
    raise UnknownCrs(value, [crs.uri for crs in choices])
