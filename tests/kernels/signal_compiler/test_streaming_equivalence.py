from __future__ import annotations

import numpy as np
import pytest

from kernels.signal_compiler import (
    SignalConfig,
    SignalStream,
    WindowSignals,
    compile_categorical,
    compile_signals,
    stack_rows,
)

FIELDS = ("end", "time", "mean", "energy", "temperature", "entropy", "entropy_rate", "free_energy", "production",
          "lag1", "crossing_rate", "support", "gradients")
GEOMETRIES = [(8, 4, 4), (16, 5, 8), (64, 32, 16), (10, 1, 3), (7, 7, 2), (9, 12, 5)]


def _stream(values, config: SignalConfig, alphabet_size: int | None = None) -> WindowSignals:
    stream = SignalStream(config, alphabet_size=alphabet_size)
    rows = [r for i, v in enumerate(values) if (r := stream.update(60.0 * i, v)) is not None]
    return stack_rows(rows)


def _assert_same(batch: WindowSignals, streamed: WindowSignals) -> None:
    for name in FIELDS:
        a, b = getattr(batch, name), getattr(streamed, name)
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b, a, rtol=1e-8, atol=1e-8, err_msg=name)
    assert (batch.alphabet_size, batch.baseline) == (streamed.alphabet_size, streamed.baseline)


@pytest.mark.parametrize(("window", "step", "bins"), GEOMETRIES)
def test_it_streams_the_same_numeric_signals_as_the_batch_form(window: int, step: int, bins: int) -> None:
    # given: a random walk with noise, so bins, levels and variances all move
    rng = np.random.default_rng(window * 100 + step)
    x = np.cumsum(rng.normal(size=700)) + rng.normal(size=700)
    config = SignalConfig(window=window, step=step, n_bins=bins)
    # when
    batch = compile_signals(x, config, timestamps=60.0 * np.arange(x.size))
    streamed = _stream(x.tolist(), config)
    # then
    _assert_same(batch, streamed)


@pytest.mark.parametrize(("window", "step", "_"), GEOMETRIES)
def test_it_streams_the_same_categorical_signals_as_the_batch_form(window: int, step: int, _: int) -> None:
    # given: ports drawn from a skewed distribution over a 200-symbol alphabet
    rng = np.random.default_rng(step)
    codes = np.minimum(rng.geometric(0.15, size=600), 199)
    config = SignalConfig(window=window, step=step)
    # when
    batch = compile_categorical(codes, 200, config, timestamps=60.0 * np.arange(codes.size))
    streamed = _stream([int(c) for c in codes], config, alphabet_size=200)
    # then
    _assert_same(batch, streamed)


def test_it_stays_exact_over_a_long_stream() -> None:
    # given: large offset values stress the running sums
    rng = np.random.default_rng(3)
    x = 1e6 + np.cumsum(rng.normal(size=20_000))
    config = SignalConfig(window=32, step=16, value_range=(1e6 - 500, 1e6 + 500))
    # when
    batch = compile_signals(x, config)
    streamed = _stream(x.tolist(), config)
    # then
    np.testing.assert_allclose(streamed.energy, batch.energy, rtol=1e-7)
    np.testing.assert_allclose(streamed.entropy, batch.entropy, atol=1e-9)


def test_it_returns_nothing_until_the_first_window_is_full() -> None:
    # given
    stream = SignalStream(SignalConfig(window=5, step=3))
    # when
    out = [stream.update(float(i), float(i)) for i in range(11)]
    # then: windows end at indices 4, 7 and 10
    assert [i for i, r in enumerate(out) if r is not None] == [4, 7, 10]


def test_it_rejects_bad_points_in_the_stream() -> None:
    # given
    numeric = SignalStream(SignalConfig(window=3, step=1))
    categorical = SignalStream(SignalConfig(window=3, step=1), alphabet_size=4)
    for i in range(3):
        numeric.update(float(i), 1.0)
        categorical.update(float(i), 1)
    # when / then
    with pytest.raises(ValueError, match="finite"):
        numeric.update(3.0, float("inf"))
    with pytest.raises(ValueError, match=r"\[0, 4\)"):
        categorical.update(3.0, 7)
