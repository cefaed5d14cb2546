"""Marketplace figures for /metrics (registered in MarketplaceConfig.ready). Markets are the platform's own
(symbols such as PFT/CEU), so they may label a figure; orders' owners never do."""
from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, Sum
from prometheus_client.metrics_core import CounterMetricFamily, Metric

from apps.marketplace.models import Market, Order, Trade


def marketplace_metrics() -> Iterator[Metric]:
    symbols = dict(Market.objects.values_list("id", "symbol"))
    orders = CounterMetricFamily("thermodynasty_market_orders", "Orders accepted.", labels=["market"])
    trades = CounterMetricFamily("thermodynasty_market_trades", "Trades matched.", labels=["market"])
    notional = CounterMetricFamily("thermodynasty_market_traded_notional", "Traded value, quote minor units.",
                                   labels=["market"])
    order_counts = dict(Order.objects.values_list("market_id").annotate(n=Count("id")).values_list("market_id", "n"))
    trade_rows = Trade.objects.values("market_id").annotate(n=Count("id"), value=Sum("notional"))
    trade_counts = {row["market_id"]: (row["n"], row["value"] or 0) for row in trade_rows}
    for market_id, symbol in sorted(symbols.items(), key=lambda item: item[1]):
        orders.add_metric([symbol], order_counts.get(market_id, 0))
        count, value = trade_counts.get(market_id, (0, 0))
        trades.add_metric([symbol], count)
        notional.add_metric([symbol], value)
    yield orders
    yield trades
    yield notional
