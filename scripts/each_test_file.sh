#!/usr/bin/env bash
# Every test file on its own, once, against SQLite: a file that only passes after another
# file has run (a cache, a registered validator, a fixture's leftovers) fails here. Two at
# a time on two cores; a file's output is shown when it fails.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
JOBS=${JOBS:-2}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

run_one() {
  local file=$1 log="$2/$(basename "$1").log"
  if env -u AKTIV_TEST_PG_URL "$PY" -m pytest -q -p no:cacheprovider "$file" >"$log" 2>&1; then
    echo "ok    $file  $(tail -n 1 "$log")"
  else
    echo "FAIL  $file"; cat "$log"; return 1
  fi
}
export -f run_one
export PY

start=$(date +%s)
ls tests/test_*.py | xargs -P "$JOBS" -I{} bash -c 'run_one "$1" "$2"' _ {} "$logs"
status=$?
echo "Each test file alone: $(ls tests/test_*.py | wc -l) files in $(( $(date +%s) - start )) s."
exit $status
