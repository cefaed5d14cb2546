"""Placing an order: validation against the market's rules, the client-id replay, the reservation, the match."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, connection
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError
from apps.ledger.amounts import amount_text
from apps.ledger.domain import canonical
from apps.ledger.services import account_open
from apps.marketplace.domain import MAX_AMOUNT, book_cost, fee, limit_reserve, spend_cap
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import Market, MarketState, Order, OrderStatus, OrderType, Side, StpMode, TimeInForce
from apps.marketplace.services import sequencer_client, settlement
from apps.marketplace.services.execution import Run, new_order_command, terms_of
from apps.marketplace.services.runner import refusal, run_locked
from apps.tenants.models import Tenant
from kernels.matching import Reason, Rejected

CLIENT_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")
RESTING = (TimeInForce.GTC, TimeInForce.GTD)
BIGINT = 2**63  # the order columns' range: PostgreSQL bigint
# Django's `Choices.values` builds a new list on every read
SIDES, ORDER_TYPES, STP_MODES, TIFS = (frozenset(c.values) for c in (Side, OrderType, StpMode, TimeInForce))


@dataclass(frozen=True)
class Placed:
    order: Order
    replayed: bool


def _refuse(code: MarketErrorCode, field: str, message: str, status: int = 400) -> ApplicationError:
    return ApplicationError(message, code=code, status=status, extra={"fields": {field: [message]}})


def duplicate_client_id() -> ApplicationError:
    """The refusal of a client id that already placed a different order (409, naming `client_id`)."""
    return _refuse(MarketErrorCode.DUPLICATE_CLIENT_ID, "client_id", "This client id was used for a different order.",
                   status=409)


def _tif(order_type: str, time_in_force: str | None, post_only: bool) -> str:
    tif = time_in_force or (TimeInForce.GTC if order_type == OrderType.LIMIT else TimeInForce.IOC)
    if order_type == OrderType.MARKET and tif in RESTING:
        raise _refuse(MarketErrorCode.INVALID_ORDER, "time_in_force", "A market order is IOC or FOK.")
    if post_only and (order_type != OrderType.LIMIT or tif not in RESTING):
        raise _refuse(MarketErrorCode.INVALID_ORDER, "post_only", "Post-only needs a GTC or GTD limit order.")
    return tif


def price_ticks_of(market: Market, order_type: str, price: int | None) -> int | None:
    if order_type == OrderType.MARKET:
        if price is not None:
            raise _refuse(MarketErrorCode.INVALID_ORDER, "price", "A market order takes no price.")
        return None
    if price is None or price < 1:
        raise _refuse(MarketErrorCode.INVALID_ORDER, "price", "A limit order needs a positive price.")
    if price % market.tick_size:
        raise _refuse(MarketErrorCode.OFF_TICK, "price", f"The price must be a multiple of the tick size "
                                                         f"{market.tick_size}.")
    ticks = price // market.tick_size
    if ticks > market.max_price_ticks:
        raise _refuse(MarketErrorCode.PRICE_OUT_OF_RANGE, "price",
                      f"The price may be at most {market.max_price_ticks * market.tick_size}.")
    return ticks


def order_lots(market: Market, quantity: int, *, field: str = "quantity", minimum: int | None = None) -> int:
    """`quantity` (base minor units) as whole lots within the market's bounds."""
    if quantity < 1 or quantity % market.lot_size:
        raise _refuse(MarketErrorCode.OFF_LOT, field, f"The quantity must be a positive multiple of the lot size "
                                                      f"{market.lot_size}.")
    lots = quantity // market.lot_size
    low = market.min_lots if minimum is None else minimum
    if lots < low:
        raise _refuse(MarketErrorCode.ORDER_TOO_SMALL, field, f"The minimum is {low * market.lot_size}.")
    if lots > market.max_lots:
        raise _refuse(MarketErrorCode.ORDER_TOO_LARGE, field, f"The maximum is {market.max_lots * market.lot_size}.")
    return lots


