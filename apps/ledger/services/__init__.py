from __future__ import annotations

from apps.ledger.services.accounts import account_open, account_set_credit_limit, system_account
from apps.ledger.services.entries import (
    EntryResult,
    entry_apply,
    entry_create,
    entry_reverse,
    entry_submit,
    issue_create,
    transfer_create,
    transfers_create_batch,
)
from apps.ledger.services.holds import (
    hold_create,
    hold_create_in_transaction,
    hold_post,
    hold_post_in_transaction,
    hold_void,
    hold_void_in_transaction,
    holds_expire,
)
from apps.ledger.services.verify import VerifyReport, ledger_verify

__all__ = [
    "EntryResult", "VerifyReport", "account_open", "account_set_credit_limit", "entry_apply", "entry_create",
    "entry_reverse", "entry_submit", "hold_create", "hold_create_in_transaction", "hold_post",
    "hold_post_in_transaction", "hold_void", "hold_void_in_transaction", "holds_expire", "issue_create",
    "ledger_verify", "system_account", "transfer_create", "transfers_create_batch",
]
