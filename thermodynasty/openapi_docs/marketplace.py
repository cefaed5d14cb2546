"""The CEU/PFT/MUNT order-book markets (apps/marketplace). Prices are quote-asset minor units per whole base
unit; quantities are base-asset minor units."""
from __future__ import annotations

from apps.marketplace.errors import MarketErrorCode as M
from thermodynasty.openapi_docs.base import T0, T1, Doc, page

MARKET = {"id": 1, "symbol": "CEU-MUNT", "base_asset": "CEU", "quote_asset": "MUNT", "base_scale": 1000,
          "quote_scale": 1000, "tick_size": 10, "lot_size": 1000, "min_quantity": 1000, "max_quantity": 100000000,
          "maker_fee_bps": 10, "taker_fee_bps": 20, "state": "open", "last_price": 1250, "seq": 88412}
ORDER = {"id": 7001, "market": 1, "symbol": "CEU-MUNT", "client_id": "bid-2026-03-02-01", "sequence": 88413,
         "side": "buy", "type": "limit", "time_in_force": "gtc", "price": 1240, "price_ticks": 124,
         "quantity": 10000, "qty_lots": 10, "filled_quantity": 0, "filled_lots": 0, "open_quantity": 10000,
         "open_lots": 10, "filled_notional": 0, "fees_paid": 0, "status": "open", "cancel_reason": "",
         "post_only": False, "stp_mode": "cancel_newest", "expires_at": None, "max_quote": None,
         "reserve_asset": "MUNT", "reserved_remaining": 12425, "created_at": T0, "updated_at": T0}
CANCELLED = {**ORDER, "status": "cancelled", "cancel_reason": "user", "reserved_remaining": 0, "updated_at": T1}
LEVEL = {"price": 1240, "price_ticks": 124, "quantity": 25000, "qty_lots": 25, "orders": 3}
ASK = {"price": 1260, "price_ticks": 126, "quantity": 8000, "qty_lots": 8, "orders": 1}
TRADE = {"id": 9901, "sequence": 88420, "price": 1250, "quantity": 2000, "notional": 2500, "taker_side": "sell",
         "seq": 88420, "created_at": T1}
FILL = {"id": 12001, "market": 1, "order": 7001, "client_id": "bid-2026-03-02-01", "trade": 9901, "side": "buy",
        "role": "maker", "price": 1250, "quantity": 2000, "notional": 2500, "fee": 3, "seq": 88420, "created_at": T1}
TRADING = (M.MARKET_HALTED, M.MARKET_CLOSED)
WRITER = {503: (M.SEQUENCER_TIMEOUT,)}  # a market writer did not answer in time; the outcome is unknown
NOT_OPEN = {409: (M.ORDER_NOT_OPEN, *TRADING), **WRITER}

