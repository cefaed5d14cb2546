"""Ledger side of a market transaction: each order's hold, each fill's settlement entry, and the releases.

Every order reserves its worst-case spend with pending postings from the trader's `main` account to the system
`market_escrow` account of the asset, recorded as a ledger Hold owned by the system (so a tenant cannot void it
through the ledger API while the order rests). A fill's one entry releases what the fill consumed (plus any
reservation the order no longer needs) from both holds and posts base seller->buyer, quote buyer->seller and
both fees -> the quote asset's system `fees` account; since the release covers the posting, settlement never
meets a floor. The remainder is released when the order ends, and the Hold row is resolved then.

All entries of one transaction go to the ledger in one batch, after the market's own rows: one lock round for
the accounts (in id order) and the chain head held only for the last moments before commit.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from apps.core.actors import Actor
from apps.ledger import engine as ledger_engine
from apps.ledger.domain import EntrySpec, PostingSpec
from apps.ledger.models import Account, EntryKind
from apps.ledger.services.entries import amounts_check, scope_of
from apps.ledger.services.system_holds import (
    SystemHold,
    SystemHoldOpening,
    system_hold_id_allocate,
    system_holds_record,
)
from apps.marketplace.models import Market, Order, OrderStatus
from apps.marketplace.services.rows import TradeRow, trades_copy
from apps.tenants import rls

_ACCOUNTS: dict[tuple[int | None, str, str], int] = {}  # (tenant, asset, code) -> id; ids never change


def account_id(tenant_id: int | None, asset: str, code: str = "main") -> int:
    key = (tenant_id, asset, code)
    found = _ACCOUNTS.get(key)
    if found is None:
        with rls.system_context(reason="counterparties' and system accounts are looked up by owner"):
            owner = Q(tenant__isnull=True) if tenant_id is None else Q(tenant_id=tenant_id)
            found = Account.objects.filter(owner, asset_id=asset, code=code) \
                .values_list("id", flat=True).first()
        if found is None:
            raise LookupError(f"no {code} account in {asset} for tenant {tenant_id}")
        _ACCOUNTS[key] = found
    return found


def accounts_forget(keys: list[tuple[int | None, str, str]] | None = None) -> None:
    """Forget cached account ids: all of them, or those of accounts opened in a rolled-back transaction."""
    if keys is None:
        _ACCOUNTS.clear()
    for key in keys or ():
        _ACCOUNTS.pop(key, None)


def available_delta(posting: PostingSpec) -> int:
    """How a posting moves its account's available amount (balance - pending debits), as the ledger applies it:
    posted amounts and new pending debits count at once, pending credits only when posted, a release of a
    pending debit frees it."""
    amount, phase = posting.amount, posting.phase
    if phase == "posted" or (phase == "pending" and amount < 0) or (phase == "release" and amount > 0):
        return amount
    return 0


@dataclass
class Settlement:
    """The ledger entries of one market transaction, in the order they happened: a later command's hold may
    rely on an earlier command's release, so they are sent in that order, never grouped by kind."""

    market: Market
    actor: Actor
    specs: list[EntrySpec] = field(default_factory=list)
    trade_rows: list[TradeRow] = field(default_factory=list)
    trade_specs: list[int] = field(default_factory=list)
    new_holds: dict[int, Order] = field(default_factory=dict)
    changed_holds: dict[int, Order] = field(default_factory=dict)
    first_entry: dict[int, int] = field(default_factory=dict)
    last_entry: dict[int, int] = field(default_factory=dict)
    # account id -> change of its available amount from the entries not yet sent (funds checks add it)
    moved: dict[int, int] = field(default_factory=dict)
    hold_ids: list[int] = field(default_factory=list)  # allocated ahead by a batch, one round trip for all
    _counter: int = 0

    def _spec(self, kind: str, postings: list[PostingSpec], hold_id: int | None, metadata: dict) -> int:
        """Queue one entry; returns its index in the batch."""
        self._counter += 1
        amounts_check(postings)
        # Built directly rather than through build_spec: its metadata check (a canonical JSON dump per entry)
        # cost more than the rest of the spec, and this metadata is only the market's own integers and booleans.
        client_id = f"mkt:{self.market.pk}:{self.market.command_seq}:{self._counter}"
        self.specs.append(EntrySpec(scope=scope_of(None), tenant_id=None, client_id=client_id, kind=kind,
                                    actor=self.actor.label, postings=tuple(postings),
                                    metadata={"market": self.market.pk, **metadata}, hold_id=hold_id))
        for posting in postings:
            delta = available_delta(posting)
            if delta:
                self.moved[posting.account_id] = self.moved.get(posting.account_id, 0) + delta
        return len(self.specs) - 1

    def reserve(self, order: Order, amount: int) -> None:
        """Pending postings for a new order's hold or an amend's top-up (before any fill that needs them)."""
        if order.hold_id is None:
            order.hold_id = self.hold_ids.pop() if self.hold_ids else system_hold_id_allocate()
            self.new_holds[order.sequence] = order
        trader, escrow = account_id(order.tenant_id, order.reserve_asset), self._escrow(order.reserve_asset)
        index = self._spec(EntryKind.HOLD, [PostingSpec(trader, -amount, "pending"),
                                            PostingSpec(escrow, amount, "pending")],
                           order.hold_id, {"order": order.sequence})
        self.first_entry.setdefault(order.sequence, index)
        order.reserved += amount
        self._touch(order)

    def trade(self, trade: TradeRow, buyer: Order, seller: Order, base_amount: int, buyer_release: int) -> None:
        """One entry: both holds' releases, both legs and both fees."""
        base, quote = self.market.base_asset_id, self.market.quote_asset_id
        buyer_q, seller_q = account_id(buyer.tenant_id, quote), account_id(seller.tenant_id, quote)
        buyer_b, seller_b = account_id(buyer.tenant_id, base), account_id(seller.tenant_id, base)
        escrow_q, escrow_b = self._escrow(quote), self._escrow(base)
        pay, fees = trade.notional + trade.buyer_fee, trade.buyer_fee + trade.seller_fee
        postings = [PostingSpec(buyer_q, buyer_release, "release"), PostingSpec(escrow_q, -buyer_release, "release"),
                    PostingSpec(seller_b, base_amount, "release"), PostingSpec(escrow_b, -base_amount, "release"),
                    PostingSpec(buyer_q, -pay), PostingSpec(seller_q, trade.notional - trade.seller_fee),
                    PostingSpec(seller_b, -base_amount), PostingSpec(buyer_b, base_amount)]
        if fees:
            postings.append(PostingSpec(self._fees(quote), fees))
        index = self._spec(EntryKind.TRADE, postings, None, {
            "trade": trade.sequence, "buy_order": buyer.sequence, "sell_order": seller.sequence,
            "buy_hold": buyer.hold_id, "sell_hold": seller.hold_id})
        self.trade_rows.append(trade)
        self.trade_specs.append(index)
        buyer.reserve_used += pay
        buyer.reserve_released += buyer_release - pay
        seller.reserve_used += base_amount
        for order in (buyer, seller):
            self.last_entry[order.sequence] = index
            self._touch(order)

    def release(self, order: Order, amount: int, *, final: bool) -> None:
        trader, escrow = account_id(order.tenant_id, order.reserve_asset), self._escrow(order.reserve_asset)
        kind = EntryKind.HOLD_POST if final and order.reserve_used else EntryKind.HOLD_VOID
        index = self._spec(kind, [PostingSpec(trader, amount, "release"), PostingSpec(escrow, -amount, "release")],
                           order.hold_id, {"order": order.sequence, "final": final})
        order.reserve_released += amount
        self.last_entry[order.sequence] = index
        self._touch(order)

    def _touch(self, order: Order) -> None:
        if order.sequence not in self.new_holds:
            self.changed_holds[order.sequence] = order

    def _escrow(self, asset: str) -> int:
        return account_id(None, asset, "market_escrow")

    def _fees(self, asset: str) -> int:
        return account_id(None, asset, "fees")

    def flush(self, now: datetime) -> None:
        """Apply every entry in one batch, then write the trades and the Hold rows that point at them.
        Raises the ledger's ApplicationError (e.g. insufficient funds) for the caller to translate."""
        if not self.specs:
            return
        with rls.system_context(reason="one batch settles every tenant in the trades"):
            outcomes = ledger_engine.apply_entries(self.specs, partial=False, now=now)
        ids = [o.entry_id for o in outcomes if o.entry_id is not None]
        assert len(ids) == len(outcomes)  # partial=False: every entry was applied, or the call raised

        def entry_of(index: int | None) -> int | None:
            return None if index is None else ids[index]

        for trade, index in zip(self.trade_rows, self.trade_specs, strict=True):
            trade.entry_id = ids[index]
        trades_copy(self.market.pk, self.trade_rows, now=now)
        self._write_holds(entry_of, now)

    def _write_holds(self, entry_of: Callable[[int | None], int | None], now: datetime) -> None:
        def state(seq: int, order: Order) -> SystemHold:
            assert order.hold_id is not None  # only orders that reserve funds are tracked here
            return SystemHold(hold_id=order.hold_id, reserved=order.reserved, used=order.reserve_used,
                              ended=order.is_terminal, expired=order.status == OrderStatus.EXPIRED,
                              resolution_entry_id=entry_of(self.last_entry.get(seq)))

        opened = [SystemHoldOpening(hold=state(seq, order), client_id=f"mkt:{self.market.pk}:{seq}",
                                    debit_account_id=account_id(order.tenant_id, order.reserve_asset),
                                    credit_account_id=self._escrow(order.reserve_asset), asset=order.reserve_asset,
                                    pending_entry_id=entry_of(self.first_entry[seq]),
                                    metadata={"market": self.market.pk, "order": seq})
                  for seq, order in self.new_holds.items()]
        changed = [state(seq, order) for seq, order in self.changed_holds.items()]
        system_holds_record(opened=opened, changed=changed, now=now)
