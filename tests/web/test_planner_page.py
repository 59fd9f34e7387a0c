"""The planner's page, where planners draw, in the real browser (zh-CN, a 1440×900 desk): the
first open shows the area as divided now, each grid labelled with its name; a split and a
moved boundary are drawn with real clicks that start and end inside grids; the problems,
households and diff follow; a new grid is named and given its worker on the page, from the
workers of its area; undo and redo, which leave the plan's record the net change; the
one-click fixes for a tiny grid and a cut building; the plan kept in the address, and its
status in the dropdown after a workflow step; the division on a date; a reviewer gets no
edit tool. Against the live test server on the Helsinki demo data."""
from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import LineString, Point, mapping, shape
from sqlalchemy import text

from app import db
from app.geo.crs import frame_for
from app.geo.plan_edits import LEFTOVER_SHARE
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


def open_planner(browser, live_server, username, plan=None, locale="zh-CN"):
    page = browser.new_page(viewport=DESK, locale=locale)
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


def surrounded(grids):
    """The grid most surrounded by others of the plan: every line through it starts among grids."""
    return max(grids.values(), key=lambda f: sum(
        shape(f["geometry"]).intersection(shape(g["geometry"])).length for g in grids.values() if g is not f))


def draw_split(page, target):
    """Splits the grid on the page, as a planner does: the tool, the grid, a line inside it."""
    before = page.evaluate("window.gridmapPlanner.gridCount()")
    page.click("#tools button[data-tool='split']")
    start_at, end_at = inner_chord(shape(target["geometry"]))
    click_at(page, shape(target["geometry"]).representative_point())
    wait_until(page, "window.gridmapPlanner.drawing()")
    click_at(page, start_at)
    click_at(page, end_at, double=True)
    wait_until(page, f"window.gridmapPlanner.gridCount() > {before} && !window.gridmapPlanner.busy()", 15)


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


def tiny_piece(api, plan, grid, share=3 * LEFTOVER_SHARE):
    """Splits off a strip along the grid's east edge through the API, about `share` of it: a
    tiny grid (but more than the crumb a split gives to the piece beside it)."""
    geom = shape(grid["geometry"])
    frame = frame_for(geom)
    outline = frame.to_metric(geom)
    minx, miny, maxx, maxy = outline.bounds
    metres = 4.0
    while outline.intersection(shapely.box(maxx - metres, miny, maxx, maxy)).area < share * outline.area:
        metres *= 1.25
    line = frame.to_wgs84(LineString([(maxx - metres, miny - 20), (maxx - metres, maxy + 20)]))
    response = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": mapping(line), "versions": {grid["id"]: grid["properties"]["version"]}})
    assert response.status_code == 200, response.json
    return [f for f in response.json["features"] if f["id"] in response.json["created"]]


