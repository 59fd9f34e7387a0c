"""Demo life: the simulator reports around buildings and moves incidents through the real
loop, and the ones it neglects go overdue and escalate — on the synthetic city."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app import db
from app.services.incidents.simulation import Pace, Simulator


@pytest.fixture(scope="module")
def lived_day(zhenxing_app):
    assert zhenxing_app.test_cli_runner().invoke(args=["import", "categories"]).exit_code == 0
    with zhenxing_app.app_context():
        session = db.session()
        simulator = Simulator(session, seed=3, pace=Pace(reports_per_hour=40, neglect=0.3))
        tally = simulator.backfill(datetime.now(timezone.utc), hours=8)
        yield session, tally


def test_a_simulated_day_walks_incidents_through_the_loop(lived_day):
    session, tally = lived_day
    assert 200 < tally.reported < 450            # 40 an hour for 8 hours, give or take
    for step in ("accept", "start", "resolve", "verify"):
        assert tally.steps.get(step, 0) > 0, tally.summary()
    statuses = dict(session.execute(text("SELECT status, count(*) FROM incident GROUP BY status")).all())
    assert statuses.get("closed", 0) > 0 and statuses.get("assigned", 0) > 0


def test_neglected_incidents_go_overdue_and_escalate(lived_day):
    session, tally = lived_day
    assert tally.overdue > 0 and tally.escalated > 0
    assert session.execute(text("SELECT count(*) FROM incident WHERE level <> 'grid' AND escalations > 0")).scalar() > 0


def test_reports_cluster_around_buildings(lived_day):
    session, _ = lived_day
    far = session.execute(text("""
        SELECT count(*) FROM incident i WHERE NOT EXISTS (
            SELECT 1 FROM building b WHERE ST_DWithin(b.geom::geography, i.geom::geography, 30))""")).scalar()
    assert far == 0


def test_every_incident_history_starts_with_its_report_in_time_order(lived_day):
    session, _ = lived_day
    broken = session.execute(text("""
        SELECT count(*) FROM incident i WHERE
            (SELECT action FROM incident_event e WHERE e.incident_id = i.id ORDER BY e.id LIMIT 1) <> 'report'
            OR EXISTS (SELECT 1 FROM incident_event a JOIN incident_event b
                       ON a.incident_id = b.incident_id AND a.id < b.id AND a.at > b.at
                       WHERE a.incident_id = i.id)""")).scalar()
    assert broken == 0


def test_the_simulate_command_runs_live_steps_and_walks_the_workers(zhenxing_app):
    started = datetime.now(timezone.utc)
    result = zhenxing_app.test_cli_runner().invoke(
        args=["simulate", "--history-hours", "0", "--steps", "2", "--step", "0.1", "--rate", "3600"])
    assert result.exit_code == 0, result.output
    assert "grid workers walk their grids" in result.output, result.output
    with zhenxing_app.app_context():
        walked = db.session().execute(text(
            "SELECT count(DISTINCT worker_id) FROM position WHERE fixed_at >= :since"),
            {"since": started - timedelta(seconds=1)}).scalar()
    assert walked >= 10         # each walker's phone takes its first fix at once
