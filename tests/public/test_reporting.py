"""A resident reports a problem without an account (POST /api/v1/public/reports, as the /report
page sends it): the place by a point or by an address the city's buildings know, the kind, the
words, up to three photos, a contact kept only with consent — answered with the case code and
the private link, whose token is kept nowhere. Every wrong input is a precise 4xx in the
reader's language; a retry is answered as the first send; abuse meets limits, not a service."""
from __future__ import annotations

import hashlib
import io
import re
import uuid

import pytest
from sqlalchemy import text

from app.config import IncidentRules
from app.services.public import reporting
from tests.conftest import TEST_SETTINGS
from tests.public.conftest import a_phone, file_report, jpeg, report_form

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def post(client, data, language="zh-CN", **headers):
    return client.post("/api/v1/public/reports", data=data, content_type="multipart/form-data",
                       headers={"Accept-Language": language, **headers})


def test_a_report_with_a_photo_and_a_phone_gets_its_code_and_private_link(client, session, places):
    _, lon, lat = places["grids"][0]
    phone = a_phone()
    made = file_report(client, lon, lat, photos=[jpeg()], phone=f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}",
                       consent="1", address="和平路 7 号")
    assert re.fullmatch(r"E\d{8}-\d{6}", made["code"])
    assert made["link"].endswith(f"/r/{made['token']}") and made["triage"] is True and made["contact_kept"] is True
    assert made["notice"].startswith("感谢您的反映。值班员核实后派单")
    row = session.execute(text("""
        SELECT id, channel, triage, status, reported_by, reporter_phone, reporter_email, reporter_consent_at,
               reporter_token_hash, reporter_language, address FROM incident WHERE code = :c"""),
        {"c": made["code"]}).mappings().one()
    assert (row["channel"], row["triage"], row["status"], row["reported_by"]) == ("citizen", True, "reported", "resident:web")
    assert row["reporter_phone"] == phone and row["reporter_consent_at"] is not None
    assert row["reporter_token_hash"] == hashlib.sha256(made["token"].encode()).hexdigest()
    assert row["reporter_language"] == "zh" and row["address"] == "和平路 7 号"
    photos = session.execute(text("""
        SELECT e.action FROM incident_photo p JOIN incident_event e ON e.id = p.event_id
        WHERE p.incident_id = :id"""), {"id": row["id"]}).scalars().all()
    assert photos == ["report"]
    # the token is stored nowhere, and the phone in no log
    for table in ("incident", "incident_event", "idempotent_request", "audit_log"):
        assert not session.execute(text(f"SELECT EXISTS (SELECT 1 FROM {table} t WHERE t::text LIKE :t)"),
                                   {"t": f"%{made['token']}%"}).scalar(), table
    assert not session.execute(text("SELECT EXISTS (SELECT 1 FROM audit_log a WHERE a::text LIKE :p)"),
                               {"p": f"%{phone}%"}).scalar()
    # the link opens the case for its reporter
    assert client.get(f"/r/{made['token']}").status_code == 200


def test_a_retried_submission_gets_the_first_answer_and_files_nothing_twice(client, session, places):
    _, lon, lat = places["grids"][1]
    key = uuid.uuid4().hex
    first = file_report(client, lon, lat, submission=key, description="retried pothole")
    again = client.post("/api/v1/public/reports", content_type="multipart/form-data",
                        data=report_form(lon, lat, submission=key, description="retried pothole"))
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert (again.get_json()["code"], again.get_json()["token"]) == (first["code"], first["token"])
    # the header works as the form field does
    header = file_report(client, lon, lat, headers={"Idempotency-Key": key + "h"})
    assert file_report(client, lon, lat, headers={"Idempotency-Key": key + "h"}, expect=200)["token"] == header["token"]
    assert session.execute(text("SELECT count(*) FROM incident WHERE description = 'retried pothole'")).scalar() == 1
    short = post(client, report_form(lon, lat, submission="short"))
    assert short.status_code == 422 and "submission" in short.get_json()["errors"]


def test_the_place_may_be_an_address_the_city_knows(client, session, places):
    address, lon, lat = places["building"]
    made = file_report(client, None, None, address=address.upper().replace(" ", ""))
    at = session.execute(text("SELECT ST_X(geom), ST_Y(geom), address FROM incident WHERE code = :c"),
                         {"c": made["code"]}).one()
    assert at[2] == address and abs(at[0] - lon) < 1e-6 and abs(at[1] - lat) < 1e-6
    unknown = post(client, report_form(None, None, address="不存在的路 999 号"))
    assert unknown.status_code == 422 and "不存在的路 999 号" in unknown.get_json()["errors"]["address"]
    nowhere = post(client, report_form(None, None), language="en")
    assert nowhere.status_code == 422 and "map" in nowhere.get_json()["errors"]["point"]


