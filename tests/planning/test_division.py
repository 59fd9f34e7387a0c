"""The generated division obeys the field's rules on the real city and on the synthetic one:
grids tile their community and communities tile their street, with no gap and no overlap;
no building is cut by a grid line; every comprehensive grid holds 300–1000 households (a
special grid, a school or a park carved out, is outside that standard); every grid has
exactly one full-time worker. Coverage is exact: measured by a plain overlay in the city's UTM
zone, nothing of 0.01 m² lies between any area and its children, generated or proposed and
filed, and the plan check finds exactly what that overlay finds."""
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import shapely
from flask import current_app
from geoalchemy2.shape import to_shape
from sqlalchemy import select, text

from app.geo.coverage import check_division
from app.geo.crs import MetricFrame, frame_for
from app.geo.plan_check import Buildings, Communities, PlannedGrid, check_plan
from app.models import Area, Building, Grid
from app.services.accounts.scope import Scope
from app.services.city.frame import city_utm
from app.services.planning import filing, problems, proposal
from app.services.planning.plans import Actor
from tests.conftest import scalar


def shapes(rows):
    return np.array([to_shape(r) for r in rows], dtype=object)


def test_grids_tile_each_community_without_gap_or_overlap_or_cut_building(city_session):
    buildings = shapes(city_session.scalars(select(Building.geom)).all())
    frame = frame_for(buildings)
    for community in city_session.scalars(select(Area).where(Area.level == "community")):
        grids = shapes(city_session.scalars(select(Grid.geom).where(
            Grid.community_id == community.id, Grid.valid_to.is_(None))).all())
        report = check_division(to_shape(community.geom), grids, buildings, frame)
        assert report.ok, (community.code, report)


def test_communities_tile_their_street_and_streets_their_district(city_session):
    buildings = shapes(city_session.scalars(select(Building.geom)).all())
    for level in ("street", "district"):
        for parent in city_session.scalars(select(Area).where(Area.level == level)):
            children = shapes(city_session.scalars(select(Area.geom).where(
                Area.parent_id == parent.id)).all())
            assert level == "district" or len(children) >= 2
            report = check_division(to_shape(parent.geom), children, buildings, frame_for(buildings))
            assert report.ok, (parent.code, report)


def test_postgis_agrees_that_no_building_is_cut(city_session):
    # Checked a second way, by PostGIS alone: a building whose footprint reaches more than
    # one square metre into a second grid is cut.
    cut = scalar(city_session, """
        SELECT count(*) FROM (
            SELECT b.id FROM building b JOIN grid g
              ON g.valid_to IS NULL AND ST_Intersects(b.geom, g.geom)
            WHERE ST_Area(ST_Intersection(b.geom, g.geom)::geography) > 1.0
            GROUP BY b.id HAVING count(*) > 1) c""")
    assert cut == 0


def test_every_building_belongs_to_exactly_one_grid(city_session):
    assert scalar(city_session, "SELECT count(*) FROM building WHERE grid_id IS NULL") == 0
    assert scalar(city_session, "SELECT sum(households) FROM grid WHERE valid_to IS NULL") == \
        scalar(city_session, "SELECT sum(households) FROM building")


def test_every_comprehensive_grid_holds_households_within_the_standard_range(app, city_session):
    rules = app.config["GRIDMAP"].grid_rules
    households = city_session.scalars(select(Grid.households).where(
        Grid.valid_to.is_(None), Grid.kind == "comprehensive")).all()
    assert len(households) >= 10
    assert all(rules.min_households <= h <= rules.max_households for h in households), households


def test_every_comprehensive_grid_has_exactly_one_full_time_worker(city_session):
    rows = city_session.execute(text("""
        SELECT g.code, count(w.id) FILTER (WHERE w.role = 'full_time') AS full_time
        FROM grid g
        LEFT JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
        LEFT JOIN worker w ON w.id = a.worker_id
        WHERE g.kind = 'comprehensive' AND g.valid_to IS NULL
        GROUP BY g.code""")).all()
    assert rows and all(n == 1 for _, n in rows), rows
    holders = scalar(city_session, """
        SELECT count(*) FROM (SELECT worker_id FROM worker_assignment WHERE grid_id IS NOT NULL
                              AND valid_to IS NULL GROUP BY worker_id HAVING count(*) > 1) x""")
    assert holders == 0


