"""API shapes. Prices are quote minor units per whole base unit and quantities base minor units (with the tick
and lot integers alongside); every amount is an integer."""
from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import StrictInputSerializer
from apps.marketplace.models import OrderStatus, OrderType, Side, StpMode, TimeInForce


class MarketOutput(serializers.Serializer):
    id = serializers.IntegerField()
    symbol = serializers.CharField()
    base_asset = serializers.CharField(source="base_asset_id")
    quote_asset = serializers.CharField(source="quote_asset_id")
    base_scale = serializers.IntegerField(source="base_asset.scale")
    quote_scale = serializers.IntegerField(source="quote_asset.scale")
    tick_size = serializers.IntegerField(help_text="Price step, quote minor units per whole base unit.")
    lot_size = serializers.IntegerField(help_text="Quantity step, base minor units.")
    min_quantity = serializers.IntegerField()
    max_quantity = serializers.IntegerField()
    maker_fee_bps = serializers.IntegerField()
    taker_fee_bps = serializers.IntegerField()
    state = serializers.CharField()
    last_price = serializers.IntegerField(allow_null=True)
    seq = serializers.IntegerField(source="command_seq")


class MarketOrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    market = serializers.IntegerField(source="market_id")
    symbol = serializers.CharField(source="market.symbol")
    client_id = serializers.CharField()
    sequence = serializers.IntegerField()
    side = serializers.CharField()
    type = serializers.CharField(source="order_type")
    time_in_force = serializers.CharField()
    price = serializers.IntegerField(allow_null=True)
    price_ticks = serializers.IntegerField(allow_null=True)
    quantity = serializers.IntegerField()
    qty_lots = serializers.IntegerField()
    filled_quantity = serializers.IntegerField()
    filled_lots = serializers.IntegerField()
    open_quantity = serializers.IntegerField()
    open_lots = serializers.IntegerField()
    filled_notional = serializers.IntegerField(help_text="Quote minor units traded.")
    fees_paid = serializers.IntegerField(help_text="Quote minor units.")
    status = serializers.CharField()
    cancel_reason = serializers.CharField()
    post_only = serializers.BooleanField()
    stp_mode = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    max_quote = serializers.IntegerField(allow_null=True)
    reserve_asset = serializers.CharField()
    reserved_remaining = serializers.IntegerField(source="reserve_left",
                                                  help_text="Still held for this order, in reserve_asset.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


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
    price = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                     help_text="Quote minor units per whole base unit; a multiple of tick_size.")
    quantity = serializers.IntegerField(min_value=1, help_text="Base minor units; a multiple of lot_size.")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, help_text="GTD orders only.")
    post_only = serializers.BooleanField(default=False)
    stp_mode = serializers.ChoiceField(choices=StpMode.choices, default=StpMode.CANCEL_NEWEST)
    max_quote = serializers.IntegerField(min_value=1, required=False, allow_null=True,
                                         help_text="Market buys: most quote minor units to spend, fees included.")


class MarketAmendInput(StrictInputSerializer):
    quantity = serializers.IntegerField(min_value=1, required=False,
                                        help_text="New OPEN quantity, base minor units.")
    price = serializers.IntegerField(min_value=1, required=False)


class MarketOrderQuery(serializers.Serializer):
    market = serializers.IntegerField(required=False)
    status = serializers.ChoiceField(choices=[*OrderStatus.values, "closed"], required=False)


class MarketFillOutput(serializers.Serializer):
    id = serializers.IntegerField()
    market = serializers.IntegerField(source="market_id")
    order = serializers.IntegerField(source="order_id")
    client_id = serializers.CharField(source="order.client_id")
    trade = serializers.IntegerField(source="trade_id")
    side = serializers.CharField()
    role = serializers.CharField()
    price = serializers.IntegerField()
    quantity = serializers.IntegerField()
    notional = serializers.IntegerField()
    fee = serializers.IntegerField()
    seq = serializers.IntegerField(source="command_seq")
    created_at = serializers.DateTimeField()


class MarketTradeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    sequence = serializers.IntegerField()
    price = serializers.IntegerField()
    quantity = serializers.IntegerField()
    notional = serializers.IntegerField()
    taker_side = serializers.CharField()
    seq = serializers.IntegerField(source="command_seq")
    created_at = serializers.DateTimeField()


class MarketLevelOutput(serializers.Serializer):
    price = serializers.IntegerField()
    price_ticks = serializers.IntegerField()
    quantity = serializers.IntegerField()
    qty_lots = serializers.IntegerField()
    orders = serializers.IntegerField()


class MarketDepthOutput(serializers.Serializer):
    bids = MarketLevelOutput(many=True)
    asks = MarketLevelOutput(many=True)


class MarketQuoteOutput(serializers.Serializer):
    side = serializers.CharField()
    quantity = serializers.IntegerField()
    filled_quantity = serializers.IntegerField()
    unfilled_quantity = serializers.IntegerField(help_text="More than the book holds within the levels walked.")
    notional = serializers.IntegerField(help_text="Quote minor units.")
    fee = serializers.IntegerField(help_text="Taker fee, quote minor units.")
    total = serializers.IntegerField(help_text="Buy: notional plus fee to pay. Sell: notional less fee received.")
    average_price = serializers.IntegerField(allow_null=True)
    worst_price = serializers.IntegerField(allow_null=True)
    levels = serializers.IntegerField(help_text="Book levels walked at most.")


class MarketCandleOutput(serializers.Serializer):
    time = serializers.DateTimeField()
    open = serializers.IntegerField()
    high = serializers.IntegerField()
    low = serializers.IntegerField()
    close = serializers.IntegerField()
    volume = serializers.IntegerField()
    quote_volume = serializers.IntegerField()
    trades = serializers.IntegerField()


class MarketStatsOutput(serializers.Serializer):
    open = serializers.IntegerField(allow_null=True)
    high = serializers.IntegerField(allow_null=True)
    low = serializers.IntegerField(allow_null=True)
    last = serializers.IntegerField(allow_null=True)
    change = serializers.IntegerField(allow_null=True)
    volume = serializers.IntegerField()
    quote_volume = serializers.IntegerField()
    trades = serializers.IntegerField()
    last_price = serializers.IntegerField(allow_null=True)


class MarketEventsOutput(serializers.Serializer):
    market = serializers.IntegerField()
    seq = serializers.IntegerField(help_text="Pass as `after` on the next poll.")
    state = serializers.CharField()
    depth = MarketDepthOutput()
    trades = MarketTradeOutput(many=True)
    orders = MarketOrderOutput(many=True)
    fills = MarketFillOutput(many=True)
