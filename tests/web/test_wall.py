"""The command-center wall, in the real browser: its layers and legend, the side panel, and a
report arriving live — against the live test server on the Helsinki demo data."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from app import db
from tests.web.test_pages import ARTIFACTS, browser, sign_in  # noqa: F401  (browser is a fixture)


def watch_errors(page) -> list[str]:
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    # with where it was thrown: a rare one is found from the first failure's message
    page.on("pageerror", lambda e: errors.append(f"{e} {getattr(e, 'stack', '') or ''}"))
    return errors


def open_wall(browser, live_server, users, locale="zh-CN", query=""):
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale=locale)
    errors = watch_errors(page)
    sign_in(page, live_server, users["operator"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)  # the home map first
    page.goto(f"{live_server}/wall{query}")
    page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    page.wait_for_selector("#connection[data-state='live']", timeout=10_000)
    return page, errors


def wait_until(page, expression: str, timeout: float = 5.0):
    """Polls an expression in the page (wait_for_function evaluates strings, which the
    page's CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s: {expression}")
        time.sleep(0.1)


def post_report(client, token, point, description):
    response = client.post("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"},
                           json={"category": "environment", "point": list(point), "description": description})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["properties"]["code"]


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_wall_shows_every_layer_with_a_legend_and_the_days_counts(browser, live_server, users, locale):
    page, errors = open_wall(browser, live_server, users, locale)
    legend = page.inner_text("#legend")
    switcher = page.inner_text(".leaflet-control-layers")
    # on by default, and in the legend: grids, incidents, workers, the quiet roads and buildings
    shown = {"zh-CN": ["网格", "楼栋", "道路", "事件", "网格员位置", "超时"],
             "en-GB": ["Grids", "Buildings", "Roads", "Incidents", "Grid workers", "Overdue"]}[locale]
    for word in shown:
        assert word in legend, word
    for word in shown[:4]:
        assert word in switcher, word
    # cameras, their coverage and blind spots and the heat map are there when asked for
    asked = {"zh-CN": ["视频监控", "监控盲区", "热力图"], "en-GB": ["Cameras", "Blind spots", "Heat map"]}[locale]
    for word in asked:
        assert word in switcher and word not in legend, word
    page.check(f".leaflet-control-layers label:has-text('{asked[1]}') input")
    wait_until(page, f"document.querySelector('#legend').innerText.includes('{asked[1]}')")
    # the counts come from the server; each is a number
    for key in ("reported", "open", "overdue", "closed"):
        assert page.inner_text(f".tile[data-count='{key}'] .n").isdigit()
    # big layers are vector tiles, read from our own server
    wait_until(page, "document.querySelectorAll('.leaflet-tile-container canvas').length > 0", 10)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"wall-{locale}.png"))
    assert errors == []
    page.close()


@pytest.mark.browser
def test_a_report_appears_on_the_wall_within_two_seconds_without_a_reload(
        browser, live_server, users, client, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "en-GB", "?kiosk=1")
    assert page.locator(".leaflet-control-layers").count() == 0     # kiosk: no controls
    before = page.evaluate("window.gridmapWall.incidents.count()")
    started = time.monotonic()
    code = post_report(client, users["operator"]["token"], a_grid_point, "wall test: a blocked drain")
    page.wait_for_selector(f"#ticker li[data-code='{code}']", timeout=2_000)
    assert page.evaluate(f"window.gridmapWall.incidents.has('{code}')")
    assert time.monotonic() - started < 2.0
    assert page.evaluate("window.gridmapWall.incidents.count()") == before + 1
    wait_until(page, "Number(document.querySelector(\".tile[data-count='open'] .n\").textContent) >= 1")
    page.screenshot(path=str(ARTIFACTS / "wall-live.png"))
    assert errors == []
    page.close()


