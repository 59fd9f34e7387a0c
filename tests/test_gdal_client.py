"""A real desktop-GIS client: GDAL (Debian's gdal-bin, the library under QGIS) opens the OGC
API with HTTP Basic credentials, reads every collection, pages through one, applies a bbox,
and reads a vector tile back with its MVT driver."""
import json
import os
import shutil
import subprocess

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
