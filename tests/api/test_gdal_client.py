"""A real desktop-GIS client: GDAL (Debian's gdal-bin, the library under QGIS) opens the OGC
API with HTTP Basic credentials, reads every collection, pages through one, applies a bbox,
and reads a vector tile back with its MVT driver."""
import json
import os
import shutil
import subprocess
import sys

import pytest
from sqlalchemy import text

from tests.conftest import PASSWORD

pytestmark = pytest.mark.skipif(not shutil.which("ogrinfo"), reason="needs gdal-bin (make test installs it)")


@pytest.fixture()
def gdal(users):
    env = {**os.environ, "GDAL_HTTP_AUTH": "BASIC",
           "GDAL_HTTP_USERPWD": f"{users['operator']['username']}:{PASSWORD}",
           "CPL_DEBUG": "OFF", "GDAL_HTTP_TIMEOUT": "60"}

    def run(*args) -> str:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
        return done.stdout
    return run


def features_via_gdal(gdal, url, layer, *extra) -> list[dict]:
    out = gdal("ogr2ogr", "-f", "GeoJSON", "/vsistdout/", *extra, f"OAPIF:{url}", layer)
    return json.loads(out)["features"]


def test_gdal_lists_the_collections_and_reads_every_one(gdal, live_server, client, auth):
    listing = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{live_server}/ogcapi")
    collections = client.get("/ogcapi/collections", headers=auth("operator")).get_json()["collections"]
    for c in collections:
        assert c["id"] in listing
        # what the operator's scope holds (the city: roads running out of it are not theirs)
        matched = client.get(f"/ogcapi/collections/{c['id']}/items?limit=1",
                             headers=auth("operator")).get_json()["numberMatched"]
        got = features_via_gdal(gdal, f"{live_server}/ogcapi", c["id"])
        assert len(got) == matched, c["id"]


def test_gdal_pages_through_a_collection_bigger_than_a_page(gdal, live_server, session):
    total = session.execute(text("SELECT count(*) FROM building")).scalar_one()
    got = features_via_gdal(gdal, f"{live_server}/ogcapi", "buildings", "-oo", "PAGE_SIZE=100")
    assert total > 100 and len(got) == total
    assert len({f["properties"]["id"] if "id" in f["properties"] else json.dumps(f["geometry"])
                for f in got}) == total


def test_gdal_applies_a_bbox(gdal, live_server):
    everything = features_via_gdal(gdal, f"{live_server}/ogcapi", "buildings")
    corner = features_via_gdal(gdal, f"{live_server}/ogcapi", "buildings",
                               "-spat", "24.93", "60.16", "24.94", "60.165")
    assert 0 < len(corner) < len(everything)


def test_gdal_reads_a_vector_tile_back(gdal, live_server, client, auth, tmp_path):
    z, x, y = 16, 37308, 18969
    data = client.get(f"/tiles/buildings/{z}/{x}/{y}.mvt", headers=auth("operator")).data
    path = tmp_path / f"{y}.mvt"
    path.write_bytes(data)
    out = gdal("ogrinfo", "-ro", "-al", "-so", "-oo", f"Z={z}", "-oo", f"X={x}", "-oo", f"Y={y}", str(path))
    assert "Layer name: buildings" in out
    count = int(out.split("Feature Count: ")[1].split()[0])
    assert count > 10
    assert "households" in out and "address" in out


