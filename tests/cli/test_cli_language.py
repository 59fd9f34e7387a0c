"""The command line speaks its reader's language: LANG=zh_CN.UTF-8 (or LC_ALL, LC_MESSAGES)
gives Chinese help, reports and refusals, en_US.UTF-8 or the C locale English — from the
catalogue the API answers from (app/messages.py, app/messages_cli.py; app/cli/words.py).

What stays English is click's and Flask's own: `flask --help`'s description and its run, shell
and routes commands, the type names (TEXT, INTEGER), and click's usage errors ("Missing
option")."""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import unicodedata
from pathlib import Path

import click
import pytest

from app.cli import words
from app.config import ROOT
from app.messages import Message, say

FLASK = ROOT / ".venv" / "bin" / "flask"
CHINESE = {"LANG": "zh_CN.UTF-8"}
ENGLISH_C = {"LANG": "C"}
IN_CHINESE = {**CHINESE, "LC_ALL": "", "LC_MESSAGES": ""}      # in the suite's process (tests/conftest.py)
FLASKS_OWN = {"run", "shell", "routes", "assets"}     # Flask's commands, and Flask-Assets'


def flask(database_url: str, locale: dict, *args: str) -> subprocess.CompletedProcess:
    """.venv/bin/flask as its operator runs it, in `locale` (LC_ALL and LC_MESSAGES unset)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LANG"}
    env.update(FLASK_APP="app", DATABASE_URL=database_url, GRIDMAP_TICK_SECONDS="0", COLUMNS="80", **locale)
    return subprocess.run([str(FLASK), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def commands_listed(help_page: str) -> dict[str, str]:
    """The "Commands:" section of a help page: {name: its line}."""
    section = re.split(r"\n(?:Commands|命令)[:：]\n", help_page)[1]
    return dict(re.match(r"\s+(\S+)\s+(.*)", line).groups() for line in section.splitlines() if line.strip())


def has_chinese(text: str) -> bool:
    return re.search(r"[\u4e00-\u9fff]", text) is not None


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


# -- help --------------------------------------------------------------------------------------

def test_flask_help_lists_gridmaps_commands_in_chinese_under_a_chinese_locale(database_url):
    result = flask(database_url, CHINESE, "--help")
    assert result.returncode == 0, result.stderr
    listed = commands_listed(result.stdout)
    ours = set(listed) - FLASKS_OWN
    assert {"import", "generate", "users", "setup-demo", "serve", "register", "calendar"} <= ours
    assert [name for name in ours if not has_chinese(listed[name])] == []
    assert listed["users"] == say("cli.help.users", "zh").rstrip("。")
    assert listed["db-server"] == say("cli.help.db_server", "zh").rstrip("。")
    assert not has_chinese(listed["run"])        # Flask's own line


def test_flask_help_is_english_under_the_c_locale(database_url):
    result = flask(database_url, ENGLISH_C, "--help")
    assert result.returncode == 0, result.stderr
    listed = commands_listed(result.stdout)
    assert [name for name, line in listed.items() if has_chinese(line) and name not in ("assessment", "register",
                                                                                          "calendar")] == []
    assert listed["db-server"] == say("cli.help.db_server", "en")
    assert listed["users"].startswith("Accounts: create them")


def test_a_commands_help_is_chinese_with_its_options_and_fits_the_terminal(database_url):
    result = flask(database_url, CHINESE, "import", "areas", "--help")
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert page.startswith("用法：flask import areas [选项] PATH")
    assert "选项：" in page and "显示本帮助并退出。" in page and "[必填]" in page
    flat = re.sub(r"\s+", "", page)           # the page as wrapped, read whole
    for key in ("cli.help.import.areas", "cli.help.import.areas.code_field", "cli.help.import.areas.tolerance_m"):
        assert re.sub(r"\s+", "", say(key, "zh")) in flat, key
    assert "默认：0.5" in flat
    # a Chinese character takes two columns: wrapped by what the terminal shows, not by characters
    assert max(columns(line) for line in page.splitlines()) <= 80, page


def test_the_same_help_in_english_under_the_c_locale(database_url):
    page = flask(database_url, ENGLISH_C, "import", "areas", "--help").stdout
    assert page.startswith("Usage: flask import areas [OPTIONS] PATH")
    assert "each area's code: its key, so a re-import" in page and "[required]" in page
    assert "Show this message and exit." in page and not has_chinese(page.replace("(Chinese)", ""))


def test_a_group_lists_its_commands_in_the_readers_language(runner):
    chinese = runner.invoke(args=["users", "--help"], env=IN_CHINESE)
    assert chinese.exit_code == 0, chinese.output
    listed = commands_listed(chinese.output)
    assert listed["create"] == say("cli.help.users.create", "zh").rstrip("。")
    assert listed["list"] == say("cli.help.users.list", "zh").rstrip("。")
    english = runner.invoke(args=["users", "--help"], env={"LC_ALL": "en_US.UTF-8"})
    assert commands_listed(english.output)["create"] == "Create an account."


def every_command(group: click.Group, path: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*path, name), command
        if isinstance(command, click.Group):
            yield from every_command(command, (*path, name))


def test_every_gridmap_command_and_option_has_its_help_in_the_catalogue(app):
    """A command added with click's own classes, or help written as a sentence, would show
    English to a Chinese reader: its help must be a catalogue Message, said when shown."""
    untranslated = []
    for path, command in every_command(app.cli):
        if not isinstance(command, (words.Command, words.Group)):
            untranslated.append(f"{' '.join(path)}: a plain click {type(command).__name__}")
        elif not isinstance(command.__dict__.get("_words_help"), Message):
            untranslated.append(f"{' '.join(path)}: its help")
        for param in command.params:
            if isinstance(param, click.Option) and not isinstance(param.__dict__.get("_words_help"), Message):
                untranslated.append(f"{' '.join(path)} {param.opts[0]}")
    assert untranslated == []


def test_every_help_page_in_chinese_fits_an_80_column_terminal(app):
    runner = app.test_cli_runner()
    too_wide = {}
    for path, _ in every_command(app.cli):
        page = runner.invoke(args=[*path, "--help"], env={**IN_CHINESE, "COLUMNS": "80"})
        assert page.exit_code == 0 and has_chinese(page.output), (path, page.output)
        widest = max(columns(line) for line in page.output.splitlines())
        if widest > 80:
            too_wide[" ".join(path)] = widest
    assert too_wide == {}


# Sentences written where the command line prints or refuses, instead of a catalogue key.
SAYING = {"echo", "ClickException", "BadParameter", "UsageError", "Refusal", "Progress", "secho"}
SENTENCE = re.compile(r"[A-Za-z]{2,}[ \t]+[A-Za-z]{2,}|[\u4e00-\u9fff]")


def test_no_command_prints_or_refuses_with_a_sentence_written_in_place():
    written = []
    for path in sorted((ROOT / "app" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            if name not in SAYING:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                for text in literal_text(arg):
                    if SENTENCE.search(text):
                        written.append(f"{path.name}:{node.lineno}: {text[:60]!r}")
    assert written == []


def literal_text(node: ast.AST):
    """The text written into an expression, not the keys it looks up (result["ground lines"])."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif not isinstance(node, ast.Subscript):
        for child in ast.iter_child_nodes(node):
            yield from literal_text(child)


