"""Frozen configurations of a next-vector prediction (NVP) model: problem, data, network, training.

A model is trained for one problem (fixed physics and frame interval); its config travels inside
the saved artefact, so :func:`config_to_dict` / :func:`config_from_dict` must round-trip exactly.
Units follow :mod:`kernels.pde`: lengths in grid units of ``spacing``, time in model time units.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any, Literal

ProblemKind = Literal["diffusion", "gray_scott"]


@dataclass(frozen=True)
class ProblemSpec:
    """The physics a model emulates and how the ground truth is produced.

    Attributes:
        kind: "diffusion" (``u_t = D lap u``, 1 channel) or "gray_scott" (2 channels ``(u, v)``).
        shape: grid ``(ny, nx)``, periodic in both directions (the flux form needs wrap-around faces).
        spacing: ``(hy, hx)`` cell sizes.
        frame_dt: time between consecutive frames; one model step advances this much.
        diffusivity: D of "diffusion".
        diffusivity_u, diffusivity_v, feed, kill: Gray-Scott parameters (grid units, "coral").
        truth_dt: engine step of the reference trajectories; None = exact spectral (diffusion only).
        warmup: (min, max) Gray-Scott spin-up time before the first frame, so patterns exist.

    The per-frame prior (and the "solver" baseline) is one engine step of size ``frame_dt``:
    explicit 5-point flux form for diffusion, first-order exponential time differencing (ETD1)
    for Gray-Scott, whose explicit limit (~1.56) is far below useful frame intervals.

    Example:
        >>> ProblemSpec("diffusion").channels, ProblemSpec("gray_scott").channels
        (1, 2)
    """

    kind: ProblemKind
    shape: tuple[int, int] = (32, 32)
    spacing: tuple[float, float] = (1.0, 1.0)
    frame_dt: float = 0.2
    diffusivity: float = 1.0
    diffusivity_u: float = 0.16
    diffusivity_v: float = 0.08
    feed: float = 0.060
    kill: float = 0.062
    truth_dt: float | None = None
    warmup: tuple[float, float] = (200.0, 800.0)

    def __post_init__(self) -> None:
        if self.kind not in ("diffusion", "gray_scott"):
            raise ValueError(f"unknown problem kind {self.kind!r}")
        if len(self.shape) != 2 or min(self.shape) < 4 or self.frame_dt <= 0:
            raise ValueError("need a (ny, nx) grid with both >= 4 and frame_dt > 0")
        if self.kind == "diffusion":
            limit = 1.0 / (2.0 * self.diffusivity * (1.0 / self.spacing[0] ** 2 + 1.0 / self.spacing[1] ** 2))
            if self.frame_dt > limit:
                raise ValueError(f"frame_dt={self.frame_dt:g} exceeds the explicit prior's limit {limit:g}")

    @property
    def channels(self) -> int:
        return 1 if self.kind == "diffusion" else 2


@dataclass(frozen=True)
class DataSpec:
    """How many reference trajectories to simulate and how long.

    Attributes:
        n_train, n_val: trajectories for fitting and for the held-out check inside :func:`train`.
        frames: snapshots per trajectory (including t = 0).
        smoothness: (min, max) Gaussian spectral cut-off, in modes per domain, of the random
            diffusion initial fields (drawn per trajectory).
    """

    n_train: int = 24
    n_val: int = 4
    frames: int = 24
    smoothness: tuple[float, float] = (2.0, 6.0)


@dataclass(frozen=True)
class ModelSpec:
    """Network size: ``history`` frames in, face fluxes out.

    Attributes:
        history: frames the model sees (k >= 1); k = 2 lets it use the latest increment.
        width, depth: channels and 3x3 layers of the nonlinear branch.
        linear_kernel: odd size of the parallel linear convolution (exact for linear physics).
    """

    history: int = 2
    width: int = 24
    depth: int = 3
    linear_kernel: int = 5

    def __post_init__(self) -> None:
        if self.history < 1 or self.width < 1 or self.depth < 1 or self.linear_kernel % 2 == 0:
            raise ValueError("need history, width, depth >= 1 and an odd linear_kernel")


@dataclass(frozen=True)
class TrainSpec:
    """Optimiser settings: Adam with warm-up then cosine decay to ``lr * 0.01``."""

    steps: int = 1500
    batch: int = 16
    lr: float = 3e-3
    warmup_steps: int = 50
    weight_decay: float = 0.0


@dataclass(frozen=True)
class NVPConfig:
    """Everything needed to rebuild and retrain a model."""

    problem: ProblemSpec
    data: DataSpec = field(default_factory=DataSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)


def small_config(kind: ProblemKind) -> NVPConfig:
    """The CPU-sized preset: 32x32 grid, trains in a few minutes on 2 cores.

    Example:
        >>> small_config("gray_scott").problem.frame_dt
        10.0
    """
    if kind == "diffusion":
        # linear physics: the linear branch does most of the work, a narrow nonlinear one suffices
        return NVPConfig(ProblemSpec("diffusion", frame_dt=0.2, diffusivity=1.0), model=ModelSpec(width=16, depth=2))
    problem = ProblemSpec("gray_scott", frame_dt=10.0, truth_dt=0.1)
    return NVPConfig(problem, data=DataSpec(n_train=24, n_val=4, frames=24))


def tiny_config(kind: ProblemKind, steps: int = 60) -> NVPConfig:
    """A seconds-long preset for tests: 16x16 grid, few trajectories, a narrow network.

    Example:
        >>> tiny_config("diffusion").problem.shape
        (16, 16)
    """
    base = small_config(kind)
    # a coarser reference step keeps Gray-Scott simulation in the milliseconds
    truth_dt = None if kind == "diffusion" else 0.25
    problem = replace(base.problem, shape=(16, 16), warmup=(100.0, 200.0), truth_dt=truth_dt)
    return NVPConfig(
        problem,
        data=DataSpec(n_train=4, n_val=1, frames=8),
        model=ModelSpec(history=2, width=8, depth=2, linear_kernel=3),
        train=TrainSpec(steps=steps, batch=8, lr=3e-3, warmup_steps=5),
    )


def config_to_dict(config: NVPConfig) -> dict[str, Any]:
    """Plain nested dict (JSON-safe) of a config.

    Example:
        >>> config_to_dict(tiny_config("diffusion"))["model"]["width"]
        8
    """
    return asdict(config)


def config_from_dict(data: dict[str, Any]) -> NVPConfig:
    """Inverse of :func:`config_to_dict` (lists become tuples again).

    Example:
        >>> cfg = small_config("gray_scott")
        >>> config_from_dict(config_to_dict(cfg)) == cfg
        True
    """
    problem: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data["problem"].items()}
    data_spec: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data["data"].items()}
    return NVPConfig(
        problem=ProblemSpec(**problem),
        data=DataSpec(**data_spec),
        model=ModelSpec(**data["model"]),
        train=TrainSpec(**data["train"]),
    )
