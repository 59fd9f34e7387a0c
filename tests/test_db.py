"""The database lifecycle of a request (app/db.py) when the database drops a connection under
it — a restart, a failover: the request is told to come back (503), never a 500, and the
next one gets a fresh connection."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from app import create_app, db
from app.auth import public
from tests.conftest import TEST_SETTINGS


def _terminate(database_url: str, pid: int) -> None:
    """What a restart does to a connection: its backend goes away."""
    other = create_engine(database_url, poolclass=NullPool)
    with other.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    other.dispose()


@pytest.fixture()
def app_with_probes(database_url):
    """An app with two routes that report their database backend; one ends its own backend
    after its last statement, as a database going away mid-request does."""
    app = create_app({"DATABASE_URL": database_url, **TEST_SETTINGS})

    @public(csrf=False)
    def backend():
        return str(db.session().execute(text("SELECT pg_backend_pid()")).scalar_one())

    @public
    def backend_then_gone():
        pid = db.session().execute(text("SELECT pg_backend_pid()")).scalar_one()
        _terminate(database_url, pid)
        return str(pid)
    app.add_url_rule("/test/backend", view_func=backend, methods=["GET", "POST"])
    app.add_url_rule("/test/backend-then-gone", view_func=backend_then_gone)
    yield app
    with app.app_context():
        db.engine().dispose()


def test_a_write_on_a_connection_that_died_in_the_pool_is_a_503_and_the_next_one_works(
        app_with_probes, database_url):
    client = app_with_probes.test_client()
    first = client.post("/test/backend")
    assert first.status_code == 200
    _terminate(database_url, int(first.data))       # while the connection waits in the pool
    # a write's transaction begins with the audit's settings, sent past SQLAlchemy
    refused = client.post("/test/backend")
    assert refused.status_code == 503 and refused.is_json and refused.headers["Retry-After"]
    again = client.post("/test/backend")
    assert again.status_code == 200 and again.data != first.data


def test_an_answer_made_before_the_database_went_away_is_still_given(app_with_probes):
    client = app_with_probes.test_client()
    response = client.get("/test/backend-then-gone")      # its rollback at teardown fails
    assert response.status_code == 200 and response.data.isdigit()
    assert client.get("/test/backend").status_code == 200
