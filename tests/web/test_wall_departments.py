"""The departments' part of the command-center wall (协同), at 1920×1080: the requests to suspend
or extend a case waiting for the dispatcher's decision (待审批) — what is asked, until when, by
whom, why and how long it has waited — coming and going as they are asked and decided; the
cases departments sent back, with who sent them and why; each department's queue, which says
how many more it holds when its room is short and opens them all; and the urgent strip, which
stands beside the case card and never over it."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from app import db
from app.services.accounts import accounts
from tests.conftest import PASSWORD
from tests.web.test_pages import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import open_wall


@pytest.fixture(scope="module")
def works(app):
    """Bearer headers of a named member of the municipal works office's staff (SZ)."""
    with app.app_context():
        session = db.session()
        user = accounts.create_user(session, "t_wall_works", PASSWORD, "department", department_code="SZ",
                                    display_name="刘伟")
        _, token = accounts.create_token(session, user, "tests")
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def act(client, headers, case, action, **body):
    answer = client.post(f"/api/v1/incidents/{case['id']}/events", headers=headers, json={"action": action, **body})
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def with_works(client, auth, works, point, description, severity="normal"):
    """A case the dispatcher gave the municipal works office, which has taken it on."""
    filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": list(point), "description": description, "severity": severity})
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    act(client, auth("operator"), case, "assign", department="SZ", note="路面设施，交市政")
    act(client, works, case, "accept")
    return case


def near(point, metres_east):
    return (point[0] + metres_east * 1.8e-5, point[1])


def the_wall(client, auth, role="operator"):
    answer = client.get("/api/v1/wall", headers=auth(role))
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


# -- the answer the panel is drawn from ---------------------------------------------------------

def test_a_request_waits_on_the_wall_with_what_is_asked_by_whom_and_why_until_it_is_decided(
        client, auth, works, a_grid_point):
    case = with_works(client, auth, works, near(a_grid_point, 30), "路面坑洼，等沥青")
    due = datetime.fromisoformat(case["properties"]["due_resolve_at"])
    until = (due + timedelta(days=2)).isoformat()
    act(client, works, case, "ask_extend", reason="weather", until=until, note="连续降雨，无法铺设沥青")
    waiting = {r["code"]: r for r in the_wall(client, auth)["requests"]["items"]}
    asked = waiting[case["properties"]["code"]]
    assert (asked["id"], asked["kind"], asked["reason"], asked["note"]) == \
        (case["id"], "extend", "weather", "连续降雨，无法铺设沥青")
    assert datetime.fromisoformat(asked["until"]) == datetime.fromisoformat(until)
    assert asked["by"] == {"kind": "person", "zh": "刘伟", "en": "刘伟"}
    assert asked["department"]["code"] == "SZ" and asked["department"]["zh"] == "市政设施管理所"
    assert asked["asked_at"] and asked["category_name"]["zh"]
    # only those who decide are asked: a grid worker's wall has no such list
    assert the_wall(client, auth, "worker")["requests"] == {"total": 0, "items": []}
    act(client, auth("operator"), case, "refuse", note="请先临时围挡")
    assert case["properties"]["code"] not in {r["code"] for r in the_wall(client, auth)["requests"]["items"]}


def test_a_returned_case_says_which_department_sent_it_back_who_when_and_why(client, auth, works, a_grid_point):
    case = with_works(client, auth, works, near(a_grid_point, 60), "路灯不亮")
    act(client, works, case, "return", reason="not_ours", note="路灯线路属供电所维护")
    returned = {f["properties"]["code"]: f["properties"] for f in the_wall(client, auth)["returned"]["items"]}
    back = returned[case["properties"]["code"]]["returned"]
    assert (back["reason"], back["note"]) == ("not_ours", "路灯线路属供电所维护")
    assert back["by"] == {"kind": "person", "zh": "刘伟", "en": "刘伟"}
    assert back["department"]["code"] == "SZ" and back["at"]


# -- in the browser -----------------------------------------------------------------------------

