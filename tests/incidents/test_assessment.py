"""Assessment (考核): figures and stars per grid, worker, community and street, checked by
hand on a small fixture of incidents in a quiet week of January 2026."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from app.config import AssessmentRules, IncidentRules
from app.services.accounts.scope import Scope
from app.services.incidents import assessment, escalation, loop as incidents
from app.services.incidents.loop import Participant, Report

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
PERIOD = {"from": "2026-01-05T00:00:00Z", "to": "2026-01-06T00:00:00Z"}


def minutes(n):
    return T0 + timedelta(minutes=n)


@pytest.fixture(scope="module")
def fixture_grids(app):
    """Grid A: three incidents, one missed its limit; grid B: three handled fast, unrated;
    grid C: a single one; all comprehensive grids, ranked among themselves. Committed, in a
    period no other test touches."""
    from app import db
    with app.app_context():
        session = db.session()
        grids = session.execute(text("""
            SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
            FROM grid g WHERE g.valid_to IS NULL AND g.kind = 'comprehensive' AND EXISTS (
                SELECT 1 FROM worker_assignment a WHERE a.grid_id = g.id AND a.valid_to IS NULL)
            ORDER BY g.code LIMIT 3 OFFSET 10""")).all()
        desk = Participant("user:assessor", dispatcher=True)

        def loop(grid, accepted, resolved, rating=None):
            _, lon, lat = grid
            made = incidents.report(session, Report("environment", lon, lat, "litter"), desk,
                                    IncidentRules(), T0)
            if accepted is None:
                return made
            incidents.act(session, made.id, "accept", desk, minutes(accepted))
            incidents.act(session, made.id, "resolve", desk, minutes(resolved), note="done")
            incidents.act(session, made.id, "verify", desk, minutes(resolved + 10))
            if rating:
                incidents.act(session, made.id, "rate", desk, minutes(resolved + 20), satisfaction=rating)
            return made

        a, b, c = grids
        loop(a, 30, 60, 5)
        loop(a, 60, 120, 4)
        late = loop(a, None, None)
        escalation.tick(session, minutes(121))       # missed the 2-hour limit to respond
        incidents.act(session, late.id, "accept", desk, minutes(300))
        incidents.act(session, late.id, "resolve", desk, minutes(300), note="done late")
        incidents.act(session, late.id, "verify", desk, minutes(310))
        for _ in range(3):
            loop(b, 12, 30)
        loop(c, 10, 20)
        session.commit()
        return [g[0] for g in grids]


def by_code(rows):
    return {r.code: r for r in rows}


def test_grid_figures_match_the_hand_count(session, fixture_grids):
    a, b, c = fixture_grids
    rows = by_code(assessment.assess(session, "grid", T0 - timedelta(hours=9), T0 + timedelta(hours=15),
                                     Scope(everything=True), AssessmentRules()))
    first = rows[a]
    assert first.incidents == 3 and first.known_outcomes == 3 and first.escalations == 1
    assert first.by_status["closed"] == 3
    assert first.on_time_rate == round(2 / 3, 3)
    assert first.median_response_min == 60.0 and first.median_resolution_min == 120.0
    assert first.speed == round((0.75 + 0.5 + 0.0) / 3, 3)
    assert first.satisfaction == 4.5 and first.rated == 2
    # 0.5 × 2/3 + 0.2 × 5/12 + 0.3 × (4.5 − 1)/4 = 0.679…
    assert first.score == 0.679 and first.stars == 2
    fast = rows[b]
    assert fast.on_time_rate == 1.0 and fast.speed == 0.9 and fast.satisfaction is None
    # no ratings yet: on-time and speed share the score, (0.5 × 1 + 0.2 × 0.9) / 0.7
    assert fast.score == 0.971 and fast.stars == 5
    assert rows[c].stars is None and rows[c].score is None      # one incident is too few to rate
    ranked = [r.code for r in rows.values() if r.code in (a, b, c)]
    assert sorted(ranked, key=lambda code: rows[code].rank) == [b, a, c]


def test_the_worker_answerable_is_the_one_first_assigned(session, fixture_grids):
    a = fixture_grids[0]
    worker = session.execute(text("""
        SELECT w.code FROM worker w JOIN worker_assignment x ON x.worker_id = w.id AND x.valid_to IS NULL
        JOIN grid g ON g.id = x.grid_id WHERE g.code = :code"""), {"code": a}).scalar_one()
    rows = by_code(assessment.assess(session, "worker", T0 - timedelta(hours=9), T0 + timedelta(hours=15),
                                     Scope(everything=True), AssessmentRules()))
    assert rows[worker].incidents == 3 and rows[worker].stars == 2


def test_weights_and_thresholds_are_configurable():
    rules = AssessmentRules(weight_on_time=1.0, weight_speed=0.0, weight_satisfaction=0.0,
                            star_thresholds=(0.95, 0.9, 0.5, 0.1))
    assert assessment.star_score(2 / 3, 0.1, 1.0, rules) == pytest.approx(2 / 3)
    assert assessment.stars_for(2 / 3, rules) == 3
    assert assessment.stars_for(0.05, rules) == 1


def test_the_ranking_over_http_as_json_and_csv(client, auth, fixture_grids):
    response = client.get("/api/v1/assessment", query_string={"unit": "community", **PERIOD},
                          headers=auth("operator"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["rules"]["star_thresholds"] == [0.9, 0.8, 0.7, 0.6]
    assert sum(r["incidents"] for r in body["ranking"]) == 7
    assert [r["rank"] for r in body["ranking"]] == list(range(1, len(body["ranking"]) + 1))
    exported = client.get("/api/v1/assessment", query_string={"unit": "grid", "format": "csv", **PERIOD},
                          headers=auth("operator"))
    lines = exported.data.decode().splitlines()
    assert lines[0].startswith("rank,unit,code") and len(lines) == 4
    assert client.get("/api/v1/assessment?unit=planet", headers=auth("operator")).status_code == 400
    assert client.get("/api/v1/assessment", query_string={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
                      headers=auth("operator")).status_code == 400


def test_patrol_coverage_joins_the_grid_ranking(client, auth, fixture_grids, session):
    """Grid A's worker walked a road of their grid that day; B's and C's did not (nobody held
    them then)."""
    a = fixture_grids[0]
    walk = session.execute(text("""
        SELECT ST_X(p), ST_Y(p) FROM (
            SELECT (ST_Dump(ST_Intersection(r.geom, g.geom))).geom AS piece FROM road r
            JOIN grid g ON g.code = :a AND g.valid_to IS NULL AND ST_Intersects(r.geom, g.geom)) s
        CROSS JOIN generate_series(0, 20) i CROSS JOIN LATERAL ST_LineInterpolatePoint(piece, i / 20.0) p
        WHERE GeometryType(piece) = 'LINESTRING' ORDER BY ST_Length(piece) DESC, i LIMIT 21"""), {"a": a}).all()
    # the grid's worker that January (today's came with the test city, after it)
    worker = session.execute(text("""
        INSERT INTO worker (code, name_zh, name_en, role) VALUES ('JAN-2026', '一月网格员', 'January worker', 'full_time')
        RETURNING id""")).scalar_one()
    session.execute(text("""
        INSERT INTO worker_assignment (worker_id, grid_id, valid_from, valid_to)
        SELECT :w, g.id, '2026-01-01', '2026-02-01' FROM grid g WHERE g.code = :a AND g.valid_to IS NULL"""),
        {"w": worker, "a": a})
    session.execute(text("SELECT gridmap_ensure_position_partition(:at)"), {"at": T0})
    for i, (lon, lat) in enumerate(walk):
        session.execute(text("INSERT INTO position (worker_id, fixed_at, geom) VALUES "
                             "(:w, :at, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) ON CONFLICT DO NOTHING"),
                        {"w": worker, "at": T0 + timedelta(seconds=15 * i), "x": lon, "y": lat})
    session.commit()
    body = client.get("/api/v1/assessment", query_string={"unit": "grid", "patrol": "1", **PERIOD},
                      headers=auth("operator")).get_json()
    rows = {r["code"]: r for r in body["ranking"]}
    assert rows[a]["patrol_coverage"] > 0 and rows[a]["patrol_rank"] == 1
    assert all(rows[g]["patrol_coverage"] == 0 and rows[g]["patrol_rank"] > 1 for g in fixture_grids[1:])
    table = client.get("/api/v1/assessment", query_string={"unit": "grid", "patrol": "1", "format": "csv", **PERIOD},
                       headers=auth("operator")).data.decode().splitlines()
    assert table[0].endswith("patrol_coverage,patrol_rank,visit_coverage")
    assert client.get("/api/v1/assessment", query_string={"unit": "street", "patrol": "1", **PERIOD},
                      headers=auth("operator")).status_code == 400


# -- late is a matter of times -----------------------------------------------------------------

LATE_DAY = datetime(2026, 2, 9, 9, 0, tzinfo=timezone.utc)


def test_a_case_answered_after_its_limit_is_late_though_the_clock_never_marked_it(app):
    """Accepted ten minutes after its two hours, between two ticks of the clock (here, with no
    clock at all); and another still waiting past its limit: both late, on-time 0 of 2."""
    from app import db
    with app.app_context():
        session = db.session()
        code, lon, lat = session.execute(text("""
            SELECT g.code, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom))
            FROM grid g WHERE g.valid_to IS NULL AND g.kind = 'comprehensive' ORDER BY g.code DESC LIMIT 1 OFFSET 3""")).one()
        desk = Participant("user:assessor", dispatcher=True)
        rules = IncidentRules()
        answered = incidents.report(session, Report("environment", lon, lat, "litter"), desk, rules, LATE_DAY)
        incidents.act(session, answered.id, "accept", desk, LATE_DAY + timedelta(minutes=130))
        incidents.act(session, answered.id, "resolve", desk, LATE_DAY + timedelta(minutes=140), note="done")
        incidents.act(session, answered.id, "verify", desk, LATE_DAY + timedelta(minutes=150))
        incidents.report(session, Report("environment", lon + 0.001, lat, "more litter"), desk, rules,
                         LATE_DAY + timedelta(minutes=1))
        session.commit()
        assert session.execute(text("SELECT bool_or(ever_overdue) FROM incident WHERE reported_at >= :d "
                                    "AND reported_at < :d + interval '1 day'"), {"d": LATE_DAY}).scalar() is False
        [row] = [r for r in assessment.assess(session, "grid", LATE_DAY, LATE_DAY + timedelta(days=1),
                                               Scope(everything=True), AssessmentRules(),
                                               now=LATE_DAY + timedelta(hours=6)) if r.code == code]
        assert (row.incidents, row.known_outcomes, row.on_time_rate) == (2, 2, 0.0)
        # judged before the second one's limit passed, only the first is known (and late)
        [early] = [r for r in assessment.assess(session, "grid", LATE_DAY, LATE_DAY + timedelta(days=1),
                                                 Scope(everything=True), AssessmentRules(),
                                                 now=LATE_DAY + timedelta(minutes=100)) if r.code == code]
        assert (early.known_outcomes, early.on_time_rate) == (1, 0.0)


# -- special grids are ranked among themselves ---------------------------------------------------

APART_DAY = datetime(2026, 3, 9, 9, 0, tzinfo=timezone.utc)


def test_special_grids_are_ranked_among_themselves_after_the_comprehensive_ones(app, client, auth):
    """A school's grid (专属网格) that handled its one case best of all still ranks among the
    special grids: first of them, not first of the city; the comprehensive grids rank 1, 2
    among themselves, in the JSON, the CSV and the monthly report."""
    from app import db
    from app.services.incidents import assessment_report
    with app.app_context():
        session = db.session()
        places = session.execute(text("""
            SELECT g.code, g.kind, ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)) FROM grid g
            WHERE g.valid_to IS NULL ORDER BY g.kind = 'special' DESC, g.site_kind = 'school' DESC, g.code""")).all()
        school = places[0]
        plain = [p for p in places if p.kind == "comprehensive"][:2]
        assert school.kind == "special"
        desk = Participant("user:assessor", dispatcher=True)
        for (code, _, lon, lat), respond in ((school, 5), (plain[0], 20), (plain[1], 90)):
            made = incidents.report(session, Report("environment", lon, lat, "litter"), desk, IncidentRules(),
                                    APART_DAY)
            incidents.act(session, made.id, "accept", desk, APART_DAY + timedelta(minutes=respond))
            incidents.act(session, made.id, "resolve", desk, APART_DAY + timedelta(minutes=respond + 10), note="done")
            incidents.act(session, made.id, "verify", desk, APART_DAY + timedelta(minutes=respond + 20))
        session.commit()
        rules = AssessmentRules(min_incidents=1)
        rows = assessment.assess(session, "grid", APART_DAY, APART_DAY + timedelta(days=1), Scope(everything=True), rules)
        assert [(r.code, r.kind, r.rank) for r in rows] == [
            (plain[0].code, "comprehensive", 1), (plain[1].code, "comprehensive", 2), (school.code, "special", 1)]
        assert rows[2].score > rows[0].score         # the best figures, in a ranking of its own
        report = assessment_report.gather(session, "2026-03", Scope(everything=True), rules, "Asia/Shanghai")
        assert [r.code for r in report.grids] == [plain[0].code, plain[1].code]
        assert [r.code for r in report.special_grids] == [school.code]
        assert "专属网格排名" in assessment_report.html(report, "zh")
    period = {"from": "2026-03-09T00:00:00Z", "to": "2026-03-10T00:00:00Z"}
    body = client.get("/api/v1/assessment", query_string={"unit": "grid", **period}, headers=auth("operator")).get_json()
    assert [(r["kind"], r["rank"]) for r in body["ranking"]] == [("comprehensive", 1), ("comprehensive", 2), ("special", 1)]
    streets = client.get("/api/v1/assessment", query_string={"unit": "street", **period}, headers=auth("operator")).get_json()
    assert "kind" not in streets["ranking"][0]
    table = client.get("/api/v1/assessment", query_string={"unit": "grid", "format": "csv", **period},
                       headers=auth("operator")).data.decode().splitlines()
    header = table[0].split(",")
    assert [line.split(",")[header.index("kind")] for line in table[1:]] == ["comprehensive", "comprehensive", "special"]
