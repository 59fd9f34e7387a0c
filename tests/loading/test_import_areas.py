"""flask import areas: a town's own streets, communities and grids from the files its surveys
hand over — a GeoPackage in CGCS2000 Gauss-Krüger (EPSG:4549, 3° zone CM 120°E), a Shapefile in
UTM 51N, a GeoJSON in WGS84 — keyed by code, cleaned within a tolerance, the levels fitted where
they agree and every disagreement beyond it listed with its area and place; grids filed as
the current division, with their history.

The town lies in Hangzhou. It is drawn in UTM metres, with two flaws a real pair of surveys
has: a line between two communities drawn twice, 0.2 m apart at its ends and crossing in the
middle (noise, cleaned), and a community that leaves a 5 m strip of its street, under a grid
that reaches 3 m past it (both real, listed)."""
from __future__ import annotations

import sqlite3

import numpy as np
import pyogrio.raw
import pytest
import shapely
from geoalchemy2.shape import to_shape
from pyproj import Transformer
from sqlalchemy import select, text

from app import db
from app.geo.coverage import check_division
from app.geo.crs import MetricFrame
from app.models import Area, Grid
from app.services.planning import division_history
from tests.conftest import city_app, scalar

UTM = 32651
FRAME = MetricFrame(UTM)
X0, Y0 = (round(v) for v in Transformer.from_crs(4326, UTM, always_xy=True).transform(120.15, 30.27))


def box(x1, y1, x2, y2):
    return shapely.box(X0 + x1, Y0 + y1, X0 + x2, Y0 + y2)


STREETS = {"S1": box(0, 0, 1000, 800), "S2": box(1000, 0, 1800, 800)}
COMMUNITIES = {"C11": ("S1", box(0, 0, 500, 800)),
               "C12": ("S1", shapely.Polygon([(X0 + 500.2, Y0), (X0 + 1000, Y0), (X0 + 1000, Y0 + 800),
                                              (X0 + 499.8, Y0 + 800)])),   # C11's edge, ±0.2 m: noise
               "C21": ("S2", box(1000, 0, 1795, 800))}          # leaves 5 m of S2: real
GRIDS = {"G111": box(0, 0, 500, 400), "G112": box(0, 400, 500, 800),
         "G121": box(500, 0, 1000, 400), "G122": box(500, 400, 1000, 800),
         "G211": box(1000, 0, 1400, 800), "G212": box(1400, 0, 1795, 803)}   # 3 m past C21


def write(path, epsg: int, rows: list[tuple], fields: list[str]) -> str:
    """rows: (field values…, outline in UTM metres), written in `epsg` by GDAL."""
    move = Transformer.from_crs(UTM, epsg, always_xy=True)
    geoms = shapely.transform(np.array([r[-1] for r in rows], dtype=object),
                              lambda xy: np.column_stack(move.transform(xy[:, 0], xy[:, 1])))
    columns = [np.array([r[i] for r in rows], dtype=object) for i in range(len(fields))]
    driver = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON"}[path.suffix]
    pyogrio.raw.write(str(path), shapely.to_wkb(geoms), columns, fields, driver=driver,
                      geometry_type="Polygon", crs=f"EPSG:{epsg}")
    return str(path)


def grid_rows(grids: dict) -> list[tuple]:
    return [(code, f"网格{code}", f"Grid {code}", geom) for code, geom in grids.items()]


STREET_ARGS = ["--level", "street", "--code-field", "CODE", "--name-field", "NAME"]
COMMUNITY_ARGS = ["--level", "community", "--code-field", "CODE", "--name-field", "NAME",
                  "--parent-field", "STREET"]
GRID_ARGS = ["--level", "grid", "--code-field", "code", "--name-field", "name", "--name-en-field", "name_en"]