def test_households_add_up_through_every_level(city_session):
    total = scalar(city_session, "SELECT sum(households) FROM building")
    for level in ("community", "street", "district", "city"):
        assert scalar(city_session, "SELECT sum(households) FROM area WHERE level = :l", l=level) == total


def test_names_are_in_chinese_and_english(city_session):
    grid = city_session.scalars(select(Grid).limit(1)).one()
    assert "网格" in grid.name_zh and "Grid" in grid.name_en


def test_a_second_generate_changes_nothing_and_says_why(runner, session):
    before = scalar(session, "SELECT count(*) FROM grid")
    result = runner.invoke(args=["generate", "areas"])
    assert result.exit_code != 0 and "grid plan" in result.output
    assert scalar(session, "SELECT count(*) FROM grid") == before


# --- Exact coverage, checked independently of app.geo.coverage and app.geo.plan_check:
# plain Shapely overlay in the city's UTM zone (DESIGN.md: shared vertices, no sliver).

EXACT_M2 = 0.01


def _utm(session):
    return MetricFrame(city_utm(session))


def _leftovers(parent, children, frame):
    """area(parent − ∪children) and area(∪children − parent), in m², measured in UTM."""
    parent_m = frame.to_metric(parent)
    union_m = shapely.union_all(frame.to_metric(np.asarray(children, dtype=object)))
    return (shapely.area(shapely.difference(parent_m, union_m)),
            shapely.area(shapely.difference(union_m, parent_m)))


def _divisions(session):
    """(level, code, parent, children) for every community's grids and every other area's
    areas."""
    for community in session.scalars(select(Area).where(Area.level == "community").order_by(Area.code)):
        grids = shapes(session.scalars(select(Grid.geom).where(
            Grid.community_id == community.id, Grid.valid_to.is_(None)).order_by(Grid.code)).all())
        yield "community", community.code, to_shape(community.geom), grids
    for level in ("street", "district", "city"):
        for parent in session.scalars(select(Area).where(Area.level == level).order_by(Area.code)):
            children = shapes(session.scalars(select(Area.geom).where(
                Area.parent_id == parent.id).order_by(Area.code)).all())
            yield level, parent.code, to_shape(parent.geom), children


def test_children_cover_their_parent_exactly_by_an_independent_overlay(city_session):
    frame = _utm(city_session)
    found = []
    worst = {}
    for level, code, parent, children in _divisions(city_session):
        gap, spill = _leftovers(parent, children, frame)
        worst[level] = (max(worst.get(level, (0, 0))[0], gap), max(worst.get(level, (0, 0))[1], spill))
        if gap >= EXACT_M2 or spill >= EXACT_M2:
            found.append((code, round(gap, 4), round(spill, 4)))
    print("\nworst (gap, spill) m² by parent level:", worst, "over:", len(found), found)
    assert not found, found


def _shapely_findings(parent, children, frame):
    """What lies between a parent and its children from EXACT_M2 up, by plain overlay in
    metres: {"gap": [piece…], "overlap": [piece…], "outside": [piece…]}, pieces metric."""
    parent_m = frame.to_metric(parent)
    kids_m = frame.to_metric(np.asarray(children, dtype=object))
    left = shapely.get_parts(shapely.difference(parent_m, shapely.union_all(kids_m)))
    found = {"gap": [p for p in left if p.area >= EXACT_M2], "overlap": [], "outside": []}
    for i in range(len(kids_m)):
        spill = shapely.difference(kids_m[i], parent_m)
        if spill.area >= EXACT_M2:
            found["outside"].append(spill)
        for j in range(i + 1, len(kids_m)):
            common = shapely.intersection(kids_m[i], kids_m[j])
            if common.area >= EXACT_M2:
                found["overlap"].append(common)
    return found


