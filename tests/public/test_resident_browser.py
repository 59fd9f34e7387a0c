"""The residents' side in the real browser, as a phone (390×844) sees it: a resident reports a
pothole with a photo and a phone number, gets the code and the private link; the city handles
and closes the case; the resident opens the link, rates it 2 with "还没修好" and "not solved";
the case is reopened with those words on its history, and the grid's satisfaction and its
count of ratings change. Screenshots in zh-CN and en go to test-artifacts/ (looked at by hand)."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from sqlalchemy.engine import make_url

from app.config import NotifyRules, SmsGateway
from app.services.notify.sender import Sender
from app.services.public import follow
from tests.notify.conftest import eventually, sms  # noqa: F401  (sms is a fixture)
from tests.public.conftest import a_phone, file_report, incident_id, jpeg
from tests.web.test_pages import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import open_wall, wait_until, watch_errors
from tests.web.test_worker_day import pocket_phone
from tests.web.test_worker_page import my_grid  # noqa: F401  (my_grid is a fixture)

PHONE = {"width": 390, "height": 844}


def open_phone(browser, live_server, path, locale):
    context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True, has_touch=True,
                                  device_scale_factor=1)
    page = context.new_page()
    errors = watch_errors(page)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith((live_server, "blob:", "data:")) else None)
    page.goto(live_server + path)
    return context, page, errors, outside


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")        # the sticky header where a phone shows it
    page.wait_for_load_state("networkidle")       # the map's tiles in
    page.screenshot(path=str(ARTIFACTS / f"resident-{name}.png"), full_page=True)


def grid_figures(client, auth, code):
    body = client.get("/api/v1/assessment", query_string={"unit": "grid"}, headers=auth("operator")).get_json()
    row = next((r for r in body["ranking"] if r["code"] == code), None)
    return (row["satisfaction"], row["rated"], row["rated_by_residents"]) if row else (None, 0, 0)


@pytest.fixture()
def sms_gateway(app, sms, database_url, live_server):
    """The SMS gateway (a real HTTP receiver) and a sender delivering to it, as a serving
    process runs one: the live server and this sender share the database, so what the
    loop queues there is sent here, with the live server as the site's public address."""
    rules = NotifyRules(sms=SmsGateway(url=sms.url, timeout_s=5), poll_seconds=0.2, public_url=live_server)
    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    sender = Sender(app.extensions["gridmap.db"].new_session, lambda: conninfo, rules, "Asia/Shanghai",
                    follow.link_maker(live_server, app.config["GRIDMAP"].secret_key))
    sender.start()
    yield sms
    sender.stop(timeout=5)


def texts_to(sms, phone: str, count: int) -> list[str]:
    eventually(lambda: len(sms.delivered_to(phone)) >= count)
    return [r.body["text"] for r in sms.delivered_to(phone)]