def test_gdal_reads_workers_fixes_and_routes_whose_ids_are_not_numbers(gdal, live_server, app, session):
    from datetime import datetime, timezone

    from app.services.field import tracks
    worker, lon, lat = session.execute(text("""
        SELECT a.worker_id, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
        FROM worker_assignment a JOIN grid g ON g.id = a.grid_id
        WHERE a.valid_to IS NULL AND g.valid_to IS NULL ORDER BY g.code LIMIT 1""")).one()
    first = datetime(2025, 5, 6, 2, 0, tzinfo=timezone.utc)
    session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": first})
    session.execute(text("""
        INSERT INTO position (worker_id, fixed_at, geom)
        SELECT :w, :at + n * interval '10.5 seconds', ST_SetSRID(ST_MakePoint(:lon, :lat + n * 0.0001), 4326)
        FROM generate_series(0, 24) n ON CONFLICT DO NOTHING"""), {"w": worker, "at": first, "lon": lon, "lat": lat})
    settings = app.config["GRIDMAP"]
    tracks.keep_finished(session, first.date(), settings.timezone, settings.positions)
    session.commit()
    fixes = features_via_gdal(gdal, f"{live_server}/ogcapi", "positions",
                              "-where", f"fixed_at >= '2025/05/06' AND fixed_at < '2025/05/07'")
    assert len(fixes) == 25
    routes = features_via_gdal(gdal, f"{live_server}/ogcapi", "tracks")
    assert any(r["properties"]["day"] == "2025-05-06" and r["properties"]["fixes"] == 25 for r in routes)


