"""A forecast file: a JSON or CSV time series with the fields of the Carbon Aware SDK's forecast output
(`location`, `timestamp`, `duration` in minutes, `value` in gCO2e/kWh), optionally `price_per_mwh_minor`.

JSON may be the SDK's answer as it comes (a list of forecasts, each with `forecastData`), one such forecast, or a
plain list of data points. The file is re-read when its modification time changes.
"""
from __future__ import annotations

import csv
import json
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from apps.ops.carbon.base import CarbonError, CarbonPoint, parse_timestamp, point_at, within

_cache: dict[tuple[str, str], tuple[float, list[CarbonPoint]]] = {}
_lock = threading.Lock()


def _records(path: Path) -> list[dict[str, Any]]:
    text = path.read_text()
    if path.suffix.lower() == ".csv":
        return list(csv.DictReader(text.splitlines()))
    data = json.loads(text)
    forecasts = data if isinstance(data, list) else [data]
    out: list[dict[str, Any]] = []
    for item in forecasts:
        if isinstance(item, dict) and isinstance(item.get("forecastData"), list):
            out.extend(item["forecastData"])
        else:
            out.append(item)
    return out


def _point(record: dict[str, Any], source: str) -> CarbonPoint:
    start = parse_timestamp(str(record["timestamp"]))
    minutes = float(record["duration"])
    value = float(record["value"])
    if not (minutes > 0 and value >= 0):
        raise ValueError("duration must be positive and value non-negative")
    price = record.get("price_per_mwh_minor")
    return CarbonPoint(start, start + timedelta(minutes=minutes), value,
                       int(price) if price not in (None, "") else None, source)


def load(path: Path, location: str, source: str) -> list[CarbonPoint]:
    """The file's points for `location`, in time order. Raises CarbonError naming the file on any problem."""
    try:
        mtime = path.stat().st_mtime
        with _lock:
            cached = _cache.get((str(path), location))
        if cached and cached[0] == mtime:
            return cached[1]
        points = sorted((_point(r, source) for r in _records(path)
                         if str(r.get("location", location)) == location), key=lambda p: p.start)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CarbonError(source, f"forecast file {path}: {exc}") from exc
    with _lock:
        _cache[(str(path), location)] = (mtime, points)
    return points


class FileProvider:
    def __init__(self, *, path: str, location: str) -> None:
        self.path, self.location = Path(path), location
        self.source = f"file:{self.path.name}"

    def intensity_at(self, at: datetime) -> CarbonPoint:
        return point_at(load(self.path, self.location, self.source), at, self.source)

    def forecast(self, start: datetime, end: datetime) -> list[CarbonPoint]:
        return within(load(self.path, self.location, self.source), start, end)
