"""Placing many orders of one trader in one market with one call, as exchanges offer (batch placement).

The contract is per-order outcomes: every order is answered on its own, in the request's order, exactly as it
would have been placed alone (created, replayed by its `client_id`, or refused with the single-order endpoint's
code), and one refusal does not stop the others. What is shared is only the cost: one probe for every committed
`client_id`, one queue push and usually one writer batch (the orders sit together in the market's queue), and
one read of the committed orders. Orders run in the request's order, so a later one sees what an earlier one
reserved, released or traded, as consecutive single calls would.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import Order
from apps.marketplace.services import sequencer_client
from apps.marketplace.services.orders import (
    committed_client_ids,
    duplicate_client_id,
    order_place_direct,
    place_fields,
    place_fields_json,
)
from apps.marketplace.services.runner import market_or_404
from apps.tenants.models import Tenant

MAX_BATCH = 100  # bounds one request's share of a writer batch (512) and its answer (~100 kB)

@dataclass(frozen=True)
class Outcome:
    """One order's answer: `order` with `replayed`, or the `error` it would have been refused with alone."""
    order: Order | None = None
    replayed: bool = False
    error: ApplicationError | None = None

    @property
    def status(self) -> int:
        if self.error is not None:
            return self.error.status
        return 200 if self.replayed else 201


@dataclass
class _Item:
    fields: dict[str, Any]
    request_hash: str
    pk: int | None = None
    replayed: bool = False
    error: ApplicationError | None = None


def orders_place_batch(*, actor: Actor, tenant: Tenant, market_id: int, orders: list[dict[str, Any]]) -> list[Outcome]:
    """Place `orders` (each the keyword arguments of `order_place` less `market_id`) in order; one Outcome each.
    Cost with a market writer: one query, one queue push, one share of a writer batch, one query to read the
    orders back; without one, each order is its own market-locked transaction (the per-order path)."""
    if len(orders) > MAX_BATCH:
        raise ApplicationError(f"At most {MAX_BATCH} orders per request.", code=MarketErrorCode.INVALID_ORDER,
                               extra={"fields": {"orders": [f"At most {MAX_BATCH} orders."]}})
    items = [_Item(*place_fields(market_id=market_id, **o)) for o in orders]
    _replays(tenant, items)
    todo = [item for item in items if item.pk is None and item.error is None]
    if todo and sequencer_client.leader_alive(market_id):
        _through_writer(actor, tenant, market_id, todo)
    elif todo:
        market_or_404(market_id)  # one 404 for the request, not one per order
        for item in todo:
            _direct(actor, tenant, market_id, item)
    loaded = sequencer_client.load_orders([item.pk for item in items if item.pk is not None])
    return [Outcome(error=item.error) if item.pk is None else
            Outcome(order=loaded[item.pk], replayed=item.replayed) for item in items]


def _replays(tenant: Tenant, items: list[_Item]) -> None:
    """Orders whose client id has committed already answer from it, as single placements do, even on a halted
    market; the writer checks again under its lock for twins that commit meanwhile."""
    committed = committed_client_ids({(tenant.pk, item.fields["client_id"]) for item in items})
    for item in items:
        found = committed.get((tenant.pk, item.fields["client_id"]))
        if found is None:
            continue
        if found[1] == item.request_hash:
            item.pk, item.replayed = found[0], True
        else:
            item.error = duplicate_client_id()


def _through_writer(actor: Actor, tenant: Tenant, market_id: int, todo: list[_Item]) -> None:
    commands = [sequencer_client.request("place", actor=actor, tenant_id=tenant.pk,
                                         fields=place_fields_json(item.fields), request_hash=item.request_hash)
                for item in todo]
    for item, answer in zip(todo, sequencer_client.submit_many(market_id, commands), strict=True):
        if isinstance(answer, ApplicationError):
            item.error = answer
        else:
            item.pk, item.replayed = answer["order"], answer["replayed"]


def _direct(actor: Actor, tenant: Tenant, market_id: int, item: _Item) -> None:
    try:
        placed = order_place_direct(actor=actor, tenant=tenant, market_id=market_id, fields=item.fields,
                                    request_hash=item.request_hash)
    except ApplicationError as exc:
        item.error = exc
        return
    item.pk, item.replayed = placed.order.pk, placed.replayed
