"""Streams, points, windows, alerts and webhooks (apps/signals) and the cross-stream query (apps/bridge)."""
from __future__ import annotations

from apps.ledger.errors import LedgerErrorCode
from apps.signals.errors import SignalErrorCode as S
from thermodynasty.openapi_docs.base import T0, T1, T2, Doc, page

STREAM = {"id": 42, "name": "boiler-3 outlet temperature", "kind": "numeric", "units": "degC",
          "asset_name": "boiler-3", "description": "Outlet thermocouple, 1 Hz.", "window_size": 64, "n_bins": 16,
          "value_low": 0.0, "value_high": 120.0, "point_count": 86400, "last_timestamp": T1, "last_score": 0.12,
          "created_at": T0}
ALERT = {"id": 901, "kind": "anomaly", "stream": 42, "stream_name": "boiler-3 outlet temperature", "ts": T1,
         "score": 0.93, "severity": "high", "status": "open", "delay_points": None, "regime_alert": None,
         "explanation": "Entropy rate rose 4.1 sigma above this stream's own history for 6 windows.",
         "evidence": {"feature": "entropy_rate", "z": 4.1, "windows": 6}, "window_start": T0, "window_end": T1,
         "acknowledged_at": None, "resolved_at": None, "note": "", "created_at": T1}
ACKED = {**ALERT, "status": "acknowledged", "acknowledged_at": T2, "note": "Crew dispatched to boiler 3."}
RESOLVED = {**ALERT, "status": "resolved", "acknowledged_at": T2, "resolved_at": T2,
            "note": "Valve replaced; readings back to baseline."}
WEBHOOK = {"id": 7, "url": "https://hooks.example.com/thermodynasty", "description": "On-call pager bridge",
           "is_active": True, "state": "active", "paused_at": None, "consecutive_failures": 0, "created_at": T0}
NOTE = {"note": "Crew dispatched to boiler 3."}
ALERT_ERRORS = {409: (S.ALERT_STATE,)}

REGIME = {"start_ts": T0, "end_ts": T1, "count": 240, "n": 240, "mean": 80.2, "scale": 1.9, "slope": 0.0004,
          "features": {"energy": 0.41, "entropy": 2.05}, "model": "meanvar",
          "change": {"kind": "level", "summary": "level +15.4σ", "confidence": 0.99,
                     "stats": {"level_sigma": 15.4, "mean_before": 50.1, "mean_after": 80.2}}}
SEGMENT = {"start": 0, "end": 6, "t_start": None, "t_end": None, "n": 6, "mean": 10.03, "scale": 0.12, "slope": 0.0,
           "features": {"energy": 0.01}}
CHANGE = {"index": 6, "t": None, "confidence": 0.99, "gain": 41.7, "kind": "level", "summary": "level +83.1σ",
          "stats": {"level_sigma": 83.1, "mean_before": 10.03, "mean_after": 20.0}}

