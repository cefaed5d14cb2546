"""How ops hands work back to the app that owns it. ops sits below lab and capsules in the import layers, so
those apps register a sender in their AppConfig.ready(); ops never imports them."""
from __future__ import annotations

from collections.abc import Callable

Sender = Callable[[int, int], None]  # (tenant_id, ref_id): puts the job's task on the broker

_SENDERS: dict[str, Sender] = {}


def sender_register(ref_type: str, send: Sender) -> None:
    _SENDERS[ref_type] = send


def sender_for(ref_type: str) -> Sender:
    try:
        return _SENDERS[ref_type]
    except KeyError:
        raise LookupError(f"no sender registered for {ref_type!r}; its app registers one in ready()") from None
