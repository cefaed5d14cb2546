"""The stored form of a stream's processor (StreamState.blob, StreamCheckpoint.blob): a versioned JSON document
whose bulk numbers are numpy arrays saved as `.npy` bytes (base64, `allow_pickle=False`). Nothing in it can run
code when read. Versions: 1 was a pickle (converted by migration 0008, never read at run time); 2 is this one.

Floats outside arrays are JSON numbers written by `repr`, which reads back to the same float; NaN and Infinity
(a poisoned state holds them, and `poisoned()` must still see them) use Python's JSON extension tokens."""
from __future__ import annotations

import base64
import io
import json
from collections import deque
from datetime import datetime
from typing import Any

import numpy as np

from apps.signals.processing import RECENT, VECTOR_HISTORY, ScoredPoint, StreamProcessor
from apps.signals.severity import SeverityCalibration
from kernels.regime import RegimeDetector
from kernels.signal_compiler.streaming import SignalStream
from kernels.signal_compiler.types import SignalRow

STATE_FORMAT = "thermodynasty.stream_state"
STATE_VERSION = 2
_NPY = "__npy__"
_ROW_FLOATS = ("time", "mean", "energy", "temperature", "entropy", "entropy_rate", "free_energy", "production",
               "lag1", "crossing_rate", "support", "baseline")


class StreamStateFormatError(ValueError):
    """A stored state that is not this format (a pickle from before migration 0008, a newer version, junk)."""


def _array_out(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {_NPY: base64.b64encode(buffer.getvalue()).decode("ascii")}
    raise TypeError(f"not storable in a stream state: {type(value).__name__}")


def _array_in(obj: dict[str, Any]) -> Any:
    if set(obj) == {_NPY}:
        return np.load(io.BytesIO(base64.b64decode(obj[_NPY])), allow_pickle=False)
    return obj


def _points_out(points: list[ScoredPoint]) -> dict[str, Any]:
    return {"ts": [p.ts.isoformat() for p in points], "symbol": [p.symbol for p in points],
            "value": np.array([p.value for p in points], dtype=np.float64),
            "score": np.array([p.score for p in points], dtype=np.float64),
            "alarm": np.array([p.alarm for p in points], dtype=np.bool_)}


def _points_in(saved: dict[str, Any]) -> list[ScoredPoint]:
    return [ScoredPoint(datetime.fromisoformat(ts), value, symbol, score, alarm) for ts, symbol, value, score, alarm
            in zip(saved["ts"], saved["symbol"], saved["value"].tolist(), saved["score"].tolist(),
                   saved["alarm"].tolist(), strict=True)]


def _rows_out(rows: list[SignalRow]) -> dict[str, Any]:
    floats = [[getattr(r, name) for name in _ROW_FLOATS] + list(r.gradients) for r in rows]
    width = len(_ROW_FLOATS) + len(rows[0].gradients) if rows else 0
    return {"floats": np.array(floats, dtype=np.float64).reshape(len(rows), width),
            "ints": np.array([[r.end, r.alphabet_size] for r in rows], dtype=np.int64).reshape(len(rows), 2)}


def _rows_in(saved: dict[str, Any]) -> list[SignalRow]:
    n = len(_ROW_FLOATS)
    return [SignalRow(**dict(zip(_ROW_FLOATS, f[:n], strict=True)), gradients=tuple(f[n:]), end=end,
                      alphabet_size=k)
            for f, (end, k) in zip(saved["floats"].tolist(), saved["ints"].tolist(), strict=True)]


def processor_dumps(processor: StreamProcessor) -> bytes:
    p = processor
    document = {
        "format": STATE_FORMAT, "version": STATE_VERSION, "kind": p.kind, "window_size": p.window_size,
        "detector": p.detector.state_dict(), "compiler": p.compiler.state_dict(), "codes": p.codes,
        "symbol_counts": [[code, count] for code, count in p.symbol_counts.items()],
        "symbol_total": p.symbol_total, "window_index": p.window_index, "window": _points_out(p.window),
        "recent": _points_out(list(p.recent)), "rows": _rows_out(list(p.rows)),
        "last_row": None if p.last_row is None else _rows_out([p.last_row]),
        "calibration": p.calibration.to_state(),
    }
    return json.dumps(document, default=_array_out, separators=(",", ":")).encode()


def processor_loads(blob: bytes | memoryview) -> StreamProcessor:
    """The processor stored in `blob`; raises StreamStateFormatError for anything but this format's version 2.
    A pickle is refused by its first byte, before any parser sees it."""
    data = bytes(blob)
    if not data.startswith(b"{"):
        raise StreamStateFormatError(
            f"The stored stream state is not the versioned JSON format (version {STATE_VERSION}); it starts with "
            f"{data[:2]!r}. A pickled state (version 1) is converted by migration signals.0008 and is never "
            "unpickled at run time.")
    try:
        doc = json.loads(data, object_hook=_array_in)
    except (ValueError, UnicodeDecodeError) as exc:
        raise StreamStateFormatError(f"The stored stream state is not valid JSON: {exc}") from None
    if not isinstance(doc, dict) or doc.get("format") != STATE_FORMAT or doc.get("version") != STATE_VERSION:
        found = (doc.get("format"), doc.get("version")) if isinstance(doc, dict) else type(doc).__name__
        raise StreamStateFormatError(f"The stored stream state is {found!r}, not ({STATE_FORMAT!r}, "
                                     f"{STATE_VERSION}).")
    last_row = _rows_in(doc["last_row"]) if doc["last_row"] is not None else []
    return StreamProcessor(
        kind=doc["kind"], window_size=int(doc["window_size"]), detector=RegimeDetector.from_state(doc["detector"]),
        compiler=SignalStream.from_state(doc["compiler"]), codes={str(k): int(v) for k, v in doc["codes"].items()},
        symbol_counts={int(c): int(n) for c, n in doc["symbol_counts"]}, symbol_total=int(doc["symbol_total"]),
        window_index=int(doc["window_index"]), window=_points_in(doc["window"]),
        last_row=last_row[0] if last_row else None, recent=deque(_points_in(doc["recent"]), maxlen=RECENT),
        rows=deque(_rows_in(doc["rows"]), maxlen=VECTOR_HISTORY),
        # a state written before severity calibration existed calibrates afresh (capped below "high" meanwhile)
        calibration=SeverityCalibration.from_state(doc["calibration"]) if "calibration" in doc
        else SeverityCalibration())
