"""Capsules: packaged analytics sold per run or per stream-day (apps/capsules). Prices are CEU minor units."""
from __future__ import annotations

from apps.capsules.errors import CapsuleErrorCode as K
from apps.ledger.errors import LedgerErrorCode
from apps.ops.errors import OpsErrorCode
from thermodynasty.openapi_docs.base import T0, T1, T2, Doc, page

PRICING = {"per_run": 2000, "per_stream_day": 500, "per_1k_points": 10, "per_gpu_second": 0}
CAPSULE = {"id": 14, "name": "Boiler regime monitor", "description": "Flags regime changes in boiler telemetry.",
           "version": "1.2.0", "kind": "regime_monitor", "owner": "Helios Energy", "owner_id": 5,
           "input_schema": {"type": "object", "required": ["streams"],
                            "properties": {"streams": {"type": "array", "items": {"type": "integer"}}}},
           "pricing": PRICING, "energy_per_run_wh": 0.8, "state": "published", "published_at": T1,
           "created_at": T0}
DRAFT = {**CAPSULE, "state": "draft", "published_at": None}
USAGE = {"event_id": "run-301-points", "capsule": 14, "run": 301, "metric": "points", "quantity": 86, "unit_price": 10,
         "ceu_amount": 860, "occurred_at": T2}
RUN = {"id": 301, "capsule": 14, "capsule_name": "Boiler regime monitor", "subscription": None, "status": "queued",
       "inputs": {"streams": [42], "start": T0, "end": T2}, "quote": {"total": 2860, "points": 86000},
       "reserved": 2860, "charged": 0, "proof_status": "pending", "proof_reason": "", "pft_minted": 0,
       "cpu_seconds": 0.0, "energy_wh": 0.0, "error": "", "created_at": T2, "started_at": None, "finished_at": None,
       "energy": None, "schedule": None}
ENERGY = {"joules": 72.8, "gpu_joules": None, "source": "model", "estimated": True, "wall_s": 2.5, "cpu_s": 1.9,
          "region": "eu-central", "gco2_per_kwh": 312.0, "carbon_source": "electricitymaps:DE",
          "co2e_grams": 0.00631, "ceu_charged": 2860, "ceu_energy": 0, "energy_share": 7.07e-05}
DONE = {**RUN, "status": "succeeded", "charged": 2860, "proof_status": "verified", "pft_minted": 3,
        "cpu_seconds": 1.9, "energy_wh": 0.0202, "energy": ENERGY, "started_at": T2, "finished_at": T2,
        "proof": {"sha256": "4f1c9a0e"}, "result": {"regimes": 2, "alerts": [901]}, "usage": [USAGE]}
SUBSCRIPTION = {"id": 61, "capsule": 14, "capsule_name": "Boiler regime monitor", "inputs": {"streams": [42]},
                "status": "active", "status_reason": "", "starts_on": "2026-03-02", "metered_through": None,
                "created_at": T2}
STATE = {409: (K.INVALID_STATE,)}

DOCS: dict[str, Doc] = {
    "capsules_list": Doc(
        "List capsules",
        "The catalogue: published capsules of the platform and of your partner, plus your own drafts with "
        "`owned=true`.",
        response=page(CAPSULE)),
    "capsules_create": Doc(
        "Create a capsule",
        "A draft capsule owned by your tenant (platform and partners only). Prices are CEU minor units per run, "
        "per stream-day, per 1000 points and per GPU second; publish it to sell it.",
        request={"name": "Boiler regime monitor", "description": "Flags regime changes in boiler telemetry.",
                 "version": "1.2.0", "kind": "regime_monitor", "price_per_run": 2000, "price_per_stream_day": 500,
                 "price_per_1k_points": 10, "price_per_gpu_second": 0, "energy_per_run_wh": 0.8},
        response=DRAFT, errors={403: (K.NOT_A_SELLER,), 409: (K.DUPLICATE_VERSION,)}),
    "capsules_retrieve": Doc(
        "Get a capsule", "One capsule with its input schema and pricing.", response=CAPSULE),
    "capsules_publish": Doc(
        "Publish a capsule", "Puts a draft on sale in the catalogue; its pricing is frozen from now on.",
        response=CAPSULE, errors={403: (K.NOT_A_SELLER,), **STATE}),
    "capsules_retire": Doc(
        "Retire a capsule", "Takes a capsule off sale; running subscriptions are cancelled at the end of the day.",
        response={**CAPSULE, "state": "retired"}, errors={403: (K.NOT_A_SELLER,), **STATE}),
    "capsule_runs_create": Doc(
        "Run a capsule",
        "Quotes the run over the given streams and time range, refuses it with 402 `insufficient_ceu` when the "
        "CEU are not available, else holds the quote and queues the work; poll the run for its result. Requires "
        "an Idempotency-Key. Adding `flexible: true` and a `deadline` (at most 48 h ahead) lets the run wait "
        "for the lowest-carbon window that still finishes in time; `schedule` then says when it will start, and a "
        "deadline that cannot work answers 400 `invalid_schedule` naming the field.",
        request={"inputs": {"streams": [42], "start": T0, "end": T2}},
        response=RUN,
        errors={400: (K.INVALID_INPUTS, K.NO_DATA, K.TOO_MUCH_DATA, OpsErrorCode.INVALID_SCHEDULE),
                402: (LedgerErrorCode.INSUFFICIENT_CEU,),
                409: (K.NOT_PUBLISHED,)}),
    "capsule_runs_list": Doc(
        "List capsule runs", "Your runs, newest first; filter by `capsule` and `status`.", response=page(RUN)),
    "capsule_runs_retrieve": Doc(
        "Get a capsule run",
        "One run with its result, proof of work, and the metered usage it was charged for; once settled, "
        "`energy` gives its measured joules (with their source), gCO2e and the energy part of the charge.",
        response=DONE),
    "capsule_revenue": Doc(
        "Get capsule revenue", "Partners: runs, CEU charged and your revenue share per capsule you sell.",
        response=[{"capsule_id": 14, "capsule": "Boiler regime monitor", "runs": 120, "charged": 343200,
                   "share": 240240}]),
    "capsule_subscriptions_list": Doc(
        "List subscriptions", "Your capsule subscriptions with their metering progress.",
        response=page(SUBSCRIPTION)),
    "capsule_subscriptions_create": Doc(
        "Subscribe to a capsule",
        "Runs the capsule once per elapsed UTC day over that day's points of the given streams, each run metered "
        "and charged; suspended when the CEU run out. Requires an Idempotency-Key.",
        request={"capsule": 14, "streams": [42, 43]},
        response={**SUBSCRIPTION, "inputs": {"streams": [42, 43]}},
        errors={400: (K.INVALID_INPUTS,), 402: (LedgerErrorCode.INSUFFICIENT_CEU,),
                409: (K.NOT_PUBLISHED, K.SUBSCRIPTION_STATE)}),
    "capsule_subscriptions_cancel": Doc(
        "Cancel a subscription", "Stops daily runs; days already run stay charged.",
        response={**SUBSCRIPTION, "status": "cancelled"}, errors={409: (K.SUBSCRIPTION_STATE,)}),
    "capsule_usage_daily": Doc(
        "Get daily usage", "CEU spent per UTC day and capsule between `start` and `end`, from the meter.",
        response=[{"day": "2026-03-02", "capsule": 14, "capsule_name": "Boiler regime monitor", "ceu": 2860,
                   "runs": 1, "points": 86000, "stream_days": 0}]),
    "capsule_usage_events_list": Doc(
        "List usage events", "Each metered quantity behind your capsule charges, newest first.",
        response=page(USAGE)),
}