@pytest.mark.browser
def test_a_resident_reports_the_city_handles_it_the_resident_is_told_and_says_it_is_not_solved(
        app, browser, live_server, client, auth, session, places, users, my_grid, sms_gateway):
    """Done when (issue 26): reported on the phone with a photo and a phone number; accepted by
    the operator on the wall; resolved by the grid worker on theirs; three SMS in Chinese; the
    resident rates 2 with "还没修好" and the case is reopened with those words; the grid's
    satisfaction takes the rating."""
    lon, lat = my_grid["inside"]
    grid = my_grid["code"]
    context, page, errors, outside = open_phone(browser, live_server, "/report", "zh-CN")
    page.wait_for_selector("body[data-ready='true']")
    assert page.inner_text("h1") == "反映问题" and "72 小时" in page.inner_text(".promise")
    shot(page, "report-empty-zh-CN")
    # the address search is the city's own
    address = places["building"][0]
    page.fill("#address", address[:5])
    page.wait_for_selector("#address-results li[data-kind='building']")
    assert address in page.inner_text("#address-results")
    page.fill("#address", "")
    # a tap on the map where the pothole is
    page.evaluate(f"window.gridmapReport.map.setView([{lat}, {lon}], 18, {{animate: false}})")
    box = page.locator("#map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#place-label[data-state='chosen']")
    wait_until(page, "document.getElementById('place-label').textContent !== '正在查找地址…'")
    page.select_option("#category", "road_damage")
    assert "2 小时内响应" in page.inner_text("#category-promise")
    page.fill("#description", "人行道上有个大坑，晚上看不见，老人容易摔倒")
    page.set_input_files("#photo-input", files=[{"name": "pothole.jpg", "mimeType": "image/jpeg",
                                                  "buffer": jpeg(1200, 900, (90, 90, 90))}])
    page.wait_for_selector("#photos img")
    phone = a_phone()
    page.fill("#phone", phone)
    page.click("button#send")
    # a contact needs the consent first, said beside it
    page.wait_for_selector(".field-error[data-for='consent']:not([hidden])")
    page.check("input[name=consent]")
    shot(page, "report-filled-zh-CN")
    page.click("button#send")
    page.wait_for_selector("#done:not([hidden])", timeout=15_000)
    code = page.inner_text("#done-code")
    link = page.get_attribute("#done-link", "href")
    assert code.startswith("E") and "/r/" in link and "前响应" in page.inner_text("#done-notice")
    shot(page, "report-done-zh-CN")
    # told when she will hear, the time on one line; another problem keeps the place and the contact
    assert "发短信" in page.inner_text("#done-told") and page.is_hidden(".hp")
    assert page.evaluate("getComputedStyle(document.querySelector('#done-notice .nowrap')).whiteSpace") == "nowrap"
    page.click("#another")
    assert page.input_value("#phone") == phone and page.is_checked("input[name=consent]")
    assert page.get_attribute("#place-label", "data-state") == "chosen" and page.locator(".pin").count() == 1
    assert page.input_value("#category") == "" and page.input_value("#description") == ""
    assert page.locator("#photos img").count() == 0
    assert session.execute(text("SELECT reporter_phone FROM incident WHERE code = :c"), {"c": code}).scalar() == phone
    ident = incident_id(session, code)
    photos = session.execute(text("SELECT count(*) FROM incident_photo WHERE incident_id = :i"), {"i": ident}).scalar()
    assert photos == 1
    before = grid_figures(client, auth, grid)

    # the operator takes it out of triage on the wall, to the grid, and accepts it
    wall, wall_errors = open_wall(browser, live_server, users, "zh-CN")
    wall.wait_for_selector(f"#ticker li[data-code='{code}']", timeout=5_000)
    wall.click(f"#ticker li[data-code='{code}']")
    wall.wait_for_selector("#detail:not([hidden]) .actions")
    assert code in wall.inner_text("#detail h2")
    wall.click("#detail .actions button[data-action='assign']")
    wall.select_option("#detail select[name=level]", "grid")
    wall.click("#detail button[type=submit]")
    wall.wait_for_selector("#detail .actions button[data-action='accept']")
    wall.click("#detail .actions button[data-action='accept']")
    wall.click("#detail button[type=submit]")
    wait_until(wall, f"document.querySelector('#detail').innerText.includes('受理')", 5)
    [accepted] = texts_to(sms_gateway, phone, 1)
    assert code in accepted and "已受理" in accepted and "预计" in accepted

    # the grid's worker starts and resolves it on the phone
    worker_context, worker, worker_errors = pocket_phone(browser, live_server, users, my_grid["inside"])
    task = f"#tasks li[data-code='{code}']"
    worker.wait_for_selector(task, timeout=10_000)
    worker.click(f"{task} button[data-action='start']")
    worker.wait_for_selector(f"{task}[data-status='in_progress']")
    worker.click(f"{task} button[data-action='resolve']")
    form = f"{task} form.note[data-action='resolve']"
    worker.fill(f"{form} textarea", "已用沥青补平")
    worker.click(f"{form} button[type=submit]")
    worker.wait_for_selector(task, state="detached", timeout=10_000)
    resolved = texts_to(sms_gateway, phone, 2)[1]
    assert code in resolved and "已处理" in resolved

    # the operator checks and closes it on the wall
    wall.wait_for_selector("#detail .actions button[data-action='verify']", timeout=5_000)
    wall.click("#detail .actions button[data-action='verify']")
    wall.click("#detail button[type=submit]")
    closed = texts_to(sms_gateway, phone, 3)[2]
    # the message at close carries the private link to the rating
    assert code in closed and "已办结" in closed and "打分" in closed and closed.endswith(f"：{link}")
    assert all(not any("a" <= c.lower() <= "z" for c in t.replace(code, "").replace(link, ""))
               for t in (accepted, resolved, closed))
    assert [r.body["phone"] for r in sms_gateway.delivered_to(phone)] == [phone] * 3

    # the resident opens the link from the message
    page.goto(closed.rsplit("：", 1)[1])
    page.wait_for_selector("#case[aria-busy='false']")
    assert page.inner_text("#code") == code and page.inner_text("#status") == "已办结"
    assert "请评价" in page.inner_text("#next") and page.is_visible("#rating")
    assert "24 小时内办结" in page.inner_text("#promise")
    shot(page, "follow-closed-zh-CN")
    page.locator(".star").nth(1).tap()
    assert page.inner_text("#star-words") == "不满意"
    page.check("input[name=not_solved]")
    assert "必填" in page.inner_text("#comment-label")
    page.fill("#comment", "还没修好")
    page.click("#rating button[type=submit]")
    page.wait_for_selector("#rated:not([hidden])")
    assert page.inner_text("#rated-comment") == "还没修好" and page.inner_text("#rated-stars").count("★") == 2
    assert page.inner_text("#status") == "正在处理" and page.is_hidden("#rating")
    assert "重新办理" in page.inner_text("#steps")
    shot(page, "follow-reopened-zh-CN")

    # reopened for the dispatcher, with the resident's words on its history, and on the wall
    detail = client.get(f"/api/v1/incidents/{ident}", headers=auth("operator")).get_json()["properties"]
    assert detail["status"] == "reopened" and detail["satisfaction"] == 2
    last = detail["history"][-1]
    assert (last["action"], last["note"], last["by"]["kind"]) == ("reopen", "还没修好", "resident")
    wait_until(wall, "document.querySelector('#detail').innerText.includes('还没修好')", 5)
    wall.screenshot(path=str(ARTIFACTS / "resident-reopened-on-the-wall-zh-CN.png"))
    # and the grid's satisfaction takes the rating, its count one more
    mean, rated, residents = before
    after = grid_figures(client, auth, grid)
    assert after[1:] == (rated + 1, residents + 1)
    assert after[0] == pytest.approx(round(((mean or 0) * rated + 2) / (rated + 1), 2), abs=0.006)

    assert errors == [] and outside == [] and worker_errors == []
    assert [e for e in wall_errors if "422" not in e] == []
    context.close()
    worker_context.close()
    wall.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["en-GB", "zh-CN"])
