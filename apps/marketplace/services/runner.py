"""The single-writer envelope around every market write.

One durable transaction per call: lock the market row (the per-market single writer, across processes), check
the engine out at the market's committed head, sweep due GTD expiries, let the caller apply its command, write
everything, check the engine back in. Deadlocks and serialization failures retry the whole transaction.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, NotFoundError
from apps.ledger.errors import LedgerErrorCode
from apps.ledger.models import Asset
from apps.ledger.services.retry import with_retries
from apps.marketplace.domain import to_ms
from apps.marketplace.errors import MarketErrorCode
from apps.marketplace.models import Market, MarketState
from apps.marketplace.services import settlement
from apps.marketplace.services.book import book_checkin, book_checkout
from apps.marketplace.services.execution import Run
from apps.tenants import rls
from kernels.matching import Expire, Reason, Rejected

T = TypeVar("T")

_REJECTIONS = {
    Reason.INVALID: (MarketErrorCode.INVALID_ORDER, 400, "The matching engine refused the order as invalid."),
    Reason.DUPLICATE: (MarketErrorCode.DUPLICATE_CLIENT_ID, 409, "An open order already uses this client id."),
    Reason.EXPIRED: (MarketErrorCode.ORDER_EXPIRED, 400, "The order's expiry has already passed."),
    Reason.UNKNOWN_ORDER: (MarketErrorCode.ORDER_NOT_OPEN, 409, "The order is not on the book."),
}


def refusal(rejected: Rejected) -> ApplicationError:
    code, status, message = _REJECTIONS[rejected.reason]
    return ApplicationError(message, code=code, status=status)


_ASSETS: dict[str, Asset] = {}  # assets (code, scale) never change once created


def _asset(code: str) -> Asset:
    if code not in _ASSETS:
        _ASSETS[code] = Asset.objects.get(code=code)
    return _ASSETS[code]


def market_or_404(market_id: int, *, lock: bool = False) -> Market:
    qs = Market.objects.select_for_update() if lock else Market.objects
    market = qs.filter(pk=market_id).first()
    if market is None:
        raise NotFoundError("No such market.", code=MarketErrorCode.UNKNOWN_MARKET)
    market.base_asset, market.quote_asset = _asset(market.base_asset_id), _asset(market.quote_asset_id)
    return market


def check_state(market: Market, allowed: Iterable[str]) -> None:
    if market.state in allowed:
        return
    if market.state == MarketState.HALTED:
        raise ApplicationError(f"{market.symbol} is halted: only cancels are accepted.",
                               code=MarketErrorCode.MARKET_HALTED, status=409)
    raise ApplicationError(f"{market.symbol} is {market.state}.", code=MarketErrorCode.MARKET_CLOSED, status=409)


def run_locked(*, market_id: int, actor: Actor, allowed: Iterable[str], work: Callable[[Run], T]) -> T:
    """Run `work` on the locked market inside one durable transaction and return what it returns."""
    allowed = tuple(allowed)

    def attempt() -> T:
        with transaction.atomic(durable=True), \
                rls.system_context(reason="matching crosses tenants: both sides of each trade settle at once"):
            market = market_or_404(market_id, lock=True)
            check_state(market, allowed)
            book = book_checkout(market)
            run = Run(market=market, book=book, actor=actor, now=timezone.now())
            try:
                now_ms = max(to_ms(run.now), market.engine_now)
                if book.expiry_due(now_ms):
                    run.apply(Expire(now=now_ms), tenant_id=None)
                result = work(run)
                run.finish()
            except ApplicationError as exc:
                abandon_run(run)
                translated = translated_error(exc)
                if translated is exc:
                    raise
                raise translated from exc
            except BaseException:
                abandon_run(run)
                raise
            book_checkin(market.pk, book)
            return result

    return with_retries(attempt)


def abandon_run(run: Run) -> None:
    """The transaction will roll back: keep the book only if the engine never changed, and forget accounts
    that were opened in it."""
    if not run.commands:
        book_checkin(run.market.pk, run.book)
    settlement.accounts_forget(run.opened_accounts)


def translated_error(exc: ApplicationError) -> ApplicationError:
    if exc.code == LedgerErrorCode.INSUFFICIENT_FUNDS.value:
        return ApplicationError(exc.message, code=MarketErrorCode.INSUFFICIENT_FUNDS, status=400, extra=exc.extra)
    return exc
