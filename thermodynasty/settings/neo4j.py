from __future__ import annotations

from thermodynasty.env import env

# Empty means the graph mirror is off: the product runs and says so.
NEO4J_BOLT_URL = env("NEO4J_BOLT_URL", default="")
NEOMODEL_SIGNALS = False
NEOMODEL_FORCE_TIMEZONE = True
