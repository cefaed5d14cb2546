"""Validation of a telemetry batch: every bad row is named with its field and reason, and nothing of a batch
with any bad row is stored."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apps.core.errors import ApplicationError
from apps.signals.errors import SignalErrorCode

MAX_POINTS = 10_000
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
MAX_SKEW = timedelta(hours=1)  # points from the future beyond clock skew are refused
MAX_ROW_ERRORS = 100
# A numeric stream's domain: |v| <= 1e15. Past it the window statistics (sums of squares over a window and over
# the physics vector's history) leave float64's range, and a value like 1e200 made Infinity that jsonb refuses.
# 1e15 is also where float64 stops holding every integer exactly (2**53 ~ 9.0e15).
MAX_ABS_VALUE = 1e15


@dataclass(frozen=True)
class Row:
    ts: datetime
    value: float
    symbol: str


def _timestamp(raw: Any) -> datetime:
    if isinstance(raw, bool):
        raise ValueError("a timestamp is an ISO 8601 string or Unix seconds")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise ValueError("not a finite number")
        return datetime.fromtimestamp(raw, tz=UTC)
    if isinstance(raw, str):
        parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise ValueError("a timestamp is an ISO 8601 string or Unix seconds")


def _row(raw: Any, categorical: bool, now: datetime) -> Row:
    if not isinstance(raw, dict):
        raise ValueError("row", "each point is an object")
    unknown = set(raw) - {"t", "v", "symbol"}
    if unknown:
        raise ValueError(sorted(unknown)[0], "unknown field")
    try:
        ts = _timestamp(raw.get("t"))
    except (ValueError, OverflowError, OSError) as exc:
        raise ValueError("t", str(exc) or "invalid timestamp") from None
    if not EARLIEST <= ts <= now + MAX_SKEW:
        raise ValueError("t", "timestamp out of range (1990 to now)")
    if categorical:
        symbol = raw.get("symbol")
        if not isinstance(symbol, (str, int)) or isinstance(symbol, bool) or not str(symbol) or len(str(symbol)) > 200:
            raise ValueError("symbol", "a categorical point needs a symbol (string or integer, 1-200 chars)")
        return Row(ts, 0.0, str(symbol))
    value = raw.get("v")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError("v", "a finite number is required")
    if abs(value) > MAX_ABS_VALUE:
        raise ValueError("v", f"outside the stream's numeric domain (|v| <= {MAX_ABS_VALUE:g})")
    return Row(ts, float(value), "")


def _ordering_error(ts: datetime, previous: datetime | None, last_ts: datetime | None,
                    earliest: datetime | None, late_rule: str) -> str | None:
    """Why `ts` may not follow `previous` (the batch's row before it) in a stream whose latest point is `last_ts`;
    rows at or before `last_ts` are late, accepted from `earliest` on (None: not at all)."""
    if previous is not None and ts <= previous:
        return "timestamps must increase within the batch"
    if last_ts is None or ts > last_ts:
        return None
    if earliest is None:
        return "timestamps must increase (after the stream's last point and within the batch)"
    if ts < earliest:
        return f"too late: {late_rule}"
    return None


def parse_batch(points: Any, *, categorical: bool, last_ts: datetime | None, now: datetime,
                earliest: datetime | None = None, late_rule: str = "") -> list[Row]:
    """Rows in strictly increasing time; rows at or before the stream's last point `last_ts` are late and
    accepted from `earliest` on (`late_rule` says why there, for the row error). Raises listing the bad rows."""
    if not isinstance(points, list) or not points:
        raise ApplicationError("`points` is a non-empty list.", code=SignalErrorCode.INVALID_ROWS,
                               extra={"fields": {"points": ["A non-empty list is required."]}})
    if len(points) > MAX_POINTS:
        raise ApplicationError(f"At most {MAX_POINTS} points per batch.", code=SignalErrorCode.BATCH_TOO_LARGE,
                               status=413)
    rows: list[Row] = []
    errors = []
    for index, raw in enumerate(points):
        try:
            row = _row(raw, categorical, now)
            problem = _ordering_error(row.ts, rows[-1].ts if rows else None, last_ts, earliest, late_rule)
            if problem:
                raise ValueError("t", problem)
            rows.append(row)
        except ValueError as exc:
            field, message = exc.args if len(exc.args) == 2 else ("row", str(exc))
            errors.append({"index": index, "field": field, "message": message})
            if len(errors) >= MAX_ROW_ERRORS:
                break
    if errors:
        raise ApplicationError(f"{len(errors)} invalid row(s); nothing was stored.", code=SignalErrorCode.INVALID_ROWS,
                               extra={"rows": errors})
    return rows
