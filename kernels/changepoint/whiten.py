"""AR(1) pre-whitening, so the online detector's independent-noise model holds on red (autocorrelated) noise.

A process ``x_t = mu_r + phi (x_{t-1} - mu_r) + e_t`` (AR(1) noise around the level ``mu_r`` of its regime, ``e``
independent) gives innovations ``y_t = x_t - phi x_{t-1} = (1 - phi) mu_r + e_t``: independent, with a level that
moves by ``(1 - phi) Delta`` when the regime's level moves by ``Delta``. So the run-length posterior of the
Normal-Gamma model over ``y`` is the AR(1) likelihood of ``x``, and its hazard is again the false-alarm rate: on
``x`` itself a slow excursion of the noise looks like a new level. Where the noise is added to the level
(``x_t = mu_t + n_t``, ``n`` AR(1)), the step's first point also carries a spike of ``Delta`` in ``y``; the tracker's
check masks a candidate's first point, so that spike alone never makes a regime.

``phi`` is fitted once on the first ``learn`` points and frozen: re-fitting on a regime being tracked would absorb
the change. It is the lag-1 autocorrelation of the learning points winsorised at ``CLIP_SIGMAS`` robust standard
deviations (a spike in the learning period must not set the filter), clipped to [0, ``PHI_CAP``]: beyond it the
series is a random walk and ``(1 - phi) Delta`` vanishes under the noise, so a level shift would show only as a
spike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kernels.changepoint.scale import mad_sigma

PHI_CAP = 0.95
CLIP_SIGMAS = 4.0
MIN_LEARN = 20  # below this a lag-1 autocorrelation's standard error (~1 / sqrt n) is too coarse to whiten by


def fit_phi(x: np.ndarray) -> float:
    """AR(1) coefficient of ``x`` (robust lag-1 autocorrelation), in [0, PHI_CAP].

    Example:
        >>> rng = np.random.default_rng(0)
        >>> e = rng.normal(size=2000)
        >>> x = np.zeros(2000)
        >>> for t in range(1, 2000):
        ...     x[t] = 0.8 * x[t - 1] + e[t]
        >>> round(fit_phi(x), 1), fit_phi(rng.normal(size=500)) < 0.1
        (0.8, True)
    """
    centre = float(np.median(x))
    spread = mad_sigma(x) or float(np.std(x))
    if x.size < 3 or spread <= 0:
        return 0.0
    r = np.clip(x - centre, -CLIP_SIGMAS * spread, CLIP_SIGMAS * spread)
    r = r - r.mean()
    denom = float(r @ r)
    return float(np.clip((r[1:] @ r[:-1]) / denom, 0.0, PHI_CAP)) if denom > 0 else 0.0


@dataclass
class Ar1Whitener:
    """Learns ``phi`` on the first ``learn`` points, then turns each point into its innovation.

    Example:
        >>> w = Ar1Whitener(learn=20)
        >>> [w.feed(v) for v in np.tile([1.0, -1.0], 10)][-1] is None
        True
        >>> w.phi, w.feed(0.5)  # no positive correlation to remove: the innovation is the value
        (0.0, 0.5)
    """

    learn: int
    phi: float | None = None
    sample: list[float] = field(default_factory=list)
    last: float | None = None

    def feed(self, x: float) -> float | None:
        """The innovation of ``x``, or None while the learning points are still being collected."""
        if not math.isfinite(x):
            # a missing point leaves the filter as it was: the detector skips it, and the next innovation uses
            # the last value seen
            return None if self.phi is None else x
        if self.phi is None:
            self.sample.append(x)
            if len(self.sample) >= self.learn:
                self.phi = fit_phi(np.array(self.sample, dtype=np.float64))
                self.sample = []
            self.last = x
            return None
        previous, self.last = self.last, x
        return float(x - self.phi * (x if previous is None else previous))

    def state_dict(self) -> dict[str, Any]:
        return {"learn": self.learn, "phi": self.phi, "sample": list(self.sample), "last": self.last}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Ar1Whitener:
        return cls(learn=int(state["learn"]), phi=None if state["phi"] is None else float(state["phi"]),
                   sample=[float(v) for v in state["sample"]],
                   last=None if state["last"] is None else float(state["last"]))
