"""The grid's register on the worker's phone (zh-CN, 390×844): the worker scans a building's
door plate (opens its /q/ address) and lands on its register, goes into a cellar without signal, adds a household of
two residents and records a visit with a photo; back online, each arrives once — the register
and its history show one version of each entry, the visit has its photo, and the grid's figures
count them. A building of another grid answers "不是您的网格"."""
from __future__ import annotations

import pytest
from sqlalchemy import text

from app.services.register import identity
from tests.register.conftest import _ids, clean_register  # noqa: F401  (fixtures)
from tests.web.test_pages import ARTIFACTS, browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import wait_until, watch_errors
from tests.web.test_worker_day import a_photo
from tests.web.test_worker_page import PHONE

pytestmark = pytest.mark.browser

HEAD_ID = "33010219750312001"
HEAD_ID += identity.id_check_digit(HEAD_ID)


@pytest.fixture(scope="module")
def places(app, users):
    return _ids(app, users)


def phone_at(browser, live_server, users, lon_lat):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  geolocation={"longitude": lon_lat[0], "latitude": lon_lat[1]},
                                  permissions=["geolocation"])
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, live_server, users["worker"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    return context, page, errors


def figures_of(client, auth, grid):
    answer = client.get("/api/v1/register/figures", headers=auth("worker")).get_json()
    return next(g for g in answer["grids"] if g["grid"] == grid)


def test_offline_a_household_of_two_and_a_visit_with_a_photo_arrive_once_each(
        app, browser, live_server, users, places, session, client, auth):
    secret = app.config["GRIDMAP"].secret_key
    building = places["mine"]
    door = session.execute(text("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM building "
                                "WHERE id = :id) s"), {"id": building}).one()
    session.rollback()
    before = figures_of(client, auth, places["grid"])
    context, page, errors = phone_at(browser, live_server, users, door)

    # the worker scans the building's door plate: its code leads to the building's register
    from app.services.register import plates
    page.goto(f"{live_server}/q/{plates.token(secret, building, None)}")
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    assert page.url.endswith(f"/worker#register/building/{building}")
    page.wait_for_selector("#register-card[data-mine='true']", timeout=10_000)
    assert page.is_visible("#tab-register")

    context.set_offline(True)
    page.wait_for_selector("#network:not([hidden])")
    page.click("#register-add")
    form = "#household-form"
    page.fill(f"{form} [name=entrance]", "2")
    page.fill(f"{form} [name=floor]", "3")
    page.fill(f"{form} [name=room]", "302")
    page.select_option(f"{form} [name=use]", "rented")
    first = f"{form} fieldset.resident:nth-of-type(1)"
    page.fill(f"{first} [name=name]", "王秀英")
    page.fill(f"{first} [name=id_number]", HEAD_ID)
    page.fill(f"{first} [name=phone]", "13705718888")
    page.check(f"{first} [value=elderly_alone]")
    page.click(f"{form} .add-person")
    second = f"{form} fieldset.resident:nth-of-type(2)"
    page.fill(f"{second} [name=name]", "李明")
    page.select_option(f"{second} [name=relation]", "tenant")
    page.select_option(f"{second} [name=registration]", "floating")
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#register-pending:not([hidden])")

    page.click("#register-visit")
    page.fill("#visit-form [name=met]", "王秀英本人")
    page.fill("#visit-form [name=note]", "独居，身体尚好，楼道灯不亮")
    page.set_input_files("#visit-form input[name=photo]",
                         files=[{"name": "door.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}])
    page.wait_for_selector("#visit-form .thumbs li img")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#register-pending >> text=待发送 3 项")
    waiting = page.evaluate("window.gridmapWorker.outbox.items().then((items) => items.map((i) => i.label))")
    assert waiting == ["新增住户 2单元 3层 302", "照片", "走访记录"], waiting      # nothing sent, nothing lost
    page.screenshot(path=str(ARTIFACTS / "worker-register-offline-zh-CN.png"))

    context.set_offline(False)
    page.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=20_000)
    page.evaluate("window.gridmapWorker.outbox.flush()")            # a second flush sends nothing again
    page.wait_for_selector("#register-units .person >> text=李明", timeout=10_000)
    text_now = page.inner_text("#register-units")
    assert "王秀英" in text_now and "137****8888" in text_now and "独居老人" in text_now
    assert HEAD_ID not in page.content() and "13705718888" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "worker-register-online-zh-CN.png"))

    session.rollback()
    people = session.execute(text("""
        SELECT r.id, r.name, (SELECT count(*) FROM register_version v WHERE v.kind = 'resident' AND v.entry_id = r.id)
        FROM resident r JOIN house_unit u ON u.id = r.unit_id
        WHERE u.building_id = :b AND r.ended_at IS NULL ORDER BY r.name"""), {"b": building}).all()
    assert sorted(p[1] for p in people) == ["李明", "王秀英"] and all(p[2] == 1 for p in people)
    units = session.execute(text("""
        SELECT u.id, (SELECT count(*) FROM register_version v WHERE v.kind = 'unit' AND v.entry_id = u.id)
        FROM house_unit u WHERE u.building_id = :b AND u.room = '302'"""), {"b": building}).all()
    assert len(units) == 1 and units[0][1] == 1
    visits = session.execute(text("""
        SELECT v.id, v.far, (SELECT count(*) FROM incident_photo p WHERE p.visit_id = v.id) FROM visit v
        WHERE v.building_id = :b"""), {"b": building}).all()
    assert len(visits) == 1 and visits[0][1] is False and visits[0][2] == 1

    # the history the worker reads shows the one version
    page.click("#register-units .person:has-text('王秀英') >> text=历史")
    page.wait_for_selector("#register-history .versions li")
    assert page.locator("#register-history .versions li").count() == 1
    assert "第 1 版" in page.inner_text("#register-history")

    after = figures_of(client, auth, places["grid"])
    assert after["residents"] == before["residents"] + 2
    assert after["units"] == before["units"] + 1 and after["visits"] == before["visits"] + 1
    assert after["elderly_alone"] == before["elderly_alone"] + 1
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    context.close()


def test_a_building_of_another_grid_says_it_is_not_mine(browser, live_server, users, places):
    context, page, errors = phone_at(browser, live_server, users, (0, 0))
    page.goto(f"{live_server}/worker#register/building/{places['theirs']}")
    page.wait_for_selector("#register-card[data-mine='false']", timeout=20_000)
    assert page.inner_text("#register-title") == "不是您的网格"
    assert not page.is_visible("#register-add")
    context.close()


def test_an_organisation_is_added_and_a_whole_phone_is_shown_for_a_reason_that_is_logged(
        browser, live_server, users, places, client, auth):
    building = places["mine"]
    unit = client.post(f"/api/v1/register/buildings/{building}/units", headers=auth("worker"),
                       json={"room": "101", "use": "owner"}).get_json()
    client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=auth("worker"),
                json={"name": "陈桂兰", "phone": "13605719999"})
    client.post(f"/api/v1/register/buildings/{building}/units", headers=auth("worker"),
                json={"room": "999", "use": "vacant"})                      # entered by mistake
    code = "91330102MA2XXXXX0"[:17].replace("X", "A")
    code += identity.credit_code_check_character(code)
    context, page, errors = phone_at(browser, live_server, users, (0, 0))
    page.goto(f"{live_server}/worker#register/building/{building}")
    page.wait_for_selector("#register-card[data-mine='true'] .person", timeout=20_000)

    page.click("#register-add-organisation")
    page.fill("#organisation-form [name=name]", "平安便利店")
    page.select_option("#organisation-form [name=kind]", "shop")
    page.fill("#organisation-form [name=credit_code]", code)
    page.fill("#organisation-form [name=contact_phone]", "13905710000")
    page.check("#organisation-form [value=fire]")
    page.click("#organisation-form button[type=submit]")
    page.wait_for_selector("#register-organisations >> text=平安便利店", timeout=10_000)
    assert "消防隐患" in page.inner_text("#register-organisations")
    # corrected later: seven people work there now; its history has both versions
    page.click("#register-organisations >> text=更正")
    page.fill("#organisation-form [name=employees]", "7")
    page.click("#organisation-form button[type=submit]")
    page.wait_for_selector("#register-organisations >> text=7 人", timeout=10_000)
    page.click("#register-organisations >> text=历史")
    page.wait_for_selector("#register-history .versions li >> nth=1")
    assert "从业人数：— → 7" in page.inner_text("#register-history")
    # the shop's contact, whole, for a reason
    page.once("dialog", lambda dialog: dialog.accept("核实营业执照"))
    page.click("#register-organisations >> text=查看完整电话")
    page.wait_for_selector("#register-organisations a.whole[href='tel:13905710000']")
    # the house entered by mistake leaves the register
    page.once("dialog", lambda dialog: dialog.accept())
    house = "#register-units .unit:has(.unit-head strong:text-is('999'))"
    page.click(f"{house} >> text=注销房屋")
    page.wait_for_selector(house, state="detached", timeout=10_000)

    page.once("dialog", lambda dialog: dialog.accept("上门前电话预约"))
    page.click("#register-units .person:has-text('陈桂兰') >> text=查看完整电话")
    page.wait_for_selector("#register-units a.whole[href='tel:13605719999']")
    page.screenshot(path=str(ARTIFACTS / "worker-register-organisation-zh-CN.png"))
    log = client.get("/api/v1/register/access-log?limit=5", headers=auth("admin")).get_json()["entries"]
    assert log[0]["action"] == "reveal" and log[0]["reason"] == "上门前电话预约" and log[0]["field"] == "phone"
    assert errors == []
    context.close()


