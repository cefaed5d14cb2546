from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from apps.core.actors import Actor
from apps.core.errors import ApplicationError, ConflictError
from apps.ops.services import audit_record, snapshot
from apps.signals.batches import MAX_ABS_VALUE
from apps.signals.errors import SignalErrorCode
from apps.signals.models import Stream, StreamState
from apps.signals.processing import StreamProcessor
from apps.signals.state import processor_dumps
from apps.tenants.models import Tenant


@transaction.atomic
def stream_create(*, actor: Actor, tenant: Tenant, name: str, kind: str = "numeric", units: str = "",
                  asset_name: str = "", description: str = "", window_size: int = 60, n_bins: int = 16,
                  value_low: float | None = None, value_high: float | None = None,
                  detector: dict[str, Any] | None = None) -> Stream:
    """`detector` holds DetectorConfig settings (a template's); without it the detector uses its defaults."""
    if (value_low is None) != (value_high is None) or (value_low is not None and value_high is not None and not (
            -MAX_ABS_VALUE <= value_low < value_high <= MAX_ABS_VALUE)):
        raise ApplicationError(f"Give both value_low and value_high, finite, with value_high > value_low and both "
                               f"within ±{MAX_ABS_VALUE:g}.",
                               code=SignalErrorCode.INVALID_VALUE_RANGE,
                               extra={"fields": {"value_high": ["Must exceed value_low."]}})
    stream = Stream(tenant=tenant, name=name, kind=kind, units=units, asset_name=asset_name,
                    description=description, window_size=window_size, n_bins=n_bins, value_low=value_low,
                    value_high=value_high)
    stream.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            stream.save()
    except IntegrityError as exc:
        raise ConflictError(f"A stream named {name!r} exists.", code=SignalErrorCode.DUPLICATE_STREAM) from exc
    value_range = (value_low, value_high) if value_low is not None and value_high is not None else None
    processor = StreamProcessor.new(kind=kind, window_size=window_size, n_bins=n_bins, value_range=value_range,
                                     detector=detector)
    StreamState.objects.create(tenant=tenant, stream=stream, blob=processor_dumps(processor))
    audit_record(actor=actor, action="stream.create", obj=stream, tenant_id=tenant.pk,
                 after=snapshot(stream, ["name", "kind", "units", "asset_name", "window_size"]))
    return stream
