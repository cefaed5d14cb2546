"""Token markets: pairs with their trading rules, the orders resting on them, the trades between them, each
side's fill, and the append-only command log every market's book is rebuilt and replayed from.

Units: prices are integer ticks (one tick = `tick_size` quote minor units per whole base unit), quantities
integer lots (one lot = `lot_size` base minor units). Amounts of money are ledger minor units.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from apps.tenants.models import TenantOwnedModel


class MarketState(models.TextChoices):
    OPEN = "open", "Open"
    HALTED = "halted", "Halted (cancels only)"
    CLOSED = "closed", "Closed"


class Market(models.Model):
    """One pair (base/quote). The `command_seq`..`engine_now` columns are the matching engine's persisted head:
    they move only inside the transaction that appends the command they describe, under this row's lock."""

    symbol = models.CharField(max_length=20, unique=True, help_text="e.g. PFT/CEU")
    base_asset = models.ForeignKey("ledger.Asset", on_delete=models.PROTECT, related_name="+")
    quote_asset = models.ForeignKey("ledger.Asset", on_delete=models.PROTECT, related_name="+")
    tick_size = models.PositiveBigIntegerField(help_text="Price step in quote minor units per whole base unit.")
    lot_size = models.PositiveBigIntegerField(help_text="Quantity step in base minor units.")
    min_lots = models.PositiveBigIntegerField(default=1)
    max_lots = models.PositiveBigIntegerField(default=1_000_000)
    max_price_ticks = models.PositiveBigIntegerField(default=1_000_000_000)
    maker_fee_bps = models.PositiveSmallIntegerField(default=10)
    taker_fee_bps = models.PositiveSmallIntegerField(default=20)
    state = models.CharField(max_length=8, choices=MarketState.choices, default=MarketState.OPEN)
    command_seq = models.BigIntegerField(default=0, help_text="Sequence of the last applied command.")
    last_command_id = models.BigIntegerField(null=True, blank=True)
    next_sequence = models.BigIntegerField(default=1, help_text="The engine's next order id / trade sequence.")
    engine_now = models.BigIntegerField(default=0, help_text="Engine time (Unix ms) of the last expiry sweep.")
    last_price_ticks = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(name="market_distinct_assets", condition=~Q(base_asset=F("quote_asset"))),
            models.CheckConstraint(name="market_fee_bps_range",
                                   condition=Q(maker_fee_bps__lte=1000) & Q(taker_fee_bps__lte=1000)),
            models.CheckConstraint(name="market_lot_range", condition=Q(min_lots__gte=1, max_lots__gte=F("min_lots"))),
        ]

    def __str__(self) -> str:
        return self.symbol

    def clean(self) -> None:
        from apps.marketplace.domain import valid_terms

        scale = self.base_asset.scale if self.base_asset_id else 0
        if self.tick_size and self.lot_size and not valid_terms(self.tick_size, self.lot_size, scale):
            raise ValidationError({"lot_size": f"tick_size x lot_size must be a positive multiple of 10^{scale}, so "
                                               "one lot at one tick is a whole quote minor unit."})

    @property
    def min_quantity(self) -> int:
        return self.min_lots * self.lot_size

    @property
    def max_quantity(self) -> int:
        return self.max_lots * self.lot_size

    @property
    def last_price(self) -> int | None:
        return None if self.last_price_ticks is None else self.last_price_ticks * self.tick_size


class Side(models.TextChoices):
    BUY = "buy", "Buy"
    SELL = "sell", "Sell"


class OrderType(models.TextChoices):
    LIMIT = "limit", "Limit"
    MARKET = "market", "Market"


class TimeInForce(models.TextChoices):
    GTC = "gtc", "Good till cancelled"
    GTD = "gtd", "Good till date"
    IOC = "ioc", "Immediate or cancel"
    FOK = "fok", "Fill or kill"


class StpMode(models.TextChoices):
    CANCEL_NEWEST = "cancel_newest", "Cancel newest"
    CANCEL_OLDEST = "cancel_oldest", "Cancel oldest"
    CANCEL_BOTH = "cancel_both", "Cancel both"
    DECREMENT = "decrement", "Decrement"


class OrderStatus(models.TextChoices):
    OPEN = "open", "Open (resting)"
    FILLED = "filled", "Filled"
    CANCELLED = "cancelled", "Cancelled"
    EXPIRED = "expired", "Expired"


