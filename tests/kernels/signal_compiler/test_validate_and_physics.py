from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from kernels.signal_compiler import (
    PHYSICS_DIM,
    PHYSICS_FEATURES,
    SignalConfig,
    compile_categorical,
    compile_signals,
    physics_vector,
    physics_vector_of,
    validate_signals,
)


@pytest.fixture
def signals():
    rng = np.random.default_rng(0)
    return compile_signals(np.cumsum(rng.normal(size=500)), SignalConfig(window=40, step=20, n_bins=8))


def test_it_passes_signals_from_the_compiler(signals) -> None:
    # given / when
    report = validate_signals(signals)
    # then
    assert report.ok and report.flags == ()


def test_it_flags_each_kind_of_invalid_value(signals) -> None:
    # given
    entropy = signals.entropy.copy()
    entropy[[1, 2]] = [-0.5, math.log(8) + 0.1]
    temperature = signals.temperature.copy()
    temperature[3] = -1.0
    production = signals.production.copy()
    production[4] = np.nan
    rate = signals.entropy_rate.copy()
    rate[5] = np.inf
    broken = dataclasses.replace(
        signals, entropy=entropy, temperature=temperature, production=production, entropy_rate=rate
    )
    # when
    report = validate_signals(broken)
    # then
    found = {(f.window, f.signal, f.problem) for f in report.flags}
    assert {
        (1, "entropy", "negative_entropy"),
        (2, "entropy", "entropy_above_max"),
        (3, "temperature", "negative_temperature"),
        (4, "production", "nan"),
        (5, "entropy_rate", "inf"),
    } <= found
    assert not report.ok and "nan" in report.problems()


def test_it_embeds_every_window_in_sixteen_documented_features(signals) -> None:
    # given / when
    vector = physics_vector(signals)
    # then
    assert PHYSICS_DIM == 16 == len(PHYSICS_FEATURES)
    assert vector.shape == (signals.n_windows, 16) and vector.dtype == np.float64
    assert np.all(np.isfinite(vector))
    bounded = [PHYSICS_FEATURES.index(n) for n in ("entropy_norm", "entropy_rate_norm", "production_norm",
                                                   "shift_energy_fraction", "crossing_rate", "support_fraction")]
    assert np.all((vector[:, bounded] >= -1e-12) & (vector[:, bounded] <= 1 + 1e-12))


def test_it_is_scale_free_under_affine_changes_of_units() -> None:
    # given: the same process in, say, bytes and in kilobytes plus an offset
    rng = np.random.default_rng(1)
    x = np.cumsum(rng.normal(size=1000))
    config = SignalConfig(window=50, step=25)
    # when
    a = physics_vector_of(x, config)
    b = physics_vector_of(3.7 * x - 12.0, config)
    # then
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_it_depends_only_on_the_past_for_each_window() -> None:
    # given
    rng = np.random.default_rng(2)
    x = rng.normal(size=600)
    changed = x.copy()
    changed[400:] *= 10
    config = SignalConfig(window=40, step=20)
    # when
    a, b = physics_vector_of(x, config), physics_vector_of(changed, config)
    # then: windows ending before index 400 are untouched
    untouched = compile_signals(x, config).end < 400
    np.testing.assert_array_equal(a[untouched], b[untouched])


def test_it_embeds_categorical_streams_in_the_same_space() -> None:
    # given
    codes = np.random.default_rng(3).integers(0, 50, 800)
    # when
    vector = physics_vector(compile_categorical(codes, 50, SignalConfig(window=80, step=40)))
    # then
    assert vector.shape == (19, 16) and np.all(np.isfinite(vector))
