from __future__ import annotations

from django.urls import path

from apps.marketplace import apis

urlpatterns = [
    path("", apis.MarketListApi.as_view(), name="markets"),
    path("orders/", apis.OrderListApi.as_view(), name="market-orders-all"),
    path("orders/<int:order_id>/", apis.OrderDetailApi.as_view(), name="market-order"),
    path("orders/<int:order_id>/cancel/", apis.OrderCancelApi.as_view(), name="market-order-cancel"),
    path("orders/<int:order_id>/amend/", apis.OrderAmendApi.as_view(), name="market-order-amend"),
    path("fills/", apis.FillListApi.as_view(), name="market-fills"),
    path("<int:market_id>/", apis.MarketDetailApi.as_view(), name="market"),
    path("<int:market_id>/depth/", apis.DepthApi.as_view(), name="market-depth"),
    path("<int:market_id>/quote/", apis.QuoteApi.as_view(), name="market-quote"),
    path("<int:market_id>/trades/", apis.TradeListApi.as_view(), name="market-trades"),
    path("<int:market_id>/candles/", apis.CandleListApi.as_view(), name="market-candles"),
    path("<int:market_id>/stats/", apis.StatsApi.as_view(), name="market-stats"),
    path("<int:market_id>/events/", apis.EventsApi.as_view(), name="market-events"),
    path("<int:market_id>/orders/", apis.MarketOrdersApi.as_view(), name="market-orders"),
    path("<int:market_id>/orders/batch/", apis.MarketOrdersBatchApi.as_view(), name="market-orders-batch"),
    path("<int:market_id>/orders/cancel-all/", apis.CancelAllApi.as_view(), name="market-orders-cancel-all"),
]
