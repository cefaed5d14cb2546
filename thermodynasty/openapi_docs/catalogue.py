"""All operations' partner documentation, by operation id. One module per app; an operation without an entry keeps
the generator's own summary and description (tests/core/test_openapi_docs.py refuses that for partner APIs)."""
from __future__ import annotations

from thermodynasty.openapi_docs import (
    billing,
    capsules,
    dna,
    lab,
    ledger,
    marketplace,
    signals,
    tenants,
)
from thermodynasty.openapi_docs.base import Doc

DOCS: dict[str, Doc] = {}
for _module in (billing, capsules, dna, lab, ledger, marketplace, signals, tenants):
    _clash = DOCS.keys() & _module.DOCS.keys()
    if _clash:
        raise ImportError(f"operation ids documented twice: {sorted(_clash)}")
    DOCS.update(_module.DOCS)


def doc_for(operation_id: str) -> Doc | None:
    return DOCS.get(operation_id)
