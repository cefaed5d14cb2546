from __future__ import annotations

import random
import time
from typing import Callable, TypeVar

from django.db import DatabaseError, IntegrityError

T = TypeVar("T")

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected
MAX_ATTEMPTS = 5


def _retryable(exc: DatabaseError) -> bool:
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    # Two transactions raced on one client id: the loser retries and then finds the winner's entry to replay.
    races = ("ledger_entry_unique_client_id", "ledger_hold_unique_client_id")
    return isinstance(exc, IntegrityError) and any(name in str(exc) for name in races)


def with_retries(run: Callable[[], T]) -> T:
    """Runs a whole durable transaction again after a deadlock, a serialization failure or a client-id race."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return run()
        except DatabaseError as exc:
            if attempt == MAX_ATTEMPTS or not _retryable(exc):
                raise
            time.sleep(random.uniform(0, 0.002 * attempt))
    raise AssertionError("unreachable")