DOCS: dict[str, Doc] = {
    "markets_list": Doc("List markets", "Markets with their tick and lot sizes, fees and state.",
                        response=page(MARKET)),
    "markets_retrieve": Doc("Get a market", "One market's rules, state and last price.", response=MARKET,
                            errors={404: (M.UNKNOWN_MARKET,)}),
    "markets_candles": Doc(
        "Get candles", "OHLCV candles of `interval` (1m, 5m, 1h, 1d), the latest `limit` ones.",
        response=[{"time": T0, "open": 1240, "high": 1260, "low": 1230, "close": 1250, "volume": 52000,
                   "quote_volume": 64900, "trades": 14}], errors={404: (M.UNKNOWN_MARKET,)}),
    "markets_depth": Doc("Get order book depth", "Aggregated bids and asks, best first, `levels` deep.",
                         response={"bids": [LEVEL], "asks": [ASK]}, errors={404: (M.UNKNOWN_MARKET,)}),
    "markets_events": Doc(
        "Poll market events",
        "Polling feed for live pages: trades and your order and fill changes after sequence `after`, with the "
        "current depth; pass the answered `seq` as the next `after`.",
        response={"market": 1, "seq": 88420, "state": "open", "depth": {"bids": [LEVEL], "asks": [ASK]},
                  "trades": [TRADE], "orders": [{**ORDER, "filled_quantity": 2000, "filled_lots": 2,
                                                 "open_quantity": 8000, "open_lots": 8, "filled_notional": 2500,
                                                 "status": "partially_filled"}],
                  "fills": [FILL]}, errors={404: (M.UNKNOWN_MARKET,)}),
    "markets_orders_list": Doc("List your orders in a market", "Your orders here, newest first; filter by status.",
                               response=page(ORDER), errors={404: (M.UNKNOWN_MARKET,)}),
    "markets_orders_place": Doc(
        "Place an order",
        "Places a limit or market order. The cost (buy) or quantity (sell) is reserved until it fills or is "
        "cancelled. `client_id` is your idempotency handle: repeating it with the same order answers 200 with "
        "`replayed: true`; it is also how to learn the outcome after a 503 `sequencer_timeout`.",
        request={"client_id": "bid-2026-03-02-01", "side": "buy", "type": "limit", "time_in_force": "gtc",
                 "price": 1240, "quantity": 10000, "post_only": False, "stp_mode": "cancel_newest"},
        response={**ORDER, "replayed": False},
        errors={400: (M.OFF_TICK, M.OFF_LOT, M.ORDER_TOO_SMALL, M.ORDER_TOO_LARGE, M.PRICE_OUT_OF_RANGE,
                      M.INVALID_ORDER, M.INSUFFICIENT_FUNDS, M.ORDER_EXPIRED),
                404: (M.UNKNOWN_MARKET,), 409: (M.DUPLICATE_CLIENT_ID, M.NO_LIQUIDITY, *TRADING), **WRITER}),
    "markets_orders_batch": Doc(
        "Place up to 100 orders",
        "Places 1 to 100 orders in this market in one request, in the request's order, each answered on its own "
        "in `results` (same index): `status` 201 placed, 200 replayed by its `client_id`, or the 4xx it would "
        "have had alone with its `error` (`code`, `message`, `extra`); one refusal does not stop the others, and "
        "a later order sees what earlier ones reserved or traded. A malformed body is refused whole (400, "
        "`extra.fields.orders` keyed by index) and nothing is placed. Needs the `trade` scope. If the market's "
        "writer does not answer every order in time the request answers 503 `sequencer_timeout` with the "
        "per-order results so far in `extra`; repeat it: orders that committed answer as replays.",
        request={"orders": [{"client_id": "bid-2026-03-02-01", "side": "buy", "type": "limit", "price": 1240,
                             "quantity": 10000},
                            {"client_id": "ask-2026-03-02-01", "side": "sell", "type": "limit", "price": 1250,
                             "quantity": 10000}]},
        response={"results": [
            {"index": 0, "status": 201, "order": {**ORDER, "replayed": False}, "error": None},
            {"index": 1, "status": 400, "order": None, "error": {
                "code": "insufficient_funds", "message": "Insufficient CEU: 10.000 CEU needed, 4.000 CEU available.",
                "extra": {"asset": "CEU", "needed": 10000, "available": 4000}}}]},
        errors={400: (M.INVALID_ORDER,), 404: (M.UNKNOWN_MARKET,), **WRITER}),
    "markets_orders_cancel_all": Doc("Cancel all your orders in a market",
                                     "Cancels every open order of yours here and releases their reservations.",
                                     response=[CANCELLED],
                                     errors={404: (M.UNKNOWN_MARKET,), 409: TRADING, **WRITER}),
    "markets_quote": Doc(
        "Quote a market order",
        "What a market order of `quantity` would cost (buy) or yield (sell) against the book now, fees included.",
        response={"side": "buy", "quantity": 10000, "filled_quantity": 8000, "unfilled_quantity": 2000,
                  "notional": 10080, "fee": 21, "total": 10101, "average_price": 1260, "worst_price": 1260,
                  "levels": 1}, errors={404: (M.UNKNOWN_MARKET,)}),
    "markets_stats": Doc("Get 24-hour stats", "Open, high, low, last, change and volume over the last 24 hours.",
                         response={"open": 1200, "high": 1270, "low": 1190, "last": 1250, "change": 50,
                                   "volume": 410000, "quote_volume": 508400, "trades": 96, "last_price": 1250},
                         errors={404: (M.UNKNOWN_MARKET,)}),
    "markets_trades": Doc("List trades", "Public trades in this market, newest first.", response=page(TRADE),
                          errors={404: (M.UNKNOWN_MARKET,)}),
    "fills_list": Doc("List your fills", "Your fills across markets with fees; filter by `market` and `order`.",
                      response=page(FILL)),
    "orders_list": Doc("List your orders", "Your orders across markets; filter by `market` and `status`.",
                       response=page(ORDER)),
    "orders_retrieve": Doc("Get an order", "One order with its fills so far and remaining reservation.",
                           response=ORDER),
    "orders_amend": Doc(
        "Amend an order",
        "Changes an open order's price and/or quantity. Lowering the quantity keeps its queue priority; any other "
        "change re-queues it.",
        request={"price": 1245, "quantity": 8000},
        response={**ORDER, "price": 1245, "price_ticks": 124, "quantity": 8000, "qty_lots": 8, "open_quantity": 8000,
                  "open_lots": 8, "updated_at": T1},
        errors={400: (M.OFF_TICK, M.OFF_LOT, M.ORDER_TOO_SMALL, M.INSUFFICIENT_FUNDS), **NOT_OPEN}),
    "orders_cancel": Doc("Cancel an order", "Cancels an open order and releases what it reserved.",
                         response=CANCELLED, errors=NOT_OPEN),
}
