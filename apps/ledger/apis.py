from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.serializers import BoundedIntegerField
from apps.ledger import selectors, services
from apps.ledger import serializers as s
from apps.tenants.api_base import TenantApi
from apps.tenants.roles import Permission


class AccountListApi(TenantApi):
    write_permission = Permission.MOVE_FUNDS

    @extend_schema(operation_id="ledger_accounts_list", responses=s.AccountOutput(many=True),
                   parameters=[OpenApiParameter("asset", str)])
    def get(self, request: Request) -> Response:
        qs = selectors.account_list(tenant=self.tenant, asset=request.query_params.get("asset"))
        return self.paginate(request, qs.order_by("-created_at", "-id"), s.AccountOutput)

    @extend_schema(operation_id="ledger_accounts_open", request=s.AccountInput, responses={201: s.AccountOutput})
    def post(self, request: Request) -> Response:
        return self.create_response(
            request, s.AccountInput, lambda v: services.account_open(actor=self.actor, tenant=self.tenant, **v),
            s.AccountOutput)


class AccountDetailApi(TenantApi):
    @extend_schema(operation_id="ledger_accounts_retrieve", responses=s.AccountOutput)
    def get(self, request: Request, account_id: int) -> Response:
        return Response(s.AccountOutput(selectors.account_get(tenant=self.tenant, account_id=account_id)).data)


class BalanceAsOfApi(TenantApi):
    class BalanceQuery(serializers.Serializer):
        as_of = serializers.DateTimeField(required=False)

    class BalanceOutput(serializers.Serializer):
        account = BoundedIntegerField()
        as_of = serializers.DateTimeField()
        balance = BoundedIntegerField()

    @extend_schema(operation_id="ledger_balance_as_of", parameters=[BalanceQuery], responses=BalanceOutput)
    def get(self, request: Request, account_id: int) -> Response:
        query = self.BalanceQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        as_of = query.validated_data.get("as_of") or timezone.now()
        balance = selectors.balance_as_of(tenant=self.tenant, account_id=account_id, as_of=as_of)
        return Response(self.BalanceOutput({"account": account_id, "as_of": as_of, "balance": balance}).data)


class HistoryApi(TenantApi):
    class HistoryQuery(serializers.Serializer):
        start = serializers.DateTimeField(required=False)
        end = serializers.DateTimeField(required=False)

    @extend_schema(operation_id="ledger_account_history", parameters=[HistoryQuery],
                   responses=s.HistoryOutput(many=True))
    def get(self, request: Request, account_id: int) -> Response:
        query = self.HistoryQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        qs = selectors.posting_history(tenant=self.tenant, account_id=account_id, **query.validated_data)
        return self.paginate(request, qs, s.HistoryOutput)


