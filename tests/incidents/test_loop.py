"""The closed loop (闭环处置) over the API: report → locate → dispatch → accept → handle →
resolve → verify, with the refusals the field needs — on the shipped Helsinki city."""
from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from PIL import Image
from sqlalchemy import text

from app.services.incidents import escalation, loop as incidents
from app.services.incidents.loop import Participant

pytestmark = pytest.mark.usefixtures("users")


@pytest.fixture(scope="module")
def worker_grid(app, users):
    """The t_worker account's grid: its code, a point inside it, and the worker's id."""
    from app import db
    with app.app_context():
        session = db.session()
        return session.execute(text("""
            SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)), u.worker_id
            FROM app_user u JOIN worker_assignment a ON a.worker_id = u.worker_id AND a.valid_to IS NULL
            JOIN grid g ON g.id = a.grid_id WHERE u.username = 't_worker'""")).one()


def a_report(lon, lat, **extra):
    return {"category": "environment", "point": {"type": "Point", "coordinates": [lon, lat]},
            "description": "Overflowing bins by the entrance", "severity": "normal", **extra}


@pytest.fixture(scope="module")
def grid_points(app):
    """An inner point of every current grid, by code order: places away from each other."""
    from app import db
    with app.app_context():
        return [tuple(r) for r in db.session().execute(text("""
            SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
            FROM grid WHERE valid_to IS NULL ORDER BY code""")).all()]


@pytest.fixture()
def report(client, auth, worker_grid):
    """Files a report as the operator and returns its JSON; each call a fresh category
    point so that tests do not link to each other's reports as duplicates."""
    def make(category="environment", where=None, role="operator", **extra):
        lon, lat = where or (worker_grid[1], worker_grid[2])
        body = a_report(lon, lat, category=category, **extra)
        response = client.post("/api/v1/incidents", json=body, headers=auth(role))
        assert response.status_code == 201, response.get_json()
        return response.get_json()
    return make


def act(client, auth, incident, action, role="worker", **body):
    return client.post(f"/api/v1/incidents/{incident['id']}/events",
                       json={"action": action, **body}, headers=auth(role))


# -- reporting and locating responsibility --------------------------------------------------

def test_a_report_is_placed_in_its_grid_and_dispatched_to_the_grids_worker(report, worker_grid, client, auth):
    code, _, _, worker_id = worker_grid
    incident = report(category="greenery")
    p = incident["properties"]
    assert p["grid"] == code and p["level"] == "grid"
    assert p["status"] == "assigned" and p["assignee"]["id"] == worker_id
    assert p["community"]["code"] and p["street"]["code"]
    reported = datetime.fromisoformat(p["reported_at"])
    assert datetime.fromisoformat(p["due_respond_at"]) - reported == timedelta(hours=2)
    assert datetime.fromisoformat(p["due_resolve_at"]) - reported == timedelta(hours=24)
    assert 7000 < p["respond_remaining_s"] <= 7200
    history = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    assert [e["action"] for e in history["properties"]["history"]] == ["report", "assign"]


def test_a_complex_category_gets_72_hours_and_starts_at_community_level(report):
    p = report(category="illegal_construction")["properties"]
    assert p["level"] == "community" and p["assignee"] is None and p["status"] == "assigned"
    assert (datetime.fromisoformat(p["due_resolve_at"]) - datetime.fromisoformat(p["reported_at"])
            == timedelta(hours=72))


def test_a_point_in_no_grid_goes_to_the_street_queue_flagged(session, worker_grid):
    code, lon, lat, _ = worker_grid
    # The grid closes (as a plan being filed would) and nothing replaces it yet.
    session.execute(text("UPDATE grid SET valid_to = now() WHERE code = :code AND valid_to IS NULL"),
                    {"code": code})
    incident = incidents.report(session, incidents.Report("environment", lon, lat, "bins"),
                                Participant("user:test", dispatcher=True), _rules(), _now())
    assert incident.grid_id is None and incident.flag == "outside_grids"
    assert incident.level == "street" and incident.street_id is not None
    assert incident.assignee_id is None
    session.rollback()


