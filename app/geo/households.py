"""Households and residents estimated from a footprint, when the source does not count them."""
from __future__ import annotations

import math


def estimate_households(footprint_m2: float, kind: str, levels: float | None, rule) -> int:
    """`rule` is a config.HouseholdRule; see its docstring for the formula."""
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
