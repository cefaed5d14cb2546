#!/usr/bin/env bash
# Regenerates the SDK's models.py and operations.py from the API schema (run after changing an API).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp)"
DATABASE_URL="${DATABASE_URL:-postgres://x:y@127.0.0.1:1/x}" .venv/bin/python manage.py spectacular \
  --format openapi-json --file "$tmp" >/dev/null
.venv/bin/python sdk/python/tools/generate.py "$tmp" sdk/python/src/thermodynasty_sdk
rm -f "$tmp"
echo "[sdk] regenerated sdk/python/src/thermodynasty_sdk/{models,operations}.py"
