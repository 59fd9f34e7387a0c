"""Times and spans as a resident reads them, in both languages (a `Both` fills a message's
blank in the reader's language): "11月25日 14:30" / "25 Nov 14:30", in the city's time zone."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ...messages import Both, Message

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def moment(value: datetime | None, zone: str) -> Both | None:
    if value is None:
        return None
    local = value.astimezone(ZoneInfo(zone))
    return Both(f"{local.month}月{local.day}日 {local:%H:%M}",
                f"{local.day} {_MONTHS[local.month - 1]} {local:%H:%M}")


def span(minutes: int, unit: str = "natural") -> Message:
    """A time limit as the seeds promise it: 2 小时, 24 小时, 72 小时 — hours up to three days,
    days beyond; a limit in working time in working hours (2 个工作小时)."""
    if unit == "working":
        hours = round(minutes / 60, 1)
        return Message("public.working_hours", n=int(hours) if hours == int(hours) else hours)
    if minutes % 1440 == 0 and minutes > 72 * 60:
        return Message("public.days", n=minutes // 1440)
    if minutes % 60 == 0:
        return Message("public.hours", n=minutes // 60)
    return Message("public.minutes", n=minutes)


# the loop's statuses as the public reads them (public.status.*)
_HANDLING = {"accepted", "in_progress", "reopened", "escalated"}


def status(status: str, merged: bool = False) -> Message:
    """已收到 / 已派给负责人 / 正在处理 / 已处理，等待核查 / 已办结 / 不属于受理范围 / 已合并."""
    if status == "closed" and merged:
        return Message("public.status.merged_elsewhere")
    return Message(f"public.status.{'handling' if status in _HANDLING else status}")
