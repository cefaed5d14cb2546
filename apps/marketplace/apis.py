"""Marketplace API: market data for any signed-in tenant; placing, amending and cancelling need `trade`."""
from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.errors import ApplicationError
from apps.core.serializers import BoundedIntegerField
from apps.marketplace import selectors, services
from apps.marketplace import serializers as s
from apps.marketplace.domain import MAX_AMOUNT
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.services.order_batch import Outcome, orders_place_batch
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission


class MarketListApi(TenantApi):
    @extend_schema(operation_id="markets_list", responses=s.MarketOutput(many=True))
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.market_list(), s.MarketOutput)


class MarketDetailApi(TenantApi):
    @extend_schema(operation_id="markets_retrieve", responses=s.MarketOutput)
    def get(self, request: Request, market_id: int) -> Response:
        return Response(s.MarketOutput(selectors.market_get(market_id=market_id)).data)


class DepthApi(TenantApi):
    class Query(serializers.Serializer):
        levels = BoundedIntegerField(min_value=1, max_value=100, default=20)

    @extend_schema(operation_id="markets_depth", responses=s.MarketDepthOutput,
                   parameters=[OpenApiParameter("levels", int, description="1 to 100 (default 20)")])
    def get(self, request: Request, market_id: int) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        market = selectors.market_get(market_id=market_id)
        return Response(s.MarketDepthOutput(selectors.depth(market=market, levels=query.validated_data["levels"])).data)


class QuoteApi(TenantApi):
    class Query(serializers.Serializer):
        side = serializers.ChoiceField(choices=("buy", "sell"))
        quantity = BoundedIntegerField(min_value=1, max_value=MAX_AMOUNT,
                                            help_text="Base minor units, a whole number of lots.")

    @extend_schema(operation_id="markets_quote", responses=s.MarketQuoteOutput,
                   parameters=[OpenApiParameter("side", str, enum=["buy", "sell"], required=True),
                               OpenApiParameter("quantity", int, required=True,
                                                description="Base minor units, a whole number of lots.")],
                   description="What a market order of this size would cost (buy) or yield (sell) now, walking the "
                               "book: filled and unfilled quantity, notional, taker fee, average and worst price. "
                               "Nothing is reserved.")
    def get(self, request: Request, market_id: int) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        market = selectors.market_get(market_id=market_id)
        quantity = query.validated_data["quantity"]
        if quantity % market.lot_size:
            raise ApplicationError("The quantity is not a whole number of lots.", code=MarketErrorCode.INVALID_ORDER,
                                   extra={"fields": {"quantity": [
                                       f"Use a multiple of the lot size, {market.lot_size}."]}})
        return Response(s.MarketQuoteOutput(selectors.quote(market=market, side=query.validated_data["side"],
                                                            quantity=quantity)).data)


class TradeListApi(TenantApi):
    @extend_schema(operation_id="markets_trades", responses=s.MarketTradeOutput(many=True))
    def get(self, request: Request, market_id: int) -> Response:
        market = selectors.market_get(market_id=market_id)
        return self.paginate(request, selectors.trade_list(market=market), s.MarketTradeOutput)


class CandleListApi(TenantApi):
    class Query(serializers.Serializer):
        interval = serializers.ChoiceField(choices=list(selectors.INTERVALS), default="1m")
        limit = BoundedIntegerField(min_value=1, max_value=1000, default=200)

    @extend_schema(operation_id="markets_candles", responses=s.MarketCandleOutput(many=True),
                   parameters=[OpenApiParameter("interval", str, enum=list(selectors.INTERVALS)),
                               OpenApiParameter("limit", int)])
    def get(self, request: Request, market_id: int) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        market = selectors.market_get(market_id=market_id)
        return Response(s.MarketCandleOutput(selectors.candles(market=market, **query.validated_data), many=True).data)


class StatsApi(TenantApi):
    @extend_schema(operation_id="markets_stats", responses=s.MarketStatsOutput)
    def get(self, request: Request, market_id: int) -> Response:
        return Response(s.MarketStatsOutput(selectors.stats_24h(market=selectors.market_get(market_id=market_id))).data)


class EventsApi(TenantApi):
    class Query(serializers.Serializer):
        after = BoundedIntegerField(min_value=0, default=0)

    @extend_schema(operation_id="markets_events", responses=s.MarketEventsOutput,
                   parameters=[OpenApiParameter("after", int, description="The `seq` of your previous poll.")],
                   description="Polling feed for live pages: trades and your order and fill changes after "
                               "command `after`, plus the current depth.")
    def get(self, request: Request, market_id: int) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        market = selectors.market_get(market_id=market_id)
        feed = selectors.events_since(tenant=self.tenant, market=market, after=query.validated_data["after"])
        return Response(s.MarketEventsOutput(feed).data)


class MarketOrdersApi(TenantApi):
    write_permission = Permission.TRADE

    @extend_schema(operation_id="markets_orders_list", responses=s.MarketOrderOutput(many=True),
                   parameters=[OpenApiParameter("status", str, enum=["open", "filled", "cancelled", "expired",
                                                                     "closed"])])
    def get(self, request: Request, market_id: int) -> Response:
        query = s.MarketOrderQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        selectors.market_get(market_id=market_id)
        qs = selectors.order_list(tenant=self.tenant, market_id=market_id, status=query.validated_data.get("status"))
        return self.paginate(request, qs, s.MarketOrderOutput)

    @extend_schema(operation_id="markets_orders_place", request=s.MarketOrderInput,
                   responses={201: s.MarketPlacedOutput, 200: s.MarketPlacedOutput})
    def post(self, request: Request, market_id: int) -> Response:
        return self.handle_idempotent(request, lambda: self._place(request, market_id))

    def _place(self, request: Request, market_id: int) -> Response:
        data = s.MarketOrderInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        placed = services.order_place(actor=self.actor, tenant=self.tenant, market_id=market_id,
                                      order_type=v.pop("type"), **v)
        body = {**s.order_body(placed.order), "replayed": placed.replayed}
        return Response(body, status=status.HTTP_200_OK if placed.replayed else status.HTTP_201_CREATED)


