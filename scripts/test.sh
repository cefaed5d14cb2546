#!/usr/bin/env bash
# The one test command: sets everything up on a fresh machine and runs the whole suite against real
# PostgreSQL, Redis (Valkey) and Neo4j — the configured ones (DATABASE_URL, REDIS_URL, NEO4J_BOLT_URL) or embedded
# servers started here and stopped afterwards. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
export PATH="$PWD/.venv/bin:$PATH"

if ! command -v chromium >/dev/null 2>&1; then
  echo "[test] installing Debian's chromium for the browser test"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
    || echo "[test] chromium could not be installed; the browser test will fail"
fi

started_services=""
cleanup() {
  if [ -n "$started_services" ]; then
    [ -f scripts/neo4j.sh ] && [ -z "${NEO4J_WAS_SET:-}" ] && bash scripts/neo4j.sh stop || true
    python scripts/services.py down || true
  fi
}
trap cleanup EXIT

was_running=0
python scripts/services.py status >/dev/null 2>&1 && was_running=1 || true
# Tests only: the embedded PostgreSQL may skip fsync and synchronous commit (a crash here loses nothing promised).
echo "[test] embedded PostgreSQL: --fast (fsync and synchronous commit off) unless it already runs durable"
python scripts/services.py up --fast
[ "$was_running" = 0 ] && started_services=1
set -a; . "${THERMO_DATA_DIR:-.data}/services.env"; set +a

NEO4J_WAS_SET="${NEO4J_BOLT_URL:-}"
if [ -z "${NEO4J_BOLT_URL:-}" ] && [ -f scripts/neo4j.sh ]; then
  bash scripts/neo4j.sh start
  export NEO4J_BOLT_URL="bolt://neo4j:thermo-neo4j@127.0.0.1:${NEO4J_BOLT_PORT:-7687}"
fi

echo "[test] import contracts (kernels never import Django; apps depend downwards: .importlinter)"
PYTHONPATH="$PWD" lint-imports --no-cache

echo "[test] ruff and mypy"
ruff check .
# mypy only parses the settings (django-stubs); no connection is made, so any well-formed URL will do.
DATABASE_URL="${DATABASE_URL:-postgres://mypy:mypy@127.0.0.1:1/mypy}" mypy apps kernels thermodynasty

echo "[test] pytest"
set +e
python -m pytest "$@"
rc=$?
set -e
if [ "$rc" = 5 ]; then echo "[test] no tests were collected"; fi
exit "$rc"
