"""A process's short, bounded memory of looked-up values, for lookups that may be a few seconds stale (an API key,
the brand a host serves) but cost a round trip on every request otherwise."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlMemo(Generic[V]):
    """Values kept for `ttl_s()` seconds after they were put (read on every call, so a setting can change it; 0 or
    less keeps nothing). At most `max_entries` names: past it the memory starts over, so it stays bounded whatever
    names the callers send."""

    def __init__(self, ttl_s: Callable[[], float], max_entries: int) -> None:
        self.ttl_s, self.max_entries = ttl_s, max_entries
        self.clock: Callable[[], float] = time.monotonic  # the tests move time forward through this
        self._entries: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def fresh(self, name: str) -> tuple[V] | None:
        """`(value,)` when `name`'s value was put less than `ttl_s()` ago, else None (a kept value may be None)."""
        ttl, hit = self.ttl_s(), self._entries.get(name)
        if ttl > 0 and hit is not None and self.clock() - hit[0] < ttl:
            return (hit[1],)
        return None

    def put(self, name: str, value: V) -> None:
        if self.ttl_s() <= 0:
            return
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[name] = (self.clock(), value)

    def forget(self, name: str) -> None:
        with self._lock:
            self._entries.pop(name, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
