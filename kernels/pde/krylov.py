"""Matrix-free Krylov solvers for implicit steps, plus the exact-total correction.

Both solvers treat the whole tensor as one vector. An implicit step of a conservative operator
``A`` (``sum(A v) = 0`` for every ``v``) solves ``(I - theta dt A) u = b`` with ``sum(u) = sum(b)``
in exact arithmetic; a solver stopped at tolerance ``tol`` misses that by ``sum(residual)``, so
:func:`restore_total` adds the missing total back uniformly, which changes the residual by
~tol only and makes conservation independent of the tolerance.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from kernels.pde.diagnostics import compensated_sum
from kernels.pde.errors import SolverError

Operator = Callable[[torch.Tensor], torch.Tensor]


def _dot(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.vdot(a.reshape(-1), b.reshape(-1))


def cg(apply: Operator, b: torch.Tensor, x0: torch.Tensor, *, inv_diag: torch.Tensor | None = None,
       tol: float = 1e-12, max_iter: int = 2000) -> tuple[torch.Tensor, int]:
    """Preconditioned conjugate gradients for a symmetric positive definite ``apply``.

    Args:
        apply: v -> M v, same shape as ``b``.
        b: right-hand side; x0: initial guess (the previous state is a good one).
        inv_diag: Jacobi preconditioner ``1 / diag(M)`` broadcastable to ``b`` (or None).
        tol: stop when ``|r| <= tol |b|``.

    Returns:
        ``(x, iterations)``. Raises :class:`SolverError` when ``max_iter`` is reached.

    Example:
        >>> b = torch.tensor([2.0, 4.0], dtype=torch.float64)
        >>> x, _ = cg(lambda v: 2 * v, b, torch.zeros_like(b))
        >>> x.tolist()
        [1.0, 2.0]
    """
    x = x0.clone()
    r = b - apply(x)
    z = r * inv_diag if inv_diag is not None else r
    p, rz = z.clone(), _dot(r, z)
    stop = tol * float(torch.linalg.vector_norm(b))
    for it in range(max_iter + 1):
        if float(torch.linalg.vector_norm(r)) <= stop:
            return x, it
        mp = apply(p)
        alpha = rz / _dot(p, mp)
        x.add_(alpha * p)
        r.sub_(alpha * mp)
        z = r * inv_diag if inv_diag is not None else r
        rz, rz_old = _dot(r, z), rz
        p = z + (rz / rz_old) * p
    raise SolverError(f"CG did not reach tol={tol:g} in {max_iter} iterations")


def bicgstab(apply: Operator, b: torch.Tensor, x0: torch.Tensor, *, tol: float = 1e-12,
             max_iter: int = 2000) -> tuple[torch.Tensor, int]:
    """BiCGSTAB (van der Vorst 1992) for a non-symmetric ``apply`` (e.g. implicit advection).

    Same contract as :func:`cg`.

    Example:
        >>> b = torch.tensor([3.0, 1.0], dtype=torch.float64)
        >>> x, _ = bicgstab(lambda v: torch.stack([v[0] + v[1], v[1]]), b, torch.zeros_like(b))
        >>> [round(float(v), 12) for v in x]
        [2.0, 1.0]
    """
    x = x0.clone()
    r = b - apply(x)
    r_hat, p = r.clone(), r.clone()
    rho = _dot(r_hat, r)
    stop = tol * float(torch.linalg.vector_norm(b))
    for it in range(max_iter + 1):
        if float(torch.linalg.vector_norm(r)) <= stop:
            return x, it
        v = apply(p)
        alpha = rho / _dot(r_hat, v)
        s = r - alpha * v
        t = apply(s)
        tt = _dot(t, t)
        omega = _dot(t, s) / tt if float(tt) > 0 else torch.zeros_like(tt)
        x.add_(alpha * p + omega * s)
        r = s - omega * t
        rho, rho_old = _dot(r_hat, r), rho
        if float(rho) == 0.0 or float(omega) == 0.0:
            if float(torch.linalg.vector_norm(r)) <= stop:
                return x, it + 1
            raise SolverError("BiCGSTAB broke down (rho or omega vanished)")
        p = r + (rho / rho_old) * (alpha / omega) * (p - omega * v)
    raise SolverError(f"BiCGSTAB did not reach tol={tol:g} in {max_iter} iterations")


def restore_total(x: torch.Tensor, target: torch.Tensor, dims: int) -> torch.Tensor:
    """Shift ``x`` uniformly over its last ``dims`` dims so its compensated sum equals ``target``.

    Example:
        >>> x = torch.tensor([1.0, 2.0], dtype=torch.float64)
        >>> restore_total(x, torch.tensor(4.0, dtype=torch.float64), dims=1).tolist()
        [1.5, 2.5]
    """
    count = 1
    for size in x.shape[x.dim() - dims:]:
        count *= size
    shift = (target - compensated_sum(x, dims)) / count
    return x + shift.reshape(*shift.shape, *([1] * dims))
