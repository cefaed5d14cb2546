"""Accounts, entries and holds of the CEU/PFT/MUNT ledger (apps/ledger). Amounts are integers in minor units
(1 CEU = 1000)."""
from __future__ import annotations

from apps.ledger.errors import LedgerErrorCode as L
from thermodynasty.openapi_docs.base import T0, T1, T2, Doc, page

ACCOUNT = {"id": 12, "asset": "CEU", "code": "operations", "name": "Operations CEU", "floor_mode": "non_negative",
           "credit_limit": 0, "balance": 250000, "pending_debits": 12000, "pending_credits": 0, "available": 238000,
           "created_at": T0}
ENTRY = {"id": 5501, "seq": 5501, "client_id": "transfer-2026-03-02-001", "kind": "transfer", "actor": "api_key:ops",
         "reverses": None, "hold": None, "metadata": {"purpose": "monthly allocation"},
         "hash": "9b1f4c2e7a0d5b8c3f6e1a4d7b0c9e2f5a8d1c4b7e0f3a6d9c2b5e8f1a4d7c0b",
         "prev_hash": "0e3a6d9c2b5e8f1a4d7c0b3e6a9d2c5b8f1e4a7d0c3b6e9f2a5d8c1b4e7a0d3c", "created_at": T1,
         "postings": [{"account": 12, "asset": "CEU", "amount": -50000, "phase": "posted"},
                      {"account": 13, "asset": "CEU", "amount": 50000, "phase": "posted"}]}
# Just posted: the sealer gives an entry its place in the chain a few milliseconds later.
POSTED = {**ENTRY, "seq": None, "hash": None, "prev_hash": None}
REVERSAL = {**ENTRY, "id": 5502, "seq": None, "hash": None, "prev_hash": None, "client_id": "reverse-5501",
            "kind": "reversal", "reverses": 5501,
            "metadata": {"reason": "Allocated to the wrong team."}, "created_at": T2,
            "postings": [{"account": 12, "asset": "CEU", "amount": 50000, "phase": "posted"},
                         {"account": 13, "asset": "CEU", "amount": -50000, "phase": "posted"}]}
HOLD = {"id": 77, "client_id": "hold-job-3121", "debit_account": 12, "credit_account": 13, "asset": "CEU",
        "amount": 12000, "posted_amount": None, "status": "pending", "expires_at": T2, "pending_entry": 5503,
        "resolution_entry": None, "created_at": T1}
LINE = {"entry": 5501, "kind": "transfer", "amount": -50000, "phase": "posted", "balance_after": 250000,
        "created_at": T1, "metadata": {"purpose": "monthly allocation"}}
HOLD_STATE = {409: (L.HOLD_NOT_PENDING,)}

