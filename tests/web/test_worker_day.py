"""The grid worker's day on the phone (zh-CN, 390×844, touch), against the command center's wall
in a second browser context: a task dispatched from the wall reaches the open phone within two
seconds with a notification, the command center and the worker talk on it, the worker accepts,
starts and resolves it with a photo that the operator then sees on the card; a task given to
someone else leaves the phone with a word why; and a patrol walked and a report made without
network arrive once each when the network returns."""
from __future__ import annotations

import io
import math
import time

import pytest
from PIL import Image
from sqlalchemy import text

from app import db
from tests.web.test_pages import ARTIFACTS, browser, sign_in  # noqa: F401  (browser is a fixture)
from tests.web.test_wall import open_wall, post_report, wait_until, watch_errors
from tests.web.test_worker_page import PHONE, my_grid  # noqa: F401  (my_grid is a fixture)

# The phone is in the worker's pocket: the page is in the background, and what it raises is
# recorded on its way to the browser's own Notification and vibration.
IN_THE_POCKET = """
(() => {
  window.__raised = { notified: [], vibrated: [] };
  const Original = window.Notification;
  if (Original) {
    window.Notification = class extends Original {
      constructor(title, options) {
        super(title, options);
        window.__raised.notified.push({ title, body: options && options.body });
      }
    };
  }
  const vibrate = navigator.vibrate ? navigator.vibrate.bind(navigator) : () => true;
  navigator.vibrate = (pattern) => { window.__raised.vibrated.push(pattern); return vibrate(pattern); };
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
})();
"""


@pytest.fixture(scope="module")
def elsewhere(app, users):
    """A point in a grid another full-time worker holds, and that worker's id."""
    with app.app_context():
        row = db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)), a.worker_id
            FROM grid g JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
            JOIN worker w ON w.id = a.worker_id AND w.role = 'full_time' AND w.active
            WHERE g.valid_to IS NULL
              AND a.worker_id <> (SELECT worker_id FROM app_user WHERE username = :name)
            ORDER BY g.code LIMIT 1"""), {"name": users["worker"]["username"]}).one()
    return {"point": (row[0], row[1]), "worker_id": row[2]}


@pytest.fixture(scope="module")
def my_worker_id(app, users):
    with app.app_context():
        return db.session().execute(text("SELECT worker_id FROM app_user WHERE username = :name"),
                                    {"name": users["worker"]["username"]}).scalar_one()


def a_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 120, 200)).save(out, "JPEG")
    return out.getvalue()


def pocket_phone(browser, live_server, users, where, extra_permissions=()):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True,
                                  geolocation={"longitude": where[0], "latitude": where[1]},
                                  permissions=["geolocation", *extra_permissions])
    context.add_init_script(IN_THE_POCKET)
    page = context.new_page()
    errors = watch_errors(page)
    sign_in(page, live_server, users["worker"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    page.goto(f"{live_server}/worker")
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    page.wait_for_selector("#live-state[data-state='live']", timeout=10_000)
    return context, page, errors


def incident(client, auth, code):
    listing = client.get(f"/api/v1/incidents?code={code}", headers=auth("operator")).get_json()
    found = listing["features"][0]
    return client.get(f"/api/v1/incidents/{found['id']}", headers=auth("operator")).get_json()


def eventually(check, timeout: float = 10.0) -> None:
    """The outbox delivers in the background: the server has it soon, not at once."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not delivered in time"
        time.sleep(0.2)


def in_view(page, selector) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


