"""The wall as a command center's 驾驶舱, in the real browser at 1920×1080: lateness that stays in
sight after escalation, charts that lead to the incidents behind them, the heat map, a new
high-severity report that pulses until someone looks, and a Chinese wall with no English in it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app import db
from app.config import IncidentRules
from app.services.incidents import escalation, loop as incidents
from tests.web.test_pages import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import open_wall, wait_until

pytestmark = pytest.mark.browser


def report(client, users, point, description, category="environment", severity="normal"):
    response = client.post("/api/v1/incidents", headers={"Authorization": f"Bearer {users['operator']['token']}"},
                           json={"category": category, "point": list(point), "description": description,
                                 "severity": severity})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture(scope="module")
def escalated_for_lateness(app, a_grid_point):
    """A case reported two days ago that missed its limit and was escalated by the clock."""
    lon, lat = a_grid_point
    reported = datetime.now(timezone.utc) - timedelta(days=2)
    with app.app_context():
        session = db.session()
        filed = incidents.report(session, incidents.Report("safety_hazard", lon, lat, "护栏松动，久未处理"),
                                 incidents.Participant("user:t_operator", dispatcher=True), IncidentRules(), reported)
        escalation.tick(session, reported + timedelta(minutes=61))
        session.commit()
        level = session.execute(text("SELECT level FROM incident WHERE id = :id"), {"id": filed.id}).scalar()
    assert level == "community"
    return filed.code


@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_an_incident_escalated_for_lateness_stays_in_the_overdue_list_and_tile(
        browser, live_server, users, locale, escalated_for_lateness):
    page, errors = open_wall(browser, live_server, users, locale)
    item = page.locator(f"#overdue li[data-code='{escalated_for_lateness}']")
    assert item.count() == 1
    # escalation beside the lateness, not instead of it
    assert {"zh-CN": "已上报社区", "en-GB": "escalated to Community"}[locale] in item.inner_text()
    assert int(page.inner_text(".tile[data-count='overdue'] .n")) >= 1
    assert int(page.inner_text("#overdue-total")) >= 1
    assert errors == []
    page.close()


def test_a_chart_bar_leads_to_the_incidents_behind_it(browser, live_server, users, client, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "zh-CN")
    counted = """(() => { const o = window.gridmapWall.charts.chart('by_category').getOption();
        const i = o.yAxis[0].data.indexOf('%s'); return i < 0 ? 0 : o.series[0].data[i].value; })()"""
    name = client.get("/api/v1/categories", headers={"Authorization": f"Bearer {users['operator']['token']}"}).get_json()["categories"]
    name = next(c["name"]["zh"] for c in name if c["code"] == "environment")
    before = page.evaluate(counted % name)
    made = report(client, users, a_grid_point, "图表测试：井盖缺失")
    # the stream's event brings the charts up to date, without a reload
    wait_until(page, f"{counted % name} > {before}", 12)
    index = page.evaluate(f"window.gridmapWall.charts.chart('by_category').getOption().yAxis[0].data.indexOf('{name}')")
    bar = page.evaluate(f"window.gridmapWall.charts.pixelOf('by_category', 0, {index})")
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_selector("#drill:not([hidden])[data-count]", timeout=5_000)
    # the list holds the very incidents the bar counted
    assert int(page.get_attribute("#drill", "data-count")) == bar["value"]
    assert page.locator(f"#drill li[data-code='{made['properties']['code']}']").count() == 1
    assert name in page.inner_text("#drill h2")
    page.click(f"#drill li[data-code='{made['properties']['code']}']")
    page.wait_for_selector(f"#detail:not([hidden])[data-code='{made['properties']['code']}']", timeout=5_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "wall-chart-drill.png"))
    assert errors == []
    page.close()


def test_the_heat_map_draws_hexagons_that_open_their_incidents(browser, live_server, users, client, a_grid_point):
    report(client, users, a_grid_point, "热力图测试")
    page, errors = open_wall(browser, live_server, users, "zh-CN", "?kiosk=1&layers=heat")
    wait_until(page, "Number(document.getElementById('map').dataset.heatCells || 0) > 0", 10)
    cells = page.evaluate("window.gridmapWall.heat().layer.getLayers().length")
    assert cells == int(page.get_attribute("#map", "data-heat-cells"))
    assert "全部类别" in page.inner_text("#heat-control")
    # a click on the busiest hexagon lists its incidents, as many as it counted (the markers
    # and the urgent strip, which stand above it, out of the way)
    page.evaluate("""(() => { const w = window.gridmapWall; w.map.removeLayer(w.incidents.layer);
        w.map.removeLayer(w.workers.layer); w.map.removeLayer(w.pulses.layer);
        document.getElementById('urgent').hidden = true; })()""")
    spot = page.evaluate("""(() => { const w = window.gridmapWall;
        const cell = w.heat().layer.getLayers()[0];
        const p = w.map.latLngToContainerPoint(cell.getBounds().getCenter());
        const box = w.map.getContainer().getBoundingClientRect();
        return { x: box.left + p.x, y: box.top + p.y, count: cell.feature.properties.count }; })()""")
    page.mouse.click(spot["x"], spot["y"])
    page.wait_for_selector("#drill:not([hidden])[data-count]", timeout=5_000)
    assert int(page.get_attribute("#drill", "data-count")) == spot["count"]
    page.screenshot(path=str(ARTIFACTS / "wall-heat.png"))
    assert errors == []
    page.close()


def test_a_high_severity_report_pulses_until_an_operator_clicks_it(browser, live_server, users, client, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "zh-CN")
    page.click("#alarm")
    assert page.get_attribute("#alarm", "aria-pressed") == "true"
    sounded = page.get_attribute("#map", "data-alarm-sounded")     # the click plays it once
    made = report(client, users, a_grid_point, "燃气泄漏气味", category="safety_hazard", severity="high")
    pulse = f".pulse-icon.high[data-incident='{made['id']}']"
    page.wait_for_selector(pulse, timeout=5_000)
    wait_until(page, f"document.getElementById('map').dataset.alarmSounded !== '{sounded}'")
    page.wait_for_timeout(2_000)
    assert page.locator(pulse).count() == 1                           # still, until someone looks
    page.click(f"#ticker li[data-code='{made['properties']['code']}']")
    page.wait_for_selector(pulse, state="detached", timeout=5_000)
    # looked at once is looked at: a reload does not pulse it again
    page.reload()
    page.wait_for_selector("#map[data-ready='true']", timeout=30_000)
    assert page.locator(pulse).count() == 0
    assert errors == []
    page.close()


# Latin words a Chinese wall may show: the language button, a unit, a file format's name, the
# name of the map data's source (its licence asks for it: "© OpenStreetMap 贡献者").
ALLOWED = {"English", "km", "PDF", "OpenStreetMap"}
SCAN = """() => {
    const words = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || parent.closest('.code, script, style') || !parent.checkVisibility()) continue;
        for (const word of node.textContent.match(/[A-Za-z]{2,}/g) || []) words.push([word, node.textContent.trim().slice(0, 60)]);
    }
    return words;
}"""


def test_the_chinese_wall_shows_no_english_in_any_panel_or_card(browser, live_server, users, client, a_grid_point,
                                                                 escalated_for_lateness):
    made = report(client, users, a_grid_point, "扫描测试：路灯不亮")
    page, errors = open_wall(browser, live_server, users, "zh-CN", "?layers=heat")
    found = []
    wait_until(page, "document.querySelectorAll('.chart[data-drawn]').length >= 7", 10)
    found += page.evaluate(SCAN)
    # the card of a case with a history, the list behind a chart, the heat map's control
    page.evaluate(f"window.gridmapWall.open(document.querySelector(\"#overdue li[data-code='{escalated_for_lateness}']\").dataset.id)")
    page.wait_for_selector("#detail:not([hidden]) .history li", timeout=5_000)
    found += page.evaluate(SCAN)
    page.click(f"#ticker li[data-code='{made['properties']['code']}']")
    page.wait_for_selector(f"#detail[data-code='{made['properties']['code']}'] .nearest, #detail[data-code='{made['properties']['code']}'] p",
                           timeout=5_000)
    page.click("#detail .actions button[data-action='assign']")
    found += page.evaluate(SCAN)
    index = 0
    bar = page.evaluate(f"window.gridmapWall.charts.pixelOf('by_channel', 0, {index})")
    page.mouse.click(bar["x"], bar["y"])
    page.wait_for_selector("#drill:not([hidden])[data-count]", timeout=5_000)
    found += page.evaluate(SCAN)
    english = sorted({(word, where) for word, where in found if word not in ALLOWED})
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "wall-zh-card.png"))
    assert english == [], english
    assert [e for e in errors if not re.search(r"\b4\d\d\b", e)] == []
    page.close()


def test_an_operator_dispatches_by_finding_a_worker_by_name_outside_ones_marked(
        browser, live_server, users, client, a_grid_point, session):
    made = report(client, users, a_grid_point, "派遣测试：楼道堆物")
    community = made["properties"]["community"]["code"]
    # a full-time worker of another community, found by part of their name
    worker_id, name = session.execute(text("""
        SELECT w.id, w.name_zh FROM worker w JOIN worker_assignment a ON a.worker_id = w.id AND a.valid_to IS NULL
        JOIN grid g ON g.id = a.grid_id AND g.valid_to IS NULL JOIN area c ON c.id = g.community_id
        WHERE w.role = 'full_time' AND w.active AND c.code <> :community ORDER BY w.code LIMIT 1"""),
        {"community": community}).one()
    found = client.get(f"/api/v1/workers?q={name[1:]}", headers={"Authorization": f"Bearer {users['operator']['token']}"})
    assert worker_id in [w["worker_id"] for w in found.get_json()["workers"]]
    assert client.get("/api/v1/workers?q=", headers={"Authorization": f"Bearer {users['operator']['token']}",
                                                    "Accept-Language": "zh"}).get_json()["description"] == "缺少 q。"
    page, errors = open_wall(browser, live_server, users, "zh-CN")
    page.wait_for_selector(f"#ticker li[data-code='{made['properties']['code']}']", timeout=5_000)
    page.click(f"#ticker li[data-code='{made['properties']['code']}']")
    page.click("#detail .actions button[data-action='assign']")
    page.fill("#detail input[name=worker_search]", name[1:])
    choice = page.locator("#detail .found li", has_text=name)
    choice.wait_for(timeout=5_000)
    assert "不在本社区" in choice.inner_text()
    choice.click()
    assert page.inner_text("#detail .chosen-worker") == name
    page.fill("#detail input[name=note]", "本网格员休假，请邻近网格支援")
    page.click("#detail button[type=submit]")
    wait_until(page, "document.querySelector('#detail .ok') !== null")
    answer = client.get(f"/api/v1/incidents/{made['id']}", headers={"Authorization": f"Bearer {users['operator']['token']}"})
    assert answer.get_json()["properties"]["assignee"]["id"] == worker_id
    assert errors == []
    page.close()
