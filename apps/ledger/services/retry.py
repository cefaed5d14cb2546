from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
from django.db import DatabaseError

T = TypeVar("T")

RETRYABLE_SQLSTATES = {"40001", "40P01"}  # serialization failure, deadlock detected
UNIQUE_VIOLATION = "23505"
# Two transactions raced on one client id: the loser retries and then finds the winner's entry to replay.
CLIENT_ID_RACES = ("ledger_entry_unique_client_id", "ledger_hold_unique_client_id")
MAX_ATTEMPTS = 5


def _sqlstate(exc: BaseException) -> str | None:
    # Django wraps psycopg's error (cause); the engine's raw psycopg cursors raise it as it is.
    return getattr(exc, "sqlstate", None) or getattr(exc.__cause__, "sqlstate", None)


def _retryable(exc: BaseException) -> bool:
    state = _sqlstate(exc)
    if state in RETRYABLE_SQLSTATES:
        return True
    return state == UNIQUE_VIOLATION and any(name in str(exc) for name in CLIENT_ID_RACES)


def with_retries(run: Callable[[], T]) -> T:
    """Runs a whole durable transaction again after a deadlock, a serialization failure or a client-id race."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return run()
        except (DatabaseError, psycopg.Error) as exc:
            if attempt == MAX_ATTEMPTS or not _retryable(exc):
                raise
            time.sleep(random.uniform(0, 0.002 * attempt))
    raise AssertionError("unreachable")