@pytest.fixture(scope="module")
def town(make_database, tmp_path_factory):
    url = make_database("import_areas")
    db.upgrade(url)
    app = city_app(url)
    folder = tmp_path_factory.mktemp("areas")
    files = {
        "streets": write(folder / "streets.gpkg", 4549,
                         [(c, f"街道{c}", g) for c, g in STREETS.items()], ["CODE", "NAME"]),
        "communities": write(folder / "communities.shp", UTM,
                             [(c, f"社区{c}", s, g) for c, (s, g) in COMMUNITIES.items()],
                             ["CODE", "NAME", "STREET"]),
        "grids": write(folder / "grids.geojson", 4326, grid_rows(GRIDS), ["code", "name", "name_en"]),
    }
    with app.app_context():       # an apartment block of 150 households in the middle of each grid
        session = db.session()
        for code, grid in GRIDS.items():
            middle = shapely.box(*shapely.buffer(shapely.centroid(grid), 10).bounds)
            session.execute(text("""
                INSERT INTO building (source_id, kind, households, population, geom)
                VALUES (:id, 'apartments', 150, 360, ST_Multi(ST_GeomFromText(:wkt, 4326)))"""),
                {"id": f"test:{code}", "wkt": FRAME.to_wgs84(middle).wkt})
        session.commit()
    runner = app.test_cli_runner()
    said = {}
    for level, args in (("streets", STREET_ARGS), ("communities", COMMUNITY_ARGS), ("grids", GRID_ARGS)):
        result = runner.invoke(args=["import", "areas", files[level], *args])
        assert result.exit_code == 0, result.output
        said[level] = result.output
    return app, runner, folder, files, said


def stored(session, code: str):
    geom = session.scalar(select(Area.geom).where(Area.code == code)) or session.scalar(
        select(Grid.geom).where(Grid.code == code, Grid.valid_to.is_(None)))
    return to_shape(geom)


def off_by_m(session, code: str, drawn) -> float:
    """How far the stored outline is from the one drawn, in metres, both ways."""
    return shapely.hausdorff_distance(FRAME.to_metric(stored(session, code)), drawn)


def test_each_file_is_read_in_its_own_crs_and_lands_within_centimetres(town):
    app, *_ = town
    with app.app_context():
        session = db.session()
        for code, drawn in STREETS.items():                 # GK CM 120°E
            assert off_by_m(session, code, drawn) < 0.01, code
        assert off_by_m(session, "C21", COMMUNITIES["C21"][1]) < 0.01        # UTM 51N
        for code in ("G111", "G121", "G211"):                                 # WGS84
            assert off_by_m(session, code, GRIDS[code]) < 0.01, code
        # the sliver between C11 and C12 is closed by moving one of them, by no more than it
        assert max(off_by_m(session, c, COMMUNITIES[c][1]) for c in ("C11", "C12")) < 0.25
        names = session.execute(text("SELECT name_zh, name_en FROM grid WHERE code = 'G111'")).one()
        assert tuple(names) == ("网格G111", "Grid G111")
    assert "(EPSG:4549)" in town[4]["streets"] and "(EPSG:32651)" in town[4]["communities"]


def test_levels_that_agree_within_the_tolerance_are_one_exact_coverage(town):
    app, *_ = town
    with app.app_context():
        session = db.session()
        c11, c12 = stored(session, "C11"), stored(session, "C12")
        for level in (["C11", "C12", "C21"], ["S1", "S2"]):    # each level one coverage, across parents
            assert shapely.coverage_is_valid(np.array([stored(session, c) for c in level], dtype=object))
        # the line drawn twice is one line: no slit is left in the street between its communities
        assert shapely.area(FRAME.to_metric(stored(session, "S1"))) == pytest.approx(1000 * 800, abs=0.5)
        assert len(stored(session, "S1").geoms) == 1 and not stored(session, "S1").geoms[0].interiors
        frame = FRAME
        assert check_division(stored(session, "S1"), [c11, c12], [], frame).ok
        for community, grids in (("C11", ["G111", "G112"]), ("C12", ["G121", "G122"])):
            report = check_division(stored(session, community), [stored(session, g) for g in grids], [], frame)
            assert report.ok, (community, report)
        parents = dict(session.execute(text("""
            SELECT a.code, p.code FROM area a LEFT JOIN area p ON p.id = a.parent_id""")).all())
        assert parents == {"S1": None, "S2": None, "C11": "S1", "C12": "S1", "C21": "S2"}


