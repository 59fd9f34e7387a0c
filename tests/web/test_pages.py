"""The map page, in the real browser (Debian's headless Chromium, driven by Playwright)."""
import time

import pytest
from sqlalchemy import text

from app.config import ROOT
from tests.conftest import PASSWORD

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page, live_server, username, password=PASSWORD):
    page.goto(live_server + "/")
    page.wait_for_selector("form input[name=username]")   # sent to the login page first
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_map_shows_the_city_with_layers_and_a_legend_and_no_console_error(browser, live_server, users, locale):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale=locale)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)

    sign_in(page, live_server, users["operator"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    counts = page.evaluate("JSON.parse(document.getElementById('map').dataset.counts)")
    assert counts["grids"] >= 10 and counts["buildings"] > 400
    # the grid layer is drawn: one canvas path per grid is not inspectable, so check the map
    # holds the layer and the switcher lists it
    switcher = page.inner_text(".leaflet-control-layers")
    legend = page.inner_text("#legend")
    grid_word = "网格" if locale == "zh-CN" else "Grids"
    assert grid_word in switcher and grid_word in legend

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-{locale}.png"))
    assert errors == []
    assert external == []   # nothing from the internet: command centres are offline
    page.close()


def until(page, expression: str, timeout: float = 10.0):
    """Polls an expression in the page (wait_for_function evaluates strings, which the page's
    CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"not true within {timeout} s: {expression}"
        time.sleep(0.1)


def click_at(page, lon: float, lat: float, zoom: int):
    """Centres the map on a place at `zoom`, waits for every shown layer's tiles, clicks there."""
    page.evaluate(f"window.gridmapMap.closePopup().setView([{lat}, {lon}], {zoom}, {{ animate: false }}) && null")
    until(page, "!Object.values(window.gridmapMap._layers).some((l) => l.isLoading && l.isLoading())")
    x, y = page.evaluate(f"""(() => {{ const map = window.gridmapMap;
        const p = map.latLngToContainerPoint([{lat}, {lon}]);
        const box = map.getContainer().getBoundingClientRect(); return [box.left + p.x, box.top + p.y]; }})()""")
    page.mouse.click(x, y)
    page.wait_for_selector(".leaflet-popup-content", timeout=5_000)
    return page.inner_text(".leaflet-popup-content")


# no camera and no other part within 15 m of a place: a click there finds nothing drawn over it
NOTHING_OVER = """NOT EXISTS (SELECT 1 FROM camera c WHERE ST_DWithin(c.geom::geography, {0}::geography, 15))
    AND NOT EXISTS (SELECT 1 FROM part q WHERE q.id IS DISTINCT FROM {1}
                    AND ST_DWithin(q.geom::geography, {0}::geography, 15))"""


@pytest.mark.browser
def test_the_map_asks_for_no_layer_whole_and_a_click_opens_the_popup_of_what_is_there(
        browser, live_server, users, session):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale="zh-CN")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    sign_in(page, live_server, users["operator"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    asked = []
    page.on("request", lambda r: asked.append(r.url))
    page.reload()
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    # Whole at any scale: every layer comes as vector tiles over the reader's area; a layer's
    # items are only counted (limit=1), never asked for whole, not even the parts for the legend.
    items = [url for url in asked if "/ogcapi/collections/" in url and "/items" in url]
    assert items and all(url.endswith("/items?limit=1") for url in items), items
    assert {"grids", "buildings", "roads"} <= {url.split("/tiles/")[1].split("/")[0] for url in asked if "/tiles/" in url}
    # …and the counts are what the reader holds: the operator reads the whole city's buildings
    counts = page.evaluate("JSON.parse(document.getElementById('map').dataset.counts)")
    assert counts["buildings"] == session.execute(text("""
        SELECT count(*) FROM building b, area c WHERE c.parent_id IS NULL
        AND ST_Intersects(c.geom, ST_PointOnSurface(b.geom))""")).scalar_one() > 400
    # the parts' legend lists the standard's major classes, from the parts' queryables
    groups = page.locator("#legend .legend-group")
    assert groups.count() == 6 and "公用设施" in page.inner_text("#legend")

    # a click on a building opens its popup, in Chinese, with its address
    lon, lat, address = session.execute(text(f"""
        SELECT ST_X(p), ST_Y(p), address FROM (SELECT id, address, ST_PointOnSurface(geom) AS p FROM building) b
        WHERE address <> '' AND {NOTHING_OVER.format("b.p", "NULL")} ORDER BY id LIMIT 1""")).one()
    said = click_at(page, lon, lat, 17)
    assert "地址" in said and address in said

    # points stay clickable: a city part, once its layer is on, says its kind and its state
    page.check(".leaflet-control-layers label:has-text('部件') input")
    lon, lat, kind_zh, status = session.execute(text(f"""
        SELECT ST_X(t.geom), ST_Y(t.geom), k.name_zh, t.status FROM part t JOIN part_kind k ON k.code = t.kind
        WHERE t.status <> 'removed' AND {NOTHING_OVER.format("t.geom", "t.id")} ORDER BY t.id LIMIT 1""")).one()
    said = click_at(page, lon, lat, 18)
    assert kind_zh in said and {"in_use": "在用", "damaged": "损坏", "missing": "丢失", "disused": "停用"}[status] in said

    # buildings are drawn from a street's zoom: below it the legend says to zoom in (and the
    # switcher greys them)
    assert page.locator("#legend .legend-row.below-zoom[data-layer='buildings']").count() == 0
    page.evaluate("window.gridmapMap.setZoom(12, { animate: false }) && null")
    page.wait_for_selector("#legend .legend-row.below-zoom[data-layer='buildings'] >> text=放大后显示")
    assert page.is_disabled(".leaflet-control-layers label:has-text('楼栋') input")
    assert errors == []
    page.close()


@pytest.mark.browser
def test_a_viewer_signs_in_sees_public_layers_only_and_signs_out(browser, live_server, users):
    page = browser.new_page(locale="en-GB")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, users["viewer"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    counts = page.evaluate("JSON.parse(document.getElementById('map').dataset.counts)")
    assert "cameras" not in counts and counts["grids"] >= 10
    assert "t_viewer" in page.inner_text("header")
    page.click("form.account button")
    page.wait_for_selector("form input[name=username]")
    page.goto(live_server + "/")
    assert "/login" in page.url            # the session is gone
    assert errors == []
    page.close()


@pytest.mark.browser
def test_a_wrong_password_is_told_on_the_form(browser, live_server, users):
    page = browser.new_page(locale="zh-CN")
    sign_in(page, live_server, users["planner"]["username"], "wrong password")
    page.wait_for_selector(".error")
    assert "用户名或密码错误" in page.inner_text(".error")
    page.close()
