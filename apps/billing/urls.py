from __future__ import annotations

from django.urls import path

from apps.billing import apis

urlpatterns = [
    path("packs/", apis.CeuPackListApi.as_view(), name="billing-packs"),
    path("checkout-sessions/", apis.CheckoutCreateApi.as_view(), name="billing-checkout"),
    path("purchases/", apis.PurchaseListApi.as_view(), name="billing-purchases"),
    path("purchases/<int:purchase_id>/", apis.PurchaseDetailApi.as_view(), name="billing-purchase"),
    path("purchases/<int:purchase_id>/reconcile/", apis.PurchaseReconcileApi.as_view(),
         name="billing-purchase-reconcile"),
    path("receipts/", apis.ReceiptListApi.as_view(), name="billing-receipts"),
    path("stripe/webhook/", apis.StripeWebhookApi.as_view(), name="billing-stripe-webhook"),
]