@pytest.mark.browser
def test_a_task_dispatched_from_the_wall_reaches_the_open_phone_and_comes_back_resolved_with_a_photo(
        app, browser, live_server, users, my_grid, elsewhere, my_worker_id, client, auth):
    phone_context, phone, phone_errors = pocket_phone(browser, live_server, users, my_grid["inside"], ["notifications"])
    wall, wall_errors = open_wall(browser, live_server, users, "zh-CN")
    code = post_report(client, users["operator"]["token"], elsewhere["point"], "消防通道被两辆车堵住")
    assert phone.locator(f"#tasks li[data-code='{code}']").count() == 0      # another worker's, so far

    # the operator sends it to this worker from the wall's card
    wall.wait_for_selector(f"#ticker li[data-code='{code}']", timeout=5_000)
    wall.click(f"#ticker li[data-code='{code}']")
    wall.wait_for_selector("#detail:not([hidden]) .actions")
    wall.click("#detail .actions button[data-action='assign']")
    with app.app_context():
        name = db.session().execute(text("SELECT name_zh FROM worker WHERE id = :id"), {"id": my_worker_id}).scalar()
    wall.fill("#detail input[name=worker_search]", name)
    wall.locator("#detail .found li", has_text=name).first.click()
    wall.fill("#detail input[name=note]", "离你最近，请马上去")
    wall.click("#detail button[type=submit]")
    # it arrives without a reload; how fast (the 2 s) is bench/streams.py's to measure,
    # not a test's on a shared machine
    phone.wait_for_selector(f"#tasks li[data-code='{code}'][data-fresh='true']", timeout=10_000)
    # at the top, marked new, and the pocket buzzed and showed a notification
    assert phone.get_attribute("#tasks li >> nth=0", "data-code") == code
    assert "新" in phone.inner_text(f"#tasks li[data-code='{code}'] .new")
    raised = phone.evaluate("window.__raised")
    assert any(code in n["title"] for n in raised["notified"]), raised
    assert raised["vibrated"], raised
    assert "离你最近" in phone.inner_text(f"#tasks li[data-code='{code}'] .talk")
    task = f"#tasks li[data-code='{code}']"
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "worker-day-new-task-zh-CN.png"))

    # accepted, the task stays where it was
    phone.click(f"{task} button[data-action='accept']")
    phone.wait_for_selector(f"{task}[data-status='accepted']")
    phone.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=10_000)
    assert phone.get_attribute("#tasks li >> nth=0", "data-code") == code

    # the command center asks on the card; the phone shows it; the worker answers
    wall.click("#detail .actions button[data-action='comment']")
    wall.fill("#detail input[name=note]", "到了吗？需要城管协助吗")
    wall.click("#detail button[type=submit]")
    wait_until(phone, f"document.querySelector(\"{task} .talk\").innerText.includes('需要城管协助')", 2)
    phone.click(f"{task} button[data-action='comment']")
    phone.fill(f"{task} form.note textarea", "已到现场，不需要")
    phone.click(f"{task} form.note button[type=submit]")
    phone.wait_for_selector(f"{task} .talk li.mine")
    eventually(lambda: [(e["actor"], e["note"]) for e in incident(client, auth, code)["properties"]["history"]
                        if e["action"] == "comment"][-1] == (f"user:{users['worker']['username']}", "已到现场，不需要"))

    phone.click(f"{task} button[data-action='start']")
    phone.wait_for_selector(f"{task}[data-status='in_progress']")
    # resolving: the note, the photo and the send button are on the screen without scrolling
    phone.click(f"{task} button[data-action='resolve']")
    form = f"{task} form.note[data-action='resolve']"
    phone.wait_for_selector(form)
    assert in_view(phone, f"{form} textarea") and in_view(phone, f"{form} button[type=submit]")
    phone.fill(f"{form} textarea", "两辆车已挪走，通道畅通")
    phone.screenshot(path=str(ARTIFACTS / "worker-day-resolving-zh-CN.png"))
    phone.set_input_files(f"{form} input[type=file]",
                          files=[{"name": "scene.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}])
    phone.click(f"{form} button[type=submit]")
    try:
        phone.wait_for_selector(task, state="detached", timeout=10_000)      # resolved: off my list
    except Exception:
        raise AssertionError(phone.inner_text("#notice") + " | " + phone.inner_text("#outbox")) from None
    eventually(lambda: incident(client, auth, code)["properties"]["status"] == "resolved")
    done = incident(client, auth, code)["properties"]
    assert len(done["photos"]) == 1
    phone.screenshot(path=str(ARTIFACTS / "worker-day-resolved-zh-CN.png"))

    # the operator sees the worker's photo on the open card, live
    wall.wait_for_selector(f"#detail .photos img[src$='/api/v1/photos/{done['photos'][0]}']", timeout=5_000)
    wait_until(wall, "document.querySelector('#detail .photos img').naturalWidth === 640", 5)
    wall.screenshot(path=str(ARTIFACTS / "wall-card-photo-zh-CN.png"))
    assert phone_errors == [] and wall_errors == []
    phone_context.close()
    wall.close()


@pytest.mark.browser
def test_a_task_given_to_someone_else_leaves_the_phone_with_a_word_why(
        browser, live_server, users, my_grid, elsewhere, client, auth):
    context, page, errors = pocket_phone(browser, live_server, users, my_grid["inside"])
    code = post_report(client, users["operator"]["token"], my_grid["inside"], "路灯不亮")
    task = f"#tasks li[data-code='{code}']"
    page.wait_for_selector(task, timeout=2_000)
    found = incident(client, auth, code)
    moved = client.post(f"/api/v1/incidents/{found['id']}/events", headers=auth("operator"),
                        json={"action": "assign", "worker_id": elsewhere["worker_id"], "note": "他今天值班"})
    assert moved.status_code == 200, moved.get_json()
    page.wait_for_selector(task, state="detached", timeout=2_000)
    notice = page.inner_text("#notice")
    # the note was written to the new assignee: the old one is told what happened, not that
    assert code in notice and "已改派给其他人" in notice and "他今天值班" not in notice
    assert errors == []
    context.close()


@pytest.mark.browser
def test_after_a_network_drop_the_stream_resumes_from_the_last_event_it_had(
        browser, live_server, users, my_grid, client, app):
    context, page, errors = pocket_phone(browser, live_server, users, my_grid["inside"])
    resumed = []
    page.on("request", lambda r: "/api/v1/stream" in r.url and resumed.append(
        r.all_headers().get("last-event-id") or r.url.partition("last_event_id=")[2] or None))
    context.set_offline(True)
    page.wait_for_selector("#network:not([hidden])")
    assert page.inner_text("#network") == "离线"
    app.extensions["gridmap.stream"].end_streams()          # the dropped network ends the open stream
    page.wait_for_selector("#live-state:not([data-state='live'])", timeout=10_000)
    code = post_report(client, users["operator"]["token"], my_grid["inside"], "断网期间派来的任务")
    time.sleep(1)
    assert page.locator(f"#tasks li[data-code='{code}']").count() == 0
    context.set_offline(False)
    page.wait_for_selector(f"#tasks li[data-code='{code}'][data-fresh='true']", timeout=10_000)
    page.wait_for_selector("#network", state="hidden")
    page.wait_for_selector("#live-state[data-state='live']", timeout=10_000)
    assert any(resumed), resumed            # the stream came back asking from where it stopped
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "ERR_NETWORK_CHANGED" not in e] == []
    context.close()


def _metres(a, b) -> float:
    x = math.radians(b[0] - a[0]) * math.cos(math.radians((a[1] + b[1]) / 2))
    return math.hypot(x, math.radians(b[1] - a[1])) * 6_371_000


@pytest.mark.browser
def test_offline_a_patrol_of_200_m_and_a_report_with_a_photo_arrive_once_when_the_network_returns(
        browser, live_server, users, my_grid, session):
    context, page, errors = pocket_phone(browser, live_server, users, my_grid["inside"])
    page.click("[data-tab='patrol']")
    page.click("#patrol-toggle")
    started = session.execute(text("SELECT now()")).scalar()
    session.rollback()
    context.set_offline(True)
    page.wait_for_selector("#network:not([hidden])")

    # 220 m up and down a street of the grid, 60 m each way, a step of 20 m every two
    # seconds (a brisk walk, sped up)
    lon, lat = my_grid["inside"]
    east = 20 / (111_320 * math.cos(math.radians(lat)))
    for step in [1, 2, 3, 2, 1, 0, -1, -2, -3, -2, -1]:
        time.sleep(2.1)
        context.set_geolocation({"longitude": lon + step * east, "latitude": lat})
    wait_until(page, "Number(document.getElementById('patrol-distance').dataset.metres) >= 200", 5)

    page.click("[data-tab='report']")
    page.click("#use-location")
    page.fill("#report textarea[name=description]", "巡查发现井盖松动（离线上报）")
    page.set_input_files("#report input[name=photo]",
                         files=[{"name": "manhole.jpg", "mimeType": "image/jpeg", "buffer": a_photo()}])
    page.wait_for_selector("#report-photos li img")
    page.click("#report button[type=submit]")
    page.click("[data-tab='patrol']")
    page.click("#patrol-toggle")                    # stop: what was walked goes to the outbox
    page.wait_for_selector("#patrol[data-state='idle']")
    waiting = page.evaluate("window.gridmapWorker.outbox.items().then((items) => items.map((i) => i.kind || i.label))")
    assert waiting == ["照片", "上报事件", "positions"], waiting     # nothing lost, nothing sent yet
    page.screenshot(path=str(ARTIFACTS / "worker-offline-patrol-zh-CN.png"))

    context.set_offline(False)
    page.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=15_000)
    page.evaluate("window.gridmapWorker.outbox.flush()")          # a second flush sends nothing again
    session.rollback()
    reports = session.execute(text("""
        SELECT i.id, (SELECT count(*) FROM incident_photo p WHERE p.incident_id = i.id)
        FROM incident i WHERE i.description = '巡查发现井盖松动（离线上报）'""")).all()
    assert len(reports) == 1 and reports[0][1] == 1
    fixes = session.execute(text("""
        SELECT ST_X(p.geom), ST_Y(p.geom), p.fixed_at FROM position p JOIN app_user u ON u.worker_id = p.worker_id
        WHERE u.username = :name AND p.fixed_at >= :started ORDER BY p.fixed_at"""),
        {"name": users["worker"]["username"], "started": started}).all()
    assert len({f[2] for f in fixes}) == len(fixes)                # each fix once
    route = sum(_metres(a[:2], b[:2]) for a, b in zip(fixes, fixes[1:]))
    assert len(fixes) >= 10 and route >= 190, (len(fixes), route)
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e] == []
    context.close()


