"""The hash chain off the commit path (issue #15): entries commit with their content hash only, in parallel, and
one sealer (`ledger_seal`, leader-elected by an advisory lock) later gives them their seq, prev_hash and hash as a
`ledger_seal` row (append-only, like the entries) and writes their outbox events, in the order it saw them commit.

Also `ledger_transfer`, the lean path for one posted-only entry (a transfer): five small statements on scalar
arguments instead of `ledger_apply`'s array machinery. Existing entries keep their chain: their seq, prev_hash and
hash move into seal rows before the columns are dropped (the content hash never covered them)."""
from __future__ import annotations

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

from apps.core.db import append_only_operation

APPLY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_apply(
  partial boolean,
  e_tenant bigint[], e_scope text[], e_client text[], e_kind text[], e_actor text[], e_reverses bigint[],
  e_hold bigint[], e_metadata text[], e_request_hash text[], e_content_hash text[], created timestamptz,
  e_first int[], e_count int[],
  p_slot int[], p_amount bigint[], p_phase text[],
  a_id bigint[], a_tenant bigint[], a_asset text[]
) RETURNS TABLE(r_index int, r_status text, r_entry bigint, r_seq bigint, r_account bigint, r_available bigint)
LANGUAGE plpgsql AS $$
-- Entries 1..n own the postings e_first[i] .. e_first[i] + e_count[i] - 1; a posting's account is a_id[p_slot[j]],
-- a_id ascending, with the tenant and asset the caller computed its hashes with ('stale' for every entry when the
-- database disagrees). r_seq is the seal's seq of a replayed entry (NULL until sealed; new entries are sealed
-- later by ledger_seal). Status per entry: ok, replayed, conflict, insufficient (r_account, r_available before the
-- entry), release_exceeded. Without `partial` the first refusal ends the call before anything is written.
#variable_conflict use_column
DECLARE
  n int := coalesce(array_length(e_scope, 1), 0);
  np int := coalesce(array_length(p_slot, 1), 0);
  st text[]; out_id bigint[]; out_seq bigint[]; bad_acc bigint[]; bad_avail bigint[];
  got_id bigint[]; got_tenant bigint[]; got_asset text[]; got_mode text[]; got_limit bigint[];
  v_bal bigint[]; v_pd bigint[]; v_pc bigint[]; v_floor bigint[]; o_bal bigint[]; o_pd bigint[]; o_pc bigint[];
  p_after bigint[];
  touched int[]; s_bal bigint[]; s_pd bigint[]; s_pc bigint[];
  rec record; i int; j int; s int; t int; c int; amt bigint; failed boolean; ok int[]; m int;
  ids bigint[];
