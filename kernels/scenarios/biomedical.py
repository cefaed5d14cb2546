"""Biological and medical scenarios: neurotransmitter energy maps, metabolic flux, organoids, bedside monitoring."""

from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.compose import ChannelCase, channels_spec
from kernels.scenarios.registry import register
from kernels.scenarios.types import Regime, Scenario, ScenarioSpec

SLEEP_STAGES = ("W", "N1", "N2", "N3", "REM")
ACTIVITIES = ("still", "walk", "run", "cycle", "vehicle")


def _hrv(regime: Regime, n: int, seed: int) -> Scenario:
    # One value per beat, stamped at the beat: respiratory sinus arrhythmia and baroreflex make RR an AR(1)
    # around 800 ms; early sepsis lowers RR and its variability together.
    rng = np.random.default_rng(seed)
    onset = p.onset_index(rng, n) if regime == "failure" else None
    sick = p.after(n, onset) > 0
    rr = 800.0 - 200.0 * sick + np.where(sick, 0.3, 1.0) * p.ar1(rng, n, 0.7, 40.0)
    times = np.cumsum(rr) / 1000.0
    return Scenario("biomedical.hrv-rr-intervals", regime, {"rr_interval": np.round(rr, 0)}, times - times[0], onset)


def _markov(rng: np.random.Generator, n: int, states: tuple[str, ...], transition: np.ndarray,
            start: int = 0) -> np.ndarray:
    cumulative = np.cumsum(transition, axis=1)
    out, state = np.empty(n, dtype=object), start
    for i, u in enumerate(rng.random(n)):
        state = int(np.searchsorted(cumulative[state], u * cumulative[state, -1]))
        out[i] = states[state]
    return out.astype(str)


def _sleep(regime: Regime, n: int, seed: int) -> Scenario:
    # 30-second epochs from a Markov chain of W, N1, N2, N3, REM with AASM-typical dwell times (N2 longest); sleep
    # apnoea adds arousals: N2/N3/REM epochs jump to W or N1 far more often.
    rng = np.random.default_rng(seed)
    onset = p.onset_index(rng, n) if regime == "failure" else None
    base = np.array([[0.90, 0.08, 0.02, 0.00, 0.00], [0.05, 0.75, 0.18, 0.00, 0.02],
                     [0.01, 0.03, 0.90, 0.04, 0.02], [0.01, 0.01, 0.06, 0.92, 0.00],
                     [0.02, 0.03, 0.03, 0.00, 0.92]])
    fragmented = base.copy()
    fragmented[2:, 0] += 0.12
    fragmented[2:, 1] += 0.12
    first = _markov(rng, onset or n, SLEEP_STAGES, base)
    rest = _markov(rng, n - (onset or n), SLEEP_STAGES, fragmented, start=2) if onset else np.array([], dtype=str)
    return Scenario("biomedical.sleep-stages", regime, {"sleep_stage": np.r_[first, rest]}, p.grid(n, 30.0), onset)


