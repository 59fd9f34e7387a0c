"""A department's day (协同) in the real browser, zh-CN: the municipal works office's staff sign
in to their list, open a case the rules sent them, transfer it with a reason to urban
enforcement; enforcement's staff take it on and resolve it; the command center's wall shows
both steps as they happen."""
from __future__ import annotations

import io
import json
import re
from datetime import datetime, timezone

import pytest
from PIL import Image
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


def step(page, code, action, note=None, done=True, **choices):
    """Takes a step on the case; `done`: waits until the page says it is taken and has read the
    list again (the next step is then offered on the case as it now is, not as it was)."""
    said = page.evaluate("document.getElementById('message').textContent")
    page.click(f"{case_item(code)} .actions button[data-action='{action}']")
    form = f"{case_item(code)} form.step[data-action='{action}']"
    for name, value in choices.items():
        page.select_option(f"{form} select[name={name}]", value)
    if note:
        page.fill(f"{form} textarea[name=note]", note)
    page.click(f"{form} button[type=submit]")
    if done:
        wait_until(page, "(() => { const m = document.getElementById('message').textContent;"
                         f" return m.includes('{code}') && m !== {json.dumps(said)}"
                         " && document.getElementById('cases').getAttribute('aria-busy') === 'false'; })()", 10)


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
    step(works, code, "transfer", done=False)
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
    assert re.search(r"Respond by .* · 1 h \d+ min left", page.inner_text(f"{case_item(code)} .due"))
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
    # the request waits for its answer on the case itself, not only in its history
    works.wait_for_selector(f"{case_item(code)} .badges .request.pending >> text=挂起待审批", timeout=10_000)

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
    works.wait_for_selector(f"{case_item(code)} .badges .request.approved >> text=挂起已批准")
    assert works_errors == [] and [e for e in wall_errors if "422" not in e] == []
    works.close()
    wall.close()


def a_photo(client, auth) -> int:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(out, "PNG")
    upload = client.post("/api/v1/photos", data=out.getvalue(), content_type="image/png", headers=auth("operator"))
    assert upload.status_code == 201
    return upload.get_json()["id"]


@pytest.mark.browser
def test_a_case_says_where_it_is_how_urgent_it_is_and_how_long_is_left_in_words(
        browser, live_server, users, client, auth, roads_to_municipal_works, a_grid_point):
    lon, lat = a_grid_point
    filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": [lon - 0.0004, lat + 0.0004], "severity": "critical",
        "description": "检查井盖板缺失，已有行人踩空", "photos": [a_photo(client, auth)]})
    assert filed.status_code == 201, filed.get_json()
    p = filed.get_json()["properties"]
    code, grid, community = p["code"], p["grid_name"]["zh"], p["community"]["zh"]
    works, errors = office(browser, live_server, users["department"]["username"])
    works.wait_for_selector(case_item(code))

    # the list: its grid and community by name, marked urgent, the time left in words
    summary = works.inner_text(f"{case_item(code)} .summary")
    assert grid in summary and community in summary
    assert works.inner_text(f"{case_item(code)} .badges .urgent") == "紧急"
    due = works.inner_text(f"{case_item(code)} .due")
    assert re.search(r"响应时限 .*月.*日 \d\d:\d\d · 剩余 1小时\d+分$", due), due
    assert not re.search(r"\d+:\d\d:\d\d", summary)          # never a clock that reads as a time of day

    # the case on a map, centred on it, its grid named
    works.click(f"{case_item(code)} .summary")
    works.click(f"{case_item(code)} .detail .on-map")
    works.wait_for_selector(f"{case_item(code)} .casemap[data-ready='true']", timeout=10_000)
    assert works.inner_text(f"{case_item(code)} .casemap .grid-name") == grid
    centre = works.evaluate(f"(() => {{ const c = document.querySelector(\"{case_item(code)} .casemap\").leaflet.getCenter();"
                            " return [c.lng, c.lat]; })()")
    assert centre == pytest.approx([lon - 0.0004, lat + 0.0004], abs=1e-5)

    # a photo opens large, and Esc or a click closes it
    thumbnail = works.locator(f"{case_item(code)} .photos button.photo")
    thumbnail.click()
    works.wait_for_selector(".viewer img")
    assert works.locator(".viewer img").bounding_box()["width"] > 3 * thumbnail.bounding_box()["width"]
    ARTIFACTS.mkdir(exist_ok=True)
    works.screenshot(path=str(ARTIFACTS / "department-photo-zh-CN.png"))
    works.keyboard.press("Escape")
    works.wait_for_selector(".viewer", state="detached")
    thumbnail.click()
    works.click(".viewer")
    works.wait_for_selector(".viewer", state="detached")
    works.screenshot(path=str(ARTIFACTS / "department-case-map-zh-CN.png"), full_page=True)

    # a search by the community's name finds it; a name no place has finds nothing
    works.fill("#search", community)
    works.wait_for_selector(case_item(code))
    wait_until(works, f"document.querySelectorAll('#cases > li').length > 0 && [...document.querySelectorAll('#cases > li')]"
                      f".every((li) => li.querySelector('.where').textContent.includes('{community}'))", 10)
    works.fill("#search", "没有这个社区")
    works.wait_for_selector("#empty:not([hidden])", timeout=10_000)

    # the export: the page's language, a BOM for Excel, names beside the codes
    works.fill("#search", code)
    wait_until(works, f"document.getElementById('export').href.includes('{code}')", 10)
    href = works.get_attribute("#export", "href")
    assert "format=csv" in href and "lang=zh" in href
    exported = works.request.get(live_server + href)
    assert exported.ok and exported.body().startswith(b"\xef\xbb\xbf")
    header, row = exported.body().decode("utf-8-sig").splitlines()[:2]
    assert header.startswith("编号,类别代码,类别,紧急程度代码,紧急程度,状态代码,状态")
    assert row.startswith(f"{code},road_damage,道路破损,critical,紧急,")
    assert errors == []
    works.close()


