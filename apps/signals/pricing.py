"""The CEU price of a stateless change-point analysis (POST /api/v1/changepoints/).

Priced by the points analysed, the unit the segmentation's cost grows with, in CEU minor units (thousandths):

    cost = BASE_FEE + ceil(points / POINTS_PER_MINOR_UNIT)

POINTS_PER_MINOR_UNIT is set so a CEU buys about the CPU time it buys in the lab (apps/lab/pricing.py: 1 CEU is
1e9 cell updates, roughly 1-5 s of two CPU threads): the default segmentation (model and penalty chosen from the
data, seasonality checked) measured ~20k points/s on one core of the development machine (docs/signals.md,
"Regimes in the product"), so 1,000 points ≈ 0.05 s ≈ 0.01-0.05 CEU. A 100,000-point series costs 0.105 CEU.
"""
from __future__ import annotations

import math

BASE_FEE = 5  # 0.005 CEU: request parsing, the audit row and the ledger entry of one analysis
POINTS_PER_MINOR_UNIT = 1_000
MAX_POINTS = 100_000  # per request: ~5 s of one core, and a body under the 4 MiB upload limit as numbers


def changepoint_price(points: int) -> int:
    """CEU minor units for analysing `points` points."""
    return BASE_FEE + math.ceil(max(0, points) / POINTS_PER_MINOR_UNIT)
