"""A clock the cache tests move by hand (the caches read their time through a module attribute)."""
from __future__ import annotations


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
