"""Idempotency-Key handling for POSTs that create things.

The key is claimed with an INSERT under a unique constraint before the view runs, so two concurrent requests with
one key never both execute; the response is stored afterwards and replayed on repeats.
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.response import Response

from apps.core.errors import ConflictError, CoreErrorCode
from apps.core.models import IdempotencyRecord

MAX_KEY_LENGTH = 255


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, RecursionError):  # not JSON, or nested past the decoder's depth: hash the raw bytes
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _claim(*, tenant_id: int, key: str, method: str, path: str, fingerprint: str) -> IdempotencyRecord | None:
    """Returns the existing record, or None after claiming the key for this request."""
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(tenant_id=tenant_id, key=key, method=method, path=path,
                                             request_hash=fingerprint)
        return None
    except IntegrityError:
        return IdempotencyRecord.objects.get(tenant_id=tenant_id, key=key)


def run_idempotent(*, tenant_id: int, key: str, method: str, path: str, body: bytes,
                   execute: Callable[[], Response]) -> Response:
    if len(key) > MAX_KEY_LENGTH:
        from rest_framework.exceptions import ValidationError

        raise ValidationError({"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]})
    fingerprint = request_fingerprint(method, path, body)
    existing = _claim(tenant_id=tenant_id, key=key, method=method, path=path, fingerprint=fingerprint)
    if existing is not None:
        return _replay(existing, fingerprint)
    try:
        response = execute()
    except BaseException:
        IdempotencyRecord.objects.filter(tenant_id=tenant_id, key=key, completed_at__isnull=True).delete()
        raise
    if response.status_code >= 500 or response.status_code in (409, 429):
        # Transient outcomes are not remembered: the client may retry with the same key.
        IdempotencyRecord.objects.filter(tenant_id=tenant_id, key=key).delete()
        return response
    IdempotencyRecord.objects.filter(tenant_id=tenant_id, key=key).update(
        status_code=response.status_code, response_body=_jsonable(response.data), completed_at=timezone.now())
    response["Idempotency-Key"] = key
    return response


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.request_hash != fingerprint:
        raise ConflictError("This Idempotency-Key was used with a different request.",
                            code=CoreErrorCode.IDEMPOTENCY_CONFLICT)
    if record.completed_at is None:
        raise ConflictError("A request with this Idempotency-Key is still in progress.",
                            code=CoreErrorCode.IDEMPOTENCY_IN_PROGRESS)
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    response["Idempotency-Key"] = record.key
    return response
