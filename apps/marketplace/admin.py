"""Back office: list and configure markets, halt/resume/close them and cancel orders, all through the
services (so the engine stays the single writer) and audited there."""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from apps.core.errors import ApplicationError
from apps.marketplace import services
from apps.marketplace.models import Market, MarketCommand, Order, Trade
from apps.ops.admin_mixins import AuditedAdmin, ReadOnlyAdmin, admin_actor

ENGINE_HEAD = ["state", "command_seq", "last_command_id", "next_sequence", "engine_now", "last_price_ticks",
               "created_at", "updated_at"]


@admin.register(Market)
class MarketAdmin(AuditedAdmin):
    list_display = ["symbol", "state", "tick_size", "lot_size", "min_lots", "max_lots", "maker_fee_bps",
                    "taker_fee_bps", "command_seq", "last_price_ticks"]
    list_filter = ["state"]
    actions = ["halt", "resume", "close"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fixed = ["symbol", "base_asset", "quote_asset", "tick_size", "lot_size"] if obj is not None else []
        return [*fixed, *ENGINE_HEAD]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Model, form: Any, change: bool) -> None:
        if not change:
            return super().save_model(request, obj, form, change)
        edited = {name: form.cleaned_data[name] for name in form.changed_data if name in services.markets.EDITABLE}
        if edited:
            services.market_update_config(actor=admin_actor(request), market_id=obj.pk, **edited)

    def _set_state(self, request: HttpRequest, queryset: QuerySet[Market], state: str) -> None:
        for market in queryset.order_by("pk"):
            try:
                services.market_set_state(actor=admin_actor(request), market_id=market.pk, state=state,
                                          reason=f"admin action by {request.user.get_username()}")
                self.message_user(request, f"{market.symbol} is now {state}.", messages.SUCCESS)
            except ApplicationError as exc:
                self.message_user(request, f"{market.symbol}: {exc.message}", messages.ERROR)

    @admin.action(description="Halt selected markets (cancels only)")
    def halt(self, request: HttpRequest, queryset: QuerySet[Market]) -> None:
        self._set_state(request, queryset, "halted")

    @admin.action(description="Resume selected markets")
    def resume(self, request: HttpRequest, queryset: QuerySet[Market]) -> None:
        self._set_state(request, queryset, "open")

    @admin.action(description="Close selected markets (cancels every resting order)")
    def close(self, request: HttpRequest, queryset: QuerySet[Market]) -> None:
        self._set_state(request, queryset, "closed")


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "market", "tenant", "client_id", "side", "order_type", "price_ticks", "qty_lots",
                    "filled_lots", "open_lots", "status", "created_at"]
    list_filter = ["market", "status", "side"]
    search_fields = ["client_id", "tenant__name"]
    actions = ["cancel_orders"]

    @admin.action(description="Cancel selected orders (releases their holds)")
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        done = 0
        for order_id in queryset.filter(status="open").order_by("pk").values_list("pk", flat=True):
            try:
                services.order_cancel(actor=admin_actor(request), tenant=None, order_id=order_id)
                done += 1
            except ApplicationError as exc:
                self.message_user(request, f"Order {order_id}: {exc.message}", messages.ERROR)
        self.message_user(request, f"Cancelled {done} order(s).", messages.SUCCESS)


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = ["sequence", "market", "price_ticks", "qty_lots", "notional", "taker_side", "buyer_fee",
                    "seller_fee", "entry_id", "created_at"]
    list_filter = ["market"]


@admin.register(MarketCommand)
class MarketCommandAdmin(ReadOnlyAdmin):
    list_display = ["market", "seq", "kind", "tenant_id", "actor", "created_at"]
    list_filter = ["market", "kind"]
