"""Writing the register: every change is a new version with its author and what changed; a
stale change is refused and loses nothing; a house with people in it cannot be ended; a
building's households become the counted ones; a visit from afar is flagged."""
from sqlalchemy import text

from tests.register.test_protection import ID, PHONE, add_household


def test_a_correction_is_a_new_version_naming_what_changed_and_a_stale_one_is_refused(client, auth, places):
    worker = auth("worker")
    _, person = add_household(client, worker, places["mine"])
    changed = client.patch(f"/api/v1/register/residents/{person['id']}", headers={**worker, "If-Match": '"v1"'},
                           json={"phone": "13812345678", "registration": "floating"})
    assert changed.status_code == 200 and changed.headers["ETag"] == '"v2"'
    assert changed.get_json()["phone"] == "138****5678"
    stale = client.patch(f"/api/v1/register/residents/{person['id']}", headers={**worker, "If-Match": '"v1"'},
                         json={"name": "张建"})
    assert stale.status_code == 412 and stale.get_json()["current_version"] == 2
    assert stale.get_json()["description"] == "这条记录刚被别人更新过，已为您重新载入，请核对后再保存。"
    versions = client.get(f"/api/v1/register/residents/{person['id']}/history", headers=worker).get_json()["versions"]
    assert [(v["version"], v["action"]) for v in versions] == [(1, "added"), (2, "changed")]
    assert versions[1]["changed"] == ["phone_mask", "registration"]
    assert versions[0]["data"]["phone_mask"] == "139****5678" and versions[1]["data"]["name"] == "张建华"
    assert all(not k.endswith(("_secret", "_key")) for v in versions for k in v["data"])


def test_a_house_with_people_cannot_be_ended_until_they_move_out(client, auth, places):
    worker = auth("worker")
    unit, person = add_household(client, worker, places["mine"])
    refused = client.delete(f"/api/v1/register/units/{unit['id']}", headers=worker)
    assert refused.status_code == 409 and "1 名在册人员" in refused.get_json()["description"]
    assert client.delete(f"/api/v1/register/residents/{person['id']}", headers=worker).status_code == 204
    assert client.get(f"/api/v1/register/residents/{person['id']}", headers=worker).status_code == 404
    assert client.delete(f"/api/v1/register/units/{unit['id']}", headers=worker).status_code == 204
    history = client.get(f"/api/v1/register/residents/{person['id']}/history", headers=worker).get_json()
    assert history["versions"][-1]["action"] == "ended"          # gone from the register, not from its history


def test_a_buildings_counted_houses_replace_its_estimate(client, auth, places, session):
    worker = auth("worker")
    estimated = session.execute(text("SELECT households, households_estimated FROM building WHERE id = :b"),
                                {"b": places["mine"]}).one()
    session.rollback()
    assert estimated[1] is True
    add_household(client, worker, places["mine"])
    client.post(f"/api/v1/register/buildings/{places['mine']}/households", headers=worker,
                json={"unit": {"room": "102", "use": "rented", "households": 2},
                      "residents": [{"name": "李四"}, {"name": "王五", "relation": "tenant"}]})
    card = client.get(f"/api/v1/register/buildings/{places['mine']}", headers=worker).get_json()
    assert (card["households"], card["households_estimated"], card["population"]) == (3, False, 3)


def test_a_household_lands_whole_or_not_at_all(client, auth, places, session):
    worker = auth("worker")
    bad = client.post(f"/api/v1/register/buildings/{places['mine']}/households", headers=worker,
                      json={"unit": {"room": "103", "use": "owner"},
                            "residents": [{"name": "好人"}, {"name": "坏号", "id_number": ID[:-1] + "0"}]})
    assert bad.status_code == 422 and "residents[1].id_number" in bad.get_json()["errors"]
    assert session.execute(text("SELECT count(*) FROM house_unit WHERE room = '103'")).scalar() == 0
    assert session.execute(text("SELECT count(*) FROM resident WHERE name = '好人'")).scalar() == 0


def test_a_visit_made_far_from_its_building_is_flagged(client, auth, places, session):
    lon, lat = session.execute(text("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_PointOnSurface(geom) c FROM building "
                                    "WHERE id = :b) s"), {"b": places["mine"]}).one()
    session.rollback()
    worker = auth("worker")
    near = client.post("/api/v1/register/visits", headers=worker,
                       json={"building": places["mine"], "lon": lon, "lat": lat, "met": "户主"}).get_json()
    far = client.post("/api/v1/register/visits", headers=worker,
                      json={"building": places["mine"], "lon": lon + 0.005, "lat": lat, "met": "户主"}).get_json()
    assert near["far"] is False and far["far"] is True and far["distance_m"] > 100
    visits = client.get(f"/api/v1/register/buildings/{places['mine']}/visits", headers=worker).get_json()["visits"]
    assert sorted(v["far"] for v in visits) == [False, True]
    assert client.post("/api/v1/register/visits", headers=worker,
                       json={"building": places["mine"], "at": "2020-01-01T00:00:00Z"}).status_code == 422


def test_a_whole_phone_number_is_found_however_it_is_written(client, auth, places):
    worker = auth("worker")
    _, person = add_household(client, worker, places["mine"])
    for written in (PHONE, f"+86 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}", f"86{PHONE}"):
        found = client.get("/api/v1/register/residents", query_string={"q": written}, headers=worker).get_json()
        assert [r["id"] for r in found["residents"]] == [person["id"]], written