BEGIN
  IF n = 0 THEN RETURN; END IF;
  st := array_fill(NULL::text, ARRAY[n]);
  out_id := array_fill(NULL::bigint, ARRAY[n]); out_seq := out_id; bad_acc := out_id; bad_avail := out_id;

  FOR rec IN SELECT r.k, e.id, s.seq, e.request_hash
             FROM unnest(e_scope, e_client) WITH ORDINALITY AS r(scope, client_id, k)
             JOIN ledger_entry e ON e.scope = r.scope AND e.client_id = r.client_id
             LEFT JOIN ledger_seal s ON s.entry_id = e.id LOOP
    IF rec.request_hash = e_request_hash[rec.k] THEN
      st[rec.k] := 'replayed'; out_id[rec.k] := rec.id; out_seq[rec.k] := rec.seq;
    ELSE
      st[rec.k] := 'conflict';
      IF NOT partial THEN
        RETURN QUERY SELECT g, st[g], out_id[g], out_seq[g], bad_acc[g], bad_avail[g] FROM generate_series(1, n) g;
        RETURN;
      END IF;
    END IF;
  END LOOP;

  PERFORM 1 FROM ledger_account a WHERE a.id = ANY(a_id) ORDER BY a.id FOR UPDATE;
  SELECT array_agg(a.id ORDER BY a.id), array_agg(a.tenant_id ORDER BY a.id), array_agg(a.asset_id ORDER BY a.id),
         array_agg(a.floor_mode ORDER BY a.id), array_agg(a.credit_limit ORDER BY a.id),
         array_agg(a.balance ORDER BY a.id), array_agg(a.pending_debits ORDER BY a.id),
         array_agg(a.pending_credits ORDER BY a.id)
    INTO got_id, got_tenant, got_asset, got_mode, got_limit, v_bal, v_pd, v_pc
    FROM ledger_account a WHERE a.id = ANY(a_id);
  IF got_id IS DISTINCT FROM a_id OR got_tenant IS DISTINCT FROM a_tenant OR got_asset IS DISTINCT FROM a_asset THEN
    RETURN QUERY SELECT g, 'stale'::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint
                 FROM generate_series(1, n) g;
    RETURN;
  END IF;
  v_floor := ARRAY(SELECT CASE fm WHEN 'non_negative' THEN 0 WHEN 'credit_limit' THEN -lim END
                   FROM unnest(got_mode, got_limit) WITH ORDINALITY AS u(fm, lim, k) ORDER BY k);
  o_bal := v_bal; o_pd := v_pd; o_pc := v_pc;
  p_after := array_fill(NULL::bigint, ARRAY[greatest(np, 1)]);

  FOR i IN 1..n LOOP
    CONTINUE WHEN st[i] IS NOT NULL;
    touched := '{}'; s_bal := '{}'; s_pd := '{}'; s_pc := '{}'; failed := false;
    FOR j IN e_first[i] .. e_first[i] + e_count[i] - 1 LOOP
      s := p_slot[j];
      IF NOT s = ANY(touched) THEN
        touched := touched || s; s_bal := s_bal || v_bal[s]; s_pd := s_pd || v_pd[s]; s_pc := s_pc || v_pc[s];
      END IF;
      amt := p_amount[j];
      IF p_phase[j] = 'posted' THEN
        v_bal[s] := v_bal[s] + amt;
      ELSIF p_phase[j] = 'pending' THEN
        IF amt < 0 THEN v_pd[s] := v_pd[s] - amt; ELSE v_pc[s] := v_pc[s] + amt; END IF;
      ELSE  -- release of an earlier pending amount
        IF amt > 0 THEN v_pd[s] := v_pd[s] - amt; ELSE v_pc[s] := v_pc[s] + amt; END IF;
        IF v_pd[s] < 0 OR v_pc[s] < 0 THEN failed := true; st[i] := 'release_exceeded'; EXIT; END IF;
      END IF;
      p_after[j] := v_bal[s];
    END LOOP;
    IF NOT failed THEN
      FOR t IN 1..array_length(touched, 1) LOOP
        s := touched[t];
        IF v_floor[s] IS NOT NULL AND v_bal[s] - v_pd[s] < v_floor[s]
           AND v_bal[s] - v_pd[s] < s_bal[t] - s_pd[t] THEN
          failed := true; st[i] := 'insufficient'; bad_acc[i] := a_id[s]; bad_avail[i] := s_bal[t] - s_pd[t];
          EXIT;
        END IF;
      END LOOP;
    END IF;
    IF failed THEN
      FOR t IN 1..array_length(touched, 1) LOOP
        s := touched[t]; v_bal[s] := s_bal[t]; v_pd[s] := s_pd[t]; v_pc[s] := s_pc[t];
      END LOOP;
      IF NOT partial THEN
        RETURN QUERY SELECT g, st[g], out_id[g], out_seq[g], bad_acc[g], bad_avail[g] FROM generate_series(1, n) g;
        RETURN;
      END IF;
    ELSE
      st[i] := 'ok';
    END IF;
  END LOOP;

  ok := ARRAY(SELECT g FROM generate_series(1, n) g WHERE st[g] = 'ok' ORDER BY g);
  m := coalesce(array_length(ok, 1), 0);
  IF m > 0 THEN
    UPDATE ledger_account a SET balance = u.b, pending_debits = u.pd, pending_credits = u.pc, updated_at = now()
      FROM unnest(a_id, v_bal, v_pd, v_pc, o_bal, o_pd, o_pc) AS u(id, b, pd, pc, ob, opd, opc)
      WHERE a.id = u.id AND (u.b <> u.ob OR u.pd <> u.opd OR u.pc <> u.opc);
    ids := ARRAY(SELECT nextval('ledger_entry_id_seq'::regclass) FROM generate_series(1, m));
    INSERT INTO ledger_entry (id, tenant_id, scope, client_id, kind, actor, reverses_id, hold_id, metadata,
                              request_hash, content_hash, created_at)
      SELECT ids[c], e_tenant[ok[c]], e_scope[ok[c]], e_client[ok[c]], e_kind[ok[c]], e_actor[ok[c]],
             e_reverses[ok[c]], e_hold[ok[c]], e_metadata[ok[c]]::jsonb, e_request_hash[ok[c]],
             e_content_hash[ok[c]], created
      FROM generate_series(1, m) AS c ORDER BY c;
    INSERT INTO ledger_posting (entry_id, tenant_id, account_id, asset_id, amount, phase, balance_after, created_at)
      SELECT ids[c], a_tenant[p_slot[j]], a_id[p_slot[j]], a_asset[p_slot[j]], p_amount[j], p_phase[j], p_after[j],
             created
      FROM generate_series(1, m) AS c, generate_series(e_first[ok[c]], e_first[ok[c]] + e_count[ok[c]] - 1) AS j
      ORDER BY c, j;
    FOR c IN 1..m LOOP
      out_id[ok[c]] := ids[c];
    END LOOP;
  END IF;
  RETURN QUERY SELECT g, st[g], out_id[g], out_seq[g], bad_acc[g], bad_avail[g] FROM generate_series(1, n) g;
