from __future__ import annotations

from rest_framework import serializers

from apps.core.serializers import StrictInputSerializer


class AccountOutput(serializers.Serializer):
    id = serializers.IntegerField()
    asset = serializers.CharField(source="asset_id")
    code = serializers.CharField()
    name = serializers.CharField()
    floor_mode = serializers.CharField()
    credit_limit = serializers.IntegerField()
    balance = serializers.IntegerField()
    pending_debits = serializers.IntegerField()
    pending_credits = serializers.IntegerField()
    available = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class PostingOutput(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    asset = serializers.CharField(source="asset_id")
    amount = serializers.IntegerField()
    phase = serializers.CharField()


class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    client_id = serializers.CharField()
    kind = serializers.CharField()
    actor = serializers.CharField()
    reverses = serializers.IntegerField(source="reverses_id", allow_null=True)
    hold = serializers.IntegerField(source="hold_id", allow_null=True)
    metadata = serializers.JSONField()
    hash = serializers.CharField()
    prev_hash = serializers.CharField()
    created_at = serializers.DateTimeField()
    postings = PostingOutput(many=True, source="postings.all")


class HistoryOutput(serializers.Serializer):
    entry = serializers.IntegerField(source="entry_id")
    kind = serializers.CharField(source="entry.kind")
    amount = serializers.IntegerField()
    phase = serializers.CharField()
    balance_after = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    metadata = serializers.JSONField(source="entry.metadata")


class HoldOutput(serializers.Serializer):
    id = serializers.IntegerField()
    client_id = serializers.CharField()
    debit_account = serializers.IntegerField(source="debit_account_id")
    credit_account = serializers.IntegerField(source="credit_account_id")
    asset = serializers.CharField(source="asset_id")
    amount = serializers.IntegerField()
    posted_amount = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    pending_entry = serializers.IntegerField(source="pending_entry_id")
    resolution_entry = serializers.IntegerField(source="resolution_entry_id", allow_null=True)
    created_at = serializers.DateTimeField()


class PostingInput(StrictInputSerializer):
    account = serializers.IntegerField(min_value=1)
    amount = serializers.IntegerField()


class EntryInput(StrictInputSerializer):
    client_id = serializers.CharField(max_length=128)
    # many=True hands the bounds to DRF's ListSerializer; the stub's Serializer.__init__ does not list them.
    postings = PostingInput(many=True, min_length=2, max_length=64)  # type: ignore[call-arg]
    metadata = serializers.DictField(required=False, default=dict)


class AccountInput(StrictInputSerializer):
    asset = serializers.ChoiceField(choices=["CEU", "PFT", "MUNT", "USD"])
    code = serializers.SlugField(max_length=64, default="main")
    name = serializers.CharField(max_length=200, required=False, default="")


class HoldInput(StrictInputSerializer):
    client_id = serializers.CharField(max_length=128)
    debit_account = serializers.IntegerField(min_value=1)
    credit_account = serializers.IntegerField(min_value=1)
    amount = serializers.IntegerField(min_value=1)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    metadata = serializers.DictField(required=False, default=dict)


class HoldPostInput(StrictInputSerializer):
    amount = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class ReverseInput(StrictInputSerializer):
    client_id = serializers.CharField(max_length=128)
    reason = serializers.CharField(max_length=500, required=False, default="")


class EntryFilter(StrictInputSerializer):
    account = serializers.IntegerField(required=False, min_value=1)
    asset = serializers.CharField(required=False, max_length=8)
    kind = serializers.CharField(required=False, max_length=16)
    start = serializers.DateTimeField(required=False)
    end = serializers.DateTimeField(required=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.CharField(required=False)
