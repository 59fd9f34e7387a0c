"""Open311 in Chinese, and for residents: Accept-Language picks zh or en for service names and
descriptions, errors and notices; agency_responsible names the unit in the reader's language;
an address-only request is filed when the address names one of the city's buildings (else a
400 saying so); the reporter follows their request by its token from the moment it is filed,
before triage too; a contact is kept only with consent."""
from __future__ import annotations

import re

from sqlalchemy import text

from tests.public.conftest import a_phone, incident_id

CHINESE = re.compile(r"[\u4e00-\u9fff]")
ZH, EN = {"Accept-Language": "zh-CN,zh;q=0.9"}, {"Accept-Language": "en-GB,en;q=0.9"}


def test_services_are_named_and_described_in_the_readers_language(client):
    zh = {s["service_code"]: s for s in client.get("/open311/v2/services.json", headers=ZH).get_json()}
    en = {s["service_code"]: s for s in client.get("/open311/v2/services.json", headers=EN).get_json()}
    assert zh["environment"]["service_name"] == "环境卫生" and en["environment"]["service_name"] == "Sanitation and litter"
    assert zh["environment"]["description"] == "环境卫生：2 小时内响应，24 小时内办结。"
    assert en["environment"]["description"] == "Sanitation and litter: answered within 2 hours, resolved within 24 hours."
    assert "72 小时内办结" in zh["illegal_construction"]["description"]         # a complex case
    # a kind whose limits count working time promises working hours
    assert zh["public_facility"]["description"] == "公共设施损坏：2 个工作小时内响应，24 个工作小时内办结。"
    assert "within 24 working hours" in en["public_facility"]["description"]
    assert not any(CHINESE.search(s["service_name"] + s["description"]) for s in en.values())


def test_an_address_only_request_is_filed_when_the_address_is_a_building(client, session, places):
    address, lon, lat = places["building"]
    made = client.post("/open311/v2/requests.json", headers=EN, data={
        "service_code": "environment", "address_string": address, "description": "Overflowing bin by the door"})
    assert made.status_code == 201, made.get_json()
    code = made.get_json()[0]["service_request_id"]
    at = session.execute(text("SELECT ST_X(geom), ST_Y(geom), address FROM incident WHERE code = :c"), {"c": code}).one()
    assert abs(at[0] - lon) < 1e-6 and abs(at[1] - lat) < 1e-6 and at[2] == address
    for headers, words in ((ZH, "没有找到地址"), (EN, "No building has the address")):
        unknown = client.post("/open311/v2/requests.json", headers=headers, data={
            "service_code": "environment", "address_string": "Nowhere Street 999", "description": "litter"})
        assert unknown.status_code == 400
        [error] = unknown.get_json()
        assert error["code"] == 400 and error["description"].startswith("address_string") and words in error["description"]
    nothing = client.post("/open311/v2/requests.json", headers=ZH, data={"service_code": "environment", "description": "x"})
    assert nothing.status_code == 400 and "address_string" in nothing.get_json()[0]["description"]
    assert CHINESE.search(nothing.get_json()[0]["description"])


def test_the_reporter_follows_the_request_by_its_token_before_triage(client, places):
    _, lon, lat = places["grids"][9]
    made = client.post("/open311/v2/requests.json", headers=ZH, data={
        "service_code": "public_facility", "lat": lat, "long": lon, "description": "长椅坏了"})
    [answer] = made.get_json()
    assert set(answer) == {"service_request_id", "token", "service_notice", "account_id"}
    assert CHINESE.search(answer["service_notice"])
    code, token = answer["service_request_id"], answer["token"]
    assert client.get(f"/open311/v2/requests/{code}.json").status_code == 404        # not public yet
    [found] = client.get(f"/open311/v2/tokens/{token}.json").get_json()
    assert found == {"service_request_id": code, "token": token}
    [own] = client.get(f"/open311/v2/requests/{code}.json?token={token}", headers=EN).get_json()
    assert own["service_request_id"] == code and own["status"] == "open" and own["description"] == "长椅坏了"
    assert "operator checks it" in own["status_notes"] and own["service_name"] == "Broken public facility"
    for wrong in (f"/open311/v2/requests/{code}.json?token={'x' * 32}", f"/open311/v2/tokens/{'x' * 32}.json"):
        assert client.get(wrong).status_code == 404
    other = client.post("/open311/v2/requests.json", data={
        "service_code": "greenery", "lat": lat, "long": lon + 0.0003, "description": "tree"}).get_json()[0]
    assert client.get(f"/open311/v2/requests/{other['service_request_id']}.json?token={token}").status_code == 404
    xml = client.get(f"/open311/v2/tokens/{token}.xml")
    assert xml.status_code == 200 and b"<token>" in xml.data
    # the same token is the private link of the resident's page
    assert client.get(f"/r/{token}").status_code == 200


def test_a_contact_is_kept_only_with_consent(client, session, places):
    _, lon, lat = places["grids"][9]
    phone = a_phone()
    without = client.post("/open311/v2/requests.json", headers=EN, data={
        "service_code": "environment", "lat": lat, "long": lon + 0.0006, "description": "litter", "phone": phone})
    [answer] = without.get_json()
    assert "not kept" in answer["service_notice"]
    assert session.execute(text("SELECT reporter_phone FROM incident WHERE code = :c"),
                           {"c": answer["service_request_id"]}).scalar() is None
    kept = client.post("/open311/v2/requests.json", headers=EN, data={
        "service_code": "environment", "lat": lat, "long": lon + 0.0009, "description": "litter", "phone": phone,
        "contact_consent": "true"}).get_json()[0]
    assert "not kept" not in kept["service_notice"]
    row = session.execute(text("SELECT reporter_phone, reporter_consent_at IS NOT NULL, reporter_language "
                               "FROM incident WHERE code = :c"), {"c": kept["service_request_id"]}).one()
    assert tuple(row) == (phone, True, "en")


def test_agency_responsible_is_the_unit_in_the_readers_language(client, auth, session, places):
    _, lon, lat = places["grids"][10]
    made = client.post("/open311/v2/requests.json", data={
        "service_code": "road_damage", "lat": lat, "long": lon, "description": "pothole"}).get_json()[0]
    ident = incident_id(session, made["service_request_id"])
    client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"), json={"action": "assign", "level": "grid"})
    grid = session.execute(text("SELECT g.name_zh, g.name_en FROM incident i JOIN grid g ON g.id = i.grid_id "
                                "WHERE i.id = :i"), {"i": ident}).one()
    [zh] = client.get(f"/open311/v2/requests/{made['service_request_id']}.json", headers=ZH).get_json()
    [en] = client.get(f"/open311/v2/requests/{made['service_request_id']}.json", headers=EN).get_json()
    assert (zh["agency_responsible"], en["agency_responsible"]) == tuple(grid)
    # sent up to the street, the street answers for it
    sent_up = client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"),
                          json={"action": "assign", "level": "street", "note": "需要街道协调"})
    assert sent_up.status_code == 200, sent_up.get_json()
    [up] = client.get(f"/open311/v2/requests/{made['service_request_id']}.json", headers=ZH).get_json()
    street = session.execute(text("SELECT a.name_zh FROM incident i JOIN area a ON a.id = i.street_id WHERE i.id = :i"),
                             {"i": ident}).scalar()
    assert up["agency_responsible"] == street
