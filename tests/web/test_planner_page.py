"""The planner's page, where planners draw, in the real browser (zh-CN, a 1440×900 desk): the
first open shows the area as divided now; a split and a moved boundary are drawn with real
clicks that start and end inside grids; the problems, households and diff follow; a reviewer
gets no edit tool. Against the live test server on the Helsinki demo data."""
from __future__ import annotations

import pytest
import shapely
from shapely.geometry import LineString, Point, shape
from sqlalchemy import text

from app import db
from tests.web.test_pages import ARTIFACTS, browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import wait_until, watch_errors

DESK = {"width": 1440, "height": 900}
READY = "document.body.dataset.ready === 'true' && !window.gridmapPlanner.busy()"


@pytest.fixture()
def api(app, users):
    client = app.test_client()

    def call(method, path, role="planner", **kwargs):
        return client.open(path, method=method, headers={"Authorization": f"Bearer {users[role]['token']}"}, **kwargs)
    return call


def start(api, area):
    response = api("POST", "/api/v1/plans", json={"area": area})
    assert response.status_code == 201, response.json
    return response.json["id"]


def grids_of(api, plan):
    response = api("GET", f"/ogcapi/collections/plan-{plan}/items?limit=1000")
    return {f["id"]: f for f in response.json["features"]}


def community_codes(app):
    with app.app_context():
        session = db.session()
        try:
            return list(session.execute(text("SELECT code FROM area WHERE level = 'community' ORDER BY code")).scalars())
        finally:
            session.rollback()


def open_planner(browser, live_server, username, plan=None):
    page = browser.new_page(viewport=DESK, locale="zh-CN")
    errors = watch_errors(page)
    sign_in(page, live_server, username)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/planner" + (f"?plan={plan}" if plan else ""))
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wait_until(page, READY, 15)
    return page, errors


def click_at(page, point, double=False):
    pixel = page.evaluate(f"window.gridmapPlanner.pixel({point.x}, {point.y})")
    (page.mouse.dblclick if double else page.mouse.click)(pixel["x"], pixel["y"])


def inner_chord(polygon, fraction=0.5):
    """Two points inside the grid on an east–west line through it, a fifth in from each side."""
    minx, miny, maxx, maxy = polygon.bounds
    y = miny + (maxy - miny) * fraction
    across = polygon.intersection(LineString([(minx - 1, y), (maxx + 1, y)]))
    longest = max(shapely.get_parts(across), key=lambda part: part.length)
    return longest.interpolate(0.2, normalized=True), longest.interpolate(0.8, normalized=True)


def households(page):
    return page.eval_on_selector_all("#households tbody tr", "rows => rows.map(r => r.innerText)")


