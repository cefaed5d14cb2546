"""What every carbon/price provider returns, and how it fails."""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

LBS_PER_MWH_TO_G_PER_KWH = 0.45359237  # 1 lb/MWh = 453.59237 g per 1000 kWh


class CarbonError(Exception):
    """A provider could not answer (unreachable, refused, malformed, or no value for the time asked)."""

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source


@dataclass(frozen=True)
class CarbonPoint:
    """Grid carbon intensity (gCO2e/kWh) and, where known, the energy price (currency minor units per MWh) over
    [start, end). `source` names who gave the figure, e.g. "electricitymaps:DE" or "static"."""

    start: datetime
    end: datetime
    gco2_per_kwh: float
    price_per_mwh_minor: int | None
    source: str

    def covers(self, at: datetime) -> bool:
        return self.start <= at < self.end

    def clipped(self, start: datetime, end: datetime) -> CarbonPoint:
        return replace(self, start=max(self.start, start), end=min(self.end, end))


class Provider(Protocol):
    source: str

    def intensity_at(self, at: datetime) -> CarbonPoint: ...

    def forecast(self, start: datetime, end: datetime) -> list[CarbonPoint]: ...


def point_at(points: list[CarbonPoint], at: datetime, source: str) -> CarbonPoint:
    """The point covering `at`, or CarbonError naming the provider."""
    for point in points:
        if point.covers(at):
            return point
    raise CarbonError(source, f"no value for {at.isoformat()}")


def within(points: list[CarbonPoint], start: datetime, end: datetime) -> list[CarbonPoint]:
    """The points overlapping [start, end), clipped to it, in time order."""
    return [p.clipped(start, end) for p in sorted(points, key=lambda p: p.start) if p.end > start and p.start < end]


def parse_timestamp(text: str) -> datetime:
    """ISO 8601 with a zone ("Z" accepted); a naive time is refused rather than guessed."""
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return value


def hour_floor(at: datetime) -> datetime:
    return at.replace(minute=0, second=0, microsecond=0)


HOUR = timedelta(hours=1)
