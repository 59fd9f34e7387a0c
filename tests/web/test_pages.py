"""The map page, in the real browser (Debian's headless Chromium, driven by Playwright)."""
import pytest

from app.config import ROOT
from tests.conftest import PASSWORD

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def sign_in(page, live_server, username, password=PASSWORD):
    page.goto(live_server + "/")
    page.wait_for_selector("form input[name=username]")   # sent to the login page first
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


@pytest.mark.browser
@pytest.mark.parametrize("locale", ["zh-CN", "en-GB"])
def test_the_map_shows_the_city_with_layers_and_a_legend_and_no_console_error(browser, live_server, users, locale):
    page = browser.new_page(viewport={"width": 1400, "height": 900}, locale=locale)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    external = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server) else None)

    sign_in(page, live_server, users["operator"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    counts = page.evaluate("JSON.parse(document.getElementById('map').dataset.counts)")
    assert counts["grids"] >= 10 and counts["buildings"] > 400
    # the grid layer is drawn: one canvas path per grid is not inspectable, so check the map
    # holds the layer and the switcher lists it
    switcher = page.inner_text(".leaflet-control-layers")
    legend = page.inner_text("#legend")
    grid_word = "网格" if locale == "zh-CN" else "Grids"
    assert grid_word in switcher and grid_word in legend

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"map-{locale}.png"))
    assert errors == []
    assert external == []   # nothing from the internet: command centres are offline
    page.close()


@pytest.mark.browser
def test_a_viewer_signs_in_sees_public_layers_only_and_signs_out(browser, live_server, users):
    page = browser.new_page(locale="en-GB")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, users["viewer"]["username"])
    page.wait_for_selector("#map[data-ready='true']", timeout=20_000)
    counts = page.evaluate("JSON.parse(document.getElementById('map').dataset.counts)")
    assert "cameras" not in counts and counts["grids"] >= 10
    assert "t_viewer" in page.inner_text("header")
    page.click("form.account button")
    page.wait_for_selector("form input[name=username]")
    page.goto(live_server + "/")
    assert "/login" in page.url            # the session is gone
    assert errors == []
    page.close()


@pytest.mark.browser
def test_a_wrong_password_is_told_on_the_form(browser, live_server, users):
    page = browser.new_page(locale="zh-CN")
    sign_in(page, live_server, users["planner"]["username"], "wrong password")
    page.wait_for_selector(".error")
    assert "用户名或密码错误" in page.inner_text(".error")
    page.close()