def square_metres(line: str) -> float:
    return float(line.split(": ", 1)[1].split(" m²")[0].split(" by ")[-1].replace(",", ""))


def test_mismatches_beyond_the_tolerance_are_listed_with_their_area_and_place(town):
    said = town[4]
    street_gap = next(line for line in said["communities"].splitlines() if line.startswith("  street S2:"))
    assert "belong to none of its communities" in street_gap
    assert square_metres(street_gap) == pytest.approx(5 * 800, rel=1e-4)
    outside = next(line for line in said["grids"].splitlines() if "of grid G212 lie outside it" in line)
    assert outside.startswith("  community C21: ") and square_metres(outside) == pytest.approx(395 * 3, rel=1e-4)
    lon, lat = (float(v) for v in outside.rsplit(" at ", 1)[1].split(", "))
    x, y = FRAME.to_metric(shapely.Point(lon, lat)).coords[0]
    assert X0 + 1400 < x < X0 + 1795 and Y0 + 800 < y < Y0 + 803      # in the strip past C21
    assert "community C11" not in said["grids"] and "street S1" not in said["communities"]
    assert "fitted to their children: C11, C12, S1" in said["grids"]


def test_grids_become_the_current_division_with_buildings_and_households(town):
    app, *_ = town
    said = town[4]["grids"]
    assert "6 grids have no full-time worker yet" in said
    with app.app_context():
        session = db.session()
        assert scalar(session, "SELECT count(*) FROM grid_plan WHERE status = 'filed'") == 2   # one per top area
        assert scalar(session, "SELECT count(*) FROM building WHERE grid_id IS NULL") == 0
        households = dict(session.execute(text("""
            SELECT code, households FROM grid WHERE valid_to IS NULL
            UNION ALL SELECT code, households FROM area""")).all())
        assert households["G111"] == 150 and households["C11"] == 300 and households["S1"] == 600


def test_importing_the_same_files_again_changes_and_duplicates_nothing(town):
    app, runner, _, files, _ = town
    with app.app_context():
        session = db.session()
        before = [scalar(session, f"SELECT count(*) FROM {t}") for t in ("area", "grid", "grid_plan")]
    for level, args in (("streets", STREET_ARGS), ("communities", COMMUNITY_ARGS), ("grids", GRID_ARGS)):
        result = runner.invoke(args=["import", "areas", files[level], *args])
        assert result.exit_code == 0, result.output
        assert ": 0 new, 0 changed" in result.output, result.output
    with app.app_context():
        session = db.session()
        assert [scalar(session, f"SELECT count(*) FROM {t}") for t in ("area", "grid", "grid_plan")] == before
    assert "m² of grid G212 lie outside it" in result.output      # what remains is said again


@pytest.mark.parametrize("case, message", [
    ("no_crs", "does not say its coordinate reference system"),
    ("lambert", "Lambert-93 (EPSG:2154), which is not accepted"),
    ("nul_gpkg", "has a NUL byte inside a value"),
    ("nul_geojson", "has a NUL byte inside a value"),
    ("nul_shp", "has a NUL byte inside a value"),
    ("broken", "cannot be read as a GeoPackage"),
    ("twice", "Code G111 appears twice"),
    ("nowhere", "Grid G999 lies in no community"),
    ("no_field", "has no field code (--code-field)"),
])
def test_a_file_that_cannot_be_imported_is_refused_in_one_sentence_and_writes_nothing(town, case, message):
    app, runner, folder, files, _ = town
    path, args = _bad_file(folder / case, case, files), GRID_ARGS
    if case == "no_field":
        args = STREET_ARGS[:2] + ["--code-field", "code", "--name-field", "NAME"]
    with app.app_context():
        session = db.session()
        counts = "SELECT (SELECT count(*) FROM area), (SELECT count(*) FROM grid), (SELECT count(*) FROM grid_plan)"
        before = tuple(session.execute(text(counts)).one())
    result = runner.invoke(args=["import", "areas", path, *args])
    assert result.exit_code == 1 and message in result.output, result.output
    error = result.output.split("Error: ", 1)[1].strip()
    assert "\n" not in error and error.endswith(".") and "Traceback" not in result.output
    with app.app_context():
        assert tuple(db.session().execute(text(counts)).one()) == before


