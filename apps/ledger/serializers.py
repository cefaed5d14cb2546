from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import BoundedIntegerField, SafeDictField, SafeJSONField, StrictInputSerializer
from apps.ledger.domain import MAX_AMOUNT


class AccountOutput(serializers.Serializer):
    id = BoundedIntegerField()
    asset = serializers.CharField(source="asset_id")
    code = serializers.CharField()
    name = serializers.CharField()
    floor_mode = serializers.CharField()
    credit_limit = BoundedIntegerField()
    balance = BoundedIntegerField()
    pending_debits = BoundedIntegerField()
    pending_credits = BoundedIntegerField()
    available = BoundedIntegerField()
    created_at = serializers.DateTimeField()


class PostingOutput(serializers.Serializer):
    account = BoundedIntegerField(source="account_id")
    asset = serializers.CharField(source="asset_id")
    amount = BoundedIntegerField()
    phase = serializers.CharField()


class EntryOutput(serializers.Serializer):
    id = BoundedIntegerField()
    # The chain position: null for the few milliseconds between an entry's commit and its seal.
    seq = BoundedIntegerField(allow_null=True)
    client_id = serializers.CharField()
    kind = serializers.CharField()
    actor = serializers.CharField()
    reverses = BoundedIntegerField(source="reverses_id", allow_null=True)
    hold = BoundedIntegerField(source="hold_id", allow_null=True)
    metadata = SafeJSONField()
    hash = serializers.CharField(allow_null=True)
    prev_hash = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    postings = PostingOutput(many=True, source="postings.all")


class HistoryOutput(serializers.Serializer):
    entry = BoundedIntegerField(source="entry_id")
    kind = serializers.CharField(source="entry.kind")
    amount = BoundedIntegerField()
    phase = serializers.CharField()
    balance_after = BoundedIntegerField()
    created_at = serializers.DateTimeField()
    metadata = SafeJSONField(source="entry.metadata")


class HoldOutput(serializers.Serializer):
    id = BoundedIntegerField()
    client_id = serializers.CharField()
    debit_account = BoundedIntegerField(source="debit_account_id")
    credit_account = BoundedIntegerField(source="credit_account_id")
    asset = serializers.CharField(source="asset_id")
    amount = BoundedIntegerField()
    posted_amount = BoundedIntegerField(allow_null=True)
    status = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    pending_entry = BoundedIntegerField(source="pending_entry_id")
    resolution_entry = BoundedIntegerField(source="resolution_entry_id", allow_null=True)
    created_at = serializers.DateTimeField()


class PostingInput(StrictInputSerializer):
    account = BoundedIntegerField(min_value=1)
    amount = BoundedIntegerField(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT)


class EntryInput(StrictInputSerializer):
    client_id = serializers.CharField(max_length=128)
    postings = PostingInput(many=True, min_length=2, max_length=64)  # type: ignore[call-arg]  # many=True builds a ListSerializer, which takes these (stub)
    metadata = SafeDictField(required=False, default=dict)


class AccountInput(StrictInputSerializer):
    asset = serializers.ChoiceField(choices=["CEU", "PFT", "MUNT", "USD"])
    code = serializers.SlugField(max_length=64, default="main")
    name = serializers.CharField(max_length=200, required=False, default="")


class HoldInput(StrictInputSerializer):
    client_id = serializers.CharField(max_length=128)
    debit_account = BoundedIntegerField(min_value=1)
    credit_account = BoundedIntegerField(min_value=1)
    amount = BoundedIntegerField(min_value=1, max_value=MAX_AMOUNT)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    metadata = SafeDictField(required=False, default=dict)


class HoldPostInput(StrictInputSerializer):
    amount = BoundedIntegerField(min_value=1, max_value=MAX_AMOUNT, required=False, allow_null=True, default=None)


class ReverseInput(StrictInputSerializer):
    client_id = serializers.CharField(max_length=128)
    reason = serializers.CharField(max_length=500, required=False, default="")


class EntryFilter(StrictInputSerializer):
    account = BoundedIntegerField(required=False, min_value=1)
    asset = serializers.CharField(required=False, max_length=8)
    kind = serializers.CharField(required=False, max_length=16)
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.CharField(required=False)
