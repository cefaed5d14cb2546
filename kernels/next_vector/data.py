"""Reference trajectories from the simulation engine (:mod:`kernels.pde`) and training windows.

Diffusion starts from random smooth Gaussian fields and is solved exactly (spectral propagator)
unless ``truth_dt`` asks for explicit stepping. Gray-Scott starts from 1-3 seeded squares, spins
up for a random time so that patterns are growing, then is stepped explicitly at ``truth_dt``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from kernels.next_vector.config import DataSpec, ProblemSpec
from kernels.next_vector.errors import TrainingCancelled
from kernels.pde import DiffusionConfig, GrayScottConfig, Grid2D, Stepping, solve

ProgressFn = Callable[[float], None]
SPIN_UP_TRIES = 8
ALIVE_V = 0.1
StopFn = Callable[[], bool]


@dataclass(frozen=True)
class Trajectories:
    """Stacked frames ``fields`` (n, T, C, ny, nx) float64, ``frame_dt`` apart, plus a JSON-safe
    ``description`` of how they were made (stored in model metadata)."""

    fields: torch.Tensor
    description: dict[str, Any]


def _uniform(generator: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=generator, dtype=torch.float64))


def smooth_random_field(spec: ProblemSpec, cutoff: float, generator: torch.Generator) -> torch.Tensor:
    """Zero-mean, unit-std Gaussian random field (ny, nx) float64 with spectrum ``exp(-(|m|/cutoff)^2)``.

    ``|m|`` is the wavenumber in modes per domain, so ``cutoff`` sets the typical blob count.

    Example:
        >>> f = smooth_random_field(ProblemSpec("diffusion", shape=(16, 16)), 3.0, torch.Generator().manual_seed(0))
        >>> tuple(f.shape), round(float(f.std()), 6)
        ((16, 16), 1.0)
    """
    ny, nx = spec.shape
    my = torch.fft.fftfreq(ny, dtype=torch.float64) * ny
    mx = torch.fft.rfftfreq(nx, dtype=torch.float64) * nx
    amplitude = torch.exp(-(my.reshape(-1, 1) ** 2 + mx.reshape(1, -1) ** 2) / cutoff**2)
    amplitude[0, 0] = 0.0
    noise = torch.randn(ny, nx, generator=generator, dtype=torch.float64)
    field = torch.fft.irfft2(torch.fft.rfft2(noise) * amplitude, s=(ny, nx))
    return field / field.std()


def gray_scott_start(spec: ProblemSpec, generator: torch.Generator) -> torch.Tensor:
    """(2, ny, nx) float64: ``u = 1, v = 0`` with 1-3 random squares at ``(0.5, 0.25)`` plus 1 % noise.

    Square sides are drawn in [n/5, n/3] (n the shorter grid side); smaller seeds tend to die out.
    """
    ny, nx = spec.shape
    state = torch.zeros(2, ny, nx, dtype=torch.float64)
    state[0] = 1.0
    for _ in range(int(torch.randint(1, 4, (), generator=generator))):
        size = int(torch.randint(max(2, min(ny, nx) // 5), max(3, min(ny, nx) // 3) + 1, (), generator=generator))
        y0 = int(torch.randint(0, ny - size + 1, (), generator=generator))
        x0 = int(torch.randint(0, nx - size + 1, (), generator=generator))
        state[0, y0 : y0 + size, x0 : x0 + size] = 0.5
        state[1, y0 : y0 + size, x0 : x0 + size] = 0.25
    state += 0.01 * torch.rand(2, ny, nx, generator=generator, dtype=torch.float64)
    return state.clamp_(0.0, 1.0)


def simulate_one(spec: ProblemSpec, frames: int, data: DataSpec, generator: torch.Generator) -> torch.Tensor:
    """One reference trajectory (frames, C, ny, nx) float64 from the engine."""
    grid = Grid2D(spec.shape, spacing=spec.spacing, boundary="periodic")
    times = [i * spec.frame_dt for i in range(frames)]
    truth = Stepping() if spec.truth_dt is None else Stepping(method="explicit", dt=spec.truth_dt)
    if spec.kind == "diffusion":
        start = smooth_random_field(spec, _uniform(generator, *data.smoothness), generator)
        start = start + _uniform(generator, -0.5, 0.5)
        return solve(DiffusionConfig(grid, spec.diffusivity), start, times, stepping=truth).fields.unsqueeze(1)
    problem = GrayScottConfig(grid, spec.diffusivity_u, spec.diffusivity_v, spec.feed, spec.kill)
    for _ in range(SPIN_UP_TRIES):
        spun = solve(problem, gray_scott_start(spec, generator), [_uniform(generator, *spec.warmup)],
                     stepping=Stepping(method="explicit")).fields[-1]
        frames_out = solve(problem, spun, times, stepping=truth).fields
        # small seeds can die out (v -> 0 everywhere): a dead field is trivial and makes the
        # v channel's nRMSE meaningless, so draw again
        if float(frames_out[-1, 1].amax()) > ALIVE_V:
            break
    return frames_out


def generate_trajectories(
    spec: ProblemSpec,
    data: DataSpec,
    count: int,
    generator: torch.Generator,
    *,
    frames: int | None = None,
    progress: ProgressFn | None = None,
    should_stop: StopFn | None = None,
) -> Trajectories:
    """``count`` reference trajectories, polling ``should_stop`` between them.

    Cost (2 CPU threads, 32x32): ~2 ms per diffusion trajectory, ~0.1-0.3 s per Gray-Scott one.

    Raises:
        TrainingCancelled: ``should_stop()`` returned True.

    Example:
        >>> spec = ProblemSpec("diffusion", shape=(8, 8))
        >>> t = generate_trajectories(spec, DataSpec(frames=3), 2, torch.Generator().manual_seed(0))
        >>> tuple(t.fields.shape)
        (2, 3, 1, 8, 8)
    """
    frames = frames or data.frames
    out = []
    for i in range(count):
        if should_stop is not None and should_stop():
            raise TrainingCancelled(0)
        out.append(simulate_one(spec, frames, data, generator))
        if progress is not None:
            progress((i + 1) / count)
    truth = "spectral (exact)" if spec.truth_dt is None else f"explicit dt={spec.truth_dt:g}"
    description = {"engine": "kernels.pde", "kind": spec.kind, "trajectories": count, "frames": frames,
                   "frame_dt": spec.frame_dt, "truth": truth, "shape": list(spec.shape)}
    return Trajectories(torch.stack(out), description)


def windows(fields: torch.Tensor, traj: torch.Tensor, start: torch.Tensor,
            history: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Histories (B, history, C, ny, nx) ending at frame ``start + history - 1`` and the next frames (B, C, ny, nx).

    Example:
        >>> f = torch.arange(5.0).reshape(1, 5, 1, 1, 1)
        >>> h, n = windows(f, torch.tensor([0]), torch.tensor([1]), 2)
        >>> h.flatten().tolist(), n.flatten().tolist()
        ([1.0, 2.0], [3.0])
    """
    offsets = torch.arange(history + 1, device=start.device)
    frames = fields[traj.unsqueeze(1), start.unsqueeze(1) + offsets]
    return frames[:, :history], frames[:, history]