END $$;
"""

TRANSFER_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_transfer(
  p_tenant bigint, p_scope text, p_client text, p_kind text, p_actor text, p_reverses bigint, p_metadata text,
  p_request_hash text, p_content_hash text, p_created timestamptz,
  p_account bigint[], p_amount bigint[], p_acc_tenant bigint[], p_acc_asset text[]
) RETURNS TABLE(r_status text, r_entry bigint, r_seq bigint, r_account bigint, r_available bigint)
LANGUAGE plpgsql AS $$
-- One entry of posted postings (p_account[j], p_amount[j]), with the tenant and asset of each posting's account
-- that the caller computed its content hash with. Status: ok, replayed, conflict (r_seq: the replayed entry's seal),
-- insufficient (r_account, r_available before the entry), stale (the accounts are not what the caller thinks).
-- Same locks and floor rule as ledger_apply, so the two paths interleave safely.
#variable_conflict use_column
DECLARE
  np int := coalesce(array_length(p_account, 1), 0);
  a_id bigint[]; a_tenant bigint[]; a_asset text[]; a_floor bigint[]; a_bal bigint[]; a_old bigint[];
  a_pd bigint[]; after bigint[]; j int; s int; eid bigint; rseq bigint; rhash text; rec record;
BEGIN
  SELECT e.id, e.request_hash, sl.seq INTO eid, rhash, rseq
    FROM ledger_entry e LEFT JOIN ledger_seal sl ON sl.entry_id = e.id
    WHERE e.scope = p_scope AND e.client_id = p_client;
  IF eid IS NOT NULL THEN
    RETURN QUERY SELECT CASE WHEN rhash = p_request_hash THEN 'replayed' ELSE 'conflict' END, eid, rseq,
                        NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  -- Row by row, in id order (the lock order of every ledger write): cheaper than aggregating a locking subquery.
  a_id := '{}'; a_tenant := '{}'; a_asset := '{}'; a_floor := '{}'; a_bal := '{}'; a_pd := '{}';
  FOR rec IN SELECT a.id, a.tenant_id, a.asset_id, a.floor_mode, a.credit_limit, a.balance, a.pending_debits
             FROM ledger_account a WHERE a.id = ANY(p_account) ORDER BY a.id FOR UPDATE LOOP
    a_id := a_id || rec.id; a_tenant := a_tenant || rec.tenant_id; a_asset := a_asset || rec.asset_id;
    a_floor := a_floor || CASE rec.floor_mode WHEN 'non_negative' THEN 0
                                              WHEN 'credit_limit' THEN -rec.credit_limit END;
    a_bal := a_bal || rec.balance; a_pd := a_pd || rec.pending_debits;
  END LOOP;
  a_old := a_bal;
  after := array_fill(NULL::bigint, ARRAY[np]);
  FOR j IN 1..np LOOP
    s := array_position(a_id, p_account[j]);
    IF s IS NULL OR a_tenant[s] IS DISTINCT FROM p_acc_tenant[j] OR a_asset[s] <> p_acc_asset[j] THEN
      RETURN QUERY SELECT 'stale'::text, NULL::bigint, NULL::bigint, NULL::bigint, NULL::bigint;
      RETURN;
    END IF;
    a_bal[s] := a_bal[s] + p_amount[j];
    after[j] := a_bal[s];
  END LOOP;
  FOR s IN 1..array_length(a_id, 1) LOOP
    IF a_floor[s] IS NOT NULL AND a_bal[s] - a_pd[s] < a_floor[s] AND a_bal[s] < a_old[s] THEN
      RETURN QUERY SELECT 'insufficient'::text, NULL::bigint, NULL::bigint, a_id[s], a_old[s] - a_pd[s];
      RETURN;
    END IF;
  END LOOP;
  FOR s IN 1..array_length(a_id, 1) LOOP
    CONTINUE WHEN a_bal[s] = a_old[s];
    UPDATE ledger_account SET balance = a_bal[s], updated_at = now() WHERE id = a_id[s];
  END LOOP;
  -- After the account locks, as in ledger_apply: a twin request waits on them, then fails on the unique client id
  -- and is retried by the caller into a replay.
  INSERT INTO ledger_entry (tenant_id, scope, client_id, kind, actor, reverses_id, metadata, request_hash,
                            content_hash, created_at)
    VALUES (p_tenant, p_scope, p_client, p_kind, p_actor, p_reverses, p_metadata::jsonb, p_request_hash,
            p_content_hash, p_created)
    RETURNING id INTO eid;
  INSERT INTO ledger_posting (entry_id, tenant_id, account_id, asset_id, amount, phase, balance_after, created_at)
    SELECT eid, p_acc_tenant[j], p_account[j], p_acc_asset[j], p_amount[j], 'posted', after[j], p_created
    FROM generate_series(1, np) AS j ORDER BY j;
  RETURN QUERY SELECT 'ok'::text, eid, NULL::bigint, NULL::bigint, NULL::bigint;
END $$;
"""

