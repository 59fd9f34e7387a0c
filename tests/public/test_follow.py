"""The private link (/r/<token>): a resident follows their own case — status and what happens
next in words, with times — and nothing of anyone else's; a wrong, malformed or expired token
and another case's are all the same 404. Once the case is closed they rate it, once; "not
solved" reopens it with their words on its history. An operator's call-back rating is only for
a case whose reporter left no contact, and gives way to the resident's own."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app.config import IncidentRules
from app.services.public import follow
from tests.public.conftest import a_phone, close, file_report, incident_id, jpeg

CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def spot(places):
    return places["grids"][6][1:]


def case_of(client, token, language="zh-CN"):
    response = client.get(f"/api/v1/public/follow/{token}", headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def rate(client, token, language="zh-CN", **body):
    return client.post(f"/api/v1/public/follow/{token}/rating", json=body, headers={"Accept-Language": language})


def history(client, auth, ident):
    body = client.get(f"/api/v1/incidents/{ident}", headers=auth("operator")).get_json()
    return body["properties"]["history"], body["properties"]


def test_the_link_shows_the_residents_own_case_and_what_comes_next(client, auth, session, spot):
    lon, lat = spot
    made = file_report(client, lon, lat, photos=[jpeg()], phone=a_phone(), consent="1", description="井盖松动 我家门口")
    mine = case_of(client, made["token"])
    assert mine["code"] == made["code"] and mine["status"] == "reported"
    assert mine["status_words"] == "已收到，等待派单。" and "值班员核实后派单" in mine["next"]
    assert mine["description"] == "井盖松动 我家门口" and mine["can_rate"] is False
    assert mine["contact"]["phone"].count("*") == 4 and [s["step"] for s in mine["steps"]] == ["received"]
    assert mine["promise"] == {"respond": "2 小时", "resolve": "24 小时"}
    english = case_of(client, made["token"], "en")
    assert not CHINESE.search(english["next"] + english["status_words"]) and english["promise"]["resolve"] == "24 hours"
    # its own photo, by the link only
    [photo] = mine["photos"]
    assert client.get(f"/api/v1/public/follow/{made['token']}/photos/{photo}").mimetype == "image/jpeg"
    assert client.get(f"/api/v1/public/photos/{photo}").status_code == 404
    # the city's words to one another stay theirs
    ident = incident_id(session, made["code"])
    client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"),
                json={"action": "comment", "note": "worker's note: the neighbour at 301 complains a lot"})
    client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"), json={"action": "assign", "level": "grid"})
    assigned = case_of(client, made["token"])
    body = str(assigned)
    assert "301 complains" not in body and "t_operator" not in body and "user:" not in body
    assert assigned["status"] == "assigned" and "网格员" in assigned["next"]


def test_a_wrong_malformed_expired_or_other_token_is_the_same_404(client, auth, session, spot):
    lon, lat = spot
    made = file_report(client, lon, lat)
    other = file_report(client, lon + 0.0002, lat)
    token = made["token"]
    answers = [client.get(f"/api/v1/public/follow/{t}", headers={"Accept-Language": "en"})
               for t in ("x" * 32, token[:-1] + ("A" if token[-1] != "A" else "B"), "short", "a" * 300, "t%C3%A9")]
    bodies = {(a.status_code, a.get_data(as_text=True)) for a in answers}
    assert bodies == {(404, answers[0].get_data(as_text=True))}
    assert made["code"] not in answers[0].get_data(as_text=True)
    page = client.get("/r/" + "x" * 32, headers={"Accept-Language": "zh-CN"})
    assert page.status_code == 404 and "链接无效或已过期" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    # one case's token reads nothing of another's: not its photo, not its rating
    ident = incident_id(session, other["code"])
    [photo] = session.execute(text("SELECT coalesce(max(id), 0) FROM incident_photo")).scalars().all()
    assert client.get(f"/api/v1/public/follow/{token}/photos/{photo}").status_code == 404
    close(client, auth, session, other["code"])
    assert rate(client, token, satisfaction=5).status_code == 409       # its own case is not closed
    assert session.execute(text("SELECT satisfaction FROM incident WHERE id = :i"), {"i": ident}).scalar() is None
    # a closed case's link ends the settings' days after its last step; an open one's does not
    days = IncidentRules().link_days
    later = datetime.now(timezone.utc) + timedelta(days=days + 1)
    assert follow.find(session, other["token"], later, days) is None
    assert follow.find(session, token, later, days) is not None
    assert follow.find(session, other["token"], later, days + 2) is not None


def test_a_closed_case_is_rated_once(client, auth, session, spot):
    lon, lat = spot
    made = file_report(client, lon + 0.0004, lat, phone=a_phone(), consent="1")
    assert rate(client, made["token"], satisfaction=4).status_code == 409     # not closed yet
    ident = close(client, auth, session, made["code"])
    mine = case_of(client, made["token"])
    assert mine["can_rate"] is True and "请评价" in mine["next"]
    refused = rate(client, made["token"], "en", satisfaction=6)
    assert refused.status_code == 422 and "1 to 5" in refused.get_json()["errors"]["satisfaction"]
    assert rate(client, made["token"], satisfaction="5").status_code == 422
    assert rate(client, made["token"], satisfaction=5, comment="好" * 501).status_code == 422
    rated = rate(client, made["token"], satisfaction=5, comment="修得很快")
    assert rated.status_code == 200, rated.get_json()
    assert rated.get_json()["rating"] == {"satisfaction": 5, "comment": "修得很快", "at": rated.get_json()["rating"]["at"]}
    assert rated.get_json()["can_rate"] is False and "感谢" in rated.get_json()["next"]
    again = rate(client, made["token"], "en", satisfaction=1)
    assert again.status_code == 409 and "once" in again.get_json()["description"]
    row = session.execute(text("SELECT satisfaction, rated_by FROM incident WHERE id = :i"), {"i": ident}).one()
    assert tuple(row) == (5, "resident")
    # an operator calling back cannot change what the resident said
    callback = client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"),
                           json={"action": "rate", "satisfaction": 1})
    assert callback.status_code == 409


def test_not_solved_reopens_the_case_with_the_residents_words(client, auth, session, spot):
    lon, lat = spot
    made = file_report(client, lon + 0.0006, lat)
    ident = close(client, auth, session, made["code"])
    wordless = rate(client, made["token"], "en", satisfaction=2, not_solved=True)
    assert wordless.status_code == 422 and "still wrong" in wordless.get_json()["errors"]["comment"]
    reopened = rate(client, made["token"], satisfaction=2, comment="还没修好", not_solved=True)
    assert reopened.status_code == 200, reopened.get_json()
    mine = reopened.get_json()
    assert mine["status"] == "reopened" and "重新办理" in mine["next"]
    assert [s["step"] for s in mine["steps"]][-2:] == ["rated", "reopened"]
    steps, properties = history(client, auth, ident)
    last = steps[-2:]
    assert [(e["action"], e["note"], e["to_status"]) for e in last] == [
        ("rate", "还没修好", "closed"), ("reopen", "还没修好", "reopened")]
    assert all(e["by"]["kind"] == "resident" for e in last)
    assert properties["status"] == "reopened" and properties["satisfaction"] == 2
    # the dispatcher sees it among the reopened
    listed = client.get("/api/v1/incidents", query_string={"status": "reopened", "code": made["code"]},
                        headers=auth("operator")).get_json()
    assert listed["numberMatched"] == 1


def test_a_call_back_rates_only_a_case_without_a_contact_and_gives_way_to_the_resident(client, auth, session, spot):
    lon, lat = spot
    with_contact = file_report(client, lon + 0.0008, lat, email="resident@example.org", consent="1")
    ident = close(client, auth, session, with_contact["code"])
    refused = client.post(f"/api/v1/incidents/{ident}/events", headers={**auth("operator"), "Accept-Language": "en"},
                          json={"action": "rate", "satisfaction": 5})
    assert refused.status_code == 409 and "call-back" in refused.get_json()["description"]
    assert client.post(f"/api/v1/incidents/{ident}/events", headers=auth("worker"),
                       json={"action": "rate", "satisfaction": 5}).status_code in (403, 404)
    without = file_report(client, lon + 0.001, lat)
    ident = close(client, auth, session, without["code"])
    called = client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"),
                         json={"action": "rate", "satisfaction": 3, "note": "电话回访"})
    assert called.status_code == 200 and called.get_json()["properties"]["satisfaction"] == 3
    assert client.post(f"/api/v1/incidents/{ident}/events", headers=auth("operator"),
                       json={"action": "rate", "satisfaction": 5}).status_code == 409
    # the resident's own word comes after and stands
    assert case_of(client, without["token"])["can_rate"] is True
    assert rate(client, without["token"], satisfaction=4).status_code == 200
    assert tuple(session.execute(text("SELECT satisfaction, rated_by FROM incident WHERE id = :i"),
                                 {"i": ident}).one()) == (4, "resident")
