"""The CEU price of a stateless change-point analysis (POST /api/v1/changepoints/).

Priced by the points analysed, the unit the segmentation's cost grows with, in CEU minor units (thousandths):

    cost = BASE_FEE + ceil(points / POINTS_PER_MINOR_UNIT)

POINTS_PER_MINOR_UNIT charges the lab's rate (apps/lab/pricing.py: 1 CEU is 1e9 cell updates, roughly 1-5 s
of two CPU threads) for the ~1-5 ms per 1,000 points an O(n) PELT pass should cost. Provisional: the kernel
measured slower on the shared development machine (1,000 points 0.4-0.8 s, 20,000 points 33-60 s; see
docs/signals.md, "Regimes in the product"), so today large requests undercharge. 100,000 points cost 0.105 CEU.
"""
from __future__ import annotations

import math

BASE_FEE = 5  # 0.005 CEU: request parsing, the audit row and the ledger entry of one analysis
POINTS_PER_MINOR_UNIT = 1_000
MAX_POINTS = 100_000  # per request (issue #12); as numbers the body stays under the 4 MiB upload limit


def changepoint_price(points: int) -> int:
    """CEU minor units for analysing `points` points."""
    return BASE_FEE + math.ceil(max(0, points) / POINTS_PER_MINOR_UNIT)
