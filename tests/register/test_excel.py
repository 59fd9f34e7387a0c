"""The register as the field works with it: an Excel template per kind (房屋, 实有人口, 单位), an
import that refuses a bad row with its reason in a report beside the file (numbers masked) and
writes the good ones, updates instead of duplicating on a second import, and an export only
for a role that may, with a stated reason, logged, the file saying who took it."""
import base64
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from app import db
from app.models import Resident
from app.services.register import entries, identity


def id_number(first17: str) -> str:
    return first17 + identity.id_check_digit(first17)


ZHANG = id_number("11010519800101123")          # a man born 1980
LI = id_number("31011519900215002")             # a woman born 1990
WANG = id_number("44010619520303101")           # a man born 1952
WRONG = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
CREDIT = "91310115MA1K3F8T2"
CREDIT = CREDIT + identity.credit_code_check_character(CREDIT)


@pytest.fixture(autouse=True)
def building_counts_kept(app):
    """An import recounts the buildings it touches; the other tests see the city as it was."""
    with app.app_context():
        kept = db.session().execute(text(
            "SELECT id, households, population, households_estimated FROM building")).all()
    yield
    with app.app_context():
        session = db.session()
        session.execute(text("""
            UPDATE building b SET households = k.h, population = k.p, households_estimated = k.e
            FROM unnest(CAST(:ids AS int[]), CAST(:h AS int[]), CAST(:p AS int[]), CAST(:e AS boolean[])) AS k(id, h, p, e)
            WHERE b.id = k.id AND (b.households, b.population, b.households_estimated) IS DISTINCT FROM (k.h, k.p, k.e)"""),
            {"ids": [r[0] for r in kept], "h": [r[1] for r in kept], "p": [r[2] for r in kept],
             "e": [r[3] for r in kept]})
        session.commit()


@pytest.fixture()
def mine(app, places):
    """The worker's building as an office names it: its code (and its address, if it has one)."""
    with app.app_context():
        code, address = db.session().execute(text("SELECT source_id, address FROM building WHERE id = :id"),
                                             {"id": places["mine"]}).one()
    return {"id": places["mine"], "code": code, "address": address, "grid": places["grid"]}


def template(runner, tmp_path, *args) -> object:
    path = tmp_path / "template.xlsx"
    result = runner.invoke(args=["register", "template", str(path), "--lang", "zh", *args])
    assert result.exit_code == 0, result.output
    return path


def filled(template_path, path, rows: dict[str, list[dict]]):
    """The template with rows written under its headers, each by field name (row 2)."""
    book = load_workbook(template_path)
    titles = {"unit": "房屋", "resident": "实有人口", "organisation": "单位"}
    for kind, entries_ in rows.items():
        sheet = book[titles[kind]]
        keys = [c.value for c in sheet[2]]
        for number, entry in enumerate(entries_, start=3):
            for column, key in enumerate(keys, start=1):
                if key in entry:
                    sheet.cell(number, column).value = entry[key]
    book.save(path)
    return path


def imported(runner, path, *args):
    result = runner.invoke(args=["register", "import", str(path), "--lang", "zh", *args])
    assert result.exit_code == 0, result.output
    return result.output


