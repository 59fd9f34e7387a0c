"""A proposed division (planning.proposal) on communities drawn before blocks existed: the
grids are made of blocks, along the roads, in every community, and filing them leaves the
division exact — each community takes the vertices its grids have on its outline.

Two real towns: Kotka (Karhula, suburban, one street) and Monaco (six quarters side by side,
so a street's grids meet grids beyond it). Each is divided by `generate areas`, then its
communities are redrawn the way divisions were drawn before blocks: straight bisection of
each street along its main roads (geo.partition), the street fitted to them, as the old
generator stored it. The planners' proposal asks for 200–600 households a grid: a range
whose lines meet those old community outlines between their corners."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import shapely
from geoalchemy2.shape import from_shape, to_shape
from sqlalchemy import select, text

from app import db
from app.geo.crs import MetricFrame, frame_for
from app.geo.ground_share import ground_share
from app.geo.partition import atomic_units, clean_coverage, coverage_outline, divide, GRID_SIZE
from app.geo.plan_edits import as_multi
from app.geo.vertices import ON_OUTLINE_DEG
from app.models import Area, Grid, GridPlanFeature
from app.services.accounts.scope import Scope
from app.services.city.frame import city_utm
from app.services.planning import division, filing, problems, proposal
from app.services.planning.plans import Actor
from tests.conftest import city_app

OSM = "gis_data/osm"
TOWNS = {"kotka": ["generate", "areas", "--city-name", "卡尔胡拉", "--city-name-en", "Karhula",
                   "--code-prefix", "KAR"],
         "monaco": ["generate", "areas"]}
HOUSEHOLDS = {"min_households": 200, "max_households": 600}
EXACT_M2 = 0.01
ON_GROUND = 0.6         # the goal for the share of grid lines on roads


@pytest.fixture(scope="module", params=sorted(TOWNS))
def town(request, make_database):
    """The town with its communities redrawn by bisection and one proposal per street (not
    yet filed): (app, {street code: plan id})."""
    url = make_database(f"proposal_{request.param}")
    db.upgrade(url)
    app = city_app(url, ["import", "osm", f"{OSM}/{request.param}.osm.pbf"], TOWNS[request.param])
    everything = Actor("test", None, Scope(everything=True))
    with app.app_context():
        session = db.session()
        for street in session.scalars(select(Area).where(Area.level == "street").order_by(Area.code)).all():
            _redraw_by_bisection(session, street)
        rules = app.config["GRIDMAP"].grid_rules
        plans = {street.code: proposal.propose(session, street.code, "", everything, rules, HOUSEHOLDS).id
                 for street in session.scalars(select(Area).where(Area.level == "street").order_by(Area.code))}
        session.commit()
    return app, plans


def _redraw_by_bisection(session, street: Area) -> None:
    """The street's communities as the generator drew them before blocks: straight cuts along
    main roads, each community's outline the exact union of its part, the street theirs."""
    communities = session.scalars(select(Area).where(Area.parent_id == street.id).order_by(Area.code)).all()
    if len(communities) < 2:
        return
    outline = to_shape(street.geom)
    rows = session.execute(text("""
        SELECT ST_AsBinary(b.geom) AS wkb, b.households FROM building b
        WHERE b.geom && ST_GeomFromText(:street, 4326)
          AND ST_Contains(ST_GeomFromText(:street, 4326), ST_PointOnSurface(b.geom))"""),
        {"street": outline.wkt}).all()
    footprints = shapely.from_wkb([r.wkb for r in rows])
    households = np.array([r.households for r in rows])
    groups = atomic_units(footprints)
    units = np.array([shapely.union_all(footprints[g]) for g in groups], dtype=object)
    parts = divide(outline, units, np.array([households[g].sum() for g in groups]), len(communities),
                   frame_for(outline), division.ground_lines_in(session, outline).main, snap_ends=False)
    redrawn = clean_coverage([shapely.set_precision(p.geom, GRID_SIZE) for p in parts])
    for community, geom in zip(communities, redrawn):
        community.geom = from_shape(as_multi(geom), 4326)
    street.geom = from_shape(as_multi(coverage_outline(redrawn)), 4326)
    session.flush()


def _features(session, plan_id: int, community_id: int) -> list:
    return [to_shape(g) for g in session.scalars(select(GridPlanFeature.geom).where(
        GridPlanFeature.plan_id == plan_id, GridPlanFeature.community_id == community_id))]


def _run_past(xy, grids, outline) -> bool:
    """Whether one of the grids has an edge along the outline that runs past the vertex
    without ending at it: a stored grid never changes, so the community cannot take that
    vertex (its neighbour across the line would no longer meet its grids), nor can a grid that
    holds the vertex elsewhere already (a courtyard pinched to the outline there), and an edge
    ending a hair from it would be bent away by it."""
    for grid in grids:
        for ring in shapely.get_rings(shapely.get_parts(grid)):
            for a, b in zip(shapely.get_coordinates(ring)[:-1], shapely.get_coordinates(ring)[1:]):
                if (a == xy).all() or (b == xy).all():
                    continue
                edge = shapely.LineString([a, b])
                if shapely.dwithin(edge, shapely.Point(xy), ON_OUTLINE_DEG) \
                        and shapely.dwithin(shapely.Point((a + b) / 2), outline.boundary, ON_OUTLINE_DEG):
                    return True
    return False