def _expiry(tif: str, expires_at: datetime | None) -> datetime | None:
    if tif != TimeInForce.GTD:
        if expires_at is not None:
            raise _refuse(MarketErrorCode.INVALID_ORDER, "expires_at", "Only a GTD order has an expiry.")
        return None
    if expires_at is None:
        raise _refuse(MarketErrorCode.INVALID_ORDER, "expires_at", "A GTD order needs an expiry.")
    if expires_at <= timezone.now():
        raise _refuse(MarketErrorCode.ORDER_EXPIRED, "expires_at", "The expiry has already passed.")
    return expires_at


def build_draft(*, market: Market, tenant: Tenant, client_id: str, side: str, order_type: str,
                time_in_force: str | None, price: int | None, quantity: int, expires_at: datetime | None,
                post_only: bool, stp_mode: str, max_quote: int | None, request_hash: str | None = None) -> Order:
    """A validated, unsaved order; raises ApplicationError naming the offending field. `request_hash` is the
    fingerprint of these fields when the caller has it already (from `place_fields`)."""
    if not CLIENT_ID.match(client_id or ""):
        raise _refuse(MarketErrorCode.INVALID_ORDER, "client_id", "1 to 64 letters, digits or . _ : -")
    if side not in SIDES or order_type not in ORDER_TYPES or stp_mode not in STP_MODES:
        raise _refuse(MarketErrorCode.INVALID_ORDER, "side", "Unknown side, order type or STP mode.")
    _check_types(time_in_force=time_in_force, price=price, quantity=quantity, post_only=post_only,
                 max_quote=max_quote, expires_at=expires_at)
    tif = _tif(order_type, time_in_force, post_only)
    ticks, lots = price_ticks_of(market, order_type, price), order_lots(market, quantity)
    if max_quote is not None and not (order_type == OrderType.MARKET and side == Side.BUY and max_quote >= 1):
        raise _refuse(MarketErrorCode.INVALID_ORDER, "max_quote", "Only a market buy takes a positive max_quote.")
    terms = terms_of(market)
    if ticks is not None and terms.notional(ticks, lots) * 2 > MAX_AMOUNT:
        raise _refuse(MarketErrorCode.ORDER_TOO_LARGE, "quantity", "The order's value is out of range.")
    if request_hash is None:
        request_hash = fingerprint(market_id=market.pk, side=side, order_type=order_type, time_in_force=tif,
                                   price=price, quantity=quantity, expires_at=expires_at, post_only=post_only,
                                   stp_mode=stp_mode, max_quote=max_quote)
    return _new_order(market, tenant, dict(
        client_id=client_id, side=side, order_type=order_type, time_in_force=tif, price_ticks=ticks, qty_lots=lots,
        open_lots=lots, post_only=post_only, stp_mode=stp_mode, expires_at=_expiry(tif, expires_at),
        max_quote=max_quote, fee_bps_maker=market.maker_fee_bps, fee_bps_taker=market.taker_fee_bps,
        reserve_asset=market.quote_asset_id if side == Side.BUY else market.base_asset_id,
        request_hash=request_hash))


_NEW_ORDER = dict(id=None, created_at=None, updated_at=None, sequence=0, filled_lots=0, status=OrderStatus.OPEN,
                  cancel_reason="", filled_notional=0, fees_paid=0, reserved=0, reserve_used=0, reserve_released=0,
                  hold_id=None, priority=None, updated_seq=0)


def _new_order(market: Market, tenant: Tenant, values: dict[str, Any]) -> Order:
    """An unsaved Order through Django's positional constructor (the one it uses to load rows): the keyword
    path resolves defaults and descriptors field by field, several times the cost. Every column is given."""
    columns = {**_NEW_ORDER, **values, "tenant_id": tenant.pk, "market_id": market.pk}
    order = Order(*[columns[f.attname] for f in Order._meta.concrete_fields])  # type: ignore[misc]
    Order.tenant.field.set_cached_value(order, tenant)
    Order.market.field.set_cached_value(order, market)
    return order


