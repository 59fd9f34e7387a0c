"""Deriving a division for a city: street → communities → grids, with one full-time grid
worker per grid. The street's mapped sites (schools, hospitals, parks…) are carved out first
as special grids (planning.special); the comprehensive grids are groups of whole blocks of the
rest, the ground between roads, railways, rivers and compound outlines; communities prefer
main roads as their edges. No building is cut and every comprehensive grid aims at the
household range (see geo.blocks and geo.regions)."""
from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np
import shapely
from geoalchemy2.shape import from_shape, to_shape
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ...config import GridRules
from ...geo.crs import MetricFrame, frame_for
from ...geo.partition import GRID_SIZE, Part, atomic_units, clean_coverage, coverage_outline, part_count, share_out
from ...geo.sites import without_crumbs
from ...geo.ground_share import ground_share
from ...geo.compactness import too_elongated
from ...geo.regions import divide_along_ground
from ...geo.streets import street_outlines
from ...messages import Said
from ...models import Area, Building, GroundLine, Grid, Road, Site, Worker, WorkerAssignment
from ..city import names
from ..register import parts as city_parts
from . import special

Progress = Callable[[str, int], None]
MAIN_ROADS = ("motorway", "trunk", "primary", "secondary", "tertiary")
MINOR_ROADS = MAIN_ROADS + ("unclassified", "residential", "living_street", "service", "pedestrian")
GRIDS_PER_COMMUNITY = 5        # when the source does not say how many communities
CITY_MARGIN_M = 40.0           # the served area reaches this far past the outermost building


class AlreadyDivided(Said, RuntimeError):
    """A division exists: it changes through a grid plan only."""


class NothingToDivide(Said, ValueError):
    pass


