from __future__ import annotations

from collections.abc import Iterable

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from apps.ledger import selectors
from apps.ledger.amounts import SCALES
from apps.ledger.models import Account, Posting
from apps.portal.pages.common import TenantRequest, tenant_page


@tenant_page()
def ledger(request: TenantRequest) -> HttpResponse:
    accounts = list(selectors.account_list(tenant=request.tenant))
    chosen = accounts[0] if accounts else None
    wanted = request.GET.get("account", "")
    if wanted:
        try:
            chosen = selectors.account_get(tenant=request.tenant, account_id=int(wanted))
        except (ValueError, Account.DoesNotExist):
            raise Http404("No such account.") from None
    series: list[list[float]] = []
    history: Iterable[Posting] = []
    if chosen is not None:
        unit = 10 ** SCALES.get(chosen.asset_id, 0)  # charts read in whole units, like the table
        series = [[int(t.timestamp() * 1000), b / unit] for t, b in
                  selectors.balance_series(tenant=request.tenant, account_id=chosen.pk)]
        # The balance holds until now: extend the step line to the present.
        series.append([int(timezone.now().timestamp() * 1000), chosen.balance / unit])
        history = selectors.posting_history(tenant=request.tenant, account_id=chosen.pk) \
            .order_by("-created_at", "-id")[:50]
    chart = {"time": True, "series": [{"name": f"{chosen.asset_id} balance" if chosen else "", "points": series,
                                       "step": True}]}
    return render(request, "portal/ledger.html", {"accounts": accounts, "chosen": chosen, "history": history,
                                                  "chart": chart})
