"""Database-side ledger machinery: append-only history, the chain head, the set-based commit function, the
assets and the system accounts."""
from __future__ import annotations

from django.db import migrations

from apps.core.db import append_only_sql
from apps.ledger.bootstrap import ensure_ledger_bootstrap

COMMIT_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_commit(
  e_tenant bigint[], e_scope text[], e_client text[], e_kind text[], e_actor text[], e_reverses bigint[],
  e_hold bigint[], e_metadata text[], e_request_hash text[], e_content_hash text[], e_created timestamptz[],
  p_entry int[], p_tenant bigint[], p_account bigint[], p_asset text[], p_amount bigint[], p_phase text[],
  p_balance_after bigint[],
  a_id bigint[], a_balance bigint[], a_pending_debits bigint[], a_pending_credits bigint[]
) RETURNS TABLE(entry_id bigint, entry_seq bigint) LANGUAGE plpgsql AS $$
DECLARE
  n int := coalesce(array_length(e_scope, 1), 0);
  head_seq bigint; head text; ids bigint[]; seqs bigint[]; prevs text[]; hashes text[]; i int;
BEGIN
  IF n = 0 THEN RETURN; END IF;
  -- Pre-sized: growing a PL/pgSQL array element by element copies it each time.
  prevs := array_fill(NULL::text, ARRAY[n]); hashes := array_fill(NULL::text, ARRAY[n]);
  UPDATE ledger_account a SET balance = u.b, pending_debits = u.pd, pending_credits = u.pc, updated_at = now()
    FROM unnest(a_id, a_balance, a_pending_debits, a_pending_credits) AS u(id, b, pd, pc) WHERE a.id = u.id;
  -- The chain head is locked last and held to commit, so seq order is commit order.
  SELECT c.seq, c.head_hash INTO head_seq, head FROM ledger_chainhead c WHERE c.id = 1 FOR UPDATE;
  FOR i IN 1..n LOOP
    prevs[i] := head;
    head := encode(sha256(decode(head, 'hex') || decode(e_content_hash[i], 'hex')), 'hex');
    hashes[i] := head;
  END LOOP;
  seqs := ARRAY(SELECT head_seq + g FROM generate_series(1, n) AS g);
  UPDATE ledger_chainhead SET seq = head_seq + n, head_hash = head WHERE id = 1;
  SELECT array_agg(nextval(pg_get_serial_sequence('ledger_entry', 'id'))) INTO ids FROM generate_series(1, n);
  INSERT INTO ledger_entry (id, seq, tenant_id, scope, client_id, kind, actor, reverses_id, hold_id, metadata,
                            request_hash, content_hash, prev_hash, hash, created_at)
    SELECT * FROM unnest(ids, seqs, e_tenant, e_scope, e_client, e_kind, e_actor, e_reverses, e_hold,
                         e_metadata::jsonb[], e_request_hash, e_content_hash, prevs, hashes, e_created);
  INSERT INTO ledger_posting (entry_id, tenant_id, account_id, asset_id, amount, phase, balance_after, created_at)
    SELECT ids[u.k], u.t, u.acc, u.asset, u.amt, u.ph, u.ba, e_created[u.k]
    FROM unnest(p_entry, p_tenant, p_account, p_asset, p_amount, p_phase, p_balance_after)
      AS u(k, t, acc, asset, amt, ph, ba);
  INSERT INTO ledger_outboxevent (seq, entry_id, tenant_id, event_type, payload, created_at)
    SELECT seqs[k], ids[k], e_tenant[k], 'entry.committed',
           jsonb_build_object('entry_id', ids[k], 'seq', seqs[k], 'kind', e_kind[k], 'client_id', e_client[k],
                              'tenant_id', e_tenant[k]),
           e_created[k]
    FROM generate_subscripts(ids, 1) AS k;
  RETURN QUERY SELECT * FROM unnest(ids, seqs);
END $$;
"""

def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    ensure_ledger_bootstrap(apps)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [
        migrations.RunSQL(append_only_sql("ledger_entry"), migrations.RunSQL.noop),
        migrations.RunSQL(append_only_sql("ledger_posting"), migrations.RunSQL.noop),
        migrations.RunSQL(append_only_sql("ledger_outboxevent"), migrations.RunSQL.noop),
        migrations.RunSQL(COMMIT_FUNCTION, "DROP FUNCTION IF EXISTS ledger_commit"),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
