"""Prometheus figures for operators (docs/ops.md "Metrics"): sources registered by each app, read at scrape time."""
from __future__ import annotations

from apps.ops.metrics.registry import metrics_read_scope_set, metrics_source_register, metrics_sources

__all__ = ["metrics_read_scope_set", "metrics_source_register", "metrics_sources"]