@pytest.mark.browser
def test_reloaded_without_network_the_phone_still_opens_on_my_grid_and_tasks(browser, live_server, users, my_grid):
    context, page, errors = pocket_phone(browser, live_server, users, my_grid["inside"])
    # the first visit: the page and its scripts came before the service worker ran, and are
    # handed to it
    wait_until(page, "navigator.serviceWorker.controller !== null", 10)
    wait_until(page, "caches.open('gridmap-worker-1').then((c) => c.keys()).then((kept) => ["
                     "'/worker', '/static/js/worker/main.js', '/api/v1/categories', '/ogcapi/collections/grids/items', "
                     "'/ogcapi/collections/buildings/items'].every((path) => kept.some((r) => new URL(r.url).pathname === path)))", 10)
    tasks = page.locator("#tasks li").count()
    context.set_offline(True)
    page.reload()                                   # no signal, and Android reloads the tab
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    assert page.inner_text("#my-grid") == my_grid["name"]["zh"]
    assert page.inner_text("#network") == "离线"
    assert page.locator("#tasks li").count() == tasks
    page.screenshot(path=str(ARTIFACTS / "worker-reloaded-offline-zh-CN.png"))
    context.set_offline(False)
    assert [e for e in errors if "ERR_INTERNET_DISCONNECTED" not in e and "Failed to fetch" not in e] == []
    context.close()


