"""The one place that reads the environment.

Every setting has a default that makes `make run` work on a fresh machine; production
deployments override them with GRIDMAP_* variables (or DATABASE_URL / SECRET_KEY).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-secret-change-me"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class HouseholdRule:
    """How households are estimated from a building when the source does not count them
    (README, "Households"). A `building:flats` tag is a count and wins for any kind; else

    - a house is one household, whatever its footprint (`one_dwelling`);
    - a terrace is a row of houses: footprint / terraced_dwelling_m2, at least one;
    - any other kind by its floor space:
      floor(footprint m² × levels × net_floor_ratio × residential_share(kind) / m2_per_household)
    """

    m2_per_household: float = 80.0
    net_floor_ratio: float = 0.8
    default_levels: float = 5.0
    persons_per_household: float = 2.4
    # Share of floor space that is homes, by OSM building=* value; kinds not listed count 0.
    residential_share: dict[str, float] = field(default_factory=lambda: {
        "apartments": 1.0, "residential": 1.0, "dormitory": 1.0,
        "yes": 0.6,  # untyped buildings in a city centre are mostly mixed use
    })
    # One household per building: a house of one or two storeys is one home however large its
    # footprint (by floor space, an untagged 174 m² house came out at 8.7 households).
    one_dwelling: frozenset[str] = frozenset({"house", "detached", "bungalow", "semidetached_house"})
    # The footprint of one house of a terrace (a 5 m frontage, 10 m deep, one or two storeys).
    terraced_dwelling_m2: float = 50.0


@dataclass(frozen=True)
class GridRules:
    """The field's rules for a division (DESIGN.md), configurable per deployment."""

    min_households: int = 300
    max_households: int = 1000
    sliver_m2: float = 50.0         # a planned grid's piece smaller than this is a drawing slip


@dataclass(frozen=True)
class IncidentRules:
    """The closed loop's settings; time limits themselves are per category (categories.csv)."""

    duplicate_window_hours: int = 24        # a same-category report nearby within this is linked
    photo_max_bytes: int = 8 * 1024 * 1024
    tick_seconds: int = 30                  # the in-app clock; 0 turns it off (cron runs the tick)
    stream_heartbeat_seconds: int = 15
    # a stream ends this old (0: never) and its browser resumes it with Last-Event-ID: no connection
    # outlives by days what was decided about its access
    stream_max_age_seconds: float = 12 * 3600
    stream_recheck_seconds: float = 5.0     # open streams' access asked again: the notices' net
    idempotency_keep_days: int = 7
    # residents (services/public): reports one phone or e-mail may make in 24 hours, and how long
    # a finished case's private link keeps working after its last step
    contact_reports_per_day: int = 5
    link_days: int = 90
    # a report naming a city part (部件) is made within this of it, or takes its position
    part_near_m: float = 50.0
    timezone: str = "Asia/Shanghai"         # the city's: an incident's code carries its local date


@dataclass(frozen=True)
class WallRules:
    """How the command-center wall calls for attention (static/js/wall/pulse.js)."""

    pulse_seconds: int = 600        # a new incident pulses until an operator clicks it, or this long
    alarm: bool = False             # a sound for a high-severity report (calm by default)


@dataclass(frozen=True)
class PositionRules:
    """What a phone's fix must be to count, and how fixes become tracks (services/field/positions.py,
    services/field/tracks.py)."""

    max_accuracy_m: float = 100.0       # worse: refused — it cannot tell one street from the next
    max_speed_mps: float = 30.0         # faster than this from the last good fix: kept, flagged
    future_tolerance_s: float = 120.0   # a phone's clock may run a little fast
    max_age_days: int = 35              # older fixes are refused (the month may be gone)
    max_batch: int = 5000
    retention_months: int = 6           # whole months of fixes dropped after this; tracks stay
    gap_minutes: float = 5.0            # a track splits where fixes pause this long
    stop_minutes: float = 5.0           # staying within stop_radius_m this long is a stop
    stop_radius_m: float = 25.0
    stale_minutes: float = 10.0         # a worker with no newer fix shows as stale
    out_of_grid_minutes: float = 15.0   # outside their grid this long on duty: an alert
    duty_hours: tuple[int, int] = (8, 18)
    # when `flask simulate`'s grid workers walk (city time): all day, so the demo shows them
    # whatever the hour it starts at; "8,18" keeps them to the duty hours
    simulated_duty_hours: tuple[int, int] = (0, 24)