def _plan_check_findings(parent, children, frame, rules):
    planned = [PlannedGrid(n, f"C{n}", "special", "parent", None, geom) for n, geom in enumerate(children)]
    check = check_plan(planned, parent, Communities.of({"parent": parent}), Buildings.of([], []),
                       rules, frame)
    return {kind: [p for p in check.problems if p.kind == kind] for kind in ("gap", "overlap", "outside")}


def _agree(parent, children, frame, rules, where):
    mine = _shapely_findings(parent, children, frame)
    theirs = _plan_check_findings(parent, children, frame, rules)
    for kind in mine:
        assert len(theirs[kind]) == len(mine[kind]), (where, kind, [p.area for p in mine[kind]],
                                                      [p.detail for p in theirs[kind]])
        assert sorted(p.detail["area_m2"] for p in theirs[kind]) == pytest.approx(
            sorted(p.area for p in mine[kind]), abs=0.051), (where, kind)   # reported to 0.1 m² above 1 m²
        pieces = shapely.union_all(mine[kind]) if mine[kind] else None
        for problem in theirs[kind]:        # its place: a point inside what the overlay found
            at = frame.to_metric(shapely.Point(problem.detail["at"]))
            assert pieces.distance(at) < 1e-3, (where, kind, problem.detail)
    return {kind: len(v) for kind, v in mine.items()}


def _metric_buffer(geom, metres, frame):
    return frame.to_wgs84(shapely.buffer(frame.to_metric(geom), metres, join_style="mitre"))


def test_the_plan_check_finds_exactly_what_an_independent_overlay_finds(city_session):
    rules = current_app.config["GRIDMAP"].grid_rules
    frame = _utm(city_session)
    seen = {"gap": 0, "overlap": 0, "outside": 0}
    for level, code, parent, children in _divisions(city_session):
        # as generated: nothing for either to find
        assert not any(_agree(parent, children, frame, rules, code).values()), code
        if len(children) < 2:
            continue
        # with a child pulled in by 5 cm and another pushed out by 3 cm: both find the same
        spoilt = list(children)
        spoilt[0] = _metric_buffer(spoilt[0], -0.05, frame)
        spoilt[1] = _metric_buffer(spoilt[1], 0.03, frame)
        for kind, count in _agree(parent, spoilt, frame, rules, f"{code} spoilt").items():
            seen[kind] += count
    print("\nspoilt divisions, findings both checks agree on:", seen)
    assert all(seen.values()), seen


def test_a_proposed_division_is_exact_once_filed_and_the_plan_check_agrees(city_session):
    """The generator offered to planners (planning.proposal) keeps to its communities too: the
    plan check finds nothing between them and the proposed grids, and once the plan is filed
    (each community taking the vertices its grids have on its outline) a plain overlay in
    metres finds nothing either, at every level, and agrees with the plan check. Rolled back,
    so the city stays as generated."""
    rules = current_app.config["GRIDMAP"].grid_rules
    frame = _utm(city_session)
    everything = Actor("test", None, Scope(everything=True))
    try:
        for street in city_session.scalars(select(Area).where(Area.level == "street").order_by(Area.code)).all():
            plan = proposal.propose(city_session, street.code, "", everything, rules,
                                    {"min_households": 200, "max_households": 600})
            found = problems.check_loaded(city_session, plan, rules).check.problems
            assert not [p.detail for p in found if p.kind in ("gap", "overlap", "outside", "edge")], street.code
            filing.file(city_session, plan, datetime.now(timezone.utc) + timedelta(days=1), "test")
        city_session.flush()
        city_session.expire_all()
        worst = {}
        for level, code, parent, children in _divisions(city_session):
            gap, spill = _leftovers(parent, children, frame)
            worst[level] = (max(worst.get(level, (0, 0))[0], gap), max(worst.get(level, (0, 0))[1], spill))
            assert gap < EXACT_M2 and spill < EXACT_M2, (code, gap, spill)
            _agree(parent, children, frame, rules, code)
    finally:
        city_session.rollback()
    print("\nproposed and filed: worst (gap, spill) m² by parent level:", worst)