@pytest.mark.browser
def test_an_operator_opens_an_incident_and_reassigns_it_from_the_wall(
        browser, live_server, users, client, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "en-GB")
    code = post_report(client, users["operator"]["token"], a_grid_point, "wall test: reassign me")
    page.wait_for_selector(f"#ticker li[data-code='{code}']", timeout=5_000)
    page.click(f"#ticker li[data-code='{code}']")
    page.wait_for_selector("#detail:not([hidden]) h2")
    assert code in page.inner_text("#detail h2")
    assert "History" in page.inner_text("#detail")
    # the card offers the steps the case's state allows: a dispatched case is not verified
    offered = page.eval_on_selector_all("#detail .actions button", "bs => bs.map(b => b.dataset.action)")
    assert "assign" in offered and "verify" not in offered and "rate" not in offered
    # reassigning needs a reason: the server's refusal, in the page's language
    page.click("#detail .actions button[data-action='assign']")
    page.select_option("#detail select[name=level]", "community")
    page.click("#detail button[type=submit]")
    wait_until(page, "document.querySelector('#detail form .error').textContent.length > 0")
    assert "reassigning needs a note" in page.inner_text("#detail form .error")
    page.fill("#detail input[name=note]", "needs the community's team")
    page.click("#detail button[type=submit]")
    wait_until(page, "document.querySelector('#detail').innerText.includes('needs the community')")
    incident = client.get(f"/api/v1/incidents?code={code}",
                          headers={"Authorization": f"Bearer {users['operator']['token']}"}).get_json()
    assert incident["features"][0]["properties"]["level"] == "community"
    # the browser logs the refused request itself; nothing else went wrong
    assert [e for e in errors if "422" not in e] == []
    page.close()


@pytest.mark.browser
def test_a_live_step_on_the_open_card_keeps_what_the_operator_was_typing(
        browser, live_server, users, client, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "en-GB")
    token = users["operator"]["token"]
    code = post_report(client, token, a_grid_point, "wall test: typed into")
    page.wait_for_selector(f"#ticker li[data-code='{code}']", timeout=5_000)
    page.click(f"#ticker li[data-code='{code}']")
    page.wait_for_selector("#detail:not([hidden]) .actions")
    page.click("#detail .actions button[data-action='assign']")
    page.select_option("#detail select[name=level]", "street")
    page.fill("#detail input[name=note]", "half-written note")
    incident = client.get(f"/api/v1/incidents?code={code}", headers={"Authorization": f"Bearer {token}"})
    incident_id = incident.get_json()["features"][0]["id"]
    commented = client.post(f"/api/v1/incidents/{incident_id}/events", headers={"Authorization": f"Bearer {token}"},
                            json={"action": "comment", "note": "a colleague's comment"})
    assert commented.status_code == 200, commented.get_json()
    # the card shows the colleague's step as it arrives, and the form still holds the draft
    wait_until(page, "document.querySelector('#detail').innerText.includes(\"a colleague's comment\")")
    assert page.input_value("#detail input[name=note]") == "half-written note"
    assert page.input_value("#detail select[name=level]") == "street"
    assert errors == []
    page.close()


def test_the_wall_summary_counts_a_new_report_in_its_grid_street_and_community(client, auth, users, a_grid_point):
    before = client.get("/api/v1/wall", headers=auth("operator")).get_json()
    code = post_report(client, users["operator"]["token"], a_grid_point, "wall test: counted")
    after = client.get("/api/v1/wall", headers=auth("operator")).get_json()
    incident = client.get(f"/api/v1/incidents?code={code}", headers=auth("operator")).get_json()["features"][0]
    grid = incident["properties"]["grid"]
    assert after["today"]["total"]["reported"] == before["today"]["total"]["reported"] + 1
    assert after["today"]["total"]["open"] == before["today"]["total"]["open"] + 1
    assert after["grid_load"]["grids"][grid]["open"] == before["grid_load"]["grids"].get(grid, {"open": 0})["open"] + 1
    community = {a["code"]: a for a in after["today"]["communities"]}[incident["properties"]["community"]["code"]]
    street = {a["code"]: a for a in after["today"]["streets"]}[incident["properties"]["street"]["code"]]
    assert community["reported"] >= 1 and street["reported"] >= community["reported"]
    assert set(after) >= {"now", "day_start", "overdue", "ranking"}
    # a viewer may not read incidents, so not the wall either
    assert client.get("/api/v1/wall", headers=auth("viewer")).status_code == 403


@pytest.mark.browser
def test_after_its_stream_drops_the_wall_catches_up_with_what_it_missed(
        app, browser, live_server, users, client, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "en-GB", "?kiosk=1")
    # the server ends every stream, as a restarting worker does; while the wall is away, a
    # report comes in
    app.extensions["gridmap.stream"].end_streams()
    page.wait_for_selector("#connection[data-state='lost']", timeout=5_000)
    missed = post_report(client, users["operator"]["token"], a_grid_point, "wall test: missed while away")
    # EventSource comes back by itself with Last-Event-ID and the server replays the report
    page.wait_for_selector(f"#ticker li[data-code='{missed}']", timeout=10_000)
    assert page.evaluate(f"window.gridmapWall.incidents.has('{missed}')")
    page.wait_for_selector("#connection[data-state='live']", timeout=5_000)
    assert errors == []
    page.close()