def test_bad_reports_get_one_message_per_field(client, auth, worker_grid):
    before = _count(client, auth)
    response = client.post("/api/v1/incidents", headers={**auth("operator"), "Accept-Language": "en"}, json={
        "category": "unicorns", "point": [0.0, 0.0], "description": "  ", "severity": "dire"})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"category", "point", "description", "severity"}
    assert "environment" in errors["category"]          # names the known ones
    assert "outside the city" in errors["point"]
    assert client.post("/api/v1/incidents", headers=auth("operator"), data="not json",
                       content_type="application/json").status_code == 400
    assert _count(client, auth) == before       # nothing was written by either


def test_a_retried_report_with_the_same_idempotency_key_is_stored_once(client, auth, grid_points, session):
    key = str(uuid.uuid4())
    lon, lat = grid_points[3]
    body = a_report(lon, lat, category="road_damage")
    before = session.execute(text("SELECT count(*) FROM incident")).scalar_one()
    first = client.post("/api/v1/incidents", json=body, headers={**auth("worker"), "Idempotency-Key": key})
    again = client.post("/api/v1/incidents", json=body, headers={**auth("worker"), "Idempotency-Key": key})
    assert (first.status_code, again.status_code) == (201, 200), first.get_json()
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM incident")).scalar_one() == before + 1
    other = client.post("/api/v1/incidents", json={**body, "description": "something else"},
                        headers={**auth("worker"), "Idempotency-Key": key, "Accept-Language": "en"})
    assert other.status_code == 422 and "different request" in other.get_json()["description"]


def test_a_refused_request_does_not_use_up_its_idempotency_key(client, auth, grid_points):
    key = str(uuid.uuid4())
    lon, lat = grid_points[4]
    bad = client.post("/api/v1/incidents", json=a_report(lon, lat, category="nope"),
                      headers={**auth("worker"), "Idempotency-Key": key})
    assert bad.status_code == 422
    good = client.post("/api/v1/incidents", json=a_report(lon, lat, category="road_damage"),
                       headers={**auth("worker"), "Idempotency-Key": key})
    assert good.status_code == 201, good.get_json()


# -- the loop ---------------------------------------------------------------------------------

def test_the_whole_loop_from_report_to_rating(report, client, auth):
    incident = report(category="street_vending")
    for action, role, extra, status in [
            ("accept", "worker", {}, "accepted"),
            ("start", "worker", {}, "in_progress"),
            ("resolve", "worker", {"note": "Vendor moved on; pavement clear"}, "resolved"),
            ("verify", "operator", {"note": "Checked on camera"}, "closed"),
            ("rate", "operator", {"satisfaction": 5}, "closed")]:
        response = act(client, auth, incident, action, role, **extra)
        assert response.status_code == 200, (action, response.get_json())
        assert response.get_json()["properties"]["status"] == status
    p = response.get_json()["properties"]
    assert p["satisfaction"] == 5 and p["closed_at"] and p["responded_at"]
    assert p["respond_remaining_s"] is None and p["resolve_remaining_s"] is None
    history = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    steps = [(e["action"], e["from_status"], e["to_status"]) for e in history["properties"]["history"]]
    assert steps == [("report", None, "reported"), ("assign", "reported", "assigned"),
                     ("accept", "assigned", "accepted"), ("start", "accepted", "in_progress"),
                     ("resolve", "in_progress", "resolved"), ("verify", "resolved", "closed"),
                     ("rate", "closed", "closed")]
    assert all(e["actor"].startswith("user:t_") for e in history["properties"]["history"][2:])


