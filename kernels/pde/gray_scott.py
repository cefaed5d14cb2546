"""Gray-Scott reaction-diffusion: reaction terms, a seeded initial state and the stepping model.

The state is one (2, ny, nx) tensor ``(u, v)``. Explicit steps use the flux-form diffusion of
:mod:`kernels.pde.stencil` plus forward-Euler reaction; the implicit option treats diffusion with
the theta scheme in Fourier space and reaction explicitly (IMEX); the spectral option is
first-order exponential time differencing (ETD1) with the exact continuous diffusion symbol, the
usual choice when a fine grid makes diffusion stiff.
"""

from __future__ import annotations

import torch

from kernels.pde.config import GrayScottConfig, Grid2D, Stepping
from kernels.pde.fourier import apply_multiplier, discrete_symbol, exact_symbol, phi1, theta_multiplier
from kernels.pde.stencil import explicit_limit, flux_coefficients, flux_increment, scratch_buffers


def gray_scott_reaction(state: torch.Tensor, feed: float, kill: float) -> torch.Tensor:
    """Reaction rates (2, ny, nx): ``(-u v^2 + F (1 - u), u v^2 - (F + k) v)`` per unit time.

    Example:
        >>> s = torch.tensor([[[1.0]], [[0.0]]])
        >>> gray_scott_reaction(s, 0.04, 0.06).flatten().tolist()
        [0.0, 0.0]
    """
    u, v = state[0], state[1]
    uvv = u * v * v
    return torch.stack([feed * (1 - u) - uvv, uvv - (feed + kill) * v])


def gray_scott_seed(
    grid: Grid2D,
    *,
    generator: torch.Generator,
    noise: float = 0.01,
    patch: int = 20,
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """Standard start: ``u = 1, v = 0`` with a centred ``patch`` x ``patch`` square at (0.5, 0.25).

    Uniform noise of amplitude ``noise`` (from ``generator``, drawn on CPU so a seed gives the same
    field on every device) breaks the square's symmetry.

    Example:
        >>> s = gray_scott_seed(Grid2D((32, 32)), generator=torch.Generator().manual_seed(0), patch=4)
        >>> tuple(s.shape), float(s[1, 16, 16]) > 0.2
        ((2, 32, 32), True)
    """
    ny, nx = grid.shape
    state = torch.zeros(2, ny, nx, dtype=dtype)
    state[0] = 1.0
    y0, x0 = (ny - patch) // 2, (nx - patch) // 2
    state[0, y0 : y0 + patch, x0 : x0 + patch] = 0.5
    state[1, y0 : y0 + patch, x0 : x0 + patch] = 0.25
    state += noise * torch.rand(2, ny, nx, generator=generator, dtype=dtype)
    return state.clamp_(0.0, 1.0).to(device)


class GrayScottModel:
    """Time stepping for :class:`GrayScottConfig`; nonlinear, so it has no exact propagator."""

    spatial_dims = 2
    name = "gray-scott"

    def __init__(self, config: GrayScottConfig) -> None:
        self.config = config
        self.grid = config.grid
        self.periodic = self.grid.boundary == "periodic"
        self.cell_area = self.grid.cell_area
        self._cache: dict[tuple[str, float, float], tuple[torch.Tensor, torch.Tensor]] = {}

    def validate(self, state: torch.Tensor) -> None:
        if tuple(state.shape) != (2, *self.grid.shape) or not state.is_floating_point():
            raise ValueError(f"Gray-Scott state must be a float tensor (2, {self.grid.shape}), "
                             f"got {tuple(state.shape)}")

    def explicit_limit(self) -> float:
        # diffusion sets the limit; reaction rates are O(1) for states in [0, 1], and a blow-up is
        # still caught at run time by the non-finite check
        return explicit_limit(self.grid, max(self.config.diffusivity_u, self.config.diffusivity_v))

    def has_exact(self, stepping: Stepping) -> bool:
        return False

    def _diffusivities(self, state: torch.Tensor) -> torch.Tensor:
        d = [self.config.diffusivity_u, self.config.diffusivity_v]
        return torch.tensor(d, device=state.device, dtype=state.dtype).reshape(2, 1, 1)

    def explicit_steps(self, state: torch.Tensor, dt: float, steps: int, compiled: bool) -> tuple[torch.Tensor, bool]:
        coef = flux_coefficients(self.grid, self._diffusivities(state), dt)
        buffers = scratch_buffers(state)
        for _ in range(steps):
            inc = flux_increment(state, coef, self.periodic, buffers)
            state = state + inc + dt * gray_scott_reaction(state, self.config.feed, self.config.kill)
        return state, False

    def _weights(self, kind: str, dt: float, theta: float, state: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Fourier weights ``(on the state, on dt * reaction)`` for IMEX ("imex") or ETD1 ("etd")."""
        key = (kind, dt, theta)
        if key not in self._cache:
            symbol_fn = discrete_symbol if kind == "imex" else exact_symbol
            unit = symbol_fn(self.grid, 1.0, (0.0, 0.0), device=state.device, dtype=state.dtype)
            sym = self._diffusivities(state) * unit
            if kind == "imex":
                self._cache[key] = (theta_multiplier(sym, dt, theta), 1 / (1 - theta * dt * sym))
            else:
                self._cache[key] = (torch.exp(sym * dt), phi1(sym * dt))
        return self._cache[key]

    def _fourier_step(self, state: torch.Tensor, dt: float, kind: str, theta: float) -> torch.Tensor:
        on_state, on_reaction = self._weights(kind, dt, theta, state)
        reaction = dt * gray_scott_reaction(state, self.config.feed, self.config.kill)
        return apply_multiplier(state, on_state, self.grid) + apply_multiplier(reaction, on_reaction, self.grid)

    def implicit_step(self, state: torch.Tensor, dt: float, stepping: Stepping) -> torch.Tensor:
        return self._fourier_step(state, dt, "imex", stepping.theta)

    def spectral_step(self, state: torch.Tensor, dt: float) -> torch.Tensor:
        return self._fourier_step(state, dt, "etd", 1.0)
