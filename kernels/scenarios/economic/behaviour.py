"""Economic and behavioural scenarios of customers, shops, cities and supply chains: counts with a daily life,
ratios of outcomes, navigation and mobility sequences, delays."""
from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.flows import (
    daily_shape,
    library_spec,
    markov_symbols,
    mix_symbols,
    next_hour,
    ou,
    weekly_shape,
    zipf_symbols,
)

MIN, HOUR, DAY = 60.0, 3600.0, 86400.0
PAGES = ["home", "search", "category", "product", "reviews", "cart", "checkout", "account", "help", "blog", "api"]
ZONES = [f"zone-{i:02d}" for i in range(40)]


def _payment_volume(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rate = 900.0 * daily_shape(t, peaks=(12.5, 19.0), width_h=3.5, floor=0.12) * weekly_shape(t, weekend=0.8)
    outage = 1.0 - 0.65 * p.ramp(t.size, onset, 1 / 3, 1.0)
    return {"transactions_per_minute": rng.poisson(rate * outage).astype(np.float64)}


def _retail_footfall(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    hours = (t / HOUR) % 24.0
    open_ = (hours >= 8.0) & (hours < 21.0)
    rate = 140.0 * daily_shape(t, peaks=(12.5, 17.5), width_h=2.0, floor=0.35) * weekly_shape(t, weekend=1.4)
    onset = next_hour(t, onset, (8.0, 20.0))
    closure = 1.0 - 0.7 * p.ramp(t.size, onset, 1 / 4, 1.0)
    return {"visitors": rng.poisson(rate * open_ * closure).astype(np.float64), "__onset__": np.asarray(onset)}


def _clickstream(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    # A shopping funnel: mostly home -> search/category -> product -> reviews/cart -> checkout, then back home.
    m = np.full((11, 11), 0.01)
    m[:, 10] = 0.002  # the JSON product API: a browser rarely calls it directly
    for src, dst, w in [(0, 1, 4), (0, 2, 4), (1, 3, 5), (2, 3, 5), (3, 4, 2), (3, 5, 2), (3, 2, 2), (4, 3, 3),
                        (5, 6, 4), (5, 3, 1), (6, 0, 3), (7, 0, 2), (8, 0, 2), (9, 0, 2), (0, 9, 1), (0, 7, 1)]:
        m[src, dst] = w
    humans = markov_symbols(rng, t.size, m / m.sum(axis=1, keepdims=True), PAGES)
    # A scraper pages through the product API and product pages in a fixed alternation, ignoring the funnel.
    bot = np.asarray(["api", "product"] * (t.size // 2 + 1))[: t.size]
    return {"page_category": mix_symbols(rng, humans, bot, 0.75 * p.ramp(t.size, onset, 1 / 50, 1.0))}


def _engagement(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    weekly = weekly_shape(t, weekend=1.25)
    decline = np.exp(-0.02 * np.maximum(0.0, np.arange(t.size) - (onset if onset is not None else t.size)))
    noise = ou(rng, t.size, mean=0.0, theta=0.3, sigma=0.04)
    return {"active_minutes": 42.0 * weekly * decline * np.exp(noise)}


def _contact_queue(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    load = 0.75 * daily_shape(t, peaks=(10.0, 14.5), width_h=2.5, floor=0.15) * weekly_shape(t, weekend=0.5)
    # An incident (an outage customers call about) adds callers whatever the hour: half the centre's capacity.
    offered = load + 0.5 * p.ramp(t.size, onset, 1 / 30, 1.0)
    # Erlang-C queue of 40 agents: waiting calls grow like rho / (1 - rho); arrivals past capacity pile up.
    rho = np.minimum(offered, 0.97)
    backlog = np.cumsum(np.maximum(offered - 0.97, 0.0) * 40.0)
    waiting = rng.poisson(3.0 * rho / (1.0 - rho)) + backlog
    return {"calls_waiting": waiting.astype(np.float64)}


def _lead_time(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    days = rng.lognormal(np.log(12.0), 0.12, t.size)
    congestion = p.ramp(t.size, onset, 1 / 40, 1.0)
    delayed = days * (1.0 + 0.55 * congestion) * rng.lognormal(0.0, 0.15 * congestion)
    return {"lead_time": delayed}


def _mobility(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    everyday = zipf_symbols(rng, t.size, ZONES, 0.9)
    # Evacuation: trips converge on three shelters nobody travels to otherwise, within a few dozen trips.
    event = np.asarray(["shelter-a", "shelter-b", "shelter-c"])[rng.integers(0, 3, t.size)]
    return {"destination_zone": mix_symbols(rng, everyday, event, 0.8 * p.ramp(t.size, onset, 1 / 20, 1.0))}


def _ride_demand(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rate = 55.0 * daily_shape(t, peaks=(8.5, 18.0, 23.0), width_h=1.5, floor=0.2) * weekly_shape(t, weekend=1.1)
    onset = next_hour(t, onset, (6.0, 22.0))
    strike = 1.0 + 1.5 * p.ramp(t.size, onset, 1 / 6, 1.0)
    return {"requests": rng.poisson(rate * strike).astype(np.float64), "__onset__": np.asarray(onset)}


def _card_declines(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    auths = rng.poisson(400.0 * daily_shape(t, peaks=(13.0, 19.0), width_h=4.0, floor=0.15)) + 1
    testing = p.ramp(t.size, onset, 1 / 5, 1.0)
    # Card testing: a bot tries stolen card numbers with small amounts; most are declined.
    declines = rng.binomial(auths, 0.04)
    bot = rng.poisson(250.0 * testing)
    declines = declines + rng.binomial(bot, 0.85)
    return {"decline_ratio": declines / (auths + bot)}


def _conversion(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    sessions = rng.poisson(900.0 * daily_shape(t, peaks=(13.0, 21.0), width_h=3.0, floor=0.2)) + 1
    broken = 1.0 - 0.6 * p.ramp(t.size, onset, 1 / 3, 1.0)
    orders = rng.binomial(sessions, 0.032 * broken)
    return {"conversion_rate": orders / sessions}


def _warehouse(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    hours = (t / HOUR) % 24.0
    shifts = np.where((hours >= 6.0) & (hours < 22.0), 1.0, 0.35)
    stall = 1.0 - 0.8 * p.ramp(t.size, onset, 1 / 2, 1.0)
    return {"picks": rng.poisson(320.0 * shifts * stall).astype(np.float64)}


def _social_mentions(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    base = 6.0 * daily_shape(t, peaks=(13.0, 21.0), width_h=4.0, floor=0.3)
    if onset is not None:
        k = np.maximum(0.0, np.arange(t.size) - onset)
        base = base * (1.0 + 9.0 * (np.arange(t.size) >= onset) * np.exp(-k / 72.0))
    return {"mentions": p.hawkes_counts(rng, base, branching=0.18, decay=0.55)}


def _payment_delay(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    drift = 0.03 * np.maximum(0.0, np.arange(t.size) - (onset if onset is not None else t.size))
    return {"days_late": np.maximum(0.0, rng.gamma(2.0, 2.5, t.size) - 1.5 + drift)}


def _traffic_speed(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    rush = daily_shape(t, peaks=(8.0, 17.5), width_h=1.2, floor=0.0) * weekly_shape(t, weekend=0.2)
    speed = 88.0 - 30.0 * rush + ou(rng, t.size, mean=0.0, theta=0.3, sigma=3.0)
    incident = np.zeros(t.size)
    if onset is not None:
        incident[onset:onset + 24] = 1.0  # a lane-blocking incident cleared after about two hours
    return {"speed": np.maximum(5.0, speed * (1.0 - 0.7 * incident))}


library_spec("economic.payment-volume", MIN, _payment_volume,
             process="Authorised card transactions per minute: Poisson with lunch and evening peaks, weekends 80 %.",
             source="Payment processor load curves (Visa/ECB payment statistics); Poisson arrivals per merchant.",
             failure="Acquirer outage: volume falls to a third within 3 minutes and stays down.", n_points=7200)
library_spec("economic.retail-footfall", 15 * MIN, _retail_footfall,
             process="Door-counter visitors per 15 minutes: open 08-21, lunch and after-work peaks, busier weekends.",
             source="Retail footfall indices (Springboard/Sensormatic) daily curves.",
             failure="Access disruption (road closure, flood): footfall falls to 30 % within an hour.", n_points=3600)
library_spec("economic.clickstream-navigation", 2.0, _clickstream,
             process="Page category of each request: a Markov shopping funnel (home, search/category, product, "
                     "reviews/cart, checkout).",
             source="Markov models of navigation (Sen & Hansen 2003); bot share studies (Imperva bad-bot reports).",
             failure="A scraper alternating the product API and product pages grows to 75 % of requests.",
             n_points=3000)
library_spec("economic.user-engagement", DAY, _engagement,
             process="Daily active minutes of a customer cohort, weekly rhythm (weekends +25 %), log-AR noise.",
             source="Cohort retention curves (Fader & Hardie 2007) and churn as a one-way decline.",
             failure="Churn: engagement decays 2 % a day from the onset (a competitor launch, a broken feature).",
             n_points=500)
library_spec("economic.contact-centre-queue", MIN, _contact_queue,
             process="Calls waiting in a 40-agent contact centre each minute: Erlang-C occupancy rho / (1 - rho) "
                     "over the day's load curve.",
             source="Gans, Koole & Mandelbaum (2003) call-centre queueing; Erlang C.",
             failure="Incident-driven surge: callers worth half the centre's capacity arrive within 30 minutes, any "
                     "hour.",
             n_points=7200)
library_spec("economic.supply-lead-time", 4 * HOUR, _lead_time,
             process="Lead time of each inbound shipment in days, log-normal around 12 days (12 % spread).",
             source="Port congestion of 2021 (Drewry/Sea-Intelligence schedule reliability fell below 40 %).",
             failure="Congestion: lead times lengthen by 55 % and spread more over 40 shipments.", n_points=1200)
library_spec("economic.mobility-entropy", 30.0, _mobility,
             process="Destination zone of each trip in a city of 40 zones, Zipf-distributed visits.",
             source="Gonzalez, Hidalgo & Barabasi (2008) and Song et al. (2010): entropy of human mobility.",
             failure="Evacuation: 80 % of trips converge on three shelters within 20 trips (entropy collapses).",
             n_points=3000)
library_spec("economic.ride-hailing-demand", 5 * MIN, _ride_demand,
             process="Ride requests per 5 minutes in one area: commute and late-evening peaks, Poisson.",
             source="NYC TLC trip records' daily shape (as in NAB's nyc_taxi series).",
             failure="Transit strike: demand rises to 2.5 times normal within half an hour.", n_points=5000)
library_spec("economic.card-decline-ratio", MIN, _card_declines,
             process="Share of card authorisations declined per minute, binomial around 4 %.",
             source="Card-testing attacks (Visa Payment Fraud Disruption reports): bursts of small declined tries.",
             failure="Card testing: a bot adds ~250 tries a minute of which 85 % are declined.", n_points=2000)
library_spec("economic.checkout-conversion", 5 * MIN, _conversion,
             process="Orders per session every 5 minutes, binomial around 3.2 % over a daily session curve.",
             source="E-commerce conversion benchmarks (2-4 %); release-induced checkout failures.",
             failure="Checkout bug after a release: conversion falls 60 % within 15 minutes.", n_points=2400)
library_spec("economic.warehouse-throughput", 10 * MIN, _warehouse,
             process="Order lines picked per 10 minutes: two day shifts at full rate, a night shift at 35 %.",
             source="Warehouse throughput models (de Koster et al. 2007); conveyor and WMS stoppages.",
             failure="Sorter or WMS stall: throughput drops to 20 % at once.", n_points=2800)
library_spec("economic.social-mentions", 5 * MIN, _social_mentions,
             process="Brand mentions per 5 minutes: a Hawkes process (each post triggers replies) over a daily "
                     "curve.",
             source="NAB realTweets series (Lavin & Ahmad 2015); Zhao et al. (2015) SEISMIC retweet cascades.",
             failure="Viral news: the base rate jumps ten-fold and decays over ~6 hours.", n_points=2400)
library_spec("economic.invoice-payment-delay", 30 * MIN, _payment_delay,
             process="Days late of each paid invoice: gamma-distributed (most on time, a few weeks late).",
             source="Trade-credit studies (Atradius payment practices barometer): late payment precedes default.",
             failure="Customer liquidity stress: delays drift up 0.03 days per invoice (a trend, not a jump).",
             n_points=1500)
library_spec("economic.traffic-speed", 5 * MIN, _traffic_speed,
             process="Mean speed on a motorway segment every 5 minutes: free flow ~88 km/h, rush-hour dips.",
             source="NAB realTraffic (Minnesota DOT) speed series; Treiber & Kesting (2013) traffic flow.",
             failure="A lane-blocking incident: speed drops 70 % for two hours, then recovers.", n_points=5000)