def test_the_pages_read_in_the_readers_language(browser, live_server, client, auth, session, places, locale):
    """The same pages in English (and the public list in Chinese), for the screenshots and for
    words left untranslated."""
    grid, lon, lat = places["grids"][13]
    made = client.post("/api/v1/public/reports", data={
        "category": "greenery", "description": "A fallen branch blocks the path", "lon": lon, "lat": lat,
        "email": "reader@example.org", "consent": "1"}, content_type="multipart/form-data").get_json()
    ident = incident_id(session, made["code"])
    for body in ({"action": "assign", "level": "grid"},
                 {"action": "publish", "note": "园林所已安排清理 / the parks team is on its way"}):
        assert client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"), json=body).status_code == 200
    context, page, errors, outside = open_phone(browser, live_server, "/report", locale)
    page.wait_for_selector("body[data-ready='true']")
    english = locale == "en-GB"
    assert page.inner_text("h1") == ("Report a problem" if english else "反映问题")
    if english:
        shot(page, "report-empty-en")
        page.click("button#send")
        page.wait_for_selector(".field-error[data-for='point']:not([hidden])")
        assert "Tap the place" in page.inner_text(".field-error[data-for='point']")
        shot(page, "report-errors-en")
    page.goto(live_server + urlsplit(made["link"]).path)
    page.wait_for_selector("#case[aria-busy='false']")
    assert ("Sent to the grid worker" if english else "已派给负责的网格员") in page.inner_text("#next")
    assert "parks team" in page.inner_text("#note")
    shot(page, f"follow-assigned-{locale}")
    page.goto(live_server + "/public")
    page.wait_for_selector("#cases[data-ready='true']")
    item = page.locator(f"#cases li[data-code='{made['code']}']")
    assert ("Greenery and trees" if english else "园林绿化") in item.inner_text()
    assert "fallen branch" not in page.content() and "reader@example.org" not in page.content()
    item.tap()
    page.wait_for_selector(".leaflet-popup-content")
    page.wait_for_timeout(600)        # the map's zoom to it, done
    shot(page, f"public-{locale}")
    page.select_option("#filter-status", "closed")
    wait_until(page, f"!document.querySelector(\"#cases li[data-code='{made['code']}']\")")
    assert errors == [] and outside == []
    context.close()


def tap_map_centre(page):
    page.wait_for_timeout(600)      # two taps at one spot within the phone's double-tap time zoom the map
    box = page.locator("#map").bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