@pytest.mark.browser
def test_a_reviewer_sees_no_edit_tool(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[3])
    grids = grids_of(api, plan)
    tiny_piece(api, plan, max(grids.values(), key=lambda f: shape(f["geometry"]).area))
    page, errors = open_planner(browser, live_server, users["reviewer"]["username"], plan)
    assert page.locator("#plan").is_visible()
    assert not page.locator("#tools").is_visible()
    assert page.locator("#tools button:visible").count() == 0
    assert not page.locator("#new-plan").is_visible()
    assert not page.locator("#journal").is_visible()                    # no undo, no redo
    assert page.locator("#problems li").count() > 0                     # the problems, to read…
    assert page.locator("#problems button.fix").count() == 0            # …but no fix
    page.keyboard.press("Control+z")
    page.wait_for_timeout(300)
    assert page.evaluate("window.gridmapPlanner.gridCount()") == len(grids) + 1
    click_at(page, shape(next(iter(grids.values()))["geometry"]).representative_point())
    page.wait_for_timeout(300)
    assert not page.locator("#grid-form").is_visible()                  # nothing to name or staff
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-reviewer-zh-CN.png"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_a_new_grid_is_named_and_given_a_worker_on_the_page_after_a_split(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[0])
    grids = grids_of(api, plan)
    # a merge frees the worker of the grid merged away: the plan gives them no grid
    a, b = next((a, b) for a in grids.values() for b in grids.values() if a["id"] < b["id"]
                and shape(a["geometry"]).intersection(shape(b["geometry"])).length > 0)
    merged = api("POST", f"/api/v1/plans/{plan}/merge", json={
        "features": [a["id"], b["id"]], "versions": {a["id"]: 1, b["id"]: 1}})
    assert merged.status_code == 200, merged.json
    free = b["properties"]["worker"]
    with app.app_context():
        free_name = db.session().execute(text("SELECT name_zh FROM worker WHERE code = :c"), {"c": free}).scalar_one()
    grids = grids_of(api, plan)
    target = surrounded({i: f for i, f in grids.items() if i != a["id"]})       # not the merged one
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    draw_split(page, target)
    # a new grid is chosen, and the form for its names and worker is open on it
    made = [i for i in grids_of(api, plan) if i not in grids]
    [new] = page.evaluate("window.gridmapPlanner.selected()")
    assert new in made
    form = page.locator("#grid-form")
    assert form.is_visible() and form.get_attribute("data-feature") == str(new)
    assert "新网格" in form.locator("h3").inner_text()
    suggested = form.locator("input[name=name_zh]").input_value()
    assert suggested.endswith("网格") and form.locator("input[name=name_en]").input_value()
    options = form.locator("select[name=worker] option").all_inner_texts()
    assert any(free_name in o for o in options)                         # the freed worker, by name
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-new-grid-zh-CN.png"))
    form.locator("input[name=name_zh]").fill("滨河网格")
    form.locator("input[name=name_en]").fill("Riverside Grid")
    form.locator("select[name=worker]").select_option(free)
    form.locator("button[type=submit]").click()
    wait_until(page, "document.querySelector('#message').textContent !== '' && !window.gridmapPlanner.busy()", 15)
    assert "已保存" in page.inner_text("#message"), page.inner_text("#message")
    saved = grids_of(api, plan)[new]["properties"]
    assert (saved["name_zh"], saved["name_en"], saved["worker"]) == ("滨河网格", "Riverside Grid", free)
    assert not page.locator("#problems li[data-kind='no_worker']", has_text=saved["code"]).count()
    row = page.locator(f"#households tbody tr[data-id='{new}']")
    assert free_name in row.inner_text() and free not in row.inner_text()   # the worker by name
    assert not errors, errors
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_a_split_is_undone_with_ctrl_z_and_redone_with_the_button(browser, live_server, users, app, api, locale):
    plan = start(api, community_codes(app)[1])
    grids = grids_of(api, plan)
    target = surrounded(grids)
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan, locale)
    assert page.locator("#undo").is_disabled() and page.locator("#redo").is_disabled()
    draw_split(page, target)
    after = grids_of(api, plan)
    made = [i for i in after if i not in grids]
    assert made and not page.locator("#undo").is_disabled()
    page.keyboard.press("Control+z")            # the new grid's name field has the focus, untouched
    wait_until(page, f"window.gridmapPlanner.gridCount() === {len(grids)} && !window.gridmapPlanner.busy()", 15)
    assert ("已撤销：拆分网格" if locale == "zh-CN" else "Undone: Split") in page.inner_text("#message")
    back = grids_of(api, plan)
    assert set(back) == set(grids)
    assert back[target["id"]]["geometry"] == target["geometry"]          # exactly the grid it was
    assert page.locator("#undo").is_disabled() and not page.locator("#redo").is_disabled()
    assert page.locator("#events li.undone").count() == 1
    page.click("#redo")
    wait_until(page, f"window.gridmapPlanner.gridCount() === {len(after)} && !window.gridmapPlanner.busy()", 15)
    again = grids_of(api, plan)
    assert set(again) == set(after)
    assert all(again[i]["geometry"] == after[i]["geometry"] and again[i]["properties"]["code"] == after[i]["properties"]["code"]
               for i in after)
    assert page.locator("#events li.undone").count() == 0
    assert ("已重做" if locale == "zh-CN" else "Redone") in page.inner_text("#message")
    # the record shows the net change: the split once, no entry for its undo or its redo
    assert page.locator("#events li").count() == 2
    assert page.locator("#events li[data-action='undo'], #events li[data-action='redo']").count() == 0
    assert [e["action"] for e in api("GET", f"/api/v1/plans/{plan}").json["events"]] == ["created", "edit"]
    assert [e["action"] for e in api("GET", f"/api/v1/plans/{plan}?record=all").json["events"]] == [
        "created", "edit", "undo", "redo"]
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_a_tiny_grid_is_merged_into_its_neighbour_with_one_click(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[2])
    grids = grids_of(api, plan)
    grid = max(grids.values(), key=lambda f: shape(f["geometry"]).area)
    tiny = tiny_piece(api, plan, grid)
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    count = page.evaluate("window.gridmapPlanner.gridCount()")
    code = tiny[0]["properties"]["code"]
    item = page.locator("#problems li", has_text=code).filter(has=page.locator("button.fix")).first
    assert item.is_visible()
    item.locator("button.fix").click()
    wait_until(page, f"window.gridmapPlanner.gridCount() === {count - 1} && !window.gridmapPlanner.busy()", 15)
    now = grids_of(api, plan)
    assert tiny[0]["id"] not in now
    assert now[grid["id"]]["properties"]["code"] == grid["properties"]["code"]       # the neighbour keeps its own
    assert code not in page.inner_text("#problems")
    assert page.get_attribute("#undo", "data-op") == "merge_into_neighbour"
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_the_plan_chosen_stays_in_the_address_across_a_reload(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[3])
    page, errors = open_planner(browser, live_server, users["planner"]["username"])
    assert "现行网格划分" in page.inner_text("#plan-name")
    page.select_option("#plan-select", str(plan))
    wait_until(page, f"window.gridmapPlanner.plan() === {plan} && !window.gridmapPlanner.busy()", 15)
    assert page.url.endswith(f"/planner?plan={plan}")
    name = page.inner_text("#plan-name")
    page.reload()
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wait_until(page, READY, 15)
    assert page.evaluate("window.gridmapPlanner.plan()") == plan
    assert page.input_value("#plan-select") == str(plan) and page.inner_text("#plan-name") == name
    page.go_back()                                                      # Back: the current division again
    wait_until(page, "window.gridmapPlanner.plan() === null && !window.gridmapPlanner.busy()", 15)
    assert "现行网格划分" in page.inner_text("#plan-name")
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_the_division_on_a_date_comes_from_a_date_picker_and_says_when_there_was_none(browser, live_server, users):
    page, errors = open_planner(browser, live_server, users["planner"]["username"])
    # the slider's stops are labelled: before the first filing, each filing's date, now
    stops = page.locator("#history-stops .stop")
    assert stops.count() >= 3
    assert page.locator("#history-stops .stop span:visible").last.inner_text() == "现在"
    assert "前" in stops.first.inner_text()
    page.fill("#history-picker", "2020-01-01")          # before the demo city was filed: no grids
    wait_until(page, "document.querySelector('#history-date').textContent.startsWith('2020')")
    wait_until(page, "document.querySelector('#history-note').textContent !== ''")
    assert page.inner_text("#history-note").startswith("该日期尚无划分")
    assert page.locator("#history-picker").get_attribute("max")
    # a stop after the first filing: its grids, counted
    stops.nth(1).click()
    wait_until(page, "document.querySelector('#history-note').textContent.includes('个网格')")
    assert page.input_value("#history-picker") == ""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-history-zh-CN.png"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_grids_are_labelled_with_their_names_except_far_out(browser, live_server, users, app):
    page, errors = open_planner(browser, live_server, users["planner"]["username"])
    with app.app_context():
        session = db.session()
        try:
            grid_id, code, name = session.execute(text(
                "SELECT id, code, name_zh FROM grid WHERE valid_to IS NULL ORDER BY code LIMIT 1")).one()
        finally:
            session.rollback()
    page.evaluate("window.gridmapPlanner.setZoom(16)")
    page.wait_for_timeout(300)
    label = page.evaluate(f"window.gridmapPlanner.label({grid_id})")
    assert label and name in label and code in label, label
    page.evaluate("window.gridmapPlanner.setZoom(12)")             # the whole city and more
    page.wait_for_timeout(300)
    assert page.evaluate(f"window.gridmapPlanner.label({grid_id})") is None
    assert not errors, errors
    page.close()


