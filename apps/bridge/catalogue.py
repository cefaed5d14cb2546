"""The MCP tools: each one is a REST operation of the partner API, named by its OpenAPI operation id, so a tool
call goes through exactly the checks a REST call does. `write` tools accept an `idempotency_key` argument that
travels as the `Idempotency-Key` header."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ToolSpec:
    name: str
    operation_id: str
    description: str
    write: bool = False


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("streams_list", "streams_list", "List your telemetry streams (cursor-paginated: pass `cursor`)."),
    ToolSpec("stream_get", "streams_retrieve", "One stream: units, asset, point count, last anomaly score."),
    ToolSpec("stream_signals", "stream_windows_list",
             "A stream's thermodynamic signal windows (energy, temperature, entropy, entropy production...), newest "
             "first: the signal summary over time."),
    ToolSpec("alerts_list", "alerts_list", "Alerts with their explanations; filter by `status` or `stream`."),
    ToolSpec("alert_get", "alerts_retrieve", "One alert with its explanation and evidence."),
    ToolSpec("points_ingest", "stream_points_ingest",
             "Ingest a batch of points ({t: epoch seconds or ISO time, v: number}) into a stream.", write=True),
    ToolSpec("assets_search", "dna_assets_list", "Search your assets (DNA twins) by name or key; filter by kind."),
    ToolSpec("asset_state", "dna_assets_state", "An asset's energy/entropy state, attached streams, open alerts."),
    ToolSpec("asset_blast_radius", "dna_assets_blast_radius",
             "What is at risk if this asset fails: assets reachable within `depth` links, with impact weights."),
    ToolSpec("impact_path", "dna_paths_shortest", "The strongest impact path between two assets."),
    ToolSpec("ceu_estimate", "lab_jobs_estimate", "Price a lab job in CEU before submitting it (nothing is held)."),
    ToolSpec("lab_job_submit", "lab_jobs_submit",
             "Submit a lab simulation job; holds its CEU estimate. Requires `idempotency_key`.", write=True),
    ToolSpec("lab_job_status", "lab_jobs_retrieve", "A lab job's status, progress and metrics."),
    ToolSpec("capsule_run", "capsule_runs_create",
             "Run a published capsule on your data; priced in CEU. Requires `idempotency_key`.", write=True),
    ToolSpec("balances", "ledger_accounts_list", "Your CEU, PFT and MUNT accounts with balances and holds."),
    ToolSpec("statement", "ledger_account_statement", "An account's statement over a period."),
    ToolSpec("market_book", "markets_depth", "A market's order book (L2 depth: price, quantity, orders)."),
    ToolSpec("market_quote", "markets_quote",
             "What a market order of `quantity` would cost (buy) or yield (sell) now, from the book; nothing held."),
    ToolSpec("order_place", "markets_orders_place",
             "Place an order on a market (needs the `trade` scope).", write=True),
    ToolSpec("order_cancel", "orders_cancel", "Cancel one of your open orders (needs the `trade` scope).", write=True),
    ToolSpec("ontology_term", "dna_ontology_term_retrieve",
             "Look up an ontology term: definition, unit, formula and relations."),
    ToolSpec("query", "query_run",
             "Physics Q&A: rank your streams or assets by a signal feature (energy, entropy production...) or "
             "alert count over a time window; exact numbers to cite."),
)

# Operations added by other parts of the product are exposed when the schema has them.
OPTIONAL_TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec("stream_regimes", "stream_regimes_list",
             "A stream's regimes: segments with their level, scale and slope, and the change points between them."),
    ToolSpec("changepoints", "changepoints_analyse",
             "Segment a series you send (≤ 100k points) into regimes; priced in CEU. Requires `idempotency_key`.",
             write=True),
)
