#!/usr/bin/env bash
# Start a private PostgreSQL 15 cluster on a local port for the test suite, installing
# Debian's package when it is missing. Prints the database URL on its last line.
# Usage: scripts/pg_test_server.sh [start|stop]
set -euo pipefail
PORT="${AKTIV_PG_PORT:-54329}"
DIR="${AKTIV_PG_DIR:-/tmp/aktiv-pg-$PORT}"
BIN="/usr/lib/postgresql/15/bin"
URL="postgresql+psycopg://aktiv@127.0.0.1:$PORT/aktiv_test"

as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "${1:-start}" = stop ]; then
  [ -d "$DIR" ] && as_postgres "$BIN/pg_ctl" -D "$DIR" -m fast stop >/dev/null 2>&1 || true
  exit 0
fi

if [ ! -x "$BIN/postgres" ]; then
  if [ "$(id -u)" != 0 ]; then echo "PostgreSQL 15 is missing; install postgresql-15 as root." >&2; exit 1; fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >&2
fi

if ! as_postgres "$BIN/pg_isready" -h 127.0.0.1 -p "$PORT" -q; then
  if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    as_postgres "$BIN/initdb" -D "$DIR" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_postgres "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
fi

psql_() { as_postgres psql -h 127.0.0.1 -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qtAc "$1"; }
[ "$(psql_ "SELECT 1 FROM pg_roles WHERE rolname='aktiv'")" = 1 ] || psql_ "CREATE ROLE aktiv LOGIN CREATEDB"
# The tests drop their databases WITH (FORCE), which may end lingering connections.
psql_ "GRANT pg_signal_backend TO aktiv"
[ "$(psql_ "SELECT 1 FROM pg_database WHERE datname='aktiv_test'")" = 1 ] || psql_ "CREATE DATABASE aktiv_test OWNER aktiv"
echo "$URL"