@pytest.mark.browser
def test_workers_live_positions_show_on_the_wall_and_a_click_draws_the_route(
        browser, live_server, users, client, auth, a_grid_point, session):
    from datetime import datetime, timedelta, timezone
    now = datetime.now(timezone.utc).replace(microsecond=0)
    lon, lat = a_grid_point
    fixes = [{"time": (now - timedelta(seconds=10 * (30 - i))).isoformat(), "lon": lon, "lat": lat + i * 1e-4,
              "accuracy": 5} for i in range(30)]
    assert client.post("/api/v1/positions", headers=auth("worker"), json={"fixes": fixes}).status_code == 200
    page, errors = open_wall(browser, live_server, users, "en-GB")
    wait_until(page, "window.gridmapWall.workers.count() >= 1")
    # this worker's marker (other tests' workers stand elsewhere), in view, clicked
    code = session.execute(text("SELECT w.code FROM worker w JOIN app_user u ON u.worker_id = w.id WHERE u.username = :u"),
                           {"u": users["worker"]["username"]}).scalar()
    page.evaluate(f"window.gridmapWall.map.setView(window.gridmapWall.workers.latLngOf('{code}'), 18, {{ animate: false }})")
    # (dispatched to the marker itself: other tests' cases may stand where this worker stands)
    page.dispatch_event(f".leaflet-marker-pane .w-{code}", "click")
    wait_until(page, "!!document.getElementById('map').dataset.route")
    assert "Route today" in page.inner_text("#legend")
    # the day plays back: the marker runs from the first fix to the last, then stops
    page.wait_for_selector("#playback:not([hidden])", timeout=5_000)
    page.select_option("#playback select", "600")
    page.evaluate("document.querySelector('#playback input').value = document.querySelector('#playback input').max - 200")
    page.click("#playback button >> nth=0")
    wait_until(page, "document.getElementById('playback').dataset.playing === 'false'")
    # (the day's other fixes come from other tests: the end is wherever the day ends)
    assert page.evaluate("document.getElementById('playback').dataset.at") == \
        page.evaluate("document.querySelector('#playback input').max") != "0"
    # between two fixes it glides; across a silence longer than five minutes it waits
    assert page.evaluate("""import('/static/js/wall/playback.js').then((m) => [
        m.positionAt([[0, 0, 0], [10, 10, 20]], 5), m.positionAt([[0, 0, 0], [1000, 10, 20]], 500)])""") == \
        [[5, 5, 10], [0, 0, 0]]
    # an incident near them: the card ranks the workers along the roads
    code = post_report(client, users["operator"]["token"], a_grid_point, "wall test: who is nearest")
    page.wait_for_selector(f"#ticker li[data-code='{code}']", timeout=5_000)
    page.click(f"#ticker li[data-code='{code}']")
    page.wait_for_selector("#detail .nearest li", timeout=5_000)
    assert "by road" in page.inner_text("#detail .nearest li >> nth=0")
    # the nearest is chosen by a click, by name, for the dispatch
    page.click("#detail .nearest li >> nth=0")
    name = page.inner_text("#detail .nearest li >> nth=0").split(" · ")[0]
    assert page.inner_text("#detail .chosen-worker") == name
    assert errors == []
    page.close()


