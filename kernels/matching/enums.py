"""String enums shared by commands and events of the matching core.

Every enum is a ``StrEnum`` so values serialise to JSON as plain strings
(``Side.BUY == "buy"``) and can be stored in a command log as-is.
"""

from __future__ import annotations

from enum import StrEnum


class Side(StrEnum):
    """Which side of the book an order joins; a buy takes asks, a sell takes bids."""

    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    """``LIMIT`` carries a price in ticks; ``MARKET`` has none and never rests."""

    LIMIT = "limit"
    MARKET = "market"


class TimeInForce(StrEnum):
    """How long an order may rest: GTC/GTD rest, IOC/FOK never do.

    ``GTD`` needs ``expires_at``; it is removed by the first ``Expire(now)`` with
    ``now >= expires_at``.
    """

    GTC = "gtc"
    GTD = "gtd"
    IOC = "ioc"
    FOK = "fok"


class StpMode(StrEnum):
    """Self-trade prevention, chosen by the incoming (taker) order.

    ``CANCEL_NEWEST`` cancels the taker, ``CANCEL_OLDEST`` cancels the resting maker
    and keeps matching, ``CANCEL_BOTH`` cancels both, ``DECREMENT`` reduces both by
    the overlapping quantity without a trade.
    """

    CANCEL_NEWEST = "cancel_newest"
    CANCEL_OLDEST = "cancel_oldest"
    CANCEL_BOTH = "cancel_both"
    DECREMENT = "decrement"


class Reason(StrEnum):
    """Reason codes carried by ``Rejected`` and ``Cancelled`` events.

    Rejections (nothing happened, no sequence used): ``INVALID``, ``DUPLICATE``,
    ``UNKNOWN_ORDER``, ``EXPIRED``. Cancellations (of an accepted order): ``USER``,
    ``IOC_REMAINDER``, ``FOK``, ``STP``, ``POST_ONLY``, ``MARKET_NO_LIQUIDITY``,
    ``SPEND_LIMIT``.
    """

    INVALID = "invalid"
    DUPLICATE = "duplicate"
    UNKNOWN_ORDER = "unknown_order"
    EXPIRED = "expired"
    USER = "user"
    IOC_REMAINDER = "ioc_remainder"
    FOK = "fok"
    STP = "stp"
    POST_ONLY = "post_only"
    MARKET_NO_LIQUIDITY = "market_no_liquidity"
    SPEND_LIMIT = "spend_limit"
