"""Row-level NAB scoring of one data file, following upstream NAB v1.1 ``nab/sweeper.py``.

Every row of a file gets an *unweighted* sweep score: inside an anomaly window it is the
scaled sigmoid of its relative position in the window (the earliest row earns the most);
outside, it is the sigmoid of its distance past the previous window (-1 when no window came
before or when it is more than three window widths past it). The first 15 % of a file (at
most 750 rows) is probationary and never scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels.nab.profiles import NabProfile

OUTSIDE = -1
PROBATION = -2


def scaled_sigmoid(position: np.ndarray | float) -> np.ndarray:
    """NAB's scaled sigmoid ``2 / (1 + exp(5 x)) - 1``, forced to -1 for ``x > 3``.

    Args:
        position: relative position, any shape, float64 (window widths, dimensionless).

    Returns:
        Array of the same shape in (-1, 1).

    Example:
        >>> round(float(scaled_sigmoid(-1.0)), 5)
        0.98661
    """
    x = np.asarray(position, dtype=np.float64)
    # clipping only avoids an exp overflow warning; values past 3 are replaced anyway
    value = 2.0 / (1.0 + np.exp(5.0 * np.minimum(x, 4.0))) - 1.0
    return np.where(x > 3.0, -1.0, value)


def probationary_length(n_rows: int, probation_percent: float = 0.15) -> int:
    """Rows at the head of a file that are never scored: ``min(floor(p n), p * 5000)``.

    Example:
        >>> probationary_length(4032), probationary_length(15902)
        (604, 750)
    """
    return int(min(np.floor(probation_percent * n_rows), probation_percent * 5000))


def window_indices(timestamps: np.ndarray, windows: np.ndarray) -> np.ndarray:
    """Map window ``[start, end]`` timestamps onto row indices (inclusive).

    Args:
        timestamps: (n,) datetime64, sorted ascending, the file's rows.
        windows: (k, 2) datetime64 (same unit or castable), window starts and ends.

    Returns:
        (k, 2) int64 row indices.

    Raises:
        ValueError: when a window edge is not exactly one of the timestamps (NAB requires it).

    Example:
        >>> ts = np.arange(5).astype("datetime64[s]")
        >>> window_indices(ts, ts[[1, 3]].reshape(1, 2)).tolist()
        [[1, 3]]
    """
    stamps = np.asarray(timestamps)
    edges = np.asarray(windows).astype(stamps.dtype).reshape(-1, 2)
    idx = np.searchsorted(stamps, edges)
    found = (idx < stamps.size) & (stamps[np.minimum(idx, stamps.size - 1)] == edges)
    if not np.all(found):
        raise ValueError(f"window edges not among the timestamps: {edges[~found].tolist()}")
    return idx.astype(np.int64)


@dataclass(frozen=True)
class FileSweep:
    """Unweighted sweep scores of one file's rows.

    Attributes:
        unweighted: (n,) float64 scaled-sigmoid value of each row.
        window: (n,) int64 file-local window number, ``OUTSIDE`` (-1) or ``PROBATION`` (-2).
        n_windows: number of windows in the file (including any lying in probation).
    """

    unweighted: np.ndarray
    window: np.ndarray
    n_windows: int

    def weighted(self, profile: NabProfile) -> np.ndarray:
        """(n,) float64 row score under ``profile``: TP rows scaled so a window's first row earns ``tp_weight``."""
        tp_scale = profile.tp_weight / float(scaled_sigmoid(-1.0))
        return np.where(self.window >= 0, self.unweighted * tp_scale, self.unweighted * profile.fp_weight)


def file_sweep(n_rows: int, bounds: np.ndarray, probation_percent: float = 0.15) -> FileSweep:
    """Score every row of a file as NAB's ``Sweeper.calcSweepScore`` does.

    Args:
        n_rows: rows in the file.
        bounds: (k, 2) int row indices of the windows (inclusive), sorted, non-overlapping.
        probation_percent: share of the head of the file left unscored.

    Returns:
        ``FileSweep`` with one entry per row.

    Example:
        >>> s = file_sweep(10, np.array([[6, 7]]), 0.15)
        >>> s.window.tolist()
        [-2, -1, -1, -1, -1, -1, 0, 0, -1, -1]
    """
    bounds = np.asarray(bounds, dtype=np.int64).reshape(-1, 2)
    rows = np.arange(n_rows)
    window = np.full(n_rows, OUTSIDE, dtype=np.int64)
    unweighted = np.full(n_rows, -1.0)
    for k, (left, right) in enumerate(bounds):
        width = float(right - left + 1)
        inside = rows[left : right + 1]
        window[left : right + 1] = k
        unweighted[left : right + 1] = scaled_sigmoid(-(right - inside + 1) / width)
    _score_rows_past_windows(unweighted, window, bounds)
    window[: probationary_length(n_rows, probation_percent)] = PROBATION
    return FileSweep(unweighted=unweighted, window=window, n_windows=int(bounds.shape[0]))


def _score_rows_past_windows(unweighted: np.ndarray, window: np.ndarray, bounds: np.ndarray) -> None:
    """Fill, in place, the FP score of rows after a window: sigmoid of widths past its right edge."""
    if bounds.shape[0] == 0:
        return
    rows = np.arange(unweighted.size)
    rights = bounds[:, 1]
    prev = np.searchsorted(rights, rows, side="left") - 1  # last window ending strictly before the row
    after = (window == OUTSIDE) & (prev >= 0)
    prev_right = rights[prev[after]]
    prev_width = (bounds[prev[after], 1] - bounds[prev[after], 0] + 1).astype(np.float64)
    with np.errstate(divide="ignore"):
        # a one-row window makes the denominator 0; upstream would divide by zero, we call it "far past"
        position = np.abs(rows[after] - prev_right) / (prev_width - 1.0)
    unweighted[after] = scaled_sigmoid(np.nan_to_num(position, posinf=4.0))