def _bad_file(folder, case: str, files: dict) -> str:
    folder.mkdir()
    rows = grid_rows(GRIDS)
    fields = ["code", "name", "name_en"]
    if case == "no_crs":
        path = write(folder / "grids.shp", UTM, rows, fields)
        (folder / "grids.prj").unlink()
    elif case == "lambert":
        path = write(folder / "grids.gpkg", 2154, rows, fields)
    elif case == "nul_gpkg":
        path = write(folder / "grids.gpkg", 4549, rows, fields)
        with sqlite3.connect(path) as connection:      # GDAL's triggers need SpatiaLite's functions
            for (trigger,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
                connection.execute(f'DROP TRIGGER "{trigger}"')
            connection.execute("UPDATE grids SET name = 'G1' || char(0) || '11' WHERE code = 'G111'")
    elif case == "nul_geojson":
        path = str(folder / "grids.geojson")
        with open(files["grids"], encoding="utf-8") as original, open(path, "w", encoding="utf-8") as damaged:
            damaged.write(original.read().replace('"G112"', '"G1\\u000012"'))
    elif case == "nul_shp":
        path = write(folder / "grids.shp", UTM, rows, fields)
        dbf = folder / "grids.dbf"
        data = bytearray(dbf.read_bytes())
        data[data.index(b"G112") + 2] = 0           # G1\x002: GDAL would read "G1"
        dbf.write_bytes(bytes(data))
    elif case == "broken":
        path = str(folder / "grids.gpkg")
        with open(write(folder / "whole.gpkg", 4549, rows, fields), "rb") as whole:
            data = whole.read()
        with open(path, "wb") as broken:
            broken.write(data[:len(data) // 3])
    elif case == "twice":
        path = write(folder / "grids.geojson", 4326, rows + rows[:1], fields)
    elif case == "nowhere":
        path = write(folder / "grids.geojson", 4326, rows + [("G999", "网格G999", "Grid G999", box(5000, 0, 5100, 100))],
                     fields)
    else:
        path = files["streets"]
    return path


def test_a_changed_grid_closes_its_row_and_opens_a_new_one(town):
    """Runs last: it redraws the division. G111 is split in two, G212 drawn back inside C21;
    G112 changes too, by the vertex it gains where G111A and G111B meet it (shared vertices)."""
    app, runner, folder, _, _ = town
    grids = {k: v for k, v in GRIDS.items() if k != "G111"}
    grids.update(G111A=box(0, 0, 250, 400), G111B=box(250, 0, 500, 400), G212=box(1400, 0, 1795, 800))
    path = write(folder / "redrawn.geojson", 4326, grid_rows(grids), ["code", "name", "name_en"])
    result = runner.invoke(args=["import", "areas", path, *GRID_ARGS])
    assert result.exit_code == 0, result.output
    assert "7 grids from redrawn.geojson (EPSG:4326): 2 new, 2 changed, 3 unchanged" in result.output
    assert "community C21" not in result.output       # its grids tile it now; the street's gap remains
    with app.app_context():
        session = db.session()
        rows = session.execute(text("""
            SELECT code, valid_from, valid_to FROM grid WHERE code IN ('G111', 'G111A', 'G212', 'G121')
            ORDER BY code, valid_from""")).all()
        history = {}
        for row in rows:
            history.setdefault(row.code, []).append(row)
        assert len(history["G121"]) == 1 and history["G121"][0].valid_to is None     # kept its row
        assert [r.valid_to is None for r in history["G212"]] == [False, True]
        (g111,) = history["G111"]
        assert g111.valid_to == history["G111A"][0].valid_from
        lon, lat = FRAME.to_wgs84(shapely.Point(X0 + 250, Y0 + 200)).coords[0]     # G111's building
        assert division_history.held_on(session, lon, lat, g111.valid_from)["grid"] == "G111"
        building = scalar(session, """
            SELECT g.code FROM building b JOIN grid g ON g.id = b.grid_id WHERE b.source_id = 'test:G111'""")
        assert building in ("G111A", "G111B")
        assert scalar(session, "SELECT households FROM area WHERE code = 'C11'") == 300