@pytest.mark.parametrize("status_path, action, role, expected", [
    ([], "verify", "operator", 409),                       # assigned cannot be verified
    ([], "start", "worker", 409),                          # nor started before it is accepted
    (["accept"], "resolve", "worker", 422),                # resolving needs a note
    (["accept", "start"], "accept", "worker", 409),
    (["accept", "start", ("resolve", "done")], "start", "worker", 409),
    (["accept", "start", ("resolve", "done")], "resolve", "operator", 409),
    ([], "reject", "worker", 422),                         # rejecting needs a reason
    ([], "fly", "worker", 422),                            # no such action
    ([], "verify", "worker", 403),                         # verifying is the operator's
])
def test_illegal_steps_are_refused_and_change_nothing(report, client, auth, status_path, action, role,
                                                      expected):
    incident = report(category="public_facility")
    for step in status_path:
        name, note = step if isinstance(step, tuple) else (step, None)
        assert act(client, auth, incident, name, note=note).status_code == 200
    before = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    response = act(client, auth, incident, action, role)
    assert response.status_code == expected, response.get_json()
    assert response.get_json()["description"]
    after = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    assert unclocked(after) == unclocked(before)


def unclocked(feature: dict) -> dict:
    """The case without the seconds left on its clocks, which tick between two reads."""
    properties = {k: v for k, v in feature["properties"].items() if not k.endswith("_remaining_s")}
    return {**feature, "properties": properties}


def test_an_illegal_transition_says_what_the_loop_allows(report, client, auth):
    incident = report(category="public_facility")
    refused = client.post(f"/api/v1/incidents/{incident['id']}/events", json={"action": "verify"},
                          headers={**auth("operator"), "Accept-Language": "en"})
    message = refused.get_json()["description"]
    assert "assigned" in message and "accept" in message


def test_a_stale_if_match_gets_412_with_the_current_version(report, client, auth):
    incident = report(category="greenery")
    version = incident["properties"]["version"]
    assert act(client, auth, incident, "accept").status_code == 200
    stale = client.post(f"/api/v1/incidents/{incident['id']}/events", json={"action": "start"},
                        headers={**auth("worker"), "If-Match": f'"v{version}"'})
    assert stale.status_code == 412
    assert stale.get_json()["current_version"] == version + 1
    assert stale.headers["ETag"] == f'"v{version + 1}"'
    fresh = client.post(f"/api/v1/incidents/{incident['id']}/events", json={"action": "start"},
                        headers={**auth("worker"), "If-Match": stale.headers["ETag"]})
    assert fresh.status_code == 200


def test_only_operators_dispatch_and_verify_and_workers_act_only_on_their_own(report, client, auth, session):
    incident = report(category="greenery")
    assert act(client, auth, incident, "verify", "worker").status_code == 403
    other = session.execute(text("""
        SELECT w.id FROM worker w WHERE w.role = 'full_time' AND w.id <> (
            SELECT worker_id FROM app_user WHERE username = 't_worker') LIMIT 1""")).scalar_one()
    moved = act(client, auth, incident, "assign", "operator", worker_id=other, note="closer to it")
    assert moved.status_code == 200 and moved.get_json()["properties"]["assignee"]["id"] == other
    # no longer t_worker's task: they cannot accept it
    assert act(client, auth, incident, "accept", "worker").status_code in (403, 404)


def test_reassigning_needs_a_reason(report, client, auth, worker_grid):
    incident = report(category="greenery")
    response = act(client, auth, incident, "assign", "operator", level="community")
    assert response.status_code == 422 and "note" in response.get_json()["errors"]
    ok = act(client, auth, incident, "assign", "operator", level="community", note="needs the community")
    assert ok.get_json()["properties"]["level"] == "community"
    assert ok.get_json()["properties"]["assignee"] is None


def test_a_failed_check_reopens_and_the_worker_takes_it_again(report, client, auth):
    incident = report(category="road_damage", where=None)
    for action, role, note in [("accept", "worker", None), ("resolve", "worker", "patched"),
                               ("reopen", "operator", "still a hole"), ("accept", "worker", None)]:
        response = act(client, auth, incident, action, role, note=note)
        assert response.status_code == 200, (action, response.get_json())
    assert response.get_json()["properties"]["status"] == "accepted"


