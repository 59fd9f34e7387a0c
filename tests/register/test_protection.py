"""The register under PIPL's rules: a worker sees their own grids only, numbers are masked in
every answer and encrypted at rest, key-person tags need their own permission, every read of a
person is in the access log, and no ID number or phone reaches a log, an audit row or an error."""
import logging

import pytest
from sqlalchemy import text

from app import db
from app.services.register import identity

ID = "110105198001011230"[:17]
ID = ID + identity.id_check_digit(ID)                  # a man born 1980, Beijing Chaoyang
PHONE = "13912345678"
OTHER_ID = "440106199203154321"[:17]
OTHER_ID = OTHER_ID + identity.id_check_digit(OTHER_ID)


def add_household(client, headers, building, room="101", **person):
    unit = client.post(f"/api/v1/register/buildings/{building}/units", headers=headers,
                       json={"entrance": "1", "floor": 1, "room": room, "use": "owner"})
    assert unit.status_code == 201, unit.get_json()
    resident = client.post(f"/api/v1/register/units/{unit.get_json()['id']}/residents", headers=headers,
                           json={"name": "张建华", "id_number": ID, "phone": PHONE, **person})
    assert resident.status_code == 201, resident.get_json()
    return unit.get_json(), resident.get_json()


def every_text(session) -> str:
    """Everything the database holds as text where a number could leak: the register's rows,
    their versions, the access log, the audit log."""
    return "\n".join(str(v) for v in session.execute(text("""
        SELECT r::text FROM resident r UNION ALL SELECT v::text FROM register_version v
        UNION ALL SELECT a::text FROM person_access a UNION ALL SELECT e::text FROM audit_log e""")).scalars())


def test_a_worker_adds_a_household_and_sees_the_numbers_masked_while_the_database_holds_only_ciphertext(
        client, auth, places, app):
    unit, person = add_household(client, auth("worker"), places["mine"])
    assert person["id_number"] == ID[:6] + "********" + ID[-4:]
    assert person["phone"] == "139****5678"
    assert (person["sex"], person["birth_year"]) == ("M", 1980)          # what the ID number states
    with app.app_context():
        held = every_text(db.session())
    assert ID not in held and PHONE not in held and ID[6:14] not in held


