"""Industrial and critical-infrastructure scenarios (grid, fusion, semiconductor photonics, plant machinery)."""

from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.compose import ChannelCase, channels_spec
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


def _pipeline(regime: Regime, n: int, seed: int) -> Scenario:
    # Mass balance: in steady flow outlet = inlet (line pack changes only during pump moves, which the noise
    # covers); a leak makes outlet fall short of inlet by the leak flow, from onset on.
    rng = np.random.default_rng(seed)
    t = p.grid(n, 300.0)
    onset = p.onset_index(rng, n) if regime == "failure" else None
    inlet = 800.0 + 40.0 * p.diurnal(t, 9.0) + p.ar1(rng, n, 0.8, 4.0)
    outlet = inlet + rng.normal(0.0, 1.5, n) - p.step(n, onset, 12.0)
    # the CPM's compensated imbalance is what a leak moves; the inlet alone cannot show 1.5 % of throughput
    return Scenario("industrial.pipeline-leak", regime, {"flow_imbalance": np.round(inlet - outlet, 2),
                                                         "inlet_flow": np.round(inlet, 1)}, t, onset)


def _solar(regime: Regime, n: int, seed: int) -> Scenario:
    # Clear-sky bell (cosine of the hour angle) times a cloud factor (AR(1), clipped); a failed string takes a
    # fixed third of the array's output from onset.
    rng = np.random.default_rng(seed)
    t = p.grid(n, 300.0)
    onset = p.onset_index(rng, n) if regime == "failure" else None
    bell = np.clip(np.cos(2 * np.pi * ((t % p.DAY_S) / p.DAY_S - 0.5)) * 1.6 - 0.6, 0.0, None)
    clouds = np.clip(0.85 + p.ar1(rng, n, 0.9, 0.1), 0.2, 1.0)
    output = 50.0 * bell * clouds * np.where(p.after(n, onset) > 0, 2.0 / 3.0, 1.0)
    return Scenario("industrial.solar-string", regime, {"ac_power": np.round(output, 2)}, t, onset)


register(ScenarioSpec(
    key="industrial.pipeline-leak", generate=_pipeline, sampling_s=300.0, n_points=2000,
    process="Inlet and outlet flow meters of a liquid pipeline: diurnal throughput, AR(1) flow noise, outlet "
            "equal to inlet by mass balance plus meter noise.",
    source="API RP 1130 (computational pipeline monitoring): compensated mass balance; leaks of 1-2 % of flow.",
    failure="A leak of 12 m3/h (1.5 % of throughput) from onset: the outlet falls short of the inlet."))
register(ScenarioSpec(
    key="industrial.solar-string", generate=_solar, sampling_s=300.0, n_points=2000,
    process="AC output of a 50 kW rooftop array: clear-sky daily bell times an AR(1) cloud factor.",
    source="IEC 61724-1 (PV performance monitoring): 5-minute records; string faults remove a fixed share.",
    failure="One of three strings fails open: output drops to two thirds at every irradiance."))

