"""Assessment by department (考核, 协同): the cases a department led last, its own times per lead
task, its returns (退回), transfers (转派) and help (协办) — in assess(), the JSON and CSV, the
monthly PDF, and for a department's staff their own row only. Checked by hand on a fixture of
cases in July 2025, a month no other test uses, each given to departments by the dispatcher."""
from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from app import db
from app.config import AssessmentRules, IncidentRules
from app.services.accounts import accounts
from app.services.accounts.scope import Scope
from app.services.incidents import assessment, loop as incidents
from app.services.incidents.loop import Participant, Report
from tests.conftest import PASSWORD
from tests.incidents.test_assessment_report import line_with, text_of

MONTH = "2025-07"
T0 = datetime(2025, 7, 8, 2, 0, tzinfo=timezone.utc)      # 10:00 in the city, a Tuesday
PERIOD = {"from": "2025-07-01T00:00:00+08:00", "to": "2025-08-01T00:00:00+08:00"}

pytestmark = pytest.mark.usefixtures("users")


@pytest.fixture(scope="module")
def july(app):
    """Eight cases of litter (respond within 120 minutes), each in its own grid, an hour apart,
    each given to a department five minutes after it was reported:
    - SZ leads three: accepted after 15, 20, 10 minutes, resolved 60, 120, 40 after it was given
      (the second extended on the way), rated 5, 4, 5; GD helps with the first (never takes
      its part up) and the third (does it);
    - CGZF leads one for 30 minutes and transfers it to SZ, which accepts it 10 minutes later
      and resolves it 40 minutes after it came; CGZF leads three more: accepted after 20, 45
      and 145 minutes (late: the case had 120 from its report), resolved 80, 100 and 195 after
      it was given; the first rated 4;
    - WY accepts one after 5 minutes and returns it as not its own; the dispatcher sends it to
      TJ, which accepts it after 10 minutes and resolves it after 60."""
    with app.app_context():
        session = db.session()
        grids = session.execute(text("""
            SELECT ST_X(ST_PointOnSurface(g.geom)), ST_Y(ST_PointOnSurface(g.geom)) FROM grid g
            WHERE g.valid_to IS NULL ORDER BY g.code DESC LIMIT 8""")).all()
        assert len(grids) == 8
        ids = dict(session.execute(text("SELECT code, id FROM department")).all())
        desk = Participant("user:assessor", dispatcher=True)
        staff = {code: Participant(f"user:staff_{code.lower()}", department_id=ids[code]) for code in ids}
        places, starts = iter(grids), iter(T0 + timedelta(hours=h) for h in range(24))

        def case(department, helpers=()):
            lon, lat = next(places)
            at = next(starts)
            made = incidents.report(session, Report("environment", lon, lat, "litter"), desk, IncidentRules(), at)
            incidents.act(session, made.id, "assign", desk, at + timedelta(minutes=5), department=department,
                          helpers=helpers, note="部门处置")
            return made.id, at

        def step(who, incident, action, at, minutes, **more):
            more.setdefault("note", "done")
            incidents.act(session, incident, action, who, at + timedelta(minutes=minutes), **more)

        def handled(code, incident, at, accepted, resolved, rating=None):
            step(staff[code], incident, "accept", at, accepted)
            step(staff[code], incident, "resolve", at, resolved)
            step(desk, incident, "verify", at, resolved + 10)
            if rating:
                step(desk, incident, "rate", at, resolved + 20, satisfaction=rating)

        first, at = case("SZ", helpers=["GD"])
        handled("SZ", first, at, 20, 65, 5)
        extended, at = case("SZ")
        step(staff["SZ"], extended, "accept", at, 25)
        step(staff["SZ"], extended, "ask_extend", at, 30, reason="parts", until=at + timedelta(days=2))
        step(desk, extended, "approve", at, 35)
        step(staff["SZ"], extended, "resolve", at, 125)
        step(desk, extended, "verify", at, 135)
        step(desk, extended, "rate", at, 145, satisfaction=4)
        helped, at = case("SZ", helpers=["GD"])
        step(staff["GD"], helped, "assist", at, 10)
        step(staff["GD"], helped, "assisted", at, 30)
        handled("SZ", helped, at, 15, 45, 5)
        passed, at = case("CGZF")
        step(staff["CGZF"], passed, "accept", at, 35)
        step(staff["CGZF"], passed, "transfer", at, 50, department="SZ", note="属市政设施")
        handled("SZ", passed, at, 60, 90)
        for accepted, resolved, rating in ((25, 85, 4), (50, 105, None), (150, 200, None)):
            own, at = case("CGZF")
            handled("CGZF", own, at, accepted, resolved, rating)
        returned, at = case("WY")
        step(staff["WY"], returned, "accept", at, 10)
        step(staff["WY"], returned, "return", at, 30, reason="not_ours", note="不是物业的")
        step(desk, returned, "assign", at, 40, department="TJ", note="转调解中心")
        handled("TJ", returned, at, 50, 100)
        session.commit()


