#!/usr/bin/env bash
# The one run command: installs what is missing, starts PostgreSQL and Redis (embedded ones unless DATABASE_URL /
# REDIS_URL are set) and, when Java is present and NEO4J_BOLT_URL is unset, the embedded Neo4j graph mirror;
# without STRIPE_SECRET_KEY, the local Stripe stand-in (test mode: no card is charged); migrates, seeds the demo
# platform, then serves the portal on 127.0.0.1:8000 with a Celery worker (queues default and gpu) and beat.
# Setup output goes to the log folder; the terminal gets a few progress lines and one summary.
# Environment: PORT (8000), THERMO_BIND (127.0.0.1; 0.0.0.0 serves other machines), DEBUG (off: Django's debug
# pages list every route), STRIPE_SECRET_KEY / STRIPE_WEBHOOK_SECRET (real Stripe), STRIPE_STANDIN_PORT (12111).
# `scripts/run.sh --print-config` prints the resolved settings and exits without starting anything.
# Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-thermodynasty.settings.local}"
export PORT="${PORT:-8000}"
export DEBUG="${DEBUG:-false}"
BIND="${THERMO_BIND:-127.0.0.1}"
STANDIN_PORT="${STRIPE_STANDIN_PORT:-12111}"
DATA="${THERMO_DATA_DIR:-.data}"
if [ -z "${STRIPE_SECRET_KEY:-}" ]; then
  payments="standin"
  export STRIPE_SECRET_KEY="sk_test_standin" STRIPE_WEBHOOK_SECRET="whsec_standin"
  export STRIPE_API_BASE="http://127.0.0.1:$STANDIN_PORT"
else
  payments="stripe"
fi
if [ "${1:-}" = "--print-config" ]; then
  printf 'bind=%s:%s\nDEBUG=%s\npayments=%s\nSTRIPE_API_BASE=%s\n' "$BIND" "$PORT" "$DEBUG" "$payments" \
    "${STRIPE_API_BASE:-https://api.stripe.com}"
  exit 0
fi

bash scripts/bootstrap.sh dev
export PATH="$PWD/.venv/bin:$PATH"
mkdir -p "$DATA/logs"
LOGS="$(cd "$DATA/logs" && pwd)"
SETUP_LOG="$LOGS/setup.log"
: >"$SETUP_LOG"
# Some libraries warn (RuntimeDirWarning) when a login shell has no runtime folder; give them a private one.
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
  export XDG_RUNTIME_DIR="$DATA/run"
  mkdir -p -m 700 "$XDG_RUNTIME_DIR"
fi

# What this script starts, it stops on exit (Ctrl-C included); servers that were already running are left alone.
pids=()
started_services=""
started_graph=""
stop() {
  trap - EXIT INT TERM
  echo "[run] stopping"
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  [ -n "$started_graph" ] && bash scripts/neo4j.sh stop >>"$SETUP_LOG" 2>&1 || true
  [ -n "$started_services" ] && python scripts/services.py down >>"$SETUP_LOG" 2>&1 || true
}
trap stop EXIT INT TERM

# step "what" command...: one line on the terminal, the command's output in setup.log (shown if it fails).
step() {
  local what="$1"; shift
  echo "[run] $what"
  if ! "$@" >>"$SETUP_LOG" 2>&1; then
    echo "[run] failed: $what; the end of $SETUP_LOG:" >&2
    tail -n 25 "$SETUP_LOG" >&2
    return 1
  fi
}

python scripts/services.py status >/dev/null 2>&1 || started_services=1
step "starting PostgreSQL and Redis" python scripts/services.py up
set -a; . "$DATA/services.env"; set +a
graph=""
if [ -z "${NEO4J_BOLT_URL:-}" ] && [ "${THERMO_GRAPH:-on}" != "off" ] && command -v java >/dev/null && [ -f scripts/neo4j.sh ]; then
  bash scripts/neo4j.sh status >/dev/null 2>&1 || started_graph=1
  # neo4j.sh prints the bolt URL with its password: it goes to the log, not the terminal.
  if step "starting the Neo4j graph mirror" bash scripts/neo4j.sh start; then
    export NEO4J_BOLT_URL="bolt://neo4j:thermo-neo4j@127.0.0.1:${NEO4J_BOLT_PORT:-7687}"
  else
    started_graph=""
  fi
fi

# Migrations run as the owner; the app's role then gets only the grants production gives it (README "Database roles").
if [ -n "${DATABASE_OWNER_URL:-}" ]; then
  app_role="$(python -c 'import os, urllib.parse; print(urllib.parse.urlsplit(os.environ["DATABASE_URL"]).username)')"
  step "migrating the database (as its owner)" env DATABASE_URL="$DATABASE_OWNER_URL" \
    python manage.py migrate --noinput --no-color
  step "granting the app role its rights" env DATABASE_URL="$DATABASE_OWNER_URL" \
    python manage.py grant_app_role "$app_role"
else
  step "migrating the database" python manage.py migrate --noinput --no-color
fi
step "collecting static files" python manage.py collectstatic --noinput -v 0 --no-color
step "seeding the demo platform" python manage.py seed_demo --no-color

if [ "$payments" = "standin" ]; then
  python -m tools.stripe_standin --port "$STANDIN_PORT" --api-key "$STRIPE_SECRET_KEY" \
    --webhook-secret "$STRIPE_WEBHOOK_SECRET" \
    --webhook-url "http://127.0.0.1:$PORT/api/v1/billing/stripe/webhook/" >"$LOGS/stripe-standin.log" 2>&1 &
  pids+=($!)
  sleep 1
  kill -0 "$!" 2>/dev/null || echo "[run] the Stripe stand-in did not start (is port $STANDIN_PORT taken? set" \
    "STRIPE_STANDIN_PORT); see $LOGS/stripe-standin.log" >&2
fi
celery -A thermodynasty worker -Q default,gpu,webhooks -c 2 -n "worker@%h" --loglevel=INFO >"$LOGS/worker.log" 2>&1 &
pids+=($!)
celery -A thermodynasty worker -Q ledger -c 1 -n "sealer@%h" --loglevel=INFO >"$LOGS/sealer.log" 2>&1 &
pids+=($!)
# One writer leads every market (an advisory lock per market); orders queue to it and commit in batches.
python manage.py market_writer >"$LOGS/market_writer.log" 2>&1 &
pids+=($!)
celery -A thermodynasty beat --loglevel=INFO -s "$DATA/celerybeat-schedule" >"$LOGS/beat.log" 2>&1 &
pids+=($!)
python manage.py bridge_serve --host "$BIND" --port "${BRIDGE_PORT:-8001}" >"$LOGS/mcp.log" 2>&1 &
pids+=($!)
gunicorn thermodynasty.wsgi:application --bind "$BIND:$PORT" --workers 3 --timeout 120 \
  --access-logfile "$LOGS/access.log" >>"$LOGS/web.log" 2>&1 &
pids+=($!)
web=$!
echo "[run] starting the web server, worker and beat"
probe="$BIND"; [ "$probe" = "0.0.0.0" ] && probe="127.0.0.1"
for _ in $(seq 1 120); do
  python -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://$probe:$PORT/healthz" 2>/dev/null && break
  kill -0 "$web" 2>/dev/null || { echo "[run] the web server stopped; see $LOGS/web.log" >&2; exit 1; }
  sleep 0.5
done
echo
python manage.py run_banner --no-color --host "$BIND" --port "$PORT" --logs "$LOGS"
wait "$web"
