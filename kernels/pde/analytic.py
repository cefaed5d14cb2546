"""Closed-form reference solutions used to verify the solvers (and by the Lab's self-check)."""

from __future__ import annotations

import math

import torch

from kernels.pde.config import Grid2D


def _image_sum(coord: torch.Tensor, centre: float, var: float, length: float, boundary: str) -> torch.Tensor:
    """Sum of 1D Gaussians over the periodic translates (or wall reflections) of ``centre``."""
    reach = math.ceil(10 * math.sqrt(var) / length) + 1
    total = torch.zeros_like(coord)
    for m in range(-reach, reach + 1):
        # walls: mirror images at -x0 + 2 m L keep the normal derivative zero at 0 and L
        centres = [centre + m * length] if boundary == "periodic" \
            else [centre + 2 * m * length, -centre + 2 * m * length]
        for c in centres:
            total += torch.exp(-((coord - c) ** 2) / (2 * var))
    return total


def gaussian_heat_kernel(
    grid: Grid2D,
    t: float,
    *,
    centre: tuple[float, float],
    sigma0: float,
    diffusivity: float,
    mass: float = 1.0,
    velocity: tuple[float, float] = (0.0, 0.0),
    device: torch.device | str | None = None,
    dtype: torch.dtype = torch.float64,
) -> torch.Tensor:
    """Exact solution at cell centres for an initial Gaussian of width ``sigma0`` and total ``mass``.

    ``u(x, t) = mass / (2 pi s^2) sum_images exp(-|x - x0 - c t|^2 / (2 s^2))`` with
    ``s^2 = sigma0^2 + 2 D t``; images are periodic translates, or wall reflections for
    ``boundary="neumann"`` (then ``velocity`` must be zero). Images are summed until the next
    one is ``10 s`` away, so the periodic sum is exact to ~1e-22 relative.

    Args:
        grid: cell (j, i) has centre ``((j + 1/2) hy, (i + 1/2) hx)``.
        centre: ``(y0, x0)`` at t = 0, length units.

    Returns:
        (ny, nx) field on ``device`` in ``dtype``.

    Example:
        >>> g = Grid2D((64, 64))
        >>> u = gaussian_heat_kernel(g, 2.0, centre=(32.0, 32.0), sigma0=4.0, diffusivity=1.0)
        >>> round(float(u.sum()), 10)
        1.0
    """
    if grid.boundary == "neumann" and velocity != (0.0, 0.0):
        raise ValueError("wall images only hold without advection")
    var = sigma0**2 + 2 * diffusivity * t
    (hy, hx), (ly, lx) = grid.spacing, grid.extent
    y = (torch.arange(grid.shape[0], dtype=torch.float64) + 0.5) * hy
    x = (torch.arange(grid.shape[1], dtype=torch.float64) + 0.5) * hx
    gy = _image_sum(y, centre[0] + velocity[0] * t, var, ly, grid.boundary)
    gx = _image_sum(x, centre[1] + velocity[1] * t, var, lx, grid.boundary)
    field = mass / (2 * math.pi * var) * gy[:, None] * gx[None, :]
    return field.to(device=device, dtype=dtype)
