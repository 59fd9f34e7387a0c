"""The one place that reads the environment.

Every setting has a default that makes `make run` work on a fresh machine; production
deployments override them with GRIDMAP_* variables (or DATABASE_URL / SECRET_KEY).
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class HouseholdRule:
    """How households are estimated from a footprint when the source does not say.

    households = floor(footprint m² × levels × net_floor_ratio × residential_share(kind)
                       / m2_per_household)
    """

    m2_per_household: float = 80.0
    net_floor_ratio: float = 0.8
    default_levels: float = 5.0
    persons_per_household: float = 2.4
    # Share of floor space that is homes, by OSM building=* value; kinds not listed count 0.
    residential_share: dict[str, float] = field(default_factory=lambda: {
        "apartments": 1.0, "residential": 1.0, "house": 1.0, "detached": 1.0,
        "semidetached_house": 1.0, "terrace": 1.0, "dormitory": 1.0, "bungalow": 1.0,
        "yes": 0.6,  # untyped buildings in a city centre are mostly mixed use
    })


@dataclass(frozen=True)
class GridRules:
    """The field's rules for a division (DESIGN.md), configurable per deployment."""

    min_households: int = 300
    max_households: int = 1000


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    database_url: str | None  # None: use the embedded cluster under var/
    var_dir: Path
    port: int
    households: HouseholdRule
    grid_rules: GridRules

    @property
    def embedded(self) -> bool:
        return self.database_url is None


def load_settings(overrides: dict | None = None) -> Settings:
    overrides = overrides or {}
    rules = GridRules(
        min_households=int(_env("GRIDMAP_MIN_HOUSEHOLDS", "300")),
        max_households=int(_env("GRIDMAP_MAX_HOUSEHOLDS", "1000")),
    )
    households = HouseholdRule(
        m2_per_household=float(_env("GRIDMAP_M2_PER_HOUSEHOLD", "80")),
        default_levels=float(_env("GRIDMAP_DEFAULT_LEVELS", "5")),
        persons_per_household=float(_env("GRIDMAP_PERSONS_PER_HOUSEHOLD", "2.4")),
    )
    values = dict(
        env=_env("GRIDMAP_ENV", "development"),
        secret_key=_env("SECRET_KEY", "dev-secret-change-me"),
        database_url=_env("DATABASE_URL"),
        var_dir=Path(_env("GRIDMAP_VAR_DIR", str(ROOT / "var"))),
        port=int(_env("PORT", "5000")),
        households=households,
        grid_rules=rules,
    )
    values.update(overrides)
    return Settings(**values)
