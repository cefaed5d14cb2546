"""The shape of one operation's partner documentation, and helpers the per-app modules share."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

# Example timestamps: one fixed instant, so examples read consistently across operations.
T0 = "2026-03-02T09:15:00Z"
T1 = "2026-03-02T09:20:00Z"
T2 = "2026-03-02T10:00:00Z"


@dataclass(frozen=True)
class Doc:
    """One operation: `errors` maps an HTTP status to the codes (errors.py enum members) it answers with, on top
    of the ones every operation of its kind can answer (see `error_responses.default_errors`)."""

    summary: str
    description: str
    request: Any = None
    response: Any = None
    errors: Mapping[int, tuple[str | Enum, ...]] = field(default_factory=dict)
    public: bool = False  # called without an API key (Stripe's webhook): no 401/403


def page(*items: dict[str, Any], more: bool = False) -> dict[str, Any]:
    """A cursor page as `TenantApi.paginate` answers it."""
    nxt = "https://api.thermodynasty.io/api/v1/...?cursor=cD0yMDI2LTAzLTAy" if more else None
    return {"next": nxt, "previous": None, "results": list(items)}
