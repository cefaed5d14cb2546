"""Reads: the tenant's own orders and fills, and the public market data (depth, trades, candles, 24 h stats,
the polling event feed). Market data is the same for every tenant and names nobody."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone

from apps.core.errors import NotFoundError
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import Fill, Market, Order, OrderStatus, Side, Trade
from apps.tenants import rls
from apps.tenants.models import Tenant

INTERVALS = {"1m": ("minute", timedelta(minutes=1)), "1h": ("hour", timedelta(hours=1)),
             "1d": ("day", timedelta(days=1))}
FEED_LIMIT = 100  # rows per kind in one poll; a client that falls further behind re-reads the lists


def market_list() -> QuerySet[Market]:
    return Market.objects.select_related("base_asset", "quote_asset").order_by("symbol")


def market_get(*, market_id: int) -> Market:
    market = market_list().filter(pk=market_id).first()
    if market is None:
        raise NotFoundError("No such market.", code=MarketErrorCode.UNKNOWN_MARKET)
    return market


def order_list(*, tenant: Tenant, market_id: int | None = None, status: str | None = None) -> QuerySet[Order]:
    qs = Order.objects.filter(tenant=tenant).select_related("market")
    if market_id is not None:
        qs = qs.filter(market_id=market_id)
    if status == "closed":
        qs = qs.exclude(status=OrderStatus.OPEN)
    elif status:
        qs = qs.filter(status=status)
    return qs


def order_get(*, tenant: Tenant, order_id: int) -> Order:
    order = order_list(tenant=tenant).filter(pk=order_id).first()
    if order is None:
        raise NotFoundError("No such order.")
    return order


def fill_list(*, tenant: Tenant, market_id: int | None = None, order_id: int | None = None) -> QuerySet[Fill]:
    qs = Fill.objects.filter(tenant=tenant).select_related("market", "order")
    if market_id is not None:
        qs = qs.filter(market_id=market_id)
    if order_id is not None:
        qs = qs.filter(order_id=order_id)
    return qs


def _level(market: Market, row: Mapping[str, Any]) -> dict[str, int]:
    return {"price": row["price_ticks"] * market.tick_size, "price_ticks": row["price_ticks"],
            "quantity": row["lots"] * market.lot_size, "qty_lots": row["lots"], "orders": row["orders"]}


def depth(*, market: Market, levels: int = 20) -> dict[str, list[dict[str, int]]]:
    """L2: open quantity and order count per price, best first. Aggregated over every tenant's resting orders,
    which is why it reads past row-level security; only totals leave this function."""
    out: dict[str, list[dict[str, int]]] = {}
    with rls.system_context(reason="depth aggregates every tenant's resting orders; only totals leave"):
        for side, order in ((Side.BUY, "-price_ticks"), (Side.SELL, "price_ticks")):
            rows = Order.objects.filter(market=market, status=OrderStatus.OPEN, side=side) \
                .values("price_ticks").annotate(lots=Sum("open_lots"), orders=Count("id")).order_by(order)[:levels]
            out["bids" if side == Side.BUY else "asks"] = [_level(market, r) for r in rows]
    return out


def trade_list(*, market: Market) -> QuerySet[Trade]:
    return Trade.objects.filter(market=market).select_related("market")


CANDLES_SQL = """
SELECT date_trunc(%s, created_at) AS bucket,
       (array_agg(price_ticks ORDER BY sequence))[1], max(price_ticks), min(price_ticks),
       (array_agg(price_ticks ORDER BY sequence DESC))[1], sum(qty_lots), sum(notional), count(*)
