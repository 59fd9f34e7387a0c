"""`flask generate city`: a synthetic city from a preset, loaded and divided the way a real
city is — buildings, roads and cameras first, then each street divided into the preset's
communities and grids by the same divider the real city uses."""
from __future__ import annotations

import random
from typing import Callable

import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ...config import GridRules
from ...geo.partition import GRID_SIZE
from ...geo.synthetic import PRESETS, SyntheticCity, build_city, street_name
from ...messages import Said
from ...models import Area, Building, Camera, Road, RoadSegment, Worker, WorkerAssignment
from ..city import names
from ..planning.division import AlreadyDivided, DivisionReport, add_area, divide_street, finish_division

Progress = Callable[[str, int], None]
BATCH = 5_000


class UnknownPreset(Said, ValueError):
    pass


def generate_city(session: Session, preset: str, scale: int, rules: GridRules, seed: int = 1,
                  progress: Progress = lambda what, n: None) -> DivisionReport:
    if preset not in PRESETS:
        raise UnknownPreset("synthetic.preset", preset=repr(preset), known=sorted(PRESETS))
    if session.scalar(select(func.count()).select_from(Area)):
        raise AlreadyDivided("synthetic.already")
    city = build_city(PRESETS[preset], scale, seed)
    _load_ground_truth(session, city, progress)

    p = city.preset
    boundary = shapely.set_precision(city.boundary, GRID_SIZE)
    city_area = add_area(session, p.code, "city", p.city, None, boundary)
    district = add_area(session, f"{p.code}-01", "district", p.district, city_area, boundary)
    rng = random.Random(seed)
    report = DivisionReport()
    for street in city.streets:
        name = street_name(p, street.index)
        area = add_area(session, f"{district.code}-{street.index:02d}", "street", name,
                         district, shapely.set_precision(street.boundary, GRID_SIZE))
        report.add(divide_street(session, area, rules, city.frame, rng, communities=p.communities,
                                 grids=p.grids, progress=progress))
        report.streets += 1
        _add_street_chiefs(session, area, street.segments, rng)
        progress("streets", 1)
    finish_division(session)
    session.commit()
    return report


def _load_ground_truth(session: Session, city: SyntheticCity, progress: Progress) -> None:
    buildings = [dict(source_id=b.source_id, name=b.name, address=b.address, kind=b.kind,
                      levels=b.levels, households=b.households, population=b.population,
                      households_estimated=False, geom=_ewkt(shapely.MultiPolygon([b.geom])))
                 for s in city.streets for b in s.buildings]
    roads = [dict(source_id=r.source_id, name=r.name, road_class=r.road_class, geom=_ewkt(r.geom))
             for r in city.roads]
    cameras = [dict(source="generated", source_id=c.source_id, kind=c.kind, bearing=c.bearing,
                    fov=c.fov, range_m=c.range_m, height_m=c.height_m, status=c.status,
                    owner=c.owner, estimated=[], geom=_ewkt(c.geom)) for c in city.cameras]
    for model, rows, what in ((Building, buildings, "buildings"), (Road, roads, "roads"),
                              (Camera, cameras, "cameras")):
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            session.execute(insert(model), chunk)
            progress(what, len(chunk))


def _add_street_chiefs(session: Session, street: Area, segments, rng: random.Random) -> None:
    """Each road segment of the street gets its street chief (街长)."""
    for segment in segments:
        row = RoadSegment(code=segment.code, name_zh=segment.name_zh, name_en=segment.name_en,
                          street_id=street.id, length_m=segment.length_m,
                          geom=from_shape(segment.geom, srid=4326))
        name_zh, name_en = names.person_name(rng)
        chief = Worker(code=f"S{segment.code}", name_zh=name_zh, name_en=name_en,
                       phone=names.phone_number(rng), role="street_chief")
        session.add_all([row, chief])
        session.flush()
        session.add(WorkerAssignment(worker_id=chief.id, road_segment_id=row.id))


def _ewkt(geom) -> str:
    return f"SRID=4326;{shapely.to_wkt(geom, rounding_precision=-1)}"
