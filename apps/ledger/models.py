"""The CEU / PFT / MUNT ledger. Amounts are signed integers in minor units: a posting's amount is positive when
it credits the account and negative when it debits it. Entries, postings, seals and outbox rows are append-only
(database triggers); accounts carry running balances updated in the same transaction as their postings."""
from __future__ import annotations

from django.db import models


class Asset(models.Model):
    code = models.CharField(max_length=8, primary_key=True)
    name = models.CharField(max_length=100)
    scale = models.PositiveSmallIntegerField(help_text="Decimal places: 1 unit = 10**scale minor units.")

    def __str__(self) -> str:
        return self.code


class FloorMode(models.TextChoices):
    NON_NEGATIVE = "non_negative", "May not go below zero"
    CREDIT_LIMIT = "credit_limit", "May go down to minus the credit limit"
    NONE = "none", "Unbounded (system accounts)"


class Account(models.Model):
    """A tenant's (or the system's, when tenant is NULL) account in one asset."""

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="accounts")
    code = models.CharField(max_length=64, help_text="e.g. 'main', 'escrow', or 'issuance' for system accounts")
    name = models.CharField(max_length=200, blank=True)
    floor_mode = models.CharField(max_length=16, choices=FloorMode.choices, default=FloorMode.NON_NEGATIVE)
    credit_limit = models.BigIntegerField(default=0)
    balance = models.BigIntegerField(default=0)
    pending_debits = models.BigIntegerField(default=0)
    pending_credits = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "asset", "code"], name="ledger_account_unique_code"),
            models.UniqueConstraint(fields=["asset", "code"], condition=models.Q(tenant__isnull=True),
                                    name="ledger_account_unique_system_code"),
            models.CheckConstraint(name="ledger_account_credit_limit_non_negative",
                                   condition=models.Q(credit_limit__gte=0)),
        ]

    def __str__(self) -> str:
        owner = f"tenant {self.tenant_id}" if self.tenant_id else "system"
        return f"{owner}:{self.asset_id}:{self.code}"

    @property
    def available(self) -> int:
        return self.balance - self.pending_debits


class EntryKind(models.TextChoices):
    TRANSFER = "transfer", "Transfer"
    HOLD = "hold", "Hold (pending)"
    HOLD_POST = "hold_post", "Hold posted"
    HOLD_VOID = "hold_void", "Hold voided"
    REVERSAL = "reversal", "Reversal"
    ADJUSTMENT = "adjustment", "Operator adjustment"
    ISSUE = "issue", "Issuance"
    TRADE = "trade", "Trade settlement"


class Entry(models.Model):
    """A journal entry: two or more postings whose amounts sum to zero per asset. Its content hash is fixed when it
    commits; its place in the hash chain (`seq`, `prev_hash`, `hash`) is its `Seal`, written shortly after commit by
    the single sealer, so entries commit in parallel without holding a chain head (docs/ledger.md)."""

    rls_extra_visibility = "id IN (SELECT entry_id FROM ledger_posting WHERE tenant_id = {tenant})"

    # No single-column indexes on tenant and reverses: ledger_entry_tenant_time and ledger_entry_reversed_once serve
    # those lookups, and every entry written paid for the two extra index inserts (docs/ledger.md).
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               db_index=False)
    scope = models.CharField(max_length=32, help_text="Idempotency namespace: the tenant id, or 'system'.")
    client_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    actor = models.CharField(max_length=200, help_text="Who made it: user, API key, operator or system task.")
    reverses = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 db_index=False)
    hold = models.ForeignKey("ledger.Hold", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                             db_constraint=False, db_index=False)
    metadata = models.JSONField(default=dict)
    request_hash = models.CharField(max_length=64)
    content_hash = models.CharField(max_length=64)
    # The writing transaction's id (the column defaults to pg_current_xact_id()): the sealer finds what is still
    # unsealed from its frontier, an xid below which every transaction has ended (ids alone would be pinned by
    # rolled-back ones).
    txid = models.BigIntegerField(editable=False)
    # No index of its own: readers filter entries by tenant first (ledger_entry_tenant_time) or by id (0010).
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "client_id"], name="ledger_entry_unique_client_id"),
            # An entry is reversed at most once.
            models.UniqueConstraint(fields=["reverses"], condition=models.Q(reverses__isnull=False),
                                    name="ledger_entry_reversed_once"),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at", "-id"], name="ledger_entry_tenant_time"),
                   models.Index(fields=["txid"], name="ledger_entry_txid")]
        verbose_name_plural = "entries"

    def __str__(self) -> str:
        return f"#{self.seq or '-'} {self.kind} {self.client_id}"

    def _seal(self) -> Seal | None:
        try:
            return self.seal  # the reverse one-to-one of Seal.entry
        except Seal.DoesNotExist:
            return None  # committed, not sealed yet

    @property
    def seq(self) -> int | None:
        seal = self._seal()
        return seal.seq if seal else None

    @property
    def prev_hash(self) -> str | None:
        seal = self._seal()
        return seal.prev_hash if seal else None

    @property
    def hash(self) -> str | None:
        seal = self._seal()
        return seal.hash if seal else None