def test_every_field_is_checked_and_said_in_the_readers_language(client, places):
    _, lon, lat = places["grids"][2]
    for language in ("zh-CN", "en"):
        empty = post(client, {"website": ""}, language)
        assert empty.status_code == 422
        errors = empty.get_json()["errors"]
        assert set(errors) == {"category", "description", "point"}
        assert all(bool(CHINESE.search(v)) == (language == "zh-CN") for v in errors.values())
    cases = [
        ({"lon": "1e400"}, "lon"), ({"lat": "9" * 400}, "lat"), ({"lon": "east"}, "lon"),
        ({"description": "坑" * 2001}, "description"), ({"description": "   "}, "description"),
        ({"category": "elderly_care"}, "category"),           # private: not a resident's to file here
        ({"category": "x" * 5000}, "category"),
        ({"phone": "12345"}, "phone"), ({"phone": a_phone()}, "consent"),
        ({"email": "not-an-address", "consent": "1"}, "email"), ({"email": "a" * 300 + "@example.org", "consent": "1"}, "email"),
        ({"address": "路" * 301}, "address"),
        ({"lon": "0", "lat": "0"}, "point"),                  # outside the city
        ({"website": "http://spam.example"}, "website"),      # the honeypot
    ]
    for change, field in cases:
        response = post(client, report_form(lon, lat, **change))
        assert response.status_code == 422, (change, response.get_json())
        assert field in response.get_json()["errors"], (change, response.get_json())
    nul = post(client, report_form(lon, lat, description="坑\x00"))
    assert nul.status_code == 400 and CHINESE.search(nul.get_json()["description"])
    assert client.post("/api/v1/public/reports", data="category=road_damage",
                       content_type="text/plain").status_code == 400
    as_json = client.post("/api/v1/public/reports", json={"category": "road_damage", "description": "json pothole",
                                                          "point": [lon, lat]})
    assert as_json.status_code == 201, as_json.get_json()


def test_photos_at_most_three_each_a_real_image(client, places):
    _, lon, lat = places["grids"][3]
    data = report_form(lon, lat)
    data["photos"] = [(io.BytesIO(jpeg()), f"p{n}.jpg") for n in range(4)]
    four = post(client, data, "en")
    assert four.status_code == 422 and "at most 3" in four.get_json()["errors"]["photos"]
    data = report_form(lon, lat)
    data["photos"] = [(io.BytesIO(jpeg()), "ok.jpg"), (io.BytesIO(b"%PDF-1.4 not a photo"), "bad.jpg")]
    bad = post(client, data, "en")
    assert bad.status_code == 422 and "Photo 2" in bad.get_json()["errors"]["photos"]


def strict_app(database_url, **settings):
    from app import create_app
    return create_app({"DATABASE_URL": database_url, **TEST_SETTINGS, **settings}).test_client()


@pytest.fixture(scope="module")
def strict(database_url):
    """The app with a small photo limit."""
    return strict_app(database_url, incidents=IncidentRules(tick_seconds=0, photo_max_bytes=20_000))


def test_an_oversized_photo_is_refused_as_too_large(strict, places):
    _, lon, lat = places["grids"][3]
    data = report_form(lon, lat)
    data["photos"] = [(io.BytesIO(jpeg(2000, 2000, (10, 200, 90)) + b"\0" * 30_000), "big.jpg")]
    big = post(strict, data, "en")
    assert big.status_code == 413 and "MB" in big.get_json()["errors"]["photos"]


def test_each_client_address_may_send_only_so_many(database_url, places):
    limited = strict_app(database_url, public_rate="3/minute")
    _, lon, lat = places["grids"][4]
    answers = [post(limited, report_form(lon, lat)) for _ in range(4)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429]
    assert int(answers[3].headers["Retry-After"]) >= 1
    assert CHINESE.search(answers[3].get_json()["description"])


def test_one_contact_may_report_five_problems_a_day(client, places):
    _, lon, lat = places["grids"][5]
    phone = a_phone()
    for n in range(IncidentRules().contact_reports_per_day):
        file_report(client, lon + n * 0.0001, lat, phone=phone, consent="1")
    sixth = post(client, report_form(lon, lat, phone=phone, consent="1"), "en")
    assert sixth.status_code == 429 and int(sixth.headers["Retry-After"]) > 60
    assert "24 hours" in sixth.get_json()["description"] and phone not in sixth.get_data(as_text=True)
    # the same person without the contact, or another contact, is not held back
    file_report(client, lon, lat, phone=a_phone(), consent="1")


def test_the_page_offers_the_kinds_a_resident_may_report_and_their_promise(client):
    body = client.get("/api/v1/public/categories", headers={"Accept-Language": "zh-CN"}).get_json()
    kinds = {c["code"]: c for c in body["categories"]}
    assert "road_damage" in kinds and "fire_risk" in kinds
    assert "elderly_care" not in kinds and "neighbour_dispute" not in kinds
    assert kinds["road_damage"]["respond"] == "2 小时" and kinds["road_damage"]["resolve"] == "24 小时"
    assert kinds["illegal_construction"]["resolve"] == "72 小时"
    page = client.get("/report", headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 200 and "road_damage" in page.get_data(as_text=True)
    assert "elderly_care" not in page.get_data(as_text=True)
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]


def test_addresses_are_the_citys_own(client, places):
    address, lon, lat = places["building"]
    found = client.get("/api/v1/public/addresses", query_string={"q": address[:6].lower()}).get_json()["places"]
    assert address in [p["address"] for p in found]
    assert all(set(p) == {"kind", "address", "name", "community", "point"} for p in found if p["kind"] == "building")
    near = client.get(f"/api/v1/public/addresses/nearest?lon={lon}&lat={lat}").get_json()
    assert near["address"] == address and "households" not in near
    assert client.get("/api/v1/public/addresses/nearest?lon=1e400&lat=1").status_code == 400
    tile = client.get("/api/v1/public/tiles/buildings/16/37322/18961.mvt")
    assert tile.status_code == 200 and tile.mimetype == "application/vnd.mapbox-vector-tile"
    assert client.get("/api/v1/public/tiles/cameras/16/37322/18961.mvt").status_code == 404
