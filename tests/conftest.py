"""Fixtures that build a real PostGIS database for the suite.

The suite never touches the demo database: it creates its own (gridmap_test_<pid>) on the
embedded cluster, or uses TEST_DATABASE_URL when set, and loads the shipped Helsinki extract
through the same commands a user runs.
"""
from __future__ import annotations

import os
import socket
import threading
import time

import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app, db
from app.config import ROOT, IncidentRules, load_settings
from app.pgserver import Cluster

HELSINKI = ROOT / "gis_data" / "osm" / "helsinki.osm.pbf"


@pytest.fixture(scope="session")
def cluster() -> Cluster:
    cluster = db.embedded_cluster(load_settings())
    cluster.start()
    return cluster


@pytest.fixture(scope="session")
def make_database(cluster):
    """Creates empty PostGIS databases for a test; drops them at the end of the session."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("TEST_DATABASE_URL is set: tests needing extra databases are skipped")
    created = []

    def make(suffix: str) -> str:
        name = f"gridmap_test_{os.getpid()}_{suffix}"
        cluster.drop_database(name)
        created.append(name)
        return cluster.ensure_database(name)

    yield make
    for name in created:
        cluster.drop_database(name)


@pytest.fixture(scope="session")
def database_url(cluster) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    name = f"gridmap_test_{os.getpid()}"
    if not url:
        cluster.drop_database(name)
        url = cluster.ensure_database(name)
    db.upgrade(url)
    yield url
    if not os.environ.get("TEST_DATABASE_URL"):
        cluster.drop_database(name)


class BufferedClient(FlaskClient):
    """Reads every answer to its end, as a WSGI server does: a streamed body holds its
    database session until then."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


# The commands speak the locale's language (app/cli/words.py): the suite reads their English
# whatever the machine's LANG, unless a test asks for another (env={"LANG": …, "LC_MESSAGES": ""}).
os.environ["LC_MESSAGES"] = "C.UTF-8"

# Tests sign in from one address many times a minute; the limit itself is tested on its own app.
# The escalation clock is driven by the tests themselves (a controllable `now`), never by a thread.
TEST_SETTINGS = {"login_rate": "10000/minute", "public_rate": "10000/minute",
                 "incidents": IncidentRules(tick_seconds=0)}
PASSWORD = "correct horse battery"


HELSINKI_CITY = (["import", "categories"], ["import", "osm", str(HELSINKI)], ["generate", "areas"],
                 ["import", "departments"])


def city_app(url: str, *commands: list[str]):
    """The app on the database at `url`, loaded by running `commands` (flask's arguments)."""
    app = create_app({"DATABASE_URL": url, **TEST_SETTINGS})
    app.config.update(TESTING=True)
    app.test_client_class = BufferedClient
    runner = app.test_cli_runner()
    for args in commands:
        result = runner.invoke(args=args)
        assert result.exit_code == 0, result.output
    return app


@pytest.fixture(scope="session")
def app(database_url):
    return city_app(database_url, *HELSINKI_CITY)


@pytest.fixture(scope="session")
def zhenxing_app(make_database):
    """A synthetic city of two Zhenxing-sized streets side by side (shared edges matter)."""
    url = make_database("zhenxing")
    db.upgrade(url)
    app = city_app(url, ["generate", "city", "--preset", "zhenxing", "--scale", "2", "--seed", "7"])
    return app


@pytest.fixture(params=["helsinki", "zhenxing"])
def city_session(request):
    """A session on the real city and on the synthetic one, for rules both must obey."""
    app = request.getfixturevalue("app" if request.param == "helsinki" else "zhenxing_app")
    with app.app_context():
        yield db.session()


@pytest.fixture(scope="session")
def users(app):
    """One account per role, named t_<role>, scoped to the whole city (the worker: to the
    grid of the city's first full-time worker), each with a bearer token."""
    from sqlalchemy import select

    from app.models import USER_ROLES, Area, Grid, Worker, WorkerAssignment
    from app.services.accounts import accounts
    made = {}
    with app.app_context():
        session = db.session()
        city = session.scalar(select(Area).where(Area.parent_id.is_(None)))
        worker = session.scalar(
            select(Worker).join(WorkerAssignment, WorkerAssignment.worker_id == Worker.id)
            .join(Grid, Grid.id == WorkerAssignment.grid_id).where(Worker.role == "full_time")
            .order_by(Grid.code).limit(1))
        for role in USER_ROLES:
            user = accounts.create_user(
                session, f"t_{role}", PASSWORD, role,
                scope_area_code=None if role in ("admin", "worker") else city.code,
                worker_code=worker.code if role == "worker" else None,
                department_code="SZ" if role == "department" else None)
            _, token = accounts.create_token(session, user, "tests")
            made[role] = {"username": user.username, "id": user.id, "token": token}
        session.commit()
    return made


@pytest.fixture()
def auth(users):
    """auth('viewer') → headers that sign a request in as that role."""
    return lambda role: {"Authorization": f"Bearer {users[role]['token']}"}


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def runner(app):
    return app.test_cli_runner()


@pytest.fixture()
def session(app):
    with app.app_context():
        yield db.session()


def free_port() -> int:
    """A loopback port no one listens on just now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(app):
    """The app on a real port while the generator runs, as the event-loop server serves it
    (app/asgi.py: streams held by its loop, the rest through its thread pool): yields its
    base URL."""
    from app import asgi
    server = asgi.Server(asgi.config(app, host="127.0.0.1", port=0, log_config=None,
                                     access_log=False, timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a real port, for the browser and for HTTP clients."""
    yield from serve(app)


@pytest.fixture(scope="session")
def a_grid_point(app):
    """A point inside a current grid."""
    with app.app_context():
        return tuple(db.session().execute(text(
            "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM grid "
            "WHERE valid_to IS NULL ORDER BY code LIMIT 1")).one())


def incident_notice(stream_id: int, lon: float = 120.0, description: str = "") -> str:
    """A NOTIFY payload of an incident event, for feeding a stream hub by hand."""
    import json
    return json.dumps({"type": "incident", "id": stream_id, "action": "report",
                       "incident": {"id": stream_id, "code": f"E{stream_id}", "lon": lon,
                                    "lat": 30.0, "description": description}})


def hub_subscription(hub, audience):
    """A subscription without starting the hub's database listener."""
    from app.services.live import stream
    with hub._arrived:
        return stream.Subscription(audience, hub._published, hub._generation)


def scalar(session, sql: str, **params):
    return session.execute(text(sql), params).scalar_one()
