"""Energy-aware scheduling kernels: the lowest-carbon (or lowest-price) start before a deadline over a
forecast, the offline optimum of a whole trace (the lower bound), and weighted fair ordering with per-tenant
concurrency quotas. Pure numpy and the standard library; times in seconds."""
from __future__ import annotations

from kernels.scheduling.durations import Prior, expected_duration
from kernels.scheduling.fair import Waiting, fair_order, release, start_estimates
from kernels.scheduling.offline import deadline_misses, emissions, offline_optimum
from kernels.scheduling.windows import Forecast, Placement, best_start, window_mean

__all__ = ["Forecast", "Placement", "Prior", "Waiting", "best_start", "deadline_misses", "emissions",
           "expected_duration", "fair_order", "offline_optimum", "release", "start_estimates", "window_mean"]
