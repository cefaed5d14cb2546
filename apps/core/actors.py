from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who made a write: a signed-in user, a partner system's API key, or the platform itself."""

    user_id: int | None = None
    api_key_id: int | None = None
    label: str = "system"

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(label=label)
