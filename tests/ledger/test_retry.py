from __future__ import annotations

import psycopg
import pytest
from django.db import IntegrityError

from apps.ledger.services.retry import with_retries


def _flaky(errors: list[BaseException]):
    calls = []

    def run() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "done"

    return run, calls


@pytest.mark.parametrize("error", [
    psycopg.errors.UniqueViolation('duplicate key value violates unique constraint "ledger_entry_unique_client_id"'),
    psycopg.errors.DeadlockDetected("deadlock detected"),
    psycopg.errors.SerializationFailure("could not serialize access"),
])
def test_a_raw_psycopg_race_or_deadlock_is_retried(error):
    # given: the engine's own cursors raise psycopg's errors unwrapped
    run, calls = _flaky([error])
    # when / then
    assert with_retries(run) == "done" and len(calls) == 2


def test_a_wrapped_client_id_race_is_retried():
    # given: Django's wrapper keeps psycopg's error as the cause
    wrapped = IntegrityError('duplicate key value violates unique constraint "ledger_hold_unique_client_id"')
    wrapped.__cause__ = psycopg.errors.UniqueViolation("duplicate key")
    run, calls = _flaky([wrapped])
    # when / then
    assert with_retries(run) == "done" and len(calls) == 2


def test_other_unique_violations_are_not_retried():
    # given
    run, calls = _flaky([psycopg.errors.UniqueViolation('duplicate key value violates unique constraint "x"')])
    # when / then
    with pytest.raises(psycopg.errors.UniqueViolation):
        with_retries(run)
    assert len(calls) == 1
