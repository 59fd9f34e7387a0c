"""Deadlines shown as a date and a time of day (a limit in working time may end days after a
holiday): on the wall's incident card and in the grid worker's task list, beside the time left —
in the real browser, in Chinese and English."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.web.test_pages import browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import open_wall, watch_errors
from tests.web.test_worker_page import PHONE, my_grid  # noqa: F401  (my_grid is a fixture)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def shown(iso: str, locale: str) -> str:
    """A deadline as the pages write it: "10月9日 10:30" / "10:30 on 9 Oct" (the year added when
    it is not this year)."""
    due = datetime.fromisoformat(iso).astimezone(SHANGHAI)
    other_year = due.year != datetime.now(SHANGHAI).year
    if locale == "zh-CN":
        return f"{due.year}年" * other_year + f"{due.month}月{due.day}日 {due:%H:%M}"
    return f"{due:%H:%M} on {due.day} {due:%b}" + f" {due.year}" * other_year


def file_public_facility(client, users, point, description):
    response = client.post("/api/v1/incidents", headers={"Authorization": f"Bearer {users['operator']['token']}"},
                           json={"category": "public_facility", "point": list(point), "description": description})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["properties"]


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_wall_card_shows_each_deadline_as_a_date_and_time_beside_the_time_left(
        browser, live_server, users, client, a_grid_point, locale):
    page, errors = open_wall(browser, live_server, users, locale)
    p = file_public_facility(client, users, a_grid_point, f"deadline shown on the wall {locale}")
    page.wait_for_selector(f"#ticker li[data-code='{p['code']}']", timeout=5_000)
    page.click(f"#ticker li[data-code='{p['code']}']")
    page.wait_for_selector("#detail:not([hidden]) h2")
    facts = page.eval_on_selector_all("#detail dd", "dds => dds.map(d => d.textContent)")
    assert any(f.startswith(shown(p["due_respond_at"], locale) + " · ") for f in facts), facts
    assert any(f.startswith(shown(p["due_resolve_at"], locale) + " · ") for f in facts), facts
    assert errors == []
    page.close()


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_phone_task_list_shows_the_deadline_as_a_date_and_time(
        browser, live_server, users, client, my_grid, locale):  # noqa: F811
    p = file_public_facility(client, users, my_grid["inside"], f"deadline shown on the phone {locale}")
    where = my_grid["inside"]
    context = browser.new_context(viewport=PHONE, locale=locale, timezone_id="Asia/Shanghai",
                                  geolocation={"longitude": where[0], "latitude": where[1]},
                                  permissions=["geolocation"], is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, live_server, users["worker"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    page.goto(f"{live_server}/worker")
    page.wait_for_selector(f"#tasks li[data-code='{p['code']}'] .due")
    # not yet responded to: the limit to respond, as a date and time, then the time left
    due = page.inner_text(f"#tasks li[data-code='{p['code']}'] .due")
    assert f" {shown(p['due_respond_at'], locale)} · " in due, due
    assert errors == []
    context.close()
