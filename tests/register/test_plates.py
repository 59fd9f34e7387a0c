"""扫码定责 — the QR door plates: one per building entrance, a token that leads back to it and to
nothing else, a PDF sheet per grid (a worker: their own grid only), and the public page a scan
opens — the grid, community and worker, never a resident or a personal phone — whose button
starts a report at the building; the grid's worker is taken to the building's register."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import pytest
from sqlalchemy import text

from app import create_app, db
from app.config import NotifyRules
from app.services.register import identity, plates
from tests.conftest import TEST_SETTINGS
from tests.public.test_resident_browser import open_phone
from tests.web.test_pages import ARTIFACTS, browser  # noqa: F401  (browser is a fixture)

ID = "110105198001011230"[:17]
ID = ID + identity.id_check_digit(ID)
PHONE = "13912345678"
WORKER_PHONE = "13800138000"
SCAN = "扫码查看负责网格和网格员"          # each plate's foot, once per plate

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils: make system-test-tools")


def secret(app) -> str:
    return app.config["GRIDMAP"].secret_key


def add_unit(client, headers, building, entrance=None, room="101") -> dict:
    body = {"floor": 1, "room": room, "use": "owner", **({"entrance": entrance} if entrance else {})}
    unit = client.post(f"/api/v1/register/buildings/{building}/units", headers=headers, json=body)
    assert unit.status_code == 201, unit.get_json()
    return unit.get_json()


def add_resident(client, headers, unit) -> dict:
    person = client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=headers,
                         json={"name": "张建华", "id_number": ID, "phone": PHONE})
    assert person.status_code == 201, person.get_json()
    return person.get_json()


@pytest.fixture()
def grid_facts(session, places):
    """The worker's grid by name, its community, its worker (and the number of its buildings)."""
    return session.execute(text("""
        SELECT g.id, g.name_zh, c.name_zh AS community_zh, w.id AS worker_id, w.name_zh AS worker_zh,
               (SELECT count(*) FROM building b WHERE b.grid_id = g.id) AS buildings
        FROM grid g JOIN area c ON c.id = g.community_id
        JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
        JOIN worker w ON w.id = a.worker_id AND w.role = 'full_time'
        WHERE g.code = :code AND g.valid_to IS NULL"""), {"code": places["grid"]}).one()


@pytest.fixture()
def worker_with_a_phone(session, grid_facts):
    """The grid worker's own phone on file: a plate must never show it."""
    kept = session.execute(text("SELECT phone FROM worker WHERE id = :id"), {"id": grid_facts.worker_id}).scalar()
    session.execute(text("UPDATE worker SET phone = :p WHERE id = :id"), {"p": WORKER_PHONE, "id": grid_facts.worker_id})
    session.commit()
    yield
    session.execute(text("UPDATE worker SET phone = :p WHERE id = :id"), {"p": kept, "id": grid_facts.worker_id})
    session.commit()


# -- the token -------------------------------------------------------------------------------

def test_a_plates_token_leads_back_to_its_building_and_entrance(app, client, auth, session, places):
    for entrance, room in (("1", "101"), ("2", "201"), ("2", "202")):
        add_unit(client, auth("worker"), places["mine"], entrance, room)
    key = secret(app)
    for entrance in ("1", "2", None):
        plate = plates.find(session, key, plates.token(key, places["mine"], entrance))
        assert (plate.building_id, plate.entrance) == (places["mine"], entrance)
    # stable: the same entrance, the same token; each entrance and building its own
    tokens = {plates.token(key, b, e) for b in (places["mine"], places["theirs"]) for e in ("1", "2", None)}
    assert len(tokens) == 6 and plates.token(key, places["mine"], "1") in tokens


def test_a_token_is_short_and_cannot_be_made_without_the_secret(app, session, places):
    key = secret(app)
    token = plates.token(key, places["mine"], "1")
    assert re.fullmatch(r"[0-9a-z]{11,20}", token)
    forged = [plates.token("another secret", places["mine"], "1"),          # the id is right, the MAC not
              token[:-1] + ("a" if token[-1] != "a" else "b"),
              token[:-plates.MAC_LENGTH],                                    # the id alone
              plates.token(key, places["mine"], "9"),                        # an entrance it does not have
              "", "../../etc", token.upper()]
    assert [plates.find(session, key, t) for t in forged] == [None] * len(forged)


