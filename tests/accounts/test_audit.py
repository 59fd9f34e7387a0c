"""Every write leaves an audit row — who, when, which entity, before and after, and the
request it came with — whichever code path wrote it; the log itself cannot be changed."""
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import scalar


def test_a_write_through_the_api_is_logged_with_actor_request_and_before_after(client, auth, session, users):
    response = client.post("/api/v1/users", headers={**auth("admin"), "X-Request-ID": "req-audit-0001"},
                           json={"username": "audited_one", "password": "long enough pw",
                                 "role": "viewer", "scope_area": "HEL"})
    assert response.status_code == 201 and response.headers["X-Request-ID"] == "req-audit-0001"
    user_id = response.get_json()["id"]
    client.patch(f"/api/v1/users/{user_id}", headers=auth("admin"), json={"role": "planner"})
    rows = session.execute(text("""
        SELECT actor, request_id, action, before, after FROM audit_log
        WHERE entity = 'app_user' AND entity_id = :id AND action IN ('INSERT', 'UPDATE')
        ORDER BY id"""), {"id": str(user_id)}).all()
    inserted, updated = rows[0], rows[-1]
    assert inserted.actor == "user:t_admin" and inserted.request_id == "req-audit-0001"
    assert inserted.before is None and inserted.after["username"] == "audited_one"
    assert "password_hash" not in inserted.after          # secrets never reach the log
    assert updated.before["role"] == "viewer" and updated.after["role"] == "planner"


def test_a_report_filed_through_the_driver_is_logged_with_its_reporter_and_request(
        client, auth, session, a_grid_point):
    """Intake runs its statements through psycopg itself, with the audit settings in the same
    round trip as the first one: the triggers still know who wrote. (The second report: by
    then the token and the categories are known, and the report's own statement is the
    transaction's first.)"""
    for request_id in ("req-audit-0002", "req-audit-0003"):
        response = client.post("/api/v1/incidents", headers={**auth("operator"), "X-Request-ID": request_id},
                               json={"category": "environment", "point": list(a_grid_point),
                                     "description": "audited report"})
        assert response.status_code == 201
    row = session.execute(text("""
        SELECT actor, request_id, after FROM audit_log
        WHERE entity = 'incident' AND entity_id = :id AND action = 'INSERT'"""),
        {"id": str(response.get_json()["id"])}).one()
    assert row.actor == "user:t_operator" and row.request_id == "req-audit-0003"
    assert row.after["description"] == "audited report"


def test_a_write_that_bypasses_the_app_is_still_logged(session):
    session.execute(text("UPDATE category SET weight = weight WHERE false"))  # no row, no log
    before = scalar(session, "SELECT count(*) FROM audit_log")
    session.execute(text("UPDATE worker SET phone = '13800000000' WHERE id = (SELECT min(id) FROM worker)"))
    session.commit()
    row = session.execute(text("SELECT actor, entity, before ->> 'phone', after ->> 'phone' "
                               "FROM audit_log ORDER BY id DESC LIMIT 1")).one()
    assert scalar(session, "SELECT count(*) FROM audit_log") == before + 1
    assert row[1] == "worker" and row[3] == "13800000000" and row[0].startswith("cli:")


def test_the_audit_log_cannot_be_rewritten(session):
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("UPDATE audit_log SET actor = 'nobody'"))
    session.rollback()
    with pytest.raises(DBAPIError, match="append-only"):
        session.execute(text("DELETE FROM audit_log"))
    session.rollback()


def test_logins_and_bulk_loads_are_logged_as_single_events(session):
    actions = set(session.execute(text("SELECT DISTINCT action FROM audit_log")).scalars())
    assert {"IMPORT", "GENERATE"} <= actions
    # the bulk load wrote its summary, not one row per building
    assert scalar(session, "SELECT count(*) FROM audit_log WHERE entity = 'building'") == 0
    summary = session.execute(text("SELECT after FROM audit_log WHERE action = 'IMPORT'")).scalar_one()
    assert summary["buildings"] == scalar(session, "SELECT count(*) FROM building")


def test_admins_read_the_log_filtered_and_as_csv(client, auth):
    client.post("/api/v1/users", headers=auth("admin"), json={
        "username": "audited_two", "password": "long enough pw", "role": "viewer", "scope_area": "HEL"})
    listed = client.get("/api/v1/audit?entity=app_user&action=insert&actor=user:t_admin",
                        headers=auth("admin")).get_json()["entries"]
    assert listed and all(e["entity"] == "app_user" and e["action"] == "INSERT" for e in listed)
    csv = client.get("/api/v1/audit?entity=app_user&format=csv", headers=auth("admin"))
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).startswith("id,at,actor")
    bad = client.get("/api/v1/audit?since=yesterday", headers=auth("admin"))
    assert bad.status_code == 400 and "ISO 8601" in bad.get_json()["description"]
    assert client.get("/api/v1/audit", headers=auth("operator")).status_code == 403
