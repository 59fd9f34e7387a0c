"""The basemaps Chinese deployments use, in the real browser (static/js/basemap.js): 天地图 with
the deployment's key under the wall, a GCJ-02 basemap (AMap, Tencent…) under the phone with our
WGS84 layers shifted onto it and a tap shifted back before it reaches the server, and the data
sources named in place of Leaflet's own prefix. No internet: 天地图 is answered by Playwright's
routes, the GCJ-02 basemap by a tile server of the test's own.

The shift is tested in Chromium, on the code the pages run (gcoord's forward formula and our
iterated inverse), not on a Python copy of the formula."""
from __future__ import annotations

import io
import math
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import text

from app import db
from app.config import Basemap, load_settings
from tests.conftest import PASSWORD, free_port, serve
from tests.web.test_pages import ARTIFACTS, browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import wait_until, watch_errors

PHONE = {"width": 390, "height": 844}

# Published WGS84 → GCJ-02 pairs (lat, lng → lat, lng): the test suite of googollee/eviltransform
# (go/transform_test.go, javascript/test.js: Shanghai, Shenzhen, Beijing), and the example of
# wandergis/coordtransform (test/app.js: wgs84togcj02(116.404, 39.915)).
PUBLISHED = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),
]


def with_basemap(app, monkeypatch, **fields):
    """The app's settings with this basemap while the test runs (each request reads them)."""
    monkeypatch.setitem(app.config, "GRIDMAP", replace(app.config["GRIDMAP"], basemap=Basemap(**fields)))


def metres(a, b) -> float:
    """Between two [lng, lat] a few metres apart, on the sphere."""
    lat = math.radians((a[1] + b[1]) / 2)
    return 6371008.8 * math.hypot(math.radians(a[0] - b[0]) * math.cos(lat), math.radians(a[1] - b[1]))


def attribution(page) -> str:
    return page.inner_text(".leaflet-control-attribution")


# -- settings -----------------------------------------------------------------------------------

def test_the_pages_let_images_in_from_the_basemaps_tile_servers_only():
    assert Basemap().origins == ()
    assert Basemap(tianditu_key="k").origins == ("https://*.tianditu.gov.cn",)
    amap = Basemap(url="https://webrd0{s}.is.autonavi.com/appmaptile?style=8&x={x}&y={y}&z={z}", datum="gcj02")
    assert amap.origins == ("https://*.is.autonavi.com",)        # CSP's wildcard is a whole label


@pytest.mark.parametrize("env, wrong", [
    ({"GRIDMAP_BASEMAP_URL": "https://t/{z}/{x}/{y}.png", "GRIDMAP_TIANDITU_KEY": "k"}, "two basemaps"),
    ({"GRIDMAP_TIANDITU_KEY": "k", "GRIDMAP_BASEMAP_DATUM": "gcj02"}, "CGCS2000"),
    ({"GRIDMAP_BASEMAP_URL": "https://t/{z}/{x}/{y}.png", "GRIDMAP_BASEMAP_DATUM": "bd09"}, "wgs84, gcj02"),
    ({"GRIDMAP_TIANDITU_KEY": "k", "GRIDMAP_TIANDITU_LAYERS": "ter"}, "vec, img"),
])
def test_a_basemap_set_two_ways_or_in_an_unknown_datum_is_refused_at_start(monkeypatch, env, wrong):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=wrong):
        load_settings()


def test_a_gcj02_basemap_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("GRIDMAP_BASEMAP_URL", "https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}")
    monkeypatch.setenv("GRIDMAP_BASEMAP_SUBDOMAINS", "1234")
    monkeypatch.setenv("GRIDMAP_BASEMAP_DATUM", "gcj02")
    monkeypatch.setenv("GRIDMAP_BASEMAP_ATTRIBUTION", "© 高德地图")
    basemap = load_settings().basemap
    assert (basemap.provider, basemap.datum, basemap.subdomains, basemap.attribution) == ("xyz", "gcj02", "1234", "© 高德地图")


# -- the shift ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def zhenxing_server(zhenxing_app):
    yield from serve(zhenxing_app)


