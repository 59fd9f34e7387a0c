"""Cost of the real Audience.accepts (shapely intersects_xy on a prepared geometry) per
event per distinct audience, on the demo database's grid and area geometries."""
import os, random, sys, time
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
import psycopg, shapely
from app.services.live.stream import Audience
from asgi_stream import conninfo

with psycopg.connect(conninfo()) as conn:
    grids = [bytes(r[0]) for r in conn.execute("SELECT ST_AsEWKB(geom) FROM grid WHERE valid_to IS NULL")]
    areas = [bytes(r[0]) for r in conn.execute("SELECT ST_AsEWKB(geom) FROM area WHERE level='community'")]
    minx, miny, maxx, maxy = conn.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                          "(SELECT ST_Extent(geom) e FROM area) s").fetchone()

def audiences(ewkbs, worker=True):
    out = []
    for i, ewkb in enumerate(ewkbs):
        area = shapely.from_wkb(ewkb); shapely.prepare(area)
        out.append(Audience("all", "all", i if worker else None, area, False, key=(i, ewkb)))
    return out

random.seed(1)
events = [{"type": "incident", "id": i, "incident": {"lon": random.uniform(minx, maxx),
           "lat": random.uniform(miny, maxy), "assignee_id": random.randrange(10000)}}
          for i in range(2000)]
for name, auds in (("grid", audiences(grids)), ("community", audiences(areas))):
    t = time.perf_counter(); n = 0
    for e in events:
        for a in auds:
            a.accepts(e); n += 1
    dt = time.perf_counter() - t
    print(f"{name}: {len(auds)} audiences, {dt / n * 1e6:.2f} µs per accepts() call "
          f"(⇒ {dt / n * 640 * 1e3:.2f} ms per event for 640 distinct audiences)")

# 640 distinct grid audiences: judged one by one, or through an STRtree of their areas
grid_polys = []
for k in range(640):
    x, y = minx + (k % 32) * (maxx - minx) / 32, miny + (k // 32) * (maxy - miny) / 20
    p = shapely.Point(x, y).buffer(min(maxx - minx, maxy - miny) / 50, quad_segs=12)  # ~49 vertices
    shapely.prepare(p); grid_polys.append(p)
auds = [Audience("all", "all", None, p, False, key=(k,)) for k, p in enumerate(grid_polys)]
t = time.perf_counter()
for e in events[:500]:
    for a in auds:
        a.accepts(e)
one_by_one = (time.perf_counter() - t) / 500
tree = shapely.STRtree(grid_polys)
t = time.perf_counter()
for e in events:
    tree.query(shapely.Point(e["incident"]["lon"], e["incident"]["lat"]), predicate="intersects")
indexed = (time.perf_counter() - t) / len(events)
print(f"640 grid audiences: {one_by_one * 1e3:.2f} ms/event one by one; {indexed * 1e6:.1f} µs/event via STRtree")
print(f"9,900 per-worker audiences (today's key has worker_id): {9900 * dt / n * 1e3:.1f} ms/event one by one")
