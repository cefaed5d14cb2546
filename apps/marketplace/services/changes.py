"""Changing resting orders: cancel one, cancel all of a tenant's on a market, amend price and/or quantity."""
from __future__ import annotations

from collections.abc import Callable

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, NotFoundError
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import MarketState, Order, OrderStatus, OrderType
from apps.marketplace.services import sequencer_client
from apps.marketplace.services.execution import Run, required_reserve
from apps.marketplace.services.orders import check_funds, order_lots, price_ticks_of
from apps.marketplace.services.runner import refusal, run_locked
from apps.ops.services import audit_record, snapshot
from apps.tenants import rls
from apps.tenants.models import Tenant
from kernels.matching import Amend, Cancel, CancelAll, Cancelled, Rejected

AUDITED = ["status", "open_lots", "filled_lots", "cancel_reason"]
CANCELLABLE = (MarketState.OPEN, MarketState.HALTED)


def _order(tenant: Tenant | None, order_id: int) -> Order:
    """The tenant's order, or any order for an operator (`tenant=None`)."""
    if tenant is not None:
        with rls.tenant_scope(tenant.pk):
            order = Order.objects.filter(pk=order_id, tenant=tenant).first()
    else:
        with rls.system_context(reason="an operator acts on any tenant's order"):
            order = Order.objects.filter(pk=order_id).first()
    if order is None:
        raise NotFoundError("No such order.")
    return order


def _open_in_run(run: Run, order: Order) -> Order:
    """The order as the locked transaction sees it, registered with the run."""
    fresh = run.orders.get(order.sequence) or Order.objects.get(pk=order.pk)
    if fresh.status != OrderStatus.OPEN:
        raise ApplicationError(f"The order is {fresh.status}.", code=MarketErrorCode.ORDER_NOT_OPEN, status=409)
    run.orders[fresh.sequence] = fresh
    return fresh


def cancel_work(*, actor: Actor, tenant: Tenant | None, order: Order) -> Callable[[Run], Order]:
    def work(run: Run) -> Order:
        fresh = _open_in_run(run, order)
        before = snapshot(fresh, AUDITED)
        events = run.apply(Cancel(owner=fresh.tenant_id, client_id=fresh.client_id), tenant_id=fresh.tenant_id)
        if isinstance(events[0], Rejected):
            raise refusal(events[0])
        if tenant is None:
            audit_record(actor=actor, action="marketplace.order_cancel", obj=fresh, tenant_id=fresh.tenant_id,
                         before=before, after={"status": OrderStatus.CANCELLED, "open_lots": 0})
        return fresh

    return work


def cancel_all_work(*, tenant: Tenant) -> Callable[[Run], list[Order]]:
    def work(run: Run) -> list[Order]:
        events = run.apply(CancelAll(owner=tenant.pk), tenant_id=tenant.pk)
        return [run.order(e.order_id) for e in events if isinstance(e, Cancelled)]

    return work


def amend_work(*, tenant: Tenant, order: Order, quantity: int | None, price: int | None) -> Callable[[Run], Order]:
    def work(run: Run) -> Order:
        fresh = _open_in_run(run, order)
        lots = None if quantity is None else order_lots(run.market, quantity, minimum=1)
        ticks = None if price is None else price_ticks_of(run.market, OrderType.LIMIT, price)
        future = Order(side=fresh.side, order_type=OrderType.LIMIT, price_ticks=ticks or fresh.price_ticks,
                       open_lots=lots or fresh.open_lots, fee_bps_maker=fresh.fee_bps_maker,
                       fee_bps_taker=fresh.fee_bps_taker)
        top_up = max(0, required_reserve(run.terms, future) - fresh.reserve_left)
        if top_up:
            check_funds(run, tenant, fresh.reserve_asset, top_up)
        events = run.apply(Amend(owner=tenant.pk, client_id=fresh.client_id, qty=lots, price=ticks),
                           tenant_id=tenant.pk, reserve=top_up)
        if isinstance(events[0], Rejected):
            raise refusal(events[0])
        return fresh

    return work


def order_cancel(*, actor: Actor, tenant: Tenant | None, order_id: int) -> Order:
    """Cancel a resting order and release its hold. Allowed while the market is halted. An operator passes
    `tenant=None`; that cancel is audited. Goes through the market's writer when one runs (see order_place)."""
    order = _order(tenant, order_id)
    if sequencer_client.leader_alive(order.market_id):
        done = sequencer_client.submit(order.market_id, sequencer_client.request(
            "cancel", actor=actor, tenant_id=None if tenant is None else tenant.pk, order_id=order.pk,
            sequence=order.sequence))
        return sequencer_client.load_order(done["order"])
    return run_locked(market_id=order.market_id, actor=actor, allowed=CANCELLABLE,
                      work=cancel_work(actor=actor, tenant=tenant, order=order))


def orders_cancel_all(*, actor: Actor, tenant: Tenant, market_id: int) -> list[Order]:
    """Cancel every resting order of `tenant` on the market; returns them (none is not an error)."""
    if sequencer_client.leader_alive(market_id):
        done = sequencer_client.submit(market_id, sequencer_client.request("cancel_all", actor=actor,
                                                                           tenant_id=tenant.pk))
        return [sequencer_client.load_order(pk) for pk in done["orders"]]
    return run_locked(market_id=market_id, actor=actor, allowed=CANCELLABLE, work=cancel_all_work(tenant=tenant))


def order_amend(*, actor: Actor, tenant: Tenant, order_id: int, quantity: int | None = None,
                price: int | None = None) -> Order:
    """Change a resting limit order's open quantity (base minor units) and/or price. Lowering the quantity at
    the same price keeps its place in the queue; a new price or a larger quantity sends it to the back (and it
    may trade at once, like a new order). A larger reservation is held first; any excess is released."""
    if quantity is None and price is None:
        raise ApplicationError("Give a new quantity, a new price, or both.", code=MarketErrorCode.INVALID_ORDER,
                               extra={"fields": {"quantity": ["Give a new quantity, a new price, or both."]}})
    order = _order(tenant, order_id)
    if order.order_type != OrderType.LIMIT:
        raise ApplicationError("Only limit orders rest and can be amended.", code=MarketErrorCode.ORDER_NOT_OPEN,
                               status=409)
    if sequencer_client.leader_alive(order.market_id):
        done = sequencer_client.submit(order.market_id, sequencer_client.request(
            "amend", actor=actor, tenant_id=tenant.pk, order_id=order.pk, sequence=order.sequence,
            quantity=quantity, price=price))
        return sequencer_client.load_order(done["order"])
    return run_locked(market_id=order.market_id, actor=actor, allowed=(MarketState.OPEN,),
                      work=amend_work(tenant=tenant, order=order, quantity=quantity, price=price))
