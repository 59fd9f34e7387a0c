"""Reading a date or a moment that someone sent (ISO 8601): a query parameter, a field of a
JSON body, a phone's fix, a filter handed to a service. Every layer reads them here, so one
rule decides what a usable time is. Pure Python, no Flask."""
from __future__ import annotations

from datetime import date, datetime, timezone, tzinfo

# Well inside Python's own years 1–9999: a moment near either end overflows as soon as it is
# moved to UTC or a period is added to it, which turned a typing slip into a 500. The bounds
# leave centuries of room on each side and still hold every real date this system keeps.
EARLIEST = datetime(1000, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(9000, 1, 1, tzinfo=timezone.utc)


class Unusable(ValueError):
    """Not a date or time we can work with; the message says why, in English (for logs and
    tests: what people read comes from app/messages.py)."""


def moment(text: str, zone: tzinfo | None) -> datetime:
    """An ISO 8601 date or date-time ("Z" for UTC). Without an offset it is read in `zone`;
    with `zone` None an offset is required. The answer keeps the offset it was given."""
    if not isinstance(text, str):
        raise Unusable(f"{text!r} is not text")
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        raise Unusable(f"{text!r} is not an ISO 8601 date and time") from None
    if found.tzinfo is None:
        if zone is None:
            raise Unusable(f"{text!r} needs a time zone (Z or ±HH:MM)")
        found = found.replace(tzinfo=zone)
    return within_range(found)


def within_range(found: datetime) -> datetime:
    """`found` (with its zone) when it lies between EARLIEST and LATEST; for moments read
    elsewhere (a GPX file's times)."""
    try:
        in_utc = found.astimezone(timezone.utc)
    except OverflowError:
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        raise Unusable(f"{found.isoformat()} lies outside the years {EARLIEST.year}–{LATEST.year - 1}")
    return found


def day(text: str) -> date:
    """A calendar date, YYYY-MM-DD, within the same years as a moment."""
    try:
        found = date.fromisoformat(text)
    except (TypeError, ValueError):
        raise Unusable(f"{text!r} is not a date YYYY-MM-DD") from None
    if not EARLIEST.date() <= found < LATEST.date():
        raise Unusable(f"{text!r} lies outside the years {EARLIEST.year}–{LATEST.year - 1}")
    return found
