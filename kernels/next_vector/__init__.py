"""Next-vector prediction (NVP): a conservative neural surrogate that steps 2D fields one frame.

Trained on trajectories from :mod:`kernels.pde`; exact conservation by construction (flux-form
correction over a solver prior plus a float64 mean projection). Start with :func:`train` and a
preset from :func:`small_config`; see ``docs/nvp.md``.
"""

from __future__ import annotations

from kernels.next_vector.artefact import load_model, save_model
from kernels.next_vector.config import (
    DataSpec,
    ModelSpec,
    NVPConfig,
    ProblemSpec,
    TrainSpec,
    config_from_dict,
    config_to_dict,
    small_config,
    tiny_config,
)
from kernels.next_vector.data import Trajectories, generate_trajectories
from kernels.next_vector.errors import TrainingCancelled
from kernels.next_vector.evaluate import (
    engine_predictor,
    evaluate,
    linear_extrapolation,
    one_step_metrics,
    persistence,
    rollout,
    rollout_metrics,
)
from kernels.next_vector.metrics import band_errors, conservation_error, crmse, entropy_coherence, nrmse
from kernels.next_vector.model import NVPNet
from kernels.next_vector.physics import flux_divergence, prior_step
from kernels.next_vector.train import ARTEFACT_VERSION, TrainResult, train

__all__ = [
    "ARTEFACT_VERSION",
    "DataSpec",
    "ModelSpec",
    "NVPConfig",
    "NVPNet",
    "ProblemSpec",
    "TrainResult",
    "TrainSpec",
    "TrainingCancelled",
    "Trajectories",
    "band_errors",
    "config_from_dict",
    "config_to_dict",
    "conservation_error",
    "crmse",
    "engine_predictor",
    "entropy_coherence",
    "evaluate",
    "flux_divergence",
    "generate_trajectories",
    "linear_extrapolation",
    "load_model",
    "nrmse",
    "one_step_metrics",
    "persistence",
    "prior_step",
    "rollout",
    "rollout_metrics",
    "save_model",
    "small_config",
    "tiny_config",
    "train",
]
