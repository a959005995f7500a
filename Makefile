# Aktiv uppföljning. Quick start: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | md5sum | cut -c1-8)
# `make run` serves the demo region unless told otherwise (AKTIV_DEMO=0 for production).
export AKTIV_DEMO ?= 1

.PHONY: setup run migrate test test-pg test-each lint bench load chromium catalogue clean oidc \
	serve-cluster nginx

$(STAMP):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) -m lib.cli prepare

run: migrate
	$(PY) -m streamlit run serve.py

# Two app processes on one PostgreSQL behind nginx, on http://127.0.0.1:8500
# (deploy/serve-cluster.sh says what can be set). Without DATABASE_URL: the database
# aktiv_cluster in the local PostgreSQL of scripts/pg_test_server.sh.
serve-cluster: setup nginx
	DATABASE_URL=$${DATABASE_URL:-$$(PY=$(PY) deploy/local-database.sh)} PY=$(PY) \
	  deploy/serve-cluster.sh

# Debian's Chromium for the browser tests, and DejaVu fonts for PDFs with any name in them;
# installed when missing and we are root.
chromium:
	@if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
	      fonts-dejavu-core; \
	  else echo "Installera Debian-paketen chromium och fonts-dejavu-core för webbläsartesterna."; fi; \
	fi

# Debian's nginx for the cluster (serve-cluster) and its browser test; installed when missing
# and we are root.
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
	  else echo "Installera Debian-paketet nginx för klustret och dess webbläsartest."; fi; \
	fi

# The OpenID Connect provider the single sign-on tests start (npm's oidc-provider, at the
# version tests/oidc/package-lock.json holds); installed when missing.
oidc:
	@if [ ! -d tests/oidc/node_modules/oidc-provider ]; then \
	  if command -v npm >/dev/null; then npm ci --silent --no-audit --no-fund --prefix tests/oidc; \
	  else echo "Installera Node.js och npm för testerna av inloggningstjänsten."; fi; \
	fi

lint: setup
	$(PY) -m ruff check .

test: setup chromium nginx oidc lint
	$(PY) -m pytest -n 2 --dist loadgroup

# Each test file on its own, once, against SQLite (CI runs it after the suite).
test-each: setup chromium oidc
	PY=$(PY) scripts/each_test_file.sh

# The same suite against a private PostgreSQL 15 on a local port (installed when missing).
test-pg: setup chromium
	AKTIV_TEST_PG_URL=$$(scripts/pg_test_server.sh | tail -n 1) $(MAKE) test

# Seeds bench/region.db (60 000 students, about 10 M rows) on first use: several minutes.
bench: setup
	$(PY) -m bench.run

# Simulated users over Streamlit's own protocol against the served app on a fresh demo
# database (bench/load.py): 1, 10, 20, 40 users on SQLite and PostgreSQL into bench/load.json.
# LOAD_ARGS="--users 40 --database sqlite" for one measurement; --url for an app already running.
load: setup
	$(PY) -m bench.load $(LOAD_ARGS)

# New texts marked with _() or N_() into the English catalogue (translations kept); then
# write their English in lib/locale/en/LC_MESSAGES/app.po. tests/test_i18n.py lists any missing.
catalogue: setup
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k N_ --no-location --sort-output \
	  -o lib/locale/app.pot .
	$(VENV)/bin/pybabel -q update -i lib/locale/app.pot -d lib/locale -D app -l en \
	  --no-fuzzy-matching --ignore-obsolete -w 100
	rm -f lib/locale/app.pot

clean:
	rm -rf $(VENV) .pytest_cache