@pytest.mark.browser
def test_an_operator_turns_a_camera_from_the_wall_and_its_coverage_follows(browser, live_server, users, session):
    page, errors = open_wall(browser, live_server, users, "en-GB")
    page.check(".leaflet-control-layers label:has-text('Cameras') input")
    # the cameras in view are asked for when the layer is shown
    wait_until(page, "window.gridmapWall.cameras().getLayers().length > 0", 10)
    camera = page.evaluate("""(() => { const layer = window.gridmapWall.cameras().getLayers()[0];
        layer.openPopup(); return layer.feature.id; })()""")
    page.wait_for_selector(f".camera-popup[data-camera='{camera}'] form")
    bearing, fov, estimated, before = session.execute(text("""
        SELECT c.bearing, c.fov, c.estimated, ST_AsBinary(cc.geom) FROM camera c
        LEFT JOIN camera_coverage cc ON cc.camera_id = c.id WHERE c.id = :id"""), {"id": camera}).one()
    turned = ((bearing or 0) + 90) % 360
    page.fill(".camera-form input[name=bearing]", str(turned))
    page.fill(".camera-form input[name=fov]", "90")
    page.click(".camera-form button[type=submit]")
    try:
        page.wait_for_selector(".camera-form .form-message:has-text('Done')", timeout=5_000)
    except Exception:
        raise AssertionError(page.inner_text(".camera-popup")) from None
    session.rollback()
    now, after = session.execute(text("""
        SELECT c.bearing, ST_AsBinary(cc.geom) FROM camera c LEFT JOIN camera_coverage cc ON cc.camera_id = c.id
        WHERE c.id = :id"""), {"id": camera}).one()
    assert now == turned and after != before
    assert errors == []
    page.close()
    from app.services.cameras import coverage as camera_coverage
    session.execute(text("UPDATE camera SET bearing = :b, fov = :f, estimated = :e WHERE id = :id"),
                    {"b": bearing, "f": fov, "e": estimated, "id": camera})
    session.commit()
    camera_coverage.refresh(session)


def test_the_wall_opens_on_the_area_its_reader_watches(client, auth, session):
    city = client.get("/api/v1/wall/extent", headers=auth("operator")).get_json()["bbox"]
    assert city == pytest.approx(list(session.execute(text("""
        SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (
            SELECT ST_Extent(geom) AS e FROM area WHERE parent_id IS NULL) s""")).one()), abs=1e-6)
    # a grid worker's wall opens on the grids they hold, within the city
    west, south, east, north = client.get("/api/v1/wall/extent", headers=auth("worker")).get_json()["bbox"]
    assert city[0] <= west < east <= city[2] and city[1] <= south < north <= city[3]
    assert (east - west) * (north - south) < (city[2] - city[0]) * (city[3] - city[1]) / 4
    assert client.get("/api/v1/wall/extent", headers=auth("viewer")).status_code == 403


@pytest.mark.browser
def test_grids_come_as_tiles_shaded_by_load_even_when_the_tiles_come_after_the_counts(
        browser, live_server, users, client, auth, a_grid_point):
    code = post_report(client, users["operator"]["token"], a_grid_point, "wall test: shades its grid")
    grid = client.get(f"/api/v1/incidents?code={code}", headers=auth("operator")).get_json()["features"][0]["properties"]["grid"]
    # the day's counts answer first and the grids' tiles a moment later, as on a busy server
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    errors = watch_errors(page)
    sign_in(page, live_server, users["operator"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    asked = []
    page.on("request", lambda r: asked.append(r.url))

    def late(route):
        time.sleep(1.5)
        route.continue_()
    page.route("**/tiles/grids/**", late)
    page.goto(f"{live_server}/wall")
    page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    # drawn in its class at once, not at the counts' next refresh half a minute on: a grid with a
    # report today is not in the first class ("nothing today")
    drawn = page.evaluate(f"window.gridmapWall.grids().drawnStyle('{grid}')")
    assert drawn is not None and drawn["fillColor"] != "#1e3a5f", drawn
    # a city's thousands of grids and communities are never asked for whole, as GeoJSON
    whole = [url for url in asked if "/ogcapi/collections/" in url and "/items" in url and "limit=1&" not in url
             and not url.endswith("limit=1")]
    assert whole == []
    assert any("/tiles/grids/" in url for url in asked) and any("/tiles/communities/" in url for url in asked)
    # the grid under the pointer says its name, code and today's figures
    x, y = page.evaluate(f"""(() => {{ const w = window.gridmapWall;
        const p = w.map.latLngToContainerPoint([{a_grid_point[1]}, {a_grid_point[0]}]);
        const box = w.map.getContainer().getBoundingClientRect(); return [box.left + p.x, box.top + p.y]; }})()""")
    page.evaluate("""(() => { const w = window.gridmapWall;
        for (const layer of [w.incidents.layer, w.workers.layer, w.pulses.layer]) w.map.removeLayer(layer); })()""")
    page.mouse.move(x, y)
    page.wait_for_selector(".grid-tooltip", timeout=5_000)
    said = page.inner_text(".grid-tooltip")
    assert grid in said and "今日" in said
    assert errors == []
    page.close()
