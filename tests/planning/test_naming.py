"""flask generate areas names a town after itself: the city, its streets and their codes come
from the administrative boundaries and places of its OpenStreetMap extract, or from
--city-name and --code-prefix; with neither, it refuses. No town is called Helsinki unless it is.

Monaco's extract holds its quarters (admin level 10) whole, and the city as a place node with a
Chinese name; Kotka's holds only suburbs and neighbourhoods, as points."""
import numpy as np
import pytest
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import select, text

from app import db
from app.geo.coverage import check_division
from app.geo.crs import frame_for
from app.models import Area, Building
from app.services.planning.naming import code_from
from tests.conftest import city_app, scalar

OSM = "gis_data/osm"
MONACO_QUARTERS = {"Fontvieille", "La Condamine", "La Rousse", "Larvotto", "Monaco-Ville", "Monte-Carlo"}


@pytest.fixture(scope="module")
def monaco(make_database):
    url = make_database("monaco")
    db.upgrade(url)
    return city_app(url, ["import", "osm", f"{OSM}/monaco.osm.pbf"], ["generate", "areas"])


@pytest.fixture()
def kotka(make_database):
    """Kotka's extract imported, not yet divided."""
    url = make_database("kotka")
    db.upgrade(url)
    return city_app(url, ["import", "osm", f"{OSM}/kotka.osm.pbf"])


def areas(app, level: str) -> list[Area]:
    with app.app_context():
        session = db.session()
        found = session.scalars(select(Area).where(Area.level == level).order_by(Area.code)).all()
        session.expunge_all()
        return found


def test_monaco_is_named_after_itself_in_chinese_and_english(monaco):
    [city] = areas(monaco, "city")
    assert (city.code, city.name_zh, city.name_en) == ("MON", "摩纳哥", "Monaco")
    [district] = areas(monaco, "district")
    assert (district.code, district.name_zh) == ("MON-01", "摩纳哥")
    everything = areas(monaco, "street") + areas(monaco, "community")
    assert not any("Helsinki" in a.name_en or "赫尔辛基" in a.name_zh for a in everything)


def test_monaco_has_one_street_per_quarter_that_holds_a_grid(monaco):
    streets = areas(monaco, "street")
    assert {s.name_en for s in streets} == MONACO_QUARTERS
    assert all(s.name_zh == s.name_en for s in streets)        # no quarter has a Chinese name
    assert [s.code for s in streets] == [f"MON-01-{n:02d}" for n in range(1, len(streets) + 1)]
    assert all(s.households >= 300 for s in streets)
    communities = areas(monaco, "community")
    assert {c.parent_id for c in communities} == {s.id for s in streets}


def test_monaco_streets_follow_its_quarters(monaco):
    with monaco.app_context():
        session = db.session()
        streets = {name: to_shape(geom) for name, geom in session.execute(
            select(Area.name_en, Area.geom).where(Area.level == "street"))}
        district = to_shape(session.scalar(select(Area.geom).where(Area.level == "district")))
        quarters = session.execute(text("""
            SELECT name, ST_AsBinary(geom) FROM place
            WHERE admin_level = 10 AND GeometryType(geom) = 'MULTIPOLYGON'""")).all()
    assert {name for name, _ in quarters} == MONACO_QUARTERS
    for name, wkb in quarters:
        quarter = shapely.from_wkb(wkb).intersection(district)
        # its own ground, less where the line bends around a building
        assert streets[name].intersection(quarter).area > 0.95 * quarter.area, name


def test_monaco_streets_tile_the_district_and_cut_no_building(monaco):
    with monaco.app_context():
        session = db.session()
        buildings = np.array([to_shape(g) for g in session.scalars(select(Building.geom))], dtype=object)
        [district] = session.scalars(select(Area).where(Area.level == "district")).all()
        streets = [to_shape(a.geom) for a in session.scalars(select(Area).where(Area.level == "street"))]
        report = check_division(to_shape(district.geom), streets, buildings, frame_for(buildings))
        assert report.ok, report


def test_reimporting_updates_boundaries_and_places_instead_of_duplicating(monaco):
    with monaco.app_context():
        before = scalar(db.session(), "SELECT count(*) FROM place")
    result = monaco.test_cli_runner().invoke(args=["import", "osm", f"{OSM}/monaco.osm.pbf"])
    assert result.exit_code == 0, result.output
    with monaco.app_context():
        assert scalar(db.session(), "SELECT count(*) FROM place") == before > 6


def test_a_town_nothing_names_is_refused_in_one_sentence(kotka):
    result = kotka.test_cli_runner().invoke(args=["generate", "areas"])
    assert result.exit_code == 1
    assert "pass --city-name and --code-prefix" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert areas(kotka, "city") == []


def test_a_chinese_name_alone_asks_for_a_code(kotka):
    result = kotka.test_cli_runner().invoke(args=["generate", "areas", "--city-name", "科特卡"])
    assert result.exit_code == 1 and "pass --code-prefix" in result.output
    assert areas(kotka, "city") == []


@pytest.mark.parametrize("prefix", ["K", "KOTKA12", "K-1", "1KT", "科特"])
def test_a_code_prefix_is_two_to_six_letters_or_digits(kotka, prefix):
    result = kotka.test_cli_runner().invoke(args=["generate", "areas", "--city-name", "科特卡",
                                                  "--code-prefix", prefix])
    assert result.exit_code == 2 and "--code-prefix" in result.output


def test_the_options_name_the_city_and_the_extract_its_street(kotka):
    result = kotka.test_cli_runner().invoke(args=["generate", "areas", "--city-name", "科特卡",
                                                  "--city-name-en", "Kotka", "--code-prefix", "ktk"])
    assert result.exit_code == 0, result.output
    [city] = areas(kotka, "city")
    assert (city.code, city.name_zh, city.name_en) == ("KTK", "科特卡", "Kotka")
    [street] = areas(kotka, "street")
    # Kotka's suburbs and neighbourhoods are points: the one nearest most buildings names it
    assert street.code == "KTK-01-01"
    assert street.name_en in {"Ristinkallio", "Helilä", "Suurniitty", "Marttila", "Malminki"}


def test_the_demo_extract_names_helsinki_itself(session):
    # the suite's city is generated with no option (tests/conftest.py): its names are the file's
    city = session.scalars(select(Area).where(Area.level == "city")).one()
    assert (city.code, city.name_zh, city.name_en) == ("HEL", "赫尔辛基", "Helsinki")
    assert scalar(session, "SELECT count(*) FROM area WHERE level = 'street'") == 1


@pytest.mark.parametrize("name, code", [("Monaco", "MON"), ("Helsinki", "HEL"), ("Évora", "EVO"),
                                        ("Ōita", "OIT"), ("北京", None), ("Xi", "XI")])
def test_a_code_is_made_from_the_first_letters_of_the_english_name(name, code):
    assert code_from(name) == code
