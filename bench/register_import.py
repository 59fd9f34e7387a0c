"""Register import benchmark: a community's workbook of 100,000 rows — houses, residents and
organisations in the proportions of the issue's district (120,000 units : 300,000 residents :
10,000 organisations), with one resident row in 200 carrying a mistyped ID number — imported
into an empty register, then imported again unchanged.

    make bench-register-import     (or: .venv/bin/python bench/register_import.py --rows 100000)

The import is `flask register import`'s own (services/register/importing.from_file): read
the workbook, check every row, encrypt the numbers, write with COPY, commit, write the report;
the interpreter's start-up is not counted. The city is the synthetic one at --scale, in a
database of its own (gridmap_bench_register_scaleN), since each run empties its register. The
workbook is made once per size and kept under bench/.work/.

Goal (issue 28): 100,000 rows in under 60 s, encryption included, with a progress bar.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, WORK, arguments, log  # noqa: E402

sys.path.insert(0, str(ROOT))
from openpyxl import Workbook  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app, db  # noqa: E402
from app.config import load_settings  # noqa: E402
from app.services.register import identity, importing, sheets  # noqa: E402

# the district's proportions: 120,000 houses, 300,000 residents, 10,000 organisations
SHARES = {"unit": 12, "resident": 30, "organisation": 1}
BAD_EVERY = 200                 # one resident row in 200 has a mistyped ID number
REGIONS = ("110105", "310115", "440106", "320102", "330106", "510104", "420102", "370102", "610113", "120101")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红建国志文海燕春梅晨宇浩然子涵欣怡"


def city(scale: int) -> str:
    """The synthetic city at `scale` in the benchmark's own database, made when missing."""
    cluster = db.embedded_cluster(load_settings())
    cluster.start()
    url = cluster.ensure_database(f"gridmap_bench_register_scale{scale}")
    db.upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        ready = conn.execute(text("SELECT count(*) FROM building")).scalar_one() > 0
    engine.dispose()
    if not ready:
        log(f"building the synthetic city at --scale {scale} (about {6 * scale} s) …")
        runner = create_app({"DATABASE_URL": url}).test_cli_runner()
        for args in (["import", "categories"],
                     ["generate", "city", "--preset", "zhenxing", "--scale", str(scale), "--seed", "1"]):
            result = runner.invoke(args=args)
            if result.exit_code != 0 and "already has a division" not in result.output:
                raise SystemExit(result.output)
    return url


def person(rng: random.Random, serial: int, born: int | None = None) -> tuple[str, int, str]:
    """(ID number, year of birth, sex) of a made-up person."""
    born = born or rng.randint(1935, 2020)
    sex_digit = rng.randint(0, 9)
    first17 = f"{rng.choice(REGIONS)}{born}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{serial % 100:02d}{sex_digit}"
    return first17 + identity.id_check_digit(first17), born, "M" if sex_digit % 2 else "F"


def credit_code(serial: int) -> str:
    first17 = f"91310115MA1{serial:06d}"
    return first17 + identity.credit_code_check_character(first17)


def rows_of(buildings: list, total: int, seed: int) -> dict[str, list[list]]:
    """The workbook's rows: houses walked building by building (entrance, floor, two rooms a
    floor), their people, the shops' and offices' organisations."""
    rng = random.Random(seed)
    wanted = {kind: total * share // sum(SHARES.values()) for kind, share in SHARES.items()}
    wanted["resident"] = total - wanted["unit"] - wanted["organisation"]
    uses = ["自住"] * 70 + ["出租"] * 20 + ["空置"] * 6 + ["商铺"] * 3 + ["办公"]
    units, residents, organisations = [], [], []
    premises = []
    for code, address, households, levels in buildings:
        floors = max(1, int(levels or 6))
        for n in range(households):
            if len(units) >= wanted["unit"]:
                break
            entrance, rest = divmod(n, floors * 2)
            floor, room = divmod(rest, 2)
            place = [code, None] if len(units) % 5 else [None, address]      # a fifth named by address
            place += [str(entrance + 1), floor + 1, f"{floor + 1}{room + 1:02d}"]
            use = rng.choice(uses)
            units.append(place + [use, round(rng.uniform(35, 160), 1), None])
            if use in ("商铺", "办公"):
                premises.append(place)
        if len(units) >= wanted["unit"]:
            break
    lived = [u for u in units if u[5] in ("自住", "出租")]
    serial = 0
    while len(residents) < wanted["resident"]:
        house = lived[serial % len(lived)]
        serial += 1
        first = serial <= len(lived)
        number, born, sex = person(rng, serial)
        if serial % BAD_EVERY == 0:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")
        residents.append(house[:5] + [
            rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2)))), number, None, None,
            f"13{rng.randint(0, 999999999):09d}" if rng.random() < 0.6 else None,
            rng.choice(("户籍人口",) * 7 + ("流动人口",) * 3), "户主" if first else rng.choice(("配偶", "子女", "父母")),
            "独居老人" if born < 1955 and rng.random() < 0.2 else None,
            "信访" if rng.random() < 0.003 else None])
    kinds = ("商铺", "餐饮", "企业", "仓库", "诊所")
    for n in range(wanted["organisation"]):
        place = premises[n % len(premises)] if premises and n < len(premises) else units[n * 7 % len(units)][:2] + [None] * 3
        organisations.append(place[:2] + [f"{rng.choice(SURNAMES)}记{rng.choice(kinds)}{n + 1}号", rng.choice(kinds),
                                          credit_code(n + 1), rng.choice(SURNAMES) + rng.choice(GIVEN),
                                          f"13{rng.randint(0, 999999999):09d}", rng.randint(1, 40),
                                          rng.choice((None, None, "消防", "消防、食品")), *place[2:]])
    return {"unit": units, "resident": residents, "organisation": organisations}


