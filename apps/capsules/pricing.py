"""Price arithmetic in integer CEU minor units (thousandths of a CEU); no floats anywhere.

A quote and a metered charge are the same function of the same quantities: each priced metric is rounded up on
its own (a fraction of a minor unit is charged as one), and the charge is the sum of those per-metric amounts, so
it always equals the sum of the run's usage events.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

BPS = 10_000


@dataclass(frozen=True)
class Prices:
    per_run: int
    per_stream_day: int
    per_1k_points: int
    per_gpu_second: int

    @classmethod
    def of(cls, capsule: Any) -> Prices:
        return cls(per_run=capsule.price_per_run, per_stream_day=capsule.price_per_stream_day,
                   per_1k_points=capsule.price_per_1k_points, per_gpu_second=capsule.price_per_gpu_second)


@dataclass(frozen=True)
class Quantities:
    runs: int = 1
    stream_days: int = 0
    points: int = 0
    gpu_ms: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Line:
    metric: str
    quantity: int
    unit_price: int
    amount: int


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def price_lines(prices: Prices, quantities: Quantities) -> list[Line]:
    """One line per metric with a non-zero quantity (free metrics included, so usage counts stay complete)."""
    lines = [
        Line("run", quantities.runs, prices.per_run, quantities.runs * prices.per_run),
        Line("stream_day", quantities.stream_days, prices.per_stream_day,
             quantities.stream_days * prices.per_stream_day),
        Line("points", quantities.points, prices.per_1k_points,
             _ceil_div(quantities.points * prices.per_1k_points, 1000)),
        Line("gpu_ms", quantities.gpu_ms, prices.per_gpu_second,
             _ceil_div(quantities.gpu_ms * prices.per_gpu_second, 1000)),
    ]
    return [line for line in lines if line.quantity > 0]


def total(lines: list[Line]) -> int:
    return sum(line.amount for line in lines)


def revenue_split(charge: int, partner_share_bps: int) -> tuple[int, int]:
    """(platform, partner). The partner's part is rounded down and the remainder goes to the platform, so the two
    always add up to the charge exactly."""
    if not 0 <= partner_share_bps < BPS:
        raise ValueError("partner_share_bps lies in [0, 9999]")
    partner = charge * partner_share_bps // BPS
    return charge - partner, partner
