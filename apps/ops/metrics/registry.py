"""Who contributes figures to `/metrics`. Apps above ops register a source in their AppConfig.ready(); ops never
imports them (the layer rule in .importlinter), as the ledger outbox does with its consumers."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager, nullcontext

from prometheus_client.metrics_core import Metric

Source = Callable[[], Iterable[Metric]]

_sources: dict[str, Source] = {}
_read_scope: list[Callable[[], AbstractContextManager[None]]] = []


def metrics_source_register(name: str, source: Source) -> None:
    """Add (or replace, so a re-run ready() is harmless) the source called `name`. A source reads the database
    or Redis when called and yields metric families; it must never label a figure with a tenant."""
    _sources[name] = source


def metrics_sources() -> dict[str, Source]:
    return dict(sorted(_sources.items()))


def metrics_read_scope_set(scope: Callable[[], AbstractContextManager[None]]) -> None:
    """The context every scrape reads in. Row-level security belongs to the tenants app, above ops: it lends its
    system context here, since a scrape sums every tenant's rows (only totals leave)."""
    _read_scope[:] = [scope]


def metrics_read_scope() -> AbstractContextManager[None]:
    return _read_scope[0]() if _read_scope else nullcontext()
