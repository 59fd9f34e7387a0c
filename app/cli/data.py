"""flask import … / flask generate … / flask setup-demo: filling the database."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import db
from ..config import ROOT
from ..geo.synthetic import PRESETS
from ..models import AppUser, Area, Building, Part, RoutingRule
from ..services.accounts import audit, demo as demo_accounts
from ..services.cameras import sources as cameras_service, store as camera_store
from ..services.city import frame
from ..services.incidents import categories, departments, routing
from ..services.loading import areas as areas_import
from ..services.loading import osm as osm_import, synthetic as synthetic_city
from ..services.planning import division, naming
from ..services.register import demo as demo_register, parts as city_parts
from . import cameras as cameras_cli
from .progress import Progress

DEMO_EXTRACT = ROOT / "gis_data" / "osm" / "helsinki.osm.pbf"
# The demo keeps the names it has always had: the extract gives 赫尔辛基 and HEL as well, but
# not this district and street, which are the demo's own.
HELSINKI = division.CityNames(
    code="HEL", city=("赫尔辛基", "Helsinki"), district=("赫尔辛基南区", "Southern Helsinki"),
    streets=(division.StreetName(("赫尔辛基中心街道", "Helsinki Centre Street")),))


@click.group("import", help="Import data: OpenStreetMap extracts, category tables.")
def import_group():
    pass


@import_group.command("osm")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_osm(path: Path):
    """Buildings, roads, railways, rivers, cameras, city parts (street lamps, hydrants, manholes,
    bins, benches, bus stops…), and the administrative boundaries and places that name the
    town, from an .osm.pbf file (re-running updates, never duplicates)."""
    progress = Progress(f"importing {path.name}")
    session = db.session()
    with audit.bulk_load(session, "IMPORT", {"source": path.name}) as summary:
        result = osm_import.import_osm(session, path, current_app.config["GRIDMAP"].households,
                                       progress)
        summary.update(buildings=result["buildings"], roads=result["roads"], cameras=result["cameras"],
                       parts=result["parts"])
    session.commit()
    progress.done()
    click.echo(f"{result['buildings']:,} buildings ({result['households']:,} households), "
               f"{result['roads']:,} roads, {result['ground lines']:,} railways, rivers, shores and "
               f"compound outlines, {result['cameras']:,} cameras, {result['parts']:,} city parts, "
               f"{result['places']:,} boundaries and named places")
    for why, count in result["skipped"].items():
        click.echo(f"  skipped {count:,}: {why}")
    cameras_cli.refresh(every_road=True)


@import_group.command("areas")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--level", type=click.Choice(list(areas_import.ABOVE)), required=True)
@click.option("--code-field", required=True, metavar="F", help="each area's code: its key, so a re-import updates")
@click.option("--name-field", required=True, metavar="F", help="its name (Chinese)")
@click.option("--name-en-field", metavar="F", help="its English name [default: the name]")
@click.option("--parent-field", metavar="F",
              help="the code of the area it lies in [default: the area of the level above holding its "
                   "point on surface]")
@click.option("--tolerance-m", type=click.FloatRange(0, 50), default=0.5, show_default=True,
              help="outlines closer than this are the same line: cleaned and fitted, not listed")
@with_appcontext
def import_areas(path: Path, level: str, code_field: str, name_field: str, name_en_field: str | None,
                 parent_field: str | None, tolerance_m: float):
    """Streets, communities or grids with the town's own codes and names, from a GeoPackage,
    Shapefile or GeoJSON (EPSG:4326, 4490, 3857, UTM or CGCS2000 Gauss-Krüger). Grids become
    the current division as a filed plan does, their history kept."""
    progress = Progress(f"importing {path.name}")
    session = db.session()
    fields = areas_import.Fields(code_field, name_field, name_en_field, parent_field)
    try:
        with audit.bulk_load(session, "IMPORT", {"source": path.name, "level": level}) as summary:
            result = areas_import.import_areas(session, path, level, fields, tolerance_m, progress)
            summary.update(created=len(result.created), changed=len(result.changed),
                           mismatches=len(result.remaining))
    except areas_import.Refused as error:
        progress.done()
        raise click.ClickException(str(error)) from None
    session.commit()
    progress.done()
    _print_areas(result, path.name, tolerance_m)


PLURAL = {"district": "districts", "street": "streets", "community": "communities", "grid": "grids"}


def _print_areas(result: areas_import.AreaImport, name: str, tolerance_m: float) -> None:
    many = PLURAL[result.level]
    click.echo(f"{result.features:,} {many} from {name} ({result.crs}): {len(result.created):,} new, "
               f"{len(result.changed):,} changed, {result.unchanged:,} unchanged")
    for filed in result.filed:
        click.echo(f"filed as plan {filed['plan']}: {len(filed['grids_opened']):,} grids opened, "
                   f"{len(filed['grids_closed']):,} closed, {filed['grids_kept']:,} kept; "
                   f"{len(filed['buildings_moved']):,} buildings ({filed['households_moved']:,} households) "
                   f"and {len(filed['incidents_moved']):,} open incidents changed grid")
    if result.repaired:
        click.echo(f"outlines crossing themselves, repaired: {', '.join(result.repaired)}")
    click.echo(f"coverage cleaned within {tolerance_m:g} m ({len(result.cleaned):,} of the {many} moved)"
               + (f"; fitted to their children: {', '.join(result.fitted)}" if result.fitted else ""))
    if result.without_worker:
        click.echo(f"{len(result.without_worker):,} grids have no full-time worker yet (give them one in "
                   f"a grid plan): {', '.join(result.without_worker)}")
    lines = [f"  {result.level} {code}: lies in no {areas_import.ABOVE[result.level]}" for code in result.orphans]
    slivers: dict[tuple[str, str], list] = {}
    for left in sorted(result.remaining, key=lambda r: -r.mismatch.area_m2):
        m, child = left.mismatch, areas_import.BELOW[left.level]
        if m.narrow:                # listed together: the noise of two surveys, beside a real mismatch
            slivers.setdefault((left.level, left.area), []).append(m)
            continue
        what = {"gap": f"{m.area_m2:,.2f} m² belong to none of its {PLURAL[child]}",
                "overlap": f"{PLURAL[child]} {' and '.join(m.parts)} overlap by {m.area_m2:,.2f} m²",
                "outside": f"{m.area_m2:,.2f} m² of {child} {''.join(m.parts)} lie outside it"}[m.kind]
        lines.append(f"  {left.level} {left.area}: {what}, at {m.at[0]:.6f}, {m.at[1]:.6f}")
    for (level, code), found in slivers.items():
        lines.append(f"  {level} {code}: {len(found)} sliver{'s' * (len(found) > 1)} narrower than {tolerance_m:g} m, "
                     f"{sum(m.area_m2 for m in found):,.2f} m² in all, the largest at "
                     f"{found[0].at[0]:.6f}, {found[0].at[1]:.6f}")
    if lines:
        click.echo(f"{len(lines):,} mismatch{'es remain' if len(lines) > 1 else ' remains'}:")
        for line in lines:
            click.echo(line)
    else:
        click.echo("no mismatch remains")


@import_group.command("cameras")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="csv", show_default=True, help="names the file's system; ids are unique within it")
@with_appcontext
def import_cameras(path: Path, source: str):
    """Cameras from a CSV file: lon, lat and any of id, kind, bearing, fov, range_m, height_m,
    name, owner, status. Missing figures get the documented defaults, flagged as estimated."""
    import shapely

    cameras, refused = cameras_service.read_camera_csv(path.read_text(encoding="utf-8-sig"))
    session = db.session()
    city = frame.city_outline(session)
    outside = [c for c in cameras if not city.intersects(shapely.Point(c["lon"], c["lat"]))]
    rows = [{**{k: v for k, v in c.items() if k not in ("lon", "lat")}, "source": source,
             "geom": shapely.Point(c["lon"], c["lat"])} for c in cameras if c not in outside]
    progress = Progress(f"importing {path.name}")
    with audit.bulk_load(session, "IMPORT", {"source": path.name}) as summary:
        camera_store.upsert(session, rows, ("name", "kind", "bearing", "fov", "range_m", "height_m", "status",
                                             "owner", "estimated", "geom"), progress)
        summary.update(cameras=len(rows))
    session.commit()
    progress.done()
    click.echo(f"{len(rows):,} cameras; {len(outside):,} outside the city left out; {len(refused):,} lines refused")
    for line, why in sorted(refused.items())[:20]:
        click.echo(f"  line {line}: {why}")
    cameras_cli.refresh()


@import_group.command("categories")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=categories.DEFAULT_FILE)
@with_appcontext
def import_categories(path: Path):
    """Incident categories with their time limits (CSV)."""
    session = db.session()
    try:
        count = categories.import_categories(session, path)
        classes = city_parts.load_category_classes(session)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"{count} categories, {classes} of them with the national standard's class (GB/T 30428.2)")


@import_group.command("parts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="csv", show_default=True, help="names the file's system; ids are unique within it")
@with_appcontext
def import_parts(path: Path, source: str):
    """City parts (部件) from a CSV file: lon, lat, kind (its code, its Chinese name or the
    national standard's code), and any of status, name, id (the source's own: re-importing
    updates). Each part goes to the grid holding it; refused lines are listed with the reason."""
    from .assessment import locale_language
    session = db.session()
    language = locale_language()
    try:
        city_parts.load_kinds(session)
        with audit.bulk_load(session, "IMPORT", {"source": path.name, "what": "parts"}) as summary:
            result = city_parts.import_csv(session, path.read_text(encoding="utf-8-sig"), source)
            summary.update(new=result.new, updated=result.updated, refused=len(result.refused))
    except city_parts.BadData as error:
        raise click.ClickException(error.message.say(language)) from None
    session.commit()
    click.echo(f"{result.new + result.updated:,} parts ({result.new:,} new, {result.updated:,} updated, "
               f"{result.outside_grids:,} in no grid); {len(result.refused):,} lines refused")
    for line, why in sorted(result.refused.items()):
        click.echo(f"  line {line}: {why.say(language)}")


@import_group.command("departments")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=departments.DEFAULT_FILE)
@with_appcontext
def import_departments(path: Path):
    """Departments (协同单位) that take cases: code, names, kind, duty phone and mailbox,
    the areas they serve (CSV; upserted by code)."""
    session = db.session()
    try:
        count = departments.import_departments(session, path)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"{count} departments")


@import_group.command("routing")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=departments.ROUTING_FILE)
@with_appcontext
def import_routing(path: Path):
    """Routing rules (分流): category, area, severity → grid, department or both (CSV). Each
    row becomes the rule in force for its combination; the one it replaces is kept as history."""
    session = db.session()
    from ..services.incidents import loop
    from .assessment import locale_language
    try:
        count = routing.load_csv(session, path, audit.current().name, datetime.now(timezone.utc))
    except loop.Invalid as error:
        raise click.ClickException(error.describe(locale_language())) from None
    session.commit()
    click.echo(f"{count} routing rules")


@click.group("generate", help="Generate divisions and synthetic cities.")
def generate_group():
    pass


def _code_prefix(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    if not naming.CODE_PREFIX.fullmatch(value.upper()):
        raise click.BadParameter(f"{value!r} is not 2–6 letters or digits beginning with a letter (e.g. HEL, SZ01)")
    return value.upper()


@generate_group.command("areas")
@click.option("--seed", default=1, show_default=True, help="for the generated worker names")
@click.option("--city-name", metavar="NAME",
              help="the city's Chinese name [default: from the extract's boundaries or places]")
@click.option("--city-name-en", metavar="NAME",
              help="its English name [default: the extract's; with --city-name, that name]")
@click.option("--code-prefix", metavar="ABC", callback=_code_prefix,
              help="2–6 letters or digits every area's code begins with [default: from the English name]")
@with_appcontext
def generate_areas(seed: int, city_name: str | None, city_name_en: str | None, code_prefix: str | None):
    """Derive streets → communities → grids for the imported buildings, named after the town's
    own boundaries and places in the extract (flask import osm), or as the options say."""
    rules = current_app.config["GRIDMAP"].grid_rules
    given = naming.Given(city_name, city_name_en, code_prefix)
    _divide(lambda session: naming.name_town(session, given, rules), seed)


def _divide(name: Callable[[Session], division.CityNames], seed: int) -> None:
    settings = current_app.config["GRIDMAP"]
    session = db.session()
    try:
        names = name(session)
        progress = Progress("dividing")
        with audit.bulk_load(session, "GENERATE", {"division": names.code, "seed": seed}) as summary:
            report = division.generate_areas(session, names, settings.grid_rules, seed, progress)
            summary.update(grids=report.grids, communities=report.communities)
    except (division.AlreadyDivided, ValueError) as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    progress.done()
    streets = ", ".join(_both(s.name) for s in names.streets)
    click.echo(f"{_both(names.city)}, code {names.code}; streets: {streets}")
    _print_report(report, settings.grid_rules)


def _both(name: tuple[str, str]) -> str:
    return name[0] if name[0] == name[1] else f"{name[0]} ({name[1]})"


@generate_group.command("city")
@click.option("--preset", type=click.Choice(sorted(PRESETS)), default="zhenxing", show_default=True)
@click.option("--scale", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="how many streets of the preset's size")
@click.option("--seed", default=1, show_default=True)
@with_appcontext
def generate_city(preset: str, scale: int, seed: int):
    """A synthetic city of SCALE streets, each with the preset's published figures."""
    settings = current_app.config["GRIDMAP"]
    progress = Progress(f"generating {preset} × {scale}")
    session = db.session()
    try:
        with audit.bulk_load(session, "GENERATE", {"preset": preset, "scale": scale, "seed": seed}) as summary:
            report = synthetic_city.generate_city(session, preset, scale, settings.grid_rules,
                                                  seed, progress)
            summary.update(grids=report.grids, streets=report.streets)
    except (division.AlreadyDivided, ValueError) as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    progress.done()
    _print_report(report, settings.grid_rules)
    cameras_cli.refresh(every_road=True)