# -- which language ------------------------------------------------------------------------------

@pytest.mark.parametrize("environment, language", [
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "en_GB"}, "en"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LANG": "POSIX"}, "en"),
    ({}, "zh"),                                                     # nothing said: Chinese first
    ({"LANG": "fr_FR.UTF-8"}, "zh"),                                # neither: Chinese first
    ({"LANG": "zh_CN.UTF-8", "LC_ALL": "en_US.UTF-8"}, "en"),       # LC_ALL over everything
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),  # LC_MESSAGES over LANG
    ({"LANG": "en_US.UTF-8", "LC_ALL": ""}, "en"),                  # an empty one is not set
])
def test_the_locale_decides_the_language(monkeypatch, environment, language):
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert words.language() == language


# -- what the commands say -----------------------------------------------------------------------

def grids_file(folder: Path) -> Path:
    path = folder / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": "G1", "name": "网格一"},
        "geometry": {"type": "Polygon", "coordinates": [[[24.94, 60.17], [24.95, 60.17], [24.95, 60.18],
                                                          [24.94, 60.17]]]}}]}), encoding="utf-8")
    return path


def test_an_imports_refusal_is_said_in_chinese_and_in_english(database_url, tmp_path):
    args = ["import", "areas", str(grids_file(tmp_path)), "--level", "grid", "--code-field", "CODE",
            "--name-field", "name"]
    chinese = flask(database_url, CHINESE, *args)
    assert chinese.returncode == 1
    said = say("areas.no_field", "zh", file="grids.geojson", name="CODE", option="--code-field",
               fields=["code", "name"])
    assert said == "grids.geojson 中没有字段 CODE（--code-field）；它的字段有：code、name。"
    assert chinese.stderr.splitlines()[-1] == "错误：" + said
    assert "导入 grids.geojson：" in chinese.stderr          # the progress line, too
    english = flask(database_url, ENGLISH_C, *args)
    assert english.stderr.splitlines()[-1] == ("Error: grids.geojson has no field CODE (--code-field); "
                                               "its fields are code, name.")
    text_file = tmp_path / "grids.txt"
    text_file.write_text("code,name\n")
    wrong_kind = flask(database_url, CHINESE, "import", "areas", str(text_file), *args[3:])
    assert wrong_kind.stderr.splitlines()[-1] == \
        "错误：grids.txt 不是 GeoPackage（.gpkg）、Shapefile（.shp）或 GeoJSON（.geojson）文件。"


def test_a_database_that_is_not_there_is_named_in_chinese(cluster):
    name = f"gridmap_test_{os.getpid()}_never_made_zh"
    cluster.drop_database(name)
    result = flask(cluster.url(name), CHINESE, "users", "list")
    assert result.returncode == 1
    assert result.stderr.startswith(f"错误：数据库 {name} 在 127.0.0.1:") and "不存在：请先创建它" in result.stderr
    assert "再运行 `flask --app app db upgrade`。" in result.stderr


def test_a_commands_report_and_refusal_follow_the_locale(runner, users):
    refused = runner.invoke(args=["users", "set-role", "nobody", "viewer"], env=IN_CHINESE)
    assert refused.exit_code == 1 and refused.output.startswith("错误：")
    assert has_chinese(refused.output)
    listed = runner.invoke(args=["users", "list"], env=IN_CHINESE)
    assert listed.exit_code == 0 and " 启用 " in listed.output
    english = runner.invoke(args=["users", "list"], env={"LC_ALL": "C.UTF-8"})
    assert " active " in english.output and "启用" not in english.output
