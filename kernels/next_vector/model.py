"""The NVP network: a conservative, residual next-frame predictor on a periodic grid.

``next = prior(u_t) + div(F)``: ``prior`` is one cheap solver step (:func:`prior_step`) and the
network only outputs face fluxes ``F``, so the learned correction moves quantity between cells
and never creates or destroys it. The update is assembled in float64 and a final projection
subtracts the per-channel mean of ``next - prior`` (a rounding-level amount), so every sample
satisfies ``sum(next) == sum(prior)`` to ~1e-16 relative, trained or not. For diffusion the prior
conserves too, hence ``sum(next) == sum(u_t)``; for Gray-Scott (not conservative) the change of
each channel's total is exactly the prior's reaction budget.
"""

from __future__ import annotations

import torch
from torch import nn

from kernels.next_vector.config import NVPConfig
from kernels.next_vector.physics import flux_divergence, prior_step


def _branches(config: NVPConfig, dtype: torch.dtype) -> tuple[nn.Conv2d, nn.Sequential]:
    m, channels = config.model, config.problem.channels
    inputs, outputs = channels * (m.history + 1), 2 * channels
    linear = nn.Conv2d(inputs, outputs, m.linear_kernel, padding=m.linear_kernel // 2,
                       padding_mode="circular", bias=False, dtype=dtype)
    layers: list[nn.Module] = []
    width = inputs
    for _ in range(m.depth):
        layers += [nn.Conv2d(width, m.width, 3, padding=1, padding_mode="circular", dtype=dtype), nn.GELU()]
        width = m.width
    layers.append(nn.Conv2d(width, outputs, 1, dtype=dtype))
    return linear, nn.Sequential(*layers)


class NVPNet(nn.Module):
    """Predicts frame ``t + 1`` from the last ``history`` frames.

    Args:
        config: problem and network sizes; the model only works for that problem's grid.
        generator: CPU generator for the weight initialisation (torch's default uniform bounds).
        dtype: dtype of the convolutions (float32 is plenty: they fit a correction ~1e-2 of the
            field); the update, prior and projection always run in float64.

    Move it with ``model.to(device)`` only: ``model.to(dtype)`` would also cast the float64
    normalisation buffers.

    Example:
        >>> from kernels.next_vector.config import tiny_config
        >>> net = NVPNet(tiny_config("diffusion"), generator=torch.Generator().manual_seed(0))
        >>> h = torch.rand(2, 2, 1, 16, 16, dtype=torch.float64)
        >>> tuple(net(h).shape), net(h).dtype
        ((2, 1, 16, 16), torch.float64)
    """

    # Buffers (register_buffer), declared so that type checkers see tensors, not `Tensor | Module`.
    field_mean: torch.Tensor
    field_std: torch.Tensor
    step_std: torch.Tensor
    flux_scale: torch.Tensor

    def __init__(self, config: NVPConfig, *, generator: torch.Generator, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.config = config
        self.net_dtype = dtype
        self.linear, self.body = _branches(config, dtype)
        ones = torch.ones(config.problem.channels, 1, 1, dtype=torch.float64)
        # scales of the inputs and outputs, fitted to the training data by set_normalisation
        self.register_buffer("field_mean", torch.zeros_like(ones))
        self.register_buffer("field_std", ones.clone())
        self.register_buffer("step_std", ones.clone())
        self.register_buffer("flux_scale", ones.clone())
        self._initialise(generator)

    def _initialise(self, generator: torch.Generator) -> None:
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                bound = module.weight[0].numel() ** -0.5
                for param in (module.weight, module.bias):
                    if param is not None:
                        draw = torch.rand(param.shape, generator=generator, dtype=torch.float64)
                        param.data.copy_((2 * draw - 1) * bound)

    def features(self, history: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Network input (B, C (k + 1), ny, nx) in ``net_dtype`` and the float64 prior (B, C, ny, nx)."""
        history = history.to(torch.float64)
        latest = history[:, -1]
        prior = prior_step(latest, self.config.problem)
        parts = [(latest - self.field_mean) / self.field_std]
        parts += [(latest - history[:, -1 - j]) / self.step_std for j in range(1, history.shape[1])]
        parts.append((prior - latest) / self.step_std)
        return torch.cat(parts, dim=1).to(self.net_dtype), prior

    def fluxes(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Face fluxes ``(F_x, F_y)``, each (B, C, ny, nx) float64, in field units per step."""
        out = (self.linear(x) + self.body(x)).to(torch.float64)
        channels = self.config.problem.channels
        return out[:, :channels] * self.flux_scale, out[:, channels:] * self.flux_scale

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        """Next frame (B, C, ny, nx) float64 from ``history`` (B, k, C, ny, nx), oldest first."""
        if history.shape[1] != self.config.model.history:
            raise ValueError(f"model needs {self.config.model.history} frames, got {history.shape[1]}")
        x, prior = self.features(history)
        change = flux_divergence(*self.fluxes(x))
        # the divergence sums to zero only up to float64 rounding; remove that residue exactly
        change = change - change.mean(dim=(-2, -1), keepdim=True)
        return prior + change

    def set_normalisation(self, fields: torch.Tensor) -> None:
        """Fit input and output scales on training trajectories (n, T, C, ny, nx)."""
        f = fields.to(device=self.field_mean.device, dtype=torch.float64)
        per_channel = (0, 1, 3, 4)
        self.field_mean.copy_(f.mean(dim=per_channel).reshape(-1, 1, 1))
        self.field_std.copy_(f.std(dim=per_channel).reshape(-1, 1, 1).clamp_min(1e-12))
        latest, following = f[:, :-1].flatten(0, 1), f[:, 1:].flatten(0, 1)
        self.step_std.copy_((following - latest).std(dim=(0, 2, 3)).reshape(-1, 1, 1).clamp_min(1e-12))
        residual = following - prior_step(latest, self.config.problem)
        self.flux_scale.copy_(residual.std(dim=(0, 2, 3)).reshape(-1, 1, 1).clamp_min(1e-12))