@dataclass(frozen=True)
class AssessmentRules:
    """How star ratings come from the figures (services/incidents/assessment.py explains each)."""

    weight_on_time: float = 0.5
    weight_speed: float = 0.2
    weight_satisfaction: float = 0.3
    star_thresholds: tuple[float, float, float, float] = (0.9, 0.8, 0.7, 0.6)   # 5, 4, 3, 2 stars
    min_incidents: int = 3


@dataclass(frozen=True)
class BackupRules:
    """Backups of the embedded cluster (app/backups.py): where, how many, when /healthz warns."""

    directory: Path | None = None       # None: var/backups — copy it off the machine (README)
    keep: int = 7                       # base backups; the WAL archive reaches back to the oldest
    archive_timeout_s: int = 300        # while anything is written, WAL is archived this often
    warn_backup_age_hours: float = 26   # a daily backup, and a little slack
    warn_archive_lag_minutes: float = 15


@dataclass(frozen=True)
class ReplicaRules:
    """Reads that may come from a streaming replica (app/db.py, app/replica.py): layers, tiles
    and the wall's charts. No url: the embedded cluster's replica once `flask db-server
    replica start` has made one, else none (DATABASE_URL names a database: only this names
    its replica)."""

    url: str | None = field(default=None, repr=False)      # DATABASE_REPLICA_URL
    max_lag_s: float = 2.0          # further behind than this, the primary answers
    retry_s: float = 10.0           # a replica that failed is tried again after this
    # False (GRIDMAP_REPLICA_READS=0): this server reads the primary alone, though a replica
    # runs: every server on the embedded cluster reads its replica once one is started
    reads: bool = True


@dataclass(frozen=True)
class SmsGateway:
    """An HTTP SMS gateway (services/notify/sms.py). A `url` with {phone} and {text} (and
    {id}, the message's key) in it is asked with GET, the values filled in; any other is sent
    the message as JSON {"phone", "text", "id"} by POST. Basic credentials, or a bearer token.
    No url: SMS messages wait in the outbox."""

    url: str | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    token: str | None = field(default=None, repr=False)
    timeout_s: float = 10.0


SMTP_TLS = ("starttls", "ssl", "none")


@dataclass(frozen=True)
class MailServer:
    """The SMTP server e-mail to reporters goes through (services/notify/mail.py). No host:
    e-mail waits in the outbox."""

    host: str | None = None
    port: int = 587
    tls: str = "starttls"               # one of SMTP_TLS
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "gridmap@localhost"   # From:, and the domain of each Message-ID
    timeout_s: float = 10.0


@dataclass(frozen=True)
class NotifyRules:
    """Telling the reporter (services/notify): the channels, and how a failed message is
    tried again — after retry_seconds, doubling up to retry_max_seconds, jittered, until
    max_attempts, when it is left dead (shown by /healthz) for `flask notify retry`."""

    sms: SmsGateway = field(default_factory=SmsGateway)
    mail: MailServer = field(default_factory=MailServer)
    poll_seconds: float = 5.0           # the sender looks this often besides being woken
    retry_seconds: float = 30.0
    retry_max_seconds: float = 1800.0
    max_attempts: int = 20
    warn_minutes: float = 30.0          # /healthz warns of a message waiting longer
    # the address residents reach the site at (https://gridmap.example.gov.cn): the message at
    # close carries their private link under it; None: it tells them to open the one they got
    public_url: str | None = None


