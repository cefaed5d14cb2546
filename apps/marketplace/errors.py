"""Error codes of the marketplace API: every refusal names one of these in its `code`."""
from __future__ import annotations

from enum import StrEnum


class MarketErrorCode(StrEnum):
    UNKNOWN_MARKET = "unknown_market"
    MARKET_HALTED = "market_halted"
    MARKET_CLOSED = "market_closed"
    INVALID_STATE_TRANSITION = "invalid_state_transition"
    INVALID_MARKET_CONFIG = "invalid_market_config"
    OFF_TICK = "off_tick_price"
    OFF_LOT = "off_lot_size"
    ORDER_TOO_SMALL = "order_too_small"
    ORDER_TOO_LARGE = "order_too_large"
    PRICE_OUT_OF_RANGE = "price_out_of_range"
    INVALID_ORDER = "invalid_order"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    ORDER_EXPIRED = "order_expired"
    DUPLICATE_CLIENT_ID = "duplicate_client_id"
    NO_LIQUIDITY = "no_liquidity"
    ORDER_NOT_OPEN = "order_not_open"
    ENGINE_INCONSISTENT = "engine_inconsistent"
    SEQUENCER_TIMEOUT = "sequencer_timeout"
