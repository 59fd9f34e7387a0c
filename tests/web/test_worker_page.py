"""The grid worker's phone view, in the real browser: my grid and whether I stand in it, my
tasks, and the outbox — a step taken without network is delivered exactly once when the
network returns, even when an answer is lost on the way back and the page is reloaded."""
from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from app import db
from tests.web.test_pages import ARTIFACTS, CHROMIUM_ARGS, browser, sign_in  # noqa: F401
from tests.web.test_wall import post_report, watch_errors

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def my_grid(app, users):
    """The t_worker's grid: a point inside it and one well outside."""
    with app.app_context():
        row = db.session().execute(text("""
            SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)),
                   ST_XMax(g.geom) + 0.01, ST_YMax(g.geom) + 0.01, g.name_zh, g.name_en
            FROM app_user u JOIN worker_assignment a ON a.worker_id = u.worker_id AND a.valid_to IS NULL
            JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL
            WHERE u.username = :name ORDER BY g.code LIMIT 1"""), {"name": users["worker"]["username"]}).one()
    return {"code": row[0], "inside": (row[1], row[2]), "outside": (row[3], row[4]),
            "name": {"zh": row[5], "en": row[6]}}


def open_phone(browser, live_server, users, where, locale="zh-CN"):
    context = browser.new_context(viewport=PHONE, locale=locale, geolocation={"longitude": where[0], "latitude": where[1]},
                                  permissions=["geolocation"], is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, live_server, users["worker"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)   # the home map first
    page.goto(f"{live_server}/worker")
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    return context, page, errors


def events_of(client, auth, code, action):
    listing = client.get(f"/api/v1/incidents?code={code}", headers=auth("operator")).get_json()
    incident = listing["features"][0]
    detail = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    return detail["properties"]["status"], [e for e in detail["properties"]["history"] if e["action"] == action]


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_phone_shows_my_grid_its_buildings_and_that_i_am_inside_it(browser, live_server, users, my_grid, locale):
    context, page, errors = open_phone(browser, live_server, users, my_grid["inside"], locale)
    # the grid by its name (和平社区第1网格), the code small beside it
    assert page.inner_text("#my-grid") == my_grid["name"][locale[:2]]
    assert page.inner_text("#my-grid-code") == my_grid["code"]
    page.wait_for_selector("#where[data-state='inside']", timeout=5_000)
    page.click("#legend summary")               # folded on the small map until asked for
    legend = page.inner_text("#legend")
    assert ("我的网格" if locale == "zh-CN" else "My grid") in legend
    # a tap on a building of my grid says what it is
    where = page.evaluate("""(() => { let at = null; window.gridmapWorker.map.eachLayer((l) => {
        if (!at && l.feature && l.feature.properties.address && l.getBounds) {
            const p = window.gridmapWorker.map.latLngToContainerPoint(l.getBounds().getCenter());
            at = [p.x, p.y, l.feature.properties.address]; } }); return at; })()""")
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + where[0], box["y"] + where[1])
    page.wait_for_selector(".leaflet-popup-content")
    # … in which grid, by its name, and opens its register
    assert my_grid["name"][locale[:2]] in page.inner_text(".leaflet-popup-content")
    page.wait_for_selector(".leaflet-popup-content [data-register]", state="visible", timeout=5_000)
    page.click(".leaflet-popup-close-button")
    # find a building of my grid by its address
    page.click("[data-tab='search']")
    first_address = page.evaluate("""() => { let a = null; window.gridmapWorker.map.eachLayer((l) => {
        if (!a && l.feature && l.feature.properties.address) a = l.feature.properties.address; }); return a; }""")
    assert first_address, "no building with an address in the worker's grid"
    page.fill("#search", first_address[:6])
    page.wait_for_selector("#search-results li[data-kind='building']")
    page.click("#search-results li[data-kind='building'] >> nth=0")
    page.wait_for_selector(".leaflet-popup-content")
    # … in which grid, by its name, and opens its register
    assert my_grid["name"][locale[:2]] in page.inner_text(".leaflet-popup-content")
    page.wait_for_selector(".leaflet-popup-content [data-register]", state="visible", timeout=5_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"worker-{locale}.png"))
    assert errors == []
    context.close()


@pytest.mark.browser
def test_standing_outside_my_grid_says_so(browser, live_server, users, my_grid):
    context, page, errors = open_phone(browser, live_server, users, my_grid["outside"], "en-GB")
    page.wait_for_selector("#where[data-state='outside']", timeout=5_000)
    assert "Outside" in page.inner_text("#where")
    # an arrow and the distance to the grid's nearest edge, and a button back to where I am
    page.wait_for_selector("#to-grid:not([hidden])")
    assert 500 < int(page.get_attribute("#to-grid", "data-metres")) < 3000
    assert "To my grid" in page.inner_text("#to-grid")
    page.click("#locate")
    centre = page.evaluate("window.gridmapWorker.map.getCenter()")
    assert abs(centre["lng"] - my_grid["outside"][0]) < 1e-4 and abs(centre["lat"] - my_grid["outside"][1]) < 1e-4
    assert errors == []
    context.close()