def test_a_rejected_incident_is_closed_or_sent_elsewhere_by_an_operator(report, client, auth):
    incident = report(category="illegal_parking")
    assert act(client, auth, incident, "reject", note="private car park, not ours").status_code == 200
    closed = act(client, auth, incident, "verify", "operator", note="confirmed: private land")
    assert closed.get_json()["properties"]["status"] == "closed"


# -- duplicates -------------------------------------------------------------------------------

def test_a_second_report_nearby_is_linked_as_a_possible_duplicate_and_merging_keeps_both(
        report, client, auth, grid_points):
    lon, lat = grid_points[5]
    first = report(category="fire_risk", where=(lon, lat))
    second = report(category="fire_risk", where=(lon + 10 / 55_000, lat))    # ~10 m away
    assert second["properties"]["possible_duplicate_of"] == first["properties"]["code"]
    elsewhere = report(category="fire_risk", where=grid_points[9])          # another grid
    assert elsewhere["properties"]["possible_duplicate_of"] is None
    shown = client.get(f"/api/v1/incidents/{first['id']}", headers=auth("operator")).get_json()
    assert [d["code"] for d in shown["properties"]["possible_duplicates"]] == [second["properties"]["code"]]
    merged = act(client, auth, second, "merge", "operator", into=first["id"])
    assert merged.status_code == 200
    assert merged.get_json()["properties"]["merged_into"] == first["properties"]["code"]
    assert merged.get_json()["properties"]["status"] == "closed"
    original = client.get(f"/api/v1/incidents/{first['id']}", headers=auth("operator")).get_json()
    assert original["properties"]["history"][-1]["action"] == "merged_in"
    duplicate = client.get(f"/api/v1/incidents/{second['id']}", headers=auth("operator")).get_json()
    assert [e["action"] for e in duplicate["properties"]["history"]] == ["report", "assign", "merge"]


