"""The state of each mirrored object as the graph holds it: one builder per object type, used by the services
(outbox payloads), by reconcile (what the graph should hold) and, for the signals tables, mirrored by the SQL
triggers of migration 0002 (a test checks both spell the same payload)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

# Object types in the outbox, in the order a batch applies their upserts: nodes before the links between them.
TERM, RELATION, ASSET, STREAM, ALERT, LINK, ATTACHMENT = ("term", "relation", "asset", "stream", "alert", "link",
                                                          "attachment")
NODE_TYPES = (TERM, ASSET, STREAM, ALERT)
EDGE_TYPES = (RELATION, LINK, ATTACHMENT)
OBJECT_TYPES = NODE_TYPES + EDGE_TYPES
ONTOLOGY_TENANT = 0  # graph tenant of the shared ontology (outbox rows carry NULL); read at call time, tests move it


def term_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"key": row["key"], "name": row["name"], "category": row["category"], "kind": row["kind"],
            "unit": row["unit"]}


def relation_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"subject": row["subject_id"], "predicate": row["predicate"], "object": row["object_id"]}


def asset_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"key": row["key"], "name": row["name"], "kind": row["kind"]}


def link_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"source": row["source_id"], "target": row["target_id"], "kind": row["kind"],
            "weight": float(row["weight"])}


def attachment_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"asset": row["asset_id"], "stream": row["stream_id"]}


def stream_payload(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["name"], "kind": row["kind"], "units": row["units"]}


def alert_payload(row: dict[str, Any]) -> dict[str, Any]:
    ts: datetime = row["ts"]
    return {"stream": row["stream_id"], "severity": row["severity"], "status": row["status"],
            "score": float(row["score"]), "ts": ts.timestamp()}


BUILDERS = {TERM: term_payload, RELATION: relation_payload, ASSET: asset_payload, LINK: link_payload,
            ATTACHMENT: attachment_payload, STREAM: stream_payload, ALERT: alert_payload}

# Row-level triggers: every committed insert, relevant update and delete of a stream or an alert writes its
# outbox event in the same transaction, however the row was written (service, bulk_create, admin, SQL).
# Payloads must equal stream_payload / alert_payload above.
TRIGGERS_SQL = """
CREATE OR REPLACE FUNCTION dna_outbox_stream() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    INSERT INTO dna_graphoutbox (tenant_id, object_type, object_id, op, payload)
      VALUES (OLD.tenant_id, 'stream', OLD.id, 'delete',
              jsonb_build_object('name', OLD.name, 'kind', OLD.kind, 'units', OLD.units));
    RETURN OLD;
  END IF;
  INSERT INTO dna_graphoutbox (tenant_id, object_type, object_id, op, payload)
    VALUES (NEW.tenant_id, 'stream', NEW.id, 'upsert',
            jsonb_build_object('name', NEW.name, 'kind', NEW.kind, 'units', NEW.units));
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION dna_outbox_alert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE r signals_alert;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  INSERT INTO dna_graphoutbox (tenant_id, object_type, object_id, op, payload)
    VALUES (r.tenant_id, 'alert', r.id, CASE WHEN TG_OP = 'DELETE' THEN 'delete' ELSE 'upsert' END,
            jsonb_build_object('stream', r.stream_id, 'severity', r.severity, 'status', r.status,
                               'score', r.score, 'ts', extract(epoch FROM r.ts)::float8));
  RETURN r;
END $$;

DROP TRIGGER IF EXISTS dna_outbox_stream_write ON signals_stream;
CREATE TRIGGER dna_outbox_stream_write AFTER INSERT OR DELETE ON signals_stream
  FOR EACH ROW EXECUTE FUNCTION dna_outbox_stream();
-- Ingest updates counters on every batch; only what the graph holds makes an event.
DROP TRIGGER IF EXISTS dna_outbox_stream_update ON signals_stream;
CREATE TRIGGER dna_outbox_stream_update AFTER UPDATE OF name, kind, units ON signals_stream
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.kind IS DISTINCT FROM NEW.kind
                     OR OLD.units IS DISTINCT FROM NEW.units)
  EXECUTE FUNCTION dna_outbox_stream();
DROP TRIGGER IF EXISTS dna_outbox_alert_write ON signals_alert;
CREATE TRIGGER dna_outbox_alert_write AFTER INSERT OR DELETE ON signals_alert
  FOR EACH ROW EXECUTE FUNCTION dna_outbox_alert();
DROP TRIGGER IF EXISTS dna_outbox_alert_update ON signals_alert;
CREATE TRIGGER dna_outbox_alert_update AFTER UPDATE OF status, severity, score, ts, stream_id ON signals_alert
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.severity IS DISTINCT FROM NEW.severity
                     OR OLD.score IS DISTINCT FROM NEW.score OR OLD.ts IS DISTINCT FROM NEW.ts
                     OR OLD.stream_id IS DISTINCT FROM NEW.stream_id)
  EXECUTE FUNCTION dna_outbox_alert();
"""

TRIGGERS_REVERSE_SQL = """
DROP TRIGGER IF EXISTS dna_outbox_stream_write ON signals_stream;
DROP TRIGGER IF EXISTS dna_outbox_stream_update ON signals_stream;
DROP TRIGGER IF EXISTS dna_outbox_alert_write ON signals_alert;
DROP TRIGGER IF EXISTS dna_outbox_alert_update ON signals_alert;
DROP FUNCTION IF EXISTS dna_outbox_stream();
DROP FUNCTION IF EXISTS dna_outbox_alert();
"""
