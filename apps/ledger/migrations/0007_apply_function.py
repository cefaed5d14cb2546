"""One statement per batch: replay detection, account locks, the sequential floor checks and the writes all run in
`ledger_apply`, so a group commit costs one round trip and holds the chain head only inside the server.

Replaces `ledger_commit` (which needed the replay lookup, the account locks and the Python floor checks as three
round trips before it, with the chain head held until the caller's COMMIT came back over the network)."""
from __future__ import annotations

from importlib import import_module

from django.db import migrations

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
-- database disagrees). Status per entry: ok, replayed, conflict, insufficient (r_account, r_available before the
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
  head_seq bigint; head text; ids bigint[]; seqs bigint[]; prevs text[]; hashes text[];
BEGIN
  IF n = 0 THEN RETURN; END IF;
  st := array_fill(NULL::text, ARRAY[n]);
  out_id := array_fill(NULL::bigint, ARRAY[n]); out_seq := out_id; bad_acc := out_id; bad_avail := out_id;

  FOR rec IN SELECT r.k, e.id, e.seq, e.request_hash
             FROM unnest(e_scope, e_client) WITH ORDINALITY AS r(scope, client_id, k)
             JOIN ledger_entry e ON e.scope = r.scope AND e.client_id = r.client_id LOOP
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
    -- The chain head is locked last and held to commit, so seq order is commit order.
    SELECT h.seq, h.head_hash INTO head_seq, head FROM ledger_chainhead h WHERE h.id = 1 FOR UPDATE;
    prevs := array_fill(NULL::text, ARRAY[m]); hashes := prevs;
    FOR c IN 1..m LOOP
      prevs[c] := head;
      head := encode(sha256(decode(head, 'hex') || decode(e_content_hash[ok[c]], 'hex')), 'hex');
      hashes[c] := head;
    END LOOP;
    seqs := ARRAY(SELECT head_seq + g FROM generate_series(1, m) AS g);
    UPDATE ledger_chainhead SET seq = head_seq + m, head_hash = head WHERE id = 1;
    ids := ARRAY(SELECT nextval('ledger_entry_id_seq'::regclass) FROM generate_series(1, m));
    INSERT INTO ledger_entry (id, seq, tenant_id, scope, client_id, kind, actor, reverses_id, hold_id, metadata,
                              request_hash, content_hash, prev_hash, hash, created_at)
      SELECT ids[c], seqs[c], e_tenant[ok[c]], e_scope[ok[c]], e_client[ok[c]], e_kind[ok[c]], e_actor[ok[c]],
             e_reverses[ok[c]], e_hold[ok[c]], e_metadata[ok[c]]::jsonb, e_request_hash[ok[c]],
             e_content_hash[ok[c]], prevs[c], hashes[c], created
      FROM generate_series(1, m) AS c ORDER BY c;
    INSERT INTO ledger_posting (entry_id, tenant_id, account_id, asset_id, amount, phase, balance_after, created_at)
      SELECT ids[c], a_tenant[p_slot[j]], a_id[p_slot[j]], a_asset[p_slot[j]], p_amount[j], p_phase[j], p_after[j],
             created
      FROM generate_series(1, m) AS c, generate_series(e_first[ok[c]], e_first[ok[c]] + e_count[ok[c]] - 1) AS j
      ORDER BY c, j;
    INSERT INTO ledger_outboxevent (seq, entry_id, tenant_id, event_type, payload, created_at)
      SELECT seqs[c], ids[c], e_tenant[ok[c]], 'entry.committed',
             jsonb_build_object('entry_id', ids[c], 'seq', seqs[c], 'kind', e_kind[ok[c]],
                                'client_id', e_client[ok[c]], 'tenant_id', e_tenant[ok[c]]),
             created
      FROM generate_series(1, m) AS c ORDER BY c;
    FOR c IN 1..m LOOP
      out_id[ok[c]] := ids[c]; out_seq[ok[c]] := seqs[c];
    END LOOP;
  END IF;
  RETURN QUERY SELECT g, st[g], out_id[g], out_seq[g], bad_acc[g], bad_avail[g] FROM generate_series(1, n) g;
END $$;
"""

DROP_COMMIT = "DROP FUNCTION IF EXISTS ledger_commit"
COMMIT_FUNCTION = import_module("apps.ledger.migrations.0002_ledger_sql").COMMIT_FUNCTION


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_commit_function_presized")]
    operations = [
        migrations.RunSQL(APPLY_FUNCTION, "DROP FUNCTION IF EXISTS ledger_apply"),
        migrations.RunSQL(DROP_COMMIT, COMMIT_FUNCTION),
    ]
