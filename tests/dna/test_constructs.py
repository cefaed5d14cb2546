from __future__ import annotations

import math

import numpy as np

from apps.dna import constructs


def test_a_state_that_does_not_move_is_perfectly_stable_and_jumps_lower_it():
    # given
    still = np.zeros((10, 16))
    jumpy = np.zeros((10, 16))
    jumpy[::2, constructs.STATE_STEPS] = 1.0
    # when / then
    assert constructs.stability_index(still) == 1.0
    assert constructs.stability_index(jumpy) == 1.0 / (1.0 + math.sqrt(4 * 3 / 9))  # rows 2, 4, 6, 8 step
    assert constructs.stability_index(np.zeros((1, 16))) == 1.0


def test_irreversibility_is_near_zero_for_noise_and_near_one_for_a_ratchet():
    # given
    noise = np.random.default_rng(7).normal(size=4000)
    ratchet = np.tile(np.arange(16.0), 200)  # slow rise, sudden drop
    # when / then
    assert constructs.irreversibility_score(noise) < 0.05
    assert constructs.irreversibility_score(ratchet) > 0.9
    assert constructs.irreversibility_score(np.arange(10.0)) is None  # too few points to say


def test_irreversibility_does_not_depend_on_units():
    # given
    x = np.cumsum(np.random.default_rng(3).exponential(size=2000)) % 17
    # when / then
    assert constructs.irreversibility_score(x) == constructs.irreversibility_score(3.7 * x - 12)


def test_diffusion_coherence_runs_from_one_on_one_asset_to_zero_when_even():
    assert constructs.diffusion_coherence(np.array([0.0, 1.0, 0.0, 0.0])) == 1.0
    assert abs(constructs.diffusion_coherence(np.full(8, 0.125))) < 1e-12
    assert 0 < constructs.diffusion_coherence(np.array([0.7, 0.1, 0.1, 0.1])) < 1


def test_noise_colour_follows_lag_one_autocorrelation():
    assert [constructs.noise_class(r) for r in (-0.6, 0.0, 0.5, 0.95, float("nan"))] == [
        "noise.blue", "noise.white", "noise.pink", "noise.red", "noise.white"]


def test_entropy_structure_reports_predictability_and_trend():
    # given: entropy climbs 0.1 nats per window while the entropy rate stays at half of it
    s = np.linspace(1.0, 1.5, 6)
    # when
    profile = constructs.entropy_structure(s, s / 2, np.full(6, math.log(2) / 2), alphabet_size=16)
    # then
    assert abs(profile.predictability - 0.5) < 1e-12 and abs(profile.production - 0.5) < 1e-12
    assert abs(profile.entropy_trend - 0.1 / math.log(16)) < 1e-12
    assert constructs.entropy_structure(np.array([]), np.array([]), np.array([]), 16) is None


def test_the_phase_map_cuts_where_the_physics_vector_jumps():
    # given: three regimes of a noisy vector
    v = np.random.default_rng(5).normal(scale=0.01, size=(60, 16))
    v[20:40, 2] += 1.0
    v[40:, 1] -= 2.0
    # when
    phases = constructs.phase_transition_map(v)
    # then
    assert [(p.start, p.end) for p in phases] == [(0, 19), (20, 39), (40, 59)]
    assert abs(phases[1].entropy_norm - 1.0) < 0.05 and abs(phases[2].log_temperature + 2.0) < 0.05