@pytest.mark.browser
def test_the_panel_shows_a_request_as_it_is_asked_opens_its_card_and_drops_it_when_decided(
        browser, live_server, users, client, auth, works, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "zh-CN")
    case = with_works(client, auth, works, near(a_grid_point, 90), "井盖松动，等配件")
    code = case["properties"]["code"]
    act(client, works, case, "ask_suspend", reason="parts", note="井盖配件周五到货")
    # live: the department's step reaches the wall without a reload
    item = f"#requests li[data-code='{code}']"
    page.wait_for_selector(item, state="attached", timeout=6_000)
    line = page.eval_on_selector(item, "li => li.textContent")
    for words in ("挂起", "市政设施管理所 刘伟", "等待材料配件：井盖配件周五到货", "已等"):
        assert words in line, (words, line)
    assert int(page.inner_text("#requests-total")) >= 1
    # the card, where the dispatcher decides
    page.dispatch_event(item, "click")
    page.wait_for_selector(f"#detail:not([hidden])[data-code='{code}'] .actions button[data-action='approve']")
    assert page.locator("#detail .actions button[data-action='refuse']").count() == 1
    act(client, auth("operator"), case, "approve", note="同意挂起")
    page.wait_for_selector(item, state="detached", timeout=6_000)
    assert errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_a_returned_case_on_the_panel_says_who_sent_it_back_when_and_why(
        browser, live_server, users, client, auth, works, a_grid_point, locale):
    case = with_works(client, auth, works, near(a_grid_point, 120 + (locale == "en-GB") * 30), "人行道积水")
    act(client, works, case, "return", reason="wrong_place", note="位置在河对岸")
    page, errors = open_wall(browser, live_server, users, locale)
    item = f"#returned li[data-code='{case['properties']['code']}']"
    page.wait_for_selector(item, state="attached")
    line = page.eval_on_selector(item, "li => li.textContent")
    said = {"zh-CN": ["退回", "市政设施管理所 刘伟 · 位置有误：位置在河对岸", "已等"],
            "en-GB": ["returned", "Municipal works office 刘伟 · Wrong place: 位置在河对岸", "waiting"]}[locale]
    for words in said:
        assert words in line, (words, line)
    # the moment it came back, in full where the line has no room for it
    moment = {"zh-CN": r"\d\d:\d\d 退回", "en-GB": r"returned \d\d/\d\d, \d\d:\d\d"}[locale]
    assert re.search(moment, page.get_attribute(item, "title"))
    page.screenshot(path=str(ARTIFACTS / f"wall-returned-{locale}.png"))
    assert errors == []
    page.close()


@pytest.mark.browser
def test_a_department_list_too_long_for_its_room_says_how_many_more_and_opens_them_all(
        browser, live_server, users, client, auth):
    departments = the_wall(client, auth)["departments"]
    page, errors = open_wall(browser, live_server, users, "zh-CN")
    # a city with more departments than the list has room for: here, room for two lines
    page.evaluate("""document.querySelector('.departments-list').style.maxHeight = '4.2rem';
                     window.dispatchEvent(new Event('resize'))""")
    page.wait_for_selector("#departments li.more.opens")
    n = int(re.fullmatch(r"另有 (\d+) 条", page.inner_text("#departments li.more")).group(1))
    shown = page.locator("#departments li[data-department]:not([hidden])").count()
    assert n >= 1 and shown + n == len(departments)
    page.click("#departments li.more")
    page.wait_for_selector("#drill:not([hidden]) li[data-department]")
    assert page.inner_text("#drill h2") == "部门待办"
    assert page.locator("#drill li[data-department]").count() == len(departments)
    # each of them leads to its cases, as in the panel
    page.click("#drill li[data-department='SZ']")
    page.wait_for_selector("#drill:not([hidden])[data-count] li[data-code], #drill:not([hidden])[data-count='0']")
    open_cases = client.get("/api/v1/incidents?department=SZ&open=true&limit=1", headers=auth("operator")).get_json()
    assert int(page.get_attribute("#drill", "data-count")) == open_cases["numberMatched"]
    assert errors == []
    page.close()


def overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def box(page, selector: str) -> dict:
    return page.eval_on_selector(selector, "e => e.getBoundingClientRect().toJSON()")


@pytest.mark.browser
def test_the_urgent_strip_stands_beside_the_case_card_never_over_it(browser, live_server, users, client, auth,
                                                                    works, a_grid_point):
    page, errors = open_wall(browser, live_server, users, "zh-CN")
    urgent = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "safety_hazard", "point": list(near(a_grid_point, 40)), "description": "燃气管道异味",
        "severity": "high"}).get_json()
    page.wait_for_selector(f"#urgent:not([hidden]) li[data-incident='{urgent['id']}']", timeout=6_000)
    # alone, it stands over the middle of the map
    strip, map_box = box(page, "#urgent"), box(page, "#map")
    assert abs((strip["left"] + strip["right"]) / 2 - (map_box["left"] + map_box["right"]) / 2) < 20
    # another case's card opens: the strip moves above it, and the card starts below it
    other = with_works(client, auth, works, near(a_grid_point, 80), "路牌倾斜")
    page.evaluate(f"window.gridmapWall.open({other['id']})")
    page.wait_for_selector(f"#detail:not([hidden])[data-code='{other['properties']['code']}']")
    strip, card = box(page, "#urgent"), box(page, "#detail")
    assert page.is_visible("#urgent") and not overlap(strip, card)
    assert strip["bottom"] <= card["top"] and strip["right"] == pytest.approx(card["right"], abs=1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "wall-urgent-beside-card.png"))
    # the card closed and the list behind a tile open: the strip keeps clear of that list too
    page.click("#detail .close")
    page.click(".tile[data-count='open']")
    page.wait_for_selector("#drill:not([hidden])[data-count]")
    assert not overlap(box(page, "#urgent"), box(page, "#drill"))
    assert errors == []
    page.close()