def _notify_rules() -> NotifyRules:
    tls = _env("GRIDMAP_SMTP_TLS", "starttls")
    if tls not in SMTP_TLS:
        raise ValueError(f"GRIDMAP_SMTP_TLS is one of {', '.join(SMTP_TLS)}, not {tls!r}")
    default_port = {"starttls": "587", "ssl": "465", "none": "25"}[tls]
    return NotifyRules(
        sms=SmsGateway(url=_env("GRIDMAP_SMS_URL"), user=_env("GRIDMAP_SMS_USER"),
                       password=_env("GRIDMAP_SMS_PASSWORD"), token=_env("GRIDMAP_SMS_TOKEN"),
                       timeout_s=float(_env("GRIDMAP_SMS_TIMEOUT_S", "10"))),
        mail=MailServer(host=_env("GRIDMAP_SMTP_HOST"), port=int(_env("GRIDMAP_SMTP_PORT", default_port)),
                        tls=tls, user=_env("GRIDMAP_SMTP_USER"), password=_env("GRIDMAP_SMTP_PASSWORD"),
                        sender=_env("GRIDMAP_MAIL_FROM", "gridmap@localhost"),
                        timeout_s=float(_env("GRIDMAP_SMTP_TIMEOUT_S", "10"))),
        poll_seconds=float(_env("GRIDMAP_NOTIFY_POLL_SECONDS", "5")),
        retry_seconds=float(_env("GRIDMAP_NOTIFY_RETRY_SECONDS", "30")),
        retry_max_seconds=float(_env("GRIDMAP_NOTIFY_RETRY_MAX_SECONDS", "1800")),
        max_attempts=int(_env("GRIDMAP_NOTIFY_ATTEMPTS", "20")),
        warn_minutes=float(_env("GRIDMAP_NOTIFY_WARN_MINUTES", "30")),
        public_url=_public_url(_env("GRIDMAP_PUBLIC_URL")),
    )


def _public_url(value: str | None) -> str | None:
    if value is None:
        return None
    if not re.fullmatch(r"https?://[^\s/?#]+(/[^\s?#]*)?", value):
        raise ValueError(f"GRIDMAP_PUBLIC_URL is the site's address (https://host[/path]), not {value!r}")
    return value.rstrip("/")


DEFAULT_OFFICE_HOURS = "08:30-12:00,13:30-17:30"


@dataclass(frozen=True)
class WorkingHours:
    """When a category's limits in working minutes run (services/city/workdays.py): these
    office hours, on working days, in the city's time zone. Which days are working days is
    China's statutory calendar and the city's overrides (flask calendar)."""

    office_hours: tuple[tuple[time, time], ...] = ((time(8, 30), time(12)), (time(13, 30), time(17, 30)))
    timezone: str = "Asia/Shanghai"


def parse_office_hours(value: str) -> tuple[tuple[time, time], ...]:
    """"08:30-12:00,13:30-17:30" → ((08:30, 12:00), (13:30, 17:30)): periods of a day, in order,
    not overlapping."""
    periods = []
    for part in value.split(","):
        match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", part)
        try:
            start, end = (time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))) if match \
                else (None, None)
        except ValueError:
            start = end = None
        if start is None or start >= end or (periods and start < periods[-1][1]):
            raise ValueError(f"GRIDMAP_OFFICE_HOURS is periods of a day in order, like {DEFAULT_OFFICE_HOURS!r}, "
                             f"not {value!r}")
        periods.append((start, end))
    return tuple(periods)


def working_hours() -> WorkingHours:
    """The office hours and the city's time zone, as this process's environment sets them (the
    services that file and reopen cases ask here: they have no settings object in hand)."""
    return WorkingHours(parse_office_hours(_env("GRIDMAP_OFFICE_HOURS", DEFAULT_OFFICE_HOURS)),
                        _env("GRIDMAP_TIMEZONE", "Asia/Shanghai"))


BASEMAP_DATUMS = ("wgs84", "gcj02")
# 天地图's WMTS tiles in Web Mercator ({s} 0–7; {layer} vec/cva/eva/img/cia/eia; {tk} the key):
# the one address outside the deployment a page may load from, and only when a key is set
TIANDITU_URL = ("https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
                "&TILECOL={x}&tk={tk}")
TIANDITU_LAYERS = ("vec", "img")


@dataclass(frozen=True)
class Basemap:
    """The raster map drawn under our own layers (static/js/basemap.js). None by default: our
    layers alone, which need no internet. Either 天地图 with the deployment's key (CGCS2000,
    which sits on WGS84 at map scale), or any XYZ template drawn in `datum` — gcj02 for AMap,
    Tencent and the like, onto which the pages shift our WGS84 layers for display."""

    url: str | None = None                  # an XYZ template: {s} {z} {x} {y}
    subdomains: str = "abc"                 # what {s} in url stands for, a character each
    datum: str = "wgs84"                    # one of BASEMAP_DATUMS: the datum url's tiles are drawn in
    attribution: str | None = None          # url's provider, as its terms ask to be named
    tianditu_key: str | None = field(default=None, repr=False)
    tianditu_layers: str = "vec"            # one of TIANDITU_LAYERS: map or imagery, each with its names
    # 天地图's review number (审图号), shown beside its name; renewed by the ministry now and then
    tianditu_review_number: str = "GS(2024)0568号"

    @property
    def provider(self) -> str | None:
        return "tianditu" if self.tianditu_key else "xyz" if self.url else None

    @property
    def origins(self) -> tuple[str, ...]:
        """Where its tiles come from: the pages let images in from there (CSP), nothing else."""
        if self.provider == "tianditu":
            return ("https://*.tianditu.gov.cn",)
        if self.provider == "xyz":
            parts = urlsplit(self.url)
            host = ".".join("*" if "{s}" in label else label for label in parts.netloc.split("."))
            return (f"{parts.scheme}://{host}",)
        return ()


