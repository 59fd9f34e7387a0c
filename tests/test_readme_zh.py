"""README.zh-CN.md is README.md in Chinese, for the people who run Gridmap, and stays in step
with it: each links to the other at its top, both begin with the same two commands, and they
have the same sections in the same order, the same commands in their code blocks, and the same
code (every `span` of the English stands in the Chinese: settings, paths, endpoints, commands).

A section added to README.md fails here until README.zh-CN.md has it too, under the Chinese
heading this file pairs with it (HEADINGS)."""
from __future__ import annotations

import re

from app.config import ROOT
from app.messages import say

ENGLISH = (ROOT / "README.md").read_text(encoding="utf-8")
CHINESE = (ROOT / "README.zh-CN.md").read_text(encoding="utf-8")

HEADINGS = {
    "Gridmap 网格地图": "Gridmap 网格地图",
    "Using an existing PostGIS": "使用现有的 PostGIS",
    "The embedded database": "内置数据库",
    "Operations: backup and restore": "运维：备份与恢复",
    "Many app hosts, and pgbouncer": "多个应用主机与 pgbouncer",
    "A read replica": "只读副本",
    "Accounts and access": "账号与权限",
    "Layers for GIS clients and the map": "供 GIS 客户端和地图使用的图层",
    "Basemaps (天地图, GCJ-02)": "底图（天地图、GCJ-02）",
    "The incident loop": "事件闭环",
    "Time limits on working days": "按工作日计算的时限",
    "Departments (协同): routing, transfer, return, co-handling": "协同单位：分流、转派、退回、协办",
    "Telling the reporter": "告知报告人",
    "The wall and the phone": "大屏与手机",
    "Residents: report, follow, rate": "居民：反映、跟进、评价",
    "Grid workers in the field": "网格员在现场",
    "The grid's register (人、房、单位)": "网格基础登记（人、房、单位）",
    "Cameras: what they really see": "摄像头：真正看得到什么",
    "Planning: redrawing grid lines": "规划：重划网格线",
    "The demo city": "演示城市",
    "Your own city": "您自己的城市",
    "City parts (部件)": "城市部件",
    "The synthetic city (tests and benchmarks)": "合成城市（测试与基准测试）",
    "Benchmarks": "基准测试",
    "Layout": "代码结构",
}

FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def prose(text: str) -> str:
    """The text outside its fenced code blocks (whose `#` lines are comments, not headings)."""
    return FENCE.sub("", text)


def headings(text: str) -> list[tuple[int, str]]:
    return [(len(marks), title.strip()) for marks, title in re.findall(r"^(#{1,6}) (.+)$", prose(text), re.MULTILINE)]


def commands(text: str) -> list[list[str]]:
    """Each code block's commands, their comments (which are translated) left out."""
    blocks = []
    for block in FENCE.findall(text):
        lines = [re.split(r"\s+#\s", line)[0].rstrip() for line in block.splitlines()]
        blocks.append([line for line in lines if line and not line.lstrip().startswith("#")])
    return blocks


def code_spans(text: str) -> set[str]:
    return {" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose(text))}


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def test_each_readme_links_to_the_other_at_its_top():
    assert "](README.zh-CN.md)" in "".join(ENGLISH.splitlines(keepends=True)[:5])
    assert "](README.md)" in "".join(CHINESE.splitlines(keepends=True)[:5])


def test_both_begin_with_the_same_two_commands():
    assert commands(ENGLISH)[0] == commands(CHINESE)[0] == ["make run", "make test"]
    for text in (ENGLISH, CHINESE):             # nothing but the title and the link before them
        assert text.index("make run") < text.index("\n## ")


def test_the_same_sections_in_the_same_order():
    unpaired = [title for _, title in headings(ENGLISH) if title not in HEADINGS]
    assert unpaired == [], "a section README.zh-CN.md lacks: add it there, and its heading to HEADINGS here"
    assert headings(CHINESE) == [(level, HEADINGS[title]) for level, title in headings(ENGLISH)]


def points(text: str) -> list[tuple[int, int]]:
    """Per section: how many list items (at any depth) and table rows it has."""
    counted = []
    for line in prose(text).splitlines():
        if re.match(r"#{1,6} ", line):
            counted.append([0, 0])
        elif re.match(r"\s*[-*] ", line):
            counted[-1][0] += 1
        elif line.startswith("|"):
            counted[-1][1] += 1
    return [tuple(c) for c in counted]


def test_each_section_has_as_many_points_and_table_rows():
    sections = [title for _, title in headings(ENGLISH)]
    assert dict(zip(sections, points(CHINESE))) == dict(zip(sections, points(ENGLISH)))


def test_the_same_commands_in_the_code_blocks():
    assert commands(CHINESE) == commands(ENGLISH)


def test_every_piece_of_code_in_the_english_stands_in_the_chinese():
    english, chinese = code_spans(ENGLISH), code_spans(CHINESE)
    assert sorted(english - chinese) == []
    # what the Chinese has besides is Chinese: an example said as a Chinese reader sees it
    assert sorted(span for span in chinese - english if not has_chinese(span)) == []


def test_the_same_settings_make_targets_and_commands():
    def named(pattern: str, text: str) -> set[str]:
        code = "\n".join([*code_spans(text), *FENCE.findall(text)])
        return set(re.findall(pattern, code))
    for pattern in (r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b",                 # GRIDMAP_*, DATABASE_URL…
                    r"\bmake ([a-z][a-z-]*)",
                    r"\bflask (?:--app app )?([a-z][a-z-]*(?: [a-z][a-z-]*)?)"):
        assert named(pattern, CHINESE) == named(pattern, ENGLISH), pattern


def test_the_chinese_readme_quotes_what_the_commands_say_in_chinese():
    words = "".join(CHINESE.split())
    for said in (say("backup.external", "zh"),
                 say("division.unnamed", "zh"),
                 say("cli.database.no_schema", "zh", database="mycity", upgrade="flask --app app db upgrade")
                 .replace("`", "")):
        assert "".join(said.split()) in words, said


def test_a_section_a_message_points_to_is_a_heading_of_the_readme_in_its_language():
    from app.messages import CATALOGUE
    # README, "Telling the reporter" · README“告知报告人” · README.zh-CN.md「告知报告人」
    pointer = re.compile(r'README[^"“「\n]{0,12}["“「]([^"”」]+)["”」]')
    titles = {"en": {title for _, title in headings(ENGLISH)}, "zh": {title for _, title in headings(CHINESE)}}
    pointed = [(key, language, section) for key, texts in CATALOGUE.items() for language in ("zh", "en")
               for section in pointer.findall(texts[language])]
    assert ("notify.not_configured", "zh", "告知报告人") in pointed
    assert [(key, language, section) for key, language, section in pointed if section not in titles[language]] == []


def test_the_reports_channels_and_severities_the_readme_lists_are_the_codes():
    from app.models.incidents import CHANNELS, SEVERITIES
    for text in (ENGLISH, CHINESE):
        said = prose(text)[prose(text).index("`POST /api/v1/incidents`"):]
        severities = said[said.index("`severity` "):said.index("`channel` ")]
        channels = re.split(r"[(（]`citizen`", said[said.index("`channel` "):])[0]
        assert re.findall(r"`([a-z0-9]+)`", severities)[1:] == list(SEVERITIES)
        assert sorted(re.findall(r"`([a-z0-9]+)`", channels)[1:]) == sorted(CHANNELS)
