from __future__ import annotations

import math

import numpy as np
import pytest

from kernels.signal_compiler import SIGNAL_NAMES, SignalConfig, compile_categorical, compile_signals


def test_it_splits_energy_into_temperature_and_squared_mean_shift() -> None:
    # given
    rng = np.random.default_rng(0)
    x = np.r_[rng.normal(0, 1, 200), rng.normal(5, 2, 200)]
    # when
    sig = compile_signals(x, SignalConfig(window=50, step=25, baseline=0.0))
    # then
    np.testing.assert_allclose(sig.energy, sig.temperature + (sig.mean - 0.0) ** 2, rtol=1e-10)
    last = x[-50:]
    assert sig.temperature[-1] == pytest.approx(last.var())
    assert sig.mean[-1] == pytest.approx(last.mean())


def test_it_reaches_log_k_entropy_for_a_uniform_window_and_zero_for_a_constant_one() -> None:
    # given: bins fixed on [0, 4); the first window visits all four, the second only one
    x = np.r_[np.tile([0.5, 1.5, 2.5, 3.5], 4), np.full(16, 2.2)]
    # when
    sig = compile_signals(x, SignalConfig(window=16, step=16, n_bins=4, value_range=(0.0, 4.0)))
    # then
    assert sig.entropy[0] == pytest.approx(math.log(4))
    assert sig.entropy[1] == pytest.approx(0.0)
    assert sig.support.tolist() == [1.0, 0.25]


def test_it_measures_the_entropy_rate_of_consecutive_symbols() -> None:
    # given: a deterministic cycle vs. a coin-flip sequence over the same two symbols
    rng = np.random.default_rng(1)
    cycle = np.tile([0, 1], 2000)
    coins = rng.integers(0, 2, 4000)
    config = SignalConfig(window=4000, step=1)
    # when
    cyclic = compile_categorical(cycle, 2, config)
    random = compile_categorical(coins, 2, config)
    # then: both have 1 bit of symbol entropy, but only the coins are unpredictable
    assert cyclic.entropy[0] == pytest.approx(math.log(2))
    assert cyclic.entropy_rate[0] == pytest.approx(0.0, abs=1e-12)
    assert random.entropy_rate[0] == pytest.approx(math.log(2), abs=2e-3)


def test_it_produces_log_two_between_disjoint_windows_and_nothing_between_equal_ones() -> None:
    # given: symbols 0,0,..., then 1,1,..., then 1,1,...
    codes = np.r_[np.zeros(8, int), np.ones(16, int)]
    # when
    sig = compile_categorical(codes, 2, SignalConfig(window=8, step=8))
    # then
    assert sig.production.tolist() == pytest.approx([0.0, math.log(2), 0.0])


def test_it_defines_free_energy_and_gradients_per_window_step() -> None:
    # given
    x = np.sin(np.arange(300) / 7.0) * np.linspace(1, 3, 300)
    # when
    sig = compile_signals(x, SignalConfig(window=30, step=10))
    # then
    np.testing.assert_allclose(sig.free_energy, sig.energy - sig.temperature * sig.entropy)
    np.testing.assert_allclose(sig.gradients[1:], np.diff(sig.table(), axis=0))
    assert not sig.gradients[0].any()
    assert sig.table().shape == (sig.n_windows, len(SIGNAL_NAMES))


def test_it_sees_colour_and_baseline_crossings() -> None:
    # given: an alternating sequence is maximally anti-correlated and crosses every step
    x = np.tile([1.0, -1.0], 50)
    # when
    sig = compile_signals(x, SignalConfig(window=20, step=20, baseline=0.0))
    # then
    assert sig.lag1 == pytest.approx(np.full(5, -1.0))
    assert sig.crossing_rate == pytest.approx(np.ones(5))


def test_it_gives_categorical_events_an_energy_in_nats() -> None:
    # given: symbol 3 never appears in the first window
    codes = np.r_[np.tile([0, 1], 10), np.full(20, 3)]
    # when
    sig = compile_categorical(codes, 4, SignalConfig(window=20, step=20))
    # then: its surprisal is -log(1 / (20 + 4)), while 0 and 1 carry -log(11 / 24)
    assert sig.baseline == pytest.approx(-math.log(11 / 24))
    assert sig.mean[1] == pytest.approx(-math.log(1 / 24))
    assert sig.temperature.tolist() == [0.0, 0.0]


def test_it_uses_the_first_window_range_for_adaptive_bins() -> None:
    # given: later values beyond the first window's range land in the edge bins
    x = np.r_[np.linspace(0, 1, 10), np.full(10, 50.0)]
    # when
    sig = compile_signals(x, SignalConfig(window=10, step=10, n_bins=5))
    # then
    assert sig.entropy[1] == 0.0 and sig.support[1] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: compile_signals(np.ones(5), SignalConfig(window=8)), "at least window"),
        (lambda: compile_signals(np.r_[np.ones(9), np.nan], SignalConfig(window=8)), "finite"),
        (lambda: compile_categorical(np.array([0, 5, 1]), 4, SignalConfig(window=3)), r"\[0, 4\)"),
        (lambda: compile_categorical(np.array([0.5, 1.0, 1.0]), 4, SignalConfig(window=3)), "integer"),
        (lambda: compile_signals(np.ones(10), SignalConfig(window=4), timestamps=np.ones(3)), "shape"),
        (lambda: SignalConfig(window=2), "window >= 3"),
        (lambda: SignalConfig(value_range=(1.0, 1.0)), "high > low"),
    ],
)
def test_it_rejects_invalid_input(call, message: str) -> None:
    # given / when / then
    with pytest.raises(ValueError, match=message):
        call()
