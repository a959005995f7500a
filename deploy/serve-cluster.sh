#!/usr/bin/env bash
# Several app processes on one PostgreSQL behind nginx, in the foreground: Ctrl-C (or TERM)
# stops them all, and so does any one of them stopping.
#
#   DATABASE_URL=postgresql+psycopg://... AKTIV_COOKIE_KEY=... deploy/serve-cluster.sh
#
# DATABASE_URL              PostgreSQL (required: SQLite is one file for one process)
# AKTIV_COOKIE_KEY          the login cookie's key, the same for every process (required
#                           outside demo mode; in demo mode the one `prepare` keeps is used)
# AKTIV_CLUSTER_LISTEN      where nginx listens (default 127.0.0.1:8500)
# AKTIV_CLUSTER_NODE_PORTS  the app processes' loopback ports (default "8511 8512")
# AKTIV_CLUSTER_DIR         nginx's configuration, pid and logs, and each process's log
#                           (default: a new directory under $TMPDIR or /tmp)
#
# The database is prepared (migrated; in demo mode seeded when empty) once, before the
# processes start, so that they never race to migrate it.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
LISTEN=${AKTIV_CLUSTER_LISTEN:-127.0.0.1:8500}
read -r -a NODE_PORTS <<<"${AKTIV_CLUSTER_NODE_PORTS:-8511 8512}"

fail() { echo "$*" >&2; exit 2; }

[[ ${DATABASE_URL:-} == postgresql* ]] \
  || fail "Klustret behöver PostgreSQL: sätt DATABASE_URL=postgresql+psycopg://…"
[ -x "$NGINX" ] || fail "nginx saknas: installera Debian-paketet nginx (make nginx som root)."
[ "${#NODE_PORTS[@]}" -ge 1 ] || fail "AKTIV_CLUSTER_NODE_PORTS nämner ingen port."

umask 077
RUN_DIR=${AKTIV_CLUSTER_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/aktiv-cluster.XXXXXX")}
mkdir -p "$RUN_DIR/tmp"
# nginx's worker may run as another user (nobody, when nginx is started as root): it may pass
# through the directory, not list it. The files in it are the starting user's alone.
chmod 711 "$RUN_DIR"
cd "$ROOT"

"$PY" -m lib.cli prepare
# Demo mode keeps a generated key beside the database; every process must use the same one.
AKTIV_COOKIE_KEY=${AKTIV_COOKIE_KEY:-$("$PY" -c \
  'from lib.settings import cookie_key, load_settings; print(cookie_key(load_settings()))')}
export AKTIV_COOKIE_KEY
# Streamlit's own signed cookies (the session cookie of st.login) must verify on every process;
# derived from the cookie key, so there is no second secret to hand out.
STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$("$PY" -c '
import hashlib, hmac, os
key = os.environ["AKTIV_COOKIE_KEY"].encode()
print(hmac.new(key, b"streamlit server.cookieSecret", hashlib.sha256).hexdigest())')}
export STREAMLIT_SERVER_COOKIE_SECRET

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_all' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

healthy() {  # url: answers 200 within 2 s
  "$PY" -c 'import sys, urllib.request
try:
    sys.exit(urllib.request.urlopen(sys.argv[1], timeout=2).status != 200)
except OSError:
    sys.exit(1)' "$1"
}

wait_until_healthy() {  # url pid log: the process is up, or its log is shown and we stop
  local deadline=$((SECONDS + 90))
  until healthy "$1"; do
    if ! kill -0 "$2" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      echo "Processen bakom $1 startade inte; dess logg ($3):" >&2
      tail -n 40 "$3" >&2
      exit 1
    fi
    sleep 0.3
  done
}

upstreams="" node_names=""
for i in "${!NODE_PORTS[@]}"; do
  port=${NODE_PORTS[$i]} node=$((i + 1))
  "$PY" -m streamlit run serve.py --server.port="$port" --server.address=127.0.0.1 \
    --server.headless=true --browser.gatherUsageStats=false >"$RUN_DIR/node-$node.log" 2>&1 &
  pids+=($!)
  upstreams+="        server 127.0.0.1:$port max_fails=1 fail_timeout=10s;"$'\n'
  node_names+="        \"~(^|\\s)127\\.0\\.0\\.1:$port\$\" $node;"$'\n'
done
for i in "${!NODE_PORTS[@]}"; do
  wait_until_healthy "http://127.0.0.1:${NODE_PORTS[$i]}/_stcore/health" "${pids[$i]}" \
    "$RUN_DIR/node-$((i + 1)).log"
done

config=$(<"$ROOT/deploy/nginx.conf.template")
config=${config//@@RUN_DIR@@/"$RUN_DIR"}
config=${config//@@LISTEN@@/"$LISTEN"}
config=${config//@@UPSTREAMS@@/"${upstreams%$'\n'}"}
config=${config//@@NODE_NAMES@@/"${node_names%$'\n'}"}
printf '%s\n' "$config" >"$RUN_DIR/nginx.conf"
"$NGINX" -q -t -p "$RUN_DIR" -e "$RUN_DIR/error.log" -c "$RUN_DIR/nginx.conf"
"$NGINX" -p "$RUN_DIR" -e "$RUN_DIR/error.log" -c "$RUN_DIR/nginx.conf" -g "daemon off;" &
pids+=($!)
wait_until_healthy "http://$LISTEN/_stcore/health" "${pids[-1]}" "$RUN_DIR/error.log"

echo "Klustret svarar på http://$LISTEN (${#NODE_PORTS[@]} appprocesser, portarna" \
  "${NODE_PORTS[*]}); loggar i $RUN_DIR."
wait -n "${pids[@]}" || true
echo "En av klustrets processer har stannat; resten stoppas. Loggar i $RUN_DIR." >&2
exit 1