def test_every_answer_that_shows_a_person_masks_the_numbers(client, auth, places):
    worker = auth("worker")
    unit, person = add_household(client, worker, places["mine"])
    answers = [
        client.get(f"/api/v1/register/buildings/{places['mine']}", headers=worker),
        client.get(f"/api/v1/register/residents/{person['id']}", headers=worker),
        client.get("/api/v1/register/residents?q=张建", headers=worker),
        client.get(f"/api/v1/register/residents?q={ID}", headers=worker),
        client.get(f"/api/v1/register/residents?q={PHONE}", headers=worker),
        client.patch(f"/api/v1/register/residents/{person['id']}", headers=worker,
                     json={"registration": "floating", "version": 1}),
        client.get(f"/api/v1/register/residents/{person['id']}/history", headers=worker),
        client.get(f"/api/v1/register/residents/{person['id']}/history", headers=auth("admin")),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_data(as_text=True)
        assert ID not in body and PHONE not in body and ID[6:14] not in body
        assert "139****5678" in body
    found = answers[3].get_json()["residents"]
    assert [r["id"] for r in found] == [person["id"]]           # found by the number's keyed hash
    assert answers[4].get_json()["residents"][0]["id"] == person["id"]


def test_a_worker_cannot_reach_another_grids_residents_by_any_door(client, auth, places):
    _, theirs = add_household(client, auth("admin"), places["theirs"], room="202")
    worker = auth("worker")
    # the building is no secret — its door plate names its grid and worker — its people are
    card = client.get(f"/api/v1/register/buildings/{places['theirs']}", headers=worker)
    assert card.status_code == 403 and card.get_json()["grid"]["code"] == places["other_grid"]
    assert "由" in card.get_json()["description"] and "张建华" not in card.get_data(as_text=True)
    assert client.post(f"/api/v1/register/buildings/{places['theirs']}/units", headers=worker,
                       json={"room": "1", "use": "owner"}).status_code == 403
    assert client.get(f"/api/v1/register/residents/{theirs['id']}", headers=worker).status_code == 404
    assert client.get(f"/api/v1/register/residents/{theirs['id']}/history", headers=worker).status_code == 404
    assert client.post(f"/api/v1/register/residents/{theirs['id']}/reveal", headers=worker,
                       json={"field": "phone", "reason": "回访"}).status_code == 404
    assert client.patch(f"/api/v1/register/residents/{theirs['id']}", headers=worker,
                        json={"name": "改名"}).status_code == 404
    for query in ("张建", ID, PHONE):
        assert client.get(f"/api/v1/register/residents?q={query}", headers=worker).get_json()["residents"] == []
    grids = {g["grid"] for g in client.get("/api/v1/register/figures", headers=worker).get_json()["grids"]}
    assert places["grid"] in grids and places["other_grid"] not in grids
    # the operator of the whole city finds them
    found = client.get(f"/api/v1/register/residents?q={ID}", headers=auth("operator")).get_json()["residents"]
    assert [r["id"] for r in found] == [theirs["id"]]


def test_key_person_tags_need_their_own_permission(client, auth, places):
    admin, worker, operator = auth("admin"), auth("worker"), auth("operator")
    unit, person = add_household(client, admin, places["mine"], key_tags=["community_correction"],
                                 care_tags=["elderly_alone"])
    assert person["key_tags"] == ["community_correction"]
    for headers in (worker, operator):
        seen = client.get(f"/api/v1/register/residents/{person['id']}", headers=headers).get_json()
        assert "key_tags" not in seen and seen["care_tags"] == ["elderly_alone"]
        history = client.get(f"/api/v1/register/residents/{person['id']}/history", headers=headers).get_json()
        assert all("key_tags" not in v["data"] for v in history["versions"])
    refused = client.patch(f"/api/v1/register/residents/{person['id']}", headers=worker,
                           json={"key_tags": []})
    assert refused.status_code == 403 and refused.get_json()["description"] == "您的角色不能查看或修改重点人员标签。"
    figures = client.get("/api/v1/register/figures", headers=worker).get_json()["grids"]
    assert all("key_persons" not in f for f in figures)
    mine = next(f for f in client.get("/api/v1/register/figures", headers=admin).get_json()["grids"]
                if f["grid"] == places["grid"])
    assert mine["key_persons"] == 1 and mine["elderly_alone"] == 1


def test_every_read_of_a_person_is_in_the_access_log_and_a_whole_number_needs_a_reason(
        client, auth, places, users):
    worker = auth("worker")
    _, person = add_household(client, worker, places["mine"])
    client.get(f"/api/v1/register/buildings/{places['mine']}", headers=worker)
    client.get(f"/api/v1/register/residents/{person['id']}", headers=worker)
    client.get("/api/v1/register/residents?q=张", headers=worker)
    client.get(f"/api/v1/register/residents/{person['id']}/history", headers=worker)
    no_reason = client.post(f"/api/v1/register/residents/{person['id']}/reveal", headers=worker,
                            json={"field": "phone"})
    assert no_reason.status_code == 422
    whole = client.post(f"/api/v1/register/residents/{person['id']}/reveal", headers=worker,
                        json={"field": "phone", "reason": "上门走访前电话预约"})
    assert whole.status_code == 200 and whole.get_json()["value"] == PHONE
    assert whole.headers["Cache-Control"] == "no-store"
    assert client.post(f"/api/v1/register/residents/{person['id']}/reveal", headers=auth("operator"),
                       json={"field": "phone", "reason": "核实"}).status_code == 403

    log = client.get(f"/api/v1/register/access-log?resident={person['id']}", headers=auth("admin")).get_json()
    mine = [e for e in log["entries"] if e["actor"] == f"user:{users['worker']['username']}"]
    assert [e["action"] for e in reversed(mine)] == ["list", "read", "search", "history", "reveal"]
    reveal = mine[0]
    assert (reveal["field"], reveal["reason"]) == ("phone", "上门走访前电话预约") and reveal["address"]
    assert client.get("/api/v1/register/access-log", headers=worker).status_code == 403
    exported = client.get(f"/api/v1/register/access-log?resident={person['id']}&format=csv", headers=auth("admin"))
    assert exported.status_code == 200 and "reveal" in exported.get_data(as_text=True)
    assert PHONE not in exported.get_data(as_text=True)


def test_no_number_reaches_a_log_an_audit_row_or_an_error(client, auth, places, app, caplog):
    caplog.set_level(logging.DEBUG)
    worker = auth("worker")
    unit, person = add_household(client, worker, places["mine"])
    wrong = ID[:-1] + ("0" if ID[-1] != "0" else "1")
    answers = [
        client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=worker,
                    json={"name": "李四", "id_number": wrong}),
        client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=worker,
                    json={"name": "李四", "id_number": ID}),            # the same person twice
        client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=worker,
                    json={"name": "李四", "phone": "1391234567"}),
        client.post(f"/api/v1/register/units/{unit['id']}/residents", headers=worker,
                    json={"name": "李四", "id_number": OTHER_ID, "birth_year": 1990}),
    ]
    assert [a.status_code for a in answers] == [422, 422, 422, 422]
    assert answers[0].get_json()["errors"]["id_number"] == "身份证号校验位不符，请核对是否抄错。"
    assert "已登记在册" in answers[1].get_json()["errors"]["id_number"]
    assert answers[3].get_json()["errors"]["birth_year"] == "与身份证号中的出生年份或性别不一致。"
    for answer in answers:
        body = answer.get_data(as_text=True)
        assert wrong not in body and ID not in body and OTHER_ID not in body and "1391234567" not in body
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for number in (ID, wrong, OTHER_ID, PHONE, "1391234567"):
        assert number not in logged
    with app.app_context():
        held = every_text(db.session())
    assert ID not in held and PHONE not in held and OTHER_ID not in held and wrong not in held


