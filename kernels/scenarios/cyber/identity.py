"""Cyber scenarios of identity: logins, credentials, Kerberos, client fingerprints and agents."""
from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.flows import daily_shape, library_spec, mix_symbols, zipf_symbols

MIN = 60.0
COUNTRIES = ["GB", "IE", "FR", "DE", "NL", "ES", "US", "IN", "PL", "SE"]
FOREIGN = ["RU", "CN", "NG", "BR", "VN", "KP", "IR", "RO", "UA", "TR", "ID", "PK", "EG", "AR", "KZ"]
AGENTS = [f"agent-{i:02d}" for i in range(25)]
FINGERPRINTS = [f"ja3-{i:02d}" for i in range(12)]


def _auth_failures(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    typos = 3.0 * daily_shape(t, peaks=(9.0, 13.5), width_h=2.5, floor=0.1)
    brute = 45.0 * p.ramp(t.size, onset, 1 / 5, 1.0) * rng.gamma(4.0, 0.25, t.size)
    return {"failures_per_minute": rng.poisson(typos + brute).astype(np.float64)}


def _login_success(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    logins = rng.poisson(200.0 * daily_shape(t, peaks=(9.0, 20.0), width_h=3.0, floor=0.15)) + 1
    ok = rng.binomial(logins, 0.92)
    stuffing = rng.poisson(500.0 * p.ramp(t.size, onset, 1 / 10, 1.0))
    # Leaked credential lists match a real account about 1 % of the time.
    ok = ok + rng.binomial(stuffing, 0.01)
    return {"success_ratio": ok / (logins + stuffing)}


def _kerberoast(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    burst = np.zeros(t.size)
    if onset is not None:
        burst[onset:onset + 4] = 250.0  # Rubeus asks for every service ticket at once, then stops
    return {"tgs_requests": rng.poisson(2.0 + burst).astype(np.float64)}


def _vpn_country(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    usual = zipf_symbols(rng, t.size, COUNTRIES, 2.0)
    abroad = np.asarray(FOREIGN)[rng.integers(0, len(FOREIGN), t.size)]
    return {"country": mix_symbols(rng, usual, abroad, 0.35 * p.ramp(t.size, onset, 1 / 20, 1.0))}


def _user_agents(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    usual = zipf_symbols(rng, t.size, AGENTS, 1.4)
    rotated = np.asarray([f"rotated-{i:02d}" for i in range(60)])[rng.integers(0, 60, t.size)]
    return {"user_agent": mix_symbols(rng, usual, rotated, 0.6 * p.ramp(t.size, onset, 1 / 40, 1.0))}


def _tls(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    usual = zipf_symbols(rng, t.size, FINGERPRINTS, 1.2)
    implants = np.asarray(["ja3-implant-a", "ja3-implant-b", "ja3-implant-c"])[rng.integers(0, 3, t.size)]
    return {"fingerprint": mix_symbols(rng, usual, implants, 0.3 * p.ramp(t.size, onset, 1 / 20, 1.0))}


library_spec("cyber.auth-failures", MIN, _auth_failures,
             process="Failed logins per minute on a directory: typos, Poisson over the working day.",
             source="MITRE ATT&CK T1110 brute force; Windows event 4625 baselines.",
             failure="Password spraying / brute force: ~45 bursty failures a minute within 5 minutes.", n_points=7200)
library_spec("cyber.credential-stuffing", MIN, _login_success,
             process="Share of successful logins per minute on a consumer site: binomial around 92 %.",
             source="OWASP credential stuffing; Akamai SOTI reports (success rates of 0.1-2 % for stuffing).",
             failure="Credential stuffing: ~500 tries a minute with leaked lists, 1 % succeed; success ratio falls.",
             n_points=2000)
library_spec("cyber.kerberoasting", MIN, _kerberoast,
             process="Kerberos service-ticket (TGS) requests per minute by one account: about two.",
             source="Metcalf (2015) Kerberoasting; Windows event 4769 detection guidance.",
             failure="Kerberoasting: ~250 TGS requests a minute for four minutes, then silence.", n_points=2000)
library_spec("cyber.vpn-login-country", 2 * MIN, _vpn_country,
             process="Country of each VPN login: a Zipf mix of the ten countries staff work from.",
             source="Impossible-travel detection (Microsoft Entra ID Protection); Kent (2015) LANL logins.",
             failure="Compromised credentials: 35 % of logins from 15 countries never seen.", n_points=2000)
library_spec("cyber.user-agent-diversity", 0.5, _user_agents,
             process="User agent of each request to a web API: Zipf over 25 browsers and apps.",
             source="Bot user-agent rotation (Imperva bad-bot reports); Zipf laws of client popularity.",
             failure="A botnet rotating 60 fabricated user agents makes 60 % of requests.", n_points=3000)
library_spec("cyber.tls-fingerprint", 2.0, _tls,
             process="JA3 fingerprint of each outbound TLS handshake: Zipf over 12 browsers and agents.",
             source="Salesforce JA3 (Althouse et al. 2017); abuse.ch SSLBL malicious JA3 lists.",
             failure="Implants with three unseen fingerprints make 30 % of handshakes.", n_points=3000)
