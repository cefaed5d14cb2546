"""Exceptions raised by the PDE engine."""

from __future__ import annotations


class StabilityError(ValueError):
    """An explicit time step exceeds the scheme's stability limit, or the state blew up.

    ``limit`` carries the largest admissible step (time units) when it is known, so callers can
    retry with ``dt <= limit`` or switch to the implicit/spectral method.

    Example:
        >>> err = StabilityError("dt=1 exceeds 0.25", dt=1.0, limit=0.25)
        >>> err.limit
        0.25
    """

    def __init__(self, message: str, *, dt: float | None = None, limit: float | None = None) -> None:
        super().__init__(message)
        self.dt = dt
        self.limit = limit


class SimulationCancelled(RuntimeError):
    """The caller's cancellation check returned True; ``time`` is the simulated time reached."""

    def __init__(self, time: float) -> None:
        super().__init__(f"simulation cancelled at t={time:g}")
        self.time = time


class SolverError(RuntimeError):
    """An iterative linear solve (CG / BiCGSTAB) did not reach its tolerance."""