@pytest.mark.browser
def test_the_first_open_shows_the_planners_area_as_divided_now(browser, live_server, users, app):
    page, errors = open_planner(browser, live_server, users["planner"]["username"])
    with app.app_context():
        current = db.session().execute(text("SELECT count(*) FROM grid WHERE valid_to IS NULL")).scalar_one()
    assert page.evaluate("window.gridmapPlanner.gridCount()") == current
    assert page.locator("#households tbody tr").count() == current
    assert page.evaluate("window.gridmapPlanner.zoom()") >= 13          # the city, not the world
    assert "现行网格划分" in page.inner_text("#plan-name")
    assert not page.locator("#tools").is_visible()                      # nothing to edit here
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-first-open-zh-CN.png"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_a_planner_splits_a_grid_with_a_line_from_inside_it_to_inside_it(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[1])
    grids = grids_of(api, plan)
    # the grid most surrounded by others of the plan: every line through it starts among grids
    target = max(grids.values(), key=lambda f: sum(
        shape(f["geometry"]).intersection(shape(g["geometry"])).length for g in grids.values() if g is not f))
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    before = page.evaluate("window.gridmapPlanner.gridCount()")
    rows = households(page)
    zoom = page.evaluate("window.gridmapPlanner.zoom()")
    page.click("#tools button[data-tool='split']")
    start_at, end_at = inner_chord(shape(target["geometry"]))
    click_at(page, shape(target["geometry"]).representative_point())          # choose the grid
    wait_until(page, "window.gridmapPlanner.drawing()")
    click_at(page, start_at)                                                  # inside it
    click_at(page, end_at, double=True)                                       # inside it, to finish
    wait_until(page, f"window.gridmapPlanner.gridCount() === {before + 1} && !window.gridmapPlanner.busy()", 15)
    assert page.evaluate("window.gridmapPlanner.zoom()") == zoom               # the double-click did not zoom
    assert "已保存" in page.inner_text("#message")
    assert len(grids_of(api, plan)) == before + 1
    assert "no_worker" in page.evaluate("window.gridmapPlanner.problemKinds()")   # the new half
    assert page.locator("#problems li[data-kind='no_worker']").count() == 1
    assert len(households(page)) == len(rows) + 1 and households(page) != rows
    # the diff names the split grid and its new half, nothing else
    page.check("#show-diff")
    wait_until(page, "document.querySelector('#diff').dataset.changed !== undefined")
    assert page.get_attribute("#diff", "data-changed") == target["properties"]["code"]
    assert len(page.get_attribute("#diff", "data-added").split()) == 1
    diff_text = page.inner_text("#diff")
    assert "," not in diff_text and "：" in diff_text                           # Chinese punctuation
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-split-inside-zh-CN.png"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_a_planner_moves_a_shared_boundary_by_drawing_it_inside_the_grids(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[2])
    grids = grids_of(api, plan)
    a, b = next((a, b) for a in grids.values() for b in grids.values() if a["id"] < b["id"]
                and shape(a["geometry"]).intersection(shape(b["geometry"])).length > 0)
    shared = shapely.line_merge(shape(a["geometry"]).intersection(shape(b["geometry"])))
    shared = max(shapely.get_parts(shared), key=lambda part: part.length)
    inward = shape(b["geometry"]).representative_point()
    # the new boundary: the old one's ends, a little in from each, pushed a third of the way into b
    ends = [shared.interpolate(f, normalized=True) for f in (0.15, 0.85)]
    pushed = [Point(p.x + (inward.x - p.x) / 3, p.y + (inward.y - p.y) / 3) for p in ends]
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    rows = households(page)
    page.click("#tools button[data-tool='move']")
    click_at(page, shape(a["geometry"]).representative_point())
    click_at(page, shape(b["geometry"]).representative_point())
    wait_until(page, "window.gridmapPlanner.drawing()")
    click_at(page, pushed[0])
    click_at(page, pushed[1], double=True)
    wait_until(page, "document.querySelector('#message').textContent !== '' && !window.gridmapPlanner.busy()", 15)
    assert "已保存" in page.inner_text("#message"), page.inner_text("#message")
    now = grids_of(api, plan)
    assert shape(now[a["id"]]["geometry"]).area > shape(a["geometry"]).area
    assert shape(now[b["id"]]["geometry"]).area < shape(b["geometry"]).area
    assert now[a["id"]]["properties"]["version"] > a["properties"]["version"]
    # the problems were read again and the households follow the line
    assert page.evaluate("window.gridmapPlanner.problemCount()") >= 0
    page.check("#show-diff")
    wait_until(page, "document.querySelector('#diff').dataset.changed !== undefined")
    changed = set(page.get_attribute("#diff", "data-changed").split())
    assert changed <= {a["properties"]["code"], b["properties"]["code"]} and changed
    assert page.get_attribute("#diff", "data-added") == ""
    diff = api("GET", f"/api/v1/plans/{plan}/diff").json
    assert {m["from"] for m in diff["buildings"]} <= {a["properties"]["code"], b["properties"]["code"]}
    assert {m["to"] for m in diff["buildings"]} <= {a["properties"]["code"], b["properties"]["code"]}
    if diff["buildings"]:
        assert households(page) != rows
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_a_reviewer_sees_no_edit_tool(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[3])
    page, errors = open_planner(browser, live_server, users["reviewer"]["username"], plan)
    assert page.locator("#plan").is_visible()
    assert not page.locator("#tools").is_visible()
    assert page.locator("#tools button:visible").count() == 0
    assert not page.locator("#new-plan").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-reviewer-zh-CN.png"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_the_division_on_a_date_comes_from_a_date_picker(browser, live_server, users):
    page, errors = open_planner(browser, live_server, users["planner"]["username"])
    page.fill("#history-picker", "2020-01-01")          # before the demo city was filed: no grids
    wait_until(page, "document.querySelector('#history-date').textContent.startsWith('2020')")
    assert page.locator("#history-picker").get_attribute("max")
    assert not errors, errors
    page.close()