DOCS: dict[str, Doc] = {
    "ledger_accounts_list": Doc(
        "List accounts",
        "Your ledger accounts with balance, pending holds and available amount, in minor units.",
        response=page(ACCOUNT)),
    "ledger_accounts_open": Doc(
        "Open an account",
        "Opens an account in one asset (CEU, PFT, MUNT or USD). `code` is your own stable handle, unique per "
        "asset; left empty it defaults to the asset's main account.",
        request={"asset": "CEU", "code": "operations", "name": "Operations CEU"},
        response={**ACCOUNT, "balance": 0, "pending_debits": 0, "available": 0},
        errors={404: (L.UNKNOWN_ACCOUNT,)}),
    "ledger_accounts_retrieve": Doc(
        "Get an account",
        "One account's balance, pending debits and credits, and available amount (balance less pending "
        "debits, plus the credit limit).",
        response=ACCOUNT),
    "ledger_balance_as_of": Doc(
        "Get a balance at a moment",
        "The account's posted balance as of `as_of` (ISO 8601, default now), computed from the entries alone.",
        response={"account": 12, "as_of": T2, "balance": 200000}),
    "ledger_account_history": Doc(
        "List an account's history",
        "Each posting on the account between `start` and `end`, newest first, with the balance after it.",
        response=page(LINE)),
    "ledger_account_statement": Doc(
        "Get a statement",
        "Opening balance, every line and closing balance between `start` and `end`; `output=csv` answers a "
        "CSV file instead of JSON.",
        response={"account": 12, "asset": "CEU", "start": T0, "end": T2, "opening_balance": 300000,
                  "closing_balance": 250000, "lines": [LINE]}),
    "ledger_entries_list": Doc(
        "List entries",
        "Journal entries touching your accounts, newest first; filter by `account`, `asset`, `kind`, a time "
        "range, or metadata with `metadata.<key>=<value>` query parameters.",
        response=page(ENTRY)),
    "ledger_entries_create": Doc(
        "Post a transfer",
        "Posts a balanced entry between your accounts: postings in one asset that sum to zero (negative debits, "
        "positive credits). `client_id` makes the post safe to retry: the same id with the same postings "
        "answers the first entry. Entries are never edited; reverse them instead. `seq`, `hash` and `prev_hash` "
        "are null in the answer: the sealer chains an entry a few milliseconds after it commits.",
        request={"client_id": "transfer-2026-03-02-001",
                 "postings": [{"account": 12, "amount": -50000}, {"account": 13, "amount": 50000}],
                 "metadata": {"purpose": "monthly allocation"}},
        response=POSTED,
        errors={400: (L.UNBALANCED, L.TOO_FEW_POSTINGS, L.INVALID_AMOUNT, L.ASSET_MISMATCH, L.INSUFFICIENT_FUNDS,
                      L.INVALID_METADATA),
                404: (L.UNKNOWN_ACCOUNT, L.FOREIGN_ACCOUNT), 409: (L.IDEMPOTENCY_CONFLICT,)}),
    "ledger_entries_retrieve": Doc(
        "Get an entry",
        "One entry with its postings and its place in the tamper-evident hash chain (`seq`, `hash`, `prev_hash`; "
        "null for the few milliseconds between its commit and its seal).",
        response=ENTRY),
    "ledger_entries_reverse": Doc(
        "Reverse an entry",
        "Posts the mirror image of an entry, so its effect is undone while the history stays intact. An entry "
        "can be reversed once; hold entries are resolved by posting or voiding the hold instead.",
        request={"client_id": "reverse-5501", "reason": "Allocated to the wrong team."},
        response=REVERSAL,
        errors={400: (L.INSUFFICIENT_FUNDS, L.NOT_REVERSIBLE), 404: (L.UNKNOWN_ACCOUNT,),
                409: (L.ALREADY_REVERSED, L.IDEMPOTENCY_CONFLICT)}),
    "ledger_holds_list": Doc(
        "List holds",
        "Reserved amounts awaiting capture, newest first; filter by `status` (pending, posted, voided, expired).",
        response=page(HOLD)),
    "ledger_holds_create": Doc(
        "Place a hold",
        "Reserves `amount` from the debit account towards the credit account without moving it yet: it stops "
        "counting as available until the hold is posted, voided or expires at `expires_at`.",
        request={"client_id": "hold-job-3121", "debit_account": 12, "credit_account": 13, "amount": 12000,
                 "expires_at": T2, "metadata": {"job": 3121}},
        response=HOLD,
        errors={400: (L.INVALID_AMOUNT, L.ASSET_MISMATCH, L.INSUFFICIENT_FUNDS, L.INVALID_METADATA),
                404: (L.UNKNOWN_ACCOUNT, L.FOREIGN_ACCOUNT), 409: (L.IDEMPOTENCY_CONFLICT,)}),
    "ledger_holds_retrieve": Doc(
        "Get a hold", "One hold with its status and the entries that placed and resolved it.",
        response=HOLD),
    "ledger_holds_post": Doc(
        "Capture a hold",
        "Moves the held amount (or a smaller `amount`, releasing the rest) from the debit to the credit account.",
        request={"amount": 9500},
        response={**HOLD, "posted_amount": 9500, "status": "posted", "resolution_entry": 5504},
        errors={400: (L.HOLD_AMOUNT_EXCEEDED,), 404: (L.UNKNOWN_ACCOUNT,), **HOLD_STATE}),
    "ledger_holds_void": Doc(
        "Void a hold", "Releases the whole held amount back to the debit account.",
        response={**HOLD, "status": "voided", "resolution_entry": 5504},
        errors={404: (L.UNKNOWN_ACCOUNT,), **HOLD_STATE}),
}
