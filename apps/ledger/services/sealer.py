"""The sealer: the only writer of the hash chain. Entries commit without it (their content hash only); a pass of
`ledger_seal` (migration 0008) gives every committed, unsealed entry its seq, prev_hash and hash as a seal row, in
the order the sealer saw them commit, and writes their outbox events.

One sealer at a time: a pass takes the advisory lock SEAL_LOCK for its transaction and answers "busy" when another
session holds it. The leader loop (`ledger_sealer_run`, started every few seconds by beat) holds the same lock for
its session, so an inline pass (tests, the management command) never interleaves with it; when the leader's worker
dies its session ends, the lock goes with it, and the next beat tick elects another.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection

from apps.tenants import rls

SEAL_LOCK = 7_415_002  # also written into ledger_seal's SQL (migration 0008)
SEAL_BATCH = 5000  # entries per pass: bounds one pass's transaction, and catching up takes few passes
IDLE_S = 0.005  # the leader's pause after a pass that emptied the queue: under load, the lag is about this plus a pass
IDLE_MAX_S = 0.05  # empty passes double the pause up to this, so an idle ledger costs ~20 small reads a second


def seal_bound_s() -> float:
    """How old an unsealed entry may grow before `ledger_verify` calls it a fault."""
    return float(getattr(settings, "LEDGER_SEAL_BOUND_S", 5.0))


@dataclass(frozen=True)
class SealPass:
    sealed: int  # -1: another session holds the sealer's lock
    head_seq: int | None
    lag_ms: float | None  # age of the oldest entry this pass sealed


@dataclass
class SealerStats:
    passes: int = 0
    sealed: int = 0
    lags_ms: list[float] = field(default_factory=list)
    led: bool = False

    def summary(self) -> dict[str, float | int | bool]:
        lags = sorted(self.lags_ms) or [0.0]
        return {"led": self.led, "passes": self.passes, "sealed": self.sealed,
                "lag_p50_ms": statistics.median(lags), "lag_p99_ms": lags[min(len(lags) - 1, int(0.99 * len(lags)))],
                "lag_max_ms": lags[-1]}


def ledger_seal(*, limit: int = SEAL_BATCH) -> SealPass:
    """One pass. Outside a transaction it is its own (one statement); inside one it seals what that transaction
    sees, its own uncommitted entries included, and commits or rolls back with it."""
    with rls.system_context(reason="the chain spans every tenant's entries"), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM ledger_seal(%s)", [limit])
        sealed, head_seq, lag_ms = cursor.fetchone()
    return SealPass(sealed=sealed, head_seq=head_seq, lag_ms=lag_ms)


def ledger_seal_all(*, limit: int = SEAL_BATCH) -> int:
    """Passes until nothing is left (or another sealer holds the lock); how many entries were sealed."""
    total = 0
    while True:
        result = ledger_seal(limit=limit)
        if result.sealed <= 0:
            return total
        total += result.sealed
        if result.sealed < limit:
            return total


def _try_lead() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SEAL_LOCK])
        return bool(cursor.fetchone()[0])


def ledger_sealer_run(*, seconds: float, idle_s: float = IDLE_S,
                      stop: Callable[[], bool] = lambda: False) -> SealerStats:
    """The leader loop: seals continuously for `seconds` (or until `stop()`), pausing `idle_s` after an empty pass.
    Returns at once, not leading, when another session leads. Runs outside any transaction."""
    assert not connection.in_atomic_block, "the sealer commits each pass on its own"
    stats = SealerStats()
    if not _try_lead():
        return stats
    stats.led = True
    deadline, pause = time.monotonic() + seconds, idle_s
    try:
        while time.monotonic() < deadline and not stop():
            result = ledger_seal()
            stats.passes += 1
            if result.sealed > 0:
                stats.sealed += result.sealed
                stats.lags_ms.append(result.lag_ms or 0.0)
                pause = idle_s
            else:
                pause = min(2 * pause, max(idle_s, IDLE_MAX_S))
            if result.sealed < SEAL_BATCH:
                time.sleep(pause)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [SEAL_LOCK])
    return stats
