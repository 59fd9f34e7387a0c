"""The index of a process's open streams finds exactly the streams each event may reach: the
same answer as asking every stream's audience one by one, on the test city's real grids and
communities, for a city's mix of walls, operators of one community and phones of one grid."""
from __future__ import annotations

import random

import pytest
from sqlalchemy import text

from app import db
from app.services.accounts.scope import Scope
from app.services.live import stream
from app.services.live.audiences import Audiences


@pytest.fixture(scope="module")
def city(app):
    """Audiences as streams would open with them, and the city's bounds."""
    with app.app_context():
        session = db.session()
        communities = session.execute(text(
            "SELECT id FROM area WHERE level = 'community' ORDER BY code")).scalars().all()
        held = session.execute(text("""
            SELECT a.worker_id, g.code FROM worker_assignment a JOIN grid g ON g.id = a.grid_id
            WHERE a.valid_to IS NULL AND g.valid_to IS NULL ORDER BY g.code""")).all()
        bounds = session.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom) AS e FROM grid WHERE valid_to IS NULL) s")).one()
        audiences = [stream.Audience.of(session, Scope(everything=True), "all", "all", None)]
        audiences += [stream.Audience.of(session, Scope(area_id=c), "all", "all", None) for c in communities]
        for worker_id, code in held:
            # a phone: its grid's incidents, its own tasks anywhere, its own track
            audiences.append(stream.Audience.of(session, Scope(grid_codes=(code,), worker_id=worker_id),
                                                "all", "own", worker_id))
            audiences.append(stream.Audience.of(session, Scope(grid_codes=(code,), worker_id=worker_id),
                                                "own", "own", worker_id))
        session.rollback()
    workers = sorted({w for w, _ in held})
    assert len(communities) >= 2 and len(workers) >= 5
    return audiences, workers, bounds


def events(workers: list[int], bounds, count: int, seed: int = 1) -> list[dict]:
    rng = random.Random(seed)
    west, south, east, north = bounds
    made = []
    for n in range(count):
        lon, lat = rng.uniform(west, east), rng.uniform(south, north)
        kind = rng.random()
        if kind < 0.6:
            made.append({"type": "incident", "id": n, "taken_from": rng.choice([None, *workers[:3]]),
                         "incident": {"id": n, "lon": lon, "lat": lat,
                                      "assignee_id": rng.choice([None, None, *workers])}})
        elif kind < 0.95:
            made.append({"type": "position", "worker_id": rng.choice(workers), "lon": lon, "lat": lat})
        else:
            made.append({"type": "division", "plan": 1})
    return made


def test_the_index_reaches_exactly_the_streams_each_audience_accepts(city):
    audiences, workers, bounds = city
    index = Audiences()
    streams = [(n, audience) for n, audience in enumerate(audiences * 3)]     # several phones per grid
    for stream_id, audience in streams:
        index.add(stream_id, audience)
    reached_somewhere = 0
    for event in events(workers, bounds, 600):
        expected = {s for s, audience in streams if audience.accepts(event)}
        assert index.reached_by(event) == expected, event
        reached_somewhere += 0 < len(expected) < len(streams)
    assert reached_somewhere > 300          # most events reach some streams and not others


def test_a_stream_that_leaves_is_reached_no_more_and_an_area_left_empty_is_dropped(city):
    audiences, workers, bounds = city
    index = Audiences()
    wall, phone = audiences[0], audiences[-1]
    index.add("wall", wall)
    index.add("phone", phone)
    index.add("phone-2", phone)
    some = events(workers, bounds, 200, seed=2)
    index.remove("phone", phone)
    for event in some:
        assert "phone" not in index.reached_by(event)
    index.remove("phone-2", phone)
    assert len(index) == 1
    for event in some:
        assert index.reached_by(event) == ({"wall"} if wall.accepts(event) else set())
