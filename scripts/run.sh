#!/usr/bin/env bash
# The one run command: installs what is missing, starts PostgreSQL and Redis (embedded ones unless DATABASE_URL /
# REDIS_URL are set) and, when Java is present and NEO4J_BOLT_URL is unset, the embedded Neo4j graph mirror;
# migrates, seeds the demo platform, then serves the portal on :8000 with a Celery worker (queues default and gpu)
# and beat. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh dev
export PATH="$PWD/.venv/bin:$PATH"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-thermodynasty.settings.local}"
DATA="${THERMO_DATA_DIR:-.data}"
mkdir -p "$DATA/logs"

# What this script starts, it stops on exit (Ctrl-C included); servers that were already running are left alone.
pids=()
started_services=""
started_graph=""
stop() {
  trap - EXIT INT TERM
  echo "[run] stopping"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$started_graph" ] && bash scripts/neo4j.sh stop || true
  [ -n "$started_services" ] && python scripts/services.py down || true
}
trap stop EXIT INT TERM

python scripts/services.py status >/dev/null 2>&1 || started_services=1
python scripts/services.py up
set -a; . "$DATA/services.env"; set +a
if [ -z "${NEO4J_BOLT_URL:-}" ] && [ "${THERMO_GRAPH:-on}" != "off" ] && command -v java >/dev/null && [ -f scripts/neo4j.sh ]; then
  bash scripts/neo4j.sh status >/dev/null 2>&1 || started_graph=1
  bash scripts/neo4j.sh start && export NEO4J_BOLT_URL="bolt://neo4j:thermo-neo4j@127.0.0.1:${NEO4J_BOLT_PORT:-7687}" \
    || { started_graph=""; echo "[run] the graph server did not start: the graph mirror is off"; }
fi
[ -z "${NEO4J_BOLT_URL:-}" ] && echo "[run] no NEO4J_BOLT_URL: the graph mirror is off"

# Migrations run as the owner; the app's role then gets only the grants production gives it (README "Database roles").
if [ -n "${DATABASE_OWNER_URL:-}" ]; then
  DATABASE_URL="$DATABASE_OWNER_URL" python manage.py migrate --noinput
  DATABASE_URL="$DATABASE_OWNER_URL" python manage.py grant_app_role \
    "$(python -c 'import os, urllib.parse; print(urllib.parse.urlsplit(os.environ["DATABASE_URL"]).username)')"
else
  python manage.py migrate --noinput
fi
python manage.py collectstatic --noinput -v 0
python manage.py seed_demo

celery -A thermodynasty worker -Q default,gpu -c 2 -n "worker@%h" --loglevel=INFO >"$DATA/logs/worker.log" 2>&1 &
pids+=($!)
celery -A thermodynasty beat --loglevel=INFO -s "$DATA/celerybeat-schedule" >"$DATA/logs/beat.log" 2>&1 &
pids+=($!)
echo "[run] Celery worker and beat started (logs in $DATA/logs/)"
echo "[run] portal: http://127.0.0.1:${PORT:-8000}/   back office: /admin/   API docs: /api/docs/"
gunicorn thermodynasty.wsgi:application --bind "0.0.0.0:${PORT:-8000}" --workers 3 --timeout 120 \
  --access-logfile - &
pids+=($!)
wait "${pids[-1]}"
