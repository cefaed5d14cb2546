"""Ingest figures for /metrics (registered in SignalsConfig.ready)."""
from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Sum
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from apps.signals.models import Stream


def signals_metrics() -> Iterator[Metric]:
    # Each stream counts its own points as they are stored; summing streams avoids counting the partitioned
    # points table on every scrape. Streams are never deleted, so the sum only grows.
    totals = Stream.objects.aggregate(points=Sum("point_count"), streams=Count("id"))
    yield CounterMetricFamily("thermodynasty_ingested_points", "Telemetry points stored.",
                              value=totals["points"] or 0)
    yield GaugeMetricFamily("thermodynasty_streams", "Telemetry streams.", value=totals["streams"])
