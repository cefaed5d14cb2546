"""The ledger's figures for /metrics (registered in LedgerConfig.ready)."""
from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from apps.ledger.models import ChainHead, OutboxCursor


def ledger_metrics() -> Iterator[Metric]:
    # The chain head's seq is gapless from 1 (ledger_verify checks it) and entries are never deleted, so it is
    # the count of sealed entries at the cost of one row; committed entries join it within the sealer's lag.
    head = ChainHead.objects.values_list("seq", flat=True).first() or 0
    yield CounterMetricFamily("thermodynasty_ledger_entries", "Ledger entries sealed into the hash chain.", value=head)
    lag = GaugeMetricFamily("thermodynasty_ledger_outbox_lag", "Committed entries an outbox consumer has not "
                            "processed yet.", labels=["consumer"])
    for consumer, last_seq in OutboxCursor.objects.values_list("consumer", "last_seq").order_by("consumer"):
        lag.add_metric([consumer], max(0, head - last_seq))
    yield lag
