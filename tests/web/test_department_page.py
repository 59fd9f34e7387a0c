"""A department's day (协同) in the real browser, zh-CN: the municipal works office's staff sign
in to their list, open a case the rules sent them, transfer it with a reason to urban
enforcement; enforcement's staff take it on and resolve it; the command center's wall shows
both steps as they happen."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from app import db
from app.services.accounts import accounts
from app.services.incidents import routing
from tests.conftest import PASSWORD
from tests.web.test_pages import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import open_wall, wait_until, watch_errors

OFFICE = {"width": 1366, "height": 768}


@pytest.fixture(scope="module")
def enforcement(app):
    with app.app_context():
        session = db.session()
        user = accounts.create_user(session, "t_dept_page_cgzf", PASSWORD, "department", department_code="CGZF",
                                    display_name="赵强")
        session.commit()
        return user.username


@pytest.fixture()
def roads_to_municipal_works(app):
    with app.app_context():
        session = db.session()
        rule = routing.put(session, routing.Change("road_damage", None, None, "department", "SZ", "test"),
                           "user:t_admin", datetime.now(timezone.utc))
        session.commit()
    yield
    with app.app_context():
        session = db.session()
        routing.end(session, rule.id, "user:t_admin", datetime.now(timezone.utc))
        session.commit()
    routing.forget()


def office(browser, live_server, username, locale="zh-CN"):
    page = browser.new_page(viewport=OFFICE, locale=locale)
    errors = watch_errors(page)
    page.goto(live_server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/department")          # a department's staff land on their list
    page.wait_for_selector("#cases[aria-busy='false']")
    return page, errors


def case_item(code):
    return f"#cases li[data-code='{code}']"


def step(page, code, action, note=None, **choices):
    page.click(f"{case_item(code)} .actions button[data-action='{action}']")
    form = f"{case_item(code)} form.step[data-action='{action}']"
    for name, value in choices.items():
        page.select_option(f"{form} select[name={name}]", value)
    if note:
        page.fill(f"{form} textarea[name=note]", note)
    page.click(f"{form} button[type=submit]")


@pytest.mark.browser
def test_a_department_transfers_a_case_and_the_next_one_resolves_it_while_the_wall_watches(
        browser, live_server, users, client, auth, session, enforcement, roads_to_municipal_works, a_grid_point):
    wall, wall_errors = open_wall(browser, live_server, users, "zh-CN")
    lon, lat = a_grid_point
    filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": [lon, lat + 0.0004], "description": "井盖塌陷，路面下沉约 10 厘米"})
    assert filed.status_code == 201, filed.get_json()
    code = filed.get_json()["properties"]["code"]
    assert filed.get_json()["properties"]["department"]["code"] == "SZ"

    # the municipal works office: the case is in its list, with its deadline as a date
    works, works_errors = office(browser, live_server, users["department"]["username"])
    assert works.inner_text("#my-department") == "市政设施管理所"
    works.wait_for_selector(case_item(code))
    item = works.inner_text(case_item(code))
    assert "道路破损" in item and "牵头" in item and "响应时限" in item and "月" in item     # to take on first
    works.click(f"{case_item(code)} .summary")
    works.wait_for_selector(f"{case_item(code)} .actions button[data-action='transfer']")
    assert "井盖塌陷" in works.inner_text(f"{case_item(code)} .detail")
    ARTIFACTS.mkdir(exist_ok=True)
    works.screenshot(path=str(ARTIFACTS / "department-list-zh-CN.png"), full_page=True)
    # a transfer needs the department and the reason, said beside the form
    step(works, code, "transfer")
    wait_until(works, f"document.querySelector(\"{case_item(code)} form.step .error\").textContent.length > 0")
    assert "请选择接收部门" in works.inner_text(f"{case_item(code)} form.step .error")
    step(works, code, "transfer", "属违法占道施工造成，由城管执法处理", department="CGZF")
    works.wait_for_selector(case_item(code), state="detached", timeout=10_000)     # no longer ours to do
    assert "转派" in works.inner_text("#message")

    # urban enforcement: takes it on and resolves it
    enforcement_page, enforcement_errors = office(browser, live_server, enforcement)
    enforcement_page.wait_for_selector(case_item(code))
    enforcement_page.click(f"{case_item(code)} .summary")
    enforcement_page.wait_for_selector(f"{case_item(code)} .detail .history")
    assert "属违法占道施工" in enforcement_page.inner_text(f"{case_item(code)} .detail .history")
    for action, note in (("accept", None), ("start", None), ("resolve", "已责令施工单位修复井盖并恢复路面")):
        # the case stays open after each step, offering the next
        enforcement_page.wait_for_selector(f"{case_item(code)} .actions button[data-action='{action}']")
        step(enforcement_page, code, action, note)
        wait_until(enforcement_page, f"document.getElementById('message').textContent.includes('{code}')", 10)
        wait_until(enforcement_page, "document.getElementById('cases').getAttribute('aria-busy') === 'false'", 10)
    enforcement_page.wait_for_selector(case_item(code), state="detached", timeout=10_000)
    enforcement_page.screenshot(path=str(ARTIFACTS / "department-resolved-zh-CN.png"), full_page=True)
    status = session.execute(text("SELECT status FROM incident WHERE code = :c"), {"c": code}).scalar()
    assert status == "resolved"

    # the wall saw both steps, live, in words
    wall.wait_for_selector(f"#ticker li[data-code='{code}'][data-action='transfer']", timeout=10_000)
    wall.wait_for_selector(f"#ticker li[data-code='{code}'][data-action='resolve']", timeout=10_000)
    assert "转派" in wall.inner_text(f"#ticker li[data-code='{code}'][data-action='transfer']")
    wall.click(f"#ticker li[data-code='{code}'][data-action='resolve']")
    wall.wait_for_selector("#detail:not([hidden]) h2")
    card = wall.inner_text("#detail")
    assert "城管执法中队" in card and "转派" in card and "属违法占道施工" in card
    wall.screenshot(path=str(ARTIFACTS / "department-steps-on-the-wall-zh-CN.png"))
    assert works_errors == [] and enforcement_errors == []
    assert [e for e in wall_errors if "422" not in e] == []
    for page in (works, enforcement_page, wall):
        page.close()


@pytest.mark.browser
def test_the_list_reads_in_english_too(browser, live_server, users, client, auth, roads_to_municipal_works,
                                       a_grid_point):
    lon, lat = a_grid_point
    filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": [lon + 0.0004, lat], "description": "A sunken drain cover"})
    code = filed.get_json()["properties"]["code"]
    page, errors = office(browser, live_server, users["department"]["username"], "en-GB")
    page.click("#lang") if page.inner_text("#lang") == "EN" else None
    page.wait_for_selector(case_item(code))
    assert page.inner_text("#my-department") == "Municipal works office"
    assert "Damaged road" in page.inner_text(case_item(code)) and "Lead" in page.inner_text(case_item(code))
    page.screenshot(path=str(ARTIFACTS / "department-list-en.png"), full_page=True)
    assert errors == []
    page.close()


@pytest.mark.browser
def test_a_department_asks_to_suspend_and_the_wall_approves_it(browser, live_server, users, client, auth,
                                                                roads_to_municipal_works, a_grid_point):
    lon, lat = a_grid_point
    filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": [lon - 0.0004, lat], "description": "路面裂缝需等沥青到货"})
    code, ident = filed.get_json()["properties"]["code"], filed.get_json()["id"]
    works, works_errors = office(browser, live_server, users["department"]["username"])
    works.wait_for_selector(case_item(code))
    works.click(f"{case_item(code)} .summary")
    step(works, code, "accept")
    wait_until(works, "document.getElementById('cases').getAttribute('aria-busy') === 'false'", 10)
    works.wait_for_selector(f"{case_item(code)} .actions button[data-action='ask_suspend']")
    step(works, code, "ask_suspend", "沥青供应商周五才能送货", request_reason="parts")
    wait_until(works, f"document.querySelector(\"{case_item(code)}\")?.innerText.includes('申请挂起')", 10)

    wall, wall_errors = open_wall(browser, live_server, users, "zh-CN")
    wall.wait_for_selector(f"#ticker li[data-code='{code}'][data-action='ask_suspend']", timeout=5_000)
    wall.click(f"#ticker li[data-code='{code}'][data-action='ask_suspend']")
    wall.wait_for_selector("#detail .actions button[data-action='approve']")
    assert "待审批" in wall.inner_text("#detail") and "等待材料配件" in wall.inner_text("#detail")
    wall.click("#detail .actions button[data-action='approve']")
    wall.click("#detail button[type=submit]")
    wait_until(wall, "document.querySelector('#detail').innerText.includes('已挂起')", 5)
    wall.screenshot(path=str(ARTIFACTS / "department-suspended-on-the-wall-zh-CN.png"))
    detail = client.get(f"/api/v1/incidents/{ident}", headers=auth("operator")).get_json()["properties"]
    assert detail["suspended_since"] and detail["resolve_remaining_s"] is not None
    works.click("#refresh")
    works.wait_for_selector(f"{case_item(code)} .badges >> text=挂起")
    assert works_errors == [] and [e for e in wall_errors if "422" not in e] == []
    works.close()
    wall.close()