FROM marketplace_trade WHERE market_id = %s AND created_at >= %s
GROUP BY bucket ORDER BY bucket DESC LIMIT %s
"""


def candles(*, market: Market, interval: str, limit: int = 200, now: datetime | None = None) -> list[dict[str, Any]]:
    """OHLCV buckets of `interval` (1m, 1h or 1d) from the trades, oldest first; prices in quote minor units
    per whole base unit, volume in base minor units. Empty buckets are left out."""
    unit, width = INTERVALS[interval]
    since = (now or timezone.now()) - width * limit
    with connection.cursor() as cursor:
        cursor.execute(CANDLES_SQL, [unit, market.pk, since, limit])
        rows = cursor.fetchall()
    tick, lot = market.tick_size, market.lot_size
    return [{"time": bucket, "open": o * tick, "high": h * tick, "low": lo * tick, "close": c * tick,
             "volume": int(v) * lot, "quote_volume": int(q), "trades": n}
            for bucket, o, h, lo, c, v, q, n in reversed(rows)]


STATS_SQL = """
SELECT (array_agg(price_ticks ORDER BY sequence))[1], max(price_ticks), min(price_ticks),
       (array_agg(price_ticks ORDER BY sequence DESC))[1], coalesce(sum(qty_lots), 0), coalesce(sum(notional), 0),
       count(*)
FROM marketplace_trade WHERE market_id = %s AND created_at >= %s
"""


def stats_24h(*, market: Market, now: datetime | None = None) -> dict[str, Any]:
    with connection.cursor() as cursor:
        cursor.execute(STATS_SQL, [market.pk, (now or timezone.now()) - timedelta(hours=24)])
        o, h, lo, c, v, q, n = cursor.fetchone()
    tick = market.tick_size

    def price(ticks: int | None) -> int | None:
        return None if ticks is None else ticks * tick

    return {"open": price(o), "high": price(h), "low": price(lo), "last": price(c),
            "change": None if o is None else (c - o) * tick, "volume": int(v) * market.lot_size,
            "quote_volume": int(q), "trades": n,
            "last_price": price(market.last_price_ticks)}


def events_since(*, tenant: Tenant, market: Market, after: int) -> dict[str, Any]:
    """What changed after command `after`: public trades, the tenant's orders and fills, plus current depth.
    Poll with the returned `seq` as the next `after`."""
    return {
        "market": market.pk, "seq": market.command_seq, "state": market.state,
        "depth": depth(market=market),
        "trades": list(trade_list(market=market).filter(command_seq__gt=after).order_by("-sequence")[:FEED_LIMIT]),
        "orders": list(order_list(tenant=tenant, market_id=market.pk).filter(updated_seq__gt=after)
                       .order_by("-updated_seq", "-id")[:FEED_LIMIT]),
        "fills": list(fill_list(tenant=tenant, market_id=market.pk).filter(command_seq__gt=after)
                      .order_by("-command_seq", "-id")[:FEED_LIMIT]),
    }


QUOTE_LEVELS = 1_000  # the book is walked this deep at most; a bigger order is quoted as partly unfillable


def quote(*, market: Market, side: str, quantity: int) -> dict[str, Any]:
    """What a market order of `quantity` (base minor units, whole lots) would cost or yield now, by walking the
    opposite side of the book: filled and unfilled quantity, notional, the taker fee, average and worst price
    (quote minor units per whole base unit). Nothing is reserved; the book may move before an order arrives."""
    from apps.marketplace.domain import fee
    from apps.marketplace.services.execution import terms_of

    terms = terms_of(market)
    wanted = quantity // market.lot_size
    book = depth(market=market, levels=QUOTE_LEVELS)["asks" if side == Side.BUY else "bids"]
    filled = notional = 0
    worst = None
    for level in book:
        take = min(level["qty_lots"], wanted - filled)
        if take <= 0:
            break
        filled += take
        notional += terms.notional(level["price_ticks"], take)
        worst = level["price"]
    taker_fee = fee(notional, market.taker_fee_bps)
    average = None if not filled else notional * 10 ** terms.base_scale // terms.base_amount(filled)
    return {"side": side, "quantity": quantity, "filled_quantity": terms.base_amount(filled),
            "unfilled_quantity": quantity - terms.base_amount(filled), "notional": notional, "fee": taker_fee,
            "total": notional + taker_fee if side == Side.BUY else notional - taker_fee,
            "average_price": average, "worst_price": worst, "levels": QUOTE_LEVELS}