def test_a_household_the_server_refuses_is_kept_with_the_reason_in_words_to_correct(
        browser, live_server, users, places, client, auth):
    building = places["mine"]
    unit = client.post(f"/api/v1/register/buildings/{building}/units", headers=auth("worker"),
                       json={"room": "101", "use": "owner"}).get_json()
    client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=auth("worker"),
                json={"name": "王秀英", "id_number": HEAD_ID})           # already registered
    context, page, errors = phone_at(browser, live_server, users, (0, 0))
    page.goto(f"{live_server}/worker#register/building/{building}")
    page.wait_for_selector("#register-card[data-mine='true'] .person", timeout=20_000)
    page.click("#register-add")
    form = "#household-form"
    page.fill(f"{form} [name=room]", "502")
    first = f"{form} fieldset.resident:nth-of-type(1)"
    page.fill(f"{first} [name=name]", "刘德福")
    page.fill(f"{first} [name=id_number]", HEAD_ID[:-1] + ("1" if HEAD_ID[-1] != "1" else "2"))
    page.click(f"{form} button[type=submit]")
    # a typing error is caught on the phone, before anything is sent
    assert "校验位不符" in page.inner_text(f"{first} .field-error")
    page.fill(f"{first} [name=id_number]", HEAD_ID)
    page.click(f"{form} button[type=submit]")
    page.wait_for_selector("#register-pending .refused", timeout=10_000)
    said = page.inner_text("#register-pending")
    assert "第1人 刘德福 身份证号：" in said and "已登记在册" in said and "residents[" not in said
    page.click("#register-pending >> text=更正后重交")
    assert page.input_value(f"{form} [name=room]") == "502"
    assert page.input_value(f"{first} [name=name]") == "刘德福"
    page.screenshot(path=str(ARTIFACTS / "worker-register-refused-zh-CN.png"))
    assert [e for e in errors if "422" not in e] == []
    context.close()


