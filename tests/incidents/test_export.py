"""The incidents export (GET /api/v1/incidents?format=csv) as a clerk opens it in Excel in China:
UTF-8 with a BOM, the header and the names in the reader's language, times in the city's time
zone to the minute, the day in the file's name — and the codes still in their own columns, under
their English names, for the programs that read it."""
from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from app.services.incidents.views import CSV_COLUMNS

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.usefixtures("users")


@pytest.fixture()
def case(client, auth, a_grid_point):
    lon, lat = a_grid_point
    filed = client.post("/api/v1/incidents", headers=auth("operator"), json={
        "category": "road_damage", "point": [lon, lat], "description": "人行道地砖松动", "severity": "high"})
    assert filed.status_code == 201, filed.get_json()
    return filed.get_json()


def exported(client, auth, case, **args):
    response = client.get("/api/v1/incidents", query_string={"format": "csv", "code": case["properties"]["code"], **args},
                          headers={**auth("operator"), "Accept-Language": "zh-CN,zh;q=0.9"})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_a_chinese_reader_gets_a_file_excel_opens_in_chinese(client, auth, case):
    response = exported(client, auth, case)
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.data.startswith(b"\xef\xbb\xbf")            # the BOM: not read as GBK
    today = datetime.now(SHANGHAI).date().isoformat()
    assert response.headers["Content-Disposition"] == f"attachment; filename=incidents-{today}.csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header, row = rows[0], dict(zip(rows[0], rows[1]))
    assert header[:7] == ["编号", "类别代码", "类别", "紧急程度代码", "紧急程度", "状态代码", "状态"]
    p = case["properties"]
    assert (row["编号"], row["类别代码"], row["类别"]) == (p["code"], "road_damage", "道路破损")
    assert (row["紧急程度代码"], row["紧急程度"], row["状态代码"]) == ("high", "高", p["status"])
    assert row["状态"] in ("已上报", "已派单") and row["是否超时"] == "否"
    assert row["网格"] == p["grid_name"]["zh"] and row["社区"] == p["community"]["zh"]
    # the city's time, as a clerk writes it
    reported = datetime.fromisoformat(p["reported_at"]).astimezone(SHANGHAI)
    assert row["上报时间"] == reported.strftime("%Y-%m-%d %H:%M")
    assert row["办结时限"] == datetime.fromisoformat(p["due_resolve_at"]).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    assert row["处置完成时间"] == "" and row["描述"] == "人行道地砖松动"


def test_an_english_reader_or_a_program_gets_the_column_names_and_the_codes(client, auth, case):
    response = exported(client, auth, case, lang="en")      # the page's language, over the browser's
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    row = rows[0]
    assert (row["code"], row["category"], row["severity"], row["status"]) == \
        (case["properties"]["code"], "road_damage", "high", case["properties"]["status"])
    assert (row["category_name"], row["severity_name"], row["overdue"]) == ("Damaged road or pavement", "high", "no")
    assert row["grid"] == case["properties"]["grid"]


def test_a_language_it_does_not_speak_is_refused(client, auth, case):
    response = client.get("/api/v1/incidents?format=csv&lang=fr", headers={**auth("operator"), "Accept-Language": "en"})
    assert response.status_code == 400 and response.get_json()["parameter"] == "lang"
