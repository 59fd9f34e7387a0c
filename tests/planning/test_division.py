"""The generated division obeys the field's rules on the real city and on the synthetic one:
grids tile their community and communities tile their street, with no gap and no overlap;
no building is cut by a grid line; every grid holds 300–1000 households; every grid has
exactly one full-time worker."""
import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import select, text

from app.geo.coverage import check_division
from app.geo.crs import frame_for
from app.models import Area, Building, Grid
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


def test_every_grid_holds_households_within_the_standard_range(app, city_session):
    rules = app.config["GRIDMAP"].grid_rules
    households = city_session.scalars(select(Grid.households).where(Grid.valid_to.is_(None))).all()
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
