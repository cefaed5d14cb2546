"""The regime monitor: the streaming regime detector (kernels.regime) replayed over a fixed range of stored points
of one or more streams. Its result splits each stream into regimes at the alarms; the deviation energy
sum((x - baseline)^2) is additive over those segments, which is the conservation law its proof states."""
from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import numpy as np
from django.db.models import Count, Max, Min
from django.db.models.functions import TruncDate
from django.utils.dateparse import parse_datetime

from apps.capsules.errors import CapsuleErrorCode
from apps.capsules.pricing import Quantities
from apps.capsules.proof import (
    Conservation,
    Series,
    build_proof,
    canonical_text,
    inputs_digest,
    outputs_digest,
    relative_residual,
)
from apps.capsules.runners.base import Execution, Recheck, Resolved
from apps.core.errors import ApplicationError
from apps.signals.models import Point, Stream
from apps.tenants.models import Tenant
from kernels.regime import detect_stream

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)
US_PER_DAY = 86_400_000_000
MAX_STREAMS = 20
MAX_POINTS_PER_RUN = 500_000  # the detector replays ~10 µs a point in Python: a run stays within seconds
MAX_ALARMS_LISTED = 500


def _invalid(field: str, message: str, code: CapsuleErrorCode = CapsuleErrorCode.INVALID_INPUTS) -> ApplicationError:
    return ApplicationError(message, code=code, extra={"fields": {field: [message]}})


def _moment(inputs: dict[str, Any], name: str) -> datetime | None:
    raw = inputs.get(name)
    if raw is None:
        return None
    moment = parse_datetime(raw) if isinstance(raw, str) else None
    if moment is None or moment.tzinfo is None:
        raise _invalid(name, "An ISO 8601 date-time with a time zone, e.g. 2026-01-31T00:00:00Z.")
    return moment


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _us(moment: datetime) -> int:
    return (moment - EPOCH) // ONE_US


def _from_us(value: int) -> datetime:
    return EPOCH + int(value) * ONE_US


class RegimeMonitorRunner:
    kind: ClassVar[str] = "regime_monitor"
    input_schema: ClassVar[dict[str, Any]] = {
        "type": "object",
        "properties": {
            "streams": {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1,
                        "maxItems": MAX_STREAMS, "uniqueItems": True,
                        "description": "Ids of your telemetry streams to analyse."},
            "start": {"type": "string", "description": "ISO 8601; from this moment (inclusive). Default: the "
                                                       "first point."},
            "end": {"type": "string", "description": "ISO 8601; up to this moment (exclusive). Default: the "
                                                     "latest point when the run is requested."},
        },
        "required": ["streams"],
        "additionalProperties": False,
    }

    def resolve(self, *, tenant: Tenant, inputs: dict[str, Any]) -> Resolved:
        ids = list(inputs["streams"])
        start, end = _moment(inputs, "start"), _moment(inputs, "end")
        if start is not None and end is not None and end <= start:
            raise _invalid("end", "Must be later than start.")
        streams = dict(Stream.objects.filter(tenant=tenant, pk__in=ids).values_list("pk", "name"))
        unknown = [i for i in ids if i not in streams]
        if unknown:
            raise _invalid("streams", f"Unknown stream(s): {', '.join(map(str, unknown))}.")
        points = Point.objects.filter(tenant=tenant, stream_id__in=ids)
        if start is not None:
            points = points.filter(ts__gte=start)
        if end is not None:
            points = points.filter(ts__lt=end)
        rows = points.values("stream_id").annotate(n=Count("ts"), first=Min("ts"), last=Max("ts"),
                                                   days=Count(TruncDate("ts"), distinct=True))
        # Ingestion only appends later points, so [first, last] pins exactly the points this run will read.
        pinned = sorted(({"id": r["stream_id"], "from": _iso(r["first"]), "through": _iso(r["last"]),
                          "points": r["n"], "days": r["days"]} for r in rows if r["n"]), key=lambda r: r["id"])
        total = sum(r["points"] for r in pinned)
        if total == 0:
            raise _invalid("streams", "No points in the requested range.", CapsuleErrorCode.NO_DATA)
        if total > MAX_POINTS_PER_RUN:
            raise _invalid("streams", f"{total} points requested; a run analyses at most {MAX_POINTS_PER_RUN}. "
                                      "Narrow the time range.", CapsuleErrorCode.TOO_MUCH_DATA)
        resolved = {"streams": [{k: r[k] for k in ("id", "from", "through")} for r in pinned],
                    "requested": {k: v for k, v in inputs.items()}}
        return Resolved(inputs=resolved, quantities=Quantities(
            runs=1, stream_days=sum(r["days"] for r in pinned), points=total, gpu_ms=0))

    @staticmethod
    def load(*, tenant_id: int, inputs: dict[str, Any]) -> list[Series]:
        series = []
        for pinned in inputs["streams"]:
            rows = list(Point.objects.filter(tenant_id=tenant_id, stream_id=pinned["id"],
                                             ts__gte=parse_datetime(pinned["from"]),
                                             ts__lte=parse_datetime(pinned["through"])).order_by("ts")
                        .values_list("ts", "value"))
            ts = np.fromiter((_us(t) for t, _ in rows), dtype=np.int64)
            values = np.fromiter((v for _, v in rows), dtype=np.float64)
            series.append(Series(stream_id=pinned["id"], ts_us=ts, values=values))
        return series

    def execute(self, *, tenant_id: int, inputs: dict[str, Any]) -> Execution:
        """CPU only (gpu_ms is 0); cost ~10 µs a point. Reads the pinned points, scores them, and states a proof."""
        started = time.thread_time()
        series = self.load(tenant_id=tenant_id, inputs=inputs)
        names = dict(Stream.objects.filter(tenant_id=tenant_id, pk__in=[s.stream_id for s in series])
                     .values_list("pk", "name"))
        streams = [_analyse(s, names.get(s.stream_id, "")) for s in series]
        result: dict[str, Any] = {"kind": self.kind, "streams": streams, "totals": {
            "points": sum(s["points"] for s in streams), "stream_days": sum(s["stream_days"] for s in streams),
            "alarms": sum(s["alarm_count"] for s in streams)}}
        text = canonical_text(result)
        conservation = _conservation(series, result)
        proof = build_proof(inputs_sha256=inputs_digest(series), outputs_sha256=outputs_digest(text),
                            conservation=conservation)
        quantities = Quantities(runs=1, stream_days=result["totals"]["stream_days"],
                                points=result["totals"]["points"], gpu_ms=0)
        return Execution(result_text=text, quantities=quantities, proof=proof,
                         cpu_seconds=time.thread_time() - started)

    def recheck(self, *, tenant_id: int, inputs: dict[str, Any], result_text: str) -> Recheck:
        series = self.load(tenant_id=tenant_id, inputs=inputs)
        try:
            result = json.loads(result_text)
        except ValueError:
            result = {"streams": []}
        return Recheck(inputs_sha256=inputs_digest(series), outputs_sha256=outputs_digest(result_text),
                       conservation=_conservation(series, result))