def _basemap() -> Basemap:
    url, key = _env("GRIDMAP_BASEMAP_URL"), _env("GRIDMAP_TIANDITU_KEY")
    datum = _env("GRIDMAP_BASEMAP_DATUM", "wgs84")
    layers = _env("GRIDMAP_TIANDITU_LAYERS", "vec")
    if url and key:
        raise ValueError("GRIDMAP_BASEMAP_URL and GRIDMAP_TIANDITU_KEY name two basemaps: set one")
    if datum not in BASEMAP_DATUMS:
        raise ValueError(f"GRIDMAP_BASEMAP_DATUM is one of {', '.join(BASEMAP_DATUMS)}, not {datum!r}")
    if key and datum != "wgs84":
        raise ValueError("天地图 is drawn in CGCS2000, on WGS84 at map scale: GRIDMAP_BASEMAP_DATUM is "
                         "for a GRIDMAP_BASEMAP_URL drawn in GCJ-02")
    if layers not in TIANDITU_LAYERS:
        raise ValueError(f"GRIDMAP_TIANDITU_LAYERS is one of {', '.join(TIANDITU_LAYERS)}, not {layers!r}")
    return Basemap(url=url, subdomains=_env("GRIDMAP_BASEMAP_SUBDOMAINS", "abc"), datum=datum,
                   attribution=_env("GRIDMAP_BASEMAP_ATTRIBUTION"), tianditu_key=key, tianditu_layers=layers,
                   tianditu_review_number=_env("GRIDMAP_TIANDITU_REVIEW_NUMBER", Basemap.tianditu_review_number))


DEV_REGISTER_KEY = "dev-register-key-change-me-not-for-real-people"


def register_key() -> str:
    """The secret that encrypts the register's ID numbers and phones and keys their search
    (services/register/protect.py). It lives in the settings, never in the database, so a
    backup holds only ciphertext; losing it loses those numbers. Read here for the commands
    and services that have no settings object in hand."""
    return _env("GRIDMAP_REGISTER_KEY", DEV_REGISTER_KEY)


def register_previous_key() -> str | None:
    """The register key being retired (GRIDMAP_REGISTER_KEY_PREVIOUS): while `flask register
    rotate-key` moves every number to the new key, a number not yet moved still opens."""
    return _env("GRIDMAP_REGISTER_KEY_PREVIOUS") or None


def _floats(name: str, default: str) -> tuple[float, ...]:
    return tuple(float(v) for v in _env(name, default).split(","))


# What each role may do (issue 3's table). A deployment may replace it with a JSON file
# {role: [permission, …]} named by GRIDMAP_ROLES_FILE. Scope limits every permission to the
# user's area; "own" permissions are further limited to the user's own records.
EVERY_ROLE = ("admin", "operator", "planner", "reviewer", "filer", "worker", "viewer", "department")
DEFAULT_ROLES: dict[str, frozenset[str]] = {role: frozenset(perms) for role, perms in {
    "admin": ["layers:read", "cameras:read", "personal:read", "incidents:read", "plans:read",
              "tracks:read", "positions:write", "users:manage", "categories:write", "routing:write", "settings:write", "audit:read",
              "register:read", "register:write", "register:care", "register:keyperson", "register:reveal",
              "register:export", "account:own"],
    "operator": ["layers:read", "cameras:read", "cameras:write", "personal:read",
                 "incidents:read", "incidents:report", "incidents:dispatch", "tracks:read",
                 "register:read", "register:care", "account:own"],
    "planner": ["layers:read", "plans:read", "plans:write", "account:own"],
    "reviewer": ["layers:read", "plans:read", "plans:review", "account:own"],
    "filer": ["layers:read", "plans:read", "plans:file", "account:own"],
    "worker": ["layers:read", "incidents:read:own", "incidents:report", "incidents:handle:own",
               "positions:write:own", "tracks:read:own", "account:own",
               # the grid's register, collected on the phone: their own grids (scope), care tags, a
               # number shown whole on an explicit, logged "show"; key-person tags are not theirs
               "register:read", "register:write", "register:care", "register:reveal"],
    "viewer": ["layers:read", "account:own"],
    # a department's staff (协同单位): their department's cases, and the map to find them on
    "department": ["layers:read", "incidents:read:own", "incidents:handle:own", "incidents:department:own",
                   "account:own"],
}.items()}