def test_a_printed_plate_still_leads_to_its_building_after_its_houses_are_ended(app, client, auth, session, places):
    unit = add_unit(client, auth("worker"), places["mine"], "3")
    assert client.delete(f"/api/v1/register/units/{unit['id']}", headers=auth("worker")).status_code == 204
    key = secret(app)
    plate = plates.find(session, key, plates.token(key, places["mine"], "3"))
    assert (plate.building_id, plate.entrance) == (places["mine"], "3")


# -- the sheet -------------------------------------------------------------------------------

def pdf_text(pdf: bytes, tmp_path) -> str:
    (tmp_path / "plates.pdf").write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(tmp_path / "plates.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout


@needs_poppler
def test_the_sheet_has_one_plate_per_entrance_of_the_grid_with_the_grids_name(
        app, client, auth, places, grid_facts, tmp_path):
    for entrance, room in (("1", "101"), ("2", "201"), ("10", "1001")):
        add_unit(client, auth("worker"), places["mine"], entrance, room)
    answer = client.get(f"/api/v1/register/plates.pdf?grid={places['grid']}", headers=auth("worker"))
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert f"plates-{places['grid']}.pdf" in answer.headers["Content-Disposition"]
    words = pdf_text(answer.data, tmp_path)
    plates_printed = grid_facts.buildings - 1 + 3         # three entrances for one building, one for each other
    assert words.count(SCAN) == plates_printed
    assert f"共 {plates_printed} 块" in words
    assert grid_facts.name_zh in words and places["grid"] in words
    assert grid_facts.community_zh in words and grid_facts.worker_zh in words
    for entrance in ("1", "2", "10"):
        assert f"{entrance}单元" in words
        # each code's address is printed under it too, for a phone that cannot scan
        assert f"localhost/q/{plates.token(secret(app), places['mine'], entrance)}" in words
    assert "localhost/q/" + plates.token(secret(app), places["mine"], None) not in words


def test_a_worker_gets_the_sheet_of_their_own_grid_only(client, auth, places):
    assert client.get(f"/api/v1/register/plates.pdf?grid={places['other_grid']}",
                      headers=auth("worker")).status_code == 404
    assert client.get(f"/api/v1/register/plates.pdf?grid={places['other_grid']}",
                      headers=auth("operator")).status_code == 200
    refused = client.get("/api/v1/register/plates.pdf", headers=auth("worker"))
    assert refused.status_code == 400 and refused.get_json()["parameter"] == "grid"
    assert client.get(f"/api/v1/register/plates.pdf?grid={places['grid']}", headers=auth("viewer")).status_code == 403


@needs_poppler
def test_flask_register_plates_writes_the_sheet_under_the_public_address(database_url, places, tmp_path):
    app = create_app({"DATABASE_URL": database_url, **TEST_SETTINGS,
                      "notify": NotifyRules(public_url="https://gridmap.example.gov.cn")})
    out = tmp_path / "sheet.pdf"
    result = app.test_cli_runner().invoke(args=["register", "plates", "--grid", places["grid"], str(out)],
                                          env={"LC_MESSAGES": "zh_CN.UTF-8"})
    assert result.exit_code == 0, result.output
    assert "已写入" in result.output and "块门牌" in result.output
    words = subprocess.run(["pdftotext", str(out), "-"], check=True, capture_output=True, text=True).stdout
    assert "gridmap.example.gov.cn/q/" + plates.token(app.config["GRIDMAP"].secret_key, places["mine"], None) in words
    unknown = app.test_cli_runner().invoke(args=["register", "plates", "--grid", "NO-SUCH", str(out)])
    assert unknown.exit_code != 0 and "NO-SUCH" in unknown.output


def test_flask_register_plates_asks_for_the_public_address_first(runner, places, tmp_path):
    result = runner.invoke(args=["register", "plates", "--grid", places["grid"], str(tmp_path / "x.pdf")])
    assert result.exit_code != 0 and "GRIDMAP_PUBLIC_URL" in result.output
    assert not (tmp_path / "x.pdf").exists()


# -- the page a scan opens -------------------------------------------------------------------

def test_the_public_page_names_grid_community_and_worker_and_nobody_who_lives_there(
        app, client, auth, places, grid_facts, worker_with_a_phone):
    unit = add_unit(client, auth("worker"), places["mine"], "2")
    person = add_resident(client, auth("worker"), unit)
    token = plates.token(secret(app), places["mine"], "2")
    for path in (f"/q/{token}", f"/report?plate={token}"):
        page = client.get(path)
        assert page.status_code == 200
        body = page.get_data(as_text=True)
        for private in ("张建华", ID, ID[6:14], PHONE, person["phone"], person["id_number"], WORKER_PHONE):
            assert private not in body, (path, private)
    body = client.get(f"/q/{token}").get_data(as_text=True)
    assert grid_facts.name_zh in body and places["grid"] in body
    assert grid_facts.community_zh in body and grid_facts.worker_zh in body
    assert "2单元" in body and f'href="/report?plate={token}"' in body


def report_place(client, token) -> dict | None:
    body = client.get(f"/report?plate={token}").get_data(as_text=True)
    place = re.search(r'data-place="([^"]+)"', body)
    return place and json.loads(html.unescape(place[1]))


def test_the_report_form_starts_at_the_plates_building_by_its_address(app, client, session, places):
    building, lon, lat, address = session.execute(text("""
        SELECT b.id, ST_X(ST_PointOnSurface(b.geom)), ST_Y(ST_PointOnSurface(b.geom)), b.address FROM building b
        JOIN grid g ON g.id = b.grid_id WHERE g.code = :grid AND b.address IS NOT NULL ORDER BY b.id LIMIT 1"""),
        {"grid": places["grid"]}).one()
    chosen = report_place(client, plates.token(secret(app), building, None))
    assert (chosen["lon"], chosen["lat"]) == (pytest.approx(lon, abs=1e-6), pytest.approx(lat, abs=1e-6))
    assert chosen["address"] == {"zh": address, "en": address}
    assert report_place(client, "nosuchplate12345") is None


def test_a_building_with_no_address_is_called_after_the_road_it_stands_on(app, client, session, places):
    building, road = session.execute(text("""
        SELECT * FROM (
            SELECT b.id, (SELECT r.name FROM road r WHERE r.name IS NOT NULL
                          AND ST_DWithin(r.geom::geography, ST_PointOnSurface(b.geom)::geography, 100)
                          ORDER BY r.geom <-> ST_PointOnSurface(b.geom) LIMIT 1) AS road
            FROM building b JOIN grid g ON g.id = b.grid_id
            WHERE g.code = :grid AND b.address IS NULL AND b.name IS NULL) nameless
        ORDER BY road IS NULL, id LIMIT 1"""), {"grid": places["grid"]}).one()
    assert road is not None
    chosen = report_place(client, plates.token(secret(app), building, None))
    assert chosen["address"] == {"zh": f"{road}旁的楼栋", "en": f"Building on {road}"}


def test_an_unknown_plate_is_a_friendly_404_in_chinese(client):
    answer = client.get("/q/zzzzzzzzzzzzzzz")
    assert answer.status_code == 404
    assert "没有找到这块门牌" in answer.get_data(as_text=True)
    assert "was not found" in client.get("/q/zzzzzzzzzzzzzzz", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_the_grids_worker_signed_in_is_taken_to_the_buildings_register(app, client, auth, places):
    key = secret(app)
    mine = client.get(f"/q/{plates.token(key, places['mine'], None)}", headers=auth("worker"))
    assert mine.status_code == 302
    assert mine.headers["Location"].endswith(f"/worker#register/building/{places['mine']}")
    assert mine.headers["Vary"] == "Cookie"
    # another grid's plate, or a reader who has no worker page: the public page, as for anyone
    assert client.get(f"/q/{plates.token(key, places['theirs'], None)}", headers=auth("worker")).status_code == 200
    assert client.get(f"/q/{plates.token(key, places['mine'], None)}", headers=auth("admin")).status_code == 200
    assert client.get(f"/q/{plates.token(key, places['mine'], None)}").status_code == 200


@pytest.mark.browser
def test_a_resident_scans_a_plate_and_reaches_the_report_form_at_that_building(app, browser, live_server, places,
                                                                               grid_facts):
    token = plates.token(secret(app), places["mine"], None)
    context, page, errors, outside = open_phone(browser, live_server, f"/q/{token}", "zh-CN")
    page.wait_for_selector("body[data-ready='true']")
    assert grid_facts.name_zh in page.inner_text(".facts") and grid_facts.worker_zh in page.inner_text(".facts")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plate-zh.png"), full_page=True)
    page.click("#plate-report")
    page.wait_for_url(re.compile(rf"/report\?plate={token}$"))
    page.wait_for_selector("body[data-ready='true']")
    words = page.input_value("#address")
    assert words and page.inner_text("#place-label") == words
    assert page.get_attribute("#place-label", "data-state") == "chosen"
    assert page.locator(".pin").count() == 1
    page.screenshot(path=str(ARTIFACTS / "plate-report-zh.png"), full_page=True)
    assert errors == [] and outside == []
    context.close()