def _check_types(*, time_in_force: str | None, price: int | None, quantity: int, post_only: bool,
                 max_quote: int | None, expires_at: datetime | None) -> None:
    """What `full_clean` used to catch beyond the rules above, checked directly: it cost more than the rest of
    the order's work in a writer's batch. Values that reach here are already the right shape from the API's
    serializer; these guard the service's other callers."""
    if time_in_force is not None and time_in_force not in TIFS:
        raise _refuse(MarketErrorCode.INVALID_ORDER, "time_in_force", "Unknown time in force.")
    for name, value in (("price", price), ("quantity", quantity), ("max_quote", max_quote)):
        if value is not None and (type(value) is not int or not -BIGINT <= value < BIGINT):
            raise _refuse(MarketErrorCode.INVALID_ORDER, name, "A whole number of minor units is expected.")
    if type(post_only) is not bool:
        raise _refuse(MarketErrorCode.INVALID_ORDER, "post_only", "True or false.")
    if expires_at is not None and (not isinstance(expires_at, datetime) or timezone.is_naive(expires_at)):
        raise _refuse(MarketErrorCode.INVALID_ORDER, "expires_at", "A date and time with its time zone.")


def fingerprint(*, market_id: int, side: str, order_type: str, time_in_force: str | None, price: int | None,
                quantity: int, expires_at: datetime | None, post_only: bool, stp_mode: str,
                max_quote: int | None) -> str:
    """What the client asked for, so a repeated client id can be told apart from a reused one."""
    tif = time_in_force or (TimeInForce.GTC if order_type == OrderType.LIMIT else TimeInForce.IOC)
    fields = [market_id, side, order_type, tif, price, quantity, post_only, stp_mode,
              expires_at.isoformat() if expires_at else None, max_quote]
    return hashlib.sha256(canonical(fields).encode()).hexdigest()


def _replay(tenant: Tenant, client_id: str, request_hash: str) -> Placed | None:
    # A cheap probe first: almost every call finds nothing.
    found = Order.objects.filter(tenant=tenant, client_id=client_id).values_list("pk", "request_hash").first()
    return None if found is None else _replayed(found[0], found[1], request_hash)


def _replayed(pk: int, stored_hash: str, request_hash: str) -> Placed:
    if stored_hash != request_hash:
        raise duplicate_client_id()
    return Placed(order=Order.objects.select_related("market").get(pk=pk), replayed=True)


COMMITTED_CLIENT_IDS_SQL = (
    "SELECT o.tenant_id, o.client_id, o.id, o.request_hash FROM unnest(%s::bigint[], %s::text[]) AS k(tenant_id, "
    "client_id) JOIN marketplace_order AS o ON o.tenant_id = k.tenant_id AND o.client_id = k.client_id"
)


def committed_client_ids(keys: set[tuple[int, str]]) -> dict[tuple[int, str], tuple[int, str]]:
    """The committed orders among (tenant, client id) pairs, in one query: what a writer checks for a batch."""
    if not keys:
        return {}
    # The exact pairs, one probe each of the (tenant, client id) unique index: two IN lists made the index scan
    # walk every tenant x client id combination, the costliest statement of a writer's batch.
    tenants, client_ids = zip(*keys, strict=True)
    with connection.cursor() as cursor:
        cursor.execute(COMMITTED_CLIENT_IDS_SQL, [list(tenants), list(client_ids)])
        return {(t, c): (pk, h) for t, c, pk, h in cursor.fetchall()}


def _reservation(run: Run, draft: Order) -> tuple[int, int | None]:
    """(what to hold, the engine's spend budget for a market buy)."""
    terms = terms_of(run.market)
    if draft.side == Side.SELL:
        return terms.base_amount(draft.qty_lots), None
    if draft.order_type == OrderType.LIMIT:
        assert draft.price_ticks is not None  # build_draft gives every limit order a price
        return limit_reserve(terms, Side.BUY, draft.price_ticks, draft.qty_lots,
                             max(draft.fee_bps_maker, draft.fee_bps_taker)), None
    if draft.max_quote is not None:
        budget = spend_cap(terms, draft.max_quote, draft.fee_bps_taker)
        if not budget:
            raise _refuse(MarketErrorCode.INVALID_ORDER, "max_quote", "max_quote does not cover one lot at one tick.")
        return draft.max_quote, budget
    budget = book_cost(_asks(run, draft.qty_lots), draft.qty_lots)
    if not budget:
        raise ApplicationError("No sell orders to buy from.", code=MarketErrorCode.NO_LIQUIDITY, status=409)
    spend = terms.notional(budget, 1)
    draft.max_quote = spend + fee(spend, draft.fee_bps_taker)
    return draft.max_quote, budget