def _roles() -> dict[str, frozenset[str]]:
    path = _env("GRIDMAP_ROLES_FILE")
    if not path:
        return DEFAULT_ROLES
    import json
    table = json.loads(Path(path).read_text())
    unknown = set(table) - set(EVERY_ROLE)
    if unknown:
        raise ValueError(f"{path}: unknown roles {sorted(unknown)}; roles are {EVERY_ROLE}")
    return {role: frozenset(table.get(role, ())) for role in EVERY_ROLE}


@dataclass(frozen=True)
class Settings:
    env: str
    secret_key: str
    database_url: str | None  # None: use the embedded cluster under var/
    var_dir: Path
    port: int
    households: HouseholdRule
    grid_rules: GridRules
    roles: dict = field(default_factory=lambda: DEFAULT_ROLES)
    incidents: IncidentRules = field(default_factory=IncidentRules)
    assessment: AssessmentRules = field(default_factory=AssessmentRules)
    positions: PositionRules = field(default_factory=PositionRules)
    wall: WallRules = field(default_factory=WallRules)
    backups: BackupRules = field(default_factory=BackupRules)
    replica: ReplicaRules = field(default_factory=ReplicaRules)
    notify: NotifyRules = field(default_factory=NotifyRules)
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    secure_cookies: bool = True
    login_rate: str = "20/minute"          # per client address, on login and token requests
    public_rate: str = "30/minute"         # per client address, on anonymous reports
    max_request_bytes: int = 16 * 1024 * 1024
    demo_password: str = "demo"
    timezone: str = "Asia/Shanghai"        # where "today" begins on the wall
    basemap: Basemap = field(default_factory=Basemap)   # none: our own layers alone
    proxies: int = 0                       # reverse proxies in front whose X-Forwarded-For/-Proto are believed
    # PostgreSQL itself, when DATABASE_URL is a pooler in transaction mode (pgbouncer): what
    # must keep one server session — LISTEN, the sequencer's lock — connects here (db.py)
    database_listen_url: str | None = None
    register_key: str = DEV_REGISTER_KEY   # encrypts the register's personal numbers (register_key())

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def backup_dir(self) -> Path:
        return self.backups.directory or self.var_dir / "backups"