@pytest.fixture(scope="module")
def zhenxing_worker(zhenxing_app):
    """An account for a full-time worker of the synthetic city in Shenyang (GCJ-02 shifts it by
    some 500 m), and the largest building of their grid: its footprint and a point inside."""
    from app.services.accounts import accounts
    assert zhenxing_app.test_cli_runner().invoke(args=["import", "categories"]).exit_code == 0   # to report in
    with zhenxing_app.app_context():
        session = db.session()
        worker, grid = session.execute(text("""
            SELECT w.code, g.id FROM worker w JOIN worker_assignment a ON a.worker_id = w.id AND a.valid_to IS NULL
            JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
            WHERE w.role = 'full_time' ORDER BY g.code LIMIT 1""")).one()
        name = "t_basemap_worker"
        if session.execute(text("SELECT 1 FROM app_user WHERE username = :n"), {"n": name}).first() is None:
            accounts.create_user(session, name, PASSWORD, "worker", worker_code=worker)
            session.commit()
        building = session.execute(text("""
            SELECT b.id, ST_AsGeoJSON(ST_ExteriorRing(ST_GeometryN(b.geom, 1)))::json -> 'coordinates',
                   ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom))
            FROM building b JOIN grid g ON g.id = :grid AND ST_Within(ST_PointOnSurface(b.geom), g.geom)
            ORDER BY ST_Area(b.geom) DESC LIMIT 1"""), {"grid": grid}).one()
    return {"username": name, "building": building[0], "ring": building[1], "inside": (building[2], building[3])}


def shift(page, ring, direction="toGcj02"):
    return page.evaluate(f"""async (ring) => {{
        const m = await import('/static/js/basemap.js');
        return ring.map((p) => m.{direction}(p)); }}""", ring)


