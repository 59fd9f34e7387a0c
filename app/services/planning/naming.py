"""What a generated division is called: the town's own names, from the administrative boundaries
and places its OpenStreetMap extract holds (app/models/places.py), or those the planner gives.

The city is the municipality's boundary (admin level 8) or the city, town or village that holds
most of the buildings; its streets are the quarters (admin level 9, else 10, else suburb,
quarter or neighbourhood outlines) when they split the buildings into pieces of at least a grid
each, otherwise one street named after the quarter that holds most of them. A name is Chinese
where the place has one, the local name otherwise; English is name:en, else the local name."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import shapely
from sqlalchemy import text
from sqlalchemy.orm import Session

from ...config import GridRules
from ...messages import Said
from .division import CityNames, StreetName, refuse_undividable

CITY_LEVELS = (8,)
CITY_PLACES = ("city", "town", "village")
STREET_LEVELS = ((9,), (10,))           # coarsest first: a street is the biggest unit below the city
STREET_PLACES = ("suburb", "quarter", "neighbourhood")
CODE_PREFIX = re.compile(r"[A-Z][A-Z0-9]{1,5}")
DERIVED_CODE_LENGTH = 3


class Unnamed(Said, ValueError):
    pass


@dataclass(frozen=True)
class Given:
    """Names the planner gives (flask generate areas --city-name …): each one overrides the
    extract's."""
    city: str | None = None
    city_en: str | None = None
    code: str | None = None


@dataclass(frozen=True)
class _Found:
    name: tuple[str, str]
    households: int
    geom: object = None


def name_town(session: Session, given: Given, rules: GridRules) -> CityNames:
    """The city's, district's and streets' names and the code they begin with; refuses
    (Unnamed) when neither the extract nor `given` names the city."""
    refuse_undividable(session)
    found = _city(session)
    zh = given.city or (found and found.name[0])
    if not zh:
        raise Unnamed("division.unnamed")
    en = given.city_en or (found.name[1] if found and not given.city else None) or zh
    code = given.code or code_from(en)
    if not code:
        raise Unnamed("division.no_code", name=en)
    city = (zh, en)
    streets = _streets(session, rules) or (StreetName((f"{zh}中心街道", f"{en} Centre Street")),)
    return CityNames(code=code, city=city, district=city, streets=streets)


def code_from(name: str) -> str | None:
    """The first letters of a name in uppercase ASCII (Monaco → MON), if it has two."""
    letters = [c for c in unicodedata.normalize("NFKD", name) if c.isascii() and c.isalpha()]
    code = "".join(letters[:DERIVED_CODE_LENGTH]).upper()
    return code if CODE_PREFIX.fullmatch(code) else None


def _city(session: Session) -> _Found | None:
    """The boundary or place outline that holds more than half the buildings, else the city,
    town or village nearest most of them."""
    total = session.execute(text("SELECT count(*) FROM building")).scalar_one()
    for where in (_levels(CITY_LEVELS), _kinds(CITY_PLACES)):
        held = _outlines(session, where)
        if held and held[0][1] * 2 > total:
            return held[0][0]
    return _nearest(session, CITY_PLACES)


def _streets(session: Session, rules: GridRules) -> tuple[StreetName, ...]:
    """One street per quarter when the quarters of a level split the town: two or more of
    them each hold a grid's households, and together most of them. Otherwise one street,
    named after the quarter holding most buildings; none when nothing names one."""
    total = session.execute(text("SELECT coalesce(sum(households), 0) FROM building")).scalar_one()
    single = None
    for where in [*(_levels(level) for level in STREET_LEVELS), _kinds(STREET_PLACES)]:
        held = _outlines(session, where)
        big = sorted((found for found, _ in held if found.households >= rules.min_households),
                     key=lambda f: f.name[1])
        if len(big) >= 2 and sum(f.households for f in big) * 2 > total:
            return tuple(StreetName(f.name, f.geom) for f in big)
        single = single or (held[0][0] if held else None)
    single = single or _nearest(session, STREET_PLACES)
    return (StreetName(single.name),) if single else ()


def _levels(levels: tuple[int, ...]) -> tuple[str, dict]:
    return "p.admin_level = ANY(:levels)", {"levels": list(levels)}


def _kinds(kinds: tuple[str, ...]) -> tuple[str, dict]:
    return "p.place = ANY(:kinds)", {"kinds": list(kinds)}


def _outlines(session: Session, where: tuple[str, dict]) -> list[tuple[_Found, int]]:
    """The outlines matching `where` that hold buildings, with how many, most first."""
    condition, params = where
    rows = session.execute(text(f"""
        SELECT p.name, p.name_zh, p.name_en, ST_AsBinary(p.geom) AS wkb, count(*) AS buildings,
               sum(b.households) AS households
        FROM place p JOIN building b ON p.geom && b.geom AND ST_Contains(p.geom, ST_PointOnSurface(b.geom))
        WHERE {condition} AND GeometryType(p.geom) = 'MULTIPOLYGON'
        GROUP BY p.id ORDER BY buildings DESC, p.source_id"""), params).all()
    return [(_Found(_names(r), int(r.households), shapely.from_wkb(r.wkb)), r.buildings) for r in rows]


def _nearest(session: Session, kinds: tuple[str, ...]) -> _Found | None:
    """The place point of `kinds` that is the nearest one to most buildings: a place node
    stands for the ground around it, up to where the next one's begins."""
    condition, params = _kinds(kinds)
    row = session.execute(text(f"""
        SELECT p.name, p.name_zh, p.name_en, count(*) AS buildings, sum(b.households) AS households
        FROM building b CROSS JOIN LATERAL (
            -- in degrees, which stretch east-west away from the equator: near enough to tell
            -- which node a building is closest to, and the index answers it
            SELECT * FROM place p WHERE {condition} AND GeometryType(p.geom) = 'POINT'
            ORDER BY p.geom <-> ST_PointOnSurface(b.geom) LIMIT 1) p
        GROUP BY p.id, p.name, p.name_zh, p.name_en, p.source_id
        ORDER BY buildings DESC, p.source_id LIMIT 1"""), params).first()
    return _Found(_names(row), int(row.households)) if row else None


def _names(row) -> tuple[str, str]:
    return row.name_zh or row.name, row.name_en or row.name
