"""An open stream lives only as long as what let it in: a revoked token, a disabled account, an
ended login session or a narrowed scope ends it within seconds, whichever process or command
made the change; a token's expiry is caught by the timer; and every stream ends at its
maximum age and resumes with Last-Event-ID, missing nothing — against real servers."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app import create_app, db
from app.config import IncidentRules
from app.models import AppUser
from app.services.accounts import accounts
from tests.conftest import PASSWORD, TEST_SETTINGS, hub_subscription, serve
from tests.live.sse import EventStream, stream_status

WITHIN = 5.0          # the promise: every open stream of that user, within 5 s


@pytest.fixture(scope="module")
def communities(app):
    """Two communities' codes, each with a point inside one of its grids."""
    with app.app_context():
        rows = db.session().execute(text("""
            SELECT c.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
            FROM area c JOIN LATERAL (SELECT geom FROM grid WHERE community_id = c.id
                                      AND valid_to IS NULL ORDER BY code LIMIT 1) g ON true
            WHERE c.level = 'community' ORDER BY c.code LIMIT 2""")).all()
    return [(code, (lon, lat)) for code, lon, lat in rows]


@pytest.fixture()
def operator(app):
    """A fresh operator who sees the whole city, with two tokens (a wall and a laptop)."""
    def make(valid_for: timedelta | None = None) -> dict:
        with app.app_context():
            session = db.session()
            city = session.execute(text("SELECT code FROM area WHERE parent_id IS NULL")).scalar_one()
            user = accounts.create_user(session, f"op_{uuid.uuid4().hex[:10]}", PASSWORD, "operator",
                                        scope_area_code=city)
            wall, wall_token = accounts.create_token(session, user, "wall", valid_for)
            _, laptop_token = accounts.create_token(session, user, "laptop")
            session.commit()
            return {"id": user.id, "username": user.username, "token": wall_token,
                    "token_id": wall.id, "other_token": laptop_token}
    return make


def opened(streams: list, *args, **kwargs) -> EventStream:
    stream = EventStream(*args, **kwargs)
    streams.append(stream)
    return stream


