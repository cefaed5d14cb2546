"""Prometheus `/metrics` and worker heartbeats (docs/ops.md "Metrics")."""
from __future__ import annotations

from thermodynasty.env import env, env_secret

# The bearer token Prometheus sends. Unset, /metrics answers 404: figures are never public by default.
METRICS_TOKEN = env_secret("METRICS_TOKEN", "") or ""
# Every query of one scrape runs under this timeout, below Prometheus' default 10 s scrape timeout.
METRICS_STATEMENT_TIMEOUT_MS = env.int("METRICS_STATEMENT_TIMEOUT_MS", default=5000)
# Queues whose depth is reported besides the default queue, the routed ones and those live workers consume.
OPS_METRICS_QUEUES = env.list("OPS_METRICS_QUEUES", default=[])
# A worker refreshes its heartbeat this often; it counts as gone after three missed beats.
OPS_WORKER_HEARTBEAT_SECONDS = env.int("OPS_WORKER_HEARTBEAT_SECONDS", default=10)