class StatementApi(TenantApi):
    class StatementQuery(serializers.Serializer):
        start = serializers.DateTimeField()
        end = serializers.DateTimeField()
        output = serializers.ChoiceField(choices=["json", "csv"], default="json",
                                         help_text="csv downloads the statement as a file")

    class StatementOutput(serializers.Serializer):
        account = BoundedIntegerField()
        asset = serializers.CharField()
        start = serializers.DateTimeField()
        end = serializers.DateTimeField()
        opening_balance = BoundedIntegerField()
        closing_balance = BoundedIntegerField()
        lines = s.HistoryOutput(many=True)

    MAX_LINES = 10000  # a longer period is asked for in pieces

    @extend_schema(operation_id="ledger_account_statement", parameters=[StatementQuery], responses=StatementOutput)
    def get(self, request: Request, account_id: int) -> Any:
        query = self.StatementQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["start"], query.validated_data["end"]
        if end <= start:
            raise serializers.ValidationError({"end": ["Must be after start."]})
        account = selectors.account_get(tenant=self.tenant, account_id=account_id)
        lines = list(selectors.posting_history(tenant=self.tenant, account_id=account_id, start=start, end=end)
                     .filter(phase="posted").order_by("created_at", "id")[: self.MAX_LINES])
        opening = selectors.balance_as_of(tenant=self.tenant, account_id=account_id,
                                          as_of=start - timedelta(microseconds=1))
        closing = lines[-1].balance_after if lines else opening
        body = {"account": account.pk, "asset": account.asset_id, "start": start, "end": end,
                "opening_balance": opening, "closing_balance": closing, "lines": lines}
        if query.validated_data["output"] == "csv":
            return self._csv(account.pk, lines, opening, closing)
        return Response(self.StatementOutput(body).data)

    @staticmethod
    def _csv(account_id: int, lines: list[Any], opening: int, closing: int) -> HttpResponse:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["created_at", "entry", "kind", "amount", "balance_after"])
        writer.writerow(["", "", "opening_balance", "", opening])
        for line in lines:
            writer.writerow([line.created_at.isoformat(), line.entry_id, line.entry.kind, line.amount,
                             line.balance_after])
        writer.writerow(["", "", "closing_balance", "", closing])
        response = HttpResponse(out.getvalue(), content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="statement-{account_id}.csv"'
        return response


class EntryListApi(TenantApi):
    # The entry commits in the ledger's group commit, outside any request transaction; its client id makes a
    # re-run of a lapsed claim safe.
    idempotency_atomic = False

    write_permission = Permission.MOVE_FUNDS

    @extend_schema(operation_id="ledger_entries_list", parameters=[s.EntryFilter], responses=s.EntryOutput(many=True),
                   description="Filter metadata with `metadata.<key>=<value>` query parameters.")
    def get(self, request: Request) -> Response:
        params = {k: v for k, v in request.query_params.items() if not k.startswith("metadata.")}
        metadata = {k[len("metadata."):]: v for k, v in request.query_params.items() if k.startswith("metadata.")}
        query = s.EntryFilter(data=params)
        query.is_valid(raise_exception=True)
        f = {k: v for k, v in query.validated_data.items() if k not in ("cursor", "page_size")}
        qs = selectors.entry_list(tenant=self.tenant, account_id=f.get("account"), asset=f.get("asset"),
                                  start=f.get("start"), end=f.get("end"), kind=f.get("kind"), metadata=metadata)
        return self.paginate(request, qs, s.EntryOutput)

    @extend_schema(operation_id="ledger_entries_create", request=s.EntryInput, responses={201: s.EntryOutput})
    def post(self, request: Request) -> Response:
        return self.handle_idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = s.EntryInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.entry_create(actor=self.actor, tenant=self.tenant, client_id=v["client_id"],
                                       postings=[(p["account"], p["amount"]) for p in v["postings"]],
                                       metadata=v["metadata"])
        entry = selectors.entry_get(tenant=self.tenant, entry_id=result.entry_id)
        code = status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED
        return Response(s.EntryOutput(entry).data, status=code)


class EntryDetailApi(TenantApi):
    @extend_schema(operation_id="ledger_entries_retrieve", responses=s.EntryOutput)
    def get(self, request: Request, entry_id: int) -> Response:
        return Response(s.EntryOutput(selectors.entry_get(tenant=self.tenant, entry_id=entry_id)).data)


class EntryReverseApi(TenantApi):
    permission = Permission.MOVE_FUNDS

    @extend_schema(operation_id="ledger_entries_reverse", request=s.ReverseInput, responses={201: s.EntryOutput})
    def post(self, request: Request, entry_id: int) -> Response:
        data = s.ReverseInput(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.entry_get(tenant=self.tenant, entry_id=entry_id)
        result = services.entry_reverse(actor=self.actor, tenant=self.tenant, entry_id=entry_id,
                                        **data.validated_data)
        entry = selectors.entry_get(tenant=self.tenant, entry_id=result.entry_id)
        return Response(s.EntryOutput(entry).data, status=status.HTTP_201_CREATED)


class HoldListApi(TenantApi):
    write_permission = Permission.MOVE_FUNDS

    @extend_schema(operation_id="ledger_holds_list", responses=s.HoldOutput(many=True),
                   parameters=[OpenApiParameter("status", str)])
    def get(self, request: Request) -> Response:
        qs = selectors.hold_list(tenant=self.tenant, status=request.query_params.get("status"))
        return self.paginate(request, qs, s.HoldOutput)

    @extend_schema(operation_id="ledger_holds_create", request=s.HoldInput, responses={201: s.HoldOutput})
    def post(self, request: Request) -> Response:
        return self.handle_idempotent(request, lambda: self._create(request))

    def _create(self, request: Request) -> Response:
        data = s.HoldInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        selectors.account_get(tenant=self.tenant, account_id=v["debit_account"])
        hold = services.hold_create(actor=self.actor, tenant=self.tenant, client_id=v["client_id"],
                                    debit_account_id=v["debit_account"], credit_account_id=v["credit_account"],
                                    amount=v["amount"], expires_at=v["expires_at"], metadata=v["metadata"])
        return Response(s.HoldOutput(hold).data, status=status.HTTP_201_CREATED)


class HoldDetailApi(TenantApi):
    @extend_schema(operation_id="ledger_holds_retrieve", responses=s.HoldOutput)
    def get(self, request: Request, hold_id: int) -> Response:
        return Response(s.HoldOutput(selectors.hold_get(tenant=self.tenant, hold_id=hold_id)).data)


class HoldPostApi(TenantApi):
    permission = Permission.MOVE_FUNDS

    @extend_schema(operation_id="ledger_holds_post", request=s.HoldPostInput, responses=s.HoldOutput)
    def post(self, request: Request, hold_id: int) -> Response:
        data = s.HoldPostInput(data=request.data)
        data.is_valid(raise_exception=True)
        selectors.hold_get(tenant=self.tenant, hold_id=hold_id)
        hold = services.hold_post(actor=self.actor, tenant=self.tenant, hold_id=hold_id,
                                  amount=data.validated_data["amount"])
        return Response(s.HoldOutput(hold).data)


class HoldVoidApi(TenantApi):
    permission = Permission.MOVE_FUNDS

    @extend_schema(operation_id="ledger_holds_void", request=None, responses=s.HoldOutput)
    def post(self, request: Request, hold_id: int) -> Response:
        selectors.hold_get(tenant=self.tenant, hold_id=hold_id)
        return Response(s.HoldOutput(services.hold_void(actor=self.actor, tenant=self.tenant, hold_id=hold_id)).data)