@pytest.mark.browser
def test_a_place_outside_the_city_is_refused_at_once_and_the_public_count_is_the_apis(
        browser, live_server, client, auth, session, places):
    """王阿姨 in Beijing (zh-CN, 390×844): "use my location" and a tap outside the city are said
    beside the map at once and not kept; a tap on a zoomed-out map zooms in and asks for the
    spot; a community found by name moves the map without a pin; /public counts what the API
    returns, not one page of it."""
    beijing = {"latitude": 39.909, "longitude": 116.397}
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=1,
                                  geolocation=beijing, permissions=["geolocation"])
    page = context.new_page()
    errors = watch_errors(page)
    page.goto(live_server + "/report")
    page.wait_for_selector("body[data-ready='true']")
    assert page.inner_text("#nav-mine") == "我的反映"

    # her location, in Beijing: refused beside the map, the map stays on the city
    centre = page.evaluate("window.gridmapReport.map.getCenter()")
    page.click("#locate")
    page.wait_for_selector("#outside:not([hidden])")
    assert "不在本市服务范围内" in page.inner_text("#outside")
    assert page.get_attribute("#place-label", "data-state") is None and page.locator(".pin").count() == 0
    assert page.evaluate("window.gridmapReport.map.getCenter()") == centre
    shot(page, "report-outside-zh-CN")

    # a tap inside the city's box but outside its outline: the server says so, at once
    west, south, east, north, lon, lat = session.execute(text("""
        SELECT ST_XMin(c.geom::box2d), ST_YMin(c.geom::box2d), ST_XMax(c.geom::box2d), ST_YMax(c.geom::box2d),
               ST_X(p), ST_Y(p)
        FROM area c, LATERAL ST_PointOnSurface(ST_Difference(ST_Envelope(c.geom), ST_Buffer(c.geom, 0.001))) p
        WHERE c.parent_id IS NULL""")).one()
    inside_lon, inside_lat = places["grids"][0][1:]
    page.evaluate(f"window.gridmapReport.map.setView([{inside_lat}, {inside_lon}], 18, {{animate: false}})")
    tap_map_centre(page)
    page.wait_for_selector("#place-label[data-state='chosen']")
    assert page.is_hidden("#outside") and page.locator(".pin").count() == 1
    if lon is not None:
        page.evaluate(f"window.gridmapReport.map.setView([{lat}, {lon}], 18, {{animate: false}})")
        tap_map_centre(page)
        page.wait_for_selector("#outside:not([hidden])")
        assert page.locator(".pin").count() == 0 and page.get_attribute("#place-label", "data-state") is None
    # outside the box: refused without asking
    page.evaluate(f"window.gridmapReport.map.setView([{north + 0.05}, {east + 0.05}], 17, {{animate: false}})")
    tap_map_centre(page)
    page.wait_for_selector("#outside:not([hidden])")

    # zoomed out, a tap zooms in there and asks for the spot
    page.evaluate(f"window.gridmapReport.map.setView([{inside_lat}, {inside_lon}], 13, {{animate: false}})")
    tap_map_centre(page)
    wait_until(page, "window.gridmapReport.map.getZoom() === 18")
    assert page.locator(".pin").count() == 0 and page.is_hidden("#outside")
    assert "准确位置" in page.inner_text("#place-label")

    # a community by its Chinese name: the map goes there, no pin, the spot is asked for
    community = session.execute(text("SELECT name_zh FROM area WHERE level = 'community' ORDER BY code LIMIT 1")).scalar_one()
    page.fill("#address", community[:2])
    page.wait_for_selector("#address-results li[data-kind='community']")
    shot(page, "report-search-community-zh-CN")
    page.click("#address-results li[data-kind='community']")
    assert community in page.inner_text("#place-label") and page.locator(".pin").count() == 0
    page.click("button#send")
    assert "准确位置" in page.inner_text(".field-error[data-for='point']")

    # the description's limit is counted as she types, and refused at the field
    page.fill("#description", "路灯坏了")
    assert page.inner_text("#description-count") == "还可输入 1996 字"
    page.fill("#description", "坏" * 2003)
    assert page.inner_text("#description-count") == "超出 3 字，请删减"
    assert len(page.input_value("#description")) == 2003        # not cut

    # /public: the count is what the API returns, not one page of it
    api = client.get("/api/v1/public/cases").get_json()["numberReturned"]
    for n in range(max(0, 23 - api)):
        _, lon, lat = places["grids"][n % len(places["grids"])]
        made = file_report(client, lon, lat)
        assert client.post(f"/api/v1/incidents/{incident_id(session, made['code'])}/events", headers=auth("operator"),
                           json={"action": "assign", "level": "grid"}).status_code == 200
    api = client.get("/api/v1/public/cases").get_json()["numberReturned"]
    assert api > 20
    page.goto(live_server + "/public")
    page.wait_for_selector("#cases[data-ready='true']")
    assert page.inner_text("#count") == f"近 90 天 {api} 件"
    assert page.locator("#cases > li").count() == 20 and f"还有 {api - 20} 件" in page.inner_text("#more")
    assert "处理中" in page.inner_text(".map-key") and "已结束" in page.inner_text(".map-key")
    hit = page.locator("path.hit").first.bounding_box()
    assert hit["width"] >= 30 and hit["height"] >= 30
    zoom_in = page.locator(".leaflet-control-zoom-in").bounding_box()
    assert zoom_in["width"] >= 40 and zoom_in["height"] >= 40
    shot(page, "public-count-zh-CN")
    assert errors == []
    context.close()
