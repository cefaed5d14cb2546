"""Pure error metrics for predicted fields against reference fields.

Every function takes ``pred`` and ``true`` of shape (..., C, ny, nx) and returns one value per
sample, shape (...). Channels combine as the root mean square for nRMSE, cRMSE and the Fourier
bands (so the bands add up in quadrature to nRMSE), as the mean for entropy coherence and as the
maximum for the conservation error; a 1-channel field gives its plain value. Compute in float64
for conservation-level figures.
"""

from __future__ import annotations

import torch

from kernels.pde import compensated_sum, spatial_entropy

DEFAULT_BAND_EDGES = (4.0, 12.0)


def _rms_over_channels(per_channel: torch.Tensor) -> torch.Tensor:
    return per_channel.square().mean(dim=-1).sqrt()


def nrmse(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Normalised RMSE ``||pred - true||_2 / ||true||_2`` per channel (over the grid), RMS over channels.

    Example:
        >>> t = torch.ones(1, 4, 4, dtype=torch.float64)
        >>> float(nrmse(t, t)), float(nrmse(1.1 * t, t))
        (0.0, 0.10000000000000009)
    """
    err = (pred - true).flatten(-2).norm(dim=-1)
    return _rms_over_channels(err / true.flatten(-2).norm(dim=-1).clamp_min(torch.finfo(true.dtype).tiny))


def crmse(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """Error of the conserved total, as a domain average: ``|mean(pred) - mean(true)|`` per channel,
    RMS over channels (field units; multiply by the domain area for the error of the integral).

    Example:
        >>> t = torch.zeros(1, 4, 4, dtype=torch.float64)
        >>> p = t.clone(); p[0, 0, 0] = 16.0
        >>> float(crmse(p, t))
        1.0
    """
    cells = true.shape[-1] * true.shape[-2]
    return _rms_over_channels((compensated_sum(pred - true, dims=2) / cells).abs())


def conservation_error(new: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
    """Relative change of each channel's total, ``|sum(new) - sum(ref)| / sum(|ref|)``, max over channels.

    Normalising by ``sum(|ref|)`` keeps the figure meaningful for signed fields whose total is ~0.

    Example:
        >>> r = torch.ones(1, 2, 2, dtype=torch.float64)
        >>> float(conservation_error(r.flip(-1), r))
        0.0
    """
    drift = (compensated_sum(new, dims=2) - compensated_sum(reference, dims=2)).abs()
    return (drift / compensated_sum(reference.abs(), dims=2)).amax(dim=-1)


def radial_modes(shape: tuple[int, int], device: torch.device | None = None) -> torch.Tensor:
    """|m| (ny, nx) float64: radial wavenumber of each fft2 bin in modes per domain (0 .. ~n/sqrt 2)."""
    my = torch.fft.fftfreq(shape[0], device=device, dtype=torch.float64) * shape[0]
    mx = torch.fft.fftfreq(shape[1], device=device, dtype=torch.float64) * shape[1]
    return (my.reshape(-1, 1) ** 2 + mx.reshape(1, -1) ** 2).sqrt()


def band_errors(
    pred: torch.Tensor, true: torch.Tensor, edges: tuple[float, ...] = DEFAULT_BAND_EDGES
) -> torch.Tensor:
    """nRMSE split into radial Fourier bands, shape (..., len(edges) + 1).

    Bands are ``|m| < e0``, ``e0 <= |m| < e1``, ..., ``|m| >= e_last`` with ``|m|`` in modes per
    domain; the defaults (4, 12) are PDEBench's low / middle / high bands. Each band value is the
    error energy in that band over the total energy of ``true`` (Parseval), so the bands add up
    in quadrature: ``sum(band_errors**2, -1) == nrmse**2``.

    Example:
        >>> t = torch.rand(1, 16, 16, dtype=torch.float64) + 1
        >>> p = t + 0.01 * torch.randn(1, 16, 16, dtype=torch.float64)
        >>> b = band_errors(p, t)
        >>> bool(torch.isclose(b.square().sum(), nrmse(p, t).square()))
        True
    """
    modes = radial_modes((true.shape[-2], true.shape[-1]), device=true.device)
    bounds = [0.0, *edges, float("inf")]
    err = torch.fft.fft2(pred - true).abs().square()
    norm = torch.fft.fft2(true).abs().square().sum(dim=(-2, -1)).clamp_min(torch.finfo(true.dtype).tiny)
    bands = []
    for low, high in zip(bounds[:-1], bounds[1:], strict=True):
        mask = (modes >= low) & (modes < high)
        bands.append((err * mask).sum(dim=(-2, -1)) / norm)
    per_channel = torch.stack(bands, dim=-1)
    return per_channel.mean(dim=-2).sqrt()


def entropy_coherence(pred: torch.Tensor, true: torch.Tensor) -> torch.Tensor:
    """``1 - |S(pred) - S(true)| / S(true)`` per channel, averaged over channels.

    ``S`` is the Shannon entropy (nats) of the field read as a probability distribution over cells:
    both fields are shifted by the same floor, ``min(true)`` minus 1e-12 of its range (so signed
    fields work and the truth stays positive), negative cells of the prediction are clipped to 0,
    and each is normalised to sum 1. 1 means equal entropy. It is a weak check: it ignores where
    mass sits, so a spatially scrambled or noisy prediction with the right spread can still score
    near 1; read it next to nRMSE, never alone.

    Example:
        >>> t = torch.rand(2, 1, 8, 8, dtype=torch.float64)
        >>> entropy_coherence(t, t).tolist()
        [1.0, 1.0]
    """
    low = true.amin(dim=(-2, -1), keepdim=True)
    span = true.amax(dim=(-2, -1), keepdim=True) - low
    floor = low - 1e-12 * (span + 1.0)
    s_true = spatial_entropy(true - floor)
    s_pred = spatial_entropy(pred - floor)
    return (1.0 - (s_pred - s_true).abs() / s_true).mean(dim=-1)
