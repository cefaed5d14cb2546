"""The trading page: book, candle chart, order entry, open orders and fills of one market. It renders the
current state once; static/js/trading.js then polls the events API every 2 s and posts orders to the API with
the session and its CSRF token."""
from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie

from apps.core.errors import NotFoundError
from apps.marketplace import selectors
from apps.marketplace.models import Market, MarketState
from apps.portal.pages.common import TenantRequest, tenant_page
from apps.tenants.roles import Permission, role_allows


def _chosen(request: HttpRequest, markets: list[Market]) -> Market | None:
    wanted = request.GET.get("market", "")
    if not wanted:
        return next((m for m in markets if m.state == MarketState.OPEN), markets[0] if markets else None)
    try:
        return selectors.market_get(market_id=int(wanted))
    except (ValueError, NotFoundError):
        raise Http404("No such market.") from None


def _boot(market: Market) -> dict[str, Any]:
    """What trading.js needs to convert units and draw the first frame."""
    scale = 10 ** market.quote_asset.scale
    candles = [[int(c["time"].timestamp() * 1000), c["open"] / scale, c["high"] / scale, c["low"] / scale,
                c["close"] / scale] for c in selectors.candles(market=market, interval="1m", limit=120)]
    return {"id": market.pk, "symbol": market.symbol, "base": market.base_asset_id, "quote": market.quote_asset_id,
            "base_scale": market.base_asset.scale, "quote_scale": market.quote_asset.scale,
            "tick_size": market.tick_size, "lot_size": market.lot_size, "state": market.state,
            "candles": candles}


def _decimal(minor: int | None, scale: int) -> str:
    if minor is None:
        return "—"
    text = f"{abs(minor) / 10 ** scale:.{scale}f}".rstrip("0").rstrip(".") if scale else str(abs(minor))
    return ("-" if minor < 0 else "") + text


def _stats(market: Market) -> dict[str, str | int]:
    stats, quote, base = selectors.stats_24h(market=market), market.quote_asset.scale, market.base_asset.scale
    shown: dict[str, str | int] = {k: _decimal(stats[k], quote) for k in ("last_price", "high", "low")}
    shown.update(volume=_decimal(stats["volume"], base), trades=stats["trades"])
    return shown


@tenant_page()
@ensure_csrf_cookie
def trading(request: TenantRequest) -> HttpResponse:
    markets = list(selectors.market_list())
    market = _chosen(request, markets)
    context: dict[str, Any] = {"markets": markets, "market": market,
                               "can_trade": role_allows(request.membership.role, Permission.TRADE)}
    if market is not None:
        boot = _boot(market)
        context.update(boot=boot, stats=_stats(market), chart={"candles": boot["candles"]})
    return render(request, "portal/marketplace/trading.html", context)
