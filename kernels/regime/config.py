"""Parameters of the streaming regime / anomaly detector."""

from __future__ import annotations

from dataclasses import dataclass

from kernels.regime.shift import ShiftConfig


@dataclass(frozen=True)
class DetectorConfig:
    """One parameter set for every stream (tuned once on the whole NAB corpus, never per file).

    Attributes:
        learning_period: points buffered before any score is given (they still train the
            detector). Their 5-95 % range fixes the quantisation scale of all channels.
        value_bins: linear novelty bins per learning-period 5-95 % range.
        tail_bins: the asinh quantiser's linear scale is that range divided by this.
        tail_resolution: asinh bins per unit of asinh (higher = finer in the tails).
        context_bins: value bins per range in the time-of-day context channel.
        context_buckets: time-of-day buckets per day (24 = hourly).
        record_weight: evidence weight of a new all-time extreme.
        record_min_excess: a new extreme counts only when it passes the old range by this
            fraction of the range's width.
        novelty_offset: novelty surprisal (decades, -log10 P(novel)) below which the novelty
            evidence is 0; it saturates 2 decades higher.
        context_weight: evidence weight of a never-seen (time-of-day, level) pair.
        context_offset: context surprisal (decades) below which its evidence is 0; saturates
            1.5 decades higher.
        suppress_min: after a point, weaker or equal evidence is suppressed for at least this
            many points ...
        suppress_fraction: ... or for this fraction of the points seen so far, if longer.
        score_scale: evidence ``e`` maps to the score ``e / (e + score_scale)`` in [0, 1).
        alarm_threshold: scores at or above this raise an alarm.
        shift_test: ``off`` (default), or a two-sided CUSUM on the learnt level that also alarms on sustained
            rises and falls inside the learnt range: ``mean`` or ``poisson`` (counts); see ``kernels/regime/shift``.
        shift_size, shift_threshold, shift_buckets, shift_memory, shift_cycle_s: that CUSUM's design shift,
            decision interval (nats), buckets of its baseline's cycle, baseline memory (points per bucket) and
            cycle (seconds: a day or a week).

    Example:
        >>> DetectorConfig().learning_period
        150
    """

    learning_period: int = 150
    value_bins: float = 3.0
    tail_bins: float = 1.5
    tail_resolution: float = 10.0
    context_bins: float = 4.0
    context_buckets: int = 24
    record_weight: float = 1.5
    record_min_excess: float = 0.003
    novelty_offset: float = 1.75
    context_weight: float = 0.4
    context_offset: float = 2.25
    suppress_min: int = 20
    suppress_fraction: float = 0.02
    score_scale: float = 0.17
    alarm_threshold: float = 0.5
    shift_test: str = "off"
    shift_size: float = 1.0
    shift_threshold: float = 8.0
    shift_buckets: int = 1
    shift_memory: int = 500
    shift_cycle_s: float = 86400.0

    def __post_init__(self) -> None:
        if self.learning_period < 2:
            raise ValueError("learning_period must be at least 2")
        if min(self.value_bins, self.tail_bins, self.tail_resolution, self.context_bins) <= 0:
            raise ValueError("bin counts must be positive")
        if self.context_buckets < 1 or self.suppress_min < 0 or self.score_scale <= 0:
            raise ValueError("context_buckets >= 1, suppress_min >= 0 and score_scale > 0 are required")
        if self.shift_test != "off":
            self.shift()  # raises on the CUSUM's own bad values

    def shift(self) -> ShiftConfig:
        return ShiftConfig(test=self.shift_test, size=self.shift_size, threshold=self.shift_threshold,
                           buckets=self.shift_buckets, memory=self.shift_memory, cycle_s=self.shift_cycle_s)