def _activity(regime: Regime, n: int, seed: int) -> Scenario:
    # 5-minute activity classes: mostly still at night, walking/cycling/vehicle by day (time-of-day dependent
    # Markov chain); an illness keeps the wearer still through the day.
    rng = np.random.default_rng(seed)
    onset = p.onset_index(rng, n) if regime == "failure" else None
    t = p.grid(n, 300.0)
    hour = (t % p.DAY_S) / 3600.0
    awake = (hour >= 7) & (hour < 22)
    ill = p.after(n, onset) > 0
    day = np.array([0.55, 0.25, 0.05, 0.07, 0.08])
    night = np.array([0.97, 0.03, 0.0, 0.0, 0.0])
    sick_day = np.array([0.93, 0.07, 0.0, 0.0, 0.0])
    probs = np.where((awake & ~ill)[:, None], day, np.where((awake & ill)[:, None], sick_day, night))
    picks = (probs.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
    return Scenario("biomedical.wearable-activity", regime, {"activity_class": np.array(ACTIVITIES)[picks]}, t,
                    onset)


def _fermenter(regime: Regime, n: int, seed: int) -> Scenario:
    # Fed-batch off-gas CO2: carbon evolution follows Michaelis-Menten uptake of the fed substrate (Km 0.1 g/L),
    # the feed holding S near 0.5 g/L; a failed feed pump lets S decay with uptake, and CER falls with it.
    rng = np.random.default_rng(seed)
    onset = p.onset_index(rng, n) if regime == "failure" else None
    dt, uptake = 60.0, 0.5 / 3600.0  # g/L per second at saturation
    feed = np.where(p.after(n, onset) > 0, 0.0, 1.0)
    s, substrate = 0.5, np.empty(n)
    for i in range(n):
        rate = p.michaelis_menten(np.array([s]), uptake, 0.1)[0]
        s = max(s + dt * (feed[i] * uptake * 0.833 * (1 + 0.05 * rng.normal()) - rate), 0.0)
        substrate[i] = s
    co2 = 3.5 * p.michaelis_menten(substrate, 1.0, 0.1) / p.michaelis_menten(np.array([0.5]), 1.0, 0.1)[0]
    co2 = co2 + p.ar1(rng, n, 0.9, 0.04)
    return Scenario("biomedical.fermenter-offgas", regime, {"offgas_co2": np.round(co2, 3)}, p.grid(n, dt), onset)


for _key, _generate, _dt, _n, _process, _source, _failure in [
    ("biomedical.hrv-rr-intervals", _hrv, 0.8, 2000,
     "Beat-to-beat RR intervals stamped at each beat: AR(1) around 800 ms from sinus arrhythmia and baroreflex.",
     "Task Force of the ESC and NASPE, Heart rate variability (Circulation 93, 1996); Ahmad et al., Continuous "
     "multi-parameter HRV in sepsis (PLoS ONE 2009).",
     "Early sepsis: tachycardia (75 to 100 bpm, a SIRS criterion above 90) with variability down to 30 %."),
    ("biomedical.sleep-stages", _sleep, 30.0, 2000,
     "30-second sleep-stage epochs from a five-state Markov chain with AASM-typical dwell times.",
     "AASM Manual for the Scoring of Sleep (v2.6); Kim et al., Markov modeling of sleep stage transitions.",
     "Obstructive apnoea: arousals to W and N1 from deeper stages rise by 12 points each."),
    ("biomedical.wearable-activity", _activity, 300.0, 2000,
     "Five-minute activity classes from a wrist wearable, drawn per time of day (night still, varied by day).",
     "Doherty et al., Large scale population assessment of physical activity (UK Biobank, PLoS ONE 2017).",
     "An illness keeps the wearer still through the day."),
    ("biomedical.fermenter-offgas", _fermenter, 60.0, 2000,
     "Off-gas CO2 of a fed-batch fermenter: Michaelis-Menten uptake of the fed substrate sets carbon evolution.",
     "Villadsen, Nielsen & Liden, Bioreaction Engineering Principles (2011), ch. 7: Monod/MM uptake, CER.",
     "The feed pump fails: substrate is taken up to exhaustion and the CO2 evolution collapses."),
]:
    register(ScenarioSpec(key=_key, generate=_generate, sampling_s=_dt, n_points=_n, process=_process,
                          source=_source, failure=_failure))

CHANNEL_CASES: list[ChannelCase] = [
    ("biomedical.icu-spo2", 1.0, 2000,
     {"spo2": (p.Channel(97.0, 0.6, 0.95, low=70, high=100, decimals=0), p.Fault("step", -6.0))},
     "Pulse oximetry at 1 Hz: AR(1) around 97 %, quantised to 1 %.",
     "Jubran, Pulse oximetry (Crit Care 2015); desaturation of >= 4 % for >= 10 s.",
     "Sustained desaturation to 91 % (atelectasis, a mucus plug)."),
    ("biomedical.continuous-glucose", 300.0, 2000,
     {"glucose": (p.Channel(110.0, 12.0, 0.95, daily=25.0, peak_hour=13.0, low=40, high=400, decimals=0),
                  p.Fault("ramp", -100.0, 12.0))},
     "CGM every 5 minutes: meal-driven daily cycle and AR(1) excursions.",
     "Battelino et al., International consensus on time in range (Diabetes Care 2019): < 70 mg/dL is level 1.",
     "An insulin overdose: glucose falls 100 mg/dL within an hour."),
    ("biomedical.eeg-seizure", 1.0, 2000,
     {"eeg_rms": (p.Channel(30.0, 4.0, 0.6, low=0), p.Fault("step", 60.0))},
     "RMS amplitude of one scalp EEG channel per 1-second epoch.",
     "Shoeb & Guttag, Application of machine learning to epileptic seizure detection (ICML 2010): rhythmic "
     "high-amplitude activity at onset.",
     "A seizure: epoch RMS rises by 60 uV."),
    ("biomedical.respiratory-rate", 15.0, 2000,
     {"respiratory_rate": (p.Channel(16.0, 1.2, 0.8, low=0, high=60), p.Fault("ramp", 8.0, 120.0))},
     "Respiratory rate every 15 s from impedance pneumography.",
     "Royal College of Physicians, NEWS2 (2017): >= 21 breaths/min scores 2, >= 25 scores 3.",
     "Deterioration: the rate climbs 8 breaths/min over 30 minutes."),
    ("biomedical.bioreactor", 60.0, 2000,
     {"dissolved_oxygen": (p.Channel(40.0, 1.0, 0.9, low=0, high=100), p.Fault("ramp", -25.0, 120.0)),
      "ph": (p.Channel(7.0, 0.01, 0.95, low=4, high=9), p.Fault("ramp", -0.3, 120.0))},
     "Cell-culture bioreactor every minute: DO and pH held by their controllers.",
     "Ozturk & Hu, Cell Culture Technology for Pharmaceutical and Cell-Based Therapies (2006): contamination "
     "signatures in DO and pH.",
     "Bacterial contamination: DO falls 25 points and pH 0.3 over 2 hours."),
    ("biomedical.dopamine-voltammetry", 0.1, 2000,
     {"dopamine": (p.Channel(50.0, 5.0, 0.9, low=0), p.Fault("ramp", 40.0, 30.0))},
     "Striatal dopamine by fast-scan cyclic voltammetry at 10 Hz: AR(1) tonic level.",
     "Robinson et al., Detecting subsecond dopamine release with FSCV in vivo (Clin Chem 2003).",
     "A stimulant (uptake blockade): tonic dopamine rises 40 nM within 3 s."),
    ("biomedical.glutamate-biosensor", 1.0, 2000,
     {"glutamate": (p.Channel(2.0, 0.2, 0.8, low=0), p.Fault("runaway", 0.2, 10.0))},
     "Extracellular glutamate from an enzyme biosensor at 1 Hz.",
     "Hinzman et al., Spreading depolarizations and glutamate (J Cereb Blood Flow Metab 2015).",
     "A spreading depolarisation: glutamate surges, the excess doubling every 10 s."),
    ("biomedical.calcium-network", 0.1, 2000,
     {"population_dff": (p.Channel(0.1, 0.05, 0.8), p.Fault("variance", 4.0))},
     "Population calcium signal (dF/F) of a cortical field at 10 Hz.",
     "Chen et al., GCaMP6 (Nature 2013); epileptiform synchrony swells population transients.",
     "Epileptiform synchrony: the population signal fluctuates four times as much."),
    ("biomedical.neuron-firing-rate", 1.0, 2000,
     {"spike_count": (p.Channel(8.0, 1.0, 0.7, counts=True), p.Fault("rate", 0.3))},
     "Sorted-unit spikes per second on a multi-electrode array: Poisson around 8 Hz.",
     "Buzsaki & Mizuseki, The log-dynamic brain (Nat Rev Neurosci 2014): stable per-neuron rates.",
     "The neuron is silenced (a drug, a hypoxic episode): its rate falls to 30 %."),
    ("biomedical.brain-oxygen", 60.0, 2000,
     {"pbto2": (p.Channel(28.0, 1.5, 0.95, low=0), p.Fault("ramp", -12.0, 30.0))},
     "Brain tissue oxygen (PbtO2) every minute in neurocritical care.",
     "Brain Trauma Foundation guidelines (4th ed., 2016): treat below 20 mmHg.",
     "Secondary ischaemia: PbtO2 falls 12 mmHg over 30 minutes."),
    ("biomedical.lactate-monitor", 300.0, 2000,
     {"lactate": (p.Channel(1.2, 0.08, 0.9, low=0), p.Fault("ramp", 2.5, 36.0))},
     "Continuous blood lactate every 5 minutes.",
     "Surviving Sepsis Campaign (2021): lactate > 2 mmol/L; rise over hours in septic shock.",
     "Septic shock: lactate climbs 2.5 mmol/L over 3 hours."),
    ("biomedical.calorimetry-rq", 60.0, 2000,
     {"respiratory_quotient": (p.Channel(0.82, 0.01, 0.8), p.Fault("step", 0.12))},
     "Respiratory quotient (VCO2/VO2) from indirect calorimetry every minute.",
     "Frayn, Calculation of substrate oxidation rates in vivo (J Appl Physiol 1983).",
     "Overfeeding: net lipogenesis lifts RQ by 0.12 towards 1."),
    ("biomedical.ketone-monitor", 300.0, 2000,
     {"beta_hydroxybutyrate": (p.Channel(0.3, 0.05, 0.9, daily=0.1, peak_hour=6.0, low=0),
                               p.Fault("ramp", 2.5, 48.0))},
     "Continuous beta-hydroxybutyrate every 5 minutes, highest before breakfast.",
     "Dhatariya et al., Diabetic ketoacidosis (Nat Rev Dis Primers 2020): > 3 mmol/L.",
     "Insulin-pump failure: ketones climb 2.5 mmol/L over 4 hours."),
    ("biomedical.dialysis-pressure", 10.0, 2000,
     {"transmembrane_pressure": (p.Channel(150.0, 3.0, 0.9), p.Fault("ramp", 80.0, 180.0))},
     "Haemodialysis transmembrane pressure every 10 s.",
     "Daugirdas, Handbook of Dialysis (2015): TMP rise as the dialyser clots.",
     "Dialyser clotting: TMP rises 80 mmHg over 30 minutes."),
    ("biomedical.organoid-mea-bursts", 60.0, 2000,
     {"network_bursts": (p.Channel(3.0, 0.3, 0.8, counts=True), p.Fault("rate", 0.15))},
     "Network bursts per minute of a cortical organoid on a multi-electrode array (Poisson).",
     "Trujillo et al., Complex oscillatory waves from cortical organoids (Cell Stem Cell 2019).",
     "A neurotoxic compound: bursting falls to 15 %."),
    ("biomedical.organoid-oxygen", 60.0, 2000,
     {"well_oxygen": (p.Channel(60.0, 0.8, 0.95, lag_s=600.0, low=0, high=100), p.Fault("step", 15.0))},
     "Dissolved oxygen in an organoid microwell every minute (respiration draws it down).",
     "Dranka et al., Assessing bioenergetic function (Free Radic Biol Med 2011): OCR falls on complex I "
     "inhibition.",
     "Mitochondrial toxicity: respiration falls and well oxygen rises 15 points."),
    ("biomedical.organoid-teer", 600.0, 2000,
     {"teer": (p.Channel(1200.0, 15.0, 0.9, lag_s=3600.0), p.Fault("step", -400.0))},
     "Trans-epithelial electrical resistance of a gut organoid monolayer every 10 minutes.",
     "Srinivasan et al., TEER measurement techniques (J Lab Autom 2015).",
     "Barrier breakdown (tight-junction toxin): TEER falls 400 ohm.cm2 within an hour."),
    ("biomedical.cardiac-organoid-beat", 10.0, 2000,
     {"beat_rate": (p.Channel(60.0, 2.0, 0.7, low=0), p.Fault("variance", 5.0))},
     "Beat rate of a cardiac organoid every 10 s from video or field potentials.",
     "Mills et al., Functional screening in human cardiac organoids (PNAS 2017).",
     "A pro-arrhythmic compound: beat-rate variability grows fivefold."),
    ("biomedical.arterial-pressure", 2.0, 2000,
     {"mean_arterial_pressure": (p.Channel(85.0, 2.5, 0.95, low=0), p.Fault("ramp", -25.0, 300.0))},
     "Invasive mean arterial pressure every 2 s.",
     "Hatib et al., Machine-learning prediction of hypotension (Anesthesiology 2018): MAP < 65 mmHg.",
     "Haemorrhage: MAP falls 25 mmHg over 10 minutes."),
    ("biomedical.core-temperature", 300.0, 2000,
     {"core_temperature": (p.Channel(37.0, 0.08, 0.9, daily=0.4, peak_hour=17.0), p.Fault("ramp", 1.5, 36.0))},
     "Core temperature every 5 minutes: circadian swing of +/-0.4 degC peaking late afternoon.",
     "Refinetti & Menaker, The circadian rhythm of body temperature (Physiol Behav 1992).",
     "Fever: core temperature climbs 1.5 degC over 3 hours."),
    ("biomedical.infusion-occlusion", 5.0, 2000,
     {"line_pressure": (p.Channel(120.0, 4.0, 0.7, low=0), p.Fault("ramp", 150.0, 60.0))},
     "Downstream line pressure of a volumetric infusion pump every 5 s.",
     "IEC 60601-2-24 (infusion pumps): occlusion alarm time at low rates.",
     "Downstream occlusion: pressure builds 150 mmHg over 5 minutes."),
]
for _key, _dt, _n, _roles, _process, _source, _failure in CHANNEL_CASES:
    register(channels_spec(_key, sampling_s=_dt, n_points=_n, roles=_roles, process=_process, source=_source,
                           failure=_failure))
