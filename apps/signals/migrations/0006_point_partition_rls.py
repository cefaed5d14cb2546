"""New monthly partitions of signals_point are created on demand by whoever ingests, the app's plain role included;
only the owner of signals_point may attach one, so the function runs as its owner (SECURITY DEFINER, pinned
search_path). A partition read directly would ignore its parent's policy, so each new partition gets the parent's
policies, FORCEd, before anyone can write to it. Existing partitions are covered by rls.apply_policies."""
from __future__ import annotations

from django.db import migrations

SECURE = """
CREATE OR REPLACE FUNCTION signals_ensure_partition(p_month date) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  first date := date_trunc('month', p_month)::date;
  name text := format('signals_point_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
  pol record;
BEGIN
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF signals_point FOR VALUES FROM (%L) TO (%L)',
                   name, first, (first + interval '1 month')::date);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', name);
    FOR pol IN SELECT policyname, qual, with_check FROM pg_policies
               WHERE schemaname = 'public' AND tablename = 'signals_point' LOOP
      EXECUTE format('CREATE POLICY %I ON %I USING (%s) WITH CHECK (%s)', pol.policyname, name, pol.qual,
                     coalesce(pol.with_check, pol.qual));
    END LOOP;
  END IF;
  RETURN name;
END $$;
REVOKE ALL ON FUNCTION signals_ensure_partition(date) FROM PUBLIC;
"""

PLAIN = """
CREATE OR REPLACE FUNCTION signals_ensure_partition(p_month date) RETURNS text
LANGUAGE plpgsql SECURITY INVOKER AS $$
DECLARE
  first date := date_trunc('month', p_month)::date;
  name text := format('signals_point_y%sm%s', to_char(first, 'YYYY'), to_char(first, 'MM'));
BEGIN
  IF to_regclass(name) IS NULL THEN
    EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF signals_point FOR VALUES FROM (%L) TO (%L)',
                   name, first, (first + interval '1 month')::date);
  END IF;
  RETURN name;
END $$;
ALTER FUNCTION signals_ensure_partition(date) RESET search_path;
GRANT EXECUTE ON FUNCTION signals_ensure_partition(date) TO PUBLIC;
"""


class Migration(migrations.Migration):
    dependencies = [("signals", "0005_regimes")]
    operations = [migrations.RunSQL(SECURE, PLAIN)]
