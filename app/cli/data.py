"""flask import … / flask generate … / flask setup-demo: filling the database."""
from __future__ import annotations

from collections import Counter
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
from ..messages import Both, Message, Said
from ..models import AppUser, Area, Building, Part, RoutingRule
from ..services.accounts import audit, demo as demo_accounts
from ..services.cameras import sources as cameras_service, store as camera_store
from ..services.city import frame, sites as site_kinds
from ..services.incidents import categories, departments, routing
from ..services.loading import areas as areas_import
from ..services.loading import osm as osm_import, synthetic as synthetic_city
from ..services.planning import division, naming
from ..services.register import demo as demo_register, parts as city_parts
from . import cameras as cameras_cli
from .progress import Progress
from .words import Command, Group, Refusal, echo, language, option

DEMO_EXTRACT = ROOT / "gis_data" / "osm" / "helsinki.osm.pbf"
# The demo keeps the names it has always had: the extract gives 赫尔辛基 and HEL as well, but
# not this district and street, which are the demo's own.
HELSINKI = division.CityNames(
    code="HEL", city=("赫尔辛基", "Helsinki"), district=("赫尔辛基南区", "Southern Helsinki"),
    streets=(division.StreetName(("赫尔辛基中心街道", "Helsinki Centre Street")),))


@click.group("import", cls=Group, help=Message("cli.help.import"))
def import_group():
    pass