@pytest.mark.browser
def test_a_step_taken_offline_is_delivered_exactly_once_when_the_network_returns(
        browser, live_server, users, my_grid, client, auth):
    code = post_report(client, users["operator"]["token"], my_grid["inside"], "phone test: accept me offline")
    context, page, errors = open_phone(browser, live_server, users, my_grid["inside"], "en-GB")
    task = f"#tasks li[data-code='{code}']"
    page.wait_for_selector(task)

    context.set_offline(True)
    page.click(f"{task} button[data-action='accept']")
    page.wait_for_selector("#outbox[data-count='1']")
    time.sleep(0.5)
    assert events_of(client, auth, code, "accept") == ("assigned", [])      # nothing sent yet

    context.set_offline(False)
    page.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=10_000)
    status, accepted = events_of(client, auth, code, "accept")
    assert status == "accepted" and len(accepted) == 1
    page.screenshot(path=str(ARTIFACTS / "worker-delivered.png"))
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    context.close()


@pytest.mark.browser
def test_a_step_whose_answer_is_lost_survives_a_reload_and_is_not_done_twice(
        browser, live_server, users, my_grid, client, auth):
    code = post_report(client, users["operator"]["token"], my_grid["inside"], "phone test: lost answer")
    context, page, errors = open_phone(browser, live_server, users, my_grid["inside"], "en-GB")
    task = f"#tasks li[data-code='{code}']"
    page.wait_for_selector(task)
    page.click(f"{task} button[data-action='accept']")
    page.wait_for_selector(f"#tasks li[data-code='{code}'][data-status='accepted']")
    page.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=10_000)

    # the server does the step, but its answer never reaches the phone
    lost = []

    def lose_the_answer(route):
        route.fetch()
        lost.append(route.request.url)
        route.abort()
    page.route("**/api/v1/incidents/*/events", lose_the_answer)
    page.click(f"{task} button[data-action='start']")
    for _ in range(50):
        if lost:
            break
        page.wait_for_timeout(100)      # lets Playwright run the route handler
    assert lost
    page.wait_for_timeout(300)
    assert page.get_attribute("#outbox", "data-count") == "1"               # kept for a retry
    assert page.query_selector(f"{task} button[data-action='start']") is None   # not offered twice
    assert len(events_of(client, auth, code, "start")[1]) == 1                # done once already

    page.unroute("**/api/v1/incidents/*/events")
    page.reload()                                                            # the outbox is in IndexedDB
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    page.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=10_000)
    status, started = events_of(client, auth, code, "start")
    assert status == "in_progress" and len(started) == 1                     # the retry was recognised
    assert [e for e in errors if "ERR_FAILED" not in e] == []
    context.close()


@pytest.mark.browser
def test_a_report_made_offline_at_my_location_is_filed_once_in_my_grid(browser, live_server, users, my_grid, session):
    context, page, errors = open_phone(browser, live_server, users, my_grid["inside"], "en-GB")
    page.click("[data-tab='report']")
    page.fill("#report textarea[name=description]", "phone test: fallen tree, reported offline")
    page.click("#report button[type=submit]")
    assert "Choose a place" in page.inner_text("#report-message")       # the form says what is missing
    page.wait_for_selector("#where[data-state='inside']")     # the phone knows where it is
    page.click("#use-location")
    context.set_offline(True)
    page.click("#report button[type=submit]")
    page.wait_for_selector("#outbox[data-count='1']")
    context.set_offline(False)
    page.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=10_000)
    assert "Sent" in page.inner_text("#report-message")
    rows = session.execute(text("SELECT g.code FROM incident i JOIN grid g ON g.id = i.grid_id "
                                "WHERE i.description = 'phone test: fallen tree, reported offline'")).scalars().all()
    assert rows == [my_grid["code"]]
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    context.close()


@pytest.mark.browser
def test_the_phone_sends_where_i_walk_to_the_command_center(browser, live_server, users, my_grid, session):
    from datetime import datetime, timedelta, timezone
    opened = datetime.now(timezone.utc) - timedelta(seconds=2)
    context, page, errors = open_phone(browser, live_server, users, my_grid["inside"], "en-GB")
    page.wait_for_selector("#where[data-state='inside']", timeout=5_000)
    page.evaluate("window.gridmapWorker.sender.flush()")      # not waiting the half minute for the batch
    deadline = time.monotonic() + 10
    while page.evaluate("window.gridmapWorker.outbox.items().then((i) => i.length)"):
        assert time.monotonic() < deadline, "the batch of fixes was never delivered"
        time.sleep(0.2)
    session.rollback()
    stored = session.execute(text("""
        SELECT ST_Distance(p.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography)
        FROM position p JOIN app_user u ON u.worker_id = p.worker_id
        WHERE u.username = :name AND p.fixed_at >= :opened"""),
        {"lon": my_grid["inside"][0], "lat": my_grid["inside"][1], "name": users["worker"]["username"],
         "opened": opened}).scalars().all()
    assert stored and min(stored) < 1.0
    assert errors == []
    context.close()
