"""Special grids (专属网格) on the pages, in the real browser against the live test server on
the Helsinki demo data (whose schools, university, parks and market hall `generate areas`
carved out): the planner marks a grid special with its kind of site from the grid's form and
back, and sees it drawn apart; the wall outlines special grids apart with a legend row, and
ranks a special grid's cases in a list of its own."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app import db
from tests.web.test_pages import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)
from tests.web.test_planner_page import READY, api, open_planner, start  # noqa: F401  (api is a fixture)
from tests.web.test_wall import open_wall, post_report, wait_until


def a_grid(app, kind: str, site_kind: str | None = None):
    """(code, community, a point inside) of the first current grid of the kind."""
    with app.app_context():
        session = db.session()
        try:
            return session.execute(text("""
                SELECT g.code, c.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
                FROM grid g JOIN area c ON c.id = g.community_id
                WHERE g.valid_to IS NULL AND g.kind = :kind AND (CAST(:site AS text) IS NULL OR g.site_kind = :site)
                ORDER BY g.code LIMIT 1"""), {"kind": kind, "site": site_kind}).one()
        finally:
            session.rollback()


def saved(page):
    wait_until(page, "document.querySelector('#message').textContent !== '' && !window.gridmapPlanner.busy()", 15)
    text_now = page.inner_text("#message")
    page.evaluate("document.querySelector('#message').textContent = ''")
    return text_now


@pytest.mark.browser
@pytest.mark.parametrize("locale, words", [("zh-CN", ("专属网格 · 学校", "已保存", "专属", "改为专属网格（学校）", "改为综合网格")),
                                           ("en-GB", ("Special grid · School", "Saved", "special",
                                                      "Made a special grid (School)", "Made a comprehensive grid"))])
def test_a_planner_marks_a_grid_special_with_its_site_and_back(browser, live_server, users, app, api, locale, words):
    school_words, saved_words, tag, became_special, became_comprehensive = words
    code, community, *_ = a_grid(app, "comprehensive")
    plan = start(api, community)
    page, errors = open_planner(browser, live_server, users["planner"]["username"], plan, locale)
    feature = page.evaluate(f"window.gridmapPlanner.featureAt('{code}')")
    plain = page.evaluate(f"window.gridmapPlanner.drawnStyle({feature})")
    page.evaluate(f"window.gridmapPlanner.select({feature})")
    form = page.locator("#grid-form")
    form.wait_for(state="visible")
    kind = form.locator("select[name=kind]")
    assert kind.input_value() == "comprehensive"
    assert school_words in kind.locator("option").all_inner_texts()
    kind.select_option("special:school")
    form.locator("button[type=submit]").click()
    assert saved_words in saved(page)
    properties = api("GET", f"/ogcapi/collections/plan-{plan}/items/{feature}").json["properties"]
    assert (properties["kind"], properties["site_kind"]) == ("special", "school")
    # drawn apart, and its households not held to the standard in the list
    wait_until(page, READY, 15)
    page.click("#clear-selection")
    special = page.evaluate(f"window.gridmapPlanner.drawnStyle({feature})")
    assert special["dashArray"] and special["color"] != plain["color"], (special, plain)
    row = page.locator(f"#households tbody tr[data-id='{feature}']")
    assert "special" in row.get_attribute("class") and tag in row.inner_text()
    assert page.locator("#legend").inner_text().count(school_words.split(" · ")[0]) >= 1
    # the plan's record says what the grid became, in the page's language
    wait_until(page, f"document.querySelector('#events li[data-action=edit]')?.textContent.includes('{became_special}')", 10)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"planner-special-{locale}.png"))
    # and back
    page.evaluate(f"window.gridmapPlanner.select({feature})")
    form.wait_for(state="visible")
    assert form.locator("select[name=kind]").input_value() == "special:school"
    form.locator("select[name=kind]").select_option("comprehensive")
    form.locator("button[type=submit]").click()
    assert saved_words in saved(page)
    properties = api("GET", f"/ogcapi/collections/plan-{plan}/items/{feature}").json["properties"]
    assert (properties["kind"], properties["site_kind"]) == ("comprehensive", None)
    wait_until(page, f"document.querySelector('#events li[data-action=edit]')?.textContent.includes('{became_comprehensive} {code}')", 10)
    assert not errors, errors
    page.close()


@pytest.mark.browser
def test_the_wall_outlines_special_grids_apart_and_ranks_them_in_their_own_list(
        browser, live_server, users, client, app):
    school, _, lon, lat = a_grid(app, "special", "school")
    plain, *_ = a_grid(app, "comprehensive")
    post_report(client, users["operator"]["token"], (lon, lat), "wall test: litter at the school")
    page, errors = open_wall(browser, live_server, users)
    legend = page.inner_text("#legend")
    assert "专属网格" in legend
    page.evaluate(f"window.gridmapWall.map.setView([{lat}, {lon}], 16, {{ animate: false }})")
    wait_until(page, f"window.gridmapWall.grids().drawnStyle('{school}') !== null", 15)
    drawn = page.evaluate(f"window.gridmapWall.grids().drawnStyle('{school}')")
    assert drawn["dashArray"] == "8 5" and drawn["color"] in ("#ffca28", "#ff5252"), drawn
    # overdue, a special grid is edged red like any other, and still dashed and as wide
    late = page.evaluate("""import('/static/js/wall/styles.js').then((m) => [
        m.gridStyle({ load: 2, open: 1, overdue: 1 }, [1], 'special'),
        m.gridStyle({ load: 2, open: 1, overdue: 1 }, [1], 'comprehensive')])""")
    assert (late[0]["color"], late[0]["dashArray"], late[0]["weight"]) == ("#ff5252", "8 5", 3), late
    assert late[1]["color"] == "#ff5252" and not late[1].get("dashArray"), late
    wait_until(page, f"window.gridmapWall.grids().drawnStyle('{plain}') !== null", 15)
    assert page.evaluate(f"window.gridmapWall.grids().drawnStyle('{plain}')")["dashArray"] in (None, "")
    # the school's case: in the special grids' ranking, not among the comprehensive grids
    wait_until(page, f"document.querySelector('#ranking-special li[data-grid=\"{school}\"]') !== null", 15)
    assert page.locator("#ranking-special-section").is_visible()
    assert page.locator(f"#ranking li[data-grid='{school}']").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "wall-special-zh-CN.png"))
    assert not errors, errors
    page.close()
