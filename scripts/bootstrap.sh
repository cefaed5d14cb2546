#!/usr/bin/env bash
# Creates .venv and installs the pinned requirements (base or dev). Re-runs are quick: pip only runs when the
# requirement files changed. torch is large; pip's cache serves it after the first install on a machine.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour="${1:-base}"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "[bootstrap] creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.requirements-$flavour.sha256"
want="$(cat requirements/base.txt requirements/dev.txt | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[bootstrap] installing requirements/$flavour.txt (first time on a machine takes a few minutes: torch)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r "requirements/$flavour.txt"
  echo "$want" > "$stamp"
fi
