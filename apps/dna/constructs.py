"""The ontology's derived and complex constructs that no kernel computes yet: pure functions over numpy arrays
(no Django), so the ontology's `code_ref` of each points at real, tested code. Inputs are the per-window physics
vectors (docs/signals.md section 3), window signals, raw values, or graph heat from kernels.pde."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from kernels.pde.diagnostics import spatial_entropy
from kernels.signal_compiler.physics import PHYSICS_FEATURES

_F = {name: i for i, name in enumerate(PHYSICS_FEATURES)}
# The features whose step-to-step change says the thermodynamic state moved (differences are features 8-12).
STATE_STEPS = [_F["d_entropy_norm"], _F["d_log_temperature"], _F["d_energy_z"]]
# Level features (not the d_* differences) that place a window in state space for phase segmentation.
STATE_LEVELS = [_F[n] for n in ("energy_z", "log_temperature", "entropy_norm", "entropy_rate_norm",
                                "production_norm", "free_energy_ratio", "mean_shift_z", "shift_energy_fraction",
                                "lag1_autocorrelation", "crossing_rate", "support_fraction")]
MAD_TO_SIGMA = 1.4826  # median absolute deviation of a normal sample times this estimates its std


def stability_index(vectors: np.ndarray) -> float:
    """How little the thermodynamic state moves from window to window: ``1 / (1 + rms step)`` in (0, 1].

    Args:
        vectors: (m, 16) physics vectors of consecutive windows, oldest first.

    The step of window i is the Euclidean norm of its changes in normalised entropy, log temperature and energy
    z-score (features 8, 11, 12); the index is 1 for a state that does not move and falls towards 0 as the
    root-mean-square step grows. Fewer than two windows carry no evidence of change: 1.

    Example:
        >>> stability_index(np.zeros((5, 16)))
        1.0
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] < 2:
        return 1.0
    steps = np.nan_to_num(vectors[1:, STATE_STEPS], nan=0.0, posinf=0.0, neginf=0.0)
    rms = math.sqrt(float(np.mean(np.sum(steps ** 2, axis=1))))
    return 1.0 / (1.0 + rms)


def _symbols(values: np.ndarray, n_bins: int) -> np.ndarray:
    # Equal-occupancy bins make the estimator invariant to units and robust to heavy tails.
    edges = np.unique(np.quantile(values, np.linspace(0, 1, n_bins + 1)[1:-1]))
    return np.searchsorted(edges, values, side="right")