class Order(TenantOwnedModel):
    """An accepted order. `reserved - reserve_used - reserve_released` is what its ledger hold still keeps
    pending in `reserve_asset`; it never drops below what the open lots may spend."""

    # Indexes a batch writes for every row: the composite indexes below lead with tenant and market, so single-column
    # ones on them served no query; nothing looks an order up by its hold (holds are never deleted).
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, db_index=False, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="orders", db_index=False)
    client_id = models.CharField(max_length=64)
    sequence = models.BigIntegerField(help_text="Server sequence number (the engine's order id).")
    side = models.CharField(max_length=4, choices=Side.choices)
    order_type = models.CharField(max_length=8, choices=OrderType.choices)
    time_in_force = models.CharField(max_length=4, choices=TimeInForce.choices)
    price_ticks = models.BigIntegerField(null=True, blank=True)
    qty_lots = models.BigIntegerField(help_text="Filled plus open lots after the last amend.")
    filled_lots = models.BigIntegerField(default=0)
    open_lots = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    cancel_reason = models.CharField(max_length=24, blank=True)
    post_only = models.BooleanField(default=False)
    stp_mode = models.CharField(max_length=16, choices=StpMode.choices, default=StpMode.CANCEL_NEWEST)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_quote = models.BigIntegerField(null=True, blank=True, help_text="A market buy's spending cap.")
    fee_bps_maker = models.PositiveSmallIntegerField()
    fee_bps_taker = models.PositiveSmallIntegerField()
    filled_notional = models.BigIntegerField(default=0, help_text="Quote minor units traded.")
    fees_paid = models.BigIntegerField(default=0, help_text="Quote minor units paid in fees.")
    reserve_asset = models.CharField(max_length=8)
    reserved = models.BigIntegerField(default=0)
    reserve_used = models.BigIntegerField(default=0)
    reserve_released = models.BigIntegerField(default=0)
    hold = models.ForeignKey("ledger.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             db_index=False)
    priority = models.BigIntegerField(null=True, blank=True, help_text="Command seq at which it joined its queue.")
    updated_seq = models.BigIntegerField(help_text="Command seq of the last change (for event polling).")
    request_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "client_id"], name="marketplace_order_unique_client_id"),
            models.UniqueConstraint(fields=["market", "sequence"], name="marketplace_order_unique_sequence"),
            models.CheckConstraint(name="marketplace_order_quantities",
                                   condition=Q(open_lots__gte=0, filled_lots__gte=0)
                                   & Q(filled_lots__lte=F("qty_lots"))
                                   & Q(open_lots__lte=F("qty_lots") - F("filled_lots"))),
            models.CheckConstraint(name="marketplace_order_reserve",
                                   condition=Q(reserved__gte=F("reserve_used") + F("reserve_released"))),
        ]
        indexes = [
            models.Index(fields=["market", "side", "price_ticks", "priority"], condition=Q(status="open"),
                         name="marketplace_order_book"),
            models.Index(fields=["tenant", "market", "updated_seq"], name="marketplace_order_changes"),
        ]

    def __str__(self) -> str:
        return f"{self.market_id}#{self.sequence} {self.side} {self.open_lots}@{self.price_ticks}"

    @property
    def price(self) -> int | None:
        return None if self.price_ticks is None else self.price_ticks * self.market.tick_size

    @property
    def quantity(self) -> int:
        return self.qty_lots * self.market.lot_size

    @property
    def filled_quantity(self) -> int:
        return self.filled_lots * self.market.lot_size

    @property
    def open_quantity(self) -> int:
        return self.open_lots * self.market.lot_size

    @property
    def reserve_left(self) -> int:
        return self.reserved - self.reserve_used - self.reserve_released

    @property
    def is_terminal(self) -> bool:
        return self.status != OrderStatus.OPEN


class Trade(models.Model):
    """One match: `qty_lots` at the maker's price. Public market data; append-only."""

    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="trades", db_index=False)
    sequence = models.BigIntegerField(help_text="The engine's trade sequence number.")
    command_seq = models.BigIntegerField()
    price_ticks = models.BigIntegerField()
    qty_lots = models.BigIntegerField()
    notional = models.BigIntegerField(help_text="Quote minor units.")
    taker_side = models.CharField(max_length=4, choices=Side.choices)
    maker_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", db_index=False)
    taker_order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+", db_index=False)
    buyer_fee = models.BigIntegerField()
    seller_fee = models.BigIntegerField()
    entry_id = models.BigIntegerField(help_text="The ledger entry that settled it.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["market", "sequence"], name="marketplace_trade_unique_seq")]
        indexes = [models.Index(fields=["market", "created_at"], name="marketplace_trade_time"),
                   models.Index(fields=["market", "command_seq"], name="marketplace_trade_command")]

    @property
    def price(self) -> int:
        return self.price_ticks * self.market.tick_size

    @property
    def quantity(self) -> int:
        return self.qty_lots * self.market.lot_size


class FillRole(models.TextChoices):
    MAKER = "maker", "Maker"
    TAKER = "taker", "Taker"


class Fill(TenantOwnedModel):
    """One side of a trade as its owner sees it; append-only."""

    # tenant: served by marketplace_fill_changes, which leads with it; trade: no query reads fills by trade, and
    # trades are append-only (never deleted, so no delete check needs it either)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, db_index=False, related_name="+")
    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="fills")
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="fills", db_index=False)
    command_seq = models.BigIntegerField()
    side = models.CharField(max_length=4, choices=Side.choices)
    role = models.CharField(max_length=5, choices=FillRole.choices)
    price_ticks = models.BigIntegerField()
    qty_lots = models.BigIntegerField()
    notional = models.BigIntegerField()
    fee = models.BigIntegerField(help_text="Quote minor units.")

    class Meta:
        indexes = [models.Index(fields=["tenant", "market", "command_seq"], name="marketplace_fill_changes")]

    @property
    def price(self) -> int:
        return self.price_ticks * self.market.tick_size

    @property
    def quantity(self) -> int:
        return self.qty_lots * self.market.lot_size


class MarketCommand(models.Model):
    """The per-market command log, append-only. Replaying `payload`s in `seq` order through a fresh engine
    reproduces every event the market ever produced."""

    market = models.ForeignKey(Market, on_delete=models.PROTECT, related_name="commands", db_index=False)
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=12)
    payload = models.JSONField()
    tenant_id = models.BigIntegerField(null=True, blank=True, help_text="Whose command (null: system sweep).")
    actor = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["market", "seq"], name="marketplace_command_unique_seq")]