def month():
    zone = ZoneInfo("Asia/Shanghai")
    return datetime(2025, 7, 1, tzinfo=zone), datetime(2025, 8, 1, tzinfo=zone)


def by_code(rows):
    return {r.code: r for r in rows}


def test_departments_are_assessed_on_the_cases_they_led_and_their_own_tasks(session, july):
    rows = by_code(assessment.assess(session, "department", *month(), Scope(everything=True), AssessmentRules()))
    assert set(rows) == {"SZ", "CGZF", "WY", "TJ", "GD"}
    sz = rows["SZ"]
    # four cases led last, the transferred one among them; its own times: 15, 20, 10, 10 to accept,
    # 60, 120, 40, 40 to resolve
    assert (sz.incidents, sz.known_outcomes, sz.by_status["closed"]) == (4, 4, 4)
    assert (sz.median_response_min, sz.median_resolution_min, sz.on_time_rate) == (12.5, 50.0, 1.0)
    assert sz.speed == round(1 - 55 / 480, 3) and (sz.satisfaction, sz.rated) == (4.67, 3)
    assert (sz.extensions, sz.returns, sz.transfers, sz.helped, sz.help_ended) == (1, 0, 0, 0, 0)
    # 0.5 × 1 + 0.2 × 0.885 + 0.3 × (4.67 − 1) / 4
    assert sz.score == 0.952 and sz.stars == 5 and sz.rank == 1
    cgzf = rows["CGZF"]
    # the case it passed on is SZ's; its own acceptance of it counts among its responses
    assert (cgzf.incidents, cgzf.known_outcomes, cgzf.on_time_rate) == (3, 3, round(2 / 3, 3))
    assert (cgzf.median_response_min, cgzf.median_resolution_min) == (37.5, 100.0)
    assert cgzf.speed == round((0.75 + 100 / 120 + 75 / 120 + 0) / 4, 3)
    assert (cgzf.satisfaction, cgzf.rated, cgzf.transfers, cgzf.returns) == (4.0, 1, 1, 0)
    assert cgzf.score == 0.669 and cgzf.stars == 2 and cgzf.rank == 2
    wy = rows["WY"]
    # the case it returned is not its own: it has the return, its acceptance, and no outcome
    assert (wy.incidents, wy.known_outcomes, wy.on_time_rate, wy.stars) == (0, 0, None, None)
    assert (wy.returns, wy.transfers, wy.median_response_min, wy.median_resolution_min) == (1, 0, 5.0, None)
    tj = rows["TJ"]
    assert (tj.incidents, tj.on_time_rate, tj.median_response_min, tj.median_resolution_min) == (1, 1.0, 10.0, 60.0)
    assert tj.stars is None                     # one case is too few to rate
    gd = rows["GD"]
    assert (gd.incidents, gd.helped, gd.help_ended, gd.median_response_min) == (0, 1, 1, None)
    # ranked among departments alone
    assert [r.code for r in sorted(rows.values(), key=lambda r: r.rank)] == ["SZ", "CGZF", "TJ", "GD", "WY"]