def _leftovers(parent, children, frame: MetricFrame) -> tuple[float, float]:
    """area(parent − ∪children) and area(∪children − parent) by plain overlay in metres."""
    parent_m = frame.to_metric(parent)
    union_m = shapely.union_all(frame.to_metric(np.asarray(children, dtype=object)))
    return float(parent_m.difference(union_m).area), float(union_m.difference(parent_m).area)


def test_every_community_drawn_before_blocks_is_divided_along_its_roads(town):
    app, plans = town
    rules = app.config["GRIDMAP"].grid_rules
    with app.app_context():
        session = db.session()
        frame = MetricFrame(city_utm(session))
        shares = {}
        for street_code, plan_id in plans.items():
            street = session.scalar(select(Area).where(Area.code == street_code))
            lines = division.ground_lines_in(session, to_shape(street.geom)).lines
            for community in session.scalars(select(Area).where(Area.parent_id == street.id).order_by(Area.code)):
                grids = _features(session, plan_id, community.id)
                if len(grids) > 1:
                    shares[community.code] = ground_share(grids, lines, frame).share
            plan = session.get(proposal.GridPlan, plan_id)
            found = problems.check_loaded(session, plan, rules).check.problems
            wrong = [p.message_en for p in found if p.kind in ("invalid", "gap", "overlap", "outside", "edge",
                                                              "cut_building", "sliver")]
            assert not wrong, (street_code, wrong)
        session.rollback()
    print("\nshare of grid lines on the ground, by community:", {c: round(s, 2) for c, s in shares.items()})
    assert shares and all(share >= ON_GROUND for share in shares.values()), shares


def test_every_grid_stays_valid_as_the_layers_serve_it(town):
    app, plans = town
    with app.app_context():
        session = db.session()
        grids = shapely.from_wkb(session.execute(text("""
            SELECT ST_AsBinary(geom) FROM grid_plan_feature WHERE plan_id = ANY(:plans)"""),
            {"plans": list(plans.values())}).scalars().all())
        session.rollback()
    served = shapely.transform(grids, lambda xy: np.round(xy, 7))
    assert shapely.is_valid(served).all()


def test_filing_gives_each_community_the_vertices_its_grids_have_on_its_outline(town):
    """Before filing, the grids end on the old outlines between their corners, and a plain
    overlay in metres finds slivers there; once filed, every such vertex is the community's
    too (but where a grid beyond, filed before, runs past it), and nothing of 0.01 m² lies
    between any area and its children."""
    app, plans = town
    with app.app_context():
        session = db.session()
        frame = MetricFrame(city_utm(session))
        worst_before = 0.0
        for plan_id in plans.values():
            for community in session.scalars(select(Area).where(Area.id.in_(select(GridPlanFeature.community_id).where(
                    GridPlanFeature.plan_id == plan_id)))):
                worst_before = max(worst_before, *_leftovers(to_shape(community.geom),
                                                             _features(session, plan_id, community.id), frame))
        effective = datetime.now(timezone.utc) + timedelta(days=1)
        for plan_id in plans.values():
            filing.file(session, session.get(proposal.GridPlan, plan_id), effective, "test")
            effective += timedelta(minutes=1)
        session.commit()

        found, lacking, excused = [], [], 0
        current = session.execute(select(Grid.community_id, Grid.geom).where(Grid.valid_to.is_(None))).all()
        for community in session.scalars(select(Area).where(Area.level == "community").order_by(Area.code)):
            outline = to_shape(community.geom)
            grids = [to_shape(g) for c, g in current if c == community.id]
            near = [to_shape(g) for _, g in current]
            corners = {tuple(xy) for xy in shapely.get_coordinates(outline)}
            xy = np.unique(shapely.get_coordinates(np.asarray(grids, dtype=object)), axis=0)
            on_outline = xy[shapely.dwithin(shapely.points(xy), outline.boundary, ON_OUTLINE_DEG)]
            for v in (v for v in on_outline if tuple(v) not in corners):
                if _run_past(v, [g for g in near if shapely.dwithin(g, shapely.Point(v), 1e-6)], outline):
                    excused += 1
                else:
                    lacking.append((community.code, tuple(v)))
            gap, spill = _leftovers(outline, grids, frame)
            if gap >= EXACT_M2 or spill >= EXACT_M2:
                found.append((community.code, round(gap, 4), round(spill, 4)))
        for level in ("street", "district", "city"):
            for parent in session.scalars(select(Area).where(Area.level == level)):
                children = [to_shape(g) for g in session.scalars(select(Area.geom).where(Area.parent_id == parent.id))]
                gap, spill = _leftovers(to_shape(parent.geom), children, frame)
                if gap >= EXACT_M2 or spill >= EXACT_M2:
                    found.append((parent.code, round(gap, 4), round(spill, 4)))
        session.rollback()
    print(f"\nvertices on an outline another grid runs past (not taken): {excused}")
    assert worst_before >= EXACT_M2          # the slivers filing has to close
    assert lacking == []
    assert found == []