def report_rows(path) -> list[dict]:
    book = load_workbook(path.with_name(path.stem + ".report.xlsx"))
    rows = list(book["未导入的行"].iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def count(session, sql: str, **params) -> int:
    return session.execute(text(sql), params).scalar_one()


def household(mine, room="301", **person) -> tuple[dict, dict]:
    house = {"building": mine["code"], "entrance": "1", "floor": 3, "room": room, "use": "自住"}
    resident = {"building": mine["code"], "entrance": "1", "floor": 3, "room": room, "name": "张建华",
                "id_number": ZHANG, "phone": "13912345678", "relation": "户主", "care_tags": "独居老人", **person}
    return house, resident


def test_the_template_has_a_sheet_per_kind_with_headers_field_names_and_the_buildings_to_name(
        runner, tmp_path, mine):
    book = load_workbook(template(runner, tmp_path, "--grid", mine["grid"]))
    assert book.sheetnames == ["房屋", "实有人口", "单位", "楼栋清单", "填写说明"]
    residents = book["实有人口"]
    headers, keys = [c.value for c in residents[1]], [c.value for c in residents[2]]
    assert headers[:6] == ["楼栋编号", "楼栋地址", "单元", "楼层", "房号 *", "姓名 *"]
    assert keys[:7] == ["building", "address", "entrance", "floor", "room", "name", "id_number"]
    assert residents.freeze_panes == "A3"
    assert residents.column_dimensions["G"].number_format == "@"        # an ID number stays text
    uses = next(v for v in book["房屋"].data_validations.dataValidation if "F3" in str(v.sqref))
    assert uses.formula1 == '"自住,出租,空置,商铺,办公,其他"'
    listed = [row[0] for row in book["楼栋清单"].iter_rows(min_row=2, values_only=True)]
    assert mine["code"] in listed
    assert any("再次导入不会重复登记" in (row[0] or "") for row in book["填写说明"].iter_rows(values_only=True))


def test_a_filled_template_imports_houses_residents_and_organisations_each_with_its_version(
        runner, tmp_path, mine, app):
    house, resident = household(mine)
    path = filled(template(runner, tmp_path, "--grid", mine["grid"]), tmp_path / "社区登记.xlsx", {
        "unit": [house, {**house, "room": "302", "use": "出租"}, {**house, "floor": 1, "room": "101", "use": "商铺"}],
        "resident": [resident,
                     {**resident, "name": "李秀英", "id_number": LI, "phone": None, "relation": "配偶", "care_tags": None}],
        "organisation": [{"building": mine["code"], "name": "便民超市", "kind": "商铺", "credit_code": CREDIT,
                          "contact_name": "王力", "contact_phone": "13800001111", "employees": 3,
                          "risk_tags": "消防、食品", "entrance": "1", "floor": 1, "room": "101"}],
    })
    output = imported(runner, path)
    assert "房屋：读取 3 行，新增 3，更新 0，无变化 0，未导入 0。" in output
    assert "实有人口：读取 2 行，新增 2，更新 0，无变化 0，未导入 0。" in output
    assert "单位：读取 1 行，新增 1，更新 0，无变化 0，未导入 0。" in output
    with app.app_context():
        session = db.session()
        people = {r.name: r for r in session.query(Resident).order_by(Resident.id)}
        zhang = people["张建华"]
        assert (zhang.sex, zhang.birth_year, zhang.id_number_mask, zhang.phone_mask) == \
            ("M", 1980, ZHANG[:6] + "********" + ZHANG[-4:], "139****5678")
        assert zhang.care_tags == ["elderly_alone"] and zhang.relation == "head" and zhang.changed_by.startswith("cli:")
        assert people["李秀英"].registration == "local" and people["李秀英"].phone_mask is None
        assert count(session, "SELECT count(*) FROM house_unit WHERE building_id = :b AND ended_at IS NULL",
                     b=mine["id"]) == 3
        assert session.execute(text("SELECT households, population, households_estimated FROM building "
                                    "WHERE id = :b"), {"b": mine["id"]}).one() == (2, 2, False)   # the shop: none
        shop = session.execute(text("SELECT o.risk_tags, u.room FROM organisation o JOIN house_unit u "
                                    "ON u.id = o.unit_id")).one()
        assert shop == (["fire", "food"], "101")
        # each entry's version holds what entries.py keeps of it (secrets as base64, never a number)
        version = session.execute(text("SELECT action, by, version, data FROM register_version "
                                       "WHERE kind = 'resident' AND entry_id = :id"), {"id": zhang.id}).one()
        assert version[:3] == ("added", zhang.changed_by, 1)
        assert version.data == entries._snapshot(zhang)
        assert base64.b64decode(version.data["id_number_secret"]) == zhang.id_number_secret
        assert count(session, "SELECT count(*) FROM register_version") == 6
        every = "\n".join(session.execute(text(
            "SELECT r::text FROM resident r UNION ALL SELECT v::text FROM register_version v "
            "UNION ALL SELECT a::text FROM audit_log a")).scalars())
        assert ZHANG not in every and LI not in every and "13912345678" not in every


def test_an_import_reports_each_refused_row_and_why_and_writes_only_the_good_ones(runner, tmp_path, mine, app):
    house, resident = household(mine)
    path = filled(template(runner, tmp_path), tmp_path / "bad.xlsx", {
        "unit": [house,
                 {**house, "building": "osm:w0", "room": "401"},                        # no such building
                 {**house, "room": "402", "use": "别墅"},                                 # no such use
                 {"address": "没有这个地址", "room": "1", "use": "自住"}],
        "resident": [resident,
                     {**resident, "name": "错号码", "id_number": WRONG, "phone": "1391234567"},   # check digit, phone
                     {**resident, "name": "赵六", "id_number": None, "room": "999"},             # no such house
                     {**resident, "name": None, "id_number": LI},                               # no name
                     {**resident, "name": "张建华的双胞胎"}],                                    # the same ID twice
        "organisation": [{"building": mine["code"], "name": "错代码公司", "kind": "企业",
                          "credit_code": CREDIT[:-1] + ("0" if CREDIT[-1] != "0" else "1")}],
    })
    output = imported(runner, path)
    assert "实有人口：读取 5 行，新增 1，更新 0，无变化 0，未导入 4。" in output
    assert str(path.with_name("bad.report.xlsx")) in output
    refused = [(r["工作表"], r["行号"], r["字段"], r["原因"]) for r in report_rows(path)]
    assert refused == [
        ("房屋", 4, "楼栋编号", "没有这个楼栋，或不在您的范围内：请按“楼栋清单”填写楼栋编号。"),
        ("房屋", 5, "房屋用途", "应为以下之一：自住、出租、空置、商铺、办公、其他。"),
        ("房屋", 6, "楼栋编号", "没有这个楼栋，或不在您的范围内：请按“楼栋清单”填写楼栋编号。"),
        ("实有人口", 4, "公民身份号码", "身份证号校验位不符，请核对是否抄错。"),
        ("实有人口", 4, "联系电话", "电话应为 11 位手机号或带区号的固定电话。"),
        ("实有人口", 5, "房号", "这栋楼没有登记这个单元、楼层和房号的房屋：请先在“房屋”表中登记。"),
        ("实有人口", 6, "姓名", "必填。"),
        ("实有人口", 7, "姓名", "与本表第 3 行是同一条目，本行未导入。"),
        ("单位", 3, "统一社会信用代码", "统一社会信用代码校验位不符，请核对是否抄错。"),
    ]
    rows = report_rows(path)
    assert rows[3]["所填内容（号码已脱敏）"] == WRONG[:6] + "********" + WRONG[-4:]
    assert rows[4]["所填内容（号码已脱敏）"] == "**********"
    assert rows[3]["条目"].startswith("错号码 · ")
    report = path.with_name("bad.report.xlsx").read_bytes()
    shown = "\n".join(str(v) for sheet in load_workbook(io.BytesIO(report)) for row in sheet.iter_rows(values_only=True)
                      for v in row if v is not None)
    assert WRONG not in shown and "1391234567" not in shown and LI not in shown
    summary = list(load_workbook(io.BytesIO(report))["汇总"].iter_rows(values_only=True))
    assert ("房屋", 4, 1, 0, 0, 3) in summary
    with app.app_context():
        session = db.session()
        assert count(session, "SELECT count(*) FROM house_unit") == 1
        assert session.execute(text("SELECT name FROM resident")).scalars().all() == ["张建华"]
        assert count(session, "SELECT count(*) FROM organisation") == 0


def test_the_report_is_in_english_when_asked(runner, tmp_path, mine):
    house, _ = household(mine)
    path = filled(template(runner, tmp_path), tmp_path / "en.xlsx", {"unit": [{**house, "use": "villa"}]})
    result = runner.invoke(args=["register", "import", str(path), "--lang", "en"])
    assert "房屋: 1 rows read, 0 added, 0 changed, 0 unchanged, 1 refused." in result.output   # the file's own sheet
    book = load_workbook(path.with_name("en.report.xlsx"))
    assert book.sheetnames == ["Summary", "Refused rows"]
    row = list(book["Refused rows"].iter_rows(values_only=True))[1]
    assert row[3:] == ("Use", "villa", "One of: owner-occupied, rented, vacant, shop, office, other.")


def test_importing_the_same_file_again_adds_and_changes_nothing(runner, tmp_path, mine, app):
    house, resident = household(mine)
    path = filled(template(runner, tmp_path), tmp_path / "twice.xlsx", {
        "unit": [house, {**house, "room": "302"}],
        "resident": [resident, {**resident, "name": "王大爷", "id_number": WANG, "room": "302"},
                     {**resident, "name": "无证件", "id_number": None, "phone": None, "room": "302"}],
        "organisation": [{"building": mine["code"], "name": "无代码小店", "kind": "商铺"}]})
    imported(runner, path)
    with app.app_context():
        session = db.session()
        before = session.execute(text("SELECT (SELECT count(*) FROM register_version), (SELECT count(*) FROM resident), "
                                      "(SELECT count(*) FROM house_unit), (SELECT count(*) FROM organisation)")).one()
        secrets = session.execute(text("SELECT id, id_number_secret FROM resident ORDER BY id")).all()
    output = imported(runner, path)
    assert "房屋：读取 2 行，新增 0，更新 0，无变化 2，未导入 0。" in output
    assert "实有人口：读取 3 行，新增 0，更新 0，无变化 3，未导入 0。" in output
    assert "单位：读取 1 行，新增 0，更新 0，无变化 1，未导入 0。" in output
    with app.app_context():
        session = db.session()
        assert session.execute(text(
            "SELECT (SELECT count(*) FROM register_version), (SELECT count(*) FROM resident), "
            "(SELECT count(*) FROM house_unit), (SELECT count(*) FROM organisation)")).one() == before == (6, 3, 2, 1)
        # nothing sealed again either: the same secret, not a new one for the same number
        assert session.execute(text("SELECT id, id_number_secret FROM resident ORDER BY id")).all() == secrets


def test_a_row_changed_in_one_field_makes_one_new_version_of_that_entry(runner, tmp_path, mine, app):
    house, resident = household(mine)
    others = [{**resident, "name": "李秀英", "id_number": LI, "relation": "配偶"}]
    base = template(runner, tmp_path)
    imported(runner, filled(base, tmp_path / "first.xlsx", {"unit": [house], "resident": [resident, *others]}))
    changed = filled(base, tmp_path / "second.xlsx", {
        "unit": [house], "resident": [{**resident, "phone": "13700002222"}, *others]})
    output = imported(runner, changed)
    assert "实有人口：读取 2 行，新增 0，更新 1，无变化 1，未导入 0。" in output
    with app.app_context():
        session = db.session()
        versions = session.execute(text("""
            SELECT r.name, v.version, v.action, v.data->>'phone_mask' FROM register_version v
            JOIN resident r ON r.id = v.entry_id WHERE v.kind = 'resident' ORDER BY r.name, v.version""")).all()
        assert versions == [("张建华", 1, "added", "139****5678"), ("张建华", 2, "changed", "137****2222"),
                            ("李秀英", 1, "added", "139****5678")]
        assert count(session, "SELECT version FROM resident WHERE name = '张建华'") == 2
        assert count(session, "SELECT count(*) FROM register_version WHERE kind = 'unit'") == 1


def test_a_person_is_found_by_their_id_number_when_they_move_and_by_name_in_their_house_without_one(
        runner, tmp_path, mine, app):
    house, resident = household(mine)
    base = template(runner, tmp_path)
    nameless = {**resident, "name": "无证件", "id_number": None, "phone": None}
    imported(runner, filled(base, tmp_path / "first.xlsx", {"unit": [house, {**house, "room": "302"}],
                                                           "resident": [resident, nameless]}))
    output = imported(runner, filled(base, tmp_path / "moved.xlsx", {"resident": [
        {**resident, "room": "302"},                               # moved upstairs: the same person
        {**nameless, "relation": "租户"}]}))                         # no ID number: by name in the house
    assert "实有人口：读取 2 行，新增 0，更新 2，无变化 0，未导入 0。" in output
    with app.app_context():
        rows = db.session().execute(text("SELECT r.name, u.room, r.relation, r.version FROM resident r "
                                         "JOIN house_unit u ON u.id = r.unit_id ORDER BY r.name")).all()
    assert rows == [("张建华", "302", "head", 2), ("无证件", "301", "tenant", 2)]


def test_a_dry_run_checks_every_row_and_writes_nothing_but_the_report(runner, tmp_path, mine, app):
    house, resident = household(mine)
    path = filled(template(runner, tmp_path), tmp_path / "dry.xlsx", {"unit": [house], "resident": [resident]})
    output = imported(runner, path, "--dry-run")
    assert "实有人口：读取 1 行，新增 1，更新 0，无变化 0，未导入 0。" in output and "试运行：以上变更均未写入。" in output
    assert path.with_name("dry.report.xlsx").exists()
    with app.app_context():
        session = db.session()
        assert count(session, "SELECT count(*) FROM house_unit") + count(session, "SELECT count(*) FROM resident") == 0
        assert count(session, "SELECT count(*) FROM register_version") == 0


def test_an_export_is_for_a_role_that_may_and_needs_a_reason(client, auth, mine):
    url = f"/api/v1/register/residents.xlsx?grid={mine['grid']}"
    assert client.get(url + "&reason=核查", headers=auth("worker")).status_code == 403
    assert client.get(url + "&reason=核查", headers=auth("operator")).status_code == 403
    for reason in ("", "&reason=", "&reason=x", "&reason=" + "长" * 201):
        refused = client.get(url + reason, headers=auth("admin"))
        assert refused.status_code == 422, reason
        assert refused.get_json()["errors"]["reason"] == "请写明导出事由（2 至 200 字），将记入访问日志并印在文件中。"
    assert client.get("/api/v1/register/residents.xlsx?grid=NONE&reason=核查", headers=auth("admin")).status_code == 404


def test_an_export_says_who_took_it_masks_every_number_is_logged_and_imports_again_unchanged(
        client, auth, users, runner, tmp_path, mine, app):
    house, resident = household(mine)
    imported(runner, filled(template(runner, tmp_path), tmp_path / "in.xlsx", {
        "unit": [house], "resident": [resident, {**resident, "name": "李秀英", "id_number": LI, "relation": "配偶",
                                                 "key_tags": "信访"}]}))
    answer = client.get(f"/api/v1/register/residents.xlsx?grid={mine['grid']}&reason=年度人口核查",
                        headers=auth("admin"))
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"].startswith(f"attachment; filename=register-{mine['grid']}-")
    assert answer.headers["Cache-Control"] == "no-store"
    book = load_workbook(io.BytesIO(answer.data))
    assert book.sheetnames == ["实有人口"]
    assert book.properties.creator == f"user:{users['admin']['username']}"
    assert book.properties.description == "年度人口核查"
    rows = list(book["实有人口"].iter_rows(values_only=True))
    assert rows[0][0].startswith(f"导出人：user:{users['admin']['username']}；导出时间：")
    assert "事由：年度人口核查" in rows[0][0] and "共 2 条" in rows[0][0]
    assert rows[2][:6] == ("building", "address", "entrance", "floor", "room", "name")
    people = {row[5]: dict(zip(rows[2], row)) for row in rows[3:]}
    assert people["张建华"]["id_number"] == ZHANG[:6] + "********" + ZHANG[-4:]
    assert people["张建华"]["phone"] == "139****5678" and people["张建华"]["relation"] == "户主"
    assert people["李秀英"]["key_tags"] == "信访" and people["张建华"]["care_tags"] == "独居老人"
    whole = answer.get_data()
    for number in (ZHANG, LI, "13912345678"):
        assert number.encode() not in whole
    log = client.get("/api/v1/register/access-log", headers=auth("admin")).get_json()["entries"]
    export = next(e for e in log if e["action"] == "export")
    assert (export["actor"], export["reason"], export["subject"]) == \
        (f"user:{users['admin']['username']}", "年度人口核查", "resident")
    with app.app_context():
        assert sorted(export["subject_ids"]) == sorted(db.session().execute(text("SELECT id FROM resident")).scalars())

    # corrected or not, the file imports again: the masks stand for the numbers held
    again = tmp_path / "export.xlsx"
    again.write_bytes(answer.data)
    assert "实有人口：读取 2 行，新增 0，更新 0，无变化 2，未导入 0。" in imported(runner, again)


def test_the_command_line_export_writes_the_grids_whole_register_and_logs_it(runner, tmp_path, mine, app):
    house, resident = household(mine)
    imported(runner, filled(template(runner, tmp_path), tmp_path / "in.xlsx", {"unit": [house], "resident": [resident]}))
    out = tmp_path / "grid.xlsx"
    refused = runner.invoke(args=["register", "export", str(out), "--grid", mine["grid"], "--reason", "x",
                                  "--lang", "zh"])
    assert refused.exit_code != 0 and "请写明导出事由" in refused.output and not out.exists()
    result = runner.invoke(args=["register", "export", str(out), "--grid", mine["grid"], "--reason", "移交街道",
                                 "--lang", "zh"])
    assert result.exit_code == 0, result.output
    assert "1 套房屋，1 名人员，0 家单位" in result.output
    book = load_workbook(out)
    assert book.sheetnames == ["房屋", "实有人口", "单位"]
    assert book.properties.creator.startswith("cli:")
    with app.app_context():
        logged = db.session().execute(text("SELECT actor, action, reason, subject FROM person_access")).all()
    assert [(a, r, s) for _, a, r, s in logged] == [("export", "移交街道", "resident"),
                                                    ("export", "移交街道", "organisation")]
    assert "实有人口：读取 1 行，新增 0，更新 0，无变化 1，未导入 0。" in imported(runner, out)


def test_a_building_is_named_by_its_address_once_it_names_one_and_numbers_must_be_whole_text(
        runner, tmp_path, mine, app):
    with app.app_context():
        session = db.session()
        unique = session.execute(text("SELECT address FROM building WHERE address IS NOT NULL GROUP BY address "
                                      "HAVING count(*) = 1 ORDER BY address LIMIT 1")).scalar_one()
        shared = session.execute(text("SELECT address, count(*) FROM building WHERE address IS NOT NULL "
                                      "GROUP BY address HAVING count(*) > 1 ORDER BY address LIMIT 1")).one()
    house, resident = household(mine)
    by_address = {"address": f"  {unique} ", "room": "1", "use": "办公"}
    path = filled(template(runner, tmp_path), tmp_path / "places.xlsx", {
        "unit": [house, by_address,
                 {"address": shared[0], "room": "1", "use": "自住"},                      # two buildings there
                 {**house, "address": unique, "room": "9"}],                             # code and address disagree
        "resident": [{**resident, "id_number": float(ZHANG[:-1] + "0")},                 # kept as a figure by Excel
                     {**resident, "name": "新人", "id_number": ZHANG[:6] + "********" + ZHANG[-4:]}],  # a mask, no one's
    })
    output = imported(runner, path)
    assert "房屋：读取 4 行，新增 2，更新 0，无变化 0，未导入 2。" in output
    refused = [(r["行号"], r["字段"], r["原因"]) for r in report_rows(path)]
    assert refused == [
        (5, "楼栋编号", f"有 {shared[1]} 栋楼是这个地址或名称，请填写楼栋编号。"),
        (6, "楼栋编号", "楼栋编号和楼栋地址不是同一栋楼，请核对。"),
        (3, "公民身份号码", "号码被存成了数字，可能已丢失位数：请把该列设为文本后重新填写。"),
        (4, "公民身份号码", "带 * 的脱敏号码只能保留导出时的原样：请填写完整号码。"),
    ]


def test_a_file_that_is_not_the_registers_workbook_is_refused_in_words(runner, tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a workbook")
    result = runner.invoke(args=["register", "import", str(broken), "--lang", "zh"])
    assert result.exit_code != 0 and f"无法读取 {broken}" in result.output
    other = tmp_path / "other.xlsx"
    from openpyxl import Workbook
    book = Workbook()
    book.active.title = "工资表"
    book.active.append(["姓名", "工资"])
    book.save(other)
    result = runner.invoke(args=["register", "import", str(other), "--lang", "en"])
    assert result.exit_code != 0 and "other.xlsx has no Houses, Residents or Organisations sheet" in result.output
