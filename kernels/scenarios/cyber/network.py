"""Cyber scenarios seen on the network: connections, flows, DNS, packets and their attacks."""
from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.flows import daily_shape, library_spec, mix_symbols, ou, zipf_symbols

MIN = 60.0
COMMON_PORTS = ["443", "80", "53", "22", "25", "123", "993", "587", "3306", "5432", "8080", "8443", "389", "636",
                "445", "135", "139", "3389", "1433", "6379", "9200", "5671", "1883", "161"]
SUBNETS = [f"10.{i}.0.0/16" for i in range(1, 31)]
PREFIXES = [f"{a}.{b}.0.0/16" for a, b in zip(range(23, 63), range(7, 47), strict=True)]


def _port_scan(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    normal = zipf_symbols(rng, t.size, COMMON_PORTS, 1.6)
    # A vertical scan walks ports 1..1024 in order (nmap's default sweep is randomised; order is irrelevant here).
    sweep = np.asarray([str(1 + i % 1024) for i in range(t.size)])
    return {"destination_port": mix_symbols(rng, normal, sweep, 0.7 * p.ramp(t.size, onset, 1 / 20, 1.0))}


def _dns_tunnel(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    normal = np.clip(rng.lognormal(np.log(24.0), 0.35, t.size), 4, 253)
    # iodine/dnscat2 pack base32 data into labels of up to 63 characters: names of 150-250 characters.
    tunnel = rng.uniform(150.0, 250.0, t.size)
    share = 0.5 * p.ramp(t.size, onset, 1 / 30, 1.0)
    return {"qname_length": np.round(np.where(rng.random(t.size) < share, tunnel, normal))}


def _egress(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    office = 6e6 * daily_shape(t, peaks=(11.0, 15.0), width_h=3.0, floor=0.1)
    noise = np.exp(ou(rng, t.size, mean=0.0, theta=0.3, sigma=0.15))
    exfil = 2.5e7 * p.ramp(t.size, onset, 1 / 5, 1.0) * rng.uniform(0.8, 1.2, t.size)
    return {"bytes_out": office * noise + exfil}


def _syn_flood(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rate = 220.0 * daily_shape(t, peaks=(14.0,), width_h=5.0, floor=0.4)
    flood = 2e4 * p.ramp(t.size, onset, 1 / 30, 1.0)
    return {"syn_per_second": rng.poisson(rate + flood).astype(np.float64)}


def _beacon(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    browsing = rng.lognormal(np.log(20.0), 1.3, t.size)
    # Cobalt Strike style beacon: sleep 60 s with 10 % jitter; it takes over the host's outbound connections.
    beacon = 60.0 * rng.uniform(0.9, 1.1, t.size)
    share = 0.9 * p.ramp(t.size, onset, 1 / 10, 1.0)
    gaps = np.where(rng.random(t.size) < share, beacon, browsing)
    # The stream carries ln(seconds): browsing is then Gaussian-like and a beacon a collapse of its variance.
    return {"log_interval": np.log(gaps), "__times_s__": np.concatenate([[0.0], np.cumsum(gaps[:-1])])}


def _nxdomain(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    queries = rng.poisson(600.0 * daily_shape(t, peaks=(13.0,), width_h=4.0, floor=0.3)) + 1
    failed = rng.binomial(queries, 0.03)
    dga = rng.poisson(300.0 * p.ramp(t.size, onset, 1 / 5, 1.0))
    failed = failed + rng.binomial(dga, 0.95)
    return {"nxdomain_ratio": failed / (queries + dga)}


def _firewall_denies(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    worm = 1.0 + 7.0 * p.ramp(t.size, onset, 1 / 15, 1.0)
    base = 25.0 * daily_shape(t, peaks=(12.0,), width_h=6.0, floor=0.5) * worm
    return {"denies": p.hawkes_counts(rng, base, branching=0.115, decay=0.67)}


def _icmp_tunnel(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    echo = np.where(rng.random(t.size) < 0.8, 64.0, 84.0) + rng.integers(0, 3, t.size) * 8.0
    tunnel = rng.uniform(900.0, 1400.0, t.size)
    return {"payload_bytes": np.where(rng.random(t.size) < 0.5 * p.ramp(t.size, onset, 1 / 10, 1.0), tunnel, echo)}


def _arp_storm(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rate = 5.0 + 100.0 * p.ramp(t.size, onset, 1 / 3, 1.0)
    return {"arp_replies": rng.poisson(rate).astype(np.float64)}


def _source_prefixes(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    normal = zipf_symbols(rng, t.size, PREFIXES, 1.3)
    spoofed = np.asarray([f"{a}.{b}.0.0/16" for a, b in rng.integers(1, 223, (t.size, 2))])
    return {"source_prefix": mix_symbols(rng, normal, spoofed, 0.8 * p.ramp(t.size, onset, 1 / 20, 1.0))}


def _lateral(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    normal = zipf_symbols(rng, t.size, SUBNETS[:4], 1.5)
    walk = np.asarray(SUBNETS)[rng.integers(4, len(SUBNETS), t.size)]
    return {"destination_subnet": mix_symbols(rng, normal, walk, 0.6 * p.ramp(t.size, onset, 1 / 30, 1.0))}


library_spec("cyber.port-scan", 1.0, _port_scan,
             process="Destination port of each inbound connection: Zipf over ~24 services (443 and 80 dominate).",
             source="Port popularity of enterprise traffic (CAIDA); nmap scanning (Lyon 2009).",
             failure="Vertical port scan: 70 % of connections sweep ports 1-1024.", n_points=3000)
library_spec("cyber.dns-tunnelling", 0.5, _dns_tunnel,
             process="Query-name length per DNS query: log-normal around 24 characters.",
             source="Farnham & Atlasis (SANS 2013) DNS tunnelling detection; iodine and dnscat2 encodings.",
             failure="DNS tunnel: half the queries carry 150-250 character encoded names.", n_points=3000)
library_spec("cyber.egress-volume", MIN, _egress,
             process="Bytes sent out of a network segment per minute: office-hours curve, log-AR noise.",
             source="MITRE ATT&CK T1048 (exfiltration over alternative protocol); DBIR exfiltration volumes.",
             failure="Exfiltration: a steady extra ~25 MB a minute, day and night.", n_points=7200)
library_spec("cyber.ddos-syn-flood", 1.0, _syn_flood,
             process="TCP SYN packets per second at an edge router: Poisson around ~200 with a daily curve.",
             source="Mirai-era floods (Antonakakis et al. 2017); CAIDA DDoS traces.",
             failure="SYN flood ramping to 20,000 packets/s within 30 s.", n_points=2400)
library_spec("cyber.c2-beaconing", 20.0, _beacon,
             process="ln of the seconds between a host's outbound connections: log-normal browsing (very bursty).",
             source="Cobalt Strike sleep/jitter beacons; RITA beacon analysis (Active Countermeasures).",
             failure="C2 beacon: 90 % of connections arrive every 60 s +-10 % (the variance collapses).", n_points=2400)
library_spec("cyber.dga-nxdomain", MIN, _nxdomain,
             process="Share of DNS answers that are NXDOMAIN per minute: binomial around 3 %.",
             source="Antonakakis et al. (2012) Pleiades: domain generation algorithms produce NXDOMAIN bursts.",
             failure="DGA malware: ~300 generated lookups a minute, 95 % unanswered.", n_points=2000)
library_spec("cyber.firewall-denies", MIN, _firewall_denies,
             process="Firewall denies per minute: a Hawkes process (a blocked client retries) over the day.",
             source="Worm propagation (Moore et al. 2003, Slammer) seen as internal deny storms.",
             failure="An internal worm scanning: deny base rate eight-fold within 15 minutes.", n_points=3600)
library_spec("cyber.icmp-tunnel", 1.0, _icmp_tunnel,
             process="ICMP echo payload size per packet: 64 or 84 bytes (ping defaults), a few variants.",
             source="ptunnel / icmptunnel tools; MITRE ATT&CK T1095 (non-application layer protocol).",
             failure="ICMP tunnel: half the packets carry 900-1,400 byte payloads.", n_points=2400)
library_spec("cyber.arp-spoofing", 10.0, _arp_storm,
             process="ARP replies per 10 s on a LAN segment: Poisson around 5.",
             source="ARP cache poisoning (ettercap, arpspoof); Whalen (2001) introduction to ARP spoofing.",
             failure="Gratuitous ARP flood from a poisoning tool: ~100 replies per 10 s.", n_points=2400)
library_spec("cyber.spoofed-source-entropy", 0.1, _source_prefixes,
             process="Source /16 prefix of each inbound SYN: Zipf over the 40 networks clients come from.",
             source="Feinstein et al. (2003) and Lakhina et al. (2005): source-address entropy reveals floods.",
             failure="Spoofed-source flood: 80 % of SYNs from random prefixes (entropy jumps).", n_points=3000)
library_spec("cyber.lateral-movement", 5.0, _lateral,
             process="Destination subnet of a workstation's SMB/RDP/WinRM connections: four subnets it serves.",
             source="MITRE ATT&CK TA0008 lateral movement; Kent (2015) LANL authentication graph.",
             failure="Lateral movement: 60 % of connections walk 26 subnets the host never used.", n_points=3000)