@dataclass
class DivisionReport:
    streets: int = 0
    communities: int = 0
    grids: int = 0
    workers: int = 0
    households: int = 0
    # grids whose households fall outside the configured range: (code, households)
    out_of_range: list[tuple[str, int]] = field(default_factory=list)
    # grid lines between grids, and how much of them lies on a road, railway or river (m)
    interior_m: float = 0.0
    on_ground_m: float = 0.0
    # grids more than 3× longer than wide and than their own blocks (geo.compactness): (code, ratio)
    elongated: list[tuple[str, float]] = field(default_factory=list)
    # special grids carved around mapped sites: (code, site kind)
    special: list[tuple[str, str | None]] = field(default_factory=list)

    def add(self, other: "DivisionReport") -> None:
        for name in ("streets", "communities", "grids", "workers", "households", "interior_m", "on_ground_m"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.out_of_range += other.out_of_range
        self.elongated += other.elongated
        self.special += other.special

    @property
    def on_ground_share(self) -> float | None:
        return self.on_ground_m / self.interior_m if self.interior_m else None


@dataclass(frozen=True)
class StreetName:
    name: tuple[str, str]
    place: BaseGeometry | None = None       # the boundary it follows (WGS84); None: the whole city


@dataclass(frozen=True)
class CityNames:
    code: str
    city: tuple[str, str]
    district: tuple[str, str]
    streets: tuple[StreetName, ...]         # one street per place when they split the town


def refuse_undividable(session: Session) -> None:
    if session.scalar(select(func.count()).select_from(Area)):
        raise AlreadyDivided("division.already")
    if not session.scalar(select(func.count()).select_from(Building)):
        raise NothingToDivide("division.no_buildings")


def generate_areas(session: Session, city: CityNames, rules: GridRules, seed: int = 1,
                   progress: Progress = lambda what, n: None) -> DivisionReport:
    """Divide every imported building into the streets of one district of one city."""
    refuse_undividable(session)
    rows = session.execute(select(Building.geom)).all()
    footprints = np.array([to_shape(r.geom) for r in rows], dtype=object)
    frame = frame_for(footprints)
    outline = shapely.convex_hull(shapely.union_all(frame.to_metric(footprints)))
    boundary = shapely.set_precision(frame.to_wgs84(outline.buffer(CITY_MARGIN_M)), GRID_SIZE)
    if len(city.streets) > 1:
        units = [shapely.union_all(footprints[g]) for g in atomic_units(footprints)]
        outlines = street_outlines(boundary, [s.place for s in city.streets], units, frame)
    else:
        outlines = [boundary]

    city_area = add_area(session, city.code, "city", city.city, None, boundary)
    district = add_area(session, f"{city.code}-01", "district", city.district, city_area, boundary)
    rng = random.Random(seed)
    report = DivisionReport()
    for number, (street, geom) in enumerate(zip(city.streets, outlines), start=1):
        area = add_area(session, f"{district.code}-{number:02d}", "street", street.name, district,
                        shapely.set_precision(geom, GRID_SIZE))
        report.add(divide_street(session, area, rules, frame, rng, progress=progress))
        report.streets += 1
    finish_division(session)
    session.commit()
    return report


def divide_street(session: Session, street: Area, rules: GridRules, frame: MetricFrame,
                  rng: random.Random, communities: int | None = None, grids: int | None = None,
                  progress: Progress = lambda what, n: None) -> DivisionReport:
    """Cut a street into communities and grids, give each grid a full-time worker: its mapped
    sites first, each a special grid with its own staff, then the rest into comprehensive grids.

    `communities`/`grids` fix the counts of communities and comprehensive grids (as a published
    division does); otherwise they follow from the household range."""
    street_geom = to_shape(street.geom)
    inside = _buildings_in(session, street.id)
    footprints = shapely.from_wkb([r.wkb for r in inside])
    households = np.array([r.households for r in inside], dtype=int)
    groups = atomic_units(footprints)
    units = np.array([shapely.union_all(footprints[g]) if len(g) > 1 else footprints[g[0]]
                      for g in groups], dtype=object)
    unit_households = np.array([households[g].sum() for g in groups], dtype=int)
    specials, carving = special.carve(street_geom, special.sites_in(session, street_geom), units,
                                      unit_households, frame)
    rest = carving.rest_units
    total = int(unit_households[rest].sum())

    # how many communities follows the whole street's households (carving a park out does not
    # change it); how many comprehensive grids, the households left to them
    everyone = part_count(int(unit_households.sum()), rules.min_households, rules.max_households)
    grids = grids or part_count(total, rules.min_households, rules.max_households)
    communities = min(communities or max(1, round(everyone / GRIDS_PER_COMMUNITY)), grids)
    ground = ground_lines_in(session, street_geom)

    report = DivisionReport(households=int(unit_households.sum()))
    divided = divide_along_ground(carving.rest, units[rest], unit_households[rest], frame, ground.lines,
                                  ground.main, share_out(grids, [1] * communities),
                                  (rules.min_households, rules.max_households))
    # each special grid joins the community it shares most boundary with
    held = _holding_communities(divided, specials, frame)
    planned = []        # (community, its name, number, part)
    carved = []         # (community, the grid's name, number, special grid)
    for index, grid_parts in enumerate(divided):
        name = names.community_name(index)
        mine = [g for g, c in zip(specials, held) if c == index]
        outline = coverage_outline([p.geom for p in grid_parts if not p.geom.is_empty] + [g.geom for g in mine])
        community = add_area(session, f"{street.code}-{index + 1:02d}", "community", name, street, outline)
        planned += [(community, name, number, p) for number, p in enumerate(grid_parts, start=1)]
        carved += [(community, grid_name, number, g) for number, (g, grid_name)
                   in enumerate(zip(mine, special.special_names(mine, name)), start=len(grid_parts) + 1)]
        report.communities += 1
    # a corner beside a carved site left to a grid whose other pieces lie elsewhere joins
    # its neighbour (the community outlines follow their grids in fit_levels)
    geoms = without_crumbs([p.geom for *_, p in planned] + [g.geom for *_, g in carved],
                           [units[rest][list(p.units)] for *_, p in planned] + [units[list(g.units)] for *_, g in carved],
                           frame)
    planned = [(c, n, k, Part(geom, p.units, p.households)) for (c, n, k, p), geom in zip(planned, geoms)]
    carved = [(c, n, k, replace(g, geom=geom)) for (c, n, k, g), geom in zip(carved, geoms[len(planned):])]
    # grids of neighbouring communities (and streets) were cut apart, and a grid's boundary
    # never changes once stored: they are stored by finish_division, made one coverage
    staged = session.info.setdefault(STAGED_GRIDS, [])
    for community, name, number, grid_part in planned:
        code = f"{community.code}-{number:02d}"
        staged.append(_StagedGrid(code, community.id, names.grid_name(name, number), grid_part.geom,
                                  names.person_name(rng), names.phone_number(rng)))
        report.grids += 1
        report.workers += 1
        if not rules.min_households <= grid_part.households <= rules.max_households:
            report.out_of_range.append((code, grid_part.households))
        progress("grids", 1)
    for community, grid_name, number, grid in carved:
        code = f"{community.code}-{number:02d}"
        staged.append(_StagedGrid(code, community.id, grid_name, grid.geom,
                                  names.person_name(rng), names.phone_number(rng), "special", grid.kind))
        report.grids += 1
        report.workers += 1
        report.special.append((code, grid.kind))
        progress("grids", 1)
    strips = too_elongated([p.geom for *_, p in planned], street_geom, ground.lines, frame)
    report.elongated += [(f"{c.code}-{n:02d}", round(r, 1)) for (c, _, n, _), r in zip(planned, strips) if r]
    measured = ground_share([p.geom for *_, p in planned] + [g.geom for *_, g in carved], ground.lines, frame)
    report.interior_m, report.on_ground_m = measured.interior_m, measured.on_ground_m
    return report


def _holding_communities(divided, specials, frame: MetricFrame) -> list[int]:
    """For each special grid, the community (index into `divided`) sharing most boundary with
    it; the first when none does."""
    if not specials:
        return []
    outlines = [shapely.union_all([p.geom for p in parts if not p.geom.is_empty]) for parts in divided]
    held = []
    for grid in specials:
        shared = [frame.to_metric(shapely.intersection(shapely.boundary(grid.geom), shapely.boundary(o))).length
                  if not o.is_empty else 0.0 for o in outlines]
        held.append(int(np.argmax(shared)) if max(shared, default=0.0) > 0 else 0)
    return held


def finish_division(session: Session) -> None:
    """Make the division exact (fit_levels), put every building and city part in the grid
    holding it, and cache households and residents on grids and on every level of area."""
    session.flush()
    fit_levels(session, session.info.pop(STAGED_GRIDS, []))
    session.execute(text("""
        UPDATE building b SET grid_id = g.id
        FROM grid g
        WHERE g.valid_to IS NULL AND g.geom && b.geom
          AND ST_Contains(g.geom, ST_PointOnSurface(b.geom))"""))
    city_parts.place_in_grids(session)
    count_households(session)


def fit_levels(session: Session, staged: list["_StagedGrid"]) -> None:
    """Every level shares its vertices exactly with the next (DESIGN.md: coverage is exact).

    Each part was cut from its parent, but cut lines end on the parent's edges with vertices
    the parent lacks, and the cleaning that makes the grids one coverage moves vertices by up
    to a centimetre: measured in a projection, where an edge straight in degrees bows, the
    difference is slivers of square metres along every long edge. So the grids staged for the
    whole city (divide_street) are cleaned as one coverage and stored, each with its full-time
    worker, and each area, level by level upwards, becomes the union of its children edge for
    edge (moving it by no more than the cleaning did, a centimetre at most)."""
    if not staged:
        return
    cleaned = clean_coverage([shapely.set_precision(g.geom, GRID_SIZE) for g in staged])
    children: dict[int, list] = {}
    for planned, geom in zip(staged, cleaned):
        grid = Grid(code=planned.code, kind=planned.kind, site_kind=planned.site_kind,
                    community_id=planned.community_id, geom=from_shape(_multi(geom), srid=4326))
        grid.name_zh, grid.name_en = planned.name
        session.add(grid)
        session.flush()
        worker = Worker(code=f"W{grid.code}", name_zh=planned.worker_name[0],
                        name_en=planned.worker_name[1], phone=planned.worker_phone, role="full_time")
        session.add(worker)
        session.flush()
        session.add(WorkerAssignment(worker_id=worker.id, grid_id=grid.id))
        children.setdefault(grid.community_id, []).append(geom)
    areas = session.scalars(select(Area)).all()
    for level in ("community", "street", "district", "city"):
        for area in (a for a in areas if a.level == level and a.id in children):
            outline = coverage_outline(children[area.id])
            area.geom = from_shape(_multi(outline), srid=4326)
            children.setdefault(area.parent_id, []).append(outline)
    session.flush()


def count_households(session: Session) -> None:
    """Cache households and residents on the current grids and on every level of area, from
    the buildings each grid holds."""
    session.execute(text("""
        UPDATE grid g SET (households, population) = (
            SELECT coalesce(sum(b.households), 0), coalesce(sum(b.population), 0)
            FROM building b WHERE b.grid_id = g.id)
        WHERE g.valid_to IS NULL"""))
    session.execute(text("""
        UPDATE area a SET households = s.households, population = s.population
        FROM (SELECT community_id, sum(households) AS households, sum(population) AS population
              FROM grid WHERE valid_to IS NULL GROUP BY community_id) s
        WHERE s.community_id = a.id"""))
    for level, child in (("street", "community"), ("district", "street"), ("city", "district")):
        session.execute(text("""
            UPDATE area a SET households = s.households, population = s.population
            FROM (SELECT parent_id, sum(households) AS households, sum(population) AS population
                  FROM area WHERE level = :child GROUP BY parent_id) s
            WHERE s.parent_id = a.id AND a.level = :level"""), {"level": level, "child": child})


def add_area(session: Session, code: str, level: str, name: tuple[str, str], parent: Area | None,
              geom) -> Area:
    area = Area(code=code, level=level, name_zh=name[0], name_en=name[1],
                parent_id=parent.id if parent else None, geom=from_shape(_multi(geom), srid=4326))
    session.add(area)
    session.flush()
    return area


STAGED_GRIDS = "gridmap.staged_grids"      # session.info key: grids divided, not yet stored


@dataclass(frozen=True)
class _StagedGrid:
    code: str
    community_id: int
    name: tuple[str, str]
    geom: object
    worker_name: tuple[str, str]            # drawn when divided, so the names follow the seed
    worker_phone: str
    kind: str = "comprehensive"
    site_kind: str | None = None


def _buildings_in(session: Session, street_id: int):
    return session.execute(text("""
        SELECT ST_AsBinary(b.geom) AS wkb, b.households FROM building b JOIN area s ON s.id = :street
        WHERE s.geom && b.geom AND ST_Contains(s.geom, ST_PointOnSurface(b.geom))
        ORDER BY b.id"""),
        {"street": street_id}).all()


@dataclass(frozen=True)
class GroundLines:
    """The lines in an area that a grid boundary may follow: `lines` every road a worker can
    see as an edge, railway, river, shore, compound outline and the outline of a mapped site
    (a school's fence, a park's edge: where a special grid ends); `main` those a community's
    edge prefers (main roads, railways, rivers)."""
    lines: list
    main: list


def ground_lines_in(session: Session, geom) -> GroundLines:
    where = from_shape(geom, srid=4326)
    roads = session.execute(select(Road.geom, Road.road_class).where(
        func.ST_Intersects(Road.geom, where), Road.road_class.in_(MINOR_ROADS))).all()
    others = session.execute(select(GroundLine.geom, GroundLine.kind).where(
        func.ST_Intersects(GroundLine.geom, where))).all()
    sites = session.execute(select(func.ST_Boundary(Site.geom).label("geom")).where(
        func.ST_Intersects(Site.geom, where))).all()
    lines = [to_shape(r.geom) for r in roads] + [to_shape(o.geom) for o in others] + \
        [line for s in sites for line in shapely.get_parts(to_shape(s.geom))]
    main = [to_shape(r.geom) for r in roads if r.road_class in MAIN_ROADS] + \
        [to_shape(o.geom) for o in others if o.kind != "compound"]
    return GroundLines(lines, main)


def _multi(geom) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    return MultiPolygon([geom]) if geom.geom_type == "Polygon" else MultiPolygon(
        [g for g in shapely.get_parts(geom) if g.geom_type == "Polygon"])