def _analyse(series: Series, name: str) -> dict[str, Any]:
    x = series.values
    detection = detect_stream(x, series.ts_us / 1e6)
    alarms = np.flatnonzero(detection.alarms)
    baseline = float(np.mean(x))
    bounds = [0, *[int(i) for i in alarms if i > 0], x.size]
    segments = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        part = x[lo:hi]
        segments.append({"start": _iso(_from_us(series.ts_us[lo])), "end": _iso(_from_us(series.ts_us[hi - 1])),
                         "points": int(part.size), "mean": float(np.mean(part)),
                         "energy": float(np.sum((part - baseline) ** 2))})
    return {"stream": series.stream_id, "name": name, "points": int(x.size),
            "first_ts": _iso(_from_us(series.ts_us[0])), "last_ts": _iso(_from_us(series.ts_us[-1])),
            "stream_days": len(np.unique(series.ts_us // US_PER_DAY)), "baseline": baseline,
            "energy": float(np.sum((x - baseline) ** 2)), "max_score": float(detection.scores.max()),
            "mean_score": float(detection.scores.mean()), "alarm_count": int(alarms.size),
            "alarms": [{"ts": _iso(_from_us(series.ts_us[i])), "score": float(detection.scores[i])}
                       for i in alarms[:MAX_ALARMS_LISTED]],
            "segments": segments}


def _conservation(series: list[Series], result: dict[str, Any]) -> Conservation:
    """Deviation energy from the inputs (baseline recomputed from them) against the sum over the result's
    segments; the residual is the worst stream's relative difference."""
    by_stream = {s.get("stream"): s for s in result.get("streams", []) if isinstance(s, dict)}
    inputs_total = outputs_total = 0.0
    residual, in_count, out_count = 0.0, 0, 0
    for s in series:
        expected = float(np.sum((s.values - np.mean(s.values)) ** 2)) if s.values.size else 0.0
        segments = by_stream.get(s.stream_id, {}).get("segments", [])
        observed = float(sum(seg.get("energy", 0.0) for seg in segments))
        in_count += int(s.values.size)
        out_count += int(sum(seg.get("points", 0) for seg in segments))
        inputs_total, outputs_total = inputs_total + expected, outputs_total + observed
        residual = max(residual, relative_residual(expected, observed))
    return Conservation(quantity="deviation energy sum((x - mean)^2) per stream", inputs_total=inputs_total,
                        outputs_total=outputs_total, residual=residual, inputs_count=in_count,
                        outputs_count=out_count)