def report(client, token, point, category="environment"):
    response = client.post("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"},
                           json={"category": category, "point": list(point), "description": "access"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["properties"]["code"]


def test_a_revoked_tokens_stream_ends_within_seconds_and_the_others_stay(
        live_server, client, operator, communities, open_streams):
    someone = operator()
    revoked = opened(open_streams, live_server, someone["token"])
    kept = opened(open_streams, live_server, someone["other_token"])
    answer = client.delete(f"/api/v1/tokens/{someone['token_id']}",
                           headers={"Authorization": f"Bearer {someone['token']}"})
    assert answer.status_code == 200
    assert revoked.ends_within(WITHIN) is not None
    assert any(c.startswith("end access-changed") for c in revoked.comments)
    assert stream_status(live_server, someone["token"]) == 401
    # the same account's other token was not revoked: its stream goes on, and hears news
    assert not kept.closed.is_set()
    code = report(client, someone["other_token"], communities[0][1])
    assert {e["data"]["incident"]["code"] for e in kept.incidents(2)} == {code}


def test_disabling_an_account_with_the_command_ends_its_token_and_browser_streams(
        app, live_server, runner, operator, open_streams):
    someone = operator()
    with app.app_context():
        session = db.session()
        signed_in = accounts.open_session(session, session.get(AppUser, someone["id"]), "127.0.0.1")
        session.commit()
    by_token = opened(open_streams, live_server, someone["token"])
    by_cookie = opened(open_streams, live_server, cookie=signed_in.token)
    # `flask users disable` is another process: only the database can tell the server
    result = runner.invoke(args=["users", "disable", someone["username"]])
    assert result.exit_code == 0, result.output
    assert by_token.ends_within(WITHIN) is not None
    assert by_cookie.ends_within(WITHIN) is not None
    assert stream_status(live_server, someone["token"]) == 401
    assert stream_status(live_server, cookie=signed_in.token) == 401


def test_signing_out_ends_the_streams_of_that_login_session_only(app, live_server, operator, open_streams):
    someone = operator()
    with app.app_context():
        session = db.session()
        user = session.get(AppUser, someone["id"])
        leaving, staying = (accounts.open_session(session, user, "127.0.0.1") for _ in range(2))
        session.commit()
    left = opened(open_streams, live_server, cookie=leaving.token)
    stays = opened(open_streams, live_server, cookie=staying.token)
    with app.app_context():
        session = db.session()
        accounts.close_session(session, leaving.token)
        session.commit()
    assert left.ends_within(WITHIN) is not None
    assert not stays.closed.wait(1.0)


def test_a_narrowed_scope_ends_the_stream_and_the_reconnect_sees_only_the_new_scope(
        live_server, client, auth, users, operator, communities, open_streams):
    someone = operator()
    (kept_code, kept_point), (lost_code, lost_point) = communities
    watching = opened(open_streams, live_server, someone["token"])
    resume_from = watching.hello["id"]
    narrowed = client.patch(f"/api/v1/users/{someone['id']}", headers=auth("admin"),
                            json={"scope_area": kept_code})
    assert narrowed.status_code == 200
    assert watching.ends_within(WITHIN) is not None
    lost = report(client, users["operator"]["token"], lost_point)
    kept = report(client, users["operator"]["token"], kept_point)
    # the browser resumes where it was: what it may still see is replayed, nothing else
    again = opened(open_streams, live_server, someone["token"], last_event_id=resume_from)
    replayed = {e["data"]["incident"]["code"] for e in again.incidents(2)}
    assert replayed == {kept} and lost not in replayed
    assert again.incidents(1, timeout=1.0) == []


@pytest.fixture(scope="module")
def quick_server(database_url, app):
    """A second server on the same database whose streams live 1.5 s and whose open streams'
    access is asked about every half second."""
    quick = create_app({"DATABASE_URL": database_url, **TEST_SETTINGS, "incidents": IncidentRules(
        tick_seconds=0, stream_max_age_seconds=1.5, stream_recheck_seconds=0.5)})
    yield from serve(quick)
    hub = quick.extensions.get("gridmap.stream")
    if hub is not None:
        hub.end_streams()
        hub.stop()


def test_the_timer_ends_a_stream_whose_token_expires_while_it_is_open(quick_server, operator, open_streams):
    someone = operator(valid_for=timedelta(seconds=1))
    watching = opened(open_streams, quick_server, someone["token"])
    # no notice announces an expiry: the re-check on the timer finds it
    assert watching.ends_within(1 + 1.0) is not None
    assert any(c.startswith("end access-changed") for c in watching.comments)
    assert stream_status(quick_server, someone["token"]) == 401


def test_a_stream_ends_at_its_maximum_age_and_resumes_with_last_event_id_missing_nothing(
        quick_server, client, users, communities, open_streams):
    token, point = users["operator"]["token"], communities[0][1]
    first = opened(open_streams, quick_server, token)
    before = report(client, token, point)
    heard = first.incidents(2)
    assert {e["data"]["incident"]["code"] for e in heard} == {before}
    assert first.ends_within(1.5 + 1.0) is not None
    assert any(c.startswith("end max-age") for c in first.comments)
    # reported while the browser was reconnecting
    missed = report(client, token, point, category="greenery")
    again = opened(open_streams, quick_server, token, last_event_id=heard[-1]["id"])
    # replayed, or live if the sequencer had not numbered them yet: either way once each
    assert [(e["data"]["incident"]["code"], e["data"]["action"]) for e in again.incidents(3, 2.0)] == [
        (missed, "report"), (missed, "assign")]


def test_the_timer_asks_about_every_open_stream_of_the_process_in_two_queries(app, operator):
    from sqlalchemy import event

    from app.services.live import stream
    people = [operator() for _ in range(3)]
    hub = stream.Hub("", sessions=app.extensions["gridmap.db"].new_session)   # fed by hand
    everyone = stream.Audience("all", "all", everything=True, key=("all",))
    held = []
    with app.app_context():
        session = db.session()
        for person in people:
            principal = accounts.Principal.of(session.get(AppUser, person["id"]))
            for token in (person["token"], person["other_token"]):
                subscription = hub_subscription(hub, everyone)
                subscription.credential = accounts.Credential(principal, "token", accounts.token_digest(token))
                hub._subscribers.add(subscription)
                held.append(subscription)
        session.execute(select(AppUser).where(AppUser.id == people[0]["id"])).scalar_one().active = False
        session.commit()
        statements = []

        def count(*_args):
            statements.append(1)
        event.listen(db.engine(), "before_cursor_execute", count)
        try:
            assert hub.recheck() == 2
        finally:
            event.remove(db.engine(), "before_cursor_execute", count)
    assert len(statements) == 2          # the accounts, and the credentials that fell: not one per stream
    assert [hub.ended(s) for s in held] == [True, True, False, False, False, False]
