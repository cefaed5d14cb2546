"""The opt-in two-sided CUSUM of the regime detector (kernels/regime/shift.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from kernels.regime import DetectorConfig, RegimeDetector
from kernels.regime.shift import ShiftConfig, ShiftCusum
from kernels.regime.surprisal import symbol_surprisal

MINUTE = 60.0
LEARN = 150
POISSON = ShiftConfig(test="poisson", size=0.4, threshold=10.0)


def _alarms(cusum: ShiftCusum, x: np.ndarray, learn: int = LEARN) -> list[int]:
    cusum.learn([(MINUTE * i, float(v)) for i, v in enumerate(x[:learn])])
    return [i for i in range(learn, x.size) if cusum.update(MINUTE * i, float(x[i]))]


def _documented_delay(rate: float, size: float, threshold: float) -> float:
    # the module docstring's expected delay of a poisson fall: threshold / KL per point
    return threshold / (rate * ((1 - size) * math.log(1 - size) + size))


def _detector_alarms(config: DetectorConfig, x: np.ndarray) -> list[int]:
    detector = RegimeDetector(config)
    return [i for i, v in enumerate(x.tolist()) if detector.update(MINUTE * i, float(v))[1]]


def test_it_finds_a_40_percent_fall_of_a_poisson_rate_within_the_documented_delay() -> None:
    # given: a rate of 6 a minute that falls to 3.6 at point 400, on 20 seeds
    delays = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = np.r_[rng.poisson(6.0, 400), rng.poisson(3.6, 300)].astype(float)
        # when
        found = [i for i in _alarms(ShiftCusum(POISSON), x) if i >= 400]
        delays.append(found[0] - 400 if found else math.inf)
    # then: the typical delay is the documented one, and none is far past it
    bound = _documented_delay(6.0, 0.4, 10.0)
    assert float(np.median(delays)) <= 1.5 * bound
    assert max(delays) <= 3 * bound


def test_it_stays_within_budget_on_a_stationary_poisson_stream() -> None:
    # given: 20 seeds of 3,000 scored points at a constant rate
    alarms = 0
    for seed in range(20):
        x = np.random.default_rng(100 + seed).poisson(6.0, LEARN + 3000).astype(float)
        # when
        alarms += len(_alarms(ShiftCusum(POISSON), x))
    # then: under 0.1 false alarms per 1,000 points
    assert alarms / 60.0 < 0.1


def test_the_default_detector_mostly_misses_the_fall_and_the_shift_test_finds_it() -> None:
    # given: a fall that makes a count outside the learnt range only by chance, on 20 seeds
    plain = DetectorConfig(learning_period=LEARN)
    shifted = DetectorConfig(learning_period=LEARN, shift_test="poisson", shift_size=0.4, shift_threshold=10.0)
    found = {"plain": 0, "shifted": 0}
    early = {"plain": 0, "shifted": 0}
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = np.r_[rng.poisson(6.0, 600), rng.poisson(3.6, 400)].astype(float)
        # when
        for name, config in (("plain", plain), ("shifted", shifted)):
            alarms = _detector_alarms(config, x)
            found[name] += any(600 <= i < 700 for i in alarms)
            early[name] += sum(i < 600 for i in alarms)
    # then: every fall is found within 100 points, with no alarm before it that the default lacks
    assert found["plain"] <= 10 and found["shifted"] == 20
    assert early["shifted"] == early["plain"]


def test_it_corrects_for_red_noise() -> None:
    # given: AR(1) noise (rho 0.8) around a constant level, learnt on 600 points
    def red(seed: int) -> np.ndarray:
        rng = np.random.default_rng(200 + seed)
        z = np.zeros(3600)
        for i in range(1, z.size):
            z[i] = 0.8 * z[i - 1] + rng.normal()
        return z

    config = ShiftConfig(test="mean", size=1.0, threshold=10.0)
    # when
    corrected = [len(_alarms(ShiftCusum(config), red(s), 600)) for s in range(10)]
    naive = []
    for s in range(10):
        cusum = ShiftCusum(config)
        x = red(s)
        cusum.learn([(MINUTE * i, float(v)) for i, v in enumerate(x[:600])])
        cusum.factor = 1.0  # what a CUSUM assuming independent noise would use
        naive.append(sum(cusum.update(MINUTE * i, float(x[i])) for i in range(600, x.size)))
    # then: the long-run factor cuts the false alarms several-fold
    assert sum(corrected) * 5 <= sum(naive)


def test_its_time_of_day_baseline_finds_a_fall_that_a_single_level_hides_in_the_cycle() -> None:
    # given: counts with a strong daily cycle, learnt over two days, falling 40 % on the fourth day
    t = np.arange(5 * 1440) * MINUTE
    rate = 10.0 + 8.0 * np.sin(2 * np.pi * t / 86400.0)
    onset = 3 * 1440 + 200
    rate[onset:] *= 0.6
    x = np.random.default_rng(3).poisson(rate).astype(float)
    hourly = ShiftCusum(ShiftConfig(test="poisson", size=0.4, threshold=10.0, buckets=24))
    single = ShiftCusum(POISSON)
    # when
    by_hour, flat = _alarms(hourly, x, 2880), _alarms(single, x, 2880)
    # then: the cycle itself is never a shift; only the hourly baseline sees the fall, within an hour
    assert not [i for i in by_hour + flat if i < onset]
    assert [i for i in by_hour if onset <= i < onset + 60] and not [i for i in flat if onset <= i < onset + 60]


def test_it_finds_a_change_of_a_categorical_mix_that_uses_common_symbols() -> None:
    # given: four symbols whose shares swap at event 1,500; surprisal is what a categorical stream stores
    rng = np.random.default_rng(11)
    symbols = np.r_[rng.choice(list("abcd"), 1500, p=[0.5, 0.3, 0.15, 0.05]),
                    rng.choice(list("abcd"), 500, p=[0.15, 0.3, 0.5, 0.05])]
    codes: dict[str, int] = {}
    counts: dict[int, int] = {}
    x = np.array([symbol_surprisal(codes, counts, i, str(s), 64)[0] for i, s in enumerate(symbols)])
    plain = DetectorConfig(learning_period=600)
    shifted = DetectorConfig(learning_period=600, shift_test="mean", shift_size=0.5, shift_threshold=10.0)
    # when
    before, after = _detector_alarms(plain, x), _detector_alarms(shifted, x)
    # then: no symbol is new, so only the shift test sees it, and it is quiet before
    assert not [i for i in before if i >= 1500]
    assert [i for i in after if 1500 <= i < 1600] and not [i for i in after if i < 1500]


def test_a_detector_with_the_shift_test_continues_exactly_from_its_state() -> None:
    # given
    config = DetectorConfig(learning_period=LEARN, shift_test="poisson", shift_size=0.4, shift_threshold=10.0)
    x = np.random.default_rng(5).poisson(6.0, 600).astype(float)
    x[400:] *= 0.5
    detector = RegimeDetector(config)
    for i in range(300):
        detector.update(MINUTE * i, float(x[i]))
    # when
    twin = RegimeDetector.from_state(detector.state_dict())
    # then
    assert [twin.update(MINUTE * i, float(x[i])) for i in range(300, 600)] == [
        detector.update(MINUTE * i, float(x[i])) for i in range(300, 600)]


@pytest.mark.parametrize("bad", [{"shift_test": "median"}, {"shift_test": "poisson", "shift_size": 1.0},
                                 {"shift_test": "mean", "shift_threshold": 0.0},
                                 {"shift_test": "mean", "shift_buckets": 0}])
def test_it_refuses_bad_shift_settings(bad: dict[str, object]) -> None:
    # when / then
    with pytest.raises(ValueError):
        DetectorConfig(**bad)  # type: ignore[arg-type]
