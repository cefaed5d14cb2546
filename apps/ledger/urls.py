from __future__ import annotations

from django.urls import path

from apps.ledger import apis

urlpatterns = [
    path("accounts/", apis.AccountListApi.as_view(), name="ledger-accounts"),
    path("accounts/<int:account_id>/", apis.AccountDetailApi.as_view(), name="ledger-account"),
    path("accounts/<int:account_id>/balance/", apis.BalanceAsOfApi.as_view(), name="ledger-balance"),
    path("accounts/<int:account_id>/history/", apis.HistoryApi.as_view(), name="ledger-history"),
    path("accounts/<int:account_id>/statement/", apis.StatementApi.as_view(), name="ledger-statement"),
    path("entries/", apis.EntryListApi.as_view(), name="ledger-entries"),
    path("entries/<int:entry_id>/", apis.EntryDetailApi.as_view(), name="ledger-entry"),
    path("entries/<int:entry_id>/reverse/", apis.EntryReverseApi.as_view(), name="ledger-entry-reverse"),
    path("holds/", apis.HoldListApi.as_view(), name="ledger-holds"),
    path("holds/<int:hold_id>/", apis.HoldDetailApi.as_view(), name="ledger-hold"),
    path("holds/<int:hold_id>/post/", apis.HoldPostApi.as_view(), name="ledger-hold-post"),
    path("holds/<int:hold_id>/void/", apis.HoldVoidApi.as_view(), name="ledger-hold-void"),
]