def _asks(run: Run, lots: int) -> list[tuple[int, int]]:
    levels = 64
    while True:
        asks = run.book.engine.depth(levels)[1]
        if len(asks) < levels or sum(q for _, q in asks) >= lots:
            return asks
        levels *= 4


def ensure_accounts(*, actor: Actor, tenant: Tenant, market: Market) -> list[tuple[int, str, str]]:
    """A trader holds a main account in both assets of a market, so its fills always have somewhere to land.
    Returns the cache keys of the accounts it had to open."""
    opened = []
    for asset in (market.base_asset_id, market.quote_asset_id):
        try:
            settlement.account_id(tenant.pk, asset)
        except LookupError:
            account_open(actor=actor, tenant=tenant, asset=asset)
            opened.append((tenant.pk, asset, "main"))
    return opened


def check_funds(run: Run, tenant: Tenant, asset: str, amount: int) -> None:
    """Refuse before the engine is touched; the ledger's floor check still decides under its locks."""
    available = run.available(tenant.pk, asset)
    if available < amount:
        raise ApplicationError(f"Insufficient {asset}: {amount_text(amount, asset)} needed, "
                               f"{amount_text(available, asset)} available.",
                               code=MarketErrorCode.INSUFFICIENT_FUNDS,
                               extra={"asset": asset, "needed": amount, "available": available})


def place_fields(*, market_id: int, client_id: str, side: str, order_type: str, quantity: int,
                 price: int | None = None, time_in_force: str | None = None, expires_at: datetime | None = None,
                 post_only: bool = False, stp_mode: str = StpMode.CANCEL_NEWEST,
                 max_quote: int | None = None) -> tuple[dict[str, Any], str]:
    """The request's fields as `place_work` takes them, and their fingerprint."""
    fields: dict[str, Any] = dict(client_id=client_id, side=side, order_type=order_type, time_in_force=time_in_force,
                                  price=price, quantity=quantity, expires_at=expires_at, post_only=post_only,
                                  stp_mode=stp_mode, max_quote=max_quote)
    request_hash = fingerprint(market_id=market_id, **{k: v for k, v in fields.items() if k != "client_id"})
    return fields, request_hash


def place_fields_json(fields: dict[str, Any]) -> dict[str, Any]:
    expires_at = fields["expires_at"]
    return {**fields, "expires_at": None if expires_at is None else expires_at.isoformat()}


def place_fields_from_json(data: dict[str, Any]) -> dict[str, Any]:
    expires_at = data["expires_at"]
    return {**data, "expires_at": None if expires_at is None else datetime.fromisoformat(expires_at)}


def place_work(*, actor: Actor, tenant: Tenant, fields: dict[str, Any], request_hash: str) -> Callable[[Run], Placed]:
    """What placing does inside a market transaction, alone (the per-order path) or in a sequencer batch."""
    client_id = fields["client_id"]

    def work(run: Run) -> Placed:
        twin = run.placed.get((tenant.pk, client_id))
        if twin is not None:  # the same client id earlier in this batch, not yet committed
            if twin.request_hash != request_hash:
                raise duplicate_client_id()
            return Placed(order=twin, replayed=True)
        if run.committed is not None and (tenant.pk, client_id) in run.committed:
            return _replayed(*run.committed[(tenant.pk, client_id)], request_hash)
        # fresh on every retry; `request_hash` is place_fields' fingerprint of these very fields
        draft = build_draft(market=run.market, tenant=tenant, request_hash=request_hash, **fields)
        amount, budget = _reservation(run, draft)
        check_funds(run, tenant, draft.reserve_asset, amount)
        run.opened_accounts.extend(ensure_accounts(actor=actor, tenant=tenant, market=run.market))
        events = run.apply(new_order_command(draft, max_spend=budget), tenant_id=tenant.pk, draft=draft,
                           reserve=amount)
        if isinstance(events[0], Rejected):
            twin_placed = _replay(tenant, client_id, request_hash) if events[0].reason is Reason.DUPLICATE else None
            if twin_placed is None:
                raise refusal(events[0])
            return twin_placed  # the same request committed while this one waited for the lock
        run.placed[(tenant.pk, client_id)] = draft
        return Placed(order=draft, replayed=False)

    return work