SEAL_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_seal(p_limit int)
RETURNS TABLE(r_sealed int, r_seq bigint, r_lag_ms double precision) LANGUAGE plpgsql AS $$
-- Seals up to p_limit committed, unsealed entries in id order (ids are drawn after the account locks, so entries
-- that touch one account are sealed in the order they committed). r_sealed is -1 when another session holds the
-- sealer's lock; r_lag_ms is the age of the oldest entry sealed (now - its created_at).
-- The frontier: the xmin of the snapshot that found the candidates, i.e. every transaction with a lower id had
-- ended by then, and the entries of those that committed were among the candidates. A transaction still running
-- (or not yet writing) has a higher id, so its entries are found later however low their entry ids are.
#variable_conflict use_column
DECLARE
  head_seq bigint; head text; front bigint; snap bigint; n int;
  ids bigint[]; contents text[]; tenants bigint[]; kinds text[]; clients text[]; created timestamptz[];
  prevs text[]; hashes text[]; c int;
BEGIN
  IF NOT pg_try_advisory_xact_lock(7415002) THEN  -- sealer.SEAL_LOCK
    RETURN QUERY SELECT -1, NULL::bigint, NULL::double precision;
    RETURN;
  END IF;
  -- No row lock: the advisory lock admits one sealer, and a pass that finds nothing stays read-only (no xid).
  SELECT h.seq, h.head_hash, h.frontier INTO head_seq, head, front FROM ledger_chainhead h WHERE h.id = 1;
  WITH cand AS (
    SELECT e.id, e.content_hash, e.tenant_id, e.kind, e.client_id, e.created_at FROM ledger_entry e
    WHERE e.txid >= front AND NOT EXISTS (SELECT 1 FROM ledger_seal s WHERE s.entry_id = e.id)
    ORDER BY e.id LIMIT p_limit)
  SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, count(*), array_agg(id ORDER BY id),
         array_agg(content_hash ORDER BY id), array_agg(tenant_id ORDER BY id), array_agg(kind ORDER BY id),
         array_agg(client_id ORDER BY id), array_agg(created_at ORDER BY id)
    INTO snap, n, ids, contents, tenants, kinds, clients, created
    FROM cand;
  IF n >= p_limit THEN
    snap := front;  -- candidates beyond the limit may lie anywhere above the old frontier
  END IF;
  IF n > 0 THEN
    prevs := array_fill(NULL::text, ARRAY[n]); hashes := prevs;
    FOR c IN 1..n LOOP
      prevs[c] := head;
      head := encode(sha256(decode(head, 'hex') || decode(contents[c], 'hex')), 'hex');
      hashes[c] := head;
    END LOOP;
    INSERT INTO ledger_seal (entry_id, seq, prev_hash, hash, sealed_at)
      SELECT ids[c], head_seq + c, prevs[c], hashes[c], now() FROM generate_series(1, n) AS c ORDER BY c;
    INSERT INTO ledger_outboxevent (seq, entry_id, tenant_id, event_type, payload, created_at)
      SELECT head_seq + c, ids[c], tenants[c], 'entry.committed',
             jsonb_build_object('entry_id', ids[c], 'seq', head_seq + c, 'kind', kinds[c], 'client_id', clients[c],
                                'tenant_id', tenants[c]),
             created[c]
      FROM generate_series(1, n) AS c ORDER BY c;
  END IF;
  IF n > 0 THEN  -- an empty pass leaves the frontier behind: the next pass only scans a little more
    UPDATE ledger_chainhead SET seq = head_seq + n, head_hash = head, frontier = snap WHERE id = 1;
  END IF;
  RETURN QUERY SELECT n, head_seq + n,
    CASE WHEN n > 0 THEN 1000 * extract(epoch FROM clock_timestamp() - created[1])::double precision END;