def test_the_admin_reads_who_saw_whose_record_and_why_on_the_access_log_page(
        browser, live_server, users, places, client, auth):
    unit = client.post(f"/api/v1/register/buildings/{places['mine']}/units", headers=auth("worker"),
                       json={"room": "101", "use": "owner"}).get_json()
    person = client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=auth("worker"),
                         json={"name": "周桂芳", "phone": "13605718888"}).get_json()
    client.post(f"/api/v1/register/residents/{person['id']}/reveal", headers=auth("worker"),
                json={"field": "phone", "reason": "通知领取慰问品"})
    page = browser.new_page(viewport={"width": 1440, "height": 900}, locale="zh-CN")
    errors = watch_errors(page)
    sign_in(page, live_server, users["admin"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    page.click("text=登记访问日志")
    page.wait_for_selector("#log-table tbody tr")
    page.fill("#log-filter [name=resident]", str(person["id"]))
    page.click("#log-filter button[type=submit]")
    page.wait_for_selector("#log-table tbody tr[data-action='reveal']")
    shown = page.inner_text("#log-table")
    assert "查看完整号码" in shown and "通知领取慰问品" in shown and "电话" in shown
    assert users["worker"]["username"] in shown and "13605718888" not in page.content()
    assert f"resident={person['id']}" in page.get_attribute("#log-export", "href")
    page.screenshot(path=str(ARTIFACTS / "register-access-log-zh-CN.png"))
    assert errors == []
    page.context.close()
