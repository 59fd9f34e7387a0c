"""One shared SSE load client for both shapes (issue 23).

One process, asyncio (uvloop when installed) raw sockets: opens N Server-Sent Events
connections (100 'walls' that see everything, the rest 'phones' each in one of G grids),
then runs the publisher command once per rate and measures per-delivery latency (publish
time embedded in the event's data), deliveries missing, server CPU per 1,000 events and
server memory per stream (PSS from /proc/<pid>/smaps_rollup, summed over the server pids).

Event data must contain  "s":<seq>,"g":<grid>,"t":<unix time>  (in that order).
"""
from __future__ import annotations

import argparse, asyncio, base64, json, os, re, statistics, subprocess, sys, time

try:
    import uvloop
except ImportError:
    uvloop = None

EVENT = re.compile(rb'"s":(\d+),"g":(\d+),"t":([0-9.]+)')
CLK = os.sysconf("SC_CLK_TCK")


def pids_of(pattern_cmd: str) -> list[int]:
    out = subprocess.run(pattern_cmd, shell=True, capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK
        except OSError:
            pass
    return total


def pss_kb(pids):
    total = 0
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.latencies = []
        self.phone_latencies = []
        self.received = {}      # seq -> deliveries
        self.out_of_order = 0


class Sse(asyncio.Protocol):
    def __init__(self, stats, request: bytes, opened: asyncio.Future, phone: bool):
        self.stats, self.request, self.opened, self.phone = stats, request, opened, phone
        self.buf = b""
        self.headers_done = False
        self.last_seq = -1
        self.closed = False
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        now = time.time()
        if not self.headers_done:
            self.buf += data
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, data = self.buf[:end], self.buf[end + 4:]
            self.buf = b""
            self.headers_done = True
            if not self.opened.done():
                self.opened.set_result(head.split(b"\r\n", 1)[0])
        data = self.buf + data
        cut = data.rfind(b"\n")
        if cut < 0:
            self.buf = data
            return
        self.buf = data[cut + 1:]
        st = self.stats
        for m in EVENT.finditer(data, 0, cut + 1):
            seq = int(m.group(1))
            lat = now - float(m.group(3))
            st.latencies.append(lat)
            if self.phone:
                st.phone_latencies.append(lat)
            st.received[seq] = st.received.get(seq, 0) + 1
            if seq <= self.last_seq:
                st.out_of_order += 1
            self.last_seq = seq

    def connection_lost(self, exc):
        self.closed = True
        if not self.opened.done():
            self.opened.set_result(b"closed")


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def get_latency(url_host, port, path, auth, n):
    """Plain request latency in a separate process (http.client, keep-alive)."""
    code = f"""
import http.client, time, json
c = http.client.HTTPConnection({url_host!r}, {port}, timeout=30)
h = {{"Authorization": {auth!r}}} if {auth!r} else {{}}
ts = []
for i in range({n}):
    t = time.perf_counter(); c.request("GET", {path!r}, headers=h); r = c.getresponse(); r.read()
    ts.append(time.perf_counter() - t)
    assert r.status == 200, r.status
ts.sort()
print(json.dumps({{"p50_ms": ts[len(ts)//2]*1e3, "p99_ms": ts[int(len(ts)*.99)]*1e3, "n": len(ts)}}))
"""
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


async def main(a):
    loop = asyncio.get_running_loop()
    stats = Stats()
    server_pids = lambda: pids_of(a.server_pids)
    walls, grids = a.walls, a.grids
    grid_of = {}
    phones_in = [0] * grids
    result = {"shape": a.label, "n": a.n, "walls": walls, "grids": grids, "phases": []}

    def gets(tag):
        if not a.get_path:
            return None
        p = get_latency(a.get_host, a.get_port, a.get_path, a.get_auth, a.get_n)
        return (tag, p)

    def finish_get(pending):
        if pending is None:
            return
        tag, p = pending
        out, _ = p.communicate()
        try:
            result[f"get_{tag}"] = json.loads(out)
        except ValueError:
            result[f"get_{tag}"] = {"error": out}
        print(f"GET {tag}: {result[f'get_{tag}']}", flush=True)

    finish_get(gets("no_streams"))
    pss0 = pss_kb(server_pids())
    cpu0 = cpu_seconds(server_pids())
    auth = f"Authorization: Bearer {a.token}\r\n" if a.token else ""
    protos = []
    sem = asyncio.Semaphore(a.concurrency)
    statuses = {}

    async def open_one(i):
        if i < walls:
            path = a.wall_path.format(i=i)
        else:
            g = (i - walls) % grids
            grid_of[i] = g
            path = a.phone_path.format(i=i, grid=g)
        req = (f"GET {path} HTTP/1.1\r\nHost: {a.host}:{a.port}\r\nAccept: text/event-stream\r\n"
               f"{auth}\r\n").encode()
        async with sem:
            opened = loop.create_future()
            try:
                _, proto = await loop.create_connection(lambda: Sse(stats, req, opened, i >= walls), a.host, a.port)
                status = await asyncio.wait_for(opened, 30)
            except Exception as e:
                status = type(e).__name__.encode()
                proto = None
        s = status.split(b" ")[1] if status.startswith(b"HTTP/") else status
        statuses[s] = statuses.get(s, 0) + 1
        if proto is not None and s == b"200":
            protos.append((i, proto))

    t0 = time.perf_counter()
    await asyncio.gather(*(open_one(i) for i in range(a.n)))
    open_s = time.perf_counter() - t0
    accepted = [i for i, p in protos]
    for i in accepted:
        if i >= walls:
            phones_in[grid_of[i]] += 1
    n_walls = sum(1 for i in accepted if i < walls)
    await asyncio.sleep(3)
    pss1 = pss_kb(server_pids())
    cpu1 = cpu_seconds(server_pids())
    result.update(accepted=len(accepted), statuses={k.decode(): v for k, v in statuses.items()},
                  open_seconds=round(open_s, 2), cpu_open_s=round(cpu1 - cpu0, 2),
                  pss_before_kb=pss0, pss_after_kb=pss1,
                  kb_per_stream=round((pss1 - pss0) / max(1, len(accepted)), 2))
    print(f"opened {len(accepted)}/{a.n} in {open_s:.1f}s statuses={result['statuses']} "
          f"kB/stream={result['kb_per_stream']}", flush=True)
    finish_get(gets("idle_streams"))

    for k, rate in enumerate(a.rates):
        stats.reset()
        start_seq = (k + 1) * 1_000_000
        log = os.path.join(a.workdir, f"published_{a.label}_{rate}.txt")
        cmd = a.publish.format(rate=rate, seconds=a.seconds, start=start_seq, out=log)
        c0 = cpu_seconds(server_pids())
        get_pending = gets(f"during_{rate}")
        proc = await asyncio.create_subprocess_shell(cmd)
        await proc.wait()
        await asyncio.sleep(a.drain)
        c1 = cpu_seconds(server_pids())
        finish_get(get_pending)
        published = [tuple(map(int, l.split())) for l in open(log) if l.strip()]
        expected = sum(n_walls + phones_in[g] for _, g in published)
        got = sum(min(stats.received.get(s, 0), n_walls + phones_in[g]) for s, g in published)
        lat = stats.latencies
        alive = sum(1 for _, p in protos if not p.closed)
        phase = dict(rate=rate, published=len(published),
                     achieved_rate=round(len(published) / a.seconds, 1),
                     expected=expected, delivered=len(lat), missing=expected - got,
                     out_of_order=stats.out_of_order,
                     p50_ms=round(pct(lat, .5) * 1e3, 1) if lat else None,
                     p99_ms=round(pct(lat, .99) * 1e3, 1) if lat else None,
                     max_ms=round(max(lat) * 1e3, 1) if lat else None,
                     phone_p50_ms=round(pct(stats.phone_latencies, .5) * 1e3, 1) if stats.phone_latencies else None,
                     phone_p99_ms=round(pct(stats.phone_latencies, .99) * 1e3, 1) if stats.phone_latencies else None,
                     cpu_s=round(c1 - c0, 2),
                     cpu_s_per_1k_events=round((c1 - c0) / max(1, len(published)) * 1000, 2),
                     streams_alive=alive,
                     pss_kb=pss_kb(server_pids()))
        result["phases"].append(phase)
        print(json.dumps(phase), flush=True)
    result["get_ratio_idle"] = (result.get("get_idle_streams", {}).get("p50_ms", 0) /
                                result.get("get_no_streams", {}).get("p50_ms", 1)) if a.get_path else None
    with open(os.path.join(a.workdir, f"result_{a.label}.json"), "w") as f:
        json.dump(result, f, indent=1)
    for _, p in protos:
        p.transport.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--label", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--wall-path", required=True)
    ap.add_argument("--phone-path", required=True, help="with {grid} and {i}")
    ap.add_argument("--token", default="")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--walls", type=int, default=100)
    ap.add_argument("--grids", type=int, default=640)
    ap.add_argument("--concurrency", type=int, default=500)
    ap.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")], default=[50, 200, 400])
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--drain", type=float, default=3)
    ap.add_argument("--publish", required=True, help="shell command with {rate} {seconds} {start} {out}")
    ap.add_argument("--server-pids", required=True, help="shell command printing the server pids")
    ap.add_argument("--get-host", default="127.0.0.1")
    ap.add_argument("--get-port", type=int, default=0)
    ap.add_argument("--get-path", default="")
    ap.add_argument("--get-auth", default="Basic " + base64.b64encode(b"operator:demo").decode())
    ap.add_argument("--get-n", type=int, default=200)
    ap.add_argument("--workdir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "run"))
    a = ap.parse_args()
    if uvloop:
        uvloop.install()
    asyncio.run(main(a))
