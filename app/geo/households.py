"""Households and residents estimated from a building, when the source does not count them."""
from __future__ import annotations

import math
import re


def estimate_households(footprint_m2: float, kind: str, levels: float | None, rule,
                        flats: int | None = None) -> int:
    """`rule` is a config.HouseholdRule; see its docstring for the rules. `flats` is the
    building's own count of dwellings (OSM building:flats), when it has one."""
    if flats is not None:
        return flats
    if kind in rule.one_dwelling:
        return 1
    if kind == "terrace":
        return max(1, round(footprint_m2 / rule.terraced_dwelling_m2)) if footprint_m2 > 0 else 0
    share = rule.residential_share.get(kind, 0.0)
    if share <= 0 or footprint_m2 <= 0:
        return 0
    floors = levels if levels and levels > 0 else rule.default_levels
    return math.floor(footprint_m2 * floors * rule.net_floor_ratio * share / rule.m2_per_household)


def estimate_population(households: int, rule) -> int:
    return round(households * rule.persons_per_household)


def parse_levels(value: str | None) -> float | None:
    """OSM building:levels is free text: '5', '5;6', '3.5', 'ground'..."""
    if not value:
        return None
    try:
        return max(float(part) for part in value.replace(",", ".").split(";") if part.strip())
    except ValueError:
        return None


def parse_flats(value: str | None) -> int | None:
    """OSM building:flats, a count of dwellings: '12', '12;14' (the larger), '~10'. Anything
    that is not a count says nothing."""
    parts = [re.fullmatch(r"\s*~?\s*(\d+)\s*", part) for part in (value or "").split(";")]
    if not all(parts):
        return None
    return max(int(part[1]) for part in parts)
