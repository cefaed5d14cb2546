"""Fused explicit stepping through ``torch.compile``: grids and graphs.

Eager torch makes one pass over memory per elementwise op (about eight per grid step); inductor
fuses a whole step into one loop and ``STEPS_PER_CALL`` steps into one call, several times
faster on CPU (see ``benchmarks/lab.py``). Each variant (shape, dtype, device, flags) compiles
its own private copy of the step function: dynamo caches compiled graphs per code object and,
past 8 recompiles of one object, silently runs eagerly instead. When compilation is unavailable
or fails (no C++ compiler, unsupported device), the caller gets the eager result and a flag
saying so; the failure is remembered so it is not retried on every chunk.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable

import torch

from kernels.pde.graph import GraphLaplacian, laplacian_apply
from kernels.pde.stencil import FluxCoefficients, flux_increment, scratch_buffers

# 4 steps per call measured best at 256^2-512^2 f64 (1e9+ cell updates/s on one thread); longer
# chains only lengthen compilation
STEPS_PER_CALL = 4
_failures: dict[str, str] = {}


def _grid_steps(u: torch.Tensor, p: torch.Tensor, masks: tuple[torch.Tensor, ...], k: int = 1,
                advect: bool = False, periodic: bool = True) -> torch.Tensor:
    """``k`` flux-form Euler steps, every face flux written from rolled copies of ``u`` so the
    whole step is one pointwise kernel; ``masks`` zero the wall faces (east, west, north, south)."""
    for _ in range(k):
        ue, uw, un, us = u.roll(-1, -1), u.roll(1, -1), u.roll(-1, -2), u.roll(1, -2)
        fe, fw, fn, fs = (ue - u) * -p[0], (u - uw) * -p[0], (un - u) * -p[1], (u - us) * -p[1]
        if advect:
            fe, fw = fe + p[2] * u + p[3] * ue, fw + p[2] * uw + p[3] * u
            fn, fs = fn + p[4] * u + p[5] * un, fs + p[4] * us + p[5] * u
        if not periodic:
            fe, fw, fn, fs = fe * masks[0], fw * masks[1], fn * masks[2], fs * masks[3]
        u = u + (fw - fe) + (fs - fn)
    return u


def _graph_steps(u: torch.Tensor, src: torch.Tensor, dst: torch.Tensor, w: torch.Tensor, k: int = 1) -> torch.Tensor:
    """``k`` explicit graph heat steps with edge fluxes ``w (u_src - u_dst)`` (``w`` includes dt)."""
    for _ in range(k):
        flux = (u[src] - u[dst]) * w
        u = u + torch.zeros_like(u).index_add(0, dst, flux).index_add(0, src, -flux)
    return u


@functools.lru_cache(maxsize=32)
def _compiled(kind: str, signature: tuple, defaults: tuple) -> Callable[..., torch.Tensor]:
    # ``signature`` (shape, dtype, device) only keys the cache: one private function per variant
    base = _grid_steps if kind == "grid" else _graph_steps
    private = types.FunctionType(base.__code__.replace(), base.__globals__, base.__name__, defaults)
    return torch.compile(private, dynamic=False, fullgraph=True)


def compiled_failure() -> str | None:
    """Why the compiled path last fell back to eager, or None if it never did."""
    return next(iter(_failures.values()), None)


def _run(kind: str, signature: tuple, defaults: tuple, calls: int, state: torch.Tensor,
         *args: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor | None:
    """Apply the compiled kernel ``calls`` times, or return None after recording why it failed."""
    if _failures:
        return None
    try:
        kernel = _compiled(kind, signature, defaults)
        for _ in range(calls):
            state = kernel(state, *args)
    except Exception as exc:  # noqa: BLE001 - any compiler/toolchain failure means "use eager"
        _failures[kind] = f"{type(exc).__name__}: {exc}"[:500]
        return None
    return state


def eager_steps(u: torch.Tensor, coef: FluxCoefficients, periodic: bool, steps: int) -> torch.Tensor:
    """``steps`` flux-form Euler steps with reused scratch buffers (no per-step allocation)."""
    state, spare = u.clone(), torch.empty_like(u)
    buffers = scratch_buffers(u)
    for _ in range(steps):
        torch.add(state, flux_increment(state, coef, periodic, buffers), out=spare)
        state, spare = spare, state
    return state


def _grid_operands(u: torch.Tensor, coef: FluxCoefficients) -> tuple[torch.Tensor, tuple[torch.Tensor, ...]]:
    vals = [coef.ax, coef.ay, coef.pxp, coef.pxm, coef.pyp, coef.pym]
    p = torch.tensor([float(v) for v in vals], device=u.device, dtype=u.dtype)
    east = torch.ones(u.shape[-1], device=u.device, dtype=u.dtype)
    north = torch.ones(u.shape[-2], 1, device=u.device, dtype=u.dtype)
    east[-1], north[-1] = 0.0, 0.0
    return p, (east, east.roll(1, 0), north, north.roll(1, 0))


def fused_steps(u: torch.Tensor, coef: FluxCoefficients, periodic: bool, steps: int) -> tuple[torch.Tensor, bool]:
    """Advance a grid field by ``steps`` Euler steps; returns ``(state, used_compiled)``.

    Args:
        u: (..., ny, nx) field; not modified.
        coef: dt-scaled scalar coefficients (one diffusivity for all of ``u``).
        periodic: wrap-around faces, else no-flux walls.
        steps: number of equal steps; ``steps % STEPS_PER_CALL`` of them run eagerly.

    The first call per (shape, dtype, device) compiles (seconds); later calls reuse the kernel.

    Example:
        >>> from kernels.pde.config import Grid2D
        >>> from kernels.pde.stencil import flux_coefficients
        >>> u = torch.ones(8, 8, dtype=torch.float64)
        >>> out, _ = fused_steps(u, flux_coefficients(Grid2D((8, 8)), 1.0, 0.2), True, 5)
        >>> bool(torch.equal(out, u))
        True
    """
    if isinstance(coef.ax, torch.Tensor) or isinstance(coef.ay, torch.Tensor) or steps < STEPS_PER_CALL:
        return eager_steps(u, coef, periodic, steps), False
    p, masks = _grid_operands(u, coef)
    signature = (tuple(u.shape), u.dtype, str(u.device))
    state = _run("grid", signature, (STEPS_PER_CALL, coef.advects, periodic), steps // STEPS_PER_CALL,
                 u.contiguous(), p, masks)
    if state is None:
        return eager_steps(u, coef, periodic, steps), False
    rest = steps % STEPS_PER_CALL
    return (eager_steps(state, coef, periodic, rest) if rest else state), True


def fused_graph_steps(lap: GraphLaplacian, u: torch.Tensor, scale: float, steps: int) -> tuple[torch.Tensor, bool]:
    """``steps`` explicit graph heat steps ``u += -scale L u`` (``scale = rate dt``), compiled.

    Returns ``(state, used_compiled)``; falls back to :func:`~kernels.pde.graph.laplacian_apply`.
    """
    w = lap.weight * scale
    signature = (tuple(u.shape), tuple(lap.src.shape), u.dtype, str(u.device))
    state = _run("graph", signature, (1,), steps, u.contiguous(), lap.src, lap.dst, w)
    if state is not None:
        return (state.clone() if state is u else state), True
    state = u.clone()
    for _ in range(steps):
        state += laplacian_apply(lap, state, scale=scale)
    return state, False
