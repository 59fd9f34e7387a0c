"""Stand-in publisher: RATE events/s for SECONDS, each in one random grid, with its publish
time inside. `http` POSTs to nchan's publisher location (one keep-alive connection);
`pg` NOTIFYs a PostgreSQL channel (what the ASGI stream server LISTENs on).
Writes "seq grid" per published event to OUT."""
import argparse, http.client, json, random, time

ap = argparse.ArgumentParser()
ap.add_argument("mode", choices=["http", "pg"])
ap.add_argument("--rate", type=int, required=True)
ap.add_argument("--seconds", type=int, required=True)
ap.add_argument("--start", type=int, default=0)
ap.add_argument("--grids", type=int, default=640)
ap.add_argument("--out", required=True)
ap.add_argument("--url", default="127.0.0.1:8080")
ap.add_argument("--conninfo", default="")
ap.add_argument("--channel", default="bench_stream_shapes")
ap.add_argument("--pad", type=int, default=300)
a = ap.parse_args()
pad = "x" * a.pad          # a real incident event's JSON is ~0.5 kB
if a.mode == "http":
    host, port = a.url.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    def send(seq, g, body):
        conn.request("POST", f"/pub?g={g}", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse(); r.read()
        if r.status >= 300:
            raise SystemExit(f"publish failed {r.status}")
else:
    import psycopg
    pg = psycopg.connect(a.conninfo, autocommit=True)
    def send(seq, g, body):
        pg.execute("SELECT pg_notify(%s, %s)", (a.channel, body))
out = open(a.out, "w")
t0 = time.perf_counter()
n = a.rate * a.seconds
for i in range(n):
    due = t0 + i / a.rate
    wait = due - time.perf_counter()
    if wait > 0:
        time.sleep(wait)
    seq, g = a.start + i, random.randrange(a.grids)
    body = f'{{"type":"incident","s":{seq},"g":{g},"t":{time.time():.6f},"pad":"{pad}"}}'
    send(seq, g, body)
    out.write(f"{seq} {g}\n")
out.close()
print(f"published {n} in {time.perf_counter()-t0:.2f}s", flush=True)
