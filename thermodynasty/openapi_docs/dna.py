"""The asset identity graph ("DNA"): assets, links, templates, cascades and the ontology (apps/dna)."""
from __future__ import annotations

from apps.core.errors import CoreErrorCode
from apps.dna.errors import DnaErrorCode as D
from apps.lab.errors import LabErrorCode
from apps.ledger.errors import LedgerErrorCode
from apps.signals.errors import SignalErrorCode
from thermodynasty.openapi_docs.base import T0, T1, T2, Doc, page

ASSET = {"id": 201, "key": "boiler-3", "name": "Boiler 3", "kind": "equipment", "description": "Gas-fired boiler.",
         "attributes": {"site": "north-plant", "rated_kw": 850}, "created_at": T0, "updated_at": T1}
LINK = {"id": 501, "source": 201, "source_key": "boiler-3", "target": 202, "target_key": "loop-a", "kind": "flows_to",
        "weight": 0.8, "created_at": T0}
STREAM = {"id": 42, "name": "boiler-3 outlet temperature", "kind": "numeric", "units": "degC"}
IMPACTED = {"id": 202, "key": "loop-a", "name": "Heating loop A", "kind": "network", "depth": 1, "impact": 0.8}
NODES = [{"id": 201, "key": "boiler-3", "name": "Boiler 3", "kind": "equipment"},
         {"id": 202, "key": "loop-a", "name": "Heating loop A", "kind": "network"}]
FRAMES = {"nodes": NODES, "links": [{"source": 201, "target": 202, "weight": 0.8}], "times": [0.0, 5.0],
          "heat": [[1.0, 0.0], [0.62, 0.31]], "coherence": [1.0, 0.87], "arrival": [0.0, 2.4],
          "method": "expm_multiply", "backend": "cpu", "truncated": False}
TEMPLATE = {"key": "boiler", "name": "Boiler", "industry": "energy", "description": "A boiler's core telemetry.",
            "inputs": [{"role": "outlet_temp", "kind": "numeric", "units": "degC", "value_range": [0, 120],
                        "description": "Outlet water temperature."}],
            "signals": ["entropy_rate", "free_energy"], "parameters": {"window_size": 64},
            "detector": {"threshold": 0.9}, "changepoint": {"model": "seasonal", "period": 96},
            "alert_policy": {"anomaly": "Hotter than any learnt hour.", "regime_change": "The daily profile shifted.",
                             "failure_shows_as": "either"},
            "budgets": {"false_alarms_per_1000": 1.0, "max_delay_s": 14400}, "version": "2.0.0"}
GRAPH = {503: (D.GRAPH_UNAVAILABLE,)}
LINK_ERRORS = {400: (D.SELF_LINK, D.UNKNOWN_ASSET), 409: (D.DUPLICATE_LINK,)}
CASCADE_JOB = {"id": 3130, "kind": "graph_cascade", "params": {"source": 201, "rate": 1.0, "horizon": 10.0,
                                                               "frames": 16, "radius": 3},
               "status": "queued", "progress": 0.0, "cost_estimate": 2000, "charged": 0, "attempts": 0,
               "max_attempts": 3, "time_limit_s": 300, "device": "", "error": "", "metrics": {}, "artefacts": [],
               "created_at": T2, "started_at": None, "finished_at": None}

