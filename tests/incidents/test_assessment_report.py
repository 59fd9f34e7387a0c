"""The monthly assessment as a printable report: `flask assessment report` writes a PDF whose
pages are rendered (pdftoppm) and read back (pdftotext), and must show what assess() ranks —
on a fixture of incidents in September 2025, a month no other test uses."""
from __future__ import annotations

import re
import shutil
import string
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image
from sqlalchemy import text

from app.config import IncidentRules
from app.messages import Said, say
from app.services.accounts.scope import Scope
from app.services.incidents import assessment, assessment_report, loop as incidents
from app.services.incidents.loop import Participant, Report

MONTH = "2025-09"
T0 = datetime(2025, 9, 10, 2, 0, tzinfo=timezone.utc)      # 10:00 in the city

pytestmark = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils: make system-test-tools")


@pytest.fixture(scope="module")
def september(app):
    """Five grids of the four communities: the first (the test worker's, the city's first) all on
    time and rated, the second one late of three, the third two late of four, the fourth on
    time unrated, the fifth a single case (too few for stars)."""
    from app import db
    with app.app_context():
        session = db.session()
        grids = session.execute(text("""
            WITH held AS (
                SELECT g.code, g.community_id, ST_X(ST_PointOnSurface(g.geom)) AS lon,
                       ST_Y(ST_PointOnSurface(g.geom)) AS lat,
                       row_number() OVER (PARTITION BY g.community_id ORDER BY g.code) AS n
                FROM grid g WHERE g.valid_to IS NULL AND EXISTS (
                    SELECT 1 FROM worker_assignment a WHERE a.grid_id = g.id AND a.valid_to IS NULL))
            SELECT code, lon, lat FROM held WHERE n = 1 OR (n = 2 AND community_id = (
                SELECT community_id FROM held ORDER BY code LIMIT 1))
            ORDER BY n, code""")).all()
        *heads, second = grids          # each community's first grid, then the first one's second
        first, third, fourth, fifth = heads
        desk = Participant("user:assessor", dispatcher=True)
        reported = iter(T0 + timedelta(hours=h) for h in range(100))

        def case(grid, accepted, rating=None):
            at = next(reported)
            made = incidents.report(session, Report("environment", grid.lon, grid.lat, "litter"), desk,
                                    IncidentRules(), at)
            incidents.act(session, made.id, "accept", desk, at + timedelta(minutes=accepted))
            incidents.act(session, made.id, "resolve", desk, at + timedelta(minutes=accepted + 30), note="done")
            incidents.act(session, made.id, "verify", desk, at + timedelta(minutes=accepted + 40))
            if rating:
                incidents.act(session, made.id, "rate", desk, at + timedelta(minutes=accepted + 50),
                              satisfaction=rating)

        for accepted, rating in ((10, 5), (20, 5), (30, 4)):
            case(first, accepted, rating)
        for accepted in (15, 130, 40):           # two hours to respond: 130 minutes is late
            case(second, accepted, 3)
        for accepted in (140, 20, 150, 25):
            case(third, accepted)
        for accepted in (60, 80, 100):           # on time, but slow: fewer stars than the first
            case(fourth, accepted)
        case(fifth, 10)
        session.commit()
        return [first.code, second.code, third.code, fourth.code, fifth.code]


def ranked(session, app, unit):
    """assess()'s rows for the month, as the report must show them."""
    zone = ZoneInfo(app.config["GRIDMAP"].timezone)
    start, end = datetime(2025, 9, 1, tzinfo=zone), datetime(2025, 10, 1, tzinfo=zone)
    return assessment.assess(session, unit, start, end, Scope(everything=True), app.config["GRIDMAP"].assessment,
                             now=end)


def percent(rate):
    return f"{rate * 100:.1f}%"


def pages_of(pdf: Path, tmp_path: Path) -> list[Image.Image]:
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(pdf), str(tmp_path / "page")], check=True)
    return [Image.open(png).convert("L") for png in sorted(tmp_path.glob("page-*.png"))]


def text_of(pdf: Path, page: int | None = None) -> str:
    only = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *only, str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout


def inked(page: Image.Image) -> float:
    """The share of the page that is not paper: a header and a footer alone are well under 1%."""
    histogram = page.histogram()
    return sum(histogram[:200]) / (page.width * page.height)


def line_with(page_text: str, name: str, code: str) -> str:
    """The one line where `name` stands with its `code` beside it: a row of a table."""
    named = re.compile(rf"(?<!\S){re.escape(name)}\s+{re.escape(code)}(?!\S)")
    [line] = [line for line in page_text.splitlines() if named.search(line)]
    return line


