"""GET /healthz."""
from datetime import date

import pytest
from sqlalchemy import text


@pytest.fixture()
def calendar_known(session):
    """The city has entered next year's working days (flask calendar set), as it does when the
    statutory calendar package lags: /healthz then has no calendar warning, whatever today is."""
    day = date(date.today().year + 1, 1, 1)
    session.execute(text("INSERT INTO work_calendar_day (day, working, note) VALUES (:d, false, 'test') "
                         "ON CONFLICT (day) DO NOTHING"), {"d": day})
    session.commit()
    yield
    session.execute(text("DELETE FROM work_calendar_day WHERE day = :d AND note = 'test'"), {"d": day})
    session.commit()


def test_healthz_reports_database_postgis_and_rows_per_table(client, calendar_known):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["postgis_version"].startswith("3.")
    assert body["migration"]
    tables = body["tables"]
    for key in ("buildings", "roads", "grids", "cameras", "areas", "workers", "incidents",
                "positions", "grid_plans", "users"):
        assert key in tables
    assert tables["buildings"] > 400 and tables["grids"] >= 10


def test_healthz_says_nothing_of_a_read_replica_when_there_is_none(client, calendar_known):
    # the replica's own account (up, down, lag, reads): tests/test_replica.py
    assert "replica" not in client.get("/healthz").get_json()


def test_healthz_leaves_the_backups_of_a_database_named_by_database_url_to_its_operator(client, calendar_known):
    from app.messages import say
    body = client.get("/healthz", headers={"Accept-Language": "en"}).get_json()
    assert body["status"] == "ok"
    assert body["backup"] == {"managed_by": "operator", "message": say("backup.external", "en")}


def test_healthz_answers_503_when_the_database_is_gone():
    from app import create_app
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


UNREACHABLE = "postgresql+psycopg://nobody:x@127.0.0.1:1/none"      # nothing listens on port 1


def _stop_listening(app):
    """The stream hub a token lookup starts keeps trying to reach the database; not for ever."""
    hub = app.extensions.get("gridmap.stream")
    if hub is not None:
        hub.stop()


def test_healthz_says_why_the_database_is_unreachable_and_when_to_ask_again():
    from app import create_app
    from app.messages import say
    from tests.conftest import TEST_SETTINGS
    app = create_app({"DATABASE_URL": UNREACHABLE, **TEST_SETTINGS})
    client = app.test_client()
    response = client.get("/healthz", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert body["status"] == "error" and body["reason"] == "refused"
    assert body["message"] == say("database.down.refused", "en")
    assert client.get("/healthz").get_json()["message"] == say("database.down.refused", "zh")


def test_every_request_is_a_json_503_while_the_database_is_unreachable_but_a_failed_query_stays_a_500(
        database_url):
    from sqlalchemy import text

    from app import create_app, db
    from app.auth import public
    from app.messages import say
    from tests.conftest import TEST_SETTINGS

    down = create_app({"DATABASE_URL": UNREACHABLE, **TEST_SETTINGS})
    client = down.test_client()
    english = {"Accept-Language": "en"}
    try:
        for response in (
                client.get("/api/v1/incidents", headers={"Authorization": "Bearer gm_x", **english}),
                client.post("/api/v1/incidents", json={"category": "environment", "point": [24.9, 60.2]},
                            headers={"Authorization": "Bearer gm_x", "Idempotency-Key": "k1", **english}),
                client.post("/api/v1/tokens", json={"username": "someone", "password": "secret"},
                            headers=english)):
            assert response.status_code == 503, response.data[:300]
            assert response.is_json and int(response.headers["Retry-After"]) > 0
            assert response.get_json() == {"code": "DatabaseUnavailable", "description": say(
                "database.unavailable", "en", seconds=int(response.headers["Retry-After"]))}
    finally:
        _stop_listening(down)

    # a query that fails is a fault of ours, even when psycopg calls it an OperationalError
    up = create_app({"DATABASE_URL": database_url, **TEST_SETTINGS})

    @public
    def divide_by_zero():
        return str(db.session().execute(text("SELECT 1 / 0")).scalar())

    @public
    def time_out():
        db.session().execute(text("SET LOCAL statement_timeout = 10"))
        return str(db.session().execute(text("SELECT pg_sleep(1)")).scalar())
    up.add_url_rule("/test/divide-by-zero", view_func=divide_by_zero)
    up.add_url_rule("/test/time-out", view_func=time_out)
    client = up.test_client()
    for path in ("/test/divide-by-zero", "/test/time-out"):
        assert client.get(path).status_code == 500, path
    assert client.get("/healthz").status_code == 200       # and the database is there all along
