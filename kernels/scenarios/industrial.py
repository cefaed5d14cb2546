"""Industrial and critical-infrastructure scenarios (grid, fusion, semiconductor photonics, plant machinery)."""

from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.registry import register
from kernels.scenarios.types import Regime, Scenario, ScenarioSpec


def _transformer(regime: Regime, n: int, seed: int) -> Scenario:
    # IEC 60076-7 top-oil model: rise = rated_rise * ((1 + R K^2) / (1 + R))^x, x = 0.8, R = 6, tau_o = 180 min;
    # ONAF rated rise 45 K. Without fans the unit is ONAN, rated at 60 % of the ONAF power with a 52 K rise, so
    # the same load is K / 0.6 of the ONAN rating.
    rng = np.random.default_rng(seed)
    dt = 900.0
    t = p.grid(n, dt)
    onset = p.onset_index(rng, n) if regime == "failure" else None
    load = np.clip(0.7 + 0.2 * p.diurnal(t, 18.5, 0.3) + p.ar1(rng, n, 0.9, 0.04), 0.3, 1.2)
    fans_lost = p.after(n, onset) > 0
    rated = np.where(fans_lost, 52.0, 45.0)
    per_unit = np.where(fans_lost, load / 0.6, load)
    ambient = 15.0 + 6.0 * p.diurnal(t, 15.0) + p.ar1(rng, n, 0.98, 1.0)
    rise = p.first_order_lag(rated * ((1 + 6.0 * per_unit**2) / 7.0) ** 0.8, dt, 180 * 60.0)
    top_oil = ambient + rise + rng.normal(0, 0.3, n)
    current = 1200.0 * load + rng.normal(0, 8.0, n)
    return Scenario("industrial.transformer-thermal", regime,
                    {"top_oil_temperature": np.round(top_oil, 1), "load_current": np.round(current, 0)}, t, onset)


register(ScenarioSpec(
    key="industrial.transformer-thermal", generate=_transformer, sampling_s=900.0, n_points=2000,
    process="Top-oil temperature of an ONAF power transformer: ambient diurnal swing plus the oil rise of a "
            "diurnal load through a first-order lag (tau 180 min).",
    source="IEC 60076-7:2018 (loading guide for oil-immersed power transformers), exponential top-oil model and "
           "its ONAN/ONAF parameters.",
    failure="Cooling-fan failure: the unit runs ONAN (60 % of its ONAF rating, 52 K rated rise) at an unchanged "
            "load, and the oil climbs towards the new rise with the oil time constant."))
