"""Every benchmark under bench/ runs at its smoke size (`--smoke`: the scale-1 city, a second
or two of load, one run) and prints the table with the figures it promises. The figures'
values are not checked — the machines are shared and noisy — only that each is there, so
that no benchmark can stop working without the suite saying so.

They run on the embedded cluster (var/), in databases of their own (gridmap_bench_scale1 and
gridmap_bench_wall_scale1), made on the first run and kept, as a benchmark's are."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from app.config import ROOT

NUMBER = r"[\d,.]+"

# benchmark → what its report must say, each with a figure where it promises one
PROMISES = {
    "layers": [
        rf"\| buildings in a bbox \(limit 1000\) \| gridmap \| {NUMBER} \| {NUMBER} \| {NUMBER} \| {NUMBER} features",
        rf"\| all grids \| gridmap \| {NUMBER} \|",
        rf"\| incidents, status=reported, one page \| gridmap \| {NUMBER} \|",
        rf"\| buildings tile z15 [\d/]+ \| gridmap \| {NUMBER} \|",
        rf"\| buildings tile z17 [\d/]+ \| gridmap \| {NUMBER} \|",
        rf"\| grids tile z13 [\d/]+ \| gridmap \| {NUMBER} \|",
        rf"\| all grids \| [^|]+ \| [^|]+ \| {NUMBER}× \({NUMBER} / {NUMBER} ms\) \| {NUMBER}× \|",
        rf"\| incidents, filter status = 'reported' \(CQL2\), one page \| incidents, status=reported, one page "
        rf"\| gridmap \| {NUMBER}× \| 1.2× \|",
        rf"\| buildings in a bbox \(limit 1000\), crs=EPSG:3857 \| [^|]+ \| gridmap \| {NUMBER}× \| 1.3× \|",
        rf"\| buildings in a bbox \(limit 1000\), crs=EPSG:4490 \| [^|]+ \| gridmap \| {NUMBER}× \| 1.3× \|",
        rf"An empty Flask answer .* p50 {NUMBER} ms",
    ],
    "hosts": [
        rf"\| report → wall, reports through host A \| same host: p50 {NUMBER} ms, p99 {NUMBER} ms .*"
        rf"\| other host \(B\): p50 {NUMBER} ms, p99 {NUMBER} ms \({NUMBER} pairs, 0 missing\)",
        rf"\| intake through the public port, {NUMBER} posters \| {NUMBER} reports/s \(0 errors\) "
        rf"\| {NUMBER} reports/s \(0 errors\) \|",
        r"\| every wall got every report \| True \| True \|",
        rf"\| server CPU per report \(every process of the set-up\) \| {NUMBER} ms \| {NUMBER} ms \|",
        rf"\| buildings in a bbox \(limit 1000\), {NUMBER} connections \| {NUMBER} req/s, p50 {NUMBER} ms \(0 errors\) "
        rf"\| {NUMBER} req/s, p50 {NUMBER} ms \(0 errors\) \|",
        rf"\| buildings tile z15 [\d/]+, {NUMBER} connections \| {NUMBER} req/s, p50 {NUMBER} ms \(0 errors\) "
        rf"\| {NUMBER} req/s, p50 {NUMBER} ms \(0 errors\) \|",
        rf"Across hosts: reports through host A reached the walls on host B in p99 {NUMBER} ms \(0 missing\)",
        rf"Two hosts ÷ one: intake {NUMBER}×, buildings in a bbox \(limit 1000\) {NUMBER}×, buildings tile z15 [\d/]+ {NUMBER}×",
    ],
    "incidents": [
        rf"p50 {NUMBER} ms, p99 {NUMBER} ms, max {NUMBER} ms over {NUMBER} report×client pairs \(0 missing\)",
        rf"sustained intake, .*: {NUMBER} reports/s, .*0 errors; every client got every report: True",
        rf"CPU per report: server {NUMBER} ms \(gunicorn {NUMBER}, stream server {NUMBER}, nginx {NUMBER}\), PostgreSQL {NUMBER} ms",
        rf"live fan-out: the stream server's CPU per event per 100 walls {NUMBER} ms",
        rf"GET /api/v1/categories p50: {NUMBER} ms with no stream open, {NUMBER} ms with {NUMBER} open",
    ],
    "positions": [
        rf"Gridmap: {NUMBER} fixes/s \({NUMBER} in {NUMBER} s, {NUMBER} stored, 0 errors\)",
        rf"stored: {NUMBER} fixes/s",
        rf"CPU per fix: server {NUMBER} µs \(gunicorn {NUMBER}, stream server {NUMBER}, nginx {NUMBER}\), PostgreSQL {NUMBER} µs",
        rf"bare INSERT, one connection: {NUMBER} fixes/s +Gridmap ÷ bare: {NUMBER}",
        rf"patrol coverage, every grid, one day: {NUMBER} s for {NUMBER} grids",
        rf"nearest workers along the roads .*p50 {NUMBER} ms, p99 {NUMBER} ms",
    ],
    "wall": [
        rf"/wall +{NUMBER}s +{NUMBER}s +{NUMBER}kB +{NUMBER} +{NUMBER} +{NUMBER}ms",
        rf"/ +{NUMBER}s +{NUMBER}s +{NUMBER}kB",
        rf"/wall ÷ / : ready {NUMBER}×, bytes {NUMBER}×",
    ],
    "cameras": [
        rf"past the buildings: {NUMBER} s \({NUMBER} ms per camera; {NUMBER} see nothing",
        rf"plain sector, same code path: {NUMBER} s .* ratio {NUMBER}",
        rf"blind spots of every road: {NUMBER} s",
        rf"coverage statistics, every grid: {NUMBER} s for {NUMBER} grids",
        rf"placement suggestions for one community: {NUMBER} s",
    ],
    "division": [
        rf"\| Helsinki \(tuned\) \| blocks \| {NUMBER} \| {NUMBER}% \| {NUMBER} \| {NUMBER}–{NUMBER} \| {NUMBER} \| {NUMBER}× \| {NUMBER} \|",
        rf"\| Helsinki \(tuned\) \| bisection \| {NUMBER} \| {NUMBER}% \|",
        rf"\| hexi organic ×1 \(tuned\) \| blocks \| {NUMBER} \| {NUMBER}% \|",
    ],
    "register": [
        rf"\| floor: GET /api/v1/users/me \| {NUMBER} \| {NUMBER} \| 1.0× \|",
        rf"\| search by name \(2 characters\) \| {NUMBER} \| {NUMBER} \| {NUMBER}× \| < 100 ms \|",
        rf"\| search by phone \| {NUMBER} \| {NUMBER} \| {NUMBER}× \| < 100 ms \|",
        rf"\| search by ID number \| {NUMBER} \| {NUMBER} \| {NUMBER}× \| < 100 ms \|",
        rf"\| building card \| {NUMBER} \| {NUMBER} \| {NUMBER}× \| < 50 ms \|",
        rf"\| every grid's figures \| {NUMBER} \| {NUMBER} \| {NUMBER}× \| < 1,000 ms \|",
    ],
    "register_import": [
        rf"register import: {NUMBER} rows \({NUMBER} houses, {NUMBER} residents, {NUMBER} organisations\)",
        rf"first import: {NUMBER} rows in {NUMBER} s, {NUMBER} rows/s \({NUMBER} added, {NUMBER} refused\)",
        rf"import again, unchanged: {NUMBER} rows in {NUMBER} s, {NUMBER} rows/s "
        rf"\(0 added, 0 changed, {NUMBER} unchanged, {NUMBER} refused\)",
    ],
    "plans": [
        rf"plan {NUMBER}: {NUMBER} grids, {NUMBER} buildings",
        rf"full validation \(read \+ every check\): median {NUMBER} ms",
        rf"PostGIS ST_Overlaps self-join: +median {NUMBER} ms",
        rf"self-join ÷ validation = {NUMBER}",
    ],
    "replica": [
        rf"\| reads on the replica, intake on the primary \| {NUMBER} \| {NUMBER} \| {NUMBER} \| {NUMBER}% \| {NUMBER} \| 0 \|",
        rf"\| both on the primary \| {NUMBER} \| {NUMBER} \| {NUMBER} \| 0% \| {NUMBER} \| 0 \|",
        rf"layers, reads on the replica ÷ both on the primary: {NUMBER}× \(req/s\); intake {NUMBER}× \(reports/s\)",
        rf"replica lag while measured: at most {NUMBER} bytes behind, replay lag at most {NUMBER} s",
    ],
    "streams": [
        rf"\| streams answered \(200 \+ hello\) \| {NUMBER} / {NUMBER} \(",
        rf"\| opening: until the last answer \| {NUMBER} s",
        rf"\| server memory per open stream \(PSS\) \| -?{NUMBER} kB",    # < 0 happens with 50 streams
        rf"\| GET /api/v1/categories p50, no stream open \| {NUMBER} ms",
        rf"\| GET /api/v1/categories p50, streams open, idle \| {NUMBER} ms",
        # a rate's row: reports made, delays, nothing missing, nothing another grid's (privacy)
        rf"\| {NUMBER} → {NUMBER} \| {NUMBER} / {NUMBER} \| {NUMBER} / {NUMBER} \| {NUMBER} / {NUMBER} \| {NUMBER} \| 0 \| 0 \| {NUMBER} \|",
        rf"Intake with {NUMBER} streams open: {NUMBER} reports/s \({NUMBER} in {NUMBER} s, 0 errors\)",
    ],
}


@pytest.fixture(scope="module")
def embedded_cluster(cluster):
    if os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL"):
        pytest.skip("the benchmarks run on the embedded cluster; a database URL is set")
    return cluster


def test_every_benchmark_has_a_smoke_test():
    benchmarks = {p.stem for p in (ROOT / "bench").glob("*.py")} - {"common", "flask_floor"}
    assert benchmarks == set(PROMISES)


@pytest.mark.parametrize("name", sorted(PROMISES))
def test_the_benchmark_runs_at_smoke_size_and_prints_its_figures(embedded_cluster, name):
    run = subprocess.run([sys.executable, str(ROOT / "bench" / f"{name}.py"), "--smoke"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    missing = [promise for promise in PROMISES[name] if not re.search(promise, run.stdout)]
    assert missing == [], run.stdout
    assert "page errors" not in run.stdout
    if name == "layers" and not (ROOT / "bench" / ".venv" / ".installed").exists():
        assert "TiPG and pygeoapi skipped: their virtualenv bench/.venv is absent" in run.stdout
