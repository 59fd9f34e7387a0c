"""Departments in the loop (协同): the routing rules pick who handles a case and the department
is told; a department's staff see their department's cases only; a case is transferred (转派)
and returned (退回) with its clock kept; co-handling (协办) resolves only when the lead does —
over the API, on the Helsinki city with the shipped departments (gis_data/departments.csv)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from app import db
from app.services.accounts import accounts
from app.services.incidents import routing
from tests.conftest import PASSWORD

pytestmark = pytest.mark.usefixtures("users")


@pytest.fixture(scope="module")
def staff(app):
    """A bearer token for a staff member of each of three departments (t_department is SZ's)."""
    made = {}
    with app.app_context():
        session = db.session()
        for code in ("CGZF", "GD"):
            user = accounts.create_user(session, f"t_dept_{code.lower()}", PASSWORD, "department",
                                        department_code=code)
            made[code] = {"Authorization": f"Bearer {accounts.create_token(session, user, 'tests')[1]}"}
        session.commit()
    return made


@pytest.fixture()
def as_department(auth, staff):
    return lambda code: auth("department") if code == "SZ" else staff[code]


@pytest.fixture(scope="module")
def places(app):
    """Points inside grids with a full-time worker, each with its community's and street's
    codes; far enough apart not to be each other's duplicates."""
    with app.app_context():
        rows = db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)), c.code, s.code
            FROM grid g JOIN area c ON c.id = g.community_id JOIN area s ON s.id = c.parent_id
            WHERE g.valid_to IS NULL AND EXISTS (
                SELECT 1 FROM worker_assignment a JOIN worker w ON w.id = a.worker_id
                WHERE a.grid_id = g.id AND a.valid_to IS NULL AND w.role = 'full_time')
            ORDER BY g.code DESC""")).all()
    return [tuple(r) for r in rows]


@pytest.fixture()
def rules(app):
    """Routing rules put for one test, ended after it (the next test sees the city as shipped)."""
    put = []

    def make(category, handling, department=None, area=None, severity=None, note="test"):
        with app.app_context():
            session = db.session()
            rule = routing.put(session, routing.Change(category, area, severity, handling, department, note),
                               "user:t_admin", datetime.now(timezone.utc))
            session.commit()
            put.append(rule.id)
            return rule
    yield make
    with app.app_context():
        session = db.session()
        for rule_id in put:
            routing.end(session, rule_id, "user:t_admin", datetime.now(timezone.utc))
        session.commit()
    routing.forget()


def report(client, auth, where, category="road_damage", severity="normal"):
    lon, lat = where[:2]
    response = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": category, "point": [lon, lat], "description": "路面塌陷一个大坑", "severity": severity})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def act(client, headers, incident, action, **body):
    return client.post(f"/api/v1/incidents/{incident['id']}/events", json={"action": action, **body},
                       headers=headers)


def read(client, headers, incident):
    return client.get(f"/api/v1/incidents/{incident['id']}", headers=headers)


def tasks_of(client, auth, incident):
    body = read(client, auth("operator"), incident).get_json()["properties"]
    return [(t["department"], t["role"], t["status"]) for t in body["tasks"]]


# -- routing -------------------------------------------------------------------------------

def test_the_rules_send_a_case_to_its_department_and_tell_it(client, auth, session, rules, places):
    session.execute(text("UPDATE department SET duty_phone = '13800138000' WHERE code = 'SZ'"))
    session.commit()
    try:
        rules("road_damage", "department", "SZ")
        case = report(client, auth, places[0])
        p = case["properties"]
        assert (p["status"], p["handling"], p["department"]["code"], p["assignee"]) == \
            ("assigned", "department", "SZ", None)
        assert p["department"]["zh"] == "市政设施管理所"
        assert tasks_of(client, auth, case) == [("SZ", "lead", "open")]
        history = read(client, auth("operator"), case).get_json()["properties"]["history"]
        assert history[-1]["action"] == "assign" and history[-1]["to_department"]["zh"] == "市政设施管理所"
        told = session.execute(text("""
            SELECT o.step, o.channel, d.code FROM outbox_message o JOIN department d ON d.id = o.department_id
            WHERE o.incident_id = :i"""), {"i": case["id"]}).all()
        assert [tuple(t) for t in told] == [("task", "sms", "SZ")]
        # a kind the rules do not name stays in the grid, as before
        other = report(client, auth, places[1], category="greenery")["properties"]
        assert (other["handling"], other["department"], other["assignee"] is not None) == ("grid", None, True)
    finally:
        session.execute(text("UPDATE department SET duty_phone = NULL WHERE code = 'SZ'"))
        session.execute(text("DELETE FROM outbox_message WHERE department_id IS NOT NULL"))
        session.commit()


def test_the_most_specific_rule_decides(client, auth, rules, places):
    lon, lat, community, street = places[2]
    rules("road_damage", "department", "SZ")
    rules("road_damage", "department", "WY", area=community)
    rules("road_damage", "both", "CGZF", area=community, severity="critical")
    rules(None, "department", "TJ", area=street)
    assert report(client, auth, places[2])["properties"]["department"]["code"] == "WY"
    critical = report(client, auth, places[2], severity="critical")["properties"]
    assert (critical["department"]["code"], critical["handling"]) == ("CGZF", "both")
    assert critical["assignee"] is not None          # the grid's worker checks on site
    assert report(client, auth, places[2], category="environment")["properties"]["department"]["code"] == "TJ"
    # a named category beats any category, wherever: in another community of the street, the city's rule
    elsewhere = next(p for p in places if p[2] != community)
    assert report(client, auth, elsewhere)["properties"]["department"]["code"] == "SZ"


def test_a_rule_edit_keeps_the_one_it_replaces_as_history(client, auth, rules):
    first = rules("road_damage", "department", "SZ")
    second = rules("road_damage", "department", "CGZF", note="城管接手路面 / enforcement takes the roads")
    body = client.get("/api/v1/routing-rules?history=true", headers=auth("admin")).get_json()
    by_id = {r["id"]: r for r in body["rules"]}
    assert by_id[first.id]["valid_to"] is not None and by_id[second.id]["valid_to"] is None
    in_force = client.get("/api/v1/routing-rules", headers=auth("admin")).get_json()["rules"]
    assert [r["department"] for r in in_force if r["category"] == "road_damage" and not r["area"]] == ["CGZF"]


def test_a_first_dispatch_against_the_rules_needs_a_note(client, auth, session, rules, places):
    rules("road_damage", "department", "SZ")
    lon, lat = places[3][:2]
    filed = client.post("/api/v1/public/reports", data={
        "category": "road_damage", "description": "人行道塌了", "lon": f"{lon:.7f}", "lat": f"{lat:.7f}"},
        content_type="multipart/form-data").get_json()
    ident = session.execute(text("SELECT id FROM incident WHERE code = :c"), {"c": filed["code"]}).scalar_one()
    case = {"id": ident}
    refused = act(client, auth("operator"), case, "assign", level="grid")
    assert refused.status_code == 422 and "note" in refused.get_json()["errors"]
    # as the rules say, no note needed
    routed = act(client, auth("operator"), case, "assign", route=True)
    assert routed.status_code == 200 and routed.get_json()["properties"]["department"]["code"] == "SZ"


# -- a department's staff ------------------------------------------------------------------

def test_a_department_sees_its_cases_and_no_others(client, auth, as_department, rules, places):
    rules("road_damage", "department", "SZ")
    ours = report(client, auth, places[4])
    grids = report(client, auth, places[5], category="greenery")
    listing = client.get("/api/v1/incidents?department=SZ&open=true", headers=as_department("SZ")).get_json()
    codes = {f["properties"]["code"] for f in listing["features"]}
    assert ours["properties"]["code"] in codes and grids["properties"]["code"] not in codes
    everything = client.get("/api/v1/incidents?limit=1000", headers=as_department("SZ")).get_json()
    assert grids["properties"]["code"] not in {f["properties"]["code"] for f in everything["features"]}
    assert read(client, as_department("SZ"), grids).status_code == 404
    assert read(client, as_department("CGZF"), ours).status_code == 404
    offered = [s["action"] for s in read(client, as_department("SZ"), ours).get_json()["properties"]["allowed"]]
    assert {"accept", "transfer", "return", "comment"} <= set(offered) and "assign" not in offered
    # another department may not take its steps
    assert act(client, as_department("CGZF"), ours, "accept").status_code == 404


# -- transfer and return ---------------------------------------------------------------------

def test_a_transfer_and_a_return_keep_the_clock(client, auth, as_department, rules, places):
    rules("road_damage", "department", "SZ")
    case = report(client, auth, places[6])
    due = (case["properties"]["due_respond_at"], case["properties"]["due_resolve_at"])
    assert act(client, as_department("SZ"), case, "accept").status_code == 200
    # 转派: the note says why; the new department must take it on again
    assert act(client, as_department("SZ"), case, "transfer", department="CGZF").status_code == 422
    moved = act(client, as_department("SZ"), case, "transfer", department="CGZF", note="路面被违建占压，属城管执法")
    assert moved.status_code == 200, moved.get_json()
    p = moved.get_json()["properties"]
    assert (p["status"], p["department"]["code"]) == ("assigned", "CGZF")
    assert (p["due_respond_at"], p["due_resolve_at"]) == due
    assert tasks_of(client, auth, case) == [("SZ", "lead", "transferred"), ("CGZF", "lead", "open")]
    # the department that passed it on still reads it, and may no longer act on it
    assert read(client, as_department("SZ"), case).status_code == 200
    assert act(client, as_department("SZ"), case, "start").status_code == 403
    # 退回: with a reason the dispatcher can act on
    assert act(client, as_department("CGZF"), case, "return", reason="ours?", note="x").status_code == 422
    back = act(client, as_department("CGZF"), case, "return", reason="wrong_place", note="位置在河对岸，不在本辖区")
    assert back.status_code == 200
    p = back.get_json()["properties"]
    assert (p["status"], p["flag"], p["department"], p["handling"]) == ("reported", "returned", None, "grid")
    assert (p["due_respond_at"], p["due_resolve_at"]) == due
    returned = client.get("/api/v1/incidents?returned=true", headers=auth("operator")).get_json()
    assert case["properties"]["code"] in {f["properties"]["code"] for f in returned["features"]}
    history = read(client, auth("operator"), case).get_json()["properties"]["history"]
    assert [(e["action"], (e["data"] or {}).get("reason")) for e in history[-2:]] == \
        [("transfer", None), ("return", "wrong_place")]
    # the dispatcher sends it on; the flag goes
    on = act(client, auth("operator"), case, "assign", department="SZ", note="核实后仍属市政")
    assert on.status_code == 200 and on.get_json()["properties"]["flag"] is None


# -- co-handling ------------------------------------------------------------------------------

def test_co_handling_closes_only_when_the_lead_resolves(client, auth, as_department, places):
    case = report(client, auth, places[7], category="public_facility")
    given = act(client, auth("operator"), case, "assign", department="SZ", helpers=["GD", "CGZF"],
                note="路灯杆倒伏：市政牵头，供电、城管协办")
    assert given.status_code == 200, given.get_json()
    assert given.get_json()["properties"]["helpers"] == ["GD", "CGZF"]
    assert tasks_of(client, auth, case) == [("SZ", "lead", "open"), ("GD", "helper", "open"),
                                            ("CGZF", "helper", "open")]
    # a helper takes on its own part, and cannot resolve the case
    gd = as_department("GD")
    assert [s["action"] for s in read(client, gd, case).get_json()["properties"]["allowed"]] == ["assist"]
    assert act(client, gd, case, "assist").status_code == 200
    assert act(client, gd, case, "resolve", note="done").status_code == 403
    assert act(client, gd, case, "assisted", note="已断电，线路已安全").status_code == 200
    assert read(client, auth("operator"), case).get_json()["properties"]["status"] == "assigned"
    # the lead resolves: the case is resolved, whatever the other helper has done
    sz = as_department("SZ")
    for step, note in (("accept", None), ("start", None), ("resolve", "灯杆已扶正加固")):
        assert act(client, sz, case, step, note=note).status_code == 200
    p = read(client, auth("operator"), case).get_json()["properties"]
    assert p["status"] == "resolved"
    assert tasks_of(client, auth, case) == [("SZ", "lead", "done"), ("GD", "helper", "done"),
                                            ("CGZF", "helper", "open")]
    # the case closes; the part never taken up is ended
    assert act(client, auth("operator"), case, "verify").status_code == 200
    assert tasks_of(client, auth, case)[-1] == ("CGZF", "helper", "ended")


def test_a_lead_cannot_also_help_and_helpers_need_a_lead(client, auth, places):
    case = report(client, auth, places[8], category="public_facility")
    twice = act(client, auth("operator"), case, "assign", department="SZ", helpers=["SZ"], note="x")
    assert twice.status_code == 422 and "helpers" in twice.get_json()["errors"]
    alone = act(client, auth("operator"), case, "assign", level="community", helpers=["GD"], note="x")
    assert alone.status_code == 422
    unknown = act(client, auth("operator"), case, "assign", department="NOPE", note="x")
    assert unknown.status_code == 422 and "NOPE" in unknown.get_json()["errors"]["department"]
