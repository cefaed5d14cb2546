"""Scores of a segmentation against annotated change points: F1 with a margin, and covering.

Conventions (as the change-point literature's benchmark protocols use them): index 0 counts
as a change point in both the truth and the prediction; each true point is matched at most
once; with several annotators precision is against the union of their points and recall is
the mean over annotators.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence


def _with_zero(points: Sequence[int]) -> list[int]:
    return sorted({0, *(int(p) for p in points)})


def true_positives(truth: Sequence[int], predicted: Sequence[int], margin: int = 5) -> set[int]:
    """True points matched by a prediction within ``margin``, each prediction used once.

    Example:
        >>> sorted(true_positives([0, 50, 52], [0, 51], margin=5))
        [0, 50]
    """
    unused = list(_with_zero(predicted))
    hits: set[int] = set()
    for t in _with_zero(truth):
        close = [p for p in unused if abs(p - t) <= margin]
        if close:
            best = min(close, key=lambda p: abs(p - t))
            unused.remove(best)
            hits.add(t)
    return hits


def f1_score(annotations: Sequence[Sequence[int]], predicted: Sequence[int], margin: int = 5) -> float:
    """F1 of ``predicted`` against one or more annotators' change points.

    Example:
        >>> round(f1_score([[50]], [50, 80]), 4)
        0.8
        >>> f1_score([[50]], [])
        0.6666666666666666
    """
    pred = _with_zero(predicted)
    union = sorted({p for ann in annotations for p in ann})
    precision = len(true_positives(union, pred, margin)) / len(pred)
    recall = sum(len(true_positives(ann, pred, margin)) / len(_with_zero(ann)) for ann in annotations)
    recall /= max(len(annotations), 1)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _segments(points: Sequence[int], n: int) -> list[tuple[int, int]]:
    bounds = [*_with_zero([p for p in points if 0 < p < n]), n]
    return list(itertools.pairwise(bounds))


def covering(annotations: Sequence[Sequence[int]], predicted: Sequence[int], n: int) -> float:
    """Segmentation covering of the prediction, averaged over annotators (1 = identical).

    Example:
        >>> covering([[50]], [], 100)
        0.5
        >>> covering([[50]], [50], 100)
        1.0
    """
    guess = _segments(predicted, n)
    total = 0.0
    for ann in annotations:
        score = 0.0
        for a, b in _segments(ann, n):
            best = max(_jaccard((a, b), g) for g in guess)
            score += (b - a) * best
        total += score / n
    return total / max(len(annotations), 1)


def _jaccard(x: tuple[int, int], y: tuple[int, int]) -> float:
    inter = max(0, min(x[1], y[1]) - max(x[0], y[0]))
    return inter / (max(x[1], y[1]) - min(x[0], y[0]))
