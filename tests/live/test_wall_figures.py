"""The wall's figures beside the map: grids shaded by quantiles of the day's load, contacts
masked on the card, the steps a card offers, and the ticker's opening lines."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app import personal
from app.config import IncidentRules
from app.services.accounts.scope import Scope
from app.services.incidents import loop
from app.services.live import stream, wall


@pytest.mark.parametrize("loads, breaks", [
    ([], []),                                      # a city with no grids
    ([0, 0, 0], []),                               # a quiet day: one class, "nothing today"
    ([0, 1, 1, 1, 1], [1]),                        # every busy grid alike: one class above quiet
    ([0, 1, 2, 3, 4, 5, 6, 7, 8], [1, 3, 5, 7]),   # evenly spread: four classes of two
    ([0, 0, 0, 0, 1, 1, 1, 1, 2, 40], [1, 2]),     # many alike: a value starts one class only
])
def test_grids_are_cut_into_classes_at_the_quantiles_of_the_days_load(loads, breaks):
    assert wall.quantile_breaks(sorted(loads), 5) == breaks


def test_the_days_load_counts_every_grid_in_scope_quiet_ones_included(session):
    day_start = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=0, minute=0, second=0, microsecond=0)
    load = wall.grid_load(session, Scope(everything=True), day_start)
    assert set(load) == {"grids", "breaks"}
    assert all(v["load"] >= v["open"] >= v["overdue"] for v in load["grids"].values())
    assert load["breaks"] == sorted(set(load["breaks"])) and all(b >= 1 for b in load["breaks"])


@pytest.mark.parametrize("contact, shown", [
    ("13812345678", "138****5678"),
    ("+86 138-1234-5678", "+86138****5678"),
    ("zhang.san@example.com", "z***@example.com"),
    ("张先生", "张***"),
    ("", None), (None, None),
])
def test_a_reporters_contact_is_masked_on_the_card(contact, shown):
    assert personal.masked(contact) == shown
    assert not shown or "5678" not in shown or "1234" not in shown


def test_a_card_offers_only_the_steps_the_state_and_the_role_allow(session, worker_grid_point):
    lon, lat = worker_grid_point
    desk = loop.Participant("user:t_operator", dispatcher=True)
    filed = loop.report(session, loop.Report("environment", lon, lat, "card steps"), desk, IncidentRules(),
                        datetime.now(ZoneInfo("UTC")))
    incident = loop.load(session, filed.id)
    offered = [s["action"] for s in loop.allowed_steps(incident, desk)]
    assert "assign" in offered and "accept" in offered
    assert not {"verify", "reopen", "rate", "start"} & set(offered)
    assert ("merge" in offered) == (incident.duplicate_of_id is not None)     # into the suspected original
    # a worker's case is not on the public pages until published; a citizen's is, until withdrawn
    assert "publish" in offered and "withdraw" not in offered
    incident.channel = "citizen"
    offered = [s["action"] for s in loop.allowed_steps(incident, desk)]
    assert "withdraw" in offered
    incident.published = False
    assert "withdraw" not in [s["action"] for s in loop.allowed_steps(incident, desk)]
    # a worker takes steps on their own tasks only
    stranger = loop.Participant("user:someone", worker_id=-1)
    assert [s["action"] for s in loop.allowed_steps(incident, stranger)] == []
    assignee = loop.Participant("user:w", worker_id=incident.assignee_id)
    steps = {s["action"]: s["note_required"] for s in loop.allowed_steps(incident, assignee)}
    assert steps == {"accept": False, "reject": True, "escalate": True, "comment": True}
    session.rollback()


def test_the_ticker_opens_with_the_last_events_named_newest_first(session):
    events = stream.recent(session, Scope(everything=True), None, 5)
    assert len(events) <= 5
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, reverse=True)
    for event in events:
        assert event["by"]["kind"] in ("person", "role", "system", "desk", "resident", "account")
        assert set(event["incident"]["category_name"]) == {"zh", "en"}


@pytest.fixture()
def worker_grid_point(session):
    from sqlalchemy import text
    return session.execute(text("""
        SELECT ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)) FROM grid g
        JOIN worker_assignment a ON a.grid_id = g.id AND a.valid_to IS NULL
        JOIN worker w ON w.id = a.worker_id AND w.role = 'full_time'
        WHERE g.valid_to IS NULL ORDER BY g.code LIMIT 1""")).one()
