"""PNG rendering of job results with matplotlib's Agg canvas.

Figures are built from `matplotlib.figure.Figure` directly, never through pyplot: no global figure registry
and no GUI backend, so rendering is safe in a worker thread and leaks nothing between jobs.
"""
from __future__ import annotations

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 100
MAX_PANELS = 6
FIELD_CMAP = "inferno"


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def panel_indices(count: int, panels: int = MAX_PANELS) -> list[int]:
    """Up to `panels` frame indices, evenly spread, always with the first and the last."""
    if count <= panels:
        return list(range(count))
    return sorted({round(i * (count - 1) / (panels - 1)) for i in range(panels)})


def field_panels(frames: np.ndarray, times: Sequence[float] | np.ndarray, title: str) -> bytes:
    """Snapshots (m, ny, nx) side by side on one colour scale, so spreading is visible as dimming."""
    chosen = panel_indices(len(frames))
    low, high = float(np.min(frames)), float(np.max(frames))
    fig = Figure(figsize=(2.6 * len(chosen) + 0.8, 3.0))
    axes = fig.subplots(1, len(chosen), squeeze=False)[0]
    image = None
    for ax, index in zip(axes, chosen, strict=True):
        image = ax.imshow(frames[index], origin="lower", cmap=FIELD_CMAP, vmin=low, vmax=high)
        ax.set_title(f"t = {times[index]:.4g}", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(title, fontsize=11)
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.8)
    return _png(fig)


def field_image(field: np.ndarray, title: str) -> bytes:
    """One field (ny, nx) on its own colour scale."""
    fig = Figure(figsize=(5.2, 4.4))
    ax = fig.subplots()
    image = ax.imshow(field, origin="lower", cmap=FIELD_CMAP)
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("x (cells)")
    ax.set_ylabel("y (cells)")
    fig.colorbar(image, ax=ax)
    return _png(fig)


def energy_entropy(times: np.ndarray, energy: np.ndarray, entropy: np.ndarray, production: np.ndarray,
                   labels: Sequence[str] = ("field",)) -> bytes:
    """Three stacked plots over time: energy (the conserved integral), entropy and entropy production.
    Series are (m,) or (m, channels) with one label per channel."""
    fig = Figure(figsize=(7.0, 7.2))
    axes = fig.subplots(3, 1, sharex=True)
    series = [(energy, "energy (integral of the field)"), (entropy, "entropy (nats)"),
              (production, "entropy production dS/dt")]
    for ax, (values, name) in zip(axes, series, strict=True):
        columns = values.reshape(len(times), -1)
        for c in range(columns.shape[1]):
            ax.plot(times, columns[:, c], marker="o", markersize=3, label=labels[c] if c < len(labels) else None)
        ax.set_ylabel(name, fontsize=9)
        ax.grid(alpha=0.3)
        ax.ticklabel_format(axis="y", useOffset=False)
    if len(labels) > 1:
        axes[0].legend(fontsize=8)
    axes[-1].set_xlabel("time")
    return _png(fig)


def node_heat(times: np.ndarray, heat: np.ndarray, names: Sequence[str], title: str) -> bytes:
    """Heat per node over time (m, n) as a heat map, one row per node (at most 60, the ones reached first)."""
    fig = Figure(figsize=(7.5, max(2.5, 0.18 * len(names) + 1.2)))
    ax = fig.subplots()
    image = ax.imshow(heat.T, aspect="auto", cmap=FIELD_CMAP, origin="upper",
                      extent=(float(times[0]), float(times[-1]), len(names) - 0.5, -0.5))
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels(names, fontsize=7)
    ax.set_xlabel("time")
    ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label="heat")
    return _png(fig)


def curves(x: np.ndarray, series: dict[str, np.ndarray], *, xlabel: str, ylabel: str, title: str,
           log_y: bool = False) -> bytes:
    """Named line series over a shared x axis (training loss, forecast errors)."""
    fig = Figure(figsize=(7.0, 3.8))
    ax = fig.subplots()
    for name, values in series.items():
        ax.plot(x[: len(values)], values, label=name)
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    if len(series) > 1:
        ax.legend(fontsize=8)
    return _png(fig)


def fan_chart(history: np.ndarray, quantiles: dict[str, np.ndarray], truth: np.ndarray | None, title: str) -> bytes:
    """A probabilistic forecast: the history, the median and shaded 10-90 % band after it."""
    fig = Figure(figsize=(8.0, 3.8))
    ax = fig.subplots()
    h = np.arange(len(history))
    f = np.arange(len(history), len(history) + len(quantiles["q50"]))
    ax.plot(h, history, color="#444", label="history")
    ax.fill_between(f, quantiles["q10"], quantiles["q90"], alpha=0.3, label="10-90 %")
    ax.plot(f, quantiles["q50"], label="median")
    if truth is not None:
        ax.plot(f[: len(truth)], truth, color="#cf222e", linestyle="--", label="actual")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("step")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)