def without_blocking_problems(api, app):
    """A plan of a community that has nothing blocking its submission."""
    for code in community_codes(app):
        plan = start(api, code)
        if api("GET", f"/api/v1/plans/{plan}/problems").json["blocking"] == 0:
            return plan
    raise AssertionError("every community's plan has a blocking problem")


@pytest.mark.browser
def test_the_plan_dropdown_says_the_status_a_workflow_step_leaves(browser, live_server, users, app, api):
    plan = without_blocking_problems(api, app)
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    option = page.locator(f"#plan-select option[value='{plan}']")
    assert "草稿" in option.inner_text()
    page.click("#workflow button[data-action='submit']")
    wait_until(page, "document.querySelector('#message').textContent !== '' && !window.gridmapPlanner.busy()", 15)
    assert "已提交审核" in page.inner_text("#message"), page.inner_text("#message")
    assert "已提交审核" in option.inner_text() and "草稿" not in option.inner_text()
    page.click("#workflow button[data-action='withdraw']")
    wait_until(page, "document.querySelector('#plan-status').textContent === '草稿' && !window.gridmapPlanner.busy()", 15)
    assert "草稿" in option.inner_text()
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_the_worker_list_offers_the_areas_workers_with_those_the_plan_places_nowhere_first(
        browser, live_server, users, app, api):
    code = community_codes(app)[0]
    plan = start(api, code)
    grids = grids_of(api, plan)
    grid = next(iter(grids.values()))
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    click_at(page, shape(grid["geometry"]).representative_point())
    form = page.locator("#grid-form")
    form.wait_for(state="visible")
    groups = form.locator("select[name=worker] optgroup")
    # a fresh copy places every worker of the community: they are all offered, saying where
    assert groups.count() == 1 and groups.first.get_attribute("label") == "本方案已安排网格"
    offered = groups.first.locator("option").all_inner_texts()
    assert len(offered) >= len(grids) - 1 and all("本方案负责" in o for o in offered)       # less its own
    # a merge frees a worker: offered first, with the community's own before others
    a, b = next((a, b) for a in grids.values() for b in grids.values() if a["id"] < b["id"]
                and a["id"] != grid["id"] and b["id"] != grid["id"]
                and shape(a["geometry"]).intersection(shape(b["geometry"])).length > 0)
    merged = api("POST", f"/api/v1/plans/{plan}/merge", json={
        "features": [a["id"], b["id"]], "versions": {a["id"]: 1, b["id"]: 1}})
    assert merged.status_code == 200, merged.json
    page.reload()
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wait_until(page, READY, 15)
    click_at(page, shape(grid["geometry"]).representative_point())
    form.wait_for(state="visible")
    assert groups.first.get_attribute("label") == "本方案尚未安排网格"
    assert groups.first.locator("option").evaluate_all("os => os.map(o => o.value)") == [b["properties"]["worker"]]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-worker-list-zh-CN.png"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_a_cut_building_is_put_whole_into_one_grid_with_one_click(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[0])
    grid = max(grids_of(api, plan).values(), key=lambda f: shape(f["geometry"]).area)
    with app.app_context():
        session = db.session()
        try:
            building, wkt = session.execute(text("""
                SELECT b.id, ST_AsText(b.geom) FROM building b
                WHERE ST_Contains(ST_Buffer(ST_GeomFromGeoJSON(:g), -0.0003), b.geom)
                ORDER BY ST_Area(b.geom) DESC LIMIT 1"""), {"g": json.dumps(grid["geometry"])}).one()
        finally:
            session.rollback()
    footprint = shapely.from_wkt(wkt)
    minx, miny, maxx, maxy = shape(grid["geometry"]).bounds
    x = footprint.bounds[0] + 0.3 * (footprint.bounds[2] - footprint.bounds[0])
    split = api("POST", f"/api/v1/plans/{plan}/split", json={
        "feature": grid["id"], "line": {"type": "LineString", "coordinates": [[x, miny - 1e-4], [x, maxy + 1e-4]]},
        "versions": {grid["id"]: grid["properties"]["version"]}})
    assert split.status_code == 200, split.json
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    cut = page.locator("#problems li[data-kind='cut_building']")
    count = cut.count()
    assert count >= 1
    fix = cut.locator("button.fix").first
    assert fix.inner_text().startswith("整栋划入 ")
    fix.click()
    wait_until(page, f"document.querySelectorAll(\"#problems li[data-kind='cut_building']\").length === {count - 1}"
               " && !window.gridmapPlanner.busy()", 15)
    assert "已保存" in page.inner_text("#message")
    assert page.get_attribute("#undo", "data-op") == "keep_building_whole"
    assert not {"gap", "overlap", "edge"} & set(page.evaluate("window.gridmapPlanner.problemKinds()"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_a_building_is_handed_over_by_clicking_it_inside_the_neighbouring_grid(browser, live_server, users, app, api):
    plan = start(api, community_codes(app)[1])
    grids = grids_of(api, plan)
    a, b = next((a, b) for a in grids.values() for b in grids.values() if a["id"] != b["id"]
                and shape(a["geometry"]).intersection(shape(b["geometry"])).length > 0)
    with app.app_context():
        session = db.session()
        try:
            # a building of b's near a (a hand-over goes to a neighbour), wholly inside b
            anchor = session.execute(text("""
                SELECT ST_AsText(ST_PointOnSurface(b.geom)) FROM building b
                WHERE b.households > 0
                  AND ST_Contains(ST_Buffer(ST_GeomFromGeoJSON(:b), -0.00005), b.geom)
                  AND ST_DWithin(b.geom::geography, ST_GeomFromGeoJSON(:a)::geography, 40)
                ORDER BY ST_Area(b.geom) DESC LIMIT 1"""),
                {"a": json.dumps(a["geometry"]), "b": json.dumps(b["geometry"])}).scalar_one()
        finally:
            session.rollback()
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan)
    wait_until(page, "window.gridmapPlanner.contextLoaded()", 15)
    page.click("#tools button[data-tool='handover']")
    click_at(page, shape(a["geometry"]).representative_point())      # the grid that receives
    click_at(page, shapely.from_wkt(anchor))                          # the building, inside b
    wait_until(page, "document.querySelector('#message').textContent !== '' && !window.gridmapPlanner.busy()", 15)
    now = grids_of(api, plan)
    moved = shapely.from_wkt(anchor)
    assert shape(now[a["id"]]["geometry"]).contains(moved), page.inner_text("#message")
    assert not shape(now[b["id"]]["geometry"]).contains(moved)
    assert len(now) == len(grids)
    assert not errors, errors
    page.close()


def open_in(browser, live_server, username, page_language, browser_locale, plan=None):
    """The planner in `page_language` (chosen on the page, remembered), in a browser that
    speaks `browser_locale`."""
    page = browser.new_page(viewport=DESK, locale=browser_locale)
    page.add_init_script(f"localStorage.setItem('gridmap.lang', '{page_language}')")
    errors = watch_errors(page)
    sign_in(page, live_server, username)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/planner" + (f"?plan={plan}" if plan else ""))
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wait_until(page, READY, 15)
    return page, errors


def calendar(page, field):
    """The calendar of a date field, opened: its month's name, weekday names and days."""
    page.click(f"#{field} + button.date-open")
    panel = page.locator(f"#{field} ~ .date-panel")
    panel.wait_for(state="visible")
    return (panel.locator(".date-month").inner_text(), panel.locator(".date-weekday").all_inner_texts(),
            panel)


@pytest.mark.browser
@pytest.mark.parametrize("page_language, browser_locale", [("zh", "en-US"), ("en", "zh-CN")])
def test_the_date_pickers_speak_the_pages_language_not_the_browsers(browser, live_server, users, page_language,
                                                                    browser_locale):
    page, errors = open_in(browser, live_server, users["planner"]["username"], page_language, browser_locale)
    chinese = page_language == "zh"
    assert page.get_attribute("#history-picker", "placeholder") == ("年-月-日" if chinese else "yyyy-mm-dd")
    month, weekdays, panel = calendar(page, "history-picker")
    if chinese:
        assert "年" in month and "月" in month, month
        assert weekdays == ["一", "二", "三", "四", "五", "六", "日"], weekdays
    else:
        assert any(name in month for name in ("January", "February", "March", "April", "May", "June", "July",
                                              "August", "September", "October", "November", "December")), month
        assert weekdays == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"], weekdays
    assert panel.locator("button[data-day]:enabled").count() >= 1
    panel.locator("button[data-step='-1']").click()           # a month back: a day of it is chosen
    day = panel.locator("button[data-day]").nth(14)
    chosen = day.get_attribute("data-day")
    day.click()
    wait_until(page, "document.querySelector('#history-note').textContent !== ''")
    shown = page.input_value("#history-picker")
    year, month_number, day_number = (int(n) for n in chosen.split("-"))
    if chinese:
        assert shown == f"{year}年{month_number}月{day_number}日", shown
    else:
        assert shown.startswith(f"{day_number} ") and shown.endswith(str(year)) and not any("\u4e00" <= c <= "\u9fff" for c in shown), shown
    assert page.locator(".date-panel:visible").count() == 0
    # the division at the end of that day in the city, whatever the browser's zone
    assert "23:59:59" in page.inner_text("#history-date") and str(day_number) in page.inner_text("#history-date")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"planner-date-{page_language}-in-{browser_locale}.png"))
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_the_filing_date_and_time_are_picked_in_the_pages_language(browser, live_server, users, app, api):
    plan = without_blocking_problems(api, app)
    assert api("POST", f"/api/v1/plans/{plan}/submit").status_code == 200
    assert api("POST", f"/api/v1/plans/{plan}/approve", role="reviewer").status_code == 200
    page, errors = open_in(browser, live_server, users["filer"]["username"], "zh", "en-US", plan)
    assert page.get_attribute("#workflow-date", "placeholder") == "年-月-日 时:分"
    month, weekdays, panel = calendar(page, "workflow-date")
    assert "年" in month and weekdays[0] == "一"
    assert panel.locator(".date-clock").inner_text().startswith("时间")
    panel.locator("button[data-step='-1']").click()
    day = panel.locator("button[data-day]").first
    chosen = day.get_attribute("data-day")
    panel.locator("input[aria-label='时']").fill("8")
    panel.locator("input[aria-label='分']").fill("30")
    day.click()
    year, month_number, day_number = (int(n) for n in chosen.split("-"))
    assert page.input_value("#workflow-date") == f"{year}年{month_number}月{day_number}日 08:30"
    # the value sent when filed: that moment, as the browser's clock reads it
    assert page.evaluate("document.querySelector('#workflow-date').dataset.value") == f"{chosen}T08:30"
    assert not errors, errors
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale, said", [("zh-CN", "生成建议方案：{grids} 个网格，每格 200–600 户"),
                                          ("en-GB", "proposed {grids} grids of 200–600 households")])
def test_a_proposals_record_says_its_grids_and_range_in_the_pages_language(browser, live_server, users, app, api,
                                                                            locale, said):
    response = api("POST", "/api/v1/plans", json={"area": community_codes(app)[2],
                                                  "propose": {"min_households": 200, "max_households": 600}})
    assert response.status_code == 201, response.json
    plan = response.json["id"]
    grids = len(grids_of(api, plan))
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan, locale)
    entry = page.locator("#events li[data-action=proposed]")
    assert entry.inner_text().endswith(said.format(grids=grids)), entry.inner_text()
    assert not errors, errors
    page.close()
