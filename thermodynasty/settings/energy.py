"""Energy measurement, grid carbon intensity and energy price (apps/ops/energy, apps/ops/carbon; docs/ops.md)."""
from __future__ import annotations

from thermodynasty.env import env, env_secret

# Where the workers run: the region whose grid powers them (a key of OPS_CARBON_PROVIDERS).
OPS_DEFAULT_REGION = env("OPS_REGION", default="local")
# {"<region>": {"kind": "static"|"file"|"watttime"|"electricitymaps", ...}} or a list per region, tried in order
# (apps/ops/carbon/registry.py). As JSON in the environment, e.g.
# OPS_CARBON_PROVIDERS='{"local": [{"kind": "electricitymaps", "zone": "DE"}, {"kind": "static", "gco2_per_kwh": 380}]}'
OPS_CARBON_PROVIDERS = env.json("OPS_CARBON_PROVIDERS", default={})
# The last fallback: about the world's average grid intensity (gCO2e/kWh), and an energy price in currency minor
# units (cents) per MWh.
OPS_CARBON_DEFAULT_GCO2_PER_KWH = env.float("OPS_CARBON_DEFAULT_GCO2_PER_KWH", default=450.0)
OPS_ENERGY_DEFAULT_PRICE_PER_MWH_MINOR = env.int("OPS_ENERGY_DEFAULT_PRICE_PER_MWH_MINOR", default=10_000)
OPS_CARBON_CACHE_S = env.int("OPS_CARBON_CACHE_S", default=300)
OPS_CARBON_HTTP_TIMEOUT_S = env.float("OPS_CARBON_HTTP_TIMEOUT_S", default=5.0)
OPS_WATTTIME_URL = env("OPS_WATTTIME_URL", default="https://api.watttime.org")
OPS_WATTTIME_USERNAME = env_secret("WATTTIME_USERNAME", "") or ""
OPS_WATTTIME_PASSWORD = env_secret("WATTTIME_PASSWORD", "") or ""
OPS_ELECTRICITYMAPS_URL = env("OPS_ELECTRICITYMAPS_URL", default="https://api.electricitymap.org")
OPS_ELECTRICITYMAPS_TOKEN = env_secret("ELECTRICITYMAPS_TOKEN", "") or ""

# The power model, used where RAPL cannot be read (labelled "estimated"): a busy core draws
# OPS_POWER_WATTS_PER_CORE; while a job runs it also carries its share of the node's idle power,
# OPS_POWER_IDLE_WATTS / OPS_POWER_IDLE_SLOTS (the job slots sharing the node; default: its CPU count).
OPS_POWER_WATTS_PER_CORE = env.float("OPS_POWER_WATTS_PER_CORE", default=12.0)
OPS_POWER_IDLE_WATTS = env.float("OPS_POWER_IDLE_WATTS", default=40.0)
OPS_POWER_IDLE_SLOTS = env.int("OPS_POWER_IDLE_SLOTS", default=0)  # 0: os.cpu_count()
# RAPL (package + dram zones): the idle power of those zones, subtracted before attribution (Kepler's "active"
# power); 0 attributes all of it. Counters are read every OPS_RAPL_SAMPLE_S so a wrap is never missed.
OPS_RAPL_ROOT = env("OPS_RAPL_ROOT", default="/sys/class/powercap")
OPS_RAPL_IDLE_WATTS = env.float("OPS_RAPL_IDLE_WATTS", default=0.0)
OPS_RAPL_SAMPLE_S = env.float("OPS_RAPL_SAMPLE_S", default=30.0)
OPS_PROC_STAT = env("OPS_PROC_STAT", default="/proc/stat")
# What one CEU minor unit is worth in currency minor units, inverted: CEU minor units per cent. The Starter pack
# sells 1,000,000 minor units for 1,000 cents, so 1,000. Prices the energy part of a CEU charge.
OPS_CEU_MINOR_PER_CURRENCY_MINOR = env.int("OPS_CEU_MINOR_PER_CURRENCY_MINOR", default=1_000)
