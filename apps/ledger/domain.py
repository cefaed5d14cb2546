"""Plain values the ledger computes with, and the canonical serialisation its hashes use.

The content hash covers everything an entry says (who, what, when, every posting); the chain hash is
sha256(prev_hash || content_hash), computed in the database at commit and recomputed by the verifier.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # the C encoder json.dumps uses
from typing import Any

from apps.core.errors import ApplicationError
from apps.ledger.errors import LedgerErrorCode

MAX_METADATA_BYTES = 4096
# The most one posting (or hold) may move, in minor units: 10^15 (a billion units at 6 decimals). Balances and
# pending sums are bigints (about 9.2 x 10^18); a single amount near 2^63 overflowed them, and arithmetic in Python
# and JSON clients (float64 holds integers exactly only up to 2^53) stays exact well below this.
MAX_AMOUNT = 10**15


@dataclass(frozen=True)
class PostingSpec:
    account_id: int
    amount: int
    phase: str = "posted"


@dataclass(frozen=True)
class EntrySpec:
    scope: str
    tenant_id: int | None
    client_id: str
    kind: str
    actor: str
    postings: tuple[PostingSpec, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    reverses_id: int | None = None
    hold_id: int | None = None

    def request_hash(self) -> str:
        """What the client asked for (no timestamp): equal requests under one client id are replays. The same bytes
        as `canonical()` of {client_id, hold, kind, metadata, postings, reverses, scope, tenant} (tested against it),
        written out directly: json.dumps with sorted keys was a third of a lone transfer's Python time."""
        postings = ",".join(f"[{p.account_id},{p.amount},{encode_basestring(p.phase)}]" for p in self.postings)
        return _sha(f'{{"client_id":{encode_basestring(self.client_id)},"hold":{_number(self.hold_id)},'
                    f'"kind":{encode_basestring(self.kind)},"metadata":{metadata_text(self.metadata)},'
                    f'"postings":[{postings}],"reverses":{_number(self.reverses_id)},'
                    f'"scope":{encode_basestring(self.scope)},"tenant":{_number(self.tenant_id)}}}')


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def timestamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def content_hash(*, seqless: dict[str, Any], postings: list[tuple[int, str, int, str]], created_at: datetime) -> str:
    """Hash of a stored entry. `seqless` holds its own fields; postings are (account, asset, amount, phase)."""
    return _sha(canonical({**seqless, "created_at": timestamp_text(created_at),
                           "postings": [list(p) for p in postings]}))


def entry_content_hash(spec: EntrySpec, request_hash: str, postings: Sequence[tuple[int, str, int, str]],
                       created_text: str) -> str:
    """`content_hash(seqless=entry_fields(spec, request_hash), ...)` byte for byte (tested against it), written out
    directly for the write path; the verifier keeps the generic one, so every `ledger_verify` cross-checks the two.
    `created_text` is `timestamp_text(created_at)`, computed once per batch."""
    legs = ",".join(f"[{a},{encode_basestring(asset)},{amount},{encode_basestring(phase)}]"
                    for a, asset, amount, phase in postings)
    return _sha(f'{{"actor":{encode_basestring(spec.actor)},"client_id":{encode_basestring(spec.client_id)},'
                f'"created_at":"{created_text}","hold":{_number(spec.hold_id)},"kind":{encode_basestring(spec.kind)},'
                f'"metadata":{metadata_text(spec.metadata)},"postings":[{legs}],"request_hash":"{request_hash}",'
                f'"reverses":{_number(spec.reverses_id)},"scope":{encode_basestring(spec.scope)},'
                f'"tenant":{_number(spec.tenant_id)}}}')


def metadata_text(metadata: dict[str, Any]) -> str:
    """Canonical JSON of an entry's metadata (most entries have none)."""
    return canonical(metadata) if metadata else "{}"


def _number(value: int | None) -> str:
    return "null" if value is None else str(value)


def entry_fields(spec: EntrySpec, request_hash: str) -> dict[str, Any]:
    return {"tenant": spec.tenant_id, "scope": spec.scope, "client_id": spec.client_id, "kind": spec.kind,
            "actor": spec.actor, "reverses": spec.reverses_id, "hold": spec.hold_id, "metadata": spec.metadata,
            "request_hash": request_hash}


def chain_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + bytes.fromhex(content)).hexdigest()


def validate_metadata(metadata: Any) -> dict[str, Any]:
    """Metadata is a small JSON object of strings, integers, booleans and nulls (no floats: they do not
    round-trip exactly, and amounts are integers anyway)."""
    if not isinstance(metadata, dict):
        raise ApplicationError("Metadata must be a JSON object.", code=LedgerErrorCode.INVALID_METADATA)

    def check(value: Any) -> None:
        if isinstance(value, str) and "\x00" in value:  # PostgreSQL text and jsonb cannot hold NUL
            raise ApplicationError("Metadata may not hold NUL characters.", code=LedgerErrorCode.INVALID_METADATA)
        if isinstance(value, float):
            raise ApplicationError("Metadata may not hold fractional numbers; use strings or integers.",
                                   code=LedgerErrorCode.INVALID_METADATA)
        if isinstance(value, dict):
            for k, v in value.items():
                check(k)
                check(v)
        elif isinstance(value, list):
            for v in value:
                check(v)

    check(metadata)
    if metadata and len(canonical(metadata).encode()) > MAX_METADATA_BYTES:
        raise ApplicationError(f"Metadata is limited to {MAX_METADATA_BYTES} bytes.",
                               code=LedgerErrorCode.INVALID_METADATA)
    return metadata