DOCS: dict[str, Doc] = {
    "dna_assets_list": Doc("List assets", "Your assets; filter by `kind` or `search` on key and name.",
                           response=page(ASSET)),
    "dna_assets_create": Doc(
        "Create an asset",
        "Adds a site, host, service, sensor, equipment or network asset; `key` is your stable identifier.",
        request={"key": "boiler-3", "name": "Boiler 3", "kind": "equipment", "description": "Gas-fired boiler.",
                 "attributes": {"site": "north-plant", "rated_kw": 850}},
        response=ASSET, errors={409: (D.DUPLICATE_ASSET,)}),
    "dna_assets_retrieve": Doc("Get an asset", "One asset with its attributes.", response=ASSET),
    "dna_assets_update": Doc(
        "Update an asset", "Changes the given fields only; the key never changes.",
        request={"name": "Boiler 3 (retrofitted)", "attributes": {"site": "north-plant", "rated_kw": 900}},
        response={**ASSET, "name": "Boiler 3 (retrofitted)", "attributes": {"site": "north-plant", "rated_kw": 900}}),
    "dna_assets_delete": Doc("Delete an asset", "Deletes the asset with its links and stream attachments."),
    "dna_assets_blast_radius": Doc(
        "Get an asset's blast radius",
        "Assets a disturbance here reaches within `depth` links (dependents, downstream flows, hosted services), "
        "with the impact that arrives.",
        response={"source": 201, "depth": 3, "backend": "neo4j", "total_impact": 0.8, "assets": [IMPACTED]},
        errors=GRAPH),
    "dna_assets_cascade": Doc(
        "Simulate a cascade",
        "A unit disturbance at this asset diffused over its neighbourhood (`radius` links) at `rate` until "
        "`horizon`, sampled in `frames` frames: heat per asset, coherence and arrival times.",
        response=FRAMES, errors={422: (D.GRAPH_TOO_LARGE,)}),
    "dna_assets_cascade_job": Doc(
        "Queue a cascade job",
        "The cascade as a lab job (graph_cascade on the GPU queue) for large neighbourhoods; paid in CEU. Fetch "
        "its frames from the cascade-jobs endpoint when it succeeds.",
        request={"rate": 1.0, "horizon": 10.0, "frames": 16, "radius": 3},
        response=CASCADE_JOB,
        errors={400: (LabErrorCode.TOO_MUCH_WORK,), 402: (LedgerErrorCode.INSUFFICIENT_CEU,),
                422: (D.GRAPH_TOO_LARGE,)}),
    "dna_assets_state": Doc(
        "Get an asset's state",
        "Current energy/entropy state of each attached stream, derived from its latest windows, and the asset's "
        "open alerts.",
        response={"asset": ASSET, "status": "warning",
                  "streams": [{"stream": 42, "name": "boiler-3 outlet temperature", "kind": "numeric",
                               "units": "degC", "last_timestamp": T1, "last_score": 0.93, "open_alerts": 1,
                               "window": None, "stability_index": 0.41, "irreversibility": 0.12,
                               "noise_class": "pink", "entropy": None, "phases": []}],
                  "alerts": [{"id": 901, "stream": 42, "ts": T1, "score": 0.93, "severity": "high",
                              "explanation": "Entropy rate rose 4.1 sigma above this stream's history."}]}),
    "dna_asset_streams_list": Doc("List an asset's streams", "Streams attached to this asset.",
                                  response=[STREAM]),
    "dna_asset_streams_attach": Doc(
        "Attach a stream", "Attaches one of your streams to this asset; a stream belongs to one asset.",
        request={"stream": 42}, response=STREAM,
        errors={400: (D.UNKNOWN_STREAM,), 409: (D.STREAM_ATTACHED,)}),
    "dna_asset_streams_detach": Doc("Detach a stream", "Detaches the stream; its data is kept."),
    "dna_assets_import": Doc(
        "Import assets and links",
        "Upserts assets by key and links by (source, target, kind), as JSON rows or CSV text; all or nothing, "
        "with invalid rows listed in `extra.rows`.",
        request={"assets": [{"key": "boiler-3", "name": "Boiler 3", "kind": "equipment"},
                            {"key": "loop-a", "name": "Heating loop A", "kind": "network"}],
                 "links": [{"source": "boiler-3", "target": "loop-a", "kind": "flows_to", "weight": 0.8}]},
        response={"assets_created": 2, "assets_updated": 0, "links_created": 1, "links_updated": 0, "unchanged": 0},
        errors={400: (D.INVALID_ROWS, D.IMPORT_TOO_LARGE)}),
    "dna_cascade_jobs_frames": Doc(
        "Get a cascade job's frames",
        "A succeeded cascade job's frames on your assets; 409 `cascade_not_ready` while it still runs.",
        response=FRAMES, errors={400: (D.NOT_A_CASCADE,), 409: (D.CASCADE_NOT_READY,)}),
    "dna_graph_retrieve": Doc(
        "Get the identity graph",
        "Up to 400 most-connected assets with their open alert counts and the links between them.",
        response={"nodes": [{**n, "alerts": 1 if n["id"] == 201 else 0} for n in NODES],
                  "links": [{"id": 501, "source": 201, "target": 202, "kind": "flows_to", "weight": 0.8}],
                  "total_assets": 2}),
    "dna_graph_status": Doc(
        "Get graph mirror status", "Whether the graph database mirror is reachable and how far projection got.",
        response={"enabled": True, "reachable": True, "message": "Graph mirror is up to date.", "pending": 0,
                  "done": 1204, "skipped": 0, "last_projected_at": T1, "last_error": ""}),
    "dna_links_list": Doc("List links", "Links between your assets; filter by `asset`.", response=page(LINK)),
    "dna_links_create": Doc(
        "Create a link",
        "Links two assets (`depends_on`, `flows_to`, `hosts`, `connects`) with a weight in (0, 1]: how much of a "
        "disturbance passes along it.",
        request={"source": 201, "target": 202, "kind": "flows_to", "weight": 0.8}, response=LINK,
        errors=LINK_ERRORS),
    "dna_links_retrieve": Doc("Get a link", "One link between two of your assets.", response=LINK),
    "dna_links_update": Doc("Update a link's weight", "Changes how much disturbance the link passes on.",
                            request={"weight": 0.5}, response={**LINK, "weight": 0.5}),
    "dna_links_delete": Doc("Delete a link", "Removes the link between the two assets."),
    "dna_ontology_retrieve": Doc(
        "Get the ontology",
        "The versioned vocabulary of signals and quantities; filter by `category` and `kind`.",
        response={"version": {"version": "2026.1", "checksum": "sha256:7c1e0a", "notes": "Adds entropy rate.",
                              "loaded_at": T0},
                  "terms": [{"key": "entropy_rate", "name": "Entropy rate", "category": "signal",
                             "kind": "quantity", "definition": "Entropy produced per symbol in a window.",
                             "unit": "nat/symbol", "formula": "h = H(X_n | X_{n-1})",
                             "code_ref": "kernels.signal_compiler.entropy_rate", "version": "2026.1"}]}),
    "dna_ontology_term_retrieve": Doc(
        "Get an ontology term", "One term with its definition, unit, formula and relations.",
        response={"key": "entropy_rate", "name": "Entropy rate", "category": "signal", "kind": "quantity",
                  "definition": "Entropy produced per symbol in a window.", "unit": "nat/symbol",
                  "formula": "h = H(X_n | X_{n-1})", "code_ref": "kernels.signal_compiler.entropy_rate",
                  "version": "2026.1",
                  "relations": [{"subject": "entropy_rate", "predicate": "derived_from", "object": "entropy"}]}),
    "dna_paths_shortest": Doc(
        "Find the path between two assets",
        "The fewest-links path along which a disturbance at `source` reaches `target`, with its strength.",
        response={"found": True, "backend": "neo4j", "strength": 0.8,
                  "assets": [{**IMPACTED, "id": 201, "key": "boiler-3", "name": "Boiler 3", "kind": "equipment",
                              "depth": 0, "impact": 1.0}, IMPACTED], "weights": [0.8]},
        errors={404: (CoreErrorCode.NOT_FOUND,), **GRAPH}),
    "dna_templates_list": Doc("List templates", "Asset templates by industry; each declares its input streams.",
                              response=[TEMPLATE]),
    "dna_templates_retrieve": Doc("Get a template", "One template with its inputs, signals, detector, change-point "
                                  "model, alert policy and the budgets its evidence is judged by.",
                                  response=TEMPLATE),
    "dna_templates_instantiate": Doc(
        "Apply a template",
        "Creates (or binds, via `bindings` role -> stream id) one stream per template input with the template's "
        "settings, optionally attached to `asset`.",
        request={"name_prefix": "boiler-3", "asset": 201, "bindings": {"outlet_temp": 42}},
        response={"id": 71, "template": "boiler", "asset": 201, "bindings": {"outlet_temp": 42},
                  "settings": {"window_size": 64}, "created_at": T2},
        errors={400: (D.UNKNOWN_ROLE, D.STREAM_KIND_MISMATCH, D.UNKNOWN_ASSET, D.UNKNOWN_STREAM, D.TEMPLATE_INACTIVE),
                409: (SignalErrorCode.DUPLICATE_STREAM,)}),
    "dna_template_instances_list": Doc(
        "List applied templates", "Templates you applied, with the streams bound to each input.",
        response=page({"id": 71, "template": "boiler", "asset": 201, "bindings": {"outlet_temp": 42},
                       "settings": {"window_size": 64}, "created_at": T2})),
}