def test_a_closed_incident_takes_no_duplicate_and_the_search_reads_only_open_ones(
        report, client, auth, session, grid_points):
    """The duplicate search reads the index of open incidents' places (migration 0014), so
    the years of closed incidents in a busy block cost it nothing."""
    lon, lat = grid_points[6]
    first = report(category="fire_risk", where=(lon, lat))
    second = report(category="fire_risk", where=(lon, lat))
    assert act(client, auth, first, "merge", "operator", into=second["id"]).status_code == 200
    third = report(category="fire_risk", where=(lon - 5 / 55_000, lat))    # the closed first is as near, and older
    assert third["properties"]["possible_duplicate_of"] == second["properties"]["code"]
    session.execute(text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(session.execute(text("EXPLAIN " + incidents.DUPLICATE_SQL), {
        "lon": lon, "lat": lat, "dx": 0.001, "dy": 0.001, "category": "fire_risk",
        "since": _now() - timedelta(hours=24), "radius": 50}).scalars())
    session.rollback()
    assert "ix_incident_open_geom" in plan


# -- the clock ----------------------------------------------------------------------------------

def test_the_clock_marks_overdue_and_escalates_one_level_at_a_time(session, worker_grid):
    _, lon, lat, worker_id = worker_grid
    start = _now()
    filed = incidents.report(session, incidents.Report("safety_hazard", lon, lat, "loose railing"),
                             Participant("user:test", dispatcher=True), _rules(), start)
    incident = incidents.load(session, filed.id)
    assert incident.assignee_id == worker_id
    assert incident.code not in escalation.tick(session, start + timedelta(minutes=59)).overdue
    result = escalation.tick(session, start + timedelta(minutes=61))      # respond within 60 min
    assert incident.code in result.overdue and incident.code in result.escalated
    session.refresh(incident)
    assert (incident.level, incident.status, incident.assignee_id) == ("community", "escalated", None)
    assert incident.ever_overdue and incident.overdue_since is None
    # the community gets a fresh window, then misses it too: up to the street
    assert incident.code not in escalation.tick(session, start + timedelta(minutes=100)).overdue
    escalation.tick(session, start + timedelta(minutes=122))
    session.refresh(incident)
    assert incident.level == "street" and incident.escalations == 2
    # at street level it is marked overdue once and stays there
    late = escalation.tick(session, start + timedelta(minutes=200))
    assert incident.code in late.overdue and incident.code not in late.escalated
    assert incident.code not in escalation.tick(session, start + timedelta(minutes=300)).overdue
    actions = [e.action for e in incidents.history(session, incident.id)]
    assert actions == ["report", "assign", "overdue", "escalate", "overdue", "escalate", "overdue"]
    session.rollback()


def test_accepting_in_time_stops_the_respond_clock_but_not_the_resolve_clock(session, worker_grid):
    _, lon, lat, worker_id = worker_grid
    start = _now()
    worker = Participant("user:t_worker", worker_id=worker_id)
    incident = incidents.report(session, incidents.Report("greenery", lon, lat, "fallen branch"),
                                Participant("user:test", dispatcher=True), _rules(), start)
    incidents.act(session, incident.id, "accept", worker, start + timedelta(minutes=30))
    assert incident.code not in escalation.tick(session, start + timedelta(hours=3)).overdue
    assert incident.code in escalation.tick(session, start + timedelta(hours=25)).escalated
    session.rollback()


def test_a_resolved_incident_waits_for_its_check_without_going_overdue(session, worker_grid):
    _, lon, lat, worker_id = worker_grid
    start = _now()
    worker = Participant("user:t_worker", worker_id=worker_id)
    incident = incidents.report(session, incidents.Report("greenery", lon, lat, "fallen tree"),
                                Participant("user:test", dispatcher=True), _rules(), start)
    incidents.act(session, incident.id, "accept", worker, start)
    incidents.act(session, incident.id, "resolve", worker, start, note="cleared")
    assert incident.code not in escalation.tick(session, start + timedelta(days=5)).overdue
    session.rollback()


def test_the_tick_command_runs_the_clock_for_cron(runner):
    result = runner.invoke(args=["incidents", "tick"])
    assert result.exit_code == 0, result.output
    assert "overdue" in result.output


# -- photos -------------------------------------------------------------------------------------

def png_bytes(size=(8, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_a_photo_is_uploaded_first_then_attached_to_the_report(client, auth, grid_points):
    upload = client.post("/api/v1/photos", data=png_bytes(), content_type="image/png", headers=auth("worker"))
    assert upload.status_code == 201
    photo = upload.get_json()
    assert (photo["content_type"], photo["width"]) == ("image/png", 8)
    lon, lat = grid_points[6]
    made = client.post("/api/v1/incidents", headers=auth("worker"),
                       json=a_report(lon, lat, category="greenery", photos=[photo["id"]]))
    assert made.status_code == 201 and made.get_json()["properties"]["photos"] == [photo["id"]]
    image = client.get(photo["url"], headers=auth("operator"))
    assert image.status_code == 200 and image.data == png_bytes()
    again = client.post("/api/v1/incidents", headers=auth("worker"),
                        json=a_report(*grid_points[7], category="greenery", photos=[photo["id"]]))
    assert again.status_code == 422 and "photos" in again.get_json()["errors"]


def test_a_file_that_is_not_an_image_or_too_big_is_refused(client, auth):
    english = {**auth("worker"), "Accept-Language": "en"}
    fake = client.post("/api/v1/photos", data=b"%PDF-1.4 not a photo", content_type="image/jpeg",
                       headers=english)
    assert fake.status_code == 422 and "not a JPEG" in fake.get_json()["description"]
    huge = client.post("/api/v1/photos", data=b"\xff" * (9 * 1024 * 1024), content_type="image/jpeg",
                       headers=english)
    assert huge.status_code == 413 and "limit" in huge.get_json()["description"]


# -- lists --------------------------------------------------------------------------------------

def test_a_worker_lists_their_tasks_by_deadline_and_an_operator_exports_csv(report, client, auth, worker_grid):
    report(category="safety_hazard")
    tasks = client.get("/api/v1/incidents?assignee=me&open=true&order=deadline", headers=auth("worker"))
    assert tasks.status_code == 200
    features = tasks.get_json()["features"]
    assert features and all(f["properties"]["assignee"]["id"] == worker_grid[3] for f in features)
    deadlines = [min(d for d in (f["properties"]["due_respond_at"] if f["properties"]["responded_at"] is None
                                 else None, f["properties"]["due_resolve_at"]) if d) for f in features]
    assert deadlines == sorted(deadlines)
    exported = client.get("/api/v1/incidents?format=csv&status=assigned&lang=en", headers=auth("operator"))
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert exported.data.decode("utf-8-sig").splitlines()[0].startswith("code,category")
    assert client.get("/api/v1/incidents?status=lost", headers=auth("operator")).status_code == 400


def _count(client, auth) -> int:
    return client.get("/api/v1/incidents?limit=1", headers=auth("admin")).get_json()["numberMatched"]


def _rules():
    from app.config import IncidentRules
    return IncidentRules()


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_an_incident_code_carries_the_citys_local_date_not_utcs(session, worker_grid):
    _, lon, lat, _ = worker_grid
    # 01:30 on 2 March in Shanghai is still 1 March in UTC
    at = datetime(2026, 3, 1, 17, 30, tzinfo=timezone.utc)
    filed = incidents.report(session, incidents.Report("environment", lon, lat, "bins"),
                             Participant("user:test", dispatcher=True), _rules(), at)
    assert filed.code.startswith("E20260302-")
    session.rollback()


def test_a_cases_history_names_people_and_says_the_systems_notes_in_the_readers_language(
        report, client, auth, users, session):
    session.execute(text("UPDATE app_user SET display_name = '王敏' WHERE username = :u"),
                    {"u": users["operator"]["username"]})
    session.commit()
    incident = report()
    steps = {}
    for language in ("zh", "en"):
        answer = client.get(f"/api/v1/incidents/{incident['id']}",
                            headers={**auth("operator"), "Accept-Language": language}).get_json()
        steps[language] = answer["properties"]["history"]
    reported, dispatched = steps["zh"][:2]
    assert reported["by"] == {"kind": "person", "zh": "王敏", "en": "王敏"}
    assert dispatched["by"] == {"kind": "system"}
    assert dispatched["note"] == "按位置定位到网格"
    assert steps["en"][1]["note"] == "located by position"
    # a worker is named by their worker's name
    accepted = act(client, auth, incident, "accept")
    assert accepted.status_code == 200
    history = client.get(f"/api/v1/incidents/{incident['id']}", headers=auth("operator")).get_json()
    worker_name = session.execute(text("""SELECT w.name_zh FROM app_user u JOIN worker w ON w.id = u.worker_id
                                           WHERE u.username = :u"""), {"u": users["worker"]["username"]}).scalar()
    assert history["properties"]["history"][-1]["by"]["zh"] == worker_name


def test_a_system_note_written_in_english_before_is_said_in_the_readers_language(report, client, auth, session):
    incident = report()
    # as the clock wrote them before its notes came in both languages (the log is append-only)
    session.execute(text("""INSERT INTO incident_event (incident_id, at, actor, action, from_status, to_status, note)
                            VALUES (:id, now(), 'system', 'comment', 'assigned', 'assigned',
                                    'overdue: missed the time limit to respond')"""), {"id": incident["id"]})
    session.commit()
    history = client.get(f"/api/v1/incidents/{incident['id']}",
                         headers={**auth("operator"), "Accept-Language": "zh"}).get_json()["properties"]["history"]
    assert history[-1]["note"] == "超时未响应，上报上级"