def workbook(path: Path, rows: dict[str, list[list]]) -> None:
    """The rows under the template's two header rows, written as an office's spreadsheet would
    be (openpyxl, streaming)."""
    book = Workbook(write_only=True)
    for kind, spec in sheets.SHEETS.items():
        sheet = book.create_sheet(spec.title("zh"))
        sheet.append([sheets.header(kind, c, "zh") for c in spec.columns])
        sheet.append(list(spec.keys))
        for row in rows[kind]:
            sheet.append(row)
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="rows in the workbook, all sheets together")
    parser.add_argument("--seed", type=int, default=1)
    args = arguments(parser, {"rows": 2_000})
    url = city(args.scale)
    app = create_app({"DATABASE_URL": url})
    WORK.mkdir(exist_ok=True)
    path = WORK / f"register-{args.rows}-scale{args.scale}-seed{args.seed}.xlsx"
    with app.app_context():
        session = db.session()
        if not path.exists():
            buildings = session.execute(text("""
                SELECT source_id, address, households, levels FROM building
                WHERE households > 0 AND address IS NOT NULL ORDER BY id""")).all()
            made = rows_of(buildings, args.rows, args.seed)
            log(f"writing {path.name} ({', '.join(f'{len(r):,} {k}s' for k, r in made.items())}) … (once)")
            workbook(path, made)
        from app.cli.register_sheets import command_line_reader
        from app.cli.progress import Progress

        def once(label: str) -> tuple[float, importing.Outcome]:
            progress = Progress(label)
            started = time.perf_counter()
            outcome = importing.from_file(db.session(), command_line_reader(), path, "zh", progress=progress)
            seconds = time.perf_counter() - started
            progress.done()
            return seconds, outcome

        session.execute(text("TRUNCATE house_unit, resident, organisation, register_version, person_access, visit "
                             "CASCADE"))
        session.commit()
        first_s, first = once("first import")
        again_s, again = once("import again")
    total = sum(t.read for t in first.tallies.values())
    counts = ", ".join(f"{first.tallies[k].read:,} {name}" for k, name in
                       (("unit", "houses"), ("resident", "residents"), ("organisation", "organisations")))
    print(f"register import: {total:,} rows ({counts}) on the scale-{args.scale} city, {path.name}")
    for label, seconds, outcome in (("first import", first_s, first), ("import again, unchanged", again_s, again)):
        tallies = outcome.tallies.values()
        added, changed = sum(t.added for t in tallies), sum(t.changed for t in tallies)
        unchanged, refused = sum(t.unchanged for t in tallies), sum(t.refused for t in tallies)
        said = (f"{added:,} added, {refused:,} refused" if label == "first import"
                else f"{added:,} added, {changed:,} changed, {unchanged:,} unchanged, {refused:,} refused")
        print(f"  {label}: {total:,} rows in {seconds:.1f} s, {total / seconds:,.0f} rows/s ({said})")
        print("    " + ", ".join(f"{phase} {outcome.seconds.get(phase, 0):.1f} s"
                                 for phase in ("read", "check", "write", "count", "commit", "report")))
    print(f"  goal: 100,000 rows in under 60 s ({100_000 / (total / first_s):.1f} s at the first import's pace)")


if __name__ == "__main__":
    main()
