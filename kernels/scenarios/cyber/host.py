"""Cyber scenarios seen on hosts and services: processes, files, CPU, latency, queries and mail."""
from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.flows import daily_shape, library_spec, ou

MIN = 60.0
WRITES_PER_POINT = 10  # file writes per 2-second point of the ransomware scenario


def _process_spawn(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rate = 18.0 * daily_shape(t, peaks=(10.0, 15.0), width_h=3.0, floor=0.3) + 40.0 * (t % 3600.0 < 60.0)
    storm = 1.0 + 9.0 * p.ramp(t.size, onset, 1 / 3, 1.0)
    return {"spawns_per_minute": rng.poisson(rate * storm).astype(np.float64)}


def _write_entropy(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    writes = (t.size, WRITES_PER_POINT)
    text = np.clip(rng.normal(4.6, 0.5, writes), 0.5, 8.0)
    packed = np.clip(rng.normal(7.6, 0.15, writes), 0.5, 8.0)  # compressed media and archives
    normal = np.where(rng.random(writes) < 0.2, packed, text)
    cipher = 8.0 - rng.exponential(0.004, writes)
    share = 0.9 * p.ramp(t.size, onset, 1 / 2, 1.0)[:, None]
    # The sensor reports the mean entropy of the writes of each 2 s: one write is either a document or media.
    return {"write_entropy": np.where(rng.random(writes) < share, cipher, normal).mean(axis=1)}


def _file_renames(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rate = 4.0 * daily_shape(t, peaks=(11.0, 16.0), width_h=3.0, floor=0.05) + 200.0 * p.ramp(t.size, onset, 1 / 2, 1.0)
    return {"renames": rng.poisson(rate).astype(np.float64)}


def _cpu(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    load = 18.0 + 35.0 * daily_shape(t, peaks=(14.0,), width_h=4.0, floor=0.0) + ou(rng, t.size, mean=0.0,
                                                                                    theta=0.4, sigma=5.0)
    mined = 96.0 + rng.normal(0.0, 1.2, t.size)
    share = p.ramp(t.size, onset, 1 / 2, 1.0)
    return {"cpu_utilisation": np.clip(load * (1.0 - share) + mined * share, 0.0, 100.0)}


def _latency(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    load = daily_shape(t, peaks=(11.0, 20.0), width_h=3.0, floor=0.3)
    attack = p.ramp(t.size, onset, 1 / 10, 1.0)
    # Application-layer DoS (slow requests): tail latency grows five-fold, the error rate follows.
    p95 = (120.0 + 60.0 * load) * np.exp(ou(rng, t.size, mean=0.0, theta=0.3, sigma=0.08)) * (1.0 + 4.0 * attack)
    requests = rng.poisson(3000.0 * load) + 1
    errors = rng.binomial(requests, 0.002 + 0.08 * attack)
    return {"latency_p95": p95, "error_rate": errors / requests}


def _db_rows(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    normal = np.ceil(rng.lognormal(np.log(40.0), 1.0, t.size))
    dump = np.ceil(rng.lognormal(np.log(2e5), 0.5, t.size))
    return {"rows_returned": np.where(rng.random(t.size) < 0.25 * p.ramp(t.size, onset, 1 / 10, 1.0), dump, normal)}


def _mail(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rate = 0.8 * daily_shape(t, peaks=(9.5, 14.0), width_h=2.0, floor=0.02) + 40.0 * p.ramp(t.size, onset, 1 / 3, 1.0)
    return {"messages": rng.poisson(rate).astype(np.float64)}


def _forced_browsing(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    brute = 1.0 + 40.0 * p.ramp(t.size, onset, 1 / 2, 1.0)
    rate = 6.0 * daily_shape(t, peaks=(13.0, 20.0), width_h=3.5, floor=0.3) * brute
    return {"not_found": rng.poisson(rate).astype(np.float64)}


library_spec("cyber.process-spawn", MIN, _process_spawn,
             process="Processes started per minute on a server: working-hours curve plus hourly cron bursts.",
             source="Sysmon event 1 baselines; ransomware and fork-bomb behaviour (MITRE ATT&CK T1059).",
             failure="Spawn storm (ransomware fan-out, fork bomb): ten times the usual rate within 3 minutes.",
             n_points=7200)
library_spec("cyber.ransomware-entropy", 2.0, _write_entropy,
             process="Mean Shannon entropy (bits/byte) of a host's file writes per 2 s (about ten writes): documents "
                     "~4.6, 20 % compressed media ~7.6.",
             source="Scaife et al. (2016) CryptoDrop; Kharraz et al. (2016) UNVEIL: encrypted writes near 8.",
             failure="Encryption: 90 % of writes at ~7.99 bits/byte within 4 s.", n_points=3000)
library_spec("cyber.file-rename-rate", MIN, _file_renames,
             process="File renames per minute on a file share: a few, in office hours.",
             source="Continella et al. (2016) ShieldFS: mass renames to a new extension mark ransomware.",
             failure="Ransomware renames ~200 files a minute from the first minutes.", n_points=3600)
library_spec("cyber.cryptomining", 5 * MIN, _cpu,
             process="CPU utilisation (%) of a cloud VM every 5 minutes: daily load curve plus AR noise.",
             source="NAB realAWSCloudwatch EC2 CPU series (Lavin & Ahmad 2015); Pastrana & Suarez-Tangil (2019).",
             failure="A cryptominer pins the CPU at ~96 % with almost no variation.", n_points=5000)
library_spec("cyber.service-latency", MIN, _latency,
             process="p95 latency (ms) and error rate per minute of a web service: daily load, log-AR noise.",
             source="Slowloris / R.U.D.Y. application-layer DoS; Google SRE golden signals (latency, errors).",
             failure="Application-layer DoS: p95 latency five-fold and errors to ~8 % within 10 minutes.",
             n_points=3600)
library_spec("cyber.db-exfiltration", 2.0, _db_rows,
             process="Rows returned by each database query: log-normal around 40 (paged application reads).",
             source="SQL injection dumps (sqlmap); Kamra, Terzi & Bertino (2008) database anomaly detection.",
             failure="Dump: a quarter of queries return ~200,000 rows.", n_points=3000)
library_spec("cyber.outbound-mail", MIN, _mail,
             process="Messages sent per minute by one mailbox: under one a minute, office hours.",
             source="Compromised-account spam (Thomas et al. 2013, trafficking fraudulent accounts).",
             failure="Account taken over for spam: ~40 messages a minute.", n_points=7200)
library_spec("cyber.forced-browsing", MIN, _forced_browsing,
             process="HTTP 404 responses per minute of a web application: a few, daily curve.",
             source="OWASP forced browsing; dirbuster/gobuster wordlists.",
             failure="Directory brute force: 404s forty-fold within 2 minutes.", n_points=7200)