CHANNEL_CASES: list[ChannelCase] = [
    ("industrial.pump-cavitation", 1.0, 2000,
     {"discharge_pressure": (p.Channel(8.0, 0.08, 0.6, low=0, high=16), p.Fault("variance", 4.0)),
      "motor_current": (p.Channel(42.0, 0.4, 0.5), p.Fault("variance", 2.5))},
     "Discharge pressure and motor current of a centrifugal pump at 1 Hz: AR(1) hydraulic ripple.",
     "Brennen, Hydrodynamics of Pumps (1994), ch. 8: cavitation surge and pressure pulsation as NPSH falls.",
     "NPSH margin lost: pressure pulsation grows fourfold and the current's ripple 2.5-fold."),
    ("industrial.bearing-temperature", 300.0, 2000,
     {"bearing_temperature": (p.Channel(55.0, 0.8, 0.9, daily=4.0, peak_hour=15.0, lag_s=1800.0, high=150),
                              p.Fault("runaway", 2.0, 24.0))},
     "Rolling-bearing temperature every 5 minutes: daily load cycle through the housing's 30-minute lag.",
     "ISO 13381-1 prognostics; Harris & Kotzalas, Rolling Bearing Analysis (2006): lubrication breakdown "
     "self-heats, a runaway doubling in hours.",
     "Lubrication breakdown: an exponential temperature excess doubling every 2 hours."),
    ("industrial.grid-frequency", 1.0, 2000,
     {"frequency": (p.Channel(50.0, 0.015, 0.97, low=49.0, high=51.0, decimals=4), p.Fault("step", -0.12))},
     "Continental Europe grid frequency at 1 Hz: AR(1) load-generation imbalance around 50 Hz.",
     "ENTSO-E Operation Handbook P1: 3 GW reference incident, quasi-steady deviation after primary control.",
     "Loss of a large unit: a quasi-steady deviation of -120 mHz until secondary control restores it."),
    ("industrial.water-district-pressure", 900.0, 2000,
     {"pressure": (p.Channel(4.5, 0.05, 0.7, daily=0.6, peak_hour=3.0, low=0, high=10), p.Fault("step", -0.4)),
      "inflow": (p.Channel(120.0, 4.0, 0.7, daily=60.0, peak_hour=8.0, low=0), p.Fault("step", 25.0))},
     "District metered area: night-high pressure and morning-peak inflow every 15 minutes.",
     "UK Water Industry Research, Managing Leakage (1994): minimum night flow; burst flows of 5-30 m3/h.",
     "A main bursts: inflow rises by 25 m3/h and pressure falls by 0.4 bar, day and night."),
    ("industrial.compressor-vibration", 10.0, 2000,
     {"vibration_velocity": (p.Channel(2.8, 0.15, 0.8, low=0, high=11.2), p.Fault("ramp", 2.5, 60.0))},
     "RMS vibration velocity of a process compressor every 10 s: AR(1) around zone A/B.",
     "ISO 10816-3 (now ISO 20816-3) zones 2.3 / 4.5 / 7.1 mm/s for large machines.",
     "Mechanical looseness: velocity climbs 2.5 mm/s over 10 minutes, from zone B into zone C."),
    ("industrial.chiller-efficiency", 300.0, 2000,
     {"supply_water_temperature": (p.Channel(6.7, 0.1, 0.9, low=2, high=16), p.Fault("ramp", 0.8, 48.0)),
      "compressor_power": (p.Channel(320.0, 8.0, 0.9, daily=80.0, peak_hour=15.0), p.Fault("ramp", 60.0, 48.0))},
     "Chilled-water plant every 5 minutes: supply temperature held by control, power following the cooling load.",
     "ASHRAE Guideline 22 (chilled-water plant efficiency); refrigerant undercharge raises kW per ton.",
     "Refrigerant leak: power rises 60 kW and supply temperature 0.8 degC over 4 hours."),
    ("industrial.wind-turbine-power", 600.0, 2000,
     {"power_ratio": (p.Channel(100.0, 4.0, 0.8, low=0, high=130), p.Fault("step", -30.0)),
      "wind_speed": (p.Channel(8.0, 2.5, 0.9, low=0, high=30), None)},
     "2 MW turbine 10-minute SCADA: output as a share of the warranted power curve at the measured wind (AR(1) "
     "scatter from turbulence and air density), and the weather-driven wind.",
     "IEC 61400-12-1 (power performance): 10-minute averages and the measured power curve; icing derates output "
     "by 20-50 % (Lehtomaki et al., IEA Wind Task 19, 2018).",
     "Blade icing: output falls to 70 % of the power curve at the same wind."),
    ("industrial.grid-voltage-sag", 300.0, 2000,
     {"feeder_voltage": (p.Channel(11.0, 0.02, 0.8, daily=-0.15, peak_hour=18.0), p.Fault("step", -0.25))},
     "11 kV feeder voltage every 5 minutes: regulated by the on-load tap changer, sagging at the evening peak.",
     "EN 50160 (+/-10 % band); IEEE C57.131 tap-changer failure modes.",
     "Tap changer stuck on a low tap: the voltage sits 0.25 kV lower at every hour."),
    ("industrial.grid-oscillation", 1.0, 2000,
     {"frequency_deviation": (p.Channel(0.0, 20.0, 0.95, decimals=1), p.Fault("oscillation", 40.0, 5.0))},
     "Frequency deviation from 50 Hz at 1 Hz in a low-inertia system: AR(1) imbalance noise.",
     "ENTSO-E, Analysis of CE inter-area oscillations of 1 December 2016: 0.15-0.25 Hz modes.",
     "An undamped inter-area mode: a 0.2 Hz oscillation of 40 mHz amplitude."),
    ("industrial.substation-harmonics", 600.0, 2000,
     {"voltage_thd": (p.Channel(2.5, 0.15, 0.8, daily=0.8, peak_hour=20.0, low=0), p.Fault("step", 2.0))},
     "Voltage THD every 10 minutes: evening peak from household electronics.",
     "IEC 61000-2-2 compatibility level 8 % THD; EN 50160 10-minute aggregation.",
     "A capacitor bank tunes a resonance: THD rises by 2 points and stays."),
    ("industrial.feeder-load-theft", 1800.0, 2000,
     {"feeder_load": (p.Channel(4.0, 0.15, 0.8, daily=1.5, peak_hour=19.0, low=0), p.Fault("step", 0.6))},
     "Half-hourly feeder load: the evening-peaking residential profile.",
     "Glauner et al., The challenge of non-technical loss detection (2017): bypasses add unmetered load.",
     "An illegal connection adds 0.6 MW at every hour."),
    ("industrial.battery-cell-temperature", 60.0, 2000,
     {"cell_temperature": (p.Channel(28.0, 0.2, 0.9, daily=3.0, peak_hour=15.0, lag_s=600.0, high=180.0),
                           p.Fault("runaway", 0.3, 15.0))},
     "Li-ion storage cell temperature every minute: ambient cycle through the rack's 10-minute lag.",
     "Feng et al., Thermal runaway mechanism of lithium ion battery (Energy Storage Materials, 2018).",
     "Internal short: self-heating doubling every 15 minutes, ahead of venting."),
    ("industrial.cable-partial-discharge", 60.0, 2000,
     {"pd_pulses": (p.Channel(3.0, 0.5, 0.8, daily=1.0, peak_hour=14.0, counts=True), p.Fault("rate", 4.0))},
     "Partial-discharge pulses per minute above the noise floor of an HV cable joint (Poisson, load-dependent).",
     "IEC 60270 (partial discharge measurement); joint defects raise the repetition rate severalfold.",
     "A joint's insulation void grows: the pulse rate quadruples."),
    ("industrial.tokamak-locked-mode", 0.001, 1500,
     {"mirnov_amplitude": (p.Channel(0.5, 0.05, 0.9, low=0, high=20.0), p.Fault("runaway", 0.05, 20.0))},
     "n=1 Mirnov-coil amplitude at 1 kHz during a tokamak flat-top: AR(1) MHD activity.",
     "de Vries et al., Survey of disruption causes at JET (Nucl. Fusion 51, 2011): locked modes precede most "
     "disruptions; mitigation needs >= 30 ms warning.",
     "A tearing mode grows and locks: the amplitude excess doubles every 20 ms."),
    ("industrial.fusion-radiated-power", 0.001, 1500,
     {"radiated_power": (p.Channel(2.0, 0.1, 0.95, low=0), p.Fault("ramp", 3.0, 100.0))},
     "Bolometer total radiated power at 1 kHz: AR(1) around the flat-top level.",
     "Lipschultz, MARFEs and radiative collapse (J. Nucl. Mater. 1987); Greenwald density limit.",
     "Radiative collapse near the density limit: radiated power rises 3 MW over 100 ms."),
    ("industrial.fusion-elm-rate", 0.01, 1500,
     {"elm_count": (p.Channel(0.8, 0.1, 0.5, counts=True), p.Fault("rate", 3.0))},
     "Type-I ELMs counted per 10 ms from D-alpha spikes: a Poisson rate set by the pedestal.",
     "Zohm, Edge localized modes (Plasma Phys. Control. Fusion 38, 1996).",
     "H-L back-transition dithering: the ELM rate triples."),
    ("industrial.cryoplant-helium", 10.0, 2000,
     {"helium_temperature": (p.Channel(4.5, 0.005, 0.95, decimals=4), p.Fault("ramp", 0.15, 60.0))},
     "Supercritical helium supply temperature of a magnet cryoplant every 10 s.",
     "ITER cryoplant design (Kalinin et al., Fusion Eng. Des. 2006): 4.5 K supply, ~0.1 K margin to quench.",
     "Cold-box heat exchanger fouling: the supply warms by 0.15 K in 10 minutes."),
    ("industrial.laser-diode-ageing", 3600.0, 2000,
     {"drive_current": (p.Channel(85.0, 0.05, 0.9), p.Fault("ramp", 4.0, 100.0))},
     "Drive current of a laser diode under automatic power control, hourly on a life test.",
     "Telcordia GR-468-CORE: end of life at +20 % drive current; dark-line defects accelerate the rise.",
     "Dark-line defect growth: the current for constant power rises 4 mA over 100 hours."),
    ("industrial.plasma-etch-arcing", 1.0, 2000,
     {"reflected_power": (p.Channel(5.0, 0.3, 0.5, low=0), p.Fault("variance", 5.0))},
     "Reflected RF power of a plasma etch chamber at 1 Hz, held low by the matching network.",
     "Lieberman & Lichtenberg, Principles of Plasma Discharges (2005); micro-arcs make reflected-power bursts.",
     "Micro-arcing on a worn electrode: reflected power fluctuates five times as much."),
    ("industrial.litho-stage-temperature", 1.0, 2000,
     {"stage_temperature": (p.Channel(22.0, 0.002, 0.98, decimals=5), p.Fault("oscillation", 0.006, 60.0))},
     "Wafer-stage temperature at 1 Hz, held at 22 degC to millikelvins.",
     "Bos et al., thermal control of lithography stages (SPIE 2005): mK stability for overlay.",
     "The chiller valve hunts: a 6 mK oscillation with a one-minute period."),
    ("industrial.cleanroom-particles", 60.0, 2000,
     {"particle_count": (p.Channel(4.0, 0.8, 0.8, daily=2.0, peak_hour=11.0, counts=True), p.Fault("rate", 3.0))},
     "0.5 um particles per minute from an ISO 5 cleanroom counter: Poisson, busier on shift.",
     "ISO 14644-1:2015 class limits; HEPA leaks raise counts severalfold downstream.",
     "A HEPA filter leak triples the count rate."),
    ("industrial.fiber-link-power", 60.0, 2000,
     {"received_power": (p.Channel(-12.0, 0.05, 0.95, daily=0.1, peak_hour=15.0), p.Fault("step", -1.5))},
     "Received optical power of a DWDM channel every minute: slow thermal wander.",
     "ITU-T G.697 (optical monitoring); dirty or bent connectors add 1-3 dB.",
     "A connector contaminated at a patch panel: 1.5 dB more loss."),
]
for _key, _dt, _n, _roles, _process, _source, _failure in CHANNEL_CASES:
    register(channels_spec(_key, sampling_s=_dt, n_points=_n, roles=_roles, process=_process, source=_source,
                           failure=_failure))