def load_settings(overrides: dict | None = None) -> Settings:
    overrides = overrides or {}
    rules = GridRules(
        min_households=int(_env("GRIDMAP_MIN_HOUSEHOLDS", "300")),
        max_households=int(_env("GRIDMAP_MAX_HOUSEHOLDS", "1000")),
        sliver_m2=float(_env("GRIDMAP_SLIVER_M2", "50")),
    )
    households = HouseholdRule(
        m2_per_household=float(_env("GRIDMAP_M2_PER_HOUSEHOLD", "80")),
        default_levels=float(_env("GRIDMAP_DEFAULT_LEVELS", "5")),
        persons_per_household=float(_env("GRIDMAP_PERSONS_PER_HOUSEHOLD", "2.4")),
        terraced_dwelling_m2=float(_env("GRIDMAP_TERRACED_DWELLING_M2", "50")),
    )
    zone = _env("GRIDMAP_TIMEZONE", "Asia/Shanghai")      # the city's day: the wall's and the codes'
    incidents = IncidentRules(
        duplicate_window_hours=int(_env("GRIDMAP_DUPLICATE_WINDOW_HOURS", "24")),
        photo_max_bytes=int(_env("GRIDMAP_PHOTO_MAX_BYTES", str(8 * 1024 * 1024))),
        tick_seconds=int(_env("GRIDMAP_TICK_SECONDS", "30")),
        stream_heartbeat_seconds=int(_env("GRIDMAP_STREAM_HEARTBEAT_SECONDS", "15")),
        stream_max_age_seconds=float(_env("GRIDMAP_STREAM_MAX_AGE_SECONDS", str(12 * 3600))),
        stream_recheck_seconds=float(_env("GRIDMAP_STREAM_RECHECK_SECONDS", "5")),
        contact_reports_per_day=int(_env("GRIDMAP_CONTACT_REPORTS_PER_DAY", "5")),
        link_days=int(_env("GRIDMAP_LINK_DAYS", "90")),
        part_near_m=float(_env("GRIDMAP_PART_NEAR_M", "50")),
        timezone=zone,
    )
    on_time, speed, satisfaction = _floats("GRIDMAP_STAR_WEIGHTS", "0.5,0.2,0.3")
    thresholds = _floats("GRIDMAP_STAR_THRESHOLDS", "0.9,0.8,0.7,0.6")
    if len(thresholds) != 4 or list(thresholds) != sorted(thresholds, reverse=True):
        raise ValueError("GRIDMAP_STAR_THRESHOLDS is four falling scores for 5, 4, 3 and 2 stars")
    assessment = AssessmentRules(on_time, speed, satisfaction, thresholds,
                                 int(_env("GRIDMAP_STAR_MIN_INCIDENTS", "3")))
    values = dict(
        env=_env("GRIDMAP_ENV", "development"),
        secret_key=_env("SECRET_KEY", DEV_SECRET),
        database_url=_env("DATABASE_URL"),
        database_listen_url=_env("DATABASE_LISTEN_URL"),
        var_dir=Path(_env("GRIDMAP_VAR_DIR", str(ROOT / "var"))),
        port=int(_env("PORT", "5000")),
        households=households,
        grid_rules=rules,
        roles=_roles(),
        incidents=incidents,
        assessment=assessment,
        positions=PositionRules(
            max_accuracy_m=float(_env("GRIDMAP_MAX_ACCURACY_M", "100")),
            max_speed_mps=float(_env("GRIDMAP_MAX_SPEED_MPS", "30")),
            retention_months=int(_env("GRIDMAP_POSITION_RETENTION_MONTHS", "6")),
            out_of_grid_minutes=float(_env("GRIDMAP_OUT_OF_GRID_MINUTES", "15")),
            duty_hours=tuple(int(h) for h in _env("GRIDMAP_DUTY_HOURS", "8,18").split(",")),
            simulated_duty_hours=tuple(int(h) for h in _env("GRIDMAP_SIMULATED_DUTY_HOURS", "0,24").split(",")),
        ),
        wall=WallRules(
            pulse_seconds=int(float(_env("GRIDMAP_WALL_PULSE_MINUTES", "10")) * 60),
            alarm=_env("GRIDMAP_WALL_ALARM", "0") not in ("0", "false", "no"),
        ),
        backups=BackupRules(
            directory=Path(_env("GRIDMAP_BACKUP_DIR")) if _env("GRIDMAP_BACKUP_DIR") else None,
            keep=int(_env("GRIDMAP_BACKUP_KEEP", "7")),
            archive_timeout_s=int(_env("GRIDMAP_ARCHIVE_TIMEOUT_S", "300")),
            warn_backup_age_hours=float(_env("GRIDMAP_BACKUP_WARN_HOURS", "26")),
            warn_archive_lag_minutes=float(_env("GRIDMAP_ARCHIVE_WARN_MINUTES", "15")),
        ),
        replica=ReplicaRules(url=_env("DATABASE_REPLICA_URL"),
                             max_lag_s=float(_env("GRIDMAP_REPLICA_MAX_LAG_S", "2")),
                             retry_s=float(_env("GRIDMAP_REPLICA_RETRY_S", "10")),
                             reads=_env("GRIDMAP_REPLICA_READS", "1") not in ("0", "false", "no", "off")),
        notify=_notify_rules(),
        working_hours=working_hours(),
        secure_cookies=_env("GRIDMAP_SECURE_COOKIES", "1") not in ("0", "false", "no"),
        login_rate=_env("GRIDMAP_LOGIN_RATE", "20/minute"),
        public_rate=_env("GRIDMAP_PUBLIC_RATE", "30/minute"),
        max_request_bytes=int(_env("GRIDMAP_MAX_REQUEST_BYTES", str(16 * 1024 * 1024))),
        demo_password=_env("GRIDMAP_DEMO_PASSWORD", "demo"),
        timezone=zone,
        basemap=_basemap(),
        proxies=int(_env("GRIDMAP_PROXIES", "0")),
        register_key=register_key(),
    )
    values.update(overrides)
    return Settings(**values)
