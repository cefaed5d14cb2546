from __future__ import annotations

from apps.marketplace.services.book import book_forget, book_rebuild
from apps.marketplace.services.changes import order_amend, order_cancel, orders_cancel_all
from apps.marketplace.services.markets import (
    ReplayReport,
    market_create,
    market_expire,
    market_replay,
    market_set_state,
    market_update_config,
    markets_expire_due,
)
from apps.marketplace.services.orders import Placed, order_place

__all__ = [
    "Placed", "ReplayReport", "book_forget", "book_rebuild", "market_create", "market_expire", "market_replay",
    "market_set_state", "market_update_config", "markets_expire_due", "order_amend", "order_cancel", "order_place",
    "orders_cancel_all",
]