@pytest.mark.browser
def test_a_case_transferred_or_returned_is_no_longer_work_to_do(browser, live_server, users, client, auth,
                                                                 roads_to_municipal_works, a_grid_point):
    lon, lat = a_grid_point
    codes = {}
    for how, dx in (("transfer", 0.0006), ("return", -0.0006)):
        filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
            "category": "road_damage", "point": [lon + dx, lat - 0.0004], "description": "人行道砖块松动"})
        ident, codes[how] = filed.get_json()["id"], filed.get_json()["properties"]["code"]
        body = {"action": "transfer", "department": "CGZF", "note": "占道施工所致"} if how == "transfer" \
            else {"action": "return", "reason": "not_ours", "note": "属燃气管线"}
        assert client.post(f"/api/v1/incidents/{ident}/events", json=body,
                           headers=auth("department")).status_code == 200
    works, errors = office(browser, live_server, users["department"]["username"])
    for code in codes.values():
        assert works.locator(case_item(code)).count() == 0          # not among the cases to do
    works.click(".filters button[data-filter='all']")
    works.wait_for_selector(case_item(codes["transfer"]))
    works.wait_for_selector(case_item(codes["return"]))
    for how, ended, words in (("transfer", "transferred", "已转派"), ("return", "returned", "已退回")):
        item = case_item(codes[how])
        assert works.get_attribute(item, "data-ended") == ended
        assert works.inner_text(f"{item} .badges .ended") == words
        assert "剩余" not in works.inner_text(item) and works.get_attribute(item, "data-overdue") == "false"
    works.screenshot(path=str(ARTIFACTS / "department-all-ended-zh-CN.png"), full_page=True)
    assert errors == []
    works.close()


@pytest.mark.browser
def test_a_step_on_a_case_someone_just_changed_is_offered_again_in_plain_words(
        browser, live_server, users, client, auth, roads_to_municipal_works, a_grid_point):
    lon, lat = a_grid_point
    filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": [lon + 0.0004, lat + 0.0008], "description": "路缘石破损"})
    ident, code = filed.get_json()["id"], filed.get_json()["properties"]["code"]
    works, errors = office(browser, live_server, users["department"]["username"])
    works.wait_for_selector(case_item(code))
    works.click(f"{case_item(code)} .summary")
    works.wait_for_selector(f"{case_item(code)} .actions button[data-action='accept']")
    works.click(f"{case_item(code)} .actions button[data-action='accept']")
    works.fill(f"{case_item(code)} form.step textarea[name=note]", "今天下午派人")
    # meanwhile the command center writes on the case
    assert client.post(f"/api/v1/incidents/{ident}/events", json={"action": "comment", "note": "居民再次来电"},
                       headers=auth("operator")).status_code == 200
    works.click(f"{case_item(code)} form.step button[type=submit]")
    notice = f"{case_item(code)} form.step[data-action='accept'] .error[data-kind='stale']"
    works.wait_for_selector(notice, timeout=10_000)
    assert works.inner_text(notice) == "这条案件刚被别人更新过，已为您重新载入，请再确认一次。"
    assert "居民再次来电" in works.inner_text(f"{case_item(code)} .history")          # read again
    assert works.input_value(f"{case_item(code)} form.step textarea[name=note]") == "今天下午派人"
    works.click(f"{case_item(code)} form.step button[type=submit]")
    wait_until(works, f"document.getElementById('message').textContent.includes('{code}')", 10)
    assert client.get(f"/api/v1/incidents/{ident}", headers=auth("operator")).get_json()["properties"]["status"] \
        == "accepted"
    assert [e for e in errors if "412" not in e] == []
    works.close()


@pytest.mark.browser
def test_time_left_and_time_overdue_are_said_in_days_hours_and_minutes(
        browser, live_server, users, client, auth, session, roads_to_municipal_works, a_grid_point):
    lon, lat = a_grid_point
    late, later = (client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": [lon + dx, lat - 0.0008], "description": "路面坑槽"}).get_json()
        for dx in (0.0002, -0.0002))
    # one missed its limit to respond 65 minutes ago; the other is taken on, with days to resolve it
    session.execute(text("UPDATE incident SET due_respond_at = now() - interval '65 minutes' WHERE id = :i"),
                    {"i": late["id"]})
    session.execute(text("UPDATE incident SET responded_at = now(), status = 'accepted',"
                         " due_resolve_at = now() + interval '2 days 3 hours 10 minutes' WHERE id = :i"),
                    {"i": later["id"]})
    session.commit()
    works, errors = office(browser, live_server, users["department"]["username"])
    works.wait_for_selector(case_item(later["properties"]["code"]))
    assert re.search(r"办结时限 .* · 剩余 2天3小时$", works.inner_text(f"{case_item(later['properties']['code'])} .due"))
    assert re.search(r"时限 .* · 已超时 1小时[56]分$", works.inner_text(f"{case_item(late['properties']['code'])} .due"))
    assert works.get_attribute(case_item(late["properties"]["code"]), "data-overdue") == "true"
    works.click("#lang")
    works.wait_for_selector(f"{case_item(later['properties']['code'])} >> text=2 d 3 h left")
    assert re.search(r"Limit .* · 1 h [56] min overdue$", works.inner_text(f"{case_item(late['properties']['code'])} .due"))
    assert errors == []
    works.close()
