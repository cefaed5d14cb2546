"""Portal pages of the billing app (included by apps/portal/urls.py inside the portal namespace)."""
from __future__ import annotations

from django.urls import path

from apps.portal.pages import billing

urlpatterns = [
    path("billing/", billing.billing, name="billing"),
    path("billing/checkout/<int:pack_id>/", billing.checkout, name="billing_checkout"),
    path("billing/return/<int:purchase_id>/", billing.checkout_return, name="billing_return"),
    path("billing/cancel/<int:purchase_id>/", billing.checkout_cancel, name="billing_cancel"),
    path("billing/receipts/<int:receipt_id>/", billing.receipt, name="billing_receipt"),
]