def irreversibility_score(values: np.ndarray, n_bins: int = 8) -> float | None:
    """Time-reversal asymmetry of a series: ``1 - exp(-D)`` in [0, 1), D the forward/backward KL divergence.

    Args:
        values: (n,) raw values in time order (non-finite values are dropped).
        n_bins: equal-occupancy symbols used for the transition statistics.

    ``D = sum_ab p_ab log(p_ab / p_ba)`` over consecutive symbol pairs (Jeffreys-smoothed) is the
    Roldan-Parrondo estimate of the entropy produced per step: 0 for a reversible (equilibrium) process, growing
    as the dynamics favour one direction (slow rise and sudden drop, a ratchet). None below ``4 * n_bins`` values.

    Example:
        >>> irreversibility_score(np.tile(np.arange(8.0), 50)) > 0.9
        True
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size < 4 * n_bins:
        return None
    s = _symbols(x, n_bins)
    k = int(s.max()) + 1
    counts = np.zeros((k, k))
    np.add.at(counts, (s[:-1], s[1:]), 1.0)
    p = (counts + 0.5) / (counts.sum() + 0.5 * k * k)
    divergence = float(np.sum(p * np.log(p / p.T)))
    return 1.0 - math.exp(-max(divergence, 0.0))


def diffusion_coherence(heat: np.ndarray | torch.Tensor) -> float:
    """How concentrated a disturbance still is on the asset graph: ``1 - S(p) / log N`` in [0, 1].

    Args:
        heat: (N,) graph heat (kernels.pde graph heat), p = heat / sum(heat).

    1 while all heat sits on one asset, 0 once it is spread evenly over all N assets.

    Example:
        >>> diffusion_coherence(np.array([1.0, 0.0, 0.0]))
        1.0
    """
    field = torch.as_tensor(heat, dtype=torch.float64).reshape(-1)
    n = field.numel()
    if n < 2 or float(field.clamp(min=0).sum()) <= 0:
        return 1.0
    entropy = float(spatial_entropy(field, spatial_dims=1))
    return float(min(1.0, max(0.0, 1.0 - entropy / math.log(n))))


NOISE_BANDS = ((-0.2, "noise.blue"), (0.2, "noise.white"), (0.7, "noise.pink"), (1.01, "noise.red"))


def noise_class(lag1: float) -> str:
    """Noise colour from the lag-1 autocorrelation rho of a window (an AR(1) reading of its spectrum).

    rho < -0.2: blue (alternating, power rising with frequency); |rho| <= 0.2: white (flat spectrum);
    0.2 < rho <= 0.7: pink (mildly persistent); rho > 0.7: red (random-walk-like, power at low frequency).
    Returns the ontology key of the class.

    Example:
        >>> noise_class(0.05)
        'noise.white'
    """
    rho = 0.0 if not math.isfinite(lag1) else lag1
    return next(key for upper, key in NOISE_BANDS if rho < upper or upper > 1)


@dataclass(frozen=True)
class EntropyStructure:
    """Mean normalised entropies of recent windows (each in [0, 1]) and their trend per window."""

    entropy: float
    entropy_rate: float
    predictability: float
    production: float
    entropy_trend: float


def entropy_structure(entropy: np.ndarray, entropy_rate: np.ndarray, production: np.ndarray,
                      alphabet_size: int) -> EntropyStructure | None:
    """The entropy profile of a stream from its windows' S, h and JS production (nats), oldest first.

    entropy = S / log K (how many states it visits), entropy_rate = h / log K (how unpredictable the next
    state is), predictability = 1 - h / S (the share of S explained by the previous symbol: mutual information
    over entropy), production = JS / log 2 (how fast the distribution moves), entropy_trend = least-squares
    slope of S / log K per window. None without windows.

    Example:
        >>> entropy_structure(np.log([4.0, 4.0]), np.log([2.0, 2.0]), np.zeros(2), 16).predictability
        0.5
    """
    s, h, js = (np.asarray(a, dtype=np.float64) for a in (entropy, entropy_rate, production))
    if s.size == 0:
        return None
    log_k = math.log(max(alphabet_size, 2))
    s_norm = s / log_k
    trend = float(np.polyfit(np.arange(s.size), s_norm, 1)[0]) if s.size >= 2 else 0.0
    mean_s = float(np.mean(s))
    return EntropyStructure(entropy=float(np.mean(s_norm)), entropy_rate=float(np.mean(h)) / log_k,
                            predictability=0.0 if mean_s <= 0 else float(1.0 - np.mean(h) / mean_s),
                            production=float(np.mean(js)) / math.log(2), entropy_trend=trend)


@dataclass(frozen=True)
class Phase:
    """Windows ``start..end`` (inclusive indexes) in one regime, with that regime's mean state."""

    start: int
    end: int
    entropy_norm: float
    log_temperature: float
    energy_z: float


def phase_transition_map(vectors: np.ndarray, *, threshold: float = 4.0, min_length: int = 3) -> list[Phase]:
    """Split consecutive windows into phases where the physics vector jumps.

    Args:
        vectors: (m, 16) physics vectors, oldest first.
        threshold: a step larger than median + threshold * robust std of all steps starts a new phase.
        min_length: a phase is at least this many windows (a jump inside a shorter one is ignored).

    The step between windows is the Euclidean distance of their level features (all but the d_* ones). Robust
    statistics (median and MAD) keep the transitions themselves from inflating the scale.

    Example:
        >>> v = np.zeros((20, 16)); v[10:, 2] = 1.0
        >>> [(p.start, p.end) for p in phase_transition_map(v)]
        [(0, 9), (10, 19)]
    """
    v = np.nan_to_num(np.asarray(vectors, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if v.ndim != 2 or v.shape[0] == 0:
        return []
    steps = np.linalg.norm(np.diff(v[:, STATE_LEVELS], axis=0), axis=1)
    cuts = [0]
    if steps.size:
        median = float(np.median(steps))
        scale = MAD_TO_SIGMA * float(np.median(np.abs(steps - median)))
        limit = median + threshold * max(scale, 1e-9)
        for i, step in enumerate(steps, start=1):
            if step > limit and i - cuts[-1] >= min_length and v.shape[0] - i >= min_length:
                cuts.append(i)
    bounds = list(zip(cuts, cuts[1:] + [v.shape[0]], strict=True))
    return [Phase(start=a, end=b - 1, entropy_norm=float(v[a:b, _F["entropy_norm"]].mean()),
                  log_temperature=float(v[a:b, _F["log_temperature"]].mean()),
                  energy_z=float(v[a:b, _F["energy_z"]].mean())) for a, b in bounds]