def _print_report(report: division.DivisionReport, rules) -> None:
    click.echo(f"{report.streets} streets, {report.communities} communities, {report.grids} grids, "
               f"{report.workers} full-time grid workers, {report.households:,} households")
    if report.out_of_range:
        click.echo(f"{len(report.out_of_range)} grids fall outside {rules.min_households}–"
                   f"{rules.max_households} households (the closest achievable):")
        for code, households in report.out_of_range:
            click.echo(f"  {code}: {households}")
    else:
        click.echo(f"every grid holds {rules.min_households}–{rules.max_households} households")
    if report.on_ground_share is not None:
        click.echo(f"{report.on_ground_share:.0%} of {report.interior_m / 1000:,.1f} km of grid lines lie "
                   f"within 10 m of a road, railway or river")
    for code, ratio in report.elongated:
        click.echo(f"  {code} is {ratio}× longer than wide")


@click.command("setup-demo")
@click.option("--demo-accounts", "asked_for_accounts", is_flag=True,
              help="also on a database named by DATABASE_URL: one account per role, password demo")
@with_appcontext
def setup_demo(asked_for_accounts: bool):
    """Migrate, then load what is missing of the demo city (the Helsinki extract), and on the
    embedded database the demo accounts. Idempotent."""
    db.upgrade(db.url())
    session = db.session()
    categories.import_categories(session)
    city_parts.load_category_classes(session)
    if not session.scalar(select(func.count()).select_from(Building)):
        click.echo("Importing the demo city (central Helsinki, © OpenStreetMap contributors)…")
        click.get_current_context().invoke(import_osm, path=DEMO_EXTRACT)
    if not session.scalar(select(func.count()).select_from(Area)):
        _divide(lambda session: HELSINKI, seed=1)
    if not session.scalar(select(func.count()).select_from(Part)):      # a city loaded before parts were read
        click.echo(f"{osm_import.import_parts(session, DEMO_EXTRACT):,} city parts from the demo extract")
    cameras_cli.refresh()          # what a migration or an earlier interrupted run left queued
    departments.import_departments(session)
    if not session.scalar(select(func.count()).select_from(RoutingRule)):     # an admin's edits are kept
        routing.load_csv(session, departments.ROUTING_FILE, "system:setup-demo", datetime.now(timezone.utc))
    session.commit()
    settings = current_app.config["GRIDMAP"]
    click.echo("The demo city is ready.")
    if settings.production:
        click.echo("Production mode: no demo accounts are created (flask users create).")
        return
    # A database someone named is theirs: a known password on seven accounts is not ours to leave there.
    if not (settings.embedded or asked_for_accounts):
        click.echo("No demo accounts on a database named by DATABASE_URL: create accounts with "
                   "`flask users create`, or ask for them with `flask setup-demo --demo-accounts`.")
        return
    shown = demo_accounts.ensure_demo_accounts(session, settings.demo_password)
    demo_worker = session.scalar(select(AppUser.worker_id).where(AppUser.username == "worker"))
    if demo_worker and (made := demo_register.seed(session, demo_worker)):
        click.echo(f"{made} made-up households in the demo worker's grid (the register, 登记)")
    session.commit()
    password = "demo" if settings.demo_password == "demo" else "$GRIDMAP_DEMO_PASSWORD"
    click.echo(f"Demo accounts (password: {password}):")
    for username, sees in shown:
        click.echo(f"  {username:<9} sees {sees}")
