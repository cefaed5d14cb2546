"""Consumers read the change stream in commit order (`seq`), at least once: a consumer's cursor advances only
after its handler has processed the events, so a crash re-delivers rather than skips."""
from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from apps.ledger.models import OutboxCursor, OutboxEvent
from apps.ledger.services.sealer import ledger_seal
from apps.tenants import rls

Handler = Callable[[list[OutboxEvent]], object]  # what a handler returns is ignored
_HANDLERS: dict[str, Handler] = {}


def outbox_register(consumer: str, handler: Handler) -> None:
    _HANDLERS[consumer] = handler


def outbox_consume(*, consumer: str, handler: Handler, limit: int = 500) -> int:
    """Hands the next events after the consumer's cursor to `handler`; returns how many. The cursor row is
    locked, so two workers never run one consumer at once. Events are written by the sealer: one pass runs first
    (a no-op while a leader runs), so the stream flows even when no sealer loop does."""
    ledger_seal()
    with transaction.atomic(), rls.system_context(reason="the ledger outbox is one stream across tenants"):
        cursor, _ = OutboxCursor.objects.select_for_update().get_or_create(consumer=consumer)
        events = list(OutboxEvent.objects.filter(seq__gt=cursor.last_seq).order_by("seq")[:limit])
        if not events:
            return 0
        handler(events)
        cursor.last_seq = events[-1].seq
        cursor.save(update_fields=["last_seq", "updated_at"])
        return len(events)


def outbox_dispatch_all() -> dict[str, int]:
    return {name: outbox_consume(consumer=name, handler=handler) for name, handler in sorted(_HANDLERS.items())}
