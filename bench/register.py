"""The base register at a district's size: 300,000 residents, 120,000 houses and 10,000
organisations on the scale-10 city (640 grids), made once and kept. Timed through the API, in
process (Flask, the token, scope, masking, the access log's row — everything but the socket),
against the floor of the same path: GET /api/v1/users/me, an authenticated JSON answer that
reads no register.

    .venv/bin/python bench/register.py          (or: make bench-register)

Goals (issue 28): search by name, phone or ID number < 100 ms p50; every grid's figures < 1 s;
the building card < 50 ms.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, arguments, bench_token, city_url, log  # noqa: E402

sys.path.insert(0, str(ROOT))
from sqlalchemy import create_engine, text  # noqa: E402

from app import create_app  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app.services.register import identity, protect  # noqa: E402
from app.services.register.entries import recount  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉兰文辉海燕鹏飞"
PER_SCALE = {"units": 12_000, "residents": 30_000, "organisations": 1_000}


def person(rng: random.Random, n: int) -> tuple:
    year = rng.randint(1930, 2020)
    first17 = f"{rng.choice(['110105', '330102', '440106', '510104'])}{year}{rng.randint(1, 12):02d}" \
              f"{rng.randint(1, 28):02d}{n % 1000:03d}"
    id_number = first17 + identity.id_check_digit(first17)
    phone = f"1{rng.choice('3456789')}{n:09d}"[-11:]
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return name, year, "M" if int(id_number[16]) % 2 else "F", id_number, phone


def ensure_register(url: str, scale: int) -> dict:
    """The register at `scale`, made when short: houses in the city's buildings by their
    households, people in the houses, organisations on ground floors."""
    want = {kind: count * scale for kind, count in PER_SCALE.items()}
    engine = create_engine(url)
    with engine.connect() as conn:
        have = {kind: conn.execute(text(f"SELECT count(*) FROM {table} WHERE ended_at IS NULL")).scalar_one()
                for kind, table in (("units", "house_unit"), ("residents", "resident"),
                                    ("organisations", "organisation"))}
    if have["residents"] >= want["residents"]:          # residents are made last, to the person
        with engine.begin() as conn:
            if not conn.execute(text("SELECT EXISTS (SELECT 1 FROM building WHERE NOT households_estimated)")).scalar():
                # the buildings' counts, as every write of the app keeps them
                recount(Session(bind=conn), conn.execute(text("SELECT DISTINCT building_id FROM house_unit")).scalars())
        engine.dispose()
        return have
    log(f"making the register at --scale {scale}: {want['residents']:,} residents, {want['units']:,} houses, "
        f"{want['organisations']:,} organisations (once) …")
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE register_version, person_access, visit, resident, organisation, house_unit "
                          "RESTART IDENTITY CASCADE"))
        # houses spread over the buildings with households, by their share of them
        conn.execute(text("""
            INSERT INTO house_unit (building_id, entrance, floor, room, use, floor_area, households, changed_by)
            SELECT b.id, ((n - 1) / 24 + 1)::text, ((n - 1) % 24) / 2 + 1,
                   (((n - 1) % 24) / 2 + 1)::text || lpad((((n - 1) % 2) + 1)::text, 2, '0'),
                   (ARRAY['owner','owner','owner','rented','rented','vacant'])[1 + (b.id + n) % 6],
                   60 + (b.id + n) % 80, 1, 'bench'
            FROM (SELECT id, households, sum(households) OVER () AS total FROM building WHERE households > 0) b
            CROSS JOIN LATERAL generate_series(1, greatest(1, round(b.households * :units / b.total)::int)) n"""),
            {"units": want["units"]})
        units = [row[0] for row in conn.execute(text("SELECT id FROM house_unit ORDER BY id"))]
    rng = random.Random(28)
    rows = []
    for n in range(want["residents"]):
        name, year, sex, id_number, phone = person(rng, n)
        number, call = protect.protect("id_number", id_number), protect.protect("phone", phone)
        care = "{elderly_alone}" if year < 1950 and n % 7 == 0 else "{}"
        rows.append((units[n % len(units)], name, sex, year, number.secret, number.key, number.mask,
                     call.secret, call.key, call.mask, ("local", "floating", "local", "overseas")[n % 4 if n % 50 == 0 else n % 3],
                     "head" if n % 3 == 0 else ("spouse", "child", "parent")[n % 3], care, "bench"))
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            with cursor.copy("COPY resident (unit_id, name, sex, birth_year, id_number_secret, id_number_key, "
                             "id_number_mask, phone_secret, phone_key, phone_mask, registration, relation, "
                             "care_tags, changed_by) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("""
                INSERT INTO organisation (building_id, name, kind, employees, risk_tags, changed_by)
                SELECT b.id, '商户' || n, (ARRAY['shop','restaurant','company','warehouse'])[1 + n %% 4], 3 + n %% 40,
                       CASE WHEN n %% 5 = 0 THEN '{fire}'::varchar[] ELSE '{}' END, 'bench'
                FROM generate_series(1, %s) n
                JOIN LATERAL (SELECT id FROM building WHERE households > 0
                              ORDER BY id OFFSET (n * 7919) %% (SELECT count(*) FROM building WHERE households > 0)
                              LIMIT 1) b ON true""", (want["organisations"],))
            cursor.execute("""
                INSERT INTO register_version (kind, entry_id, version, action, by, data)
                SELECT 'resident', id, 1, 'added', 'bench', jsonb_build_object('name', name) FROM resident""")
            cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    log(f"  made in {time.perf_counter() - started:.0f} s")
    engine.dispose()
    return ensure_register(url, scale)          # counted as made (houses follow the buildings' shares)


def timed(client, path: str, headers: dict, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{path}: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=50, help="requests per measure")
    args = arguments(parser, {"runs": 5})
    url = city_url(args.scale)
    held = ensure_register(url, args.scale)
    app = create_app({"DATABASE_URL": url})
    operator = {"Authorization": f"Bearer {bench_token(url, 'bench_register_operator', 'operator', whole_city=True)}"}
    admin = {"Authorization": f"Bearer {bench_token(url, 'bench_register_admin', 'admin')}"}
    engine = create_engine(url)
    with engine.connect() as conn:
        grids = conn.execute(text("SELECT count(*) FROM grid WHERE valid_to IS NULL")).scalar_one()
        buildings = [r[0] for r in conn.execute(text(
            "SELECT building_id FROM house_unit GROUP BY building_id ORDER BY count(*) DESC, building_id LIMIT 200"))]
        biggest = conn.execute(text("SELECT max(c) FROM (SELECT count(*) c FROM house_unit GROUP BY building_id) s"
                                    )).scalar_one()
    engine.dispose()
    client = app.test_client()
    measures = {
        "floor: GET /api/v1/users/me": timed(client, "/api/v1/users/me", operator, args.runs),
        "search by name (2 characters)": [],
        "search by phone": [],
        "search by ID number": [],
        "building card": [],
        "every grid's figures": timed(client, "/api/v1/register/figures", admin, max(3, args.runs // 10)),
    }
    # each search its own person, as a day's questions are: the people made above, again
    rng = random.Random(28)
    sample = [person(rng, n) for n in range(held["residents"])][:: max(1, held["residents"] // args.runs)][:args.runs]
    for name, _, _, id_number, phone in sample:
        measures["search by name (2 characters)"] += timed(client, f"/api/v1/register/residents?q={name[:2]}", operator, 1)
        measures["search by phone"] += timed(client, f"/api/v1/register/residents?q={phone}", operator, 1)
        measures["search by ID number"] += timed(client, f"/api/v1/register/residents?q={id_number}", operator, 1)
    for building in (buildings * args.runs)[:args.runs]:
        measures["building card"] += timed(client, f"/api/v1/register/buildings/{building}", operator, 1)
    floor = statistics.median(measures["floor: GET /api/v1/users/me"])
    goals = {"search by name (2 characters)": 100, "search by phone": 100, "search by ID number": 100,
             "building card": 50, "every grid's figures": 1000}
    lines = ["", f"Register at scale {args.scale}: {held['residents']:,} residents, {held['units']:,} houses, "
                 f"{held['organisations']:,} organisations, {grids} grids (the largest building: {biggest} houses); "
                 f"{args.runs} requests each, in process, operator of the whole city",
             "", "| measure | p50 ms | p90 ms | ÷ floor | goal |", "|---|---|---|---|---|"]
    for name, times in measures.items():
        times = sorted(times)
        p50, p90 = statistics.median(times), times[int(0.9 * (len(times) - 1))]
        goal = f"< {goals[name]:,} ms" if name in goals else ""
        lines.append(f"| {name} | {p50:.1f} | {p90:.1f} | {p50 / floor:.1f}× | {goal} |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
