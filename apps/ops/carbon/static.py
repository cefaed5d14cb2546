"""A fixed intensity (and price), for a region without live data or as the last fallback."""
from __future__ import annotations

from datetime import datetime

from apps.ops.carbon.base import HOUR, CarbonPoint, hour_floor


class StaticProvider:
    def __init__(self, *, gco2_per_kwh: float, price_per_mwh_minor: int | None = None,
                 source: str = "static") -> None:
        if not gco2_per_kwh >= 0:
            raise ValueError("gco2_per_kwh must be a non-negative number")
        self.gco2_per_kwh, self.price_per_mwh_minor, self.source = float(gco2_per_kwh), price_per_mwh_minor, source

    def intensity_at(self, at: datetime) -> CarbonPoint:
        start = hour_floor(at)
        return CarbonPoint(start, start + HOUR, self.gco2_per_kwh, self.price_per_mwh_minor, self.source)

    def forecast(self, start: datetime, end: datetime) -> list[CarbonPoint]:
        return [CarbonPoint(start, end, self.gco2_per_kwh, self.price_per_mwh_minor, self.source)]