@pytest.mark.browser
def test_the_gcj02_shift_meets_published_pairs_and_a_drawn_polygon_returns_within_a_centimetre(
        browser, zhenxing_server, zhenxing_worker):
    page = browser.new_page()
    errors = watch_errors(page)
    sign_in(page, zhenxing_server, zhenxing_worker["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    # the forward shift is the published one, to a millimetre or so (1e-8°)
    shifted = shift(page, [[lng, lat] for (lat, lng), _ in PUBLISHED])
    for (_, (lat, lng)), (got_lng, got_lat) in zip(PUBLISHED, shifted):
        assert abs(got_lng - lng) < 1e-8 and abs(got_lat - lat) < 1e-8, (lng, lat, got_lng, got_lat)
    # a building in Shenyang drawn on a GCJ-02 basemap at zoom 20 and read back from the screen,
    # as the map's CRS does for a drawn shape: where it was, within a centimetre, though the
    # basemap drew it hundreds of metres away
    ring = zhenxing_worker["ring"]
    back = page.evaluate("""async (ring) => {
        const m = await import('/static/js/basemap.js');
        const crs = m.gcj02Crs();
        return ring.map(([lng, lat]) => {
            const point = crs.latLngToPoint(L.latLng(lat, lng), 20);
            const drawn = crs.pointToLatLng(L.point(Math.round(point.x * 1e3) / 1e3, Math.round(point.y * 1e3) / 1e3), 20);
            return [drawn.lng, drawn.lat]; }); }""", ring)
    assert max(metres(a, b) for a, b in zip(ring, back)) < 0.01
    assert min(metres(a, b) for a, b in zip(ring, shift(page, ring))) > 100
    # and the other way: vertices drawn on the GCJ-02 basemap go to the server in WGS84 and come
    # back to the same place on it
    drawn = shift(page, ring)
    again = shift(page, shift(page, drawn, "fromGcj02"))
    assert max(metres(a, b) for a, b in zip(drawn, again)) < 0.01
    # anywhere in China, a degree apart (gcoord's own inverse, which stops within 1e-6°, misses
    # by more than a centimetre at one place in ten)
    lattice = [[lng + 0.5, lat + 0.5] for lng in range(73, 135) for lat in range(18, 54)]
    assert max(metres(a, b) for a, b in zip(lattice, shift(page, shift(page, lattice), "fromGcj02"))) < 0.01
    assert errors == []
    page.close()


def mercator_pixel(lng, lat, zoom):
    size = 256 * 2 ** zoom
    sin = math.sin(math.radians(lat))
    return (lng + 180) / 360 * size, (0.5 - math.log((1 + sin) / (1 - sin)) / (4 * math.pi)) * size


class FootprintTiles:
    """A GCJ-02 basemap of one building: its footprint in magenta on white, at zoom 18, where a
    GCJ-02 provider draws it; plain white tiles elsewhere."""

    ZOOM = 18

    def __init__(self):
        self.footprint = None
        self.asked = []
        tiles = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                tiles.asked.append(self.path)
                z, x, y = (int(n) for n in self.path.strip("/").removesuffix(".png").split("/"))
                body = tiles.tile(z, x, y)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/{{z}}/{{x}}/{{y}}.png"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def tile(self, z, x, y) -> bytes:
        image = Image.new("RGB", (256, 256), "white")
        if z == self.ZOOM and self.footprint:
            ImageDraw.Draw(image).polygon(
                [(px - x * 256, py - y * 256) for px, py in (mercator_pixel(lng, lat, z) for lng, lat in self.footprint)],
                fill=(255, 0, 255))
        out = io.BytesIO()
        image.save(out, "PNG")
        return out.getvalue()


def magenta_box(png: bytes):
    """The box of the basemap's footprint on the screen, under whatever we drew over it: the
    pixels whose green stays well below red and blue (no layer of ours is drawn in magenta)."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    xs, ys = [], []
    for i, (r, g, b) in enumerate(image.get_flattened_data()):
        if g < r - 20 and g < b - 15:
            xs.append(i % image.width)
            ys.append(i // image.width)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


@pytest.mark.browser
def test_on_a_gcj02_basemap_the_phone_draws_a_building_on_its_footprint_and_a_tap_is_filed_in_wgs84(
        browser, zhenxing_app, zhenxing_server, zhenxing_worker, monkeypatch):
    tiles = FootprintTiles()
    with_basemap(zhenxing_app, monkeypatch, url=tiles.url, datum="gcj02", attribution="© 测试底图")
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  geolocation={"longitude": zhenxing_worker["inside"][0], "latitude": zhenxing_worker["inside"][1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, zhenxing_server, zhenxing_worker["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    tiles.footprint = shift(page, zhenxing_worker["ring"])       # where a GCJ-02 basemap draws it
    page.goto(f"{zhenxing_server}/worker")
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    page.click("[data-tab='report']")                  # a tap on the map now says where it happened
    lon, lat = zhenxing_worker["inside"]
    page.evaluate(f"window.gridmapWorker.map.setView([{lat}, {lon}], {FootprintTiles.ZOOM}, {{ animate: false }})")
    wait_until(page, "[...document.querySelectorAll('img.leaflet-tile')].some((i) => i.src.includes('/18/') && i.complete)"
                     " && !document.querySelector('img.leaflet-tile:not(.leaflet-tile-loaded)')", 10)
    time.sleep(0.5)                                    # the vector tiles' canvases drawn
    ARTIFACTS.mkdir(exist_ok=True)
    shot = page.locator("#map").screenshot(path=str(ARTIFACTS / "basemap-gcj02-phone.png"))
    footprint = magenta_box(shot)
    assert footprint, "the basemap's footprint of the building is not on the screen"
    # our building (the grid's GeoJSON layer) is drawn over the basemap's footprint, to a pixel or two
    drawn = page.evaluate(f"""(() => {{ const map = window.gridmapWorker.map; let box = null;
        map.eachLayer((l) => {{ if (l.feature && l.feature.id === {zhenxing_worker['building']} && l._pxBounds) {{
            const a = map.layerPointToContainerPoint(l._pxBounds.min), b = map.layerPointToContainerPoint(l._pxBounds.max);
            box = [a.x, a.y, b.x, b.y]; }} }}); return box; }})()""")
    assert drawn and all(abs(f - d) <= 2.5 for f, d in zip(footprint, drawn)), (footprint, drawn)
    assert "测试底图" in attribution(page) and "OpenStreetMap" in attribution(page)
    # a tap just below the footprint the basemap shows (a tap on the building itself opens its
    # card) reaches the server in WGS84: a few metres from the building, not some 500 m
    below = 12
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + (footprint[0] + footprint[2]) / 2, box["y"] + footprint[3] + below)
    page.fill("#report textarea[name=description]", "basemap test: a tap on the GCJ-02 basemap")
    page.click("#report button[type=submit]")
    away = []
    deadline = time.monotonic() + 10
    while not away and time.monotonic() < deadline:
        time.sleep(0.2)
        with zhenxing_app.app_context():
            away = db.session().execute(text("""
                SELECT ST_Distance(b.geom::geography, i.geom::geography) FROM incident i, building b
                WHERE i.description = 'basemap test: a tap on the GCJ-02 basemap' AND b.id = :b"""),
                {"b": zhenxing_worker["building"]}).scalars().all()
    assert len(away) == 1, page.inner_text("#report-message")
    metres_per_pixel = 2 * math.pi * 6378137 * math.cos(math.radians(lat)) / (256 * 2 ** FootprintTiles.ZOOM)
    assert 1 < away[0] < below * metres_per_pixel + 1, away
    # beyond my grid the buildings are our vector tiles: shifted too, they cover the footprint
    # alone once the grid's own layers are taken off (bare magenta would show through otherwise)
    page.evaluate("""(() => { const map = window.gridmapWorker.map; const own = [];
        map.eachLayer((l) => { if (l instanceof L.GeoJSON) own.push(l); }); own.forEach((l) => map.removeLayer(l)); })()""")
    time.sleep(0.3)
    image = Image.open(io.BytesIO(page.locator("#map").screenshot())).convert("RGB").crop(
        (footprint[0] + 3, footprint[1] + 3, footprint[2] - 2, footprint[3] - 2))
    pixels = list(image.get_flattened_data())
    bare = [p for p in pixels if p[1] < 40 and p[0] > 200 and p[2] > 200]
    covered = [p for p in pixels if 90 < p[1] < 170 and p[0] > p[1] + 60 and p[2] > p[1] + 60]
    assert len(bare) < 0.05 * len(pixels) and len(covered) > 0.6 * len(pixels), (len(bare), len(covered), len(pixels))
    assert all(path.startswith("/") for path in tiles.asked) and any("/18/" in p for p in tiles.asked)
    assert errors == []
    context.close()
    tiles.server.shutdown()


# -- 天地图 ---------------------------------------------------------------------------------------

PNG = Image.new("RGB", (256, 256), "#f2efe9")
TILE = io.BytesIO()
PNG.save(TILE, "PNG")


@pytest.mark.browser
@pytest.mark.parametrize("locale, annotation, named", [("zh-CN", "cva", "天地图"), ("en-GB", "eva", "Tianditu")])
def test_tianditu_with_the_deployments_key_is_the_walls_basemap_with_its_names_and_attribution(
        browser, app, live_server, users, monkeypatch, locale, annotation, named):
    with_basemap(app, monkeypatch, tianditu_key="tk-test-0001")
    asked = []

    def answer(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE.getvalue())

    page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale=locale)
    page.route("https://*.tianditu.gov.cn/**", answer)     # no internet: 天地图 answered here
    errors = watch_errors(page)
    sign_in(page, live_server, users["operator"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    response = page.goto(f"{live_server}/wall")
    assert "https://*.tianditu.gov.cn" in response.headers["content-security-policy"]
    page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    wait_until(page, "document.querySelectorAll('img.leaflet-tile-loaded').length > 4", 10)

    def layers():
        return {url.split("LAYER=")[1].split("&")[0] for url in asked}
    assert {"vec", annotation} <= layers() and "img" not in layers()
    assert all(url.startswith("https://t") and ".tianditu.gov.cn/" in url and url.endswith("&tk=tk-test-0001")
               for url in asked)
    text_shown = attribution(page)
    assert named in text_shown and "GS(2024)0568号" in text_shown and "OpenStreetMap" in text_shown
    assert "Leaflet" not in text_shown
    # the imagery, with its own names, from the layer switcher
    imagery = {"zh-CN": "天地图影像", "en-GB": "Tianditu imagery"}[locale]
    page.check(f".leaflet-control-layers label:has-text('{imagery}') input")
    for layer in ("img", {"cva": "cia", "eva": "eia"}[annotation]):
        wait_until(page, f"[...document.querySelectorAll('img.leaflet-tile')].some((i) => i.src.includes('LAYER={layer}&'))", 10)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"basemap-tianditu-wall-{locale}.png"))
    assert errors == []
    page.close()


@pytest.mark.browser
def test_without_a_basemap_the_maps_name_openstreetmap_not_leaflet_and_ask_nothing_outside(browser, live_server, users):
    for role, path, ready in (("operator", "/wall", "#map[data-ready='true']"),
                              ("worker", "/worker", "#map[data-ready='true']"),
                              ("planner", "/planner", ".leaflet-control-attribution")):
        page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        outside = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) else None)
        sign_in(page, live_server, users[role]["username"])
        page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
        page.goto(f"{live_server}{path}")
        page.wait_for_selector(ready, timeout=30_000)
        assert attribution(page) == "© OpenStreetMap 贡献者", path
        assert page.locator(".leaflet-control-attribution a").get_attribute("href") == "https://www.openstreetmap.org/copyright"
        assert page.locator(".leaflet-control-attribution svg").count() == 0      # Leaflet's prefix and its flag
        assert outside == [], path
        page.close()