def test_the_command_writes_a_pdf_with_a_summary_and_a_page_per_street(app, runner, session, september, tmp_path):
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["assessment", "report", "--month", MONTH, "--out", str(out)],
                           env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""})
    assert result.exit_code == 0, result.output
    streets, grids, workers = (ranked(session, app, unit) for unit in ("street", "grid", "worker"))
    pages = pages_of(out, tmp_path)
    assert len(pages) == 1 + len(streets)
    assert say("assessment.written", "zh", path=str(out.resolve()), pages=len(pages)) in result.output
    assert all(inked(page) > 0.01 for page in pages), [round(inked(page), 4) for page in pages]

    summary = text_of(out, 1)
    assert "2025年9月" in summary and "网格化管理考核报告" in summary
    for street in streets:
        assert percent(street.on_time_rate) in line_with(summary, street.name_zh, street.code)
    top_grid, top_worker = grids[0], workers[0]
    assert top_grid.code == september[0] and top_grid.stars == 5
    assert percent(top_grid.on_time_rate) in line_with(summary, top_grid.name_zh, top_grid.code)
    assert "★★★★★" in line_with(summary, top_grid.name_zh, top_grid.code)
    assert percent(top_worker.on_time_rate) in line_with(summary, top_worker.name_zh, top_worker.code)
    unrated = next(r for r in grids if r.code == september[4])
    assert unrated.stars is None and "☆" not in line_with(summary, unrated.name_zh, unrated.code)

    communities = ranked(session, app, "community")
    for number, street in enumerate(streets, start=2):
        page = text_of(out, number)
        assert line_with(page, f"街道 · {street.name_zh}", street.code)       # the page's heading
        assert f"按时率 {percent(street.on_time_rate)}" in page
        # its communities and grids (codes nest: HEL-01-01-02 lies in HEL-01-01), ranked
        for unit in (communities, grids):
            rows = [line_with(page, r.name_zh, r.code) for r in unit if r.code.startswith(street.code + "-")]
            assert rows and [page.index(row) for row in rows] == sorted(page.index(row) for row in rows)
            assert [row.split()[0] for row in rows] == [str(n) for n in range(1, len(rows) + 1)]
        for grid in (r for r in grids if r.code in september):
            assert percent(grid.on_time_rate) in line_with(page, grid.name_zh, grid.code)

    fonts = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True, text=True).stdout
    assert any(name in fonts for name in ("WenQuanYi", "NotoSansCJK", "SourceHanSans")), fonts


def test_the_report_in_english_and_for_one_street(app, runner, session, september, tmp_path):
    [street, *_] = ranked(session, app, "street")
    out = tmp_path / "street.pdf"
    result = runner.invoke(args=["assessment", "report", "--month", MONTH, "--out", str(out), "--lang", "en",
                                 "--street", street.code])
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    words = text_of(out)
    assert "September 2025" in words and street.name_en in words and "网格" not in words


def test_a_bad_month_or_street_is_refused_in_the_locale_language(runner, tmp_path):
    out = tmp_path / "never.pdf"
    chinese = runner.invoke(args=["assessment", "report", "--month", "2025-13", "--out", str(out)],
                            env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "zh_CN.UTF-8"})
    assert chinese.exit_code != 0 and say("assessment.month", "zh", value="2025-13") in chinese.output
    english = runner.invoke(args=["assessment", "report", "--month", "September", "--out", str(out)],
                            env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": "en_US.UTF-8"})
    assert english.exit_code != 0 and say("assessment.month", "en", value="September") in english.output
    street = runner.invoke(args=["assessment", "report", "--month", MONTH, "--street", "NOWHERE", "--out", str(out)],
                           env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""})
    assert street.exit_code != 0 and say("assessment.no_street", "zh", code="NOWHERE") in street.output
    assert not out.exists()
    nowhere = runner.invoke(args=["assessment", "report", "--month", "1999-01", "--out", str(tmp_path / "no" / "x.pdf")],
                            env={"LC_ALL": "", "LC_MESSAGES": "", "LANG": ""})
    assert nowhere.exit_code != 0 and f"无法写入 {tmp_path / 'no' / 'x.pdf'}" in nowhere.output


def test_the_report_over_http_is_a_pdf_within_the_reader_s_scope(client, auth, session, september, tmp_path):
    response = client.get("/api/v1/assessment/report.pdf", query_string={"month": MONTH, "lang": "zh"},
                          headers=auth("operator"))
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF")
    assert response.headers["Content-Disposition"] == f"attachment; filename=assessment-{MONTH}.pdf"
    # a grid worker's report holds their own grid only (the test worker holds the first)
    mine = client.get("/api/v1/assessment/report.pdf", query_string={"month": MONTH}, headers=auth("worker"))
    assert mine.status_code == 200
    (tmp_path / "mine.pdf").write_bytes(mine.data)
    names = dict(session.execute(text("SELECT code, name_zh FROM grid WHERE valid_to IS NULL AND code = ANY(:c)"),
                                 {"c": september}).all())
    words = text_of(tmp_path / "mine.pdf")
    assert names[september[0]] in words and not any(names[code] in words for code in september[1:])


def test_a_bad_month_over_http_is_refused_in_chinese(client, auth):
    response = client.get("/api/v1/assessment/report.pdf?month=2026-13", headers=auth("operator"))
    assert response.status_code == 400
    body = response.get_json()
    assert body["description"] == say("assessment.month", "zh", value="2026-13") and body["parameter"] == "month"
    # without a month: this month's, in the city's time zone
    this_month = client.get("/api/v1/assessment/report.pdf", headers=auth("operator"))
    assert this_month.status_code == 200 and this_month.data.startswith(b"%PDF")
    english = client.get("/api/v1/assessment/report.pdf?month=2026-13",
                         headers={**auth("operator"), "Accept-Language": "en"})
    assert english.get_json()["description"] == say("assessment.month", "en", value="2026-13")


def test_the_month_is_the_city_s_calendar_month():
    start, end = assessment_report.month_period("2026-12", "Asia/Shanghai")
    assert start.isoformat() == "2026-12-01T00:00:00+08:00" and end.isoformat() == "2027-01-01T00:00:00+08:00"
    for bad in ("2026-13", "2026-1", "26-11", "2026-11-01", "", "0000-01"):
        with pytest.raises(Said) as refused:
            assessment_report.month_period(bad, "Asia/Shanghai")
        assert refused.value.key == "assessment.month"


def test_every_label_is_written_in_both_languages_with_the_same_blanks():
    zh, en = assessment_report.LABELS["zh"], assessment_report.LABELS["en"]
    assert set(zh) == set(en)

    def blanks(words):
        return {name for _, name, _, _ in string.Formatter().parse(words) if name}
    # a month is numbered in Chinese (2025年9月) and named in English (September 2025)
    assert [key for key in zh if blanks(zh[key]) != blanks(en[key])] == ["month"]
