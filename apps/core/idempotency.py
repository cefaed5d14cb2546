"""Idempotency-Key handling for POSTs that create things.

A request claims its key with an INSERT under a unique constraint, committed at once so a concurrent twin sees it.
The claim carries a lease (IDEMPOTENCY_LEASE_SECONDS). For an atomic API (the default) the work and the stored
response then commit in ONE transaction that holds the claim row's lock: a claim either has its response, or its
work never committed. So a request killed at any point leaves either a replayable answer or an unlocked claim that
the next request takes over once the lease has run out; never a key stuck at 409.

Secret fields an API declares are withheld from the stored response: a replay answers them as null and names them
in `Idempotent-Secrets-Withheld`, since a secret is shown once. Records expire after
IDEMPOTENCY_RECORD_TTL_SECONDS: the purge task deletes them, and an expired key counts as new.
"""
from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from apps.core.errors import ConflictError, CoreErrorCode
from apps.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 255
SECRETS_WITHHELD_HEADER = "Idempotent-Secrets-Withheld"


@dataclass(frozen=True)
class IdempotentCall:
    tenant_id: int
    key: str
    method: str
    path: str
    body: bytes
    secret_fields: tuple[str, ...] = ()
    # False only where the work must commit on its own (the ledger's group commit); such an API must be
    # idempotent by itself (client ids), because a claim whose lease ran out is executed again.
    atomic: bool = True


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # not JSON, or nested past the decoder's depth: hash the raw bytes
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def run_idempotent(call: IdempotentCall, execute: Callable[[], Response]) -> Response:
    if len(call.key) > MAX_KEY_LENGTH:
        raise ValidationError({"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]})
    fingerprint = request_fingerprint(call.method, call.path, call.body)
    record, owned = _claim(call, fingerprint)
    if not owned:
        return _replay(record, fingerprint)
    try:
        if call.atomic:
            response = _execute_atomically(record, call, execute)
        else:
            response = execute()
            _finish(record, response, call.secret_fields)
    except BaseException:
        _release(record)
        raise
    response["Idempotency-Key"] = call.key
    return response


def _lease_end() -> Any:
    return timezone.now() + timedelta(seconds=settings.IDEMPOTENCY_LEASE_SECONDS)


def _expired(record: IdempotencyRecord) -> bool:
    return record.created_at < timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_RECORD_TTL_SECONDS)


def _claim(call: IdempotentCall, fingerprint: str) -> tuple[IdempotencyRecord, bool]:
    """(record, True) after claiming the key for this request, else (the existing record, False)."""
    owner = uuid.uuid4().hex
    for _ in range(3):  # a purge or takeover between our INSERT and SELECT just means: look again
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    tenant_id=call.tenant_id, key=call.key, method=call.method, path=call.path,
                    request_hash=fingerprint, owner=owner, lease_expires_at=_lease_end())
            return record, True
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(tenant_id=call.tenant_id, key=call.key).first()
        if existing is None:
            continue
        if _expired(existing):
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.completed_at is None and existing.request_hash == fingerprint:
            taken = _take_over(existing, owner)
            if taken is not None:
                return taken, True
            # Its owner may have finished meanwhile: answer from the row as it is now.
            existing = IdempotencyRecord.objects.filter(pk=existing.pk).first() or existing
        return existing, False
    raise _in_progress()


def _take_over(record: IdempotencyRecord, owner: str) -> IdempotencyRecord | None:
    """A claim past its lease whose row nobody has locked belongs to a request that died before committing
    anything (an atomic owner holds the lock until its work and response commit together): claim it anew."""
    with transaction.atomic():
        lapsed = Q(lease_expires_at__lt=timezone.now()) | Q(lease_expires_at__isnull=True)  # null: a pre-lease claim
        row = (IdempotencyRecord.objects.select_for_update(skip_locked=True)
               .filter(lapsed, pk=record.pk, completed_at__isnull=True).first())
        if row is None:
            return None
        row.owner, row.lease_expires_at = owner, _lease_end()
        row.save(update_fields=["owner", "lease_expires_at", "updated_at"])
        return row


@contextmanager
def _entry_transaction() -> Iterator[None]:
    # The entry-point services inside open durable blocks, which Django lets nest only in a test case's block.
    # This block is the request's true outermost one, so it takes that role: the services' work and the stored
    # response commit together, once.
    block = transaction.atomic()
    block._from_testcase = True  # type: ignore[attr-defined]
    with block:
        yield


def _execute_atomically(record: IdempotencyRecord, call: IdempotentCall,
                        execute: Callable[[], Response]) -> Response:
    with _entry_transaction():
        mine = IdempotencyRecord.objects.select_for_update().filter(pk=record.pk, owner=record.owner).first()
        if mine is None:
            raise _in_progress()  # our lease ran out before we started and another request took the key
        response = execute()
        _finish(mine, response, call.secret_fields)
    return response


def _finish(record: IdempotencyRecord, response: Response, secret_fields: tuple[str, ...]) -> None:
    if response.status_code >= 500 or response.status_code in (409, 429):
        # Transient outcomes are not remembered: the client may retry with the same key.
        IdempotencyRecord.objects.filter(pk=record.pk, owner=record.owner).delete()
        return
    body, withheld = _withhold(_jsonable(response.data), secret_fields)
    IdempotencyRecord.objects.filter(pk=record.pk, owner=record.owner).update(
        status_code=response.status_code, response_body=body, secrets_withheld=withheld,
        completed_at=timezone.now())


def _release(record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk, owner=record.owner, completed_at__isnull=True).delete()


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _withhold(body: Any, secret_fields: tuple[str, ...]) -> tuple[Any, list[str]]:
    """The body to store: each declared secret field nulled, so no replay (and no database reader) sees it."""
    if not isinstance(body, dict):
        return body, []
    withheld = [name for name in secret_fields if body.get(name) is not None]
    return {**body, **{name: None for name in withheld}}, withheld


def _in_progress() -> ConflictError:
    return ConflictError("A request with this Idempotency-Key is still in progress.",
                         code=CoreErrorCode.IDEMPOTENCY_IN_PROGRESS,
                         extra={"retry_after_seconds": settings.IDEMPOTENCY_LEASE_SECONDS})


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise ConflictError("This Idempotency-Key was used with a different request.",
                            code=CoreErrorCode.IDEMPOTENCY_CONFLICT)
    if record.completed_at is None:
        raise _in_progress()
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    response["Idempotency-Key"] = record.key
    if record.secrets_withheld:
        response[SECRETS_WITHHELD_HEADER] = ", ".join(record.secrets_withheld)
    return response