def replay_after_conflict(exc: IntegrityError, tenant: Tenant, client_id: str, request_hash: str) -> Placed:
    """A twin with this client id committed first (here or on another market): answer as it would have."""
    if "marketplace_order_unique_client_id" not in str(exc):
        raise exc
    replayed = _replay(tenant, client_id, request_hash)
    if replayed is None:
        raise exc
    return replayed


def order_place(*, actor: Actor, tenant: Tenant, market_id: int, client_id: str, side: str, order_type: str,
                quantity: int, price: int | None = None, time_in_force: str | None = None,
                expires_at: datetime | None = None, post_only: bool = False,
                stp_mode: str = StpMode.CANCEL_NEWEST, max_quote: int | None = None) -> Placed:
    """Place an order. `price` is quote minor units per whole base unit and `quantity` base minor units; both
    must sit on the market's tick and lot grid. A repeated `client_id` with the same request returns the
    original order (`replayed`), even once the market is halted; with a different request it is refused.
    With a running market writer (`manage.py market_writer`) the order joins that market's next batch and this
    call waits for its commit; otherwise it runs alone. Cost: one read, then one market-locked transaction
    (alone) or a share of one (batched)."""
    fields, request_hash = place_fields(market_id=market_id, client_id=client_id, side=side, order_type=order_type,
                                        quantity=quantity, price=price, time_in_force=time_in_force,
                                        expires_at=expires_at, post_only=post_only, stp_mode=stp_mode,
                                        max_quote=max_quote)
    if sequencer_client.leader_alive(market_id):
        return _place_queued(actor, tenant, market_id, fields, request_hash)
    replayed = _replay(tenant, client_id, request_hash)
    if replayed is not None:
        return replayed
    return order_place_direct(actor=actor, tenant=tenant, market_id=market_id, fields=fields,
                              request_hash=request_hash)


def _place_queued(actor: Actor, tenant: Tenant, market_id: int, fields: dict[str, Any], request_hash: str) -> Placed:
    # No client-id probe before queuing: the writer reads the batch's committed client ids under its lock and
    # answers a replay itself. Only a refusal for the market's state needs the probe, since a replay is answered
    # even while the market is halted.
    try:
        done = sequencer_client.submit(market_id, sequencer_client.request(
            "place", actor=actor, tenant_id=tenant.pk, fields=place_fields_json(fields), request_hash=request_hash))
    except ApplicationError as exc:
        if exc.code not in (MarketErrorCode.MARKET_HALTED, MarketErrorCode.MARKET_CLOSED):
            raise
        replayed = _replay(tenant, fields["client_id"], request_hash)
        if replayed is None:
            raise
        return replayed
    return Placed(order=sequencer_client.load_order(done["order"]), replayed=done["replayed"])


def order_place_direct(*, actor: Actor, tenant: Tenant, market_id: int, fields: dict[str, Any],
                       request_hash: str) -> Placed:
    """The per-order path: one market-locked transaction for this order alone (also the sequencer's fallback
    and the baseline its batches are checked against)."""
    work = place_work(actor=actor, tenant=tenant, fields=fields, request_hash=request_hash)
    try:
        return run_locked(market_id=market_id, actor=actor, allowed=(MarketState.OPEN,), work=work)
    except IntegrityError as exc:
        return replay_after_conflict(exc, tenant, fields["client_id"], request_hash)
