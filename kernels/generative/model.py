"""The denoiser: an MLP predicting the noise in a normalised window, given its context.

Each (context, window) pair is normalised by the context: ``x = (y - loc) / scale`` with ``loc``
the context mean and ``scale`` its standard deviation (floored), so level shifts and variance
regimes look alike to the network and forecasts inherit the current regime's scale.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from kernels.generative.config import ForecastConfig


def cosine_alpha_bar(steps: int, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    """Cumulative signal fraction ``alpha_bar_t`` (steps,) of Nichol & Dhariwal's cosine schedule.

    Example:
        >>> a = cosine_alpha_bar(10)
        >>> bool(a[0] > 0.9), bool(a[-1] < 1e-3), bool((a[1:] < a[:-1]).all())
        (True, True, True)
    """
    s = 0.008
    t = torch.arange(steps + 1, dtype=torch.float64) / steps
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    betas = (1 - f[1:] / f[:-1]).clamp(max=0.999)
    return torch.cumprod(1 - betas, dim=0).to(dtype)


def noise_embedding(t: torch.Tensor, steps: int, size: int) -> torch.Tensor:
    """Sinusoidal embedding (B, size) of integer noise levels ``t`` (B,) in ``[0, steps)``."""
    half = size // 2
    freqs = torch.exp(-math.log(1000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angle = (t.to(torch.float32) / steps * 1000.0).unsqueeze(-1) * freqs
    return torch.cat([angle.sin(), angle.cos()], dim=-1)


class _Block(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.mlp(self.norm(h))


class WindowDenoiser(nn.Module):
    """epsilon-prediction network plus the noise schedule and normalisation it was trained with.

    Move it with ``.to(device)`` only; it computes in float32.

    Example:
        >>> net = WindowDenoiser(ForecastConfig(window=8, context=8, hidden=16, depth=1, embedding=8))
        >>> x, c = torch.zeros(3, 8), torch.zeros(3, 8)
        >>> tuple(net(x, c, torch.tensor([0, 1, 2])).shape)
        (3, 8)
    """

    # Buffers (register_buffer), declared so that type checkers see tensors, not `Tensor | Module`.
    alpha_bar: torch.Tensor
    floor: torch.Tensor

    def __init__(self, config: ForecastConfig) -> None:
        super().__init__()
        self.config = config
        width = config.hidden
        self.inp = nn.Linear(config.window + config.context + config.embedding, width)
        self.blocks = nn.Sequential(*[_Block(width) for _ in range(config.depth)])
        self.out = nn.Sequential(nn.LayerNorm(width), nn.Linear(width, config.window))
        self.register_buffer("alpha_bar", cosine_alpha_bar(config.diffusion_steps, torch.float32))
        self.register_buffer("floor", torch.tensor(1.0))  # absolute scale floor, set from training data

    def forward(self, x_t: torch.Tensor, context: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """Predicted noise (B, window) for noisy normalised windows ``x_t`` at levels ``t`` (B,)."""
        emb = noise_embedding(t, self.config.diffusion_steps, self.config.embedding)
        h = self.inp(torch.cat([x_t, context, emb], dim=-1))
        return self.out(self.blocks(h))

    def normalise(self, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(normalised context, loc (B, 1), scale (B, 1))`` in float32."""
        context = context.to(device=self.floor.device, dtype=torch.float32)
        loc = context.mean(dim=-1, keepdim=True)
        scale = context.std(dim=-1, keepdim=True).clamp_min(self.floor)
        return (context - loc) / scale, loc, scale

    def initialise(self, generator: torch.Generator) -> None:
        """Redraw every weight from ``generator`` (torch's default uniform bounds, zero biases)."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                bound = module.in_features**-0.5
                draw = torch.rand(module.weight.shape, generator=generator, dtype=torch.float32)
                module.weight.data.copy_((2 * draw - 1) * bound)
                module.bias.data.zero_()