@import_group.command("osm", help=Message("cli.help.import.osm"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_osm(path: Path):
    progress = Progress(Message("cli.progress.importing", file=path.name))
    session = db.session()
    with audit.bulk_load(session, "IMPORT", {"source": path.name}) as summary:
        result = osm_import.import_osm(session, path, current_app.config["GRIDMAP"].households,
                                       progress)
        summary.update(buildings=result["buildings"], roads=result["roads"], cameras=result["cameras"],
                       parts=result["parts"])
    session.commit()
    progress.done()
    echo("cli.import.osm.done", buildings=result["buildings"], households=result["households"],
         roads=result["roads"], ground=result["ground lines"], cameras=result["cameras"], parts=result["parts"],
         sites=result["sites"], places=result["places"])
    for why, count in result["skipped"].items():
        echo("cli.import.osm.skipped", count=count, why=why)
    cameras_cli.refresh(every_road=True)


@import_group.command("areas", help=Message("cli.help.import.areas"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--level", type=click.Choice(list(areas_import.ABOVE)), required=True,
        help=Message("cli.help.import.areas.level"))
@option("--code-field", required=True, metavar="F", help=Message("cli.help.import.areas.code_field"))
@option("--name-field", required=True, metavar="F", help=Message("cli.help.import.areas.name_field"))
@option("--name-en-field", metavar="F", help=Message("cli.help.import.areas.name_en_field"))
@option("--parent-field", metavar="F", help=Message("cli.help.import.areas.parent_field"))
@option("--tolerance-m", type=click.FloatRange(0, 50), default=0.5, show_default=True,
        help=Message("cli.help.import.areas.tolerance_m"))
@with_appcontext
def import_areas(path: Path, level: str, code_field: str, name_field: str, name_en_field: str | None,
                 parent_field: str | None, tolerance_m: float):
    progress = Progress(Message("cli.progress.importing", file=path.name))
    session = db.session()
    fields = areas_import.Fields(code_field, name_field, name_en_field, parent_field)
    try:
        with audit.bulk_load(session, "IMPORT", {"source": path.name, "level": level}) as summary:
            result = areas_import.import_areas(session, path, level, fields, tolerance_m, progress)
            summary.update(created=len(result.created), changed=len(result.changed),
                           mismatches=len(result.remaining))
    except areas_import.Refused as error:
        progress.done()
        raise Refusal(error) from None
    session.commit()
    progress.done()
    _print_areas(result, path.name, tolerance_m)


def _one(level: str) -> Message:
    return Message(f"cli.level.{level}")


def _many(level: str) -> Message:
    return Message(f"cli.levels.{level}")


def _print_areas(result: areas_import.AreaImport, name: str, tolerance_m: float) -> None:
    said_in, many = language(), _many(result.level)
    echo("cli.import.areas.summary", features=result.features, many=many, file=name, crs=result.crs,
         new=len(result.created), changed=len(result.changed), unchanged=result.unchanged)
    for filed in result.filed:
        echo("cli.import.areas.filed", plan=filed["plan"], opened=len(filed["grids_opened"]),
             closed=len(filed["grids_closed"]), kept=filed["grids_kept"], buildings=len(filed["buildings_moved"]),
             households=filed["households_moved"], incidents=len(filed["incidents_moved"]))
    if result.repaired:
        echo("cli.import.areas.repaired", codes=result.repaired)
    click.echo(Message("cli.import.areas.cleaned", tolerance=tolerance_m, moved=len(result.cleaned), many=many)
               .say(said_in) + (Message("cli.import.areas.fitted", codes=result.fitted).say(said_in)
                                if result.fitted else ""))
    if result.without_worker:
        echo("cli.import.areas.without_worker", count=len(result.without_worker), codes=result.without_worker)
    lines = [Message("cli.import.areas.orphan", level=_one(result.level), code=code,
                     above=_one(areas_import.ABOVE[result.level])) for code in result.orphans]
    slivers: dict[tuple[str, str], list] = {}
    for left in sorted(result.remaining, key=lambda r: -r.mismatch.area_m2):
        m, child = left.mismatch, areas_import.BELOW[left.level]
        if m.narrow:                # listed together: the noise of two surveys, beside a real mismatch
            slivers.setdefault((left.level, left.area), []).append(m)
            continue
        what = {"gap": Message("cli.import.areas.gap", area=m.area_m2, children=_many(child)),
                "overlap": Message("cli.import.areas.overlap", children=_many(child), area=m.area_m2,
                                   parts=Message("cli.import.areas.and").say(said_in).join(m.parts)),
                "outside": Message("cli.import.areas.outside", area=m.area_m2, child=_one(child),
                                   parts="".join(m.parts))}[m.kind]
        lines.append(Message("cli.import.areas.mismatch", level=_one(left.level), code=left.area, what=what,
                             lon=m.at[0], lat=m.at[1]))
    for (level, code), found in slivers.items():
        lines.append(Message("cli.import.areas.slivers" if len(found) > 1 else "cli.import.areas.sliver",
                             level=_one(level), code=code, count=len(found), tolerance=tolerance_m,
                             area=sum(m.area_m2 for m in found), lon=found[0].at[0], lat=found[0].at[1]))
    if lines:
        echo("cli.import.areas.remain" if len(lines) > 1 else "cli.import.areas.remains", count=len(lines))
        for line in lines:
            click.echo(line.say(said_in))
    else:
        echo("cli.import.areas.none_remains")


@import_group.command("cameras", help=Message("cli.help.import.cameras"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--source", default="csv", show_default=True, help=Message("cli.help.import.source"))
@with_appcontext
def import_cameras(path: Path, source: str):
    import shapely

    cameras, refused = cameras_service.read_camera_csv(path.read_text(encoding="utf-8-sig"))
    session = db.session()
    city = frame.city_outline(session)
    outside = [c for c in cameras if not city.intersects(shapely.Point(c["lon"], c["lat"]))]
    rows = [{**{k: v for k, v in c.items() if k not in ("lon", "lat")}, "source": source,
             "geom": shapely.Point(c["lon"], c["lat"])} for c in cameras if c not in outside]
    progress = Progress(Message("cli.progress.importing", file=path.name))
    with audit.bulk_load(session, "IMPORT", {"source": path.name}) as summary:
        camera_store.upsert(session, rows, ("name", "kind", "bearing", "fov", "range_m", "height_m", "status",
                                             "owner", "estimated", "geom"), progress)
        summary.update(cameras=len(rows))
    session.commit()
    progress.done()
    echo("cli.import.cameras.done", cameras=len(rows), outside=len(outside), refused=len(refused))
    for line, why in sorted(refused.items())[:20]:
        echo("cli.line", line=line, why=why)
    cameras_cli.refresh()


@import_group.command("categories", help=Message("cli.help.import.categories"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=categories.DEFAULT_FILE)
@with_appcontext
def import_categories(path: Path):
    session = db.session()
    try:
        count = categories.import_categories(session, path)
        classes = city_parts.load_category_classes(session)
    except Said as error:
        raise Refusal(error) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    echo("cli.import.categories.done", count=count, classes=classes)


@import_group.command("parts", help=Message("cli.help.import.parts"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@option("--source", default="csv", show_default=True, help=Message("cli.help.import.source"))
@with_appcontext
def import_parts(path: Path, source: str):
    session = db.session()
    try:
        city_parts.load_kinds(session)
        with audit.bulk_load(session, "IMPORT", {"source": path.name, "what": "parts"}) as summary:
            result = city_parts.import_csv(session, path.read_text(encoding="utf-8-sig"), source)
            summary.update(new=result.new, updated=result.updated, refused=len(result.refused))
    except city_parts.BadData as error:
        raise Refusal(error.message) from None
    session.commit()
    echo("cli.import.parts.done", parts=result.new + result.updated, new=result.new, updated=result.updated,
         outside=result.outside_grids, refused=len(result.refused))
    for line, why in sorted(result.refused.items()):
        echo("cli.line", line=line, why=why)


@import_group.command("departments", help=Message("cli.help.import.departments"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=departments.DEFAULT_FILE)
@with_appcontext
def import_departments(path: Path):
    session = db.session()
    try:
        count = departments.import_departments(session, path)
    except Said as error:
        raise Refusal(error) from None
    session.commit()
    echo("cli.import.departments.done", count=count)


@import_group.command("routing", help=Message("cli.help.import.routing"))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=departments.ROUTING_FILE)
@with_appcontext
def import_routing(path: Path):
    session = db.session()
    from ..services.incidents import loop
    try:
        count = routing.load_csv(session, path, audit.current().name, datetime.now(timezone.utc))
    except loop.Invalid as error:
        raise Refusal(error.message) from None
    session.commit()
    echo("cli.import.routing.done", count=count)


@click.group("generate", cls=Group, help=Message("cli.help.generate"))
def generate_group():
    pass


def _code_prefix(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    if not naming.CODE_PREFIX.fullmatch(value.upper()):
        raise click.BadParameter(Message("cli.generate.bad_prefix", value=repr(value)).say(language()))
    return value.upper()


@generate_group.command("areas", help=Message("cli.help.generate.areas"))
@option("--seed", default=1, show_default=True, help=Message("cli.help.generate.areas.seed"))
@option("--city-name", metavar="NAME", help=Message("cli.help.generate.areas.city_name"))
@option("--city-name-en", metavar="NAME", help=Message("cli.help.generate.areas.city_name_en"))
@option("--code-prefix", metavar="ABC", callback=_code_prefix, help=Message("cli.help.generate.areas.code_prefix"))
@with_appcontext
def generate_areas(seed: int, city_name: str | None, city_name_en: str | None, code_prefix: str | None):
    rules = current_app.config["GRIDMAP"].grid_rules
    given = naming.Given(city_name, city_name_en, code_prefix)
    _divide(lambda session: naming.name_town(session, given, rules), seed)


def _divide(name: Callable[[Session], division.CityNames], seed: int) -> None:
    settings = current_app.config["GRIDMAP"]
    session = db.session()
    try:
        names = name(session)
        progress = Progress(Message("cli.generate.dividing"))
        with audit.bulk_load(session, "GENERATE", {"division": names.code, "seed": seed}) as summary:
            report = division.generate_areas(session, names, settings.grid_rules, seed, progress)
            summary.update(grids=report.grids, communities=report.communities)
    except Said as error:
        raise Refusal(error) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    progress.done()
    echo("cli.generate.named", city=_both(names.city), code=names.code, streets=[_both(s.name) for s in names.streets])
    _print_report(report, settings.grid_rules)


def _both(name: tuple[str, str]) -> Message | str:
    """赫尔辛基 (Helsinki): a name the data holds in both languages, once when they are the same."""
    return name[0] if name[0] == name[1] else Message("cli.generate.both_names", zh=name[0], en=name[1])


@generate_group.command("city", help=Message("cli.help.generate.city"))
@option("--preset", type=click.Choice(sorted(PRESETS)), default="zhenxing", show_default=True,
        help=Message("cli.help.generate.city.preset"))
@option("--scale", type=click.IntRange(1, 1000), default=1, show_default=True,
        help=Message("cli.help.generate.city.scale"))
@option("--seed", default=1, show_default=True, help=Message("cli.help.generate.seed"))
@with_appcontext
def generate_city(preset: str, scale: int, seed: int):
    settings = current_app.config["GRIDMAP"]
    progress = Progress(Message("cli.generate.generating", preset=preset, scale=scale))
    session = db.session()
    try:
        with audit.bulk_load(session, "GENERATE", {"preset": preset, "scale": scale, "seed": seed}) as summary:
            report = synthetic_city.generate_city(session, preset, scale, settings.grid_rules,
                                                  seed, progress)
            summary.update(grids=report.grids, streets=report.streets)
    except Said as error:
        raise Refusal(error) from None
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    progress.done()
    _print_report(report, settings.grid_rules)
    cameras_cli.refresh(every_road=True)


def _print_report(report: division.DivisionReport, rules) -> None:
    echo("cli.generate.report", streets=report.streets, communities=report.communities, grids=report.grids,
         workers=report.workers, households=report.households)
    if report.special:
        kinds = site_kinds.by_code()
        counted = Counter(kind for _, kind in report.special)
        echo("cli.generate.special", count=len(report.special),
             kinds=[Both(f"{kinds[k].name_zh if k in kinds else k} {n}", f"{kinds[k].name_en if k in kinds else k} {n}")
                    for k, n in sorted(counted.items(), key=lambda kn: -kn[1])])
    bounds = {"least": rules.min_households, "most": rules.max_households}
    if report.out_of_range:
        echo("cli.generate.out_of_range", count=len(report.out_of_range), **bounds)
        for code, households in report.out_of_range:
            click.echo(f"  {code}: {households}")
    else:
        echo("cli.generate.in_range", **bounds)
    if report.on_ground_share is not None:
        echo("cli.generate.on_ground", share=report.on_ground_share, km=report.interior_m / 1000)
    for code, ratio in report.elongated:
        echo("cli.generate.elongated", code=code, ratio=ratio)


@click.command("setup-demo", cls=Command, help=Message("cli.help.setup_demo"))
@option("--demo-accounts", "asked_for_accounts", is_flag=True, help=Message("cli.help.setup_demo.demo_accounts"))
@with_appcontext
def setup_demo(asked_for_accounts: bool):
    db.upgrade(db.url())
    session = db.session()
    categories.import_categories(session)
    city_parts.load_category_classes(session)
    if not session.scalar(select(func.count()).select_from(Building)):
        echo("cli.demo.importing")
        click.get_current_context().invoke(import_osm, path=DEMO_EXTRACT)
    if not session.scalar(select(func.count()).select_from(Area)):
        _divide(lambda session: HELSINKI, seed=1)
    if not session.scalar(select(func.count()).select_from(Part)):      # a city loaded before parts were read
        echo("cli.demo.parts", count=osm_import.import_parts(session, DEMO_EXTRACT))
    cameras_cli.refresh()          # what a migration or an earlier interrupted run left queued
    departments.import_departments(session)
    if not session.scalar(select(func.count()).select_from(RoutingRule)):     # an admin's edits are kept
        routing.load_csv(session, departments.ROUTING_FILE, "system:setup-demo", datetime.now(timezone.utc))
    session.commit()
    settings = current_app.config["GRIDMAP"]
    echo("cli.demo.ready")
    if settings.production:
        echo("cli.demo.production")
        return
    # A database someone named is theirs: a known password on seven accounts is not ours to leave there.
    if not (settings.embedded or asked_for_accounts):
        echo("cli.demo.not_here")
        return
    shown = demo_accounts.ensure_demo_accounts(session, settings.demo_password)
    demo_worker = session.scalar(select(AppUser.worker_id).where(AppUser.username == "worker"))
    if demo_worker and (made := demo_register.seed(session, demo_worker)):
        echo("cli.demo.register", count=made)
    session.commit()
    password = "demo" if settings.demo_password == "demo" else "$GRIDMAP_DEMO_PASSWORD"
    echo("cli.demo.accounts", password=password)
    for username, sees in shown:
        echo("cli.demo.account", username=f"{username:<9}", sees=sees)
