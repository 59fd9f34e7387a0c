"""What a department's list reads of each case (协同), over the API: its own part in the case
(a case it transferred or returned is ended for it, not work to do), the answer to its latest
request to suspend or extend, and a search by the place's names — on the Helsinki city."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import text

from app import db
from app.services.accounts import accounts
from tests.conftest import PASSWORD
from tests.incidents.test_departments import act, places, report, rules  # noqa: F401  (fixtures)

pytestmark = pytest.mark.usefixtures("users")


@pytest.fixture(scope="module")
def enforcement(app):
    """A staff member of urban enforcement (CGZF): their headers."""
    with app.app_context():
        session = db.session()
        user = accounts.create_user(session, "t_dept_list_cgzf", PASSWORD, "department", department_code="CGZF")
        headers = {"Authorization": f"Bearer {accounts.create_token(session, user, 'tests')[1]}"}
        session.commit()
    return headers


@pytest.fixture()
def as_department(auth, enforcement):
    """Headers for a staff member of SZ (t_department) or of CGZF."""
    return lambda code: auth("department") if code == "SZ" else enforcement


def listed(client, headers, *cases, **filters):
    codes = ",".join(c["properties"]["code"] for c in cases)
    body = client.get("/api/v1/incidents", query_string={"code": codes, **filters}, headers=headers).get_json()
    return {f["properties"]["code"]: f["properties"] for f in body["features"]}


def test_a_case_transferred_or_returned_is_ended_for_the_department_that_let_it_go(
        client, auth, as_department, rules, places):
    rules("road_damage", "department", "SZ")
    sz, cgzf = as_department("SZ"), as_department("CGZF")
    moved, back, kept = (report(client, auth, places[-n]) for n in (1, 2, 3))
    assert act(client, sz, moved, "transfer", department="CGZF", note="属城管执法").status_code == 200
    assert act(client, sz, back, "return", reason="not_ours", note="不属市政").status_code == 200
    assert act(client, sz, kept, "accept").status_code == 200

    ours = listed(client, sz, moved, back, kept)
    assert {code: (p["own_task"]["role"], p["own_task"]["status"]) for code, p in ours.items()} == {
        moved["properties"]["code"]: ("lead", "transferred"),
        back["properties"]["code"]: ("lead", "returned"),
        kept["properties"]["code"]: ("lead", "accepted")}
    assert ours[moved["properties"]["code"]]["own_task"]["finished_at"]
    # the department it went to has it to do; the case card says the same
    assert listed(client, cgzf, moved)[moved["properties"]["code"]]["own_task"]["status"] == "open"
    card = client.get(f"/api/v1/incidents/{moved['id']}", headers=sz).get_json()["properties"]
    assert card["own_task"]["status"] == "transferred"
    # the command center has no part of its own in a case
    assert "own_task" not in listed(client, auth("operator"), moved)[moved["properties"]["code"]]


def test_the_answer_to_a_request_stays_on_the_case(client, auth, as_department, rules, places):
    rules("road_damage", "department", "SZ")
    sz = as_department("SZ")
    case = report(client, auth, places[-4])
    assert act(client, sz, case, "accept").status_code == 200
    later = (datetime.fromisoformat(case["properties"]["due_resolve_at"]) + timedelta(days=3)).isoformat()
    assert act(client, sz, case, "ask_extend", reason="parts", until=later, note="沥青周五到货").status_code == 200
    waiting = listed(client, sz, case)[case["properties"]["code"]]["last_request"]
    assert (waiting["kind"], waiting["status"], waiting["note"]) == ("extend", "pending", None)
    assert act(client, auth("operator"), case, "refuse", note="材料可从二号仓库调用").status_code == 200
    refused = listed(client, sz, case)[case["properties"]["code"]]["last_request"]
    assert (refused["kind"], refused["reason"], refused["status"], refused["note"]) == \
        ("extend", "parts", "refused", "材料可从二号仓库调用")

    assert act(client, sz, case, "ask_extend", reason="weather", until=later, note="连续降雨").status_code == 200
    assert act(client, auth("operator"), case, "approve").status_code == 200
    approved = client.get(f"/api/v1/incidents/{case['id']}", headers=sz).get_json()["properties"]
    assert (approved["last_request"]["status"], approved["pending_request"]) == ("approved", None)
    assert datetime.fromisoformat(approved["last_request"]["until"]) == datetime.fromisoformat(later)
    assert datetime.fromisoformat(approved["due_resolve_at"]) == datetime.fromisoformat(later)


def test_a_search_finds_a_case_by_the_name_of_its_community_street_or_grid(client, auth, session, places):
    case = report(client, auth, places[-5], category="greenery")
    community, street, grid = session.execute(text("""
        SELECT c.name_zh, s.name_zh, g.name_zh FROM incident t JOIN area c ON c.id = t.community_id
        JOIN area s ON s.id = t.street_id JOIN grid g ON g.id = t.grid_id WHERE t.id = :i"""),
        {"i": case["id"]}).one()
    for words in (community, street, grid):
        found = client.get("/api/v1/incidents", query_string={"q": words, "limit": 1000},
                           headers=auth("operator")).get_json()
        assert case["properties"]["code"] in {f["properties"]["code"] for f in found["features"]}, words
    nowhere = client.get("/api/v1/incidents", query_string={"q": "不存在的社区名"}, headers=auth("operator")).get_json()
    assert nowhere["numberMatched"] == 0