def test_a_role_without_the_register_sees_none_of_it(client, auth, places):
    _, person = add_household(client, auth("admin"), places["mine"])
    for role in ("viewer", "planner", "department"):
        assert client.get(f"/api/v1/register/residents/{person['id']}", headers=auth(role)).status_code == 403
        assert client.get(f"/api/v1/register/buildings/{places['mine']}", headers=auth(role)).status_code == 403


def test_production_refuses_to_start_with_the_default_register_key(database_url, monkeypatch):
    from app import create_app
    monkeypatch.setenv("GRIDMAP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("GRIDMAP_REGISTER_KEY", raising=False)
    with pytest.raises(RuntimeError, match="GRIDMAP_REGISTER_KEY"):
        create_app({"DATABASE_URL": database_url})


def test_a_visit_counts_in_the_grids_visit_coverage_beside_patrols(client, auth, places):
    """The grid's one registered house was visited; the visit found a problem, which became
    the grid's incident and so puts the grid in the ranking."""
    worker = auth("worker")
    unit, _ = add_household(client, worker, places["mine"])
    category = client.get("/api/v1/categories", headers=worker).get_json()["categories"][0]["code"]
    visit = client.post("/api/v1/register/visits", headers=worker,
                        json={"building": places["mine"], "unit": unit["id"], "met": "户主", "client_key": "cov-1",
                              "note": "楼道堆放杂物", "follow_up": category})
    assert visit.status_code == 201 and visit.get_json()["incident"]
    again = client.post("/api/v1/register/visits", headers=worker,
                        json={"building": places["mine"], "unit": unit["id"], "met": "户主", "client_key": "cov-1",
                              "note": "楼道堆放杂物", "follow_up": category})
    assert again.status_code == 200 and again.get_json()["id"] == visit.get_json()["id"]     # resent, not twice
    body = client.get("/api/v1/assessment", query_string={"unit": "grid", "patrol": "1"},
                      headers=auth("operator")).get_json()
    mine = next(r for r in body["ranking"] if r["code"] == places["grid"])
    assert mine["visit_coverage"] == 1.0                  # its one registered house, visited