class Seal(models.Model):
    """An entry's place in the hash chain, in the order the sealer saw entries committed: seq (gap-free from 1),
    prev_hash and hash = sha256(prev_hash || content_hash). Inserted once per entry, never updated or deleted."""

    entry = models.OneToOneField(Entry, primary_key=True, on_delete=models.PROTECT, related_name="seal")
    seq = models.BigIntegerField(unique=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    sealed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"seal #{self.seq} of entry {self.entry_id}"


class Phase(models.TextChoices):
    POSTED = "posted", "Posted"
    PENDING = "pending", "Pending (reserved by a hold)"
    RELEASE = "release", "Release of a pending amount"


class Posting(models.Model):
    # tenant and asset are copied from the account (for RLS and filters); the verifier checks them, so they skip
    # the per-row foreign-key check that would otherwise dominate a batch's commit.
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="postings")
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
                               db_constraint=False)
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="postings", db_index=False)
    asset = models.ForeignKey(Asset, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False,
                              db_index=False)
    amount = models.BigIntegerField()
    phase = models.CharField(max_length=8, choices=Phase.choices, default=Phase.POSTED)
    balance_after = models.BigIntegerField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "created_at", "id"], name="ledger_posting_account_time")]


class HoldStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    POSTED = "posted", "Posted"
    VOIDED = "voided", "Voided"
    EXPIRED = "expired", "Expired"


class Hold(models.Model):
    """A two-phase transfer's state. Its history is in entries; the status moves out of 'pending' exactly once."""

    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    client_id = models.CharField(max_length=128)
    debit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    credit_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="+")
    amount = models.BigIntegerField()
    posted_amount = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=HoldStatus.choices, default=HoldStatus.PENDING, db_index=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    pending_entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="+")
    resolution_entry = models.ForeignKey(Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    metadata = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "client_id"], name="ledger_hold_unique_client_id")]


class ChainHead(models.Model):
    """One row, the sealer's: the last sealed seq and hash, and its frontier (every transaction with an id below it
    has ended, and its entries are sealed). Only the sealer locks and moves it."""

    seq = models.BigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)
    frontier = models.BigIntegerField(default=0)


class OutboxEvent(models.Model):
    """The change stream: one event per entry, written by the sealer with the entry's seal, so `seq` is gap-free
    and an entry that commits late still appears after a consumer's cursor."""

    seq = models.BigIntegerField(unique=True)
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="+")
    tenant = models.ForeignKey("tenants.Tenant", null=True, blank=True, on_delete=models.DO_NOTHING, related_name="+",
                               db_constraint=False)
    event_type = models.CharField(max_length=32)
    payload = models.JSONField()
    created_at = models.DateTimeField()


class OutboxCursor(models.Model):
    """How far each consumer has read the stream (at-least-once: it advances after the work is done)."""

    consumer = models.CharField(max_length=64, unique=True)
    last_seq = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)
