"""A person on foot along the roads, on a hand-made town: streets every 80 m, four houses to
each block, and a grid of 3 × 3 blocks in its middle. Metres, UTM 35N."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
import shapely
from shapely.geometry import box

from app.geo import network, walking
from app.geo.crs import MetricFrame

FRAME = MetricFrame(32635)
X0, Y0 = 385_000, 6_670_000
STREETS = range(0, 481, 80)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
STILL = walking.Gait(gps_sigma_m=0.0)       # where the walker is, not where the phone says


def wgs84(geom):
    return FRAME.to_wgs84(shapely.affinity.translate(geom, X0, Y0))


def metric(fixes):
    points = FRAME.to_metric(shapely.points([(f.lon, f.lat) for f in fixes]))
    return shapely.affinity.translate(shapely.MultiPoint(list(points)), -X0, -Y0)


STREET_LINES = [shapely.LineString([(x, 0), (x, 480)]) for x in STREETS] + \
    [shapely.LineString([(0, y), (480, y)]) for y in STREETS]
HOUSES = [box(x + dx, y + dy, x + dx + 30, y + dy + 30)          # four to a block, 8 m off the street
          for x in STREETS[:-1] for y in STREETS[:-1] for dx in (8, 42) for dy in (8, 42)]
GRID = box(80, 80, 320, 320)
ROADS = shapely.MultiLineString(STREET_LINES)


@pytest.fixture(scope="module")
def town():
    roads = network.build([wgs84(line) for line in STREET_LINES])
    ours = [wgs84(h) for h in HOUSES if GRID.contains(h)]            # the grid's households
    beat = walking.beat(roads, wgs84(GRID), ours, wgs84(box(-50, -50, 530, 530)))
    return roads, beat


def walk(town, minutes, seed=1, every_s=10, gait=STILL, chunk_s=60):
    roads, beat = town
    walker = walking.Walker(roads, beat, random.Random(seed), T0, gait=gait)
    fixes, reached = [], []
    for k in range(1, int(minutes * 60 / chunk_s) + 1):
        f, r = walker.walk(T0 + timedelta(seconds=chunk_s * k), every_s)
        fixes += f
        reached += r
    return walker, fixes, reached


def off_street(fixes):
    return shapely.distance(ROADS, np.array(list(metric(fixes).geoms)))


def test_the_beat_is_the_streets_in_the_grid_and_the_doors_on_them(town):
    roads, beat = town
    middles = shapely.line_interpolate_point(roads.lines[beat.edges], 0.5, normalized=True)
    inside = shapely.intersects(FRAME.to_metric(wgs84(GRID)).buffer(1), middles)
    assert inside.all() and beat.edges.sum() == 2 * 4 * 3          # 4 streets each way, 3 pieces each
    doors = [door for found in beat.doors.values() for _, door in found]
    assert doors and all(abs(shapely.Point(d).distance(roads.lines[e]) - 8) < 0.01
                         for e, found in beat.doors.items() for _, d in found)
    assert set(beat.doors) <= set(np.flatnonzero(beat.edges))


def test_a_walker_keeps_to_the_streets_at_a_walking_pace(town):
    _, fixes, _ = walk(town, 120)
    gaps = off_street(fixes)
    at_doors = shapely.distance(shapely.MultiPolygon(HOUSES), np.array(list(metric(fixes).geoms))) < 0.5
    assert ((gaps < 0.5) | at_doors).mean() >= 0.97 and gaps.max() <= 8.5      # doors are 8 m off
    assert (gaps < 0.5).mean() >= 0.75
    speeds = np.array([f.speed_mps for f in fixes])
    walking_speeds = speeds[speeds > 0]
    assert walking_speeds.min() >= 0.9 and walking_speeds.max() <= 1.65
    assert 1.0 <= walking_speeds.mean() <= 1.5
    xy = shapely.get_coordinates(metric(fixes))
    steps = np.hypot(*np.diff(xy, axis=0).T)
    assert steps.max() <= 1.65 * 10 + 0.01                         # no jumps, fix to fix
    assert (steps < 0.01).mean() > 0.02                            # pauses and visits


def test_the_phone_is_off_by_a_few_metres(town):
    _, fixes, _ = walk(town, 120, gait=walking.Gait())
    gaps = off_street(fixes)
    assert 1.0 <= float(np.median(gaps)) <= 5.0
    assert (gaps <= 15).mean() >= 0.95
    assert all(4 <= f.accuracy_m <= 12 for f in fixes)


def test_fixes_come_every_ten_seconds_whatever_the_steps(town):
    _, fixes, _ = walk(town, 10, chunk_s=7)          # steps of 7 s up to 595 s
    times = [f.at for f in fixes]
    assert times[0] == T0 and times[-1] == T0 + timedelta(seconds=590) and len(times) == 60
    assert all(b - a == timedelta(seconds=10) for a, b in zip(times, times[1:]))


def test_visits_stop_at_doors_for_minutes(town):
    _, fixes, _ = walk(town, 120)
    xy = shapely.get_coordinates(metric(fixes))
    houses = shapely.MultiPolygon(HOUSES)
    runs, run = [], 1
    for a, b in zip(xy, xy[1:]):
        if np.hypot(*(b - a)) < 0.01:
            run += 1
        else:
            runs.append((run, a))
            run = 1
    visits = [n for n, where in runs if n >= 6 and houses.distance(shapely.Point(where)) < 0.5]
    assert len(visits) >= 3 and max(visits) <= 6 * 6 + 1            # one to six minutes


def test_a_walker_covers_their_beat_mostly_inside_and_now_and_then_steps_out(town):
    roads, beat = town
    _, fixes, _ = walk(town, 8 * 60)            # a day's shift: errands every 90 minutes or so
    points = metric(fixes)
    inside = shapely.contains_xy(GRID.buffer(1), *shapely.get_coordinates(points).T)
    away = shapely.distance(GRID, np.array(list(points.geoms)))
    assert inside.mean() >= 0.7 and (away > 50).mean() >= 0.01
    middles = shapely.affinity.translate(
        shapely.MultiPoint(list(shapely.line_interpolate_point(roads.lines[beat.edges], 0.5, normalized=True))),
        -X0, -Y0)
    walked = [points.distance(m) <= 10 for m in middles.geoms]
    assert np.mean(walked) >= 0.9


def test_a_long_errand_stays_out_long_enough_for_the_alert(town):
    roads, beat = town
    gait = walking.Gait(gps_sigma_m=0.0, errand_every_minutes=20, long_errand_share=1.0)
    _, fixes, _ = walk(town, 120, gait=gait)
    out = shapely.distance(GRID, np.array(list(metric(fixes).geoms))) > 0.5
    longest, run = 0, 0
    for o in out:
        run = run + 1 if o else 0
        longest = max(longest, run)
    assert longest * 10 >= 15 * 60


def test_sent_to_a_place_they_go_by_the_streets_stay_and_come_back(town):
    walker, fixes, _ = walk(town, 10, gait=walking.Gait(gps_sigma_m=0.0, errand_every_minutes=1e9))
    place = (405, 445)                      # 5 m off the street at x = 400, north of the grid
    walker.send("E1", *wgs84(shapely.Point(place)).coords[0], stay_s=180)
    assert walker.holds("E1")
    sent_at = walker.at
    went, reached = [], []
    for k in range(1, 31):
        f, r = walker.walk(sent_at + timedelta(minutes=k), 10)
        went += f
        reached += r
    arrived, done = reached
    assert (arrived.job, arrived.what, done.what) == ("E1", "arrived", "done")
    assert done.at - arrived.at == timedelta(seconds=180)
    before = [f for f in went if f.at <= arrived.at]
    xy = shapely.get_coordinates(metric(before))
    assert np.hypot(*(xy[-1] - place)) < 15
    gaps = off_street(before)
    assert (gaps[np.hypot(*(xy - place).T) > 6] < 0.5).all()      # along the streets to the last 5 m
    staying = [f for f in went if arrived.at < f.at <= done.at]
    assert np.allclose(shapely.get_coordinates(metric(staying)), place, atol=0.01)
    after = shapely.get_coordinates(metric([f for f in went if done.at < f.at <= done.at + timedelta(minutes=6)]))
    assert shapely.contains_xy(GRID.buffer(1), *after.T).any()      # back on their beat
    assert not walker.holds("E1")


def test_a_cancelled_errand_is_dropped_and_the_walk_goes_on(town):
    walker, _, _ = walk(town, 5)
    walker.send("E2", *wgs84(shapely.Point(400, 440)).coords[0], stay_s=120)
    walker.cancel("E2")
    fixes, reached = walker.walk(walker.at + timedelta(minutes=10), 10)
    assert reached == [] and not walker.holds("E2") and len(fixes) == 60


def test_the_same_seed_walks_the_same_way(town):
    _, first, _ = walk(town, 30, seed=4, gait=walking.Gait())
    _, again, _ = walk(town, 30, seed=4, gait=walking.Gait())
    _, other, _ = walk(town, 30, seed=5, gait=walking.Gait())
    assert first == again and first != other