def test_the_department_ranking_over_http_as_json_and_csv(client, auth, july):
    body = client.get("/api/v1/assessment", query_string={"unit": "department", **PERIOD},
                      headers=auth("operator")).get_json()
    rows = {r["code"]: r for r in body["ranking"]}
    assert body["unit"] == "department" and set(rows) == {"SZ", "CGZF", "WY", "TJ", "GD"}
    assert {k: rows["CGZF"][k] for k in assessment.DEPARTMENT_FIGURES} == \
        {"returns": 0, "transfers": 1, "helped": 0, "help_ended": 0}
    assert (rows["WY"]["returns"], rows["GD"]["helped"], rows["SZ"]["extensions"], rows["SZ"]["stars"]) == (1, 1, 1, 5)
    table = client.get("/api/v1/assessment", query_string={"unit": "department", "format": "csv", **PERIOD},
                       headers=auth("operator")).data.decode().splitlines()
    header = table[0].split(",")
    assert header[header.index("extensions") + 1:header.index("extensions") + 5] == list(assessment.DEPARTMENT_FIGURES)
    cells = {line.split(",")[header.index("code")]: dict(zip(header, line.split(","))) for line in table[1:]}
    assert (cells["CGZF"]["transfers"], cells["WY"]["returns"], cells["GD"]["help_ended"]) == ("1", "1", "1")
    assert (cells["SZ"]["median_response_min"], cells["SZ"]["on_time_rate"], cells["SZ"]["stars"]) == ("12.5", "1.0", "5")
    # the other units keep their columns, and their rows say nothing of tasks
    grids = client.get("/api/v1/assessment", query_string={"unit": "grid", **PERIOD}, headers=auth("operator")).get_json()
    assert grids["ranking"] and not any("returns" in r for r in grids["ranking"])
    grid_table = client.get("/api/v1/assessment", query_string={"unit": "grid", "format": "csv", **PERIOD},
                            headers=auth("operator")).data.decode().splitlines()
    assert grid_table[0].split(",") == list(assessment.CSV_COLUMNS)
    empty = client.get("/api/v1/assessment", query_string={"unit": "department", "format": "csv",
                                                            "from": "1999-01-01T00:00:00Z", "to": "1999-02-01T00:00:00Z"},
                       headers=auth("operator")).data.decode().splitlines()
    assert empty == [",".join(assessment.csv_columns("department"))]


def test_a_department_s_staff_get_their_own_row_only(app, client, auth, july):
    with app.app_context():
        session = db.session()
        user = accounts.create_user(session, "t_assess_cgzf", PASSWORD, "department", department_code="CGZF")
        cgzf = {"Authorization": f"Bearer {accounts.create_token(session, user, 'tests')[1]}"}
        session.commit()
    everyone = {r["code"]: r for r in client.get("/api/v1/assessment", query_string={"unit": "department", **PERIOD},
                                                 headers=auth("operator")).get_json()["ranking"]}
    for headers, code in ((auth("department"), "SZ"), (cgzf, "CGZF")):
        [row] = client.get("/api/v1/assessment", query_string={"unit": "department", **PERIOD},
                           headers=headers).get_json()["ranking"]
        # the same figures as the city's ranking shows; ranked among the rows the reader sees
        assert row["code"] == code and {**row, "rank": everyone[code]["rank"]} == everyone[code]
        assert row["rank"] == 1
        table = client.get("/api/v1/assessment", query_string={"unit": "department", "format": "csv", **PERIOD},
                           headers=headers).data.decode().splitlines()
        assert len(table) == 2 and f",{code}," in table[1]


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils: make system-test-tools")
def test_the_monthly_report_has_a_page_for_the_departments(app, runner, session, july, tmp_path):
    out = tmp_path / "july.pdf"
    result = runner.invoke(args=["assessment", "report", "--month", MONTH, "--out", str(out)],
                           env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""})
    assert result.exit_code == 0, result.output
    words = text_of(out)
    page = next(p for p in words.split("\f") if "部门考核" in p)
    assert "5 个部门参与考核" in page and "退回" in page and "转派" in page
    # …, satisfaction, extensions, returns, transfers, helped, help not done
    sz = line_with(page, "市政设施管理所", "SZ")
    assert "★★★★★" in sz and "100.0%" in sz and sz.split()[-5:] == ["1", "0", "0", "0", "0"]
    cgzf = line_with(page, "城管执法中队", "CGZF")
    assert "66.7%" in cgzf and cgzf.split()[-4:] == ["0", "1", "0", "0"]
    assert line_with(page, "物业服务中心", "WY").split()[-4:] == ["1", "0", "0", "0"]
    assert line_with(page, "供电所", "GD").split()[-2:] == ["1", "1"]
    # the department's page follows the summary, before the streets'
    assert words.split("\f").index(page) == 1
    english = tmp_path / "july-en.pdf"
    result = runner.invoke(args=["assessment", "report", "--month", MONTH, "--out", str(english), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Municipal works office" in text_of(english) and "Transferred" in text_of(english)
