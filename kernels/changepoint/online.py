"""Bayesian online change-point detection (Adams & MacKay, 2007), pruned to bounded memory.

The run-length posterior P(r_t | x_1..t) is updated per point with a constant hazard and a
conjugate Normal-Gamma model (unknown mean and variance), whose predictive is a Student t.
Run lengths beyond ``max_run_length`` are merged into the last one, so each update costs
O(max_run_length) time and memory. A change is confirmed once the posterior mass of a change
between ``evidence`` and ``max_delay`` points ago (and after the previous change) reaches
``threshold``;
its index is the MAP start inside that window, so the detection delay (points seen minus the
index) never exceeds ``max_delay``: that is :attr:`OnlineDetector.delay_bound`.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np

from kernels.changepoint.config import OnlineConfig
from kernels.changepoint.describe import change_point, describe_change, make_segment
from kernels.changepoint.scale import diff_sigma
from kernels.changepoint.types import ChangePoint, Segment

LOG_FLOOR = -700.0  # log-probabilities below this are 0 for all purposes, and stay JSON-able
ARRAYS = ("log_r", "mu", "kappa", "alpha", "beta")


def logsumexp(values: np.ndarray) -> float:
    """log(sum(exp(values))) without overflow.

    Example:
        >>> round(logsumexp(np.log(np.array([1.0, 2.0, 3.0]))), 6) == round(math.log(6.0), 6)
        True
    """
    top = float(values.max())
    return top + float(np.log(np.exp(values - top).sum()))


def _lgamma_ratio(alpha: np.ndarray) -> np.ndarray:
    """lgamma(alpha + 1/2) - lgamma(alpha), elementwise (alpha holds at most max_run_length + 1 values)."""
    return np.array([math.lgamma(a + 0.5) - math.lgamma(a) for a in alpha.tolist()])


def _prepend(first: float, rest: np.ndarray) -> np.ndarray:
    """``np.r_[first, rest]`` without its index-trick overhead (this runs several times per point)."""
    out = np.empty(rest.size + 1)
    out[0] = first
    out[1:] = rest
    return out


class OnlineDetector:
    """Streaming change-point detector with a bounded, documented delay.

    Example:
        >>> det = OnlineDetector()
        >>> x = np.r_[np.zeros(60), np.full(40, 6.0)] + np.tile([0.4, -0.4, 0.1, -0.1], 25)
        >>> found = [cp for cp in (det.update(float(v)) for v in x) if cp is not None]
        >>> [cp.index for cp in found], det.delay_bound
        ([60], 20)
    """

    def __init__(self, config: OnlineConfig | None = None) -> None:
        self.config = config or OnlineConfig()
        self.seen = 0
        self.last_change = 0
        self.prior: tuple[float, float, float, float] | None = None
        self.history: list[tuple[float, float | None]] = []
        self.arrays: dict[str, np.ndarray] = {name: np.zeros(0) for name in ARRAYS}

    @property
    def delay_bound(self) -> int:
        """Most points between a change and its confirmation (``config.max_delay``)."""
        return self.config.max_delay

    def update(self, x: float, t: float | None = None) -> ChangePoint | None:
        """Take one point (NaN = missing, skipped); returns a change point when one is confirmed."""
        if not math.isfinite(x):
            return None
        self.history.append((float(x), t))
        # the history is only read back for descriptions: keep one posterior window of it
        del self.history[: max(0, len(self.history) - self.config.max_run_length - 1)]
        self.seen += 1
        if self.prior is None:
            if self.seen < self.config.warmup:
                return None
            self._start()
            return None
        self._step(float(x))
        return self._confirm()

    def _start(self) -> None:
        values = np.array([v for v, _ in self.history])
        sigma = diff_sigma(values)
        # alpha0 = 2, beta0 = sigma^2: the prior's mean variance is the warm-up noise (finite, unlike
        # alpha0 = 1), and kappa0 = 0.5 leaves the level of a new regime vague
        self.prior = (float(np.median(values)), 0.5, 2.0, sigma * sigma)
        mu0, kappa0, alpha0, beta0 = self.prior
        self.arrays = {"log_r": np.zeros(1), "mu": np.array([mu0]), "kappa": np.array([kappa0]),
                       "alpha": np.array([alpha0]), "beta": np.array([beta0])}
        for value in values:
            self._step(float(value))

    def _step(self, x: float) -> None:
        a = self.arrays
        scale2 = a["beta"] * (a["kappa"] + 1.0) / (a["alpha"] * a["kappa"])
        nu = 2.0 * a["alpha"]
        log_pred = (self._ratio(a["alpha"]) - 0.5 * np.log(nu * math.pi * scale2)
                    - (nu + 1) / 2 * np.log1p((x - a["mu"]) ** 2 / (nu * scale2)))
        hazard = self.config.hazard
        joint = a["log_r"] + log_pred
        log_r = _prepend(logsumexp(joint) + math.log(hazard), joint + math.log1p(-hazard))
        mu0, kappa0, alpha0, beta0 = self.prior or (0.0, 1.0, 1.0, 1.0)
        mu = _prepend(mu0, (a["kappa"] * a["mu"] + x) / (a["kappa"] + 1.0))
        beta = _prepend(beta0, a["beta"] + a["kappa"] * (x - a["mu"]) ** 2 / (2.0 * (a["kappa"] + 1.0)))
        kappa, alpha = _prepend(kappa0, a["kappa"] + 1.0), _prepend(alpha0, a["alpha"] + 0.5)
        cap = self.config.max_run_length + 1
        if log_r.size > cap:
            # the longest runs' mass joins the longest kept run: bounded memory, no lost mass
            log_r[cap - 1] = logsumexp(log_r[cap - 1:])
            log_r, mu, kappa, alpha, beta = (v[:cap] for v in (log_r, mu, kappa, alpha, beta))
        log_r = np.maximum(log_r - logsumexp(log_r), LOG_FLOOR)
        self.arrays = {"log_r": log_r, "mu": mu, "kappa": kappa, "alpha": alpha, "beta": beta}

    def _ratio(self, alpha: np.ndarray) -> np.ndarray:
        # alpha[r] = alpha0 + r / 2 for every run length r, so the table only ever grows
        table = getattr(self, "_table", np.zeros(0))
        if table.size < alpha.size:
            # only the new run lengths' entries: the table grows by one per point up to max_run_length
            table = np.concatenate((table, _lgamma_ratio(alpha[table.size:])))
            self._table = table
        return table[: alpha.size]

    def _confirm(self) -> ChangePoint | None:
        window = min(self.config.max_delay, self.seen - self.last_change - self.config.min_gap)
        if window < 1:
            return None
        lo = self.config.evidence
        if window < lo:
            return None
        recent = np.exp(self.arrays["log_r"][lo : window + 1])
        mass = float(recent.sum())
        if mass < self.config.threshold:
            return None
        run = lo + int(np.argmax(recent))
        index = self.seen - run
        previous, self.last_change = self.last_change, index
        return self._describe(previous, index, mass)

    def _describe(self, previous: int, index: int, mass: float) -> ChangePoint:
        first = self.seen - len(self.history)
        before = self.history[max(previous - first, 0) : index - first]
        after = self.history[index - first :]
        segs = [self._segment(part, start) for part, start in ((before, max(previous, first)), (after, index))]
        sigma = math.sqrt(self.prior[3]) if self.prior else 1.0
        words = describe_change(segs[0], segs[1], "meanvar", sigma, ("pt", 1.0))
        gain = math.log(mass / max(1.0 - mass, 1e-300))
        return change_point(segs[1], 2.0 * gain, words)

    def _segment(self, part: list[tuple[float, float | None]], start: int) -> Segment:
        v = np.array([p[0] for p in part])
        times = [p[1] for p in part]
        stamps = np.array(times, dtype=np.float64) if part and all(s is not None for s in times) else None
        seg = make_segment((0, max(v.size, 1)), v, np.arange(v.size, dtype=np.float64), stamps, 0.0)
        # a few points leave a line's residual MAD near 0: the plain spread describes them better
        scale = float(np.std(v)) if v.size >= 2 else seg.scale
        return Segment(**{**asdict(seg), "start": start, "end": start + v.size, "scale": scale})

    def state_dict(self) -> dict:
        """JSON-able state (lists and floats): config, counters, prior, posterior and history."""
        return {
            "config": asdict(self.config), "seen": self.seen, "last_change": self.last_change,
            "prior": list(self.prior) if self.prior else None,
            "history": [[v, t] for v, t in self.history],
            **{name: self.arrays[name].tolist() for name in ARRAYS},
        }

    @classmethod
    def from_state(cls, state: dict) -> OnlineDetector:
        """Rebuild a detector from :meth:`state_dict`; it continues exactly where it stopped.

        Example:
            >>> det = OnlineDetector()
            >>> for v in range(30):
            ...     _ = det.update(float(v % 3))
            >>> OnlineDetector.from_state(det.state_dict()).state_dict() == det.state_dict()
            True
        """
        det = cls(OnlineConfig(**state["config"]))
        det.seen, det.last_change = int(state["seen"]), int(state["last_change"])
        det.prior = tuple(state["prior"]) if state["prior"] is not None else None
        det.history = [(float(v), None if t is None else float(t)) for v, t in state["history"]]
        det.arrays = {name: np.asarray(state[name], dtype=np.float64) for name in ARRAYS}
        return det