class MarketOrdersBatchApi(TenantApi):
    """Up to 100 orders in one request, each answered on its own (services/order_batch.py has the contract)."""

    permission = Permission.TRADE
    # The orders commit in the market writer's transaction, not the request's; each is idempotent by its client
    # id, so a batch whose stored answer was lost is safely placed again (its orders answer as replays).
    idempotency_atomic = False

    @extend_schema(operation_id="markets_orders_batch", request=s.MarketOrderBatchInput,
                   responses={200: s.MarketBatchOutput})
    def post(self, request: Request, market_id: int) -> Response:
        return self.handle_idempotent(request, lambda: self._place(request, market_id))

    def _place(self, request: Request, market_id: int) -> Response:
        data = s.MarketOrderBatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        orders = [{**{k: v for k, v in o.items() if k != "type"}, "order_type": o["type"]}
                  for o in data.validated_data["orders"]]
        outcomes = orders_place_batch(actor=self.actor, tenant=self.tenant, market_id=market_id, orders=orders)
        body = {"results": [_result(i, o) for i, o in enumerate(outcomes)]}
        if any(o.status >= 500 for o in outcomes):
            # An unknown outcome must not be stored under the Idempotency-Key: answering 503 lets the client
            # repeat the request, whose committed orders then answer as replays.
            raise ApplicationError("The market's writer did not answer every order in time; repeat the request "
                                   "to learn the outcome of each.", code=MarketErrorCode.SEQUENCER_TIMEOUT,
                                   status=503, extra=body)
        # The shapes are MarketBatchOutput's; the bodies are built once, from MarketOrderOutput.
        return Response(body)


def _result(index: int, outcome: Outcome) -> dict[str, object]:
    error = outcome.error
    return {"index": index, "status": outcome.status,
            "order": None if outcome.order is None else {**s.order_body(outcome.order), "replayed": outcome.replayed},
            "error": None if error is None else {"code": error.code, "message": error.message,
                                                 "extra": error.extra or {}}}


class CancelAllApi(TenantApi):
    permission = Permission.TRADE

    @extend_schema(operation_id="markets_orders_cancel_all", request=None, responses=s.MarketOrderOutput(many=True))
    def post(self, request: Request, market_id: int) -> Response:
        selectors.market_get(market_id=market_id)
        cancelled = services.orders_cancel_all(actor=self.actor, tenant=self.tenant, market_id=market_id)
        return Response(s.MarketOrderOutput(cancelled, many=True).data)


class OrderListApi(TenantApi):
    @extend_schema(operation_id="orders_list", responses=s.MarketOrderOutput(many=True),
                   parameters=[OpenApiParameter("market", int), OpenApiParameter("status", str)])
    def get(self, request: Request) -> Response:
        query = s.MarketOrderQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.order_list(tenant=self.tenant, market_id=query.validated_data.get("market"),
                                  status=query.validated_data.get("status"))
        return self.paginate(request, qs, s.MarketOrderOutput)


class OrderDetailApi(TenantApi):
    @extend_schema(operation_id="orders_retrieve", responses=s.MarketOrderOutput)
    def get(self, request: Request, order_id: int) -> Response:
        return Response(s.MarketOrderOutput(selectors.order_get(tenant=self.tenant, order_id=order_id)).data)


class OrderCancelApi(TenantApi):
    permission = Permission.TRADE

    @extend_schema(operation_id="orders_cancel", request=None, responses=s.MarketOrderOutput)
    def post(self, request: Request, order_id: int) -> Response:
        selectors.order_get(tenant=self.tenant, order_id=order_id)
        order = services.order_cancel(actor=self.actor, tenant=self.tenant, order_id=order_id)
        return Response(s.MarketOrderOutput(order).data)


class OrderAmendApi(TenantApi):
    permission = Permission.TRADE

    @extend_schema(operation_id="orders_amend", request=s.MarketAmendInput, responses=s.MarketOrderOutput)
    def post(self, request: Request, order_id: int) -> Response:
        data = s.MarketAmendInput(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.order_get(tenant=self.tenant, order_id=order_id)
        order = services.order_amend(actor=self.actor, tenant=self.tenant, order_id=order_id, **data.validated_data)
        return Response(s.MarketOrderOutput(order).data)


class FillListApi(TenantApi):
    class Query(serializers.Serializer):
        market = BoundedIntegerField(required=False)
        order = BoundedIntegerField(required=False)

    @extend_schema(operation_id="fills_list", responses=s.MarketFillOutput(many=True),
                   parameters=[OpenApiParameter("market", int), OpenApiParameter("order", int)])
    def get(self, request: Request) -> Response:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.fill_list(tenant=self.tenant, market_id=query.validated_data.get("market"),
                                 order_id=query.validated_data.get("order"))
        return self.paginate(request, qs, s.MarketFillOutput)
