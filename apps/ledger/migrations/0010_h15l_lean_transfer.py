"""A lone transfer in two statements (issue #15, docs/ledger.md "Where a transfer's time goes").

`ledger_transfer` took five to seven statements: a replay lookup, the account locks, one UPDATE per account, the
entry, its postings. Now the locks, then one statement that inserts the entry with `ON CONFLICT (scope, client_id)
DO NOTHING`, its postings and the new balances (data-modifying CTEs that write only if the entry was inserted).
The replay lookup runs only when the insert met the client id (a replay, or a twin that committed while we waited
on the account locks: answered as a replay instead of a unique violation and a retry) or before a refusal, so a
replay is still answered as one even when the funds have gone since.

The entries' index on created_at alone goes: every reader filters entries by tenant first
(ledger_entry_tenant_time) or by id; it was one more index insert per entry."""
from __future__ import annotations

from importlib import import_module

from django.db import migrations, models

TRANSFER_FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_transfer(
  p_tenant bigint, p_scope text, p_client text, p_kind text, p_actor text, p_reverses bigint, p_metadata text,
  p_request_hash text, p_content_hash text, p_created timestamptz,
  p_account bigint[], p_amount bigint[], p_acc_tenant bigint[], p_acc_asset text[]
) RETURNS TABLE(r_status text, r_entry bigint, r_seq bigint, r_account bigint, r_available bigint)
LANGUAGE plpgsql SET plan_cache_mode = force_generic_plan AS $$
-- One entry of posted postings (p_account[j], p_amount[j]), with the tenant and asset of each posting's account
-- that the caller computed its content hash with. Status: ok, replayed, conflict (r_seq: the replayed entry's seal),
-- insufficient (r_account, r_available before the entry), stale (the accounts are not what the caller thinks).
-- Same locks and floor rule as ledger_apply, so the two paths interleave safely. Two statements on the way to 'ok':
-- the account locks, then one statement that inserts the entry (or finds its client id taken), its postings and
-- the new balances; the replay lookup runs only when the insert met the client id, or before a refusal.
#variable_conflict use_column
DECLARE
  np int := coalesce(array_length(p_account, 1), 0);
  a_id bigint[] := '{}'; a_tenant bigint[] := '{}'; a_asset text[] := '{}'; a_floor bigint[] := '{}';
  a_bal bigint[] := '{}'; a_old bigint[]; a_pd bigint[] := '{}'; after bigint[]; j int; s int; eid bigint;
  rseq bigint; rhash text; rec record; bad int;
BEGIN
  -- Row by row, in id order (the lock order of every ledger write): cheaper than aggregating a locking subquery.
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
      bad := s;
      EXIT;
    END IF;
  END LOOP;
  IF bad IS NULL THEN
    -- Entry, postings and balances in one statement; an entry whose client id is taken (a replay, or a twin that
    -- committed while we waited on its account locks) inserts nothing, and then neither do the others.
    WITH e AS (
      INSERT INTO ledger_entry (tenant_id, scope, client_id, kind, actor, reverses_id, metadata, request_hash,
                                content_hash, created_at)
        VALUES (p_tenant, p_scope, p_client, p_kind, p_actor, p_reverses, p_metadata::jsonb, p_request_hash,
                p_content_hash, p_created)
        ON CONFLICT (scope, client_id) DO NOTHING
        RETURNING id
    ), p AS (
      INSERT INTO ledger_posting (entry_id, tenant_id, account_id, asset_id, amount, phase, balance_after, created_at)
        SELECT e.id, p_acc_tenant[j], p_account[j], p_acc_asset[j], p_amount[j], 'posted', after[j], p_created
        FROM e, generate_series(1, np) AS j
    ), u AS (
      UPDATE ledger_account a SET balance = v.b, updated_at = now()
        FROM unnest(a_id, a_bal, a_old) AS v(id, b, o)
        WHERE a.id = v.id AND v.b <> v.o AND EXISTS (SELECT FROM e)
    )
    SELECT e.id INTO eid FROM e;
    IF eid IS NOT NULL THEN
      RETURN QUERY SELECT 'ok'::text, eid, NULL::bigint, NULL::bigint, NULL::bigint;
      RETURN;
    END IF;
  END IF;
  SELECT e.id, e.request_hash, sl.seq INTO eid, rhash, rseq
    FROM ledger_entry e LEFT JOIN ledger_seal sl ON sl.entry_id = e.id
    WHERE e.scope = p_scope AND e.client_id = p_client;
  IF eid IS NOT NULL THEN
    RETURN QUERY SELECT CASE WHEN rhash = p_request_hash THEN 'replayed' ELSE 'conflict' END, eid, rseq,
                        NULL::bigint, NULL::bigint;
    RETURN;
  END IF;
  RETURN QUERY SELECT 'insufficient'::text, NULL::bigint, NULL::bigint, a_id[bad], a_old[bad] - a_pd[bad];
END $$;
"""
OLD_TRANSFER = (import_module("apps.ledger.migrations.0008_h15b_sealed_chain").TRANSFER_FUNCTION
                + "ALTER FUNCTION ledger_transfer SET plan_cache_mode = force_generic_plan;")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0009_h15c_generic_plans")]
    operations = [
        migrations.RunSQL(TRANSFER_FUNCTION, OLD_TRANSFER),
        migrations.AlterField(model_name="entry", name="created_at", field=models.DateTimeField()),
    ]
