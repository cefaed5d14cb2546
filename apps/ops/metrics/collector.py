"""One scrape: every registered source, read at scrape time from PostgreSQL and Redis, so any gunicorn worker
answers the same figures (nothing lives in a process's memory). The database reads share one read-only
snapshot; a failing source costs only its own families and shows as `thermodynasty_metrics_source_up 0`."""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from django.conf import settings
from django.db import connection, transaction
from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from apps.ops.metrics.registry import metrics_read_scope, metrics_sources

logger = logging.getLogger(__name__)


def _begin_snapshot(*, outermost: bool) -> None:
    with connection.cursor() as cursor:
        if outermost:  # only a transaction's first statement may set its isolation (tests wrap theirs)
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        # A slow query must not hold a scrape (and a gunicorn worker) past Prometheus' own scrape timeout.
        cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(settings.METRICS_STATEMENT_TIMEOUT_MS)])


class ScrapeCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("thermodynasty_metrics_source_up",
                               "1 when the source answered this scrape, 0 when it failed (see the web log).",
                               labels=["source"])
        took = GaugeMetricFamily("thermodynasty_metrics_source_duration_seconds",
                                 "Time the source took in this scrape.", labels=["source"])
        families: list[Metric] = []
        outermost = not connection.in_atomic_block
        with metrics_read_scope(), transaction.atomic():
            _begin_snapshot(outermost=outermost)
            for name, source in metrics_sources().items():
                started = time.perf_counter()
                try:
                    with transaction.atomic():  # a savepoint: one failed query leaves the others' snapshot usable
                        got = list(source())
                except Exception:  # noqa: BLE001 - one broken source must not blank the whole scrape
                    logger.exception("metrics source %s failed", name)
                    up.add_metric([name], 0)
                else:
                    families.extend(got)
                    up.add_metric([name], 1)
                took.add_metric([name], round(time.perf_counter() - started, 6))
        yield from families
        yield up
        yield took


_registry = CollectorRegistry(auto_describe=False)
_registry.register(ScrapeCollector())


def metrics_render(*, accept: str) -> tuple[bytes, str]:
    """The exposition body and its content type: OpenMetrics when the scraper asks for it, else Prometheus text."""
    encoder, content_type = choose_encoder(accept)
    return encoder(_registry), content_type
