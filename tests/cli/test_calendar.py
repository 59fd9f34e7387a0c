"""flask calendar …: a month's days as limits in working time count them, and the city's own
say on a day over China's statutory calendar — in Chinese or English."""
from __future__ import annotations

import pytest
from sqlalchemy import text

DAY = "2026-10-09"      # a Friday after National Day, set and unset by these tests


@pytest.fixture()
def calendar(runner, session):
    """calendar(*args) → the command's result; DAY is left as the statutory calendar has it."""
    yield lambda *args: runner.invoke(args=["calendar", *args])
    runner.invoke(args=["calendar", "unset", DAY])


def test_show_lists_a_month_with_why_each_day_is_worked_or_not(calendar):
    result = calendar("show", "2026-10", "--lang", "en")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == ("2026-10: 18 working days, 13 rest days "
                        "(office hours 08:30-12:00, 13:30-17:30, Asia/Shanghai)")
    assert len(lines) == 1 + 31
    assert "2026-10-01 Thu rest statutory holiday: National Day" in lines
    assert "2026-10-08 Thu working" in lines
    assert "2026-10-10 Sat working 调休 make-up working day (National Day)" in lines
    assert "2026-10-11 Sun rest weekend" in lines


def test_show_speaks_chinese(calendar):
    lines = calendar("show", "2026-10", "--lang", "zh").output.splitlines()
    assert lines[0].startswith("2026-10：工作日 18 天，休息日 13 天")
    assert "2026-10-01 周四 休息 法定节假日：国庆节" in lines
    assert "2026-10-10 周六 上班 调休上班（国庆节）" in lines


def test_show_says_when_the_statutory_calendar_does_not_know_the_year(calendar):
    lines = calendar("show", "2099-01", "--lang", "en").output.splitlines()
    assert "2099-01-01 Thu working (the statutory calendar does not know 2099: Monday to Friday)" in lines


def test_set_makes_a_day_rest_or_working_and_unset_gives_it_back(calendar, session):
    rest = calendar("set", DAY, "--rest", "--note", "台风停工", "--lang", "zh")
    assert rest.exit_code == 0, rest.output
    assert rest.output.splitlines() == ["2026-10-09 已设为休息日。", "2026-10-09 周五 休息 本市设置：台风停工"]
    assert session.execute(text("SELECT working, note FROM work_calendar_day WHERE day = :d"),
                           {"d": DAY}).one() == (False, "台风停工")
    assert "2026-10-09 Fri rest set by the city: 台风停工" in calendar("show", "2026-10", "--lang", "en").output
    # set again: the override changes in place
    worked = calendar("set", DAY, "--working", "--lang", "en")
    assert worked.output.splitlines() == ["2026-10-09 is now a working day.", "2026-10-09 Fri working set by the city"]
    unset = calendar("unset", DAY, "--lang", "en")
    assert unset.output.splitlines() == ["2026-10-09 is no longer set by the city.", "2026-10-09 Fri working"]
    again = calendar("unset", DAY, "--lang", "en")
    assert again.exit_code == 0 and again.output.strip() == "2026-10-09 is not set by the city: there is nothing to unset."
    session.rollback()
    assert session.execute(text("SELECT count(*) FROM work_calendar_day WHERE day = :d"), {"d": DAY}).scalar() == 0


@pytest.mark.parametrize("args, said", [
    (["show", "2026-13", "--lang", "en"], "2026-13 is not a month: write it as YYYY-MM"),
    (["show", "Oct", "--lang", "zh"], "Oct 不是月份，请写成 YYYY-MM"),
    (["set", "2026-10-32", "--rest", "--lang", "en"], "2026-10-32 is not a date: write it as YYYY-MM-DD"),
    (["set", DAY, "--lang", "en"], "Say whether the day is worked: --working or --rest."),
    (["unset", "9 Oct", "--lang", "zh"], "9 Oct 不是日期"),
])
def test_what_cannot_be_read_is_refused_with_how_to_write_it(calendar, args, said):
    result = calendar(*args)
    assert result.exit_code != 0 and said in result.output