@pytest.mark.browser
def test_a_worker_asks_to_pause_a_task_with_a_reason_and_the_command_center_decides(
        browser, live_server, users, my_grid, client, auth, session):
    code = post_report(client, users["operator"]["token"], my_grid["inside"], "井盖缺失，需等新井盖")
    context, phone, errors = pocket_phone(browser, live_server, users, my_grid["inside"])
    task = f"#tasks li[data-code='{code}']"
    phone.wait_for_selector(task, timeout=10_000)
    phone.click(f"{task} button[data-action='accept']")
    phone.wait_for_selector(f"{task}[data-status='accepted']")
    phone.wait_for_selector("#outbox[data-count='0']", state="attached", timeout=10_000)
    phone.click(f"{task} button[data-action='ask_suspend']")
    form = f"{task} form.note[data-action='ask_suspend']"
    phone.fill(f"{form} textarea", "新井盖周五到货")
    phone.click(f"{form} button[type=submit]")
    assert "请选择原因" in phone.inner_text(f"{form} .error")        # why, first
    phone.select_option(f"{form} select[name=reason]", "parts")
    phone.click(f"{form} button[type=submit]")
    eventually(lambda: session.execute(text(
        "SELECT r.status FROM incident_request r JOIN incident i ON i.id = r.incident_id WHERE i.code = :c"),
        {"c": code}).scalar() == "pending")
    session.rollback()
    phone.screenshot(path=str(ARTIFACTS / "worker-ask-pause-zh-CN.png"))
    # the command center approves; the task stays on the phone, paused, and cannot be asked again
    listing = client.get(f"/api/v1/incidents?code={code}", headers=auth("operator")).get_json()
    ident = listing["features"][0]["id"]
    assert client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"),
                       json={"action": "approve"}).status_code == 200
    phone.click("#refresh")
    phone.wait_for_selector(f"{task}:not(:has(button[data-action='ask_suspend']))", timeout=10_000)
    assert errors == []
    context.close()