def test_gdal_sends_an_attribute_filter_to_the_server_and_counts_match(users, live_server, session):
    """GDAL finds the filter language in the OpenAPI document and the queryables of the layer,
    and sends the -where as a CQL filter: the server filters, GDAL's count is the database's.
    (Debian's GDAL 3.6 writes comparisons of text only, not LIKE or NOT; it keeps the rest to
    itself and filters on the client.)"""
    env = {**os.environ, "GDAL_HTTP_AUTH": "BASIC", "CPL_DEBUG": "ON",
           "GDAL_HTTP_USERPWD": f"{users['operator']['username']}:{PASSWORD}"}
    done = subprocess.run(["ogr2ogr", "-f", "GeoJSON", "/vsistdout/", "-where",
                           "kind = 'apartments' OR kind = 'house'",
                           f"OAPIF:{live_server}/ogcapi", "buildings"],
                          env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    sent = [line for line in done.stderr.splitlines() if "Fetch(" in line and "buildings/items" in line]
    assert any("filter=" in line and "house" in line for line in sent), sent
    assert "evaluated on client side" not in done.stderr
    expected = session.execute(text("SELECT count(*) FROM building WHERE kind IN ('apartments', 'house') "
                                    "")).scalar_one()
    assert 0 < len(json.loads(done.stdout)["features"]) == expected


# GDAL 3.12 inside pyogrio's wheel (a dependency) asks for a CRS (-oo CRS=…, Part 2); Debian's
# 3.6 cannot. It runs in its own process: the live server shares this one.
READ_IN_CRS = """
import json, sys
from pyogrio import raw, set_gdal_config_options
set_gdal_config_options({"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": sys.argv[2]})
meta, fids, geometry, fields = raw.read(sys.argv[1], layer="grids", return_fids=False, CRS="EPSG:4490",
                                        where="code = '" + sys.argv[3] + "'")
from shapely import from_wkb
print(json.dumps({"crs": meta["crs"], "wkt": from_wkb(geometry[0]).wkt, "count": len(geometry)}))
"""


def test_gdal_reads_a_layer_in_cgcs2000_where_postgis_puts_it(users, live_server, session):
    from shapely import from_wkt
    code, wkt = session.execute(text("SELECT code, ST_AsText(ST_Transform(geom, 4490)) FROM grid "
                                     "WHERE valid_to IS NULL ORDER BY code LIMIT 1")).one()
    done = subprocess.run([sys.executable, "-c", READ_IN_CRS, f"OAPIF:{live_server}/ogcapi",
                           f"{users['operator']['username']}:{PASSWORD}", code],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    assert got["crs"] == "EPSG:4490" and got["count"] == 1
    # GDAL hands geometries back in the traditional x = longitude order
    assert from_wkt(got["wkt"]).equals_exact(from_wkt(wkt), tolerance=1e-7)


def test_gdal_types_the_fields_from_the_schema(gdal, live_server):
    """Field types come from /collections/{id}/schema (the describedBy link): a building's
    levels is a number and a grid's valid_to a time, though no current grid has one."""
    buildings = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}/ogcapi", "buildings")
    grids = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{live_server}/ogcapi", "grids")
    assert "levels: Real" in buildings and "households: Integer" in buildings
    assert "valid_to: DateTime" in grids and "valid_from: DateTime" in grids


# -- vector tiles through OGC API – Tiles -------------------------------------------------------
# GDAL's OGCAPI driver cuts a vector tileset by the collection's extent.spatial.bbox taken as
# coordinates of the tile matrix set's CRS (frmts/ogcapi/gdalogcapidataset.cpp, up to 3.12:
# InitFromCollection reads the bbox, and InitWithTilesAPI's vector branch divides it by the cell
# sizes as it is, where its raster branch transforms a CRS84 one). OGC API – Features gives that
# bbox in CRS84, so the driver reads with no extent given from the WorldCRS84Quad tileset, which
# it prefers; from WebMercatorQuad only with -oo MINX… (tests/api/test_ogc_tiles.py).
# Debian's 3.6 reads no vector tiles through the driver, whatever a server answers: 3.6 put its
# vector branch behind #ifdef OGR_ENABLE_DRIVER_GML (OSGeo/gdal#6648, #6651), which the driver's
# CMake target defines only from 3.7.1 (#7993, #7994), and libgdal.so.32 holds none of the
# branch's words ("vectorType"); its TileMatrixSet::parse (gcore/tilematrixset.cpp) reads only
# the 1.0 encoding of a tile matrix set until 3.8 (#8130) besides. So pyogrio's 3.12 reads them,
# in its own process: the live server shares this one.
READ_TILES = """
import json, sys
from pyogrio import list_layers, raw, set_gdal_config_options
from shapely import from_wkb, total_bounds
set_gdal_config_options({"GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": sys.argv[2]})
layers = [str(name) for name, _ in list_layers(sys.argv[1])]
meta, _, geometry, fields = raw.read(sys.argv[1], layer=layers[0])
print(json.dumps({"layers": layers, "crs": meta["crs"], "fields": list(meta["fields"]), "count": len(geometry),
                  "bounds": [float(v) for v in total_bounds(from_wkb(geometry))]}))
"""


def test_gdal_reads_the_buildings_vector_tiles_with_no_extent_given(users, live_server, client, auth):
    done = subprocess.run([sys.executable, "-c", READ_TILES, f"OGCAPI:{live_server}/ogcapi/collections/buildings",
                           f"{users['operator']['username']}:{PASSWORD}"], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)
    operator = auth("operator")
    tileset = client.get("/ogcapi/collections/buildings/tiles/WorldCRS84Quad", headers=operator).get_json()
    collection = client.get("/ogcapi/collections/buildings", headers=operator).get_json()
    matched = client.get("/ogcapi/collections/buildings/items?limit=1", headers=operator).get_json()["numberMatched"]
    # a layer per tile matrix the buildings are drawn in, the coarsest first, in one tile of it
    limits = tileset["tileMatrixSetLimits"]
    assert got["layers"] == [f"Zoom level {lim['tileMatrix']}" for lim in limits]
    assert (limits[0]["minTileRow"], limits[0]["minTileCol"]) == (limits[0]["maxTileRow"], limits[0]["maxTileCol"])
    assert "CRS84" in got["crs"] and {"address", "households", "grid"} <= set(got["fields"])
    # every building the operator may read, where PostGIS has them (to a 4096th of the tile)
    assert got["count"] == matched > 100
    unit = 180 / 2 ** int(limits[0]["tileMatrix"]) / 4096
    assert got["bounds"] == pytest.approx(collection["extent"]["spatial"]["bbox"][0], abs=unit)
