"""Economic scenarios of trading venues and funding markets: returns, the order book, liquidity and prices.

Each ``_build`` models the normal regime of its process and, from ``onset``, its documented failure; the
registered spec says where the shape comes from.
"""
from __future__ import annotations

import numpy as np

from kernels.scenarios import processes as p
from kernels.scenarios.flows import daily_shape, garch_returns, hawkes_counts_varying, library_spec, ou, weekly_shape

MIN, HOUR = 60.0, 3600.0


def _price_returns(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    # One-second GARCH returns, summed into each minute's realised volatility sqrt(sum r^2) (Andersen et al.).
    seconds = np.repeat(1.0 + 5.0 * p.ramp(t.size, onset, 1 / 2, 1.0), 60)
    returns = garch_returns(rng, seconds.size, omega=2e-10, alpha=0.05, beta=0.9, scale=seconds)
    # Its logarithm is close to Gaussian (Andersen et al. 2001), which is what both detectors model best.
    return {"log_realised_volatility": 0.5 * np.log((returns.reshape(t.size, 60) ** 2).sum(axis=1))}


def _order_book_imbalance(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    pressure = -0.55 * p.ramp(t.size, onset, 1 / 20, 1.0)
    # Top-of-book queues refill within seconds, so 1 s imbalance forgets half its value each step.
    noise = ou(rng, t.size, mean=0.0, theta=0.5, sigma=0.19)
    return {"imbalance": np.clip(noise + pressure, -1.0, 1.0)}


def _flash_crash(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    noise = ou(rng, t.size, mean=0.0, theta=0.05, sigma=1.5)
    crash = np.zeros(t.size)
    if onset is not None:
        k = np.arange(t.size - onset)
        # A fall of ~350 bps in about 4 minutes, then a recovery of half of it over 15 minutes (Kirilenko et al.).
        fall = -350.0 * np.clip(k / 240.0, 0.0, 1.0)
        crash[onset:] = fall + 175.0 * np.clip((k - 240) / 900.0, 0.0, 1.0)
    return {"mid_deviation": noise + crash}


def _spread(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    log_spread = ou(rng, t.size, mean=np.log(1.2), theta=0.08, sigma=0.07)
    widen = np.log(4.0) * p.ramp(t.size, onset, 1 / 30, 1.0)
    vol = 1.0 + 1.5 * p.ramp(t.size, onset, 1 / 30, 1.0)
    return {"spread": np.exp(np.log(1.2) + (log_spread - np.log(1.2)) * vol + widen)}


def _depth(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    # Market makers refill the book within about a minute (half-life ~70 s at 10 s steps).
    log_depth = ou(rng, t.size, mean=0.0, theta=0.1, sigma=0.11)
    evaporate = np.log(0.05) * p.ramp(t.size, onset, 1 / 20, 1.0)
    return {"depth": 850.0 * np.exp(log_depth + evaporate)}


def _correlation(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    assets, window = 20, 60
    factor_vol = 1.0 + 2.0 * p.ramp(t.size + window, None if onset is None else onset + window, 1 / 40, 1.0)
    market = rng.standard_normal(t.size + window) * factor_vol * 0.5
    returns = market[:, None] + rng.standard_normal((t.size + window, assets))
    # Mean pairwise correlation from variances: var(sum) = sum var_i + sum_{i != j} cov_ij.
    def rolling_var(x: np.ndarray) -> np.ndarray:
        c1, c2 = np.cumsum(x, axis=0), np.cumsum(x * x, axis=0)
        s1, s2 = c1[window:] - c1[:-window], c2[window:] - c2[:-window]
        return s2 / window - (s1 / window) ** 2

    total = rolling_var(returns.sum(axis=1))
    singles = rolling_var(returns)
    sd = np.sqrt(singles)
    pair_cov = (total - singles.sum(axis=1)) / (assets * (assets - 1))
    pair_sd = (sd.sum(axis=1) ** 2 - singles.sum(axis=1)) / (assets * (assets - 1))
    return {"mean_correlation": np.clip(pair_cov / pair_sd, -1.0, 1.0)}


def _repo_spread(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    base = 2.0 + ou(rng, t.size, mean=0.0, theta=0.1, sigma=0.6)
    spike = np.zeros(t.size)
    if onset is not None:
        k = np.arange(t.size - onset)
        # September 2019: secured overnight rates jumped ~300 bps within hours and took days to normalise.
        spike[onset:] = 280.0 * np.clip(k / 12.0, 0.0, 1.0) * np.exp(-np.maximum(k - 12, 0) / 150.0)
        spike[onset:] *= 1.0 + 0.15 * rng.standard_normal(k.size)
    return {"repo_spread": base + spike}


def _stablecoin_peg(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    peg = ou(rng, t.size, mean=0.0, theta=0.2, sigma=1.2)
    depeg = -900.0 * p.ramp(t.size, onset, 1 / 240, 1.0) ** 1.5
    noisy = 1.0 + 6.0 * p.ramp(t.size, onset, 1 / 60, 1.0)
    return {"peg_deviation": peg * noisy + depeg}


def _spot_power(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    shape = daily_shape(t, peaks=(8.0, 19.0), width_h=2.5, floor=0.55) * weekly_shape(t, weekend=0.8)
    residual = ou(rng, t.size, mean=0.0, theta=0.3, sigma=6.0)
    spikes = rng.pareto(3.0, t.size) * (rng.random(t.size) < 0.01) * 40.0
    scarcity = 1.0 + 1.3 * p.ramp(t.size, onset, 1 / 48, 1.0)
    return {"price": (70.0 * shape + residual * (1.0 + p.ramp(t.size, onset, 1 / 48, 1.0))) * scarcity + spikes}


def _bank_withdrawals(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    shape = daily_shape(t, peaks=(11.0, 16.0), width_h=3.0, floor=0.1) * weekly_shape(t, weekend=0.4)
    run = p.ramp(t.size, onset, 1 / 6, 1.0)
    # Withdrawals by app do not wait for opening hours (SVB's run was online): the panic adds a flat base.
    counts = hawkes_counts_varying(rng, t.size, base=40.0 * shape + 60.0 * run, branching=0.3 + 0.5 * run, decay=0.5)
    return {"withdrawals": counts}


def _ad_cpc(rng: np.random.Generator, t: np.ndarray, onset: int | None) -> dict[str, np.ndarray]:
    shape = daily_shape(t, peaks=(20.0,), width_h=4.0, floor=0.7)
    log_cpc = ou(rng, t.size, mean=0.0, theta=0.2, sigma=0.08)
    fraud = p.ramp(t.size, onset, 1 / 6, 1.0)
    # Click fraud: cheap bot clicks pull the average cost per click down and make it erratic.
    cpc = 0.45 * shape * np.exp(log_cpc * (1.0 + 1.5 * fraud) - 0.9 * fraud)
    return {"cost_per_click": cpc}


library_spec("economic.price-returns", MIN, _price_returns,
             process="ln of the realised volatility per minute of GARCH(1,1) 1 s log returns with Student-t(5) "
                     "shocks (volatility clusters, fat tails).",
             source="Bollerslev (1986) GARCH; Cont (2001) stylised facts; Andersen, Bollerslev, Diebold & Labys "
                    "(2003) realised volatility.",
             failure="Volatility regime: the unconditional variance rises six-fold within 2 minutes (news, stress).",
             n_points=2400)
library_spec("economic.order-book-imbalance", 1.0, _order_book_imbalance,
             process="Top-of-book volume imbalance, a mean-reverting OU process around 0 (balanced book).",
             source="Cont, Kukanov & Stoikov (2014) order-flow imbalance; Cartea et al. (2018) on imbalance.",
             failure="Persistent sell-side pressure: imbalance settles near -0.55, the precursor of a price move.",
             n_points=2400)
library_spec("economic.flash-crash", 1.0, _flash_crash,
             process="Mid price against its 5-minute VWAP in basis points: mean-reverting noise of ~5 bps.",
             source="Kirilenko, Kyle, Samadi & Tuzun (2017), the 6 May 2010 flash crash: -5 % in minutes, then "
                    "most of it back.",
             failure="Liquidity withdrawal: the mid falls ~350 bps in 4 minutes and recovers half over 15.",
             n_points=2400)
library_spec("economic.bid-ask-spread", 10.0, _spread,
             process="Quoted spread in bps every 10 s, log-OU around 1.2 bps (competitive market making).",
             source="Amihud & Mendelson (1986); the March 2020 Treasury market spreads (Duffie 2020).",
             failure="Liquidity dry-up: spread widens four-fold with more erratic quotes within 5 minutes.",
             n_points=2400)
library_spec("economic.market-depth", 10.0, _depth,
             process="Contracts resting within 5 ticks of the mid, every 10 s, log-OU around 850.",
             source="Kirilenko et al. (2017): E-mini depth fell to ~1 % of its usual level on 6 May 2010.",
             failure="Depth evaporates to 5 % of normal within 200 s (market makers withdraw).", n_points=2400)
library_spec("economic.correlation-phase-transition", 300.0, _correlation,
             process="Mean pairwise correlation of 20 stocks' 5-minute returns over a rolling 5-hour window, a "
                     "one-factor model (market beta 0.5) with idiosyncratic noise: about 0.2 in calm markets.",
             source="Kenett et al. (2011) and Preis et al. (2012): correlations jump in crises ('go to one').",
             failure="Crisis phase transition: market factor volatility triples, correlation jumps to ~0.7.",
             n_points=2000)
library_spec("economic.repo-funding-spread", 300.0, _repo_spread,
             process="Overnight repo rate minus the interest on reserve balances, bps every 5 minutes: a few bps "
                     "with small mean-reverting noise.",
             source="Federal Reserve (Anbil, Anderson & Senyal 2020) on the 16-17 September 2019 repo spike.",
             failure="Funding squeeze: the spread jumps ~280 bps in an hour and decays over half a day.", n_points=2000)
library_spec("economic.stablecoin-peg", 60.0, _stablecoin_peg,
             process="Stablecoin price minus $1 in bps, minutely: OU noise of ~2 bps held by arbitrage.",
             source="USDC, 10-11 March 2023 (lost its peg to $0.88 after the SVB exposure was disclosed).",
             failure="De-peg: a run of redemptions pushes the price ~900 bps below par over 4 hours.", n_points=2400)
library_spec("economic.spot-power-price", HOUR, _spot_power,
             process="Hourly day-ahead power price (EUR/MWh): morning and evening peaks, weekend dip, AR noise "
                     "and rare Pareto spikes.",
             source="Weron (2014) electricity price forecasting review; EPEX 2021-22 gas-driven price regime.",
             failure="Scarcity regime: prices more than double within two days and swing twice as widely.",
             n_points=2000)
library_spec("economic.bank-run-withdrawals", 600.0, _bank_withdrawals,
             process="Withdrawal requests per 10 minutes: a self-exciting Hawkes process (branching 0.3) over "
                     "banking hours and weekdays.",
             source="Diamond & Dybvig (1983) bank runs; SVB, 9 March 2023: $42bn asked in one day.",
             failure="Bank run by app: branching rises to 0.8 and 60 more requests per 10 minutes arrive, at any hour.",
             n_points=2800)
library_spec("economic.ad-exchange-cpc", HOUR, _ad_cpc,
             process="Hourly average cost per click on an ad exchange: an evening peak and log-OU noise.",
             source="NAB realAdExchange series (Lavin & Ahmad 2015); click fraud studies (Pearce et al. 2014).",
             failure="Click fraud: cheap bot clicks pull the cost per click down ~60 % and make it erratic.",
             n_points=1200)
