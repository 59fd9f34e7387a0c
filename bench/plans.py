"""Plan validation benchmark: every problem of a ~1,000-grid plan (gaps, overlaps, edges, grids
outside their community, cut buildings, households, workers, invalid shapes and slivers), read
from the database and checked, against a plain PostGIS pairwise ST_Overlaps self-join over the
same plan's grids in the same run — the query one would write first, which finds only overlaps.

    make bench-plans         (or: .venv/bin/python bench/plans.py --runs 5)

The plan is a proposed division of the scale-10 city's district with a household range that
yields about 1,000 grids (made once, then reused). Goal (issue 7): under 2 s, and faster than
the self-join.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, arguments, city_url, log  # noqa: E402

sys.path.insert(0, str(ROOT))
from sqlalchemy import text  # noqa: E402

from app import create_app, db  # noqa: E402
from app.services.accounts.scope import Scope  # noqa: E402
from app.services.planning import plans, problems as plan_problems, proposal as plan_proposal  # noqa: E402

SELF_JOIN = text("""
    SELECT count(*) FROM grid_plan_feature a JOIN grid_plan_feature b
      ON b.plan_id = a.plan_id AND a.id < b.id AND a.geom && b.geom AND ST_Overlaps(a.geom, b.geom)
    WHERE a.plan_id = :plan""")


def ensure_plan(session, target: int, rules) -> int:
    name = f"bench: about {target:,} grids"
    found = session.execute(text("SELECT id FROM grid_plan WHERE name = :n"), {"n": name}).scalar()
    if found:
        return found
    district = session.execute(text("SELECT code, households FROM area WHERE level = 'district'")).one()
    communities = session.execute(text("SELECT count(*) FROM area WHERE level = 'community'")).scalar_one()
    mid = district.households / target
    log(f"proposing a division of {district.code} ({district.households:,} households, {communities} "
        f"communities) at about {mid:.0f} households per grid … (once; a few minutes)")
    actor = plans.Actor("bench", None, Scope(everything=True))
    started = time.perf_counter()
    plan = plan_proposal.propose(session, district.code, name, actor, rules,
                                 {"min_households": round(mid * 0.6), "max_households": round(mid * 1.4)})
    session.commit()
    log(f"  proposed in {time.perf_counter() - started:.0f} s")
    return plan.id


def timed(work, runs: int) -> tuple[list[float], object]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--grids", type=int, default=1000, help="about how many grids the plan has")
    args = arguments(parser, {"runs": 1, "grids": 64})
    url = city_url(args.scale)
    app = create_app({"DATABASE_URL": url})
    rules = app.config["GRIDMAP"].grid_rules
    with app.app_context():
        session = db.session()
        plan_id = ensure_plan(session, args.grids, rules)
        grids, buildings = session.execute(text("""
            SELECT (SELECT count(*) FROM grid_plan_feature WHERE plan_id = :p),
                   (SELECT count(*) FROM building)"""), {"p": plan_id}).one()
        # fresh statistics, or PostgreSQL may plan the join as a nested loop over every pair
        session.execute(text("ANALYZE grid_plan_feature"))
        everything = Scope(everything=True)
        # warm both once (caches, plans), then measure alternately-free runs of each
        plan_problems.check(session, plan_id, everything, rules)
        session.execute(SELF_JOIN, {"plan": plan_id}).scalar_one()
        ours, found = timed(lambda: plan_problems.check(session, plan_id, everything, rules), args.runs)
        join, overlaps = timed(lambda: session.execute(SELF_JOIN, {"plan": plan_id}).scalar_one(), args.runs)

        def cold():         # as the first check in a process, or after the buildings changed
            plan_problems.forget_surroundings()
            return plan_problems.check(session, plan_id, everything, rules)
        first, _ = timed(cold, args.runs)
        session.rollback()
    ours_s, join_s, first_s = statistics.median(ours), statistics.median(join), statistics.median(first)
    counts = {}
    for problem in found.check.problems:
        counts[problem.kind] = counts.get(problem.kind, 0) + 1
    print(f"plan {plan_id}: {grids} grids, {buildings:,} buildings in the city; {runs_text(args.runs)}")
    print(f"  full validation (read + every check): median {ours_s * 1000:.0f} ms  (runs: {fmt(ours)})")
    print(f"    problems found: {sum(counts.values())} {counts}")
    print(f"  the same, with the area's buildings and communities read again each time (the first")
    print(f"    check in a process, or after the buildings changed): median {first_s * 1000:.0f} ms  (runs: {fmt(first)})")
    print(f"  PostGIS ST_Overlaps self-join:        median {join_s * 1000:.0f} ms  (runs: {fmt(join)}); "
          f"{overlaps} overlapping pairs")
    print(f"  self-join ÷ validation = {join_s / ours_s:.2f}; ÷ first validation = {join_s / first_s:.2f}  "
          f"(goal: > 1, and validation < 2 s)")


def runs_text(n: int) -> str:
    return f"median of {n} runs each"


def fmt(times: list[float]) -> str:
    return ", ".join(f"{t * 1000:.0f}" for t in times)


if __name__ == "__main__":
    main()
