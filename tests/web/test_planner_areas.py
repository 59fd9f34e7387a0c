"""The planner's current division at city scale, in the real browser: it shows one area at a
time — a street or a community, chosen in a selector every planner-page role has, the first
street unless another was chosen in this browser — its grids labelled, listed and fitted in the
view, over the rest of the city's grids from the vector tiles; the whole city's grids are never
asked for as GeoJSON; a new plan starts at the area shown. Against the live test server on the
Helsinki demo data (one street, four communities)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import text

from app import db
from tests.web.test_pages import ARTIFACTS, browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.web.test_planner_page import DESK, READY
from tests.web.test_wall import wait_until, watch_errors


def current_grids(app) -> dict[str, dict[str, set[int]]]:
    """The ids of the current grids of each street and each community, by level and code."""
    with app.app_context():
        session = db.session()
        try:
            rows = session.execute(text("""
                SELECT g.id, c.code AS community, s.code AS street FROM grid g
                JOIN area c ON c.id = g.community_id JOIN area s ON s.id = c.parent_id
                WHERE g.valid_to IS NULL""")).all()
        finally:
            session.rollback()
    areas: dict[str, dict[str, set[int]]] = {"street": {}, "community": {}}
    for row in rows:
        areas["street"].setdefault(row.street, set()).add(row.id)
        areas["community"].setdefault(row.community, set()).add(row.id)
    return areas


def area_list(app) -> list[str]:
    """Every street's code, each followed by its communities'."""
    with app.app_context():
        session = db.session()
        try:
            rows = session.execute(text("""
                SELECT s.code AS street, c.code AS community FROM area s
                LEFT JOIN area c ON c.parent_id = s.id AND c.level = 'community'
                WHERE s.level = 'street' ORDER BY s.code, c.code""")).all()
        finally:
            session.rollback()
    listed: list[str] = []
    for row in rows:
        listed += [code for code in (row.street, row.community) if code and code not in listed]
    return listed


def open_watched(browser, live_server, username, locale="zh-CN"):
    """The planner's page, with every request it makes kept (not those of the home page signed
    in to)."""
    page = browser.new_page(viewport=DESK, locale=locale)
    errors = watch_errors(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url)
            if "/planner" in request.headers.get("referer", "") else None)
    sign_in(page, live_server, username)
    page.wait_for_url(lambda url: "/login" not in url)
    page.goto(f"{live_server}/planner")
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wait_until(page, READY, 15)
    return page, errors, asked


def shown(page) -> dict:
    """What the current division shows: its grids on the map, their labels and table rows, and
    whether each grid lies inside the map's view."""
    return page.evaluate("""() => {
        const ids = [...document.querySelectorAll('#households tbody tr')].map((r) => Number(r.dataset.id));
        const map = document.getElementById('map').getBoundingClientRect();
        const inView = ids.every((id) => {
            const [nw, se] = window.gridmapPlanner.boundsOf(id);
            return nw.x >= -1 && nw.y >= -1 && se.x <= map.width + 1 && se.y <= map.height + 1;
        });
        return { drawn: window.gridmapPlanner.gridCount(), rows: ids, inView,
                 labels: [...document.querySelectorAll('#map .grid-label')].map((l) => l.textContent) };
    }""")


def choose_area(page, code):
    page.select_option("#area-select", code)
    wait_until(page, f"window.gridmapPlanner.area() === '{code}' && {READY}", 15)


def assert_shows(page, app, ids: set[int]):
    codes = codes_of(app, ids)
    # the labels of the area shown before fade out (Leaflet takes them away 200 ms on)
    wait_until(page, f"document.querySelectorAll('#map .grid-label').length === {len(ids)}", 3)
    now = shown(page)
    assert now["drawn"] == len(ids)
    assert set(now["rows"]) == ids
    assert now["inView"]
    assert len(now["labels"]) == len(ids)                    # a permanent label for each, and no more
    assert all(any(code in label for label in now["labels"]) for code in codes)


def codes_of(app, ids: set[int]) -> list[str]:
    with app.app_context():
        session = db.session()
        try:
            return list(session.execute(text("SELECT code FROM grid WHERE id = ANY(:ids)"), {"ids": list(ids)}).scalars())
        finally:
            session.rollback()


def grid_items_asked(asked: list[str]) -> list[dict]:
    return [parse_qs(urlsplit(url).query) for url in asked if urlsplit(url).path == "/ogcapi/collections/grids/items"]


@pytest.mark.browser
def test_the_current_division_shows_one_area_at_a_time_over_the_citys_grid_tiles(browser, live_server, users, app):
    areas = current_grids(app)
    first_street = min(areas["street"])
    one, other = sorted(areas["community"])[:2]
    page, errors, asked = open_watched(browser, live_server, users["planner"]["username"])
    # the first street, unless another was chosen: here, the whole of the test city
    assert areas["street"][first_street] == set().union(*areas["community"].values())
    assert page.evaluate("window.gridmapPlanner.area()") == first_street
    assert page.input_value("#area-select") == first_street
    assert_shows(page, app, areas["street"][first_street])
    assert page.input_value("#new-plan select[name=area]") == first_street
    choose_area(page, one)
    assert_shows(page, app, areas["community"][one])
    assert page.input_value("#new-plan select[name=area]") == one        # a new plan starts at the area shown
    choose_area(page, other)
    assert_shows(page, app, areas["community"][other])
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "planner-area-zh-CN.png"))
    # the rest of the city as tiles; the grids as GeoJSON only area by area
    assert any(urlsplit(url).path.startswith("/tiles/grids/") for url in asked)
    items = grid_items_asked(asked)
    assert [q.get("community") for q in items if "community" in q] == [[one], [other]]
    assert all("street" in q or "community" in q for q in items), items
    # the choice is kept in this browser
    page.reload()
    page.wait_for_selector("body[data-ready='true']", timeout=30_000)
    wait_until(page, READY, 15)
    assert page.evaluate("window.gridmapPlanner.area()") == other
    assert_shows(page, app, areas["community"][other])
    assert not errors, errors
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", ["reviewer", "filer"])
def test_every_role_of_the_planners_page_chooses_the_area_shown(browser, live_server, users, app, role):
    areas = current_grids(app)
    community = max(areas["community"])
    page, errors, asked = open_watched(browser, live_server, users[role]["username"], locale="en-GB")
    assert not page.locator("#new-plan").is_visible()                   # no new plan: not theirs to make
    assert page.locator("#area-select").is_visible()
    # each street, followed by its communities
    offered = page.eval_on_selector_all("#area-select option", "options => options.map((o) => o.value)")
    assert offered == area_list(app)
    choose_area(page, community)
    assert_shows(page, app, areas["community"][community])
    assert page.inner_text("label:has(#area-select) > span") == "Area shown"
    assert all("street" in q or "community" in q for q in grid_items_asked(asked))
    assert not errors, errors
    page.close()
