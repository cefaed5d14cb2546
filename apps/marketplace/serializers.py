"""API shapes. Prices are quote minor units per whole base unit and quantities base minor units (with the tick
and lot integers alongside); every amount is an integer."""
from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, SafeDictField, StrictInputSerializer
from apps.marketplace.models import Order, OrderStatus, OrderType, Side, StpMode, TimeInForce
from apps.marketplace.services.order_batch import MAX_BATCH


class MarketOutput(serializers.Serializer):
    id = BoundedIntegerField()
    symbol = serializers.CharField()
    base_asset = serializers.CharField(source="base_asset_id")
    quote_asset = serializers.CharField(source="quote_asset_id")
    base_scale = BoundedIntegerField(source="base_asset.scale")
    quote_scale = BoundedIntegerField(source="quote_asset.scale")
    tick_size = BoundedIntegerField(help_text="Price step, quote minor units per whole base unit.")
    lot_size = BoundedIntegerField(help_text="Quantity step, base minor units.")
    min_quantity = BoundedIntegerField()
    max_quantity = BoundedIntegerField()
    maker_fee_bps = BoundedIntegerField()
    taker_fee_bps = BoundedIntegerField()
    state = serializers.CharField()
    last_price = BoundedIntegerField(allow_null=True)
    seq = BoundedIntegerField(source="command_seq")


class MarketOrderOutput(serializers.Serializer):
    id = BoundedIntegerField()
    market = BoundedIntegerField(source="market_id")
    symbol = serializers.CharField(source="market.symbol")
    client_id = serializers.CharField()
    sequence = BoundedIntegerField()
    side = serializers.CharField()
    type = serializers.CharField(source="order_type")
    time_in_force = serializers.CharField()
    price = BoundedIntegerField(allow_null=True)
    price_ticks = BoundedIntegerField(allow_null=True)
    quantity = BoundedIntegerField()
    qty_lots = BoundedIntegerField()
    filled_quantity = BoundedIntegerField()
    filled_lots = BoundedIntegerField()
    open_quantity = BoundedIntegerField()
    open_lots = BoundedIntegerField()
    filled_notional = BoundedIntegerField(help_text="Quote minor units traded.")
    fees_paid = BoundedIntegerField(help_text="Quote minor units.")
    status = serializers.CharField()
    cancel_reason = serializers.CharField()
    post_only = serializers.BooleanField()
    stp_mode = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    max_quote = BoundedIntegerField(allow_null=True)
    reserve_asset = serializers.CharField()
    reserved_remaining = BoundedIntegerField(source="reserve_left",
                                             help_text="Still held for this order, in reserve_asset.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


_DATETIME = serializers.DateTimeField()


def order_body(order: Order) -> dict[str, Any]:
    """`MarketOrderOutput(order).data` without DRF's per-field machinery, for the order-placing answers (a batch
    of 100 orders spent 1.4 ms per order in the serializer on the loaded development box); a test holds the two
    equal field by field."""
    when, lot, tick = _DATETIME.to_representation, order.market.lot_size, order.market.tick_size
    return {"id": order.pk, "market": order.market_id, "symbol": order.market.symbol, "client_id": order.client_id,
            "sequence": order.sequence, "side": str(order.side), "type": str(order.order_type),
            "time_in_force": str(order.time_in_force),
            "price": None if order.price_ticks is None else order.price_ticks * tick, "price_ticks": order.price_ticks,
            "quantity": order.qty_lots * lot, "qty_lots": order.qty_lots, "filled_quantity": order.filled_lots * lot,
            "filled_lots": order.filled_lots, "open_quantity": order.open_lots * lot, "open_lots": order.open_lots,
            "filled_notional": order.filled_notional, "fees_paid": order.fees_paid, "status": str(order.status),
            "cancel_reason": order.cancel_reason, "post_only": order.post_only, "stp_mode": str(order.stp_mode),
            "expires_at": None if order.expires_at is None else when(order.expires_at),
            "max_quote": order.max_quote, "reserve_asset": order.reserve_asset,
            "reserved_remaining": order.reserve_left, "created_at": when(order.created_at),
            "updated_at": when(order.updated_at)}


class MarketPlacedOutput(MarketOrderOutput):
    replayed = serializers.BooleanField(help_text="True when this client id had already placed this order.")


class MarketOrderInput(StrictInputSerializer):
    client_id = serializers.RegexField(r"^[A-Za-z0-9._:\-]{1,64}$", max_length=64,
                                       help_text="Your id for the order, unique per tenant; repeating a request "
                                                 "with it returns the original order.")
    side = serializers.ChoiceField(choices=Side.choices)
    type = serializers.ChoiceField(choices=OrderType.choices, default=OrderType.LIMIT)
    time_in_force = serializers.ChoiceField(choices=TimeInForce.choices, required=False,
                                            help_text="Default GTC for limit orders, IOC for market orders.")
    price = BoundedIntegerField(min_value=1, required=False, allow_null=True,
                                help_text="Quote minor units per whole base unit; a multiple of tick_size.")
    quantity = BoundedIntegerField(min_value=1, help_text="Base minor units; a multiple of lot_size.")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="GTD orders only.")
    post_only = serializers.BooleanField(default=False)
    stp_mode = serializers.ChoiceField(choices=StpMode.choices, default=StpMode.CANCEL_NEWEST)
    max_quote = BoundedIntegerField(min_value=1, required=False, allow_null=True,
                                    help_text="Market buys: most quote minor units to spend, fees included.")


