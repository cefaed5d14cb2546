from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.billing import selectors, services
from apps.billing.models import PurchaseStatus
from apps.billing.services.purchases import PURCHASE_PLACEHOLDER
from apps.core.serializers import BoundedIntegerField, StrictInputSerializer
from apps.tenants.api_base import DangerouslyPublicApi, TenantApi
from apps.tenants.roles import Permission


class CeuPackOutput(serializers.Serializer):
    id = BoundedIntegerField()
    name = serializers.CharField()
    ceu_amount = BoundedIntegerField(help_text="CEU minor units (thousandths).")
    price_cents = BoundedIntegerField()
    currency = serializers.CharField()


class CeuPackListApi(TenantApi):
    @extend_schema(operation_id="billing_packs_list", responses=CeuPackOutput(many=True))
    def get(self, request: Request) -> Response:
        return Response(CeuPackOutput(selectors.pack_list(), many=True).data)


class BillingPurchaseOutput(serializers.Serializer):
    id = BoundedIntegerField()
    pack = BoundedIntegerField(source="pack_id")
    ceu_amount = BoundedIntegerField()
    price_cents = BoundedIntegerField()
    currency = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    checkout_url = serializers.CharField(help_text="Send the buyer here to pay (Stripe Checkout).")
    refunded_cents = BoundedIntegerField()
    paid_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class CeuCheckoutInput(StrictInputSerializer):
    pack = BoundedIntegerField(min_value=1)
    success_url = serializers.URLField(max_length=1000, help_text=f"Where Stripe returns the buyer after paying; "
                                                                  f"{PURCHASE_PLACEHOLDER} becomes the purchase id.")
    cancel_url = serializers.URLField(max_length=1000)


class CheckoutCreateApi(TenantApi):
    permission = Permission.MOVE_FUNDS
    idempotency_required = True

    @extend_schema(operation_id="billing_checkout_create", request=CeuCheckoutInput,
                   responses={201: BillingPurchaseOutput},
                   description="Creates a purchase and its Stripe Checkout session; redirect the buyer to "
                               "`checkout_url`. CEU are credited once Stripe confirms the payment.")
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, CeuCheckoutInput,
            lambda v: services.checkout_start(actor=self.actor, tenant=self.tenant, pack_id=v["pack"],
                                              success_url=v["success_url"], cancel_url=v["cancel_url"]),
            BillingPurchaseOutput)


class PurchaseListApi(TenantApi):
    @extend_schema(operation_id="billing_purchases_list", responses=BillingPurchaseOutput(many=True),
                   parameters=[OpenApiParameter("status", str, enum=list(PurchaseStatus.values))])
    def get(self, request: Request) -> Response:
        qs = selectors.purchase_list(tenant=self.tenant, status=request.query_params.get("status"))
        return self.paginate(request, qs, BillingPurchaseOutput)


class PurchaseDetailApi(TenantApi):
    @extend_schema(operation_id="billing_purchases_retrieve", responses=BillingPurchaseOutput)
    def get(self, request: Request, purchase_id: int) -> Response:
        return Response(BillingPurchaseOutput(selectors.purchase_get(tenant=self.tenant, purchase_id=purchase_id)).data)


class PurchaseReconcileApi(TenantApi):
    permission = Permission.MOVE_FUNDS

    @extend_schema(operation_id="billing_purchases_reconcile", request=None, responses=BillingPurchaseOutput,
                   description="Asks Stripe for the session now and credits a paid purchase without waiting for "
                               "the webhook (credits at most once either way).")
    def post(self, request: Request, purchase_id: int) -> Response:
        selectors.purchase_get(tenant=self.tenant, purchase_id=purchase_id)
        purchase = services.purchase_reconcile(actor=self.actor, tenant=self.tenant, purchase_id=purchase_id)
        return Response(BillingPurchaseOutput(purchase).data)


class BillingReceiptOutput(serializers.Serializer):
    id = BoundedIntegerField()
    number = serializers.CharField()
    kind = serializers.CharField()
    purchase = BoundedIntegerField(source="purchase_id")
    description = serializers.CharField()
    amount_cents = BoundedIntegerField(help_text="Negative on a credit note.")
    currency = serializers.CharField()
    ceu_amount = BoundedIntegerField()
    payment_reference = serializers.CharField()
    issued_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class ReceiptListApi(TenantApi):
    @extend_schema(operation_id="billing_receipts_list", responses=BillingReceiptOutput(many=True),
                   description="Receipts for paid purchases and credit notes for reversed ones.")
    def get(self, request: Request) -> Response:
        return self.paginate(request, selectors.receipt_list(tenant=self.tenant), BillingReceiptOutput)


class StripeWebhookOutput(serializers.Serializer):
    received = serializers.BooleanField(default=True)
    event = serializers.CharField(source="event_id")
    type = serializers.CharField(source="event_type")
    outcome = serializers.CharField()
    duplicate = serializers.BooleanField(help_text="True when this event id was already processed: nothing "
                                                   "changed.")


class StripeWebhookApi(DangerouslyPublicApi):
    """Stripe calls this, not a tenant: no API key, no session. Trust comes only from the Stripe-Signature header
    verified over the raw body; a replayed event id is acknowledged (200, so Stripe stops retrying) and changes
    nothing."""

    signature_header = "Stripe-Signature"

    @extend_schema(operation_id="billing_stripe_webhook", request={"application/json": OpenApiTypes.OBJECT},
                   responses={200: StripeWebhookOutput}, auth=[],
                   parameters=[OpenApiParameter("Stripe-Signature", str, OpenApiParameter.HEADER, required=True)])
    def post(self, request: Request) -> Response:
        outcome = services.stripe_webhook_receive(payload=request.body, signature=self.signature(request))
        return Response(StripeWebhookOutput(outcome).data)