DOCS: dict[str, Doc] = {
    "stream_regimes_list": Doc(
        "List a stream's regimes",
        "The stream's regimes over its recent horizon, newest first: each segment's level, robust scale and "
        "slope, its signal features, and how it differs from the regime before it (kind, a summary in words and "
        "numbers, and a confidence). Segments are recomputed shortly after batches close windows.",
        response=page(REGIME)),
    "changepoints_analyse": Doc(
        "Find the change points of a series",
        "Segments a series you send (up to 100,000 values; null marks a missing one; optional timestamps, "
        "irregular spacing allowed) into regimes and returns the segments with their statistics and the change "
        "points between them, each with a kind, a summary, a confidence and its gain. Priced in CEU by size; "
        "nothing of the series is stored; `energy` is what the analysis used and the energy part of its price. "
        "Requires an Idempotency-Key.",
        request={"values": [10.0, 10.1, 9.9, 10.0, 10.2, 9.97, 20.1, 19.9, 20.0, 20.2, 19.8, 20.0]},
        response={"id": 311, "points": 12, "model": "mean", "penalty": 9.94, "period": None, "charged": 6,
                  "energy": {"joules": 0.35, "gpu_joules": None, "source": "model", "estimated": True,
                             "wall_s": 0.012, "cpu_s": 0.009, "region": "eu-central", "gco2_per_kwh": 312.0,
                             "carbon_source": "electricitymaps:DE", "co2e_grams": 3.03e-05, "ceu_charged": 6,
                             "ceu_energy": 0, "energy_share": 0.000162},
                  "segments": [SEGMENT, {**SEGMENT, "start": 6, "end": 12, "mean": 20.0, "scale": 0.14}],
                  "change_points": [CHANGE]},
        errors={400: (S.INVALID_SERIES,), 402: (LedgerErrorCode.INSUFFICIENT_CEU,)}),
    "streams_list": Doc(
        "List streams",
        "Your telemetry streams, newest first, one cursor page at a time.",
        response=page(STREAM)),
    "streams_create": Doc(
        "Create a stream",
        "Registers a telemetry stream. `window_size` points make one window, whose energy, temperature and "
        "entropy are computed over `n_bins` histogram bins between `value_low` and `value_high` (learned from the "
        "first windows when left empty). Names are unique within your tenant.",
        request={"name": "boiler-3 outlet temperature", "kind": "numeric", "units": "degC",
                 "asset_name": "boiler-3", "window_size": 64, "n_bins": 16, "value_low": 0.0, "value_high": 120.0},
        response={**STREAM, "point_count": 0, "last_timestamp": None, "last_score": 0.0},
        errors={409: (S.DUPLICATE_STREAM,)}),
    "streams_retrieve": Doc(
        "Get a stream",
        "One stream with its point count, last timestamp and last regime score.",
        response=STREAM),
    "stream_points_list": Doc(
        "List a stream's points",
        "Stored points between `start` and `end` (ISO 8601), each with its symbol, regime score and alarm flag.",
        response=page({"t": T0, "v": 21.5, "symbol": "b7", "score": 0.04, "alarm": False},
                      {"t": T1, "v": 88.2, "symbol": "b15", "score": 0.91, "alarm": True}, more=True)),
    "stream_points_ingest": Doc(
        "Ingest points",
        "Appends up to 10000 points (more answer a `points` field error), all or nothing. `t` is a Unix time "
        "in seconds (or ISO 8601) and must be later than the stream's last point; `v` is the value. Invalid rows "
        "are listed by index in `extra.rows` and nothing is stored. Completed windows are scored at once; "
        "alarms open alerts.",
        request={"points": [{"t": 1700000000, "v": 21.5}, {"t": 1700000001, "v": 21.7},
                            {"t": 1700000002, "v": 22.1}]},
        response={"accepted": 3, "alarms": 0, "alerts": [], "windows": 0, "last_score": 0.12, "decision_ms": 0.8},
        errors={400: (S.INVALID_ROWS,)}),
    "stream_windows_list": Doc(
        "List a stream's windows",
        "The thermodynamic features of each completed window (energy, temperature, entropy, entropy rate, free "
        "energy, entropy production) with its highest regime score and quality flags.",
        response=page({"index": 12, "start_ts": T0, "end_ts": T1, "count": 64, "mean": 21.9, "minimum": 21.1,
                       "maximum": 23.0, "energy": 0.42, "temperature": 1.31, "entropy": 2.07,
                       "entropy_rate": 0.018, "free_energy": -2.29, "entropy_production": 0.004,
                       "max_score": 0.12, "valid": True, "flags": [], "vector": [0.42, 1.31, 2.07, 0.018],
                       "created_at": T1})),
    "alerts_list": Doc(
        "List alerts",
        "Alerts raised by regime detection, newest first; filter by `status` (open, acknowledged, resolved) and "
        "`stream`.",
        response=page(ALERT)),
    "alerts_retrieve": Doc(
        "Get an alert",
        "One alert with the evidence behind it: the feature that moved, by how much, and for how long.",
        response=ALERT),
    "alerts_acknowledge": Doc(
        "Acknowledge an alert",
        "Marks an open alert as seen, with an optional note for your team. Webhooks receive `alert.acknowledged`.",
        request=NOTE, response=ACKED, errors=ALERT_ERRORS),
    "alerts_resolve": Doc(
        "Resolve an alert",
        "Closes an open or acknowledged alert, with an optional note on what was done.",
        request={"note": "Valve replaced; readings back to baseline."}, response=RESOLVED, errors=ALERT_ERRORS),
    "webhooks_list": Doc(
        "List webhook endpoints",
        "Your endpoints with their state: `paused` after repeated delivery failures, `deactivated` by you.",
        response=page(WEBHOOK)),
    "webhooks_create": Doc(
        "Register a webhook endpoint",
        "Events (alerts opened, acknowledged, resolved) are POSTed to this HTTPS URL, signed with the returned "
        "`secret`, which is shown only once: store it to verify the `Thermodynasty-Signature` header.",
        request={"url": "https://hooks.example.com/thermodynasty", "description": "On-call pager bridge"},
        response={**WEBHOOK, "secret": "whsec_5f2b9c7e1d4a8b3c6e0f9a2d7c4b1e8f"},
        errors={400: (S.WEBHOOK_URL, S.WEBHOOK_LIMIT)}),
    "webhooks_deactivate": Doc(
        "Deactivate a webhook endpoint",
        "Stops all deliveries to this endpoint for good; pending deliveries are dropped. Answers 204."),
    "webhooks_resume": Doc(
        "Resume a paused webhook endpoint",
        "Re-enables an endpoint paused after repeated failures; the deliveries it missed are sent again.",
        response=WEBHOOK, errors={400: (S.WEBHOOK_STATE,)}),
    "webhook_deliveries_list": Doc(
        "List an endpoint's deliveries",
        "Every delivery attempt series for this endpoint: status, attempts, last HTTP status and next retry.",
        response=page({"id": 3301, "event_id": "evt_01HQ7J2M9K", "event_type": "alert.opened",
                       "status": "delivered", "attempts": 1, "last_status_code": 200, "last_error": "",
                       "next_attempt_at": None, "delivered_at": T1, "created_at": T1})),
    "query_run": Doc(
        "Rank streams or assets by a feature",
        "Filters, aggregates and ranks your streams (or, with `subject=assets`, your assets) by one window "
        "feature such as `entropy_rate` between `since` and `until`; `aggregate` is mean, max, min or sum, "
        "`order` desc or asc.",
        response={"subject": "streams", "feature": "entropy_rate", "aggregate": "max", "since": T0, "until": T2,
                  "results": [{"rank": 1, "id": 42, "name": "boiler-3 outlet temperature", "value": 0.031,
                               "windows": 56, "detail": {"units": "degC"}}]}),
}
