#!/usr/bin/env bash
# A database for `make serve-cluster` on this machine: `aktiv_cluster` in the private
# PostgreSQL that scripts/pg_test_server.sh starts (and installs when missing, as root).
# Created when missing, kept between runs. Prints its URL.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PY:-$ROOT/.venv/bin/python}
server=$("$ROOT/scripts/pg_test_server.sh" | tail -n 1)
"$PY" - "$server" "${AKTIV_CLUSTER_DATABASE:-aktiv_cluster}" <<'EOF'
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

server, name = make_url(sys.argv[1]), sys.argv[2]
admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
with admin.connect() as conn:
    if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
admin.dispose()
print(server.set(database=name).render_as_string(hide_password=False))
EOF
