# Two commands on a fresh Debian/Ubuntu machine:  make run   |   make test
# Each step runs only when what it makes is missing or out of date.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT  ?= 5000
export FLASK_APP := app

# Debian packages: the database (unless DATABASE_URL points elsewhere), nginx in front of
# the servers (deploy/nginx.conf), a CJK font and Pango, with which WeasyPrint prints the
# assessment report in Chinese (and screenshots show the Chinese UI), and, for tests, the
# browser, GDAL (a real OGC API client), poppler (pdftoppm, pdftotext read the PDFs back) and
# pgbouncer (the stream's tests run again through it).
DB_PACKAGES      := postgresql-15 postgresql-15-postgis-3
FONT_PACKAGES    := fonts-wqy-zenhei libpango-1.0-0 libpangoft2-1.0-0
TEST_PACKAGES := chromium gdal-bin poppler-utils pgbouncer

.PHONY: run run-hosts bench-hosts bench-replica test bench bench-incidents bench-streams bench-wall bench-positions bench-cameras bench-plans bench-division bench-register bench-register-import setup demo system-db system-nginx system-fonts system-test-tools db-stop clean-db

run: setup system-nginx system-fonts demo
	@echo ""
	@echo "  Gridmap is serving the demo city on http://127.0.0.1:$(PORT)  (Ctrl-C stops it)"
	@echo "  with simulated incidents; make run RUN_ARGS=--no-simulate serves it quiet."
	@echo ""
	$(FLASK) serve --port $(PORT) $(RUN_ARGS)

# Several app hosts on this machine behind one nginx, as a city runs them on several machines
# (flask serve-hosts): nginx on PORT, the HOSTS hosts on the ports after it.
HOSTS ?= 2
run-hosts: setup system-nginx system-fonts demo
	@echo ""
	@echo "  Gridmap is serving the demo city on http://127.0.0.1:$(PORT) from $(HOSTS) app hosts"
	@echo "  (ports $$(($(PORT)+1))–$$(($(PORT)+$(HOSTS)))) behind one nginx  (Ctrl-C stops them all)"
	@echo ""
	$(FLASK) serve-hosts --port $(PORT) --hosts $(HOSTS) $(RUN_ARGS)

test: setup system-nginx system-fonts system-test-tools
	$(PY) -m pytest $(PYTEST_ARGS)

# Gridmap's layers against TiPG and pygeoapi (installed into bench/.venv) on the scale-10 city;
# SCALE=100 (here and for bench-wall): a whole city, 100 streets and 6,400 grids.
bench: setup
	$(PY) bench/layers.py $(if $(SCALE),--scale $(SCALE)) $(BENCH_ARGS)

# The incident loop: live-event latency with 100 open streams, report intake, many streams.
bench-incidents: setup
	$(PY) bench/incidents.py $(BENCH_ARGS)

# 10,000 open live streams: walls and phones, reports reaching them, other requests beside them.
bench-streams: setup system-nginx
	$(PY) bench/streams.py $(BENCH_ARGS)

# Two app hosts behind nginx against one: intake and layer throughput with 100 walls across both.
bench-hosts: setup system-nginx
	$(PY) bench/hosts.py $(BENCH_ARGS)

# Layer reads on a streaming replica while intake runs on the primary, against both on the primary.
bench-replica: setup
	$(PY) bench/replica.py $(BENCH_ARGS)

bench-wall: setup
	$(PY) bench/wall.py $(if $(SCALE),--scale $(SCALE)) $(BENCH_ARGS)

bench-positions: setup
	$(PY) bench/positions.py $(BENCH_ARGS)

bench-cameras: setup
	$(PY) bench/cameras.py $(BENCH_ARGS)

# Validation of a ~1,000-grid plan against PostGIS's pairwise ST_Overlaps self-join.
bench-plans: setup
	$(PY) bench/plans.py $(BENCH_ARGS)

# Grids along the ground (blocks) against straight bisection, on real and synthetic towns.
bench-division: setup
	$(PY) bench/division.py $(BENCH_ARGS)

# The register at a district's size: search, the building card and every grid's figures.
bench-register: setup
	$(PY) bench/register.py $(BENCH_ARGS)

# The register's Excel import: 100,000 rows (houses, residents, organisations) in under 60 s.
bench-register-import: setup
	$(PY) bench/register_import.py $(BENCH_ARGS)

setup: system-db $(VENV)/.installed node_modules/.installed

demo: setup
	$(FLASK) setup-demo $(DEMO_ARGS)

system-db:
	@if [ -n "$$DATABASE_URL" ]; then exit 0; fi; \
	if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing PostgreSQL + PostGIS from the OS packages…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DB_PACKAGES); \
	  else \
	    echo "PostGIS is not installed and this is not root. Install the Debian packages"; \
	    echo "  sudo apt-get install $(DB_PACKAGES)"; \
	    echo "or point Gridmap at an existing PostGIS with DATABASE_URL=postgresql+psycopg://user:pw@host/db"; \
	    exit 1; \
	  fi; \
	fi

system-nginx:
	@if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing nginx from the OS packages…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else \
	    echo "nginx is not installed: sudo apt-get install nginx  (or: flask serve --no-proxy)"; exit 1; \
	  fi; \
	fi

system-fonts:
	@missing=""; \
	[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing="$$missing fonts-wqy-zenhei"; \
	ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing for the PDF reports…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "The PDF reports need Debian's$$missing: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

system-test-tools:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -x /usr/bin/ogrinfo ] || missing="$$missing gdal-bin"; \
	[ -x /usr/bin/pdftoppm ] || missing="$$missing poppler-utils"; \
	[ -x /usr/sbin/pgbouncer ] || missing="$$missing pgbouncer"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "Installing$$missing for the tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "The tests need Debian's$$missing: sudo apt-get install$$missing"; exit 1; \
	  fi; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

db-stop:
	$(FLASK) db-server stop

# Removes the embedded cluster and all its data, its replica (var/replica) with it.
clean-db: db-stop
	rm -rf var/pgdata var/pgport var/pgpassword var/pgrun var/postgres.log var/replica var/pgreplication
