"""`flask generate city --preset zhenxing`: every street of the synthetic city carries the
published figures of Zhenxing street — 0.68 km², 28,000 households, 68,000 residents,
12 communities, 64 grids each with one grid worker, 42 street-chief road segments — and the
same seed builds the same city. The organic town of `--preset hexi` (not a lattice; its layout is
tested in tests/geo/test_synthetic_layouts.py) loads and divides the same way."""
import pytest
import shapely
from pyproj import Geod
from sqlalchemy import text

from app import db
from app.geo.synthetic import PRESETS, build_city
from tests.conftest import city_app, scalar

ZHENXING = PRESETS["zhenxing"]


def fingerprint(city):
    return ([(b.source_id, b.households, b.population, b.geom.wkb) for s in city.streets for b in s.buildings],
            [(r.source_id, r.geom.wkb) for r in city.roads],
            [(c.source_id, c.kind, c.bearing, c.status, c.geom.wkb) for c in city.cameras])


def test_the_same_seed_builds_the_same_city_and_another_seed_another():
    assert fingerprint(build_city(ZHENXING, 2, seed=5)) == fingerprint(build_city(ZHENXING, 2, seed=5))
    assert fingerprint(build_city(ZHENXING, 2, seed=5)) != fingerprint(build_city(ZHENXING, 2, seed=6))


@pytest.mark.parametrize("scale", [1, 3])
def test_every_street_has_the_published_area_households_and_residents(scale):
    city = build_city(ZHENXING, scale, seed=2)
    assert len(city.streets) == scale
    for street in city.streets:
        area_km2 = abs(Geod(ellps="WGS84").geometry_area_perimeter(street.boundary)[0]) / 1e6
        assert area_km2 == pytest.approx(0.68, rel=0.002)
        assert sum(b.households for b in street.buildings) == 28_000
        assert sum(b.population for b in street.buildings) == 68_000
        assert len(street.segments) == 42
        footprints = [b.geom for b in street.buildings]
        assert all(street.boundary.contains(f) for f in footprints)
        assert not shapely.union_all(footprints).is_empty
        assert sum(shapely.area(footprints)) == pytest.approx(shapely.union_all(footprints).area)


def test_no_building_stands_on_a_road():
    city = build_city(ZHENXING, 1, seed=3)
    roads = shapely.union_all([r.geom for r in city.roads])
    assert not any(b.geom.intersects(roads) for b in city.streets[0].buildings)


def test_the_loaded_city_has_the_figures_per_street(zhenxing_app):
    from app import db
    with zhenxing_app.app_context():
        session = db.session()
        rows = session.execute(text("""
            SELECT s.code, s.households, s.population,
                   (SELECT count(*) FROM area c WHERE c.parent_id = s.id) AS communities,
                   (SELECT count(*) FROM grid g JOIN area c ON c.id = g.community_id
                     WHERE c.parent_id = s.id AND g.valid_to IS NULL) AS grids,
                   (SELECT count(*) FROM road_segment r WHERE r.street_id = s.id) AS segments
            FROM area s WHERE s.level = 'street' ORDER BY s.code""")).all()
        assert [tuple(r)[1:] for r in rows] == [(28_000, 68_000, 12, 64, 42)] * 2
        # each segment has exactly one street chief, and nobody chiefs two segments
        chiefs = session.execute(text("""
            SELECT r.code, count(w.id) FROM road_segment r
            LEFT JOIN worker_assignment a ON a.road_segment_id = r.id AND a.valid_to IS NULL
            LEFT JOIN worker w ON w.id = a.worker_id AND w.role = 'street_chief'
            GROUP BY r.code""")).all()
        assert len(chiefs) == 84 and all(n == 1 for _, n in chiefs)
        assert scalar(session, "SELECT count(DISTINCT worker_id) FROM worker_assignment "
                               "WHERE road_segment_id IS NOT NULL") == 84
        assert scalar(session, "SELECT count(*) FROM camera") > 2 * 250


def test_generating_into_a_divided_database_is_refused(zhenxing_app):
    result = zhenxing_app.test_cli_runner().invoke(args=["generate", "city", "--scale", "1"])
    assert result.exit_code != 0 and "empty database" in result.output


def test_an_unknown_preset_is_named_in_the_error(zhenxing_app):
    result = zhenxing_app.test_cli_runner().invoke(args=["generate", "city", "--preset", "nowhere"])
    assert result.exit_code != 0 and "zhenxing" in result.output


@pytest.fixture(scope="module")
def hexi_app(make_database):
    """Two Hexi-sized organic towns side by side, generated as a user does."""
    url = make_database("hexi")
    db.upgrade(url)
    return city_app(url, ["generate", "city", "--preset", "hexi", "--scale", "2", "--seed", "3"])


def test_the_organic_town_loads_and_divides_to_its_figures(hexi_app):
    with hexi_app.app_context():
        session = db.session()
        rows = session.execute(text("""
            SELECT s.households, s.population,
                   (SELECT count(*) FROM area c WHERE c.parent_id = s.id) AS communities,
                   (SELECT count(*) FROM grid g JOIN area c ON c.id = g.community_id
                     WHERE c.parent_id = s.id AND g.valid_to IS NULL) AS grids,
                   (SELECT count(*) FROM road_segment r WHERE r.street_id = s.id) AS segments
            FROM area s WHERE s.level = 'street' ORDER BY s.code""")).all()
        assert [tuple(r) for r in rows] == [(18_000, 45_000, 8, 40, 36)] * 2
        # every building is in a grid, and the grids' households add up to the streets'
        assert scalar(session, "SELECT count(*) FROM building WHERE grid_id IS NULL") == 0
        assert scalar(session, "SELECT sum(households) FROM grid WHERE valid_to IS NULL") == 36_000
        assert scalar(session, "SELECT count(*) FROM building WHERE kind = 'house'") > 100
        classes = {c for (c,) in session.execute(text("SELECT DISTINCT class FROM road"))}
        assert classes <= {"primary", "secondary", "tertiary", "residential", "service"}
        chiefs = session.execute(text("""
            SELECT r.code, count(w.id) FROM road_segment r
            LEFT JOIN worker_assignment a ON a.road_segment_id = r.id AND a.valid_to IS NULL
            LEFT JOIN worker w ON w.id = a.worker_id AND w.role = 'street_chief'
            GROUP BY r.code""")).all()
        assert len(chiefs) == 72 and all(n == 1 for _, n in chiefs)
        assert scalar(session, "SELECT count(*) FROM camera") > 2 * 250
