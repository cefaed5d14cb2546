from __future__ import annotations

import pytest

from apps.signals.services.regimes import regime_severity_evidence
from apps.signals.severity import CALIBRATION_POINTS, severity_index, severity_label
from kernels.changepoint import ChangePoint

HISTORY = CALIBRATION_POINTS + 500


def _change(level_sigma: float = 0.0, variance_ratio: float = 1.0, confidence: float = 0.999) -> ChangePoint:
    return ChangePoint(index=100, t=None, confidence=confidence, gain=20.0, kind="level", summary="",
                       stats={"level_sigma": level_sigma, "variance_ratio": variance_ratio})


def test_a_larger_level_change_is_never_less_severe():
    # given
    sizes = [0.0, 1.0, 3.0, 4.5, 6.0, 15.0]
    # when
    indices = [severity_index(regime_severity_evidence(_change(s), delay=6, history=HISTORY)) for s in sizes]
    # then
    assert indices == sorted(indices) and indices[-1] > indices[0]


@pytest.mark.parametrize(("sigma", "ratio"), [(3.0, 4.0), (6.0, 16.0), (-6.0, 1 / 16)])
def test_a_variance_change_weighs_like_the_level_change_of_the_same_rank(sigma, ratio):
    # given
    by_level = regime_severity_evidence(_change(level_sigma=sigma), delay=6, history=HISTORY)
    by_variance = regime_severity_evidence(_change(variance_ratio=ratio), delay=6, history=HISTORY)
    # then
    assert severity_index(by_level) == pytest.approx(severity_index(by_variance))


def test_a_confident_large_change_is_critical_only_once_the_stream_is_calibrated():
    # given
    change = _change(level_sigma=15.0, confidence=1.0)
    # when
    early = severity_label(regime_severity_evidence(change, delay=6, history=200))
    late = severity_label(regime_severity_evidence(change, delay=6, history=HISTORY))
    # then
    assert (early, late) == ("medium", "critical")


def test_a_doubtful_change_ranks_below_a_certain_one_of_the_same_size():
    # given
    doubtful = regime_severity_evidence(_change(level_sigma=6.0, confidence=0.6), delay=6, history=HISTORY)
    certain = regime_severity_evidence(_change(level_sigma=6.0, confidence=0.9999), delay=6, history=HISTORY)
    # then
    assert severity_index(doubtful) < severity_index(certain)