class MarketOrderBatchInput(StrictInputSerializer):
    orders = serializers.ListField(child=MarketOrderInput(), min_length=1, max_length=MAX_BATCH,
                                   help_text=f"1 to {MAX_BATCH} orders, placed in this order.")


class MarketRefusalOutput(serializers.Serializer):
    code = serializers.CharField(help_text="The single-order endpoint's error code for this refusal.")
    message = serializers.CharField()
    extra = SafeDictField()


class MarketBatchResultOutput(serializers.Serializer):
    index = BoundedIntegerField(help_text="The order's position in the request.")
    status = BoundedIntegerField(help_text="The HTTP status this order would have had alone: 201 placed, "
                                           "200 replayed, 4xx refused.")
    order = MarketPlacedOutput(allow_null=True)
    error = MarketRefusalOutput(allow_null=True)


class MarketBatchOutput(serializers.Serializer):
    results = MarketBatchResultOutput(many=True)


class MarketAmendInput(StrictInputSerializer):
    quantity = BoundedIntegerField(min_value=1, required=False,
                                   help_text="New OPEN quantity, base minor units.")
    price = BoundedIntegerField(min_value=1, required=False)


class MarketOrderQuery(serializers.Serializer):
    market = BoundedIntegerField(required=False)
    status = serializers.ChoiceField(choices=[*OrderStatus.values, "closed"], required=False)


class MarketFillOutput(serializers.Serializer):
    id = BoundedIntegerField()
    market = BoundedIntegerField(source="market_id")
    order = BoundedIntegerField(source="order_id")
    client_id = serializers.CharField(source="order.client_id")
    trade = BoundedIntegerField(source="trade_id")
    side = serializers.CharField()
    role = serializers.CharField()
    price = BoundedIntegerField()
    quantity = BoundedIntegerField()
    notional = BoundedIntegerField()
    fee = BoundedIntegerField()
    seq = BoundedIntegerField(source="command_seq")
    created_at = serializers.DateTimeField()


class MarketTradeOutput(serializers.Serializer):
    id = BoundedIntegerField()
    sequence = BoundedIntegerField()
    price = BoundedIntegerField()
    quantity = BoundedIntegerField()
    notional = BoundedIntegerField()
    taker_side = serializers.CharField()
    seq = BoundedIntegerField(source="command_seq")
    created_at = serializers.DateTimeField()


class MarketLevelOutput(serializers.Serializer):
    price = BoundedIntegerField()
    price_ticks = BoundedIntegerField()
    quantity = BoundedIntegerField()
    qty_lots = BoundedIntegerField()
    orders = BoundedIntegerField()


class MarketDepthOutput(serializers.Serializer):
    bids = MarketLevelOutput(many=True)
    asks = MarketLevelOutput(many=True)


class MarketQuoteOutput(serializers.Serializer):
    side = serializers.CharField()
    quantity = BoundedIntegerField()
    filled_quantity = BoundedIntegerField()
    unfilled_quantity = BoundedIntegerField(help_text="More than the book holds within the levels walked.")
    notional = BoundedIntegerField(help_text="Quote minor units.")
    fee = BoundedIntegerField(help_text="Taker fee, quote minor units.")
    total = BoundedIntegerField(help_text="Buy: notional plus fee to pay. Sell: notional less fee received.")
    average_price = BoundedIntegerField(allow_null=True)
    worst_price = BoundedIntegerField(allow_null=True)
    levels = BoundedIntegerField(help_text="Book levels walked at most.")


class MarketCandleOutput(serializers.Serializer):
    time = serializers.DateTimeField()
    open = BoundedIntegerField()
    high = BoundedIntegerField()
    low = BoundedIntegerField()
    close = BoundedIntegerField()
    volume = BoundedIntegerField()
    quote_volume = BoundedIntegerField()
    trades = BoundedIntegerField()


class MarketStatsOutput(serializers.Serializer):
    open = BoundedIntegerField(allow_null=True)
    high = BoundedIntegerField(allow_null=True)
    low = BoundedIntegerField(allow_null=True)
    last = BoundedIntegerField(allow_null=True)
    change = BoundedIntegerField(allow_null=True)
    volume = BoundedIntegerField()
    quote_volume = BoundedIntegerField()
    trades = BoundedIntegerField()
    last_price = BoundedIntegerField(allow_null=True)


class MarketEventsOutput(serializers.Serializer):
    market = BoundedIntegerField()
    seq = BoundedIntegerField(help_text="Pass as `after` on the next poll.")
    state = serializers.CharField()
    depth = MarketDepthOutput()
    trades = MarketTradeOutput(many=True)
    orders = MarketOrderOutput(many=True)
    fills = MarketFillOutput(many=True)
