"""Predictors (NVP and baselines), autoregressive rollouts and the held-out metrics table.

A predictor maps histories (B, k, C, ny, nx), oldest first, to next frames (B, C, ny, nx). The
baselines are persistence (no change), linear extrapolation ``2 u_t - u_{t-1}`` and the engine
itself stepping ``frame_dt`` with a chosen method and step (see :func:`engine_predictor`).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from kernels.next_vector.config import ProblemSpec
from kernels.next_vector.metrics import DEFAULT_BAND_EDGES, band_errors, crmse, entropy_coherence, nrmse
from kernels.pde import DiffusionConfig, GrayScottConfig, Grid2D, Stepping, solve

Predictor = Callable[[torch.Tensor], torch.Tensor]
ONE_STEP_CHUNK = 256  # windows per predictor call: bounds memory (~256 x C x grid x 8 B per tensor)


def persistence(history: torch.Tensor) -> torch.Tensor:
    """No-change forecast: the latest frame.

    Example:
        >>> persistence(torch.arange(2.0).reshape(1, 2, 1, 1, 1)).flatten().tolist()
        [1.0]
    """
    return history[:, -1]


def linear_extrapolation(history: torch.Tensor) -> torch.Tensor:
    """``2 u_t - u_{t-1}`` (needs k >= 2 frames).

    Example:
        >>> linear_extrapolation(torch.tensor([1.0, 3.0]).reshape(1, 2, 1, 1, 1)).flatten().tolist()
        [5.0]
    """
    return 2 * history[:, -1] - history[:, -2]


def engine_predictor(spec: ProblemSpec, dt: float, method: str) -> Predictor:
    """The simulation engine advancing each latest frame by ``spec.frame_dt`` in steps of ``dt``.

    ``method`` is a :class:`kernels.pde.Stepping` method; with ``dt = frame_dt`` and "explicit"
    (diffusion) or "spectral" (Gray-Scott ETD1) it is exactly the NVP prior. Runs sample by
    sample (the engine's Gray-Scott state is unbatched), so it is slow for big batches.

    Example:
        >>> spec = ProblemSpec("diffusion", shape=(8, 8))
        >>> h = torch.rand(1, 1, 1, 8, 8, dtype=torch.float64)
        >>> tuple(engine_predictor(spec, 0.1, "explicit")(h).shape)
        (1, 1, 8, 8)
    """
    grid = Grid2D(spec.shape, spacing=spec.spacing, boundary="periodic")
    if spec.kind == "diffusion":
        problem: DiffusionConfig | GrayScottConfig = DiffusionConfig(grid, spec.diffusivity)
    else:
        problem = GrayScottConfig(grid, spec.diffusivity_u, spec.diffusivity_v, spec.feed, spec.kill)
    stepping = Stepping(method=method, dt=dt)  # type: ignore[arg-type]

    def predict(history: torch.Tensor) -> torch.Tensor:
        latest = history[:, -1].to(torch.float64)
        if spec.kind == "diffusion":
            return solve(problem, latest, [spec.frame_dt], stepping=stepping).fields[-1]
        return torch.stack([solve(problem, s, [spec.frame_dt], stepping=stepping).fields[-1] for s in latest])

    return predict


def rollout(predict: Predictor, history: torch.Tensor, steps: int) -> torch.Tensor:
    """Feed predictions back ``steps`` times; returns (B, steps, C, ny, nx).

    Example:
        >>> h = torch.tensor([1.0, 2.0]).reshape(1, 2, 1, 1, 1)
        >>> rollout(linear_extrapolation, h, 3).flatten().tolist()
        [3.0, 4.0, 5.0]
    """
    frames, out = history, []
    for _ in range(steps):
        nxt = predict(frames)
        out.append(nxt)
        frames = torch.cat([frames[:, 1:], nxt.unsqueeze(1)], dim=1)
    return torch.stack(out, dim=1)


def _mean(x: torch.Tensor) -> float:
    return float(x.mean())


@torch.no_grad()
def one_step_metrics(
    predict: Predictor, fields: torch.Tensor, history: int, edges: tuple[float, ...] = DEFAULT_BAND_EDGES
) -> dict[str, float]:
    """Averages over every window of trajectories ``fields`` (n, T, C, ny, nx) of nRMSE, cRMSE,
    the band nRMSEs ("band_low", "band_mid", "band_high" for the default two edges, else
    "band_0".."band_m") and entropy coherence."""
    n, t = fields.shape[:2]
    hist = torch.stack([fields[:, s : s + history] for s in range(t - history)], dim=1).flatten(0, 1)
    true = fields[:, history:].flatten(0, 1)
    preds = torch.cat([predict(hist[i : i + ONE_STEP_CHUNK]) for i in range(0, hist.shape[0], ONE_STEP_CHUNK)])
    bands = band_errors(preds, true, edges)
    names = ["band_low", "band_mid", "band_high"] if len(edges) == 2 else [f"band_{i}" for i in range(len(edges) + 1)]
    out = {"nrmse": _mean(nrmse(preds, true)), "crmse": _mean(crmse(preds, true)),
           "entropy_coherence": _mean(entropy_coherence(preds, true))}
    out.update({name: _mean(bands[:, i]) for i, name in enumerate(names)})
    return out


@torch.no_grad()
def rollout_metrics(predict: Predictor, fields: torch.Tensor, history: int,
                    horizons: tuple[int, ...]) -> dict[str, float]:
    """nRMSE and cRMSE of the frame ``h`` steps after the first ``history`` frames, per horizon h,
    averaged over trajectories (keys ``nrmse_<h>``, ``crmse_<h>``); needs T >= history + max(h)."""
    steps = max(horizons)
    if fields.shape[1] < history + steps:
        raise ValueError(f"trajectories have {fields.shape[1]} frames, need {history + steps}")
    pred = rollout(predict, fields[:, :history], steps)
    out: dict[str, float] = {}
    for h in horizons:
        true = fields[:, history + h - 1]
        out[f"nrmse_{h}"] = _mean(nrmse(pred[:, h - 1], true))
        out[f"crmse_{h}"] = _mean(crmse(pred[:, h - 1], true))
    return out


def evaluate(
    predict: Predictor, fields: torch.Tensor, history: int, horizons: tuple[int, ...] = (10, 50)
) -> dict[str, float]:
    """One-step metrics over all windows plus rollout metrics at ``horizons`` (held-out data).

    Example:
        >>> f = torch.rand(2, 6, 1, 8, 8, dtype=torch.float64)
        >>> evaluate(persistence, f, 2, horizons=(2,))["nrmse_2"] > 0
        True
    """
    return {**one_step_metrics(predict, fields, history), **rollout_metrics(predict, fields, history, horizons)}