END $$;
"""

# Rows written from here on carry their writer's transaction id; earlier rows get 0 and are sealed already.
TXID_DEFAULT = "ALTER TABLE ledger_entry ALTER COLUMN txid SET DEFAULT (pg_current_xact_id()::text::bigint)"
COPY_SEALS = """
INSERT INTO ledger_seal (entry_id, seq, prev_hash, hash, sealed_at)
  SELECT id, seq, prev_hash, hash, created_at FROM ledger_entry ORDER BY seq
"""
OLD_APPLY = import_module("apps.ledger.migrations.0007_apply_function").APPLY_FUNCTION
DROP_NEW = "DROP FUNCTION IF EXISTS ledger_transfer; DROP FUNCTION IF EXISTS ledger_seal"


class Migration(migrations.Migration):
    dependencies = [("ledger", "0007_apply_function")]
    operations = [
        migrations.CreateModel(
            name="Seal",
            fields=[
                ("entry", models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, primary_key=True,
                                               related_name="seal", serialize=False, to="ledger.entry")),
                ("seq", models.BigIntegerField(unique=True)),
                ("prev_hash", models.CharField(max_length=64)),
                ("hash", models.CharField(max_length=64)),
                ("sealed_at", models.DateTimeField()),
            ],
        ),
        migrations.RunSQL(COPY_SEALS, migrations.RunSQL.noop),
        append_only_operation("ledger_seal"),
        migrations.AddField(model_name="chainhead", name="frontier", field=models.BigIntegerField(default=0)),
        migrations.AddField(model_name="entry", name="txid", field=models.BigIntegerField(default=0, editable=False),
                            preserve_default=False),
        migrations.RunSQL(TXID_DEFAULT, migrations.RunSQL.noop),
        migrations.AddIndex(model_name="entry", index=models.Index(fields=["txid"], name="ledger_entry_txid")),
        migrations.RemoveField(model_name="entry", name="seq"),
        migrations.RemoveField(model_name="entry", name="prev_hash"),
        migrations.RemoveField(model_name="entry", name="hash"),
        migrations.RunSQL(APPLY_FUNCTION, OLD_APPLY),
        migrations.RunSQL(TRANSFER_FUNCTION + SEAL_FUNCTION, DROP_NEW),
    ]
